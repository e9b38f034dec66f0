"""File formats the project writes and reads: CSV for French spreadsheets, GeoJSON, GeoPackage.

CSV files follow one convention (``;`` separator, UTF-8 with BOM, decimal comma, formulas
neutralised); layers go out in WGS84. Used by every download and by the Saisie export.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.outils.text import cle_recherche


def nom_fichier(texte: str) -> str:
    """ASCII words joined by underscores, for file and table names that every tool accepts.

    >>> nom_fichier("Périmètres des quartiers prioritaires")
    'perimetres_des_quartiers_prioritaires'
    """
    return re.sub(r"[^a-z0-9]+", "_", cle_recherche(texte)).strip("_") or "couche"


# A spreadsheet takes a cell starting with one of these for a formula (CSV injection:
# « =HYPERLINK(…) » in a name entered by anyone would run when an official opens the file).
DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def neutraliser_texte(valeur: object) -> object:
    """A text a spreadsheet would evaluate, behind an apostrophe (shown as text); others unchanged.

    >>> [neutraliser_texte(v) for v in ("=1+1", "-x", "Soissons", -3)]
    ["'=1+1", "'-x", 'Soissons', -3]
    """
    if isinstance(valeur, str) and valeur.startswith(DEBUTS_DE_FORMULE):
        return "'" + valeur
    return valeur


def neutraliser_formules(tableau: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell that a spreadsheet would evaluate made inert (numbers untouched)."""
    tableau = tableau.copy()
    for colonne in tableau.columns:
        if tableau[colonne].dtype == object or pd.api.types.is_string_dtype(tableau[colonne]):
            tableau[colonne] = tableau[colonne].map(neutraliser_texte)
    return tableau


# Decimals kept per kind of column (by the end of its name); 2 otherwise.
DECIMALES_CSV = {
    "km2": 1,
    "_km": 1,
    "_pct": 1,
    "pour_1000": 2,
    "lon": 6,
    "lat": 6,
    "longitude": 6,
    "latitude": 6,
}


def _decimales(colonne: str, decimales: dict[str, int] | None) -> int:
    if decimales and colonne in decimales:
        return decimales[colonne]
    for fin, nombre in DECIMALES_CSV.items():
        if str(colonne).endswith(fin):
            return nombre
    return 2


def tableau_csv(tableau: pd.DataFrame, decimales: dict[str, int] | None = None) -> pd.DataFrame:
    """The table as it goes into a CSV: whole numbers without ``,0``, others rounded, yes/no in words."""
    if isinstance(tableau, gpd.GeoDataFrame):
        tableau = pd.DataFrame(tableau.drop(columns=tableau.geometry.name))
    resultat = tableau.copy()
    for colonne in resultat.columns:
        valeurs = resultat[colonne]
        if pd.api.types.is_bool_dtype(valeurs):
            resultat[colonne] = valeurs.map({True: "oui", False: "non"}).astype("string")
        elif pd.api.types.is_float_dtype(valeurs):
            connues = valeurs.dropna().astype(float)
            if len(connues) and (connues == connues.round()).all() and connues.abs().max() < 2**53:
                # A population read as float must not print as « 4447,0 ».
                resultat[colonne] = valeurs.round().astype("Int64")
            else:
                resultat[colonne] = valeurs.astype(float).round(_decimales(colonne, decimales))
        elif valeurs.dtype == object and valeurs.map(lambda v: isinstance(v, list | tuple | set)).any():
            resultat[colonne] = valeurs.map(
                lambda v: ", ".join(map(str, v)) if isinstance(v, list | tuple | set) else v
            )
    return resultat


def vers_csv(tableau: pd.DataFrame, decimales: dict[str, int] | None = None, decimal: str = ",") -> bytes:
    """A table (geometry dropped) as CSV for French spreadsheets: the one convention of every download.

    ``;`` separator, decimal comma, UTF-8 with BOM (Excel reads the accents), values
    rounded (:func:`tableau_csv`), unknown values left empty, formulas neutralised.
    """
    if decimal != ",":
        # Files made to be imported again (the Saisie export) keep their raw values.
        if isinstance(tableau, gpd.GeoDataFrame):
            tableau = pd.DataFrame(tableau.drop(columns=tableau.geometry.name))
        return neutraliser_formules(tableau).to_csv(index=False, sep=";", decimal=decimal).encode("utf-8-sig")
    propre = neutraliser_formules(tableau_csv(tableau, decimales))
    return propre.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


def vers_geojson(couche: gpd.GeoDataFrame) -> bytes:
    """A layer as GeoJSON in WGS84 (RFC 7946)."""
    return couche.to_crs("EPSG:4326").to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def vers_geopackage(couches: dict[str, gpd.GeoDataFrame]) -> bytes:
    """Several layers in one GeoPackage file (one table per layer)."""
    if not couches:
        raise ValueError("Aucune couche à exporter.")
    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "export.gpkg"
        for nom, couche in couches.items():
            nom_table = nom_fichier(nom)
            pyogrio.write_dataframe(couche.to_crs("EPSG:4326"), chemin, layer=nom_table, driver="GPKG")
        return chemin.read_bytes()


def lire_geopackage(contenu: bytes) -> dict[str, gpd.GeoDataFrame]:
    """Read back a GeoPackage produced by :func:`vers_geopackage` (tests, checks)."""
    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "lu.gpkg"
        chemin.write_bytes(contenu)
        return {nom: gpd.read_file(chemin, layer=nom) for nom, _ in pyogrio.list_layers(chemin)}
