"""Exporting entered data, and the empty template, as an Excel workbook or a zip of CSV files."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from geo.base import store
from geo.base.saisie_modele import AIDE_COLONNES, COLONNES, ORDRE, colonnes


def exporter(depot: store.Depot) -> dict[str, pd.DataFrame]:
    """Everything entered, one table per sheet, in the template's columns (re-importable)."""
    tables = store.lire_tables(depot)
    for colonne in ("date_debut", "date_fin"):
        dates = tables["projets"][colonne]
        tables["projets"][colonne] = [d.strftime("%d/%m/%Y") if d else None for d in dates]
    resultat = {}
    for nom, table in tables.items():
        cadre = table[list(colonnes(nom))].copy()
        for colonne in ("annee", "annee_creation", "annee_debut", "annee_fin", "nombre"):
            if colonne in cadre:
                cadre[colonne] = cadre[colonne].astype("Int64")
        resultat[nom] = cadre
    return resultat


def aide_colonnes() -> pd.DataFrame:
    lignes = []
    for table in ORDRE:
        for colonne in COLONNES[table]:
            nom = colonne.rstrip("*")
            lignes.append(
                {
                    "feuille": table,
                    "colonne": nom,
                    "obligatoire": "oui" if colonne.endswith("*") else "non",
                    "contenu": AIDE_COLONNES.get(nom, ""),
                }
            )
    return pd.DataFrame(lignes)


def classeur_excel(tables: dict[str, pd.DataFrame], avec_aide: bool = True) -> bytes:
    """An .xlsx workbook: one sheet per table (and a « lisez-moi » sheet)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def lisible(valeur: object) -> object:
        # Rows stored before control characters were refused must not break the export.
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", valeur) if isinstance(valeur, str) else valeur

    tampon = io.BytesIO()
    with pd.ExcelWriter(tampon, engine="openpyxl") as classeur:
        for nom in ORDRE:
            cadre = tables.get(nom, pd.DataFrame(columns=colonnes(nom)))
            cadre = cadre.apply(
                lambda colonne: (
                    colonne.map(lisible)
                    if colonne.dtype == object or pd.api.types.is_string_dtype(colonne)
                    else colonne
                )
            )
            cadre.to_excel(classeur, sheet_name=nom, index=False)
            feuille = classeur.sheets[nom]
            # openpyxl stores a text starting with « = » as a formula: keep every text a text.
            for ligne in feuille.iter_rows(min_row=2):
                for cellule in ligne:
                    if cellule.data_type == "f":
                        cellule.data_type = "s"
            for indice, colonne in enumerate(colonnes(nom)):
                feuille.column_dimensions[chr(ord("A") + indice)].width = max(14, len(colonne) + 4)
        if avec_aide:
            aide_colonnes().to_excel(classeur, sheet_name="lisez-moi", index=False)
    return tampon.getvalue()


def archive_csv(tables: dict[str, pd.DataFrame]) -> bytes:
    """A zip of one CSV per table, `;`-separated UTF-8 with BOM (French spreadsheets open it as is)."""
    from geo.outils import formats  # geopandas: only when a CSV export is asked for

    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as archive:
        for nom in ORDRE:
            cadre = tables.get(nom, pd.DataFrame(columns=colonnes(nom)))
            archive.writestr(f"{nom}.csv", formats.vers_csv(cadre, decimal="."))
    return tampon.getvalue()


def modele_excel() -> bytes:
    """The empty template: the five sheets with their headers, and the help sheet."""
    return classeur_excel({})


def modele_csv() -> bytes:
    return archive_csv({})
