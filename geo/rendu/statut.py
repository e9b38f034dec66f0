"""``ess-statut`` (``python -m geo.rendu.statut``): the state of a server, for its IT team.

Data vintages per dataset, the last refresh attempt and its result, whether the store is
reachable (``DATABASE_URL``, else the SQLite file) and how many accounts it holds by role. Exits
with 1 when the store cannot be reached (a monitoring probe can run it); ``--json`` for machines.
Reads only: no build, no migration, nothing written.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from sqlalchemy import exc as sql_exc
from sqlalchemy import func, inspect, select

from geo.base import store
from geo.build import actualisation, etapes
from geo.outils import config, journaux
from geo.outils.ligne_de_commande import AnalyseurFr
from geo.outils.text import accorder, date_heure_fr

CODE_BASE_INJOIGNABLE = 1


def etat_des_donnees(dossier_cache: Path | None = None) -> dict:
    """Territories' build date, and per dataset: vintages in use, where they come from, any refusal."""
    dossier_cache = dossier_cache or config.dossier_cache()
    en_place = actualisation.en_place(dossier_cache)
    territoires = etapes.lire_manifeste("territoires", dossier_cache) or {}
    jeux = []
    for manifeste in etapes.lister_manifestes(dossier_cache):
        if not manifeste.get("etape"):
            continue
        actuel = en_place.get(manifeste["etape"], {})
        jeux.append(
            {
                "etape": manifeste["etape"],
                "titre": manifeste.get("titre"),
                "disponible": bool(manifeste.get("disponible")),
                "construit_le": manifeste.get("construit_le"),
                "millesimes": actuel.get("millesimes", []),
                "obtenu": actuel.get("obtenu") or "indisponible",
                **({"refus": manifeste["refus"]} if manifeste.get("refus") else {}),
            }
        )
    return {
        "dossier": str(dossier_cache.parent),
        "territoires": {
            "construit_le": territoires.get("construit_le"),
            "perimetre": territoires.get("perimetre"),
        },
        "jeux": jeux,
    }


def etat_de_la_base(url: str | None = None) -> dict:
    """Whether the store answers, its schema revision and its accounts by role (active ones), or why not.

    Never the password: the address is shown as SQLAlchemy hides it.
    """
    url = store.url_par_defaut_de(url) if url else store.url_par_defaut()
    etat: dict = {"joignable": False}
    chemin_sqlite = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    if chemin_sqlite and chemin_sqlite != ":memory:" and not Path(chemin_sqlite).is_file():
        # Connecting would create an empty file (and its folder): say it is not there instead.
        return {
            **etat,
            "adresse": url,
            "moteur": "sqlite",
            "erreur": "fichier SQLite absent (créé au premier démarrage de l'application)",
        }
    try:
        moteur = store.moteur(url)
    except store.BaseInaccessible as erreur:
        return {**etat, "erreur": str(erreur)}
    etat["adresse"] = moteur.url.render_as_string(hide_password=True)
    etat["moteur"] = moteur.dialect.name
    try:
        with moteur.connect() as connexion:
            etat["joignable"] = True
            if not inspect(connexion).has_table(store.Compte.__tablename__):
                etat["erreur"] = "schéma absent : la base n'a jamais été migrée (démarrez l'application)"
                return etat
            etat["revision"] = store.revision_courante(moteur)
            lignes = connexion.execute(
                select(store.Compte.role, store.Compte.actif, func.count()).group_by(
                    store.Compte.role, store.Compte.actif
                )
            ).all()
    except store.BaseInaccessible as erreur:
        return {**etat, "joignable": False, "erreur": str(erreur)}
    except sql_exc.SQLAlchemyError as erreur:
        return {**etat, "erreur": f"lecture impossible ({type(erreur).__name__})"}
    finally:
        moteur.dispose()
    etat["comptes"] = dict.fromkeys(store.ROLES, 0)
    etat["comptes_desactives"] = 0
    for role, actif, nombre in lignes:
        if actif:
            etat["comptes"][role] = etat["comptes"].get(role, 0) + nombre
        else:
            etat["comptes_desactives"] += nombre
    return etat


