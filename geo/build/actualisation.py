"""Refreshing the official data: one at a time, and every attempt recorded.

A refresh rebuilds the steps in their fixed ``<étape>.construction`` folders: two at once on
the same data folder, or one during a container's start (``deploy/demarrer.sh``), would spoil
each other. Every refresh therefore holds the lock ``demarrer.sh`` takes (``flock`` on
``.demarrage.verrou`` in the data folder; :func:`fcntl.flock` is the same lock as flock(1)).
The command and the nightly job wait for it; the Sources page's button refuses at once with a
French message (:class:`ActualisationEnCours`).

Each attempt (nightly job, button, command) is recorded in ``actualisations.json`` in the data
folder (written whole, then renamed: a reader never sees half a file): when it ran, what started
it, and per dataset ``actualise`` (fresh files adopted), ``inchange`` (nothing new, or no
download address), ``refuse`` (the fresh files failed the checks: the previous data stay; the
reason is kept) or ``hors_ligne`` (downloads impossible).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from geo.build import etapes
from geo.outils import config
from geo.outils.text import date_heure_fr
from geo.sources import source

journal = logging.getLogger("geo.build")

NOM_VERROU = ".demarrage.verrou"
NOM_JOURNAL = "actualisations.json"
# The attempts kept in the file (a month of nightly runs and a few by hand).
TENTATIVES_GARDEES = 40

DECLENCHEURS = {
    "planifiee": "actualisation planifiée",
    "bouton": "bouton de la page Sources",
    "commande": "ligne de commande",
}
RESULTATS = {
    "actualise": "actualisé",
    "inchange": "inchangé",
    "refuse": "refusé",
    "hors_ligne": "hors ligne",
}


class ActualisationEnCours(RuntimeError):
    """Another refresh, or a container's start, holds the data folder's lock."""

    def __init__(self) -> None:
        super().__init__(
            "Une actualisation des données (ou le démarrage d'un serveur) est déjà en cours : "
            "rien n'a été lancé. Réessayez dans quelques minutes ; la page Sources dira son résultat."
        )


def chemin_verrou(dossier_donnees: Path | None = None) -> Path:
    return (dossier_donnees or config.dossier_donnees()) / NOM_VERROU


def chemin_journal(dossier_donnees: Path | None = None) -> Path:
    return (dossier_donnees or config.dossier_donnees()) / NOM_JOURNAL


@contextlib.contextmanager
def verrou_donnees(dossier_donnees: Path | None = None, attendre: bool = True) -> Iterator[None]:
    """Hold the data folder's lock (the one ``deploy/demarrer.sh`` takes) for the block.

    ``attendre=False`` raises :class:`ActualisationEnCours` at once when someone holds it.
    """
    chemin = chemin_verrou(dossier_donnees)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    try:
        fichier = chemin.open("a")
    except PermissionError:  # made by another user (a root cron job): a lock needs no writing
        fichier = chemin.open("r")
    with fichier:
        try:
            fcntl.flock(fichier, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not attendre:
                raise ActualisationEnCours() from None
            journal.warning("Actualisation ou démarrage en cours : attente de la fin (verrou %s)…", chemin)
            fcntl.flock(fichier, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fichier, fcntl.LOCK_UN)


def resultat_du_jeu(manifeste: dict, debut: str) -> dict:
    """What one dataset's refresh gave, from the manifest :func:`construction.actualiser_etape`
    returned: ``{"etape", "titre", "resultat", "detail"}`` (``detail``: the reason, in French)."""
    faits = manifeste.get("faits_actualisation", {})
    lignes = " ".join(manifeste.get("actualisation", []))
    if manifeste.get("refus") and manifeste.get("refus_le", "") >= debut:
        resultat, detail = "refuse", manifeste["refus"]
    elif faits.get("adoptes"):
        resultat = "inchange" if faits.get("identiques") else "actualise"
        detail = "fichiers officiels identiques à ceux en place" if faits.get("identiques") else lignes
        if faits.get("echecs"):
            detail += " " + " ".join(faits["echecs"])
    elif faits.get("echecs"):
        resultat, detail = "hors_ligne", " ".join(faits["echecs"])
    else:
        resultat, detail = "inchange", lignes or "aucune source de ce jeu n'a d'adresse de téléchargement"
    return {
        "etape": manifeste.get("etape"),
        "titre": manifeste.get("titre"),
        "resultat": resultat,
        "detail": detail.strip(),
    }


def lire_journal(dossier_donnees: Path | None = None) -> list[dict]:
    """Every recorded attempt, the latest last; nothing when none was made (or the file is unreadable)."""
    chemin = chemin_journal(dossier_donnees)
    try:
        contenu = json.loads(chemin.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    tentatives = contenu.get("tentatives") if isinstance(contenu, dict) else None
    return [t for t in tentatives or [] if isinstance(t, dict)]


def derniere_tentative(dossier_donnees: Path | None = None) -> dict | None:
    tentatives = lire_journal(dossier_donnees)
    return tentatives[-1] if tentatives else None


def consigner(tentative: dict, dossier_donnees: Path | None = None) -> None:
    """Append ``tentative`` to the record, rewritten whole then renamed into place."""
    chemin = chemin_journal(dossier_donnees)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    tentatives = [*lire_journal(dossier_donnees), tentative][-TENTATIVES_GARDEES:]
    descripteur, provisoire = tempfile.mkstemp(prefix=".actualisations.", dir=chemin.parent)
    try:
        # Readable by the app's processes whoever wrote it (mkstemp makes it private).
        os.fchmod(descripteur, 0o644)
        with os.fdopen(descripteur, "w", encoding="utf-8") as fichier:
            json.dump({"tentatives": tentatives}, fichier, ensure_ascii=False, indent=2)
            fichier.flush()
            os.fsync(fichier.fileno())
        Path(provisoire).replace(chemin)
    except BaseException:
        Path(provisoire).unlink(missing_ok=True)
        raise


def maintenant() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def actualiser(
    declencheur: str,
    dossier_cache: Path | None = None,
    *,
    executer: Callable[[], list[dict]],
    attendre: bool = True,
) -> dict:
    """One official refresh, under the lock, recorded; returns the recorded attempt.

    ``executer`` does the refresh and returns the manifests it made (``python -m geo.build
    --actualiser``: territories, then the steps it was asked for; the Sources page's button:
    every dataset in turn, :func:`geo.build.actualisation_des_jeux.actualiser_les_jeux`). The
    attempt is
    ``{"debut", "fin", "declencheur", "jeux": [...]}`` (see :func:`resultat_du_jeu`), plus the
    manifests under ``"manifestes"`` (not recorded).
    """
    if declencheur not in DECLENCHEURS:
        raise ValueError(f"déclencheur inconnu : {declencheur}")
    dossier_cache = dossier_cache or config.dossier_cache()

    with verrou_donnees(dossier_cache.parent, attendre=attendre):
        debut = maintenant()
        manifestes = executer()
        tentative = {
            "debut": debut,
            "fin": maintenant(),
            "declencheur": declencheur,
            "jeux": [resultat_du_jeu(m, debut) for m in manifestes if m.get("etape")],
        }
        consigner(tentative, dossier_cache.parent)
    return {**tentative, "manifestes": manifestes}


def libelle_tentative(tentative: dict) -> str:
    """« 7 décembre 2026 à 3 h 15, actualisation planifiée : 2 actualisés, 1 refusé, 3 inchangés »."""
    comptes: dict[str, int] = {}
    for jeu in tentative.get("jeux", []):
        comptes[jeu.get("resultat")] = comptes.get(jeu.get("resultat"), 0) + 1
    bilan = ", ".join(
        f"{n} {RESULTATS[cle]}{'s' if n > 1 and cle != 'hors_ligne' else ''}"
        for cle, n in comptes.items()
        if cle in RESULTATS
    )
    quand = date_heure_fr(tentative.get("debut"))
    declencheur = DECLENCHEURS.get(tentative.get("declencheur", ""), "origine inconnue")
    return f"{quand}, {declencheur}" + (f" : {bilan}" if bilan else " : aucun jeu")


def en_place(dossier_cache: Path | None = None) -> dict[str, dict]:
    """Per built dataset: ``millesimes`` (vintages of the sources its figures come from, in
    order, once each) and ``obtenu`` (how this server got them, in a few words)."""
    etat = etapes.etat_des_sources(dossier_cache)
    jeux = {}
    for jeu in etapes.provenance_jeux(dossier_cache):
        millesimes = []
        for source_id, decrit in etat.items():
            if decrit["etape"] == jeu["etape"] and decrit["etat"] == "utilisee":
                try:
                    millesimes.append(source(source_id).millesime)
                except KeyError:  # a source no longer declared
                    continue
        # « instantané du 07/12/2026, fait d'après a.csv; … fait d'après b.csv »: the first words say it.
        obtenu = dict.fromkeys(part.split(", fait d'après")[0].strip() for part in jeu["libelle"].split(";"))
        jeux[jeu["etape"]] = {"millesimes": list(dict.fromkeys(millesimes)), "obtenu": " ; ".join(obtenu)}
    return jeux


def tableau_tentative(
    tentative: dict, administrateur: bool, dossier_cache: Path | None = None
) -> tuple[list[dict], list[str]]:
    """The Sources page's account of an attempt: one row per dataset, and the refusals' reasons.

    Everyone sees each dataset's result and the data in use (vintage, how and when this server
    got it); a refusal's reason (which file, what is wrong) is for administrators: to the public
    a refused dataset reads « non actualisé : données en place gardées », and no reason is
    returned.
    """
    donnees = en_place(dossier_cache)
    lignes, refus = [], []
    for jeu in tentative.get("jeux", []):
        resultat = jeu.get("resultat")
        libelle = RESULTATS.get(resultat, "inconnu")
        if resultat == "refuse":
            if administrateur:
                refus.append(jeu.get("detail") or f"{jeu.get('titre')} : refusé, raison non consignée")
            else:
                libelle = "non actualisé : données en place gardées"
        actuel = donnees.get(jeu.get("etape"), {})
        lignes.append(
            {
                "Jeu de données": jeu.get("titre") or jeu.get("etape") or "inconnu",
                "Résultat": libelle,
                "Millésime en place": " ; ".join(actuel.get("millesimes", [])) or "—",
                "Obtenu par ce serveur": actuel.get("obtenu") or "indisponible",
            }
        )
    return lignes, refus
