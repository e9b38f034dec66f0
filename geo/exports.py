"""Exports of what is on screen: tables as CSV, layers as GeoJSON or GeoPackage, the map as HTML.

CSV files are written for French spreadsheets (``;`` separator, UTF-8 with BOM,
decimal comma). The standalone map embeds Leaflet itself, so that the file opens
anywhere, offline included, and calls no CDN.
"""

from __future__ import annotations

import base64
import re
import tempfile
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pyogrio

from geo import assets
from geo.layers import plan_de_carte
from geo.territories import Referentiel, TerritoireId
from geo.text import cle_recherche

_TABLES = {"communes": "communes", "epci": "epci", "departements": "departements", "regions": "regions"}

# What each exported layer is, in words: shown in the list, used for file and GeoPackage layer names.
NOMS_COUCHES = {
    "communes": "Communes",
    "epci": "EPCI",
    "departements": "Départements",
    "regions": "Régions",
    "qpv_perimetres": "Périmètres des quartiers prioritaires",
    "qpv_2015_occitanie": "Anciens quartiers prioritaires 2015 (Occitanie)",
    "communes_avec_qpv_2024": "Communes comprenant des quartiers prioritaires 2024",
    "communes_sans_commerce": "Communes sans commerce",
    "structures_ess": "Structures de l'ESS",
    "ptce_perimetres": "Périmètres des PTCE",
}


def nom_couche(cle: str) -> str:
    """The French name of an exported layer (the key itself, tidied, when it has none)."""
    return NOMS_COUCHES.get(cle, cle.replace("_", " ").capitalize())


def nom_fichier(texte: str) -> str:
    """ASCII words joined by underscores, for file and table names that every tool accepts.

    >>> nom_fichier("Périmètres des quartiers prioritaires")
    'perimetres_des_quartiers_prioritaires'
    """
    return re.sub(r"[^a-z0-9]+", "_", cle_recherche(texte)).strip("_") or "couche"


def couche_territoire(ref: Referentiel, tid: TerritoireId | None) -> tuple[str, gpd.GeoDataFrame]:
    """The territories drawn on the map (its first layer), with their figures, full geometry."""
    premiere = plan_de_carte(ref, tid).couches[0]
    table = getattr(ref, _TABLES[premiere.table]).loc[premiere.codes]
    colonnes = [
        c
        for c in ("code", "nom", "population", "nb_communes", "superficie_km2", "dep", "epci")
        if c in table.columns
    ]
    return premiere.table, gpd.GeoDataFrame(table[colonnes], geometry=table.geometry, crs=table.crs)


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


def _image_en_ligne(chemin: Path) -> str:
    return f"data:image/png;base64,{base64.b64encode(chemin.read_bytes()).decode()}"


def _css_autonome(chemin: Path) -> str:
    css = chemin.read_text(encoding="utf-8")
    # Leaflet's stylesheet points at images/…png next to it: embed them.
    return re.sub(
        r"url\((['\"]?)(images/[^)'\"]+\.png)\1\)",
        lambda m: f"url({_image_en_ligne(chemin.parent / m.group(2))})",
        css,
    )


def carte_autonome(carte: folium.Map, base_ressources: str, titre: str) -> str:
    """The map as one HTML file with Leaflet and its plugins inlined (no server, no CDN)."""
    dossier = assets.installer()
    html = carte.get_root().render()
    prefixe = base_ressources.rstrip("/") + "/"

    def _fichier(url: str) -> Path:
        return dossier / url.removeprefix(prefixe)

    html = re.sub(
        r'<script src="' + re.escape(prefixe) + r'([^"]+)"></script>',
        lambda m: "<script>" + _fichier(prefixe + m.group(1)).read_text(encoding="utf-8") + "</script>",
        html,
    )
    html = re.sub(
        r'<link rel="stylesheet" href="' + re.escape(prefixe) + r'([^"]+)"/>',
        lambda m: "<style>" + _css_autonome(_fichier(prefixe + m.group(1))) + "</style>",
        html,
    )
    titre_html = f"<title>{titre.replace('<', '&lt;').replace('>', '&gt;')}</title>"
    return html.replace("<head>", '<head>\n    <meta charset="utf-8" />\n    ' + titre_html, 1)


def lire_geopackage(contenu: bytes) -> dict[str, gpd.GeoDataFrame]:
    """Read back a GeoPackage produced by :func:`vers_geopackage` (tests, checks)."""
    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "lu.gpkg"
        chemin.write_bytes(contenu)
        return {nom: gpd.read_file(chemin, layer=nom) for nom, _ in pyogrio.list_layers(chemin)}
