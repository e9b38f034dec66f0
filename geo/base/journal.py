"""The record of every change to the store: who, when, which row, before and after.

Entries are written by the same session as the change (:func:`noter`), so that a
change and its record are committed, or rolled back, together. The rows of one
import (or one form entry) share a ``lot``: an administrator sees the imports
(:func:`imports`), the history of one record (:func:`historique`), and can undo an
import as a whole (:func:`annuler_lot`), itself recorded.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from collections.abc import Callable
from decimal import Decimal

import pandas as pd
from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from geo.base import comptes, store

# Store tables by the names the journal uses (the import's sheet names).
MODELES: dict[str, type] = {
    "ptce": store.PTCE,
    "projets": store.Projet,
    "structures": store.Structure,
    "emplois": store.Emploi,
    "financements": store.Financement,
}
# What moderators decide about the public's contributions (geo.base.contributions), journaled
# alike but never listed nor undone as imports.
MODELES_MODERATION: dict[str, type] = {"contributions": store.Contribution, "masquages": store.Masquage}
TABLES_DES_MODELES = {modele: table for table, modele in (MODELES | MODELES_MODERATION).items()}
SYSTEME = "système (pack des documents de terrain ou ligne de commande)"


class AnnulationImpossible(ValueError):
    """An import that cannot be undone as asked (French message)."""


def nouveau_lot() -> str:
    return uuid.uuid4().hex


def _json(valeur: object) -> object:
    if isinstance(valeur, dt.date | dt.datetime):
        return valeur.isoformat()
    if isinstance(valeur, Decimal):
        return str(valeur)
    return valeur


# Values that JSON writes as they are (most of a row): _json is not called for them.
_TELS_QUELS = {str, int, type(None)}


def instantane(objet) -> dict:
    """The row's columns as JSON-ready values."""
    return {c.key: _json(getattr(objet, c.key)) for c in objet.__mapper__.column_attrs}


def noter(
    session,
    qui: str,
    action: str,
    objet,
    avant: dict | None,
    apres: dict | None,
    lot: str | None,
    detail: str | None,
    instant: dt.datetime | None = None,
) -> None:
    """Add one entry to the session (the caller's transaction); the row must have its id (flushed)."""
    session.add(
        store.Journal(
            quand=instant or comptes.maintenant(),
            qui=qui,
            action=action,
            table_nom=TABLES_DES_MODELES[type(objet)],
            ligne_id=objet.id,
            avant=None if avant is None else json.dumps(avant, ensure_ascii=False, sort_keys=True),
            apres=None if apres is None else json.dumps(apres, ensure_ascii=False, sort_keys=True),
            lot=lot,
            detail=detail,
        )
    )


def noter_ajouts(
    session,
    qui: str,
    table: str,
    lignes: list[dict],
    lot: str | None,
    detail: str | None,
    instant: dt.datetime,
) -> None:
    """Record rows inserted in bulk (each row's columns, its id included), in one statement.

    The entries are those :func:`noter` writes for an ORM object: an import of 100 000 rows
    made 100 000 ORM objects of the journal for nothing else.
    """
    if not lignes:
        return
    # The table, not the ORM class: ORM bulk inserts cost a third more for nothing here.
    session.execute(
        insert(store.Journal.__table__),
        [
            {
                "quand": instant,
                "qui": qui,
                "action": "ajout",
                "table_nom": table,
                "ligne_id": ligne["id"],
                "avant": None,
                "apres": json.dumps(
                    {
                        cle: valeur if type(valeur) in _TELS_QUELS else _json(valeur)
                        for cle, valeur in ligne.items()
                    },
                    ensure_ascii=False,
                    sort_keys=True,
                ),
                "lot": lot,
                "detail": detail,
            }
            for ligne in lignes
        ],
    )


def historique(depot: store.Depot, table: str, ligne_id: int) -> pd.DataFrame:
    """Every change of one record, oldest first: when, who, what, before, after."""
    with depot.session() as session:
        entrees = session.scalars(
            select(store.Journal)
            .where(store.Journal.table_nom == table, store.Journal.ligne_id == ligne_id)
            .order_by(store.Journal.id)
        ).all()
        return pd.DataFrame(
            [
                {
                    "quand (UTC)": e.quand.strftime("%d/%m/%Y %H:%M:%S"),
                    "qui": e.qui,
                    "action": e.action,
                    "détail": e.detail or "",
                    "avant": e.avant or "",
                    "après": e.apres or "",
                }
                for e in entrees
            ],
            columns=["quand (UTC)", "qui", "action", "détail", "avant", "après"],
        )


