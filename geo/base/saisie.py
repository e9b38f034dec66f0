"""Importing a file or a form's row into the store, all or nothing, each row journaled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from geo.base import comptes, journal, store
from geo.base.saisie_controle import TABLES_EN_LOTS, controler
from geo.base.saisie_fichiers import lire
from geo.base.saisie_modele import Erreur, ImportRefuse, RapportImport, colonnes
from geo.outils.text import accorder

# Rows of saisie_controle.TABLES_EN_LOTS are inserted this many at a time, each batch with its
# journal entries: memory stays bounded, and statements few.
TAILLE_LOT = 5_000


def _inserer(
    session, table: str, lignes: list[dict], qui: str, lot: str | None, detail: str, instant: dt.datetime
) -> None:
    """Insert validated rows TAILLE_LOT at a time, each batch with its journal entries.

    The PTCE and projects they name are flushed before: their ids are known.
    """
    # The table, not the ORM class: ORM bulk inserts cost a third more for nothing here.
    tableau = journal.MODELES[table].__table__
    requete = insert(tableau).returning(tableau.c.id, sort_by_parameter_order=True)
    for debut in range(0, len(lignes), TAILLE_LOT):
        colonnes_lot = [
            {
                (f"{cle}_id" if cle in {"projet", "ptce"} else cle): (
                    (None if valeur is None else valeur.id) if cle in {"projet", "ptce"} else valeur
                )
                for cle, valeur in valeurs.items()
            }
            for valeurs in lignes[debut : debut + TAILLE_LOT]
        ]
        identifiants = session.scalars(requete, colonnes_lot).all()
        ecrites = [{**ligne, "id": i} for ligne, i in zip(colonnes_lot, identifiants, strict=True)]
        journal.noter_ajouts(
            session,
            qui,
            table,
            ecrites,
            lot,
            detail,
            instant,
        )


def importer_tables(
    depot: store.Depot,
    feuilles: dict[str, pd.DataFrame],
    source_par_defaut: str,
    connu: Callable[[str], bool] | None = None,
    ignorer_doublons: bool = False,
    utilisateur=None,
    dans: Callable[[str, str], bool] | None = None,
    detail: str | None = None,
    progression: Callable[[float, str], None] | None = None,
) -> RapportImport:
    """Write validated rows in one transaction; raise :class:`ImportRefuse` (nothing written) on any error.

    ``utilisateur`` (geo.base.comptes.Utilisateur; None: the command line) may write only its own
    records; every row written is recorded in the journal, in the same transaction.
    """
    if comptes.lecture_seule():
        raise ImportRefuse([Erreur("", None, None, comptes.MESSAGE_LECTURE_SEULE)])
    regle = comptes.regle_ecriture(utilisateur, dans)
    crees: list = []
    a_inserer: dict[str, list[dict]] = {}
    # Nothing is flushed before every row is validated (no autoflush), and the
    # transaction is rolled back on the first error of any kind.
    try:
        with depot._sessions() as session, session.no_autoflush, session.begin():
            rapport, erreurs = controler(
                session,
                feuilles,
                source_par_defaut,
                connu,
                ignorer_doublons,
                regle=regle,
                crees=crees,
                progression=progression,
                a_inserer=a_inserer,
            )
            if erreurs:
                raise ImportRefuse(erreurs)
            if progression is not None:
                progression(0.9, f"Enregistrement de {accorder(rapport.total, 'ligne')}…")
            session.flush()
            if rapport.total:
                rapport.lot = journal.nouveau_lot()
                qui = utilisateur.identifiant if utilisateur is not None else journal.SYSTEME
                instant = comptes.maintenant()
                for objet in crees:
                    journal.noter(
                        session,
                        qui,
                        "ajout",
                        objet,
                        None,
                        journal.instantane(objet),
                        rapport.lot,
                        detail or source_par_defaut,
                        instant,
                    )
                # Their journal entries first: the journal's order is the order of the writes,
                # which an undo reverses.
                session.flush()
                for table in TABLES_EN_LOTS:
                    _inserer(
                        session,
                        table,
                        a_inserer.get(table, []),
                        qui,
                        rapport.lot,
                        detail or source_par_defaut,
                        instant,
                    )
    except SQLAlchemyError as erreur:
        # A refusal the checks did not foresee: rolled back too, and said in French.
        raise ImportRefuse(
            [
                Erreur(
                    "base",
                    None,
                    None,
                    f"la base de saisie a refusé l'enregistrement ({type(erreur.orig or erreur).__name__}).",
                )
            ]
        ) from erreur
    return rapport


def importer(
    depot: store.Depot,
    contenu: bytes,
    nom_fichier: str,
    connu: Callable[[str], bool] | None = None,
    ignorer_doublons: bool = False,
    utilisateur=None,
    dans: Callable[[str, str], bool] | None = None,
    progression: Callable[[float, str], None] | None = None,
) -> RapportImport:
    """Read a CSV or Excel file and import it whole, or raise :class:`ImportRefuse`.

    ``progression(part, texte)`` (a progress bar) is called as the work goes on, ``part``
    from 0 to 1, ``texte`` in French.
    """
    if comptes.lecture_seule():
        raise ImportRefuse([Erreur("", None, None, comptes.MESSAGE_LECTURE_SEULE)])
    if progression is not None:
        progression(0.0, "Lecture du fichier…")
    feuilles, remarques = lire(contenu, nom_fichier)
    rapport = importer_tables(
        depot,
        feuilles,
        f"import : {Path(nom_fichier).name}",
        connu,
        ignorer_doublons,
        utilisateur=utilisateur,
        dans=dans,
        progression=progression,
    )
    if progression is not None:
        progression(1.0, "Import terminé.")
    rapport.remarques = remarques
    return rapport


def ajouter(
    depot: store.Depot,
    table: str,
    valeurs: dict,
    connu: Callable[[str], bool] | None = None,
    utilisateur=None,
    dans: Callable[[str, str], bool] | None = None,
) -> RapportImport:
    """One row from the in-app form, with the same checks as an import (source « saisie »)."""
    ligne = pd.DataFrame([{c: valeurs.get(c) for c in colonnes(table)}], dtype=object)
    return importer_tables(
        depot,
        {table: ligne},
        store.SOURCE_SAISIE,
        connu,
        utilisateur=utilisateur,
        dans=dans,
        detail="formulaire",
    )
