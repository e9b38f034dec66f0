"""Build steps for datasets layered on the territories (QPV, shops, structures…).

Each dataset module declares one :class:`Etape`: the sources it reads and a
function that writes its tables into a folder. :func:`construire_etape` runs it
into ``data/cache/<nom>/`` with its own manifest, so that

- a dataset that cannot be had (offline, no mirror) is recorded as unavailable
  with the French message of :class:`~geo.sources.SourceIndisponible`, and the
  rest of the app works with what it has;
- a step is skipped when its inputs and code have not changed;
- a half-written folder is never read (built aside, then swapped in).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geo.build import instantane_embarque
from geo.outils import config
from geo.outils.text import accorder, date_fr, nombre_fr
from geo.sources import (
    COMMANDE_SIRENE,
    Localisation,
    SourceIndisponible,
    libelle_erreur,
    localiser,
    publication,
    toutes_les_sources,
)
from geo.sources import source as source_declaree
from geo.sources.lecture import defaut_de_l_erreur
from geo.territoires.referentiel import Referentiel

journal = logging.getLogger("geo.build")

NOM_MANIFESTE = "manifeste.json"
# A rebuild may lose at most this share of the rows of any table it replaces:
# beyond it, a truncated or wrong official file is more likely than real change.
SEUIL_PERTE = 0.10
PREFIXE_REFUS = "Fichier refusé : "


@dataclass(frozen=True)
class Etape:
    """A dataset's build step.

    ``construire(dossier, ref, localisations)`` writes the step's files into
    ``dossier`` and returns a dict merged into the step's manifest (counts,
    ``anomalies`` as a list of French sentences…). ``localisations`` holds the
    sources that could be found; the function decides what it can do without
    the others (``sources_requises`` must all be there, or the step is skipped).
    """

    nom: str
    titre: str
    module: str
    sources: tuple[str, ...]
    construire: Callable[[Path, Referentiel, dict[str, Localisation]], dict]
    sources_requises: tuple[str, ...] = ()


def _empreinte(
    etape: Etape, localisations: dict[str, Localisation], territoires: dict, instantane: dict | None
) -> dict:
    code = hashlib.sha256(Path(sys.modules[etape.module].__file__).read_bytes()).hexdigest()[:16]
    empreinte = {
        "version": config.VERSION_CONSTRUCTION,
        "code": code,
        "territoires": territoires.get("construit_le"),
        "fichiers": {
            sid: {"chemin": str(loc.chemin), "taille": loc.chemin.stat().st_size}
            for sid, loc in sorted(localisations.items())
        },
    }
    if instantane is not None:
        empreinte["instantane"] = instantane.get("instantane_construit_le")
    return empreinte


def lire_manifeste(nom: str, dossier_cache: Path | None = None) -> dict | None:
    """The manifest of a built step, or None when it was never built."""
    chemin = (dossier_cache or config.dossier_cache()) / nom / NOM_MANIFESTE
    if not chemin.is_file():
        return None
    return json.loads(chemin.read_text(encoding="utf-8"))


def _ecrire_manifeste(dossier: Path, manifeste: dict) -> None:
    (dossier / NOM_MANIFESTE).write_text(
        json.dumps(manifeste, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )


def _message_exception(erreur: BaseException, localisations: dict[str, Localisation]) -> str:
    """A French account of an unexpected failure: the bad file and its fault when known.

    Readers marked :func:`~geo.sources.lecteur` and the project's own errors name their
    file; only a failure outside them falls back on the list of files being read.
    """
    if type(erreur).__module__.startswith("geo"):
        return str(erreur)
    fichiers = ", ".join(sorted({loc.chemin.name for loc in localisations.values()})) or "aucun"
    return f"{defaut_de_l_erreur(erreur)} ; fichiers lus : {fichiers}"


def fichier_refuse(erreur: object) -> str:
    """The anomaly a step records when one of its input files fails validation.

    Steps go on with their other files, but :func:`construire_etape` then refuses
    the whole rebuild: a year, a region or a source silently missing is worse
    than yesterday's complete data.
    """
    return f"{PREFIXE_REFUS}{erreur}"


def _fichiers_refuses(manifeste: dict) -> list[str]:
    return [
        a.removeprefix(PREFIXE_REFUS) for a in manifeste.get("anomalies", []) if a.startswith(PREFIXE_REFUS)
    ]


def _pertes(ancien: Path, nouveau: Path) -> list[str]:
    """Tables of ``ancien`` that ``nouveau`` drops or shrinks by more than :data:`SEUIL_PERTE`."""
    avant, apres = instantane_embarque.compter_lignes(ancien), instantane_embarque.compter_lignes(nouveau)
    pertes = []
    for table, lignes in avant.items():
        restantes = apres.get(table, 0)
        if lignes and restantes < (1 - SEUIL_PERTE) * lignes:
            pertes.append(f"{table} : {accorder(restantes, 'ligne')} au lieu de {nombre_fr(lignes)}")
    return pertes


# Download failures that mean « no network here » rather than a fault of one file.
_ERREURS_HORS_LIGNE = {"dns", "connexion", "delai"}


def raison_sans_fichier(introuvables: dict[str, dict]) -> str:
    """Why a step has no official file, in a few words, from the facts of its missing sources.

    >>> raison_sans_fichier({"a": {"cause": "telechargement", "erreur": "connexion"}})
    'hors ligne'
    >>> raison_sans_fichier({"a": {"cause": "sans_adresse"}})
    'aucun fichier officiel ici'
    """
    faits = introuvables.values()
    if any(f.get("cause") == "hors_ligne" or f.get("erreur") in _ERREURS_HORS_LIGNE for f in faits):
        return "hors ligne"
    return "aucun fichier officiel ici"


def _comparable(ancien: dict | None, ref: Referentiel) -> bool:
    """Only a previous build of the same territories can be compared row for row."""
    return (
        ancien is not None
        and bool(ancien.get("disponible"))
        and ancien.get("perimetre", "France entière") == ref.manifeste.get("perimetre", "France entière")
    )


def construire_etape(
    etape: Etape,
    ref: Referentiel,
    dossier_cache: Path | None = None,
    forcer: bool = False,
    telecharger: bool = True,
    *,
    instantane: bool = True,
    nouvelles: dict[str, Localisation] | None = None,
    accepter_pertes: bool = False,
    volumineux: bool = False,
) -> dict:
    """Run one step into ``<dossier_cache>/<nom>/``; return its manifest.

    Official files (mirror, download cache, download) come first; a step that
    finds none falls back on the embedded snapshot (unless ``instantane`` is
    False). ``nouvelles`` are fresh downloads tried before anything else
    (``--actualiser``). A build that fails, or that would lose more than
    :data:`SEUIL_PERTE` of the rows of any table it replaces (unless
    ``accepter_pertes``), is refused: the previous tables stay, and the
    manifest's ``refus`` says, in French, which file, what is wrong and what
    was kept.
    """
    dossier_cache = dossier_cache or config.dossier_cache()
    dossier = dossier_cache / etape.nom
    localisations: dict[str, Localisation] = {}
    indisponibles: dict[str, str] = {}
    introuvables: dict[str, dict] = {}
    for source_id in etape.sources:
        if nouvelles and source_id in nouvelles:
            localisations[source_id] = nouvelles[source_id]
            continue
        try:
            localisations[source_id] = localiser(source_id, telecharger=telecharger, volumineux=volumineux)
        except SourceIndisponible as erreur:
            indisponibles[source_id] = str(erreur)
            introuvables[source_id] = erreur.faits()

    manquantes = [s for s in etape.sources_requises if s not in localisations]
    officielles = bool(localisations) and not manquantes
    jeu_instantane = instantane_embarque.entree(etape.nom) if instantane else None
    utiliser_instantane = not officielles and jeu_instantane is not None
    empreinte = _empreinte(
        etape,
        localisations if officielles else {},
        ref.manifeste,
        jeu_instantane if utiliser_instantane else None,
    )
    ancien = lire_manifeste(etape.nom, dossier_cache)
    if not forcer and not nouvelles and ancien is not None and ancien.get("empreinte") == empreinte:
        journal.info("%s : déjà construit et à jour.", etape.titre)
        return ancien

    debut = time.perf_counter()
    temporaire = dossier.with_name(dossier.name + ".construction")
    if temporaire.exists():
        shutil.rmtree(temporaire)
    temporaire.mkdir(parents=True)
    manifeste: dict = {
        "etape": etape.nom,
        "titre": etape.titre,
        "construit_le": dt.datetime.now().isoformat(timespec="seconds"),
        "perimetre": ref.manifeste.get("perimetre", "France entière"),
        "sources": [loc.en_dict() for loc in localisations.values()],
        "indisponibles": indisponibles,
        # Facts of the official files not found here (worded by libelle_introuvable).
        "introuvables": introuvables,
        "anomalies": [],
        "disponible": officielles,
    }
    refus = None
    if utiliser_instantane:
        journal.info(
            "%s : %s, %s utilisé.",
            etape.titre,
            raison_sans_fichier(introuvables),
            instantane_embarque.libelle(jeu_instantane),
        )
        manifeste.update(instantane_embarque.restaurer(etape.nom, temporaire))
        manifeste["indisponibles_officiels"] = indisponibles
        manifeste["introuvables"] = introuvables
    elif not officielles:
        journal.warning("%s : indisponible (%s).", etape.titre, " ; ".join(indisponibles.values()))
    else:
        journal.info("%s : construction…", etape.titre)
        try:
            manifeste.update(etape.construire(temporaire, ref, localisations))
        except Exception as erreur:  # any defect of an input file must keep the previous data
            journal.debug("Échec de l'étape %s", etape.nom, exc_info=True)
            refus = _message_exception(erreur, localisations)
        else:
            refuses = _fichiers_refuses(manifeste)
            if refuses and not accepter_pertes:
                refus = " ; ".join(refuses)
            elif not manifeste.get("disponible"):
                anomalies = " ".join(manifeste.get("anomalies", []))
                refus = "les fichiers officiels n'ont rien donné d'utilisable" + (
                    f" ({anomalies})" if anomalies else ""
                )
    manifeste["empreinte"] = empreinte
    if refus is None and _comparable(ancien, ref) and not accepter_pertes and manifeste.get("disponible"):
        pertes = _pertes(dossier, temporaire)
        if pertes:
            refus = (
                f"la reconstruction perdrait plus de {SEUIL_PERTE:.0%} des lignes "
                f"({' ; '.join(pertes)}) ; relancez avec --forcer si c'est voulu"
            ).replace("%", " %")
    if refus is not None:
        shutil.rmtree(temporaire)
        return _refuser(
            etape, ref, dossier_cache, ancien, manifeste, refus, instantane and jeu_instantane is not None
        )
    manifeste["duree_s"] = round(time.perf_counter() - debut, 1)
    _ecrire_manifeste(temporaire, manifeste)
    remplacer_dossier(temporaire, dossier)
    return manifeste


def _refuser(
    etape: Etape,
    ref: Referentiel,
    dossier_cache: Path,
    ancien: dict | None,
    tente: dict,
    raison: str,
    instantane_possible: bool,
) -> dict:
    """Keep what was there (or the snapshot) and record why the new build was refused."""
    dossier = dossier_cache / etape.nom
    # The files are listed only when the reason does not already name the bad one.
    lus = [s["chemin"].rsplit("/", 1)[-1] for s in tente.get("sources", [])]
    fichiers = "" if any(nom in raison for nom in lus) else f" ({', '.join(lus) or 'aucun fichier'})"
    maintenant = dt.datetime.now().isoformat(timespec="seconds")
    if ancien is not None and ancien.get("disponible") and dossier.is_dir():
        garde = f"données précédentes du {date_fr(ancien.get('construit_le'))} conservées"
        manifeste = {**ancien}
    elif instantane_possible:
        temporaire = dossier.with_name(dossier.name + ".construction")
        temporaire.mkdir(parents=True)
        manifeste = {
            "etape": etape.nom,
            "titre": etape.titre,
            "construit_le": maintenant,
            "perimetre": ref.manifeste.get("perimetre", "France entière"),
            "anomalies": [],
            # A refused input is retried at the next build, not taken as up to date.
            "empreinte": None,
            **instantane_embarque.restaurer(etape.nom, temporaire),
        }
        garde = manifeste["instantane"]["libelle"] + " utilisé"
        _ecrire_manifeste(temporaire, manifeste)
        remplacer_dossier(temporaire, dossier)
    else:
        garde = "aucune donnée précédente : jeu indisponible"
        manifeste = {**tente, "disponible": False, "empreinte": None}
        dossier.mkdir(parents=True, exist_ok=True)
        for vieux in dossier.glob("*.parquet"):
            vieux.unlink()
    manifeste["refus"] = f"{etape.titre} : mise à jour refusée{fichiers} — {raison.rstrip('. ')} ; {garde}."
    manifeste["refus_le"] = maintenant
    journal.warning("%s", manifeste["refus"])
    _ecrire_manifeste(dossier, manifeste)
    return manifeste


def _effacer(chemin: Path) -> None:
    # A step folder may be a link to a copy built once and shared (tests, a read-only data
    # volume): the link goes, never what it points at.
    if chemin.is_symlink():
        chemin.unlink()
    else:
        shutil.rmtree(chemin)


def remplacer_dossier(temporaire: Path, dossier: Path) -> None:
    """Swap a freshly built folder in, so that readers never see half a build."""
    if dossier.exists() or dossier.is_symlink():
        ancien = dossier.with_name(dossier.name + ".ancien")
        if ancien.exists() or ancien.is_symlink():
            _effacer(ancien)
        dossier.rename(ancien)
        temporaire.rename(dossier)
        _effacer(ancien)
    else:
        dossier.parent.mkdir(parents=True, exist_ok=True)
        temporaire.rename(dossier)


def assurer_etape(etape: Etape, ref: Referentiel, dossier_cache: Path | None = None) -> dict:
    """The step's manifest, building the step first when it was never built."""
    manifeste = lire_manifeste(etape.nom, dossier_cache)
    if manifeste is None:
        manifeste = construire_etape(etape, ref, dossier_cache)
    return manifeste