def imports(depot: store.Depot) -> pd.DataFrame:
    """The imports and form entries (lots), newest first, with how many rows they added and
    how many of them are still there."""
    # Counted by the database: an import of 100 000 rows has as many entries, which took 2 s of
    # each run of the page to read as objects.
    ajout = store.Journal.action == "ajout"
    requete = (
        select(
            store.Journal.lot,
            func.min(case((ajout, store.Journal.quand))).label("quand"),
            func.min(case((ajout, store.Journal.qui))).label("qui"),
            func.min(case((ajout, store.Journal.detail))).label("detail"),
            func.count(case((ajout, 1))).label("ajouts"),
            func.count(case((store.Journal.action == "suppression", 1))).label("annule"),
        )
        .where(store.Journal.lot.is_not(None), store.Journal.table_nom.in_(list(MODELES)))
        .group_by(store.Journal.lot)
    )
    with depot.session() as session:
        lots = [ligne._asdict() for ligne in session.execute(requete)]
        lignes = [
            {
                "lot": lot["lot"],
                "quand (UTC)": lot["quand"].strftime("%d/%m/%Y %H:%M:%S"),
                "qui": lot["qui"],
                "quoi": lot["detail"] or "",
                "lignes ajoutées": lot["ajouts"],
                "encore présentes": lot["ajouts"] - lot["annule"],
                "_quand": lot["quand"],
            }
            for lot in lots
            if lot["ajouts"]
        ]
    tableau = pd.DataFrame(
        lignes, columns=["lot", "quand (UTC)", "qui", "quoi", "lignes ajoutées", "encore présentes", "_quand"]
    )
    return tableau.sort_values("_quand", ascending=False).drop(columns="_quand").reset_index(drop=True)


# No row refers to these tables' rows: they are deleted TAILLE_SUPPRESSION at a time (one by
# one, undoing an import of 100 000 funding lines took more than a minute). PTCE and projects
# stay deleted one by one through the ORM, as before.
TABLES_SANS_REFERENCES = {"structures", "emplois", "financements"}
TAILLE_SUPPRESSION = 1_000


def annuler_lot(
    depot: store.Depot,
    lot: str,
    qui: str,
    permis: Callable[[str, object], bool] | None = None,
) -> int:
    """Delete every row an import added, newest first, in one transaction; each deletion is recorded.

    Refused as a whole (:class:`AnnulationImpossible`) when a row is not the user's to delete, or
    when rows added since refer to it (a project given jobs by a later import).
    """
    detail = f"annulation de l'import {lot[:8]}"
    try:
        with depot.session() as session:
            ajouts = session.execute(
                select(store.Journal.table_nom, store.Journal.ligne_id)
                .where(
                    store.Journal.lot == lot,
                    store.Journal.action == "ajout",
                    store.Journal.table_nom.in_(list(MODELES)),
                )
                .order_by(store.Journal.id.desc())
            ).all()
            if not ajouts:
                raise AnnulationImpossible("cet import n'existe pas ou n'a rien ajouté.")
            supprimees = 0
            for table, entrees in itertools.groupby(ajouts, key=lambda entree: entree.table_nom):
                if table in TABLES_SANS_REFERENCES:
                    supprimees += _supprimer_par_lots(
                        session, table, [e.ligne_id for e in entrees], qui, lot, detail, permis
                    )
                    continue
                for entree in entrees:
                    supprimees += _supprimer(
                        session, entree.table_nom, entree.ligne_id, qui, lot, detail, permis
                    )
            if not supprimees:
                raise AnnulationImpossible("cet import a déjà été annulé : ses lignes n'existent plus.")
            return supprimees
    except IntegrityError as erreur:
        raise AnnulationImpossible(
            "des lignes saisies depuis s'appuient sur celles de cet import (par exemple des emplois d'un "
            "projet qu'il a créé) : annulez d'abord ces saisies-là. Rien n'a été annulé."
        ) from erreur


