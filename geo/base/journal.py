"""The record of every change to the store: who, when, which row, before and after.

Entries are written by the same session as the change (:func:`noter`), so that a
change and its record are committed, or rolled back, together. The rows of one
import (or one form entry) share a ``lot``: an administrator sees the imports
(:func:`imports`), the history of one record (:func:`historique`), and can undo an
import as a whole (:func:`annuler_lot`), itself recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from geo.base import store

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
    from geo.base.comptes import maintenant

    session.add(
        store.Journal(
            quand=instant or maintenant(),
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
    with depot.session() as session:
        entrees = session.scalars(
            select(store.Journal).where(
                store.Journal.lot.is_not(None), store.Journal.table_nom.in_(list(MODELES))
            )
        ).all()
        lots: dict[str, dict] = {}
        for e in entrees:
            lot = lots.setdefault(
                e.lot,
                {"lot": e.lot, "quand": e.quand, "qui": e.qui, "detail": e.detail, "ajouts": 0, "annule": 0},
            )
            if e.action == "ajout":
                lot["ajouts"] += 1
                lot["quand"], lot["qui"], lot["detail"] = min(lot["quand"], e.quand), e.qui, e.detail
            elif e.action == "suppression":
                lot["annule"] += 1
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
            for lot in lots.values()
            if lot["ajouts"]
        ]
    tableau = pd.DataFrame(
        lignes, columns=["lot", "quand (UTC)", "qui", "quoi", "lignes ajoutées", "encore présentes", "_quand"]
    )
    return tableau.sort_values("_quand", ascending=False).drop(columns="_quand").reset_index(drop=True)


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
            ajouts = session.scalars(
                select(store.Journal)
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
            for entree in ajouts:
                objet = session.get(MODELES[entree.table_nom], entree.ligne_id)
                if objet is None:
                    continue  # already deleted (undone before, or by hand)
                if permis is not None and not permis(entree.table_nom, objet):
                    raise AnnulationImpossible(
                        f"la ligne {entree.ligne_id} de « {entree.table_nom} » ne relève pas de vos PTCE ou "
                        "territoires : rien n'a été annulé."
                    )
                avant = instantane(objet)
                identifiant = objet.id
                session.delete(objet)
                session.flush()
                session.add(
                    store.Journal(
                        quand=_maintenant(),
                        qui=qui,
                        action="suppression",
                        table_nom=entree.table_nom,
                        ligne_id=identifiant,
                        avant=json.dumps(avant, ensure_ascii=False, sort_keys=True),
                        apres=None,
                        lot=lot,
                        detail=detail,
                    )
                )
                supprimees += 1
            if not supprimees:
                raise AnnulationImpossible("cet import a déjà été annulé : ses lignes n'existent plus.")
            return supprimees
    except IntegrityError as erreur:
        raise AnnulationImpossible(
            "des lignes saisies depuis s'appuient sur celles de cet import (par exemple des emplois d'un "
            "projet qu'il a créé) : annulez d'abord ces saisies-là. Rien n'a été annulé."
        ) from erreur


def _maintenant() -> dt.datetime:
    from geo.base.comptes import maintenant

    return maintenant()


__all__ = [
    "AnnulationImpossible",
    "annuler_lot",
    "historique",
    "imports",
    "instantane",
    "noter",
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