def provenances(dossier_cache: Path | None = None) -> dict[str, dict]:
    """Where each source was loaded from, or why it is unavailable, across every build.

    Keys are source ids; values are :meth:`Localisation.en_dict` entries, or
    ``{"origine": "indisponible", "message": …}``.
    """
    dossier_cache = dossier_cache or config.dossier_cache()
    resultat: dict[str, dict] = {}
    for manifeste_chemin in sorted(dossier_cache.glob(f"*/{NOM_MANIFESTE}")):
        manifeste = json.loads(manifeste_chemin.read_text(encoding="utf-8"))
        for entree in manifeste.get("sources", []):
            resultat[entree["source"]] = {**entree, "construit_le": manifeste.get("construit_le")}
        for source_id, message in manifeste.get("indisponibles", {}).items():
            indisponible = {"source": source_id, "origine": "indisponible", "message": message}
            resultat.setdefault(source_id, indisponible)
        # Files missing here while the step's figures come from the snapshot: not "unavailable".
        instantane = manifeste.get("instantane", {}).get("libelle")
        for source_id, message in manifeste.get("indisponibles_officiels", {}).items():
            absent = {
                "source": source_id,
                "origine": "absent",
                "message": message,
                "remplace_par": instantane,
            }
            resultat.setdefault(source_id, absent)
    return resultat