def _refus_permis(table: str, ligne_id: int) -> AnnulationImpossible:
    return AnnulationImpossible(
        f"la ligne {ligne_id} de « {table} » ne relève pas de vos PTCE ou territoires : rien n'a été annulé."
    )


def _supprimer_par_lots(
    session,
    table: str,
    identifiants: list[int],
    qui: str,
    lot: str,
    detail: str,
    permis: Callable[[str, object], bool] | None,
) -> int:
    """Delete rows of a table no row refers to, newest first, each deletion journaled."""
    modele, supprimees = MODELES[table], 0
    for debut in range(0, len(identifiants), TAILLE_SUPPRESSION):
        morceau = identifiants[debut : debut + TAILLE_SUPPRESSION]
        par_id = {o.id: o for o in session.scalars(select(modele).where(modele.id.in_(morceau)))}
        # Rows already deleted (undone before, or by hand) are skipped.
        presents = [par_id[i] for i in morceau if i in par_id]
        for objet in presents:
            if permis is not None and not permis(table, objet):
                raise _refus_permis(table, objet.id)
        if not presents:
            continue
        avant = [instantane(objet) for objet in presents]
        session.execute(delete(modele.__table__).where(modele.__table__.c.id.in_([o.id for o in presents])))
        for objet in presents:
            session.expunge(objet)
        instant = _maintenant()
        session.execute(
            insert(store.Journal.__table__),
            [
                {
                    "quand": instant,
                    "qui": qui,
                    "action": "suppression",
                    "table_nom": table,
                    "ligne_id": valeurs["id"],
                    "avant": json.dumps(valeurs, ensure_ascii=False, sort_keys=True),
                    "apres": None,
                    "lot": lot,
                    "detail": detail,
                }
                for valeurs in avant
            ],
        )
        supprimees += len(presents)
    return supprimees


def _supprimer(
    session,
    table: str,
    ligne_id: int,
    qui: str,
    lot: str,
    detail: str,
    permis: Callable[[str, object], bool] | None,
) -> int:
    """Delete one row through the ORM, journaled; 0 when it is gone already."""
    objet = session.get(MODELES[table], ligne_id)
    if objet is None:
        return 0  # already deleted (undone before, or by hand)
    if permis is not None and not permis(table, objet):
        raise _refus_permis(table, ligne_id)
    avant = instantane(objet)
    session.delete(objet)
    session.flush()
    session.add(
        store.Journal(
            quand=_maintenant(),
            qui=qui,
            action="suppression",
            table_nom=table,
            ligne_id=ligne_id,
            avant=json.dumps(avant, ensure_ascii=False, sort_keys=True),
            apres=None,
            lot=lot,
            detail=detail,
        )
    )
    return 1


def _maintenant() -> dt.datetime:
    return comptes.maintenant()


__all__ = [
    "AnnulationImpossible",
    "annuler_lot",
    "historique",
    "imports",
    "instantane",
    "noter",
    "noter_ajouts",
    "nouveau_lot",
]


def _libelle(table: str, valeurs: dict, ligne_id: int) -> str:
    if valeurs.get("nom"):
        return f"{valeurs['nom']} (n° {ligne_id})"
    morceaux = [
        str(valeurs[c])
        for c in (
            "annee",
            "nature",
            "nombre",
            "financeur",
            "dispositif",
            "montant_eur",
            "annee_debut",
            "territoire",
        )
        if valeurs.get(c) not in (None, "")
    ]
    return f"n° {ligne_id} : " + (" · ".join(morceaux) or table)


def lignes_journalisees(depot: store.Depot, table: str) -> list[tuple[int, str]]:
    """The rows of a table that have a history (deleted ones included), with a label, newest first."""
    with depot.session() as session:
        entrees = session.scalars(
            select(store.Journal).where(store.Journal.table_nom == table).order_by(store.Journal.id)
        ).all()
        dernieres: dict[int, dict] = {}
        for e in entrees:
            dernieres[e.ligne_id] = json.loads(e.apres or e.avant or "{}")
    return [(i, _libelle(table, v, i)) for i, v in sorted(dernieres.items(), reverse=True)]
