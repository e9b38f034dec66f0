"""File formats the project writes and reads: CSV for French spreadsheets, GeoJSON, GeoPackage.

CSV files follow one convention (``;`` separator, UTF-8 with BOM, decimal comma, formulas
neutralised, French headers, identifiers kept as text), with an Excel workbook beside them;
layers go out in WGS84. Used by every download and by the Saisie export.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo.outils import tableaux
from geo.outils.codes import parmi
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
        valeurs = tableau[colonne]
        if isinstance(valeurs.dtype, pd.CategoricalDtype):
            # A category cannot take a new value (the one behind its apostrophe): as plain objects.
            valeurs = valeurs.astype(object)
            tableau[colonne] = valeurs
        if valeurs.dtype == object or pd.api.types.is_string_dtype(valeurs):
            textes = valeurs.map(lambda v: isinstance(v, str)) if valeurs.dtype == object else valeurs.notna()
            formules = textes & valeurs.where(textes, "").astype(str).str.startswith(DEBUTS_DE_FORMULE)
            if formules.any():
                tableau[colonne] = valeurs.mask(formules, "'" + valeurs.where(formules, "").astype(str))
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


# Columns that hold identifiers: written as text, whatever their digits look like.
IDENTIFIANTS = frozenset(
    {
        "code",
        "siret",
        "siren",
        "dep",
        "epci",
        "reg",
        "commune",
        "code_commune",
        "communes",
        "code_postal",
        "code_qp",
        "codes_qpv_2024",
        "plus_proche_code",
        "cle",
        "naf",
        "categorie_juridique",
        "tranche_effectif",
    }
)
_CHIFFRES = re.compile(r"^\d+$")
# What a cell reads where a value is unknown, in tables made for the screen (« inconnue »,
# « année inconnue », « — »): in a file, an unknown is an empty cell.
_INCONNUS = frozenset({"inconnu", "inconnue", "année inconnue", "—", "nan", "none", "<na>"})


def _texte(valeurs: pd.Series) -> bool:
    return valeurs.dtype == object or pd.api.types.is_string_dtype(valeurs)


def _en_danger(valeurs: pd.Series) -> bool:
    """Digits a spreadsheet would change: a leading zero dropped, or 12 digits and more shown
    « 2,40200E+13 » (and past 15, rounded)."""
    textes = valeurs.dropna().astype(str)
    chiffres = textes.str.fullmatch(_CHIFFRES.pattern.strip("^$"))
    return bool((chiffres & (textes.str.startswith("0") | (textes.str.len() >= 12))).any())


def colonnes_identifiants(tableau: pd.DataFrame) -> list:
    """Text columns holding identifiers: named so (:data:`IDENTIFIANTS`), or holding digits that a
    spreadsheet would turn into a different number (« 02245 », a SIRET)."""
    return [
        colonne
        for colonne in tableau.columns
        if _texte(tableau[colonne]) and (str(colonne) in IDENTIFIANTS or _en_danger(tableau[colonne]))
    ]


def _inconnus_vides(tableau: pd.DataFrame, identifiants: list) -> pd.DataFrame:
    """« inconnue » in a column of numbers becomes an empty cell, and the column numbers again."""
    for colonne in tableau.columns:
        valeurs = tableau[colonne]
        if colonne in identifiants or not _texte(valeurs):
            continue
        textes = valeurs.astype("string").str.strip().str.lower()
        inconnus = parmi(textes, _INCONNUS).fillna(False).astype(bool)
        if not inconnus.any():
            continue
        nombres = pd.to_numeric(
            valeurs.mask(inconnus).map(
                lambda v: (
                    v.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
                    if isinstance(v, str)
                    else v
                )
            ),
            errors="coerce",
        )
        if nombres.notna().sum() == valeurs.mask(inconnus).notna().sum():
            connus = nombres.dropna()
            entiers = bool(len(connus)) and bool((connus == connus.round()).all())
            tableau[colonne] = nombres.round().astype("Int64") if entiers else nombres.astype(float)
        else:
            tableau[colonne] = valeurs.mask(inconnus)
    return tableau


@dataclass(frozen=True)
class TableauTableur:
    """A table as it goes into a spreadsheet file: French headers, values rounded, unknowns empty.

    ``identifiants`` names (by their French header) the columns written as text; ``codes``
    gives the code name of each header.
    """

    donnees: pd.DataFrame
    identifiants: list[str]
    codes: dict[str, str]


def pour_tableur(
    tableau: pd.DataFrame, decimales: dict[str, int] | None = None, entetes: dict[str, str] | None = None
) -> TableauTableur:
    """The one preparation of every download (CSV and .xlsx): :func:`tableau_csv`, unknowns
    empty, headers in French (:data:`geo.outils.tableaux.ENTETES`; ``entetes`` for a label that
    depends on the view, « Population (2021) »)."""
    propre = tableau_csv(tableau, decimales)
    identifiants = colonnes_identifiants(propre)
    propre = _inconnus_vides(propre, identifiants)
    noms: dict = {}
    for colonne in propre.columns:
        nom = (entetes or {}).get(str(colonne)) or tableaux.entete(colonne)
        # Two columns never share a header (a spreadsheet, and pandas, would confuse them).
        noms[colonne] = nom if nom not in noms.values() else f"{nom} ({colonne})"
    return TableauTableur(
        propre.rename(columns=noms), [noms[c] for c in identifiants], {v: str(c) for c, v in noms.items()}
    )


# How an identifier survives a spreadsheet that opens the CSV (the defect the app itself
# reports in published subsidy files: SIRET « 2,40200E+13 », « 02245 » read 2245). Both
# Excel (double click) and LibreOffice read any cell that looks like a number as a number,
# quoted or not (LibreOffice's « champ entre guillemets comme texte » is off by default), so
# a plain or quoted « 02245 » cannot stay text. Of the forms that do, an invisible character
# in front would corrupt the identifier for every later use and an apostrophe shows; the
# formula « ="02245" » is what Excel evaluates to the text 02245, and what LibreOffice's CSV
# filter evaluates too when its options do not say otherwise (soffice --convert-to,
# tests/test_exports.py). LibreOffice's import dialog leaves formulas unevaluated by default
# (its EvaluateFormulas setting): there the cell reads « ="02245" », every digit and the zero
# still there, never silently 2245. Only cells of digits get this form (no text of a user
# can become a formula). The SCDL publication format wants bare digits (^\d{14}$): these
# downloads are for spreadsheets (French headers, decimal comma), not SCDL publications, and
# the .xlsx offered beside each CSV carries identifiers as text cells with no trick at all.
def _formule_identifiant(valeur: object) -> object:
    if isinstance(valeur, str) and _CHIFFRES.match(valeur):
        return f'="{valeur}"'
    return valeur


def _decimaux_fr(valeurs: pd.Series) -> np.ndarray:
    """Floats as French text (« 7,5 »), ``None`` where unknown; never « 1e-05 »."""
    nombres = valeurs.to_numpy(dtype=float, na_value=np.nan)
    textes = nombres.astype(str).astype(object)
    for position in np.flatnonzero(np.char.find(textes.astype(str), "e") >= 0):
        if not np.isnan(nombres[position]):
            textes[position] = np.format_float_positional(nombres[position], trim="-")
    textes = np.array([t.replace(".", ",") for t in textes], dtype=object)
    textes[np.isnan(nombres)] = None
    return textes


def _cellules(valeurs: pd.Series) -> np.ndarray:
    """A column as the objects the CSV writer gets: texts, whole numbers, ``None`` where unknown."""
    if pd.api.types.is_float_dtype(valeurs):
        return _decimaux_fr(valeurs)
    cellules = valeurs.to_numpy(dtype=object, na_value=None)
    if pd.api.types.is_integer_dtype(valeurs):
        return cellules
    # An empty text is an empty field too, as an unknown.
    return np.array([None if v is None or v == "" else str(v) for v in cellules], dtype=object)


# The csv module quotes every text (and decimals are texts: « "7,5" »): LibreOffice's import
# dialog splits on commas as well as semicolons by default and would cut 7,5 in two cells;
# quoted, a number is still read as a number by Excel and LibreOffice. An unknown stays an
# empty field, not « "" »: the writer gets this mark, taken out after.
_VIDE = "\ue000vide\ue000"


def vers_csv(
    tableau: pd.DataFrame,
    decimales: dict[str, int] | None = None,
    decimal: str = ",",
    entetes: dict[str, str] | None = None,
) -> bytes:
    """A table (geometry dropped) as CSV for French spreadsheets: the one convention of every download.

    ``;`` separator, decimal comma, UTF-8 with BOM (Excel reads the accents), French headers,
    values rounded (:func:`pour_tableur`), unknown values left empty, formulas neutralised,
    identifiers kept as text (:func:`_formule_identifiant`), texts quoted.
    """
    if decimal != ",":
        # Files made to be imported again (the Saisie export) keep their raw values and names.
        if isinstance(tableau, gpd.GeoDataFrame):
            tableau = pd.DataFrame(tableau.drop(columns=tableau.geometry.name))
        return neutraliser_formules(tableau).to_csv(index=False, sep=";", decimal=decimal).encode("utf-8-sig")
    prepare = pour_tableur(tableau, decimales, entetes)
    propre = neutraliser_formules(prepare.donnees)
    for colonne in prepare.identifiants:
        propre[colonne] = propre[colonne].map(_formule_identifiant)
    colonnes = [_cellules(propre[c]) for c in propre.columns]
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    ecrivain.writerow([str(c) for c in propre.columns])
    ecrivain.writerows([_VIDE if v is None else v for v in ligne] for ligne in zip(*colonnes, strict=True))
    return sortie.getvalue().replace(f'"{_VIDE}"', "").encode("utf-8-sig")


_LARGEUR_MAX = 60


def vers_xlsx(
    tableau: pd.DataFrame,
    decimales: dict[str, int] | None = None,
    entetes: dict[str, str] | None = None,
    sources: list[dict[str, str]] | None = None,
) -> bytes:
    """The table as an Excel workbook: identifiers as text cells, numbers as numbers.

    French headers (:func:`pour_tableur`) in a frozen first row, column widths set, unknown
    values as empty cells, texts stored as texts (never evaluated). ``sources`` (``source``,
    ``millesime``, ``licence``…: one dict a source) fill a second sheet, « Sources », which also
    carries the table's own note (``tableau.attrs["note"]``, e.g. why a national count is not the
    official file's).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    prepare = pour_tableur(tableau, decimales, entetes)
    donnees = prepare.donnees
    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet("Données")
    feuille.freeze_panes = "A2"
    formats_nombres = {}
    for position, colonne in enumerate(donnees.columns, start=1):
        valeurs = donnees[colonne]
        textes = valeurs.dropna().head(2000).astype(str)
        largeur = max([len(str(colonne)), *textes.str.len().tolist()]) + 2
        feuille.column_dimensions[get_column_letter(position)].width = min(_LARGEUR_MAX, max(8, largeur))
        if colonne in prepare.identifiants:
            formats_nombres[colonne] = "@"
        elif pd.api.types.is_integer_dtype(valeurs):
            formats_nombres[colonne] = "0" if tableaux._ANNEE.match(str(colonne)) else "#,##0"
        elif pd.api.types.is_float_dtype(valeurs):
            nombre = _decimales(prepare.codes[colonne], decimales)
            formats_nombres[colonne] = "#,##0." + "0" * nombre if nombre else "#,##0"

    def _cellule(valeur, colonne, gras: bool = False) -> WriteOnlyCell:
        cellule = WriteOnlyCell(feuille)
        if valeur is None or (not isinstance(valeur, str) and pd.isna(valeur)):
            return cellule
        if isinstance(valeur, str):
            # Set as a string, never parsed: « =HYPERLINK(…) » stays text in a workbook.
            cellule.value = ILLEGAL_CHARACTERS_RE.sub("", valeur)
            cellule.data_type = "s"
        elif isinstance(valeur, bool | np.bool_):
            cellule.value = "oui" if valeur else "non"
        elif isinstance(valeur, int | np.integer):
            cellule.value = int(valeur)
        else:
            cellule.value = float(valeur)
        if gras:
            cellule.font = Font(bold=True)
        elif colonne in formats_nombres:
            cellule.number_format = formats_nombres[colonne]
        return cellule

    feuille.append([_cellule(str(c), c, gras=True) for c in donnees.columns])
    colonnes = list(donnees.columns)
    for ligne in donnees.itertuples(index=False, name=None):
        feuille.append([_cellule(v, c) for v, c in zip(ligne, colonnes, strict=True)])
    if tableau.attrs.get("note"):
        sources = [*(sources or []), {"Note": tableau.attrs["note"]}]
    if sources:
        feuille_sources = classeur.create_sheet("Sources")
        champs = list(dict.fromkeys(cle for source in sources for cle in source))
        feuille_sources.append([_cellule(tableaux.majuscule(c), None, gras=True) for c in champs])
        for source in sources:
            feuille_sources.append([_cellule(source.get(c), None) for c in champs])
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def vers_geojson(couche: gpd.GeoDataFrame) -> bytes:
    """A layer as GeoJSON in WGS84 (RFC 7946)."""
    return couche.to_crs("EPSG:4326").to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def vers_geopackage(couches: dict[str, gpd.GeoDataFrame]) -> bytes:
    """Several layers in one GeoPackage file (one table per layer).

    A layer's note (``couche.attrs["note"]``) becomes its description in the file
    (``gpkg_contents.description``), which QGIS shows in the layer's properties.
    """
    if not couches:
        raise ValueError("Aucune couche à exporter.")
    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "export.gpkg"
        for nom, couche in couches.items():
            nom_table = nom_fichier(nom)
            description = {"DESCRIPTION": couche.attrs["note"]} if couche.attrs.get("note") else {}
            pyogrio.write_dataframe(
                couche.to_crs("EPSG:4326"), chemin, layer=nom_table, driver="GPKG", layer_options=description
            )
        return chemin.read_bytes()


def lire_geopackage(contenu: bytes) -> dict[str, gpd.GeoDataFrame]:
    """Read back a GeoPackage produced by :func:`vers_geopackage` (tests, checks)."""
    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "lu.gpkg"
        chemin.write_bytes(contenu)
        return {nom: gpd.read_file(chemin, layer=nom) for nom, _ in pyogrio.list_layers(chemin)}