def lister_manifestes(dossier_cache: Path | None = None) -> list[dict]:
    """Every manifest of the cache (territories first, then steps by name)."""
    dossier_cache = dossier_cache or config.dossier_cache()
    return [
        json.loads(chemin.read_text(encoding="utf-8"))
        for chemin in sorted(
            dossier_cache.glob(f"*/{NOM_MANIFESTE}"), key=lambda c: (c.parent.name != "territoires", c)
        )
    ]


def libelle_chargement(entree: dict) -> str:
    """When and how this server got one source's figures, in words.

    « dossier miroir (copie du 07/12/2026) », « téléchargé le 07/12/2026 »,
    « instantané du 02/12/2026, fait d'après bpe19_ensemble_csv.zip »: the date
    is the day this server (or the snapshot) got the file, never the producer's
    (see :func:`libelle_publication`).
    """
    origine = entree.get("origine")
    date = date_fr(entree.get("date"))
    if origine == "indisponible":
        return "indisponible"
    if origine == "absent":
        return f"fichier absent ici : le jeu vient de l'{entree.get('remplace_par') or 'instantané'}"
    if origine == "instantane":
        fichier = entree.get("fichier_officiel") or _fichier_d_apres(entree.get("detail"))
        d_apres = f", fait d'après {fichier}" if fichier else ""
        return f"{entree.get('origine_libelle') or 'instantané'}{d_apres}"
    if origine in ("telechargement", "cache"):
        return f"téléchargé le {date}"
    if origine == "miroir":
        return f"dossier miroir local (copie du {date})"
    if origine == "paquet":
        return f"paquet Python installé ({entree.get('detail') or '?'})"
    return str(origine or "non chargé")