def statut(url: str | None = None, dossier_cache: Path | None = None) -> dict:
    dossier_cache = dossier_cache or config.dossier_cache()
    return {
        "donnees": etat_des_donnees(dossier_cache),
        "derniere_actualisation": actualisation.derniere_tentative(dossier_cache.parent),
        "base": etat_de_la_base(url),
    }


def texte(etat: dict) -> str:
    """The status in French, for a terminal."""
    donnees = etat["donnees"]
    lignes = [f"Données ({donnees['dossier']})"]
    territoires = donnees["territoires"]
    lignes.append(
        f"  Territoires : construits le {date_heure_fr(territoires.get('construit_le'))}"
        + (f" ({territoires['perimetre']})" if territoires.get("perimetre") else "")
    )
    for jeu in donnees["jeux"]:
        if not jeu["disponible"]:
            lignes.append(f"  {jeu['titre']} : indisponible")
            continue
        millesimes = " ; ".join(jeu["millesimes"]) or "inconnu"
        lignes.append(
            f"  {jeu['titre']} : millésime {millesimes} — {jeu['obtenu']}, "
            f"construit le {date_heure_fr(jeu['construit_le'])}"
        )
    tentative = etat["derniere_actualisation"]
    if tentative is None:
        lignes.append("Dernière actualisation : aucune tentative consignée")
    else:
        lignes.append(f"Dernière actualisation : {actualisation.libelle_tentative(tentative)}")
        for jeu in tentative.get("jeux", []):
            resultat = actualisation.RESULTATS.get(jeu.get("resultat"), "inconnu")
            raison = f" — {jeu['detail']}" if jeu.get("resultat") in ("refuse", "hors_ligne") else ""
            lignes.append(f"  {jeu.get('titre') or jeu.get('etape')} : {resultat}{raison}")
    base = etat["base"]
    adresse = f" ({base['adresse']})" if base.get("adresse") else ""
    if not base["joignable"]:
        lignes.append(f"Base de saisie : INJOIGNABLE{adresse} : {base.get('erreur', 'raison inconnue')}")
    elif "comptes" not in base:
        lignes.append(f"Base de saisie : joignable{adresse} ; {base.get('erreur', '')}".rstrip(" ;"))
    else:
        comptes = base["comptes"]
        detail = ", ".join(accorder(n, role) for role, n in comptes.items())
        lignes.append(f"Base de saisie : joignable{adresse}, schéma {base.get('revision') or 'inconnu'}")
        desactives = base["comptes_desactives"]
        lignes.append(
            f"  Comptes actifs : {sum(comptes.values())} ({detail})"
            + (f" ; {accorder(desactives, 'désactivé')}" if desactives else "")
        )
    return "\n".join(lignes)


def main(arguments: list[str] | None = None) -> int:
    analyseur = AnalyseurFr(
        prog="ess-statut",
        description="État du serveur : millésimes des données, dernière actualisation, base de saisie, "
        "comptes. Code de sortie 1 quand la base est injoignable.",
    )
    analyseur.add_argument("--json", action="store_true", help="sortie JSON (pour la supervision)")
    analyseur.add_argument("--url", help="base de données (défaut : DATABASE_URL ou data/saisie.sqlite3)")
    options = analyseur.parse_args(arguments)
    journaux.configurer(niveau=logging.WARNING)
    # An address that answers nothing must not hang a monitoring probe (libpq reads it).
    os.environ.setdefault("PGCONNECT_TIMEOUT", "5")
    etat = statut(options.url)
    if options.json:
        print(json.dumps(etat, ensure_ascii=False, indent=2))
    else:
        print(texte(etat))
    return 0 if etat["base"]["joignable"] else CODE_BASE_INJOIGNABLE


if __name__ == "__main__":
    sys.exit(main())
