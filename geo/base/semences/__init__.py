"""Seed pack: what the five field documents of ``../shared/seeds/`` state.

One CSV per table, in the import template's columns (``;``-separated UTF-8),
versioned with the code. Every row's ``source`` names its document (file name)
and says, in our words, what the document states; what a document does not say
stays empty (no year for ALISS's jobs, no amount for the 2013 call's share of
each pole). Perimeters are the current EPCI (or département) of the places the
documents name.

``python -m geo.base.semences`` loads the pack into the store (rows already there
are skipped); the pages load it on first use when the store is empty.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from geo.base import comptes, saisie, saisie_modele, store
from geo.outils.ligne_de_commande import AnalyseurFr
from geo.outils.ligne_de_commande import journal as journal_de_commande

DOSSIER = Path(__file__).resolve().parent
SOURCE_PAR_DEFAUT = "pack de semences (documents de terrain)"


def tables() -> dict[str, pd.DataFrame]:
    """The pack's tables, as text cells (empty cells are NaN)."""
    return {
        table: pd.read_csv(DOSSIER / f"{table}.csv", sep=";", dtype=str, encoding="utf-8")
        for table in saisie_modele.ORDRE
    }


def semer(depot: store.Depot, connu=None, utilisateur=None) -> saisie_modele.RapportImport:
    """Import the pack in one transaction, skipping rows already in the store."""
    return saisie.importer_tables(
        depot, tables(), SOURCE_PAR_DEFAUT, connu, ignorer_doublons=True, utilisateur=utilisateur
    )


def semer_si_vide(depot: store.Depot, connu=None) -> saisie_modele.RapportImport | None:
    """Load the pack into an empty store (first use); do nothing otherwise (nor on a read-only mirror)."""
    if comptes.lecture_seule() or not depot.est_vide():
        return None
    return semer(depot, connu)


def main(arguments: list[str] | None = None) -> int:
    analyseur = AnalyseurFr(
        prog="python -m geo.base.semences",
        description="Charge le pack de semences (documents de terrain) dans la base de saisie.",
    )
    analyseur.add_argument("--url", help="base de données (défaut : DATABASE_URL ou data/saisie.sqlite3)")
    options = analyseur.parse_args(arguments)
    with journal_de_commande(options.verbose):
        return _semer_en_ligne_de_commande(options.url)


def _semer_en_ligne_de_commande(url: str | None) -> int:
    depot = store.ouvrir(url)
    try:
        rapport = semer(depot)
    except saisie_modele.ImportRefuse as erreur:
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 2
    print(rapport.resume())
    print(f"Base : {depot.url_affichee}")
    return 0