def _fichier_d_apres(detail: str | None) -> str | None:
    """The official file named by a snapshot entry worded before facts were recorded
    (« d'après bpe19_ensemble_csv.zip du 02/12/2026 »: that date was the snapshot's)."""
    trouve = re.match(r"d'après (.+?)(?: du \d\d/\d\d/\d{4})?$", detail or "")
    return trouve.group(1) if trouve else None


_ORIGINES_PUBLICATION = {
    "http": "date du fichier sur le serveur officiel",
    "datagouv": "date de la ressource sur data.gouv.fr",
}


def publication_de(entree: dict) -> tuple[str | None, str | None]:
    """(date, origin) of the producer's publication for a manifest's source entry.

    Entries written before publication dates were recorded fall back on the date
    declared with the source.
    """
    if "date_publication" in entree:
        return entree.get("date_publication"), entree.get("origine_date_publication")
    try:
        return publication(source_declaree(entree["source"]))
    except KeyError:
        return None, None


def libelle_publication(date: str | None, origine: str | None = None) -> str:
    """« 15/01/2026 », with where the date comes from when it is not the official listing,
    or « date de publication inconnue »."""
    if not date:
        return "date de publication inconnue"
    precision = _ORIGINES_PUBLICATION.get(origine or "")
    return date_fr(date) + (f" ({precision})" if precision else "")


def libelle_introuvable(faits: dict | None) -> str:
    """Why an official file is not here, in words, from the facts a manifest keeps."""
    faits = faits or {}
    cause = faits.get("cause")
    if cause == "telechargement":
        return f"téléchargement impossible : {libelle_erreur(faits.get('erreur'))}"
    return {
        "sans_adresse": "pas de fichier ici ; pas d'adresse de téléchargement automatique "
        "(à placer dans le dossier miroir ou le cache)",
        "hors_ligne": "pas de fichier ici ; téléchargement désactivé sur ce serveur",
        "volumineux": "pas de fichier ici ; fichier national volumineux, téléchargé seulement à la "
        f"demande (commande {COMMANDE_SIRENE})",
        "non_demande": "pas de fichier ici ; téléchargement non demandé",
    }.get(cause or "", "pas de fichier ici")


def etat_des_sources(dossier_cache: Path | None = None) -> dict[str, dict]:
    """What each source read by a build became on this server: facts, no words.

    Keys are source ids; values hold ``etape`` and ``titre_etape`` (the dataset
    that reads it), ``etat`` (``utilisee``: its figures are shown;
    ``non_retenue``: its file is here but another one was used, or it was refused;
    ``introuvable``: no file here), ``entree`` (the manifest's source entry, when
    found), ``introuvable`` (facts of :meth:`SourceIndisponible.faits`, with the old
    French ``message`` for manifests written before them), ``refusee`` (True when
    one of the step's anomalies refuses its file) and ``utilisees`` (ids of the
    sources the dataset's figures come from).
    """
    etat: dict[str, dict] = {}
    for manifeste in lister_manifestes(dossier_cache):
        etape = manifeste.get("etape") or "territoires"
        titre = manifeste.get("titre") or "Territoires"
        entrees = [e for e in manifeste.get("sources", []) if e.get("source")]
        retenue = manifeste.get("source_utilisee")
        refuses = " ".join(_fichiers_refuses(manifeste))
        utilisees = []
        for entree in entrees:
            fichier = entree.get("fichier_officiel") or Path(str(entree.get("chemin", ""))).name
            refusee = entree["source"] in manifeste.get("ecartees", {}) or (
                bool(fichier) and entree.get("origine") != "instantane" and fichier in refuses
            )
            utilisee = not refusee and (retenue is None or entree["source"] == retenue)
            if utilisee:
                utilisees.append(entree["source"])
            etat[entree["source"]] = {
                "etape": etape,
                "titre_etape": titre,
                "etat": "utilisee" if utilisee else "non_retenue",
                "entree": entree,
                "refusee": refusee,
            }
        messages = {**manifeste.get("indisponibles", {}), **manifeste.get("indisponibles_officiels", {})}
        faits = manifeste.get("introuvables", {})
        for source_id in {**messages, **faits}:
            etat.setdefault(
                source_id,
                {
                    "etape": etape,
                    "titre_etape": titre,
                    "etat": "introuvable",
                    "introuvable": {**faits.get(source_id, {}), "message": messages.get(source_id)},
                },
            )
        for decrit in etat.values():
            if decrit["etape"] == etape:
                decrit["utilisees"] = utilisees
    return etat


def plus_recentes(source_id: str, etat: dict[str, dict]) -> list[dict]:
    """The sources that supersede ``source_id`` (declared ``remplace``) and are not used here,
    each as ``{"source": id, **its etat entry}``; nothing for a source no newer one replaces."""
    return [
        {"source": autre.id, **etat.get(autre.id, {"etat": "non_lue"})}
        for autre in toutes_les_sources()
        if source_id in autre.remplace and etat.get(autre.id, {}).get("etat") != "utilisee"
    ]


def libelle_non_utilisee(decrit: dict) -> str:
    """Why a known source's figures are not shown here, in words (from :func:`etat_des_sources`)."""
    if decrit.get("etat") == "introuvable":
        return libelle_introuvable(decrit.get("introuvable"))
    if decrit.get("etat") == "non_retenue":
        if decrit.get("refusee"):
            return "fichier présent mais refusé (voir les anomalies ci-dessous)"
        return "fichier présent, un autre a été retenu"
    return "pas lu par la construction des données de ce serveur"


def provenance_jeux(dossier_cache: Path | None = None) -> list[dict]:
    """For each built dataset: where its figures come from, and any refused update."""
    jeux = []
    for manifeste in lister_manifestes(dossier_cache):
        if not manifeste.get("etape"):
            continue
        sources = manifeste.get("sources", [])
        origines = sorted({s.get("origine") for s in sources if s.get("origine")})
        jeux.append(
            {
                "etape": manifeste["etape"],
                "titre": manifeste.get("titre"),
                "disponible": bool(manifeste.get("disponible")),
                "origine": origines[0] if len(origines) == 1 else ("mixte" if origines else "indisponible"),
                "libelle": "; ".join(dict.fromkeys(libelle_chargement(s) for s in sources)) or "indisponible",
                "sources": [s["source"] for s in sources],
                **({"refus": manifeste["refus"]} if manifeste.get("refus") else {}),
            }
        )
    return jeux


def tableau_des_sources(dossier_cache: Path | None = None) -> tuple[list[dict], list[dict]]:
    """The Sources page's two tables, worded from the manifests' facts.

    First, one row per source whose figures are shown: the vintage in use, its
    publication date, when this server got it, and any newer (or more complete)
    source known to the application with why it is not used. Then one row per
    other declared source, with why it does not serve here.
    """
    etat = etat_des_sources(dossier_cache)
    utilisees, autres = [], []
    for src in toutes_les_sources():
        decrit = etat.get(src.id, {"etat": "non_lue"})
        if decrit["etat"] == "utilisee":
            entree = decrit["entree"]
            recentes = [
                f"{source_declaree(r['source']).titre} : {libelle_non_utilisee(r)}"
                for r in plus_recentes(src.id, etat)
            ]
            utilisees.append(
                {
                    "Jeu de données": src.titre,
                    "Millésime utilisé": src.millesime,
                    "Publié le": libelle_publication(*publication_de(entree)),
                    "Obtenu par ce serveur": libelle_chargement(entree),
                    "Plus récent ou plus complet": " ; ".join(recentes) or "aucun connu de l'application",
                    "Producteur": src.producteur,
                    "Licence": src.licence,
                    "Page officielle": src.page,
                }
            )
        else:
            autres.append(
                {
                    "Jeu de données": src.titre,
                    "Millésime": src.millesime,
                    "Pourquoi il ne sert pas": libelle_non_utilisee(decrit),
                    "Chiffres concernés": decrit.get("titre_etape") or "—",
                    "Page officielle": src.page,
                }
            )
    return utilisees, autres


def libelle_etat_source(source_id: str, etat: dict[str, dict]) -> str:
    """One source's state in a few words, for the heading of its details."""
    decrit = etat.get(source_id, {"etat": "non_lue"})
    if decrit["etat"] == "utilisee":
        return libelle_chargement(decrit["entree"])
    return f"non utilisé : {libelle_non_utilisee(decrit)}"
