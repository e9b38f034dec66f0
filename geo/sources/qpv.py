"""Quartiers prioritaires de la politique de la ville (QPV): perimeters, lists, population.

Two generations exist: 2015 (codes ``QP…``, properties ``CODE_QP``, ``NOM_QP``
in the ANCT shapefile, lower-case in republications) and 2024 (codes ``QN…``,
properties ``code_qp, lib_qp, insee_com, lib_com, insee_dep, siren_epci``). The
generation is told by the code, never by the file name.

Readers accept the official forms: the ANCT zip (GeoJSON WGS84, GeoPackage
Lambert-93, shapefiles), a bare GeoJSON, GeoPackage or shapefile in any CRS,
the ``;``-separated list ``listeqp2024-cog2024.csv`` (UTF-8 with BOM, commune
codes that may be several per cell, lose their leading zero or be written
``="…"``), the ANCT per-commune file of the 2024 QPV, and population files.
Errors are :class:`DonneesQPVInvalides` with a French message.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.outils import csv_souple
from geo.outils.text import accorder
from geo.sources import Source, declarer, defaut_fichier, lecteur
from geo.sources.lecture import defaut_csv, defaut_du_contenu

_ANCT = "ANCT (Agence nationale de la cohésion des territoires), SIG Ville"
_PAGE_QPV = "https://www.data.gouv.fr/fr/datasets/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/"

PERIMETRES_2024 = declarer(
    Source(
        id="qpv_2024_perimetres",
        titre="Périmètres des quartiers prioritaires 2024 (QPV)",
        producteur=_ANCT,
        licence="Licence Ouverte 2.0",
        millesime="Géographie prioritaire 2024 (décrets du 28 décembre 2023)",
        page=_PAGE_QPV,
        fichier="QP2024_France_Hexagonale_Outre_Mer.zip",
        url=(
            "https://static.data.gouv.fr/resources/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/"
            "20260115-204323/qpv-2024-geojson.zip"
        ),
        jeu_datagouv="quartiers-prioritaires-de-la-politique-de-la-ville-qpv",
        ressource=r"qpv.?2024.*geojson.*\.zip|qp2024.*\.zip",
        # The date of the official resource's address (…/20260115-204323/…).
        date_publication="2026-01-15",
        remplace=("qpv_2024_perimetres_republication", "qpv_2024_communes"),
        autres_noms=(
            "qpv-2024-geojson.zip",
            "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson",
            "QP2024_France_hexagonale_LB93.gpkg",
            "QP2024_France_Hexagonale_Outre_Mer_WGS84.shp",
        ),
        description=(
            "Contours officiels des 1 584 QPV de la géographie prioritaire 2024 (Hexagone et "
            "outre-mer), avec leurs communes et EPCI."
        ),
    )
)
LISTE_2024 = declarer(
    Source(
        id="qpv_2024_liste",
        titre="Liste des QPV 2024 et de leurs communes (COG 2024)",
        producteur=_ANCT,
        licence="Licence Ouverte 2.0",
        millesime="Géographie prioritaire 2024, communes au COG 2024",
        page=_PAGE_QPV,
        fichier="listeqp2024-cog2024.csv",
        url=(
            "https://static.data.gouv.fr/resources/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/"
            "20260116-110350/listeqp2024-cog2024.csv"
        ),
        jeu_datagouv="quartiers-prioritaires-de-la-politique-de-la-ville-qpv",
        ressource=r"listeqp2024",
        date_publication="2026-01-16",
        remplace=("qpv_2024_communes",),
        description="Un QPV par ligne, avec sa ou ses communes, son département et son EPCI.",
    )
)
PERIMETRES_2024_REPUBLICATION = declarer(
    Source(
        id="qpv_2024_perimetres_republication",
        titre="Périmètres des quartiers prioritaires 2024 (QPV), republication à 11 m près",
        producteur=_ANCT + " ; republié par bpineau/gazetteer (coordonnées arrondies)",
        licence="Licence Ouverte 2.0",
        millesime="Géographie prioritaire 2024, fichier ANCT du 15/01/2026",
        page=_PAGE_QPV,
        fichier="qpv2024_perimetres_4decimales.geojson",
        # Rounded copy of the ANCT file of that date (the republisher's own date is not the data's).
        date_publication="2026-01-15",
        description=(
            "Les 1 584 périmètres officiels des QPV 2024 (Hexagone et outre-mer), coordonnées "
            "arrondies à 4 décimales (environ 11 m) par le republicateur. Utilisés quand le zip "
            "officiel de l'ANCT n'est pas disponible."
        ),
        limites=("Précision d'environ 11 m : un point à quelques mètres d'une limite peut être mal classé.",),
    )
)
COMMUNES_2024 = declarer(
    Source(
        id="qpv_2024_communes",
        titre="Communes comprenant des QPV 2024 (point au centre de la commune)",
        producteur=_ANCT + " — carte du superposeur ANCT",
        licence="Licence Ouverte 2.0",
        millesime="Géographie prioritaire 2024",
        page="https://github.com/anct-carto/superposeur-V2",
        fichier="qpv2024_par_commune_centroides.geojson",
        description=(
            "Pour chaque commune comprenant au moins un QPV 2024 : les codes et noms de ses QPV. "
            "Ce ne sont pas des périmètres : la commune entière est montrée, en le disant."
        ),
    )
)
PERIMETRES_2015_OCCITANIE = declarer(
    Source(
        id="qpv_2015_perimetres_occitanie",
        titre="Périmètres des QPV 2015 en Occitanie (ancienne géographie prioritaire)",
        producteur="ANCT (CGET), republié par Toulouse DataViz (Hackaviz 2021)",
        licence="Licence Ouverte 2.0",
        millesime="Géographie prioritaire 2015 (remplacée au 1er janvier 2024)",
        page="https://github.com/ToulouseDataViz/Hackaviz2021",
        fichier="qp2015_occitanie.geojson",
        url="https://github.com/ToulouseDataViz/Hackaviz2021/raw/main/data/qp.geojson",
        description="Contours des 105 QPV 2015 d'Occitanie.",
        limites=(
            "Génération 2015 : ces périmètres ne sont plus ceux de la politique de la ville depuis 2024.",
        ),
    )
)
INDICATEURS_2015_OCCITANIE = declarer(
    Source(
        id="qpv_2015_indicateurs_occitanie",
        titre="Population et indicateurs des QPV 2015 d'Occitanie",
        producteur="INSEE et Cnaf, republié par Toulouse DataViz (Hackaviz 2021)",
        licence="Licence Ouverte 2.0",
        millesime="Population municipale estimée 2015 (INSEE-Cnaf), indicateurs publiés par l'INSEE en 2019",
        page="https://github.com/ToulouseDataViz/Hackaviz2021",
        fichier="qp2015_occitanie_indicateurs.csv",
        url="https://github.com/ToulouseDataViz/Hackaviz2021/raw/main/data/qp.csv",
        description="44 indicateurs INSEE pour les 105 QPV 2015 d'Occitanie, dont la population municipale.",
    )
)
POPULATION_2024 = declarer(
    Source(
        id="qpv_2024_population",
        titre="Population de référence des QPV 2024",
        producteur="INSEE",
        licence="Licence Ouverte 2.0",
        millesime="Population de référence QPV 2024",
        page="https://www.insee.fr/fr/statistiques/8210600",
        fichier="pop_QPV24.csv",
        description=(
            "Population municipale de chaque QPV 2024. Fichier à télécharger depuis la page de "
            "l'INSEE et à placer dans le dossier miroir ou le cache de téléchargement."
        ),
    )
)

MILLESIME_POPULATION_2015 = "2015 (estimation INSEE-Cnaf)"
MILLESIME_POPULATION_2024 = "population de référence QPV 2024 (INSEE)"

# Corsica writes its département 02A/02B inside the code (QN02A01M).
_MOTIF_CODE = re.compile(r"QN\d{2}[\dAB]\d{2}[A-Z]|QP\d{2}[\dAB]\d{3}")
# Official and republished spellings of the same properties.
_ALIAS = {
    "code_qp": ("code_qp", "CODE_QP", "codeqp", "code_quartier"),
    "nom": ("lib_qp", "nom_qp", "NOM_QP", "LIB_QP", "nom_quartier"),
    "communes": ("insee_com", "code_commune", "INSEE_COM", "CODE_COMM", "codgeo"),
    "noms_communes": ("lib_com", "nom_commune", "commune_qp", "COMMUNE_QP", "NOM_COM", "LIB_COM"),
    "dep": ("insee_dep", "code_departement", "DEP", "INSEE_DEP"),
    "epci": ("siren_epci", "SIREN_EPCI"),
}
# Rough extents used to recognise coordinates written without a CRS.
_EMPRISE_LAMBERT93 = (-400_000, 5_900_000, 1_400_000, 7_300_000)


class DonneesQPVInvalides(ValueError):
    """A QPV file cannot be used; the message says why, in French."""


def generation(code: str) -> str:
    """``"2024"`` for ``QN…`` codes, ``"2015"`` for ``QP…`` codes."""
    code = str(code).strip().upper()
    if code.startswith("QN"):
        return "2024"
    if code.startswith("QP"):
        return "2015"
    raise DonneesQPVInvalides(
        f"Code de QPV non reconnu : « {code} » (QN… pour 2024, QP… pour 2015 attendus)."
    )


def normaliser_code_commune(valeur: object) -> list[str]:
    """Commune codes out of one cell: ``="02691"``, ``2691``, ``"02691, 02722"`` → list.

    >>> normaliser_code_commune('="2691"')
    ['02691']
    >>> normaliser_code_commune("13201 13202")
    ['13201', '13202']
    >>> normaliser_code_commune("2A004")
    ['2A004']
    """
    if valeur is None or (isinstance(valeur, float) and np.isnan(valeur)):
        return []
    texte = str(valeur).replace('="', "").replace('"', "").replace("=", "")
    codes = []
    for morceau in re.split(r"[\s,;|/]+", texte.strip()):
        morceau = morceau.strip().upper()
        if not morceau:
            continue
        if morceau.isdigit() and len(morceau) == 4:
            morceau = "0" + morceau  # lost leading zero (Excel)
        if re.fullmatch(r"\d[\dAB]\d{3}", morceau):
            codes.append(morceau)
        else:
            raise DonneesQPVInvalides(f"Code de commune invalide dans la liste des QPV : « {morceau} ».")
    return codes


def _colonne(colonnes: list[str], role: str) -> str | None:
    minuscules = {c.lower(): c for c in colonnes}
    for alias in _ALIAS[role]:
        if alias in colonnes:
            return alias
        if alias.lower() in minuscules:
            return minuscules[alias.lower()]
    return None


# Perimeters ------------------------------------------------------------------


def _choisir_membre(noms: list[str]) -> str:
    """The most useful geometry file of an ANCT zip: national WGS84, then Lambert-93, then any."""
    geometriques = [n for n in noms if n.lower().endswith((".geojson", ".json", ".gpkg", ".shp"))]
    if not geometriques:
        raise DonneesQPVInvalides(
            "L'archive ne contient aucun fichier de périmètres utilisable (GeoJSON, GeoPackage "
            f"ou shapefile) : {', '.join(noms[:10]) or 'archive vide'}."
        )

    def rang(nom: str) -> tuple[int, int, str]:
        bas = nom.lower()
        national = "france" in bas or "hexagon" in bas
        format_rang = 0 if bas.endswith((".geojson", ".json")) else 1 if bas.endswith(".gpkg") else 2
        return (0 if national and "wgs84" in bas else 1 if national else 2, format_rang, nom)

    return sorted(geometriques, key=rang)[0]


def _lire_geometries(chemin: Path) -> gpd.GeoDataFrame:
    if zipfile.is_zipfile(chemin):
        with zipfile.ZipFile(chemin) as archive:
            membre = _choisir_membre(archive.namelist())
        return gpd.read_file(f"zip://{chemin}!{membre}")
    return gpd.read_file(chemin)


def _definir_crs(tableau: gpd.GeoDataFrame, nom_fichier: str) -> gpd.GeoDataFrame:
    """Reproject to WGS84; guess only between WGS84 and Lambert-93 when the CRS is missing.

    A GeoJSON file without a ``crs`` member is read as WGS84 (RFC 7946), even
    when its coordinates are metres: coordinates out of degree range are then
    treated as a missing CRS.
    """
    minx, miny, maxx, maxy = tableau.total_bounds
    en_degres = -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    if tableau.crs is not None and not (tableau.crs.is_geographic and not en_degres):
        return tableau.to_crs("EPSG:4326")
    if en_degres:
        return tableau.set_crs("EPSG:4326", allow_override=True)
    lx, ly, ux, uy = _EMPRISE_LAMBERT93
    if lx <= minx <= maxx <= ux and ly <= miny <= maxy <= uy:
        return tableau.set_crs("EPSG:2154", allow_override=True).to_crs("EPSG:4326")
    raise DonneesQPVInvalides(
        f"{nom_fichier} : système de coordonnées absent et coordonnées ni en degrés (WGS84) ni "
        "en Lambert-93 : impossible de placer les périmètres."
    )


def _reparer(geometries: gpd.GeoSeries) -> tuple[gpd.GeoSeries, int]:
    """Make geometries valid and polygonal; count the repairs."""
    invalides = ~geometries.is_valid & geometries.notna() & ~geometries.is_empty
    if invalides.any():
        repare = shapely.make_valid(geometries[invalides].to_numpy())
        polygones = [
            shapely.union_all([g for g in shapely.get_parts(r) if g.geom_type in ("Polygon", "MultiPolygon")])
            for r in repare
        ]
        geometries = geometries.copy()
        geometries[invalides] = polygones
    return geometries, int(invalides.sum())


def _verifier_polygones(brut: gpd.GeoDataFrame, nom_fichier: str) -> None:
    """Perimeters are polygons with real coordinates; anything else is a wrong or damaged file."""
    geometries = brut.geometry[~brut.geometry.isna() & ~brut.geometry.is_empty]
    autres = sorted(set(geometries.geom_type) - {"Polygon", "MultiPolygon"})
    if autres:
        raise DonneesQPVInvalides(
            f"{nom_fichier} : n'est pas un fichier de polygones (géométries trouvées : {', '.join(autres)})."
        )
    if np.isnan(shapely.get_coordinates(geometries.to_numpy())).any():
        raise DonneesQPVInvalides(f"{nom_fichier} : coordonnées manquantes (NaN).")


@lecteur
def lire_perimetres(chemin: Path) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read QPV perimeters in any official form; return them (WGS84) and the anomalies.

    Columns: ``code_qp, nom, generation, communes`` (INSEE codes, comma-separated),
    ``noms_communes, dep, epci, geometry``.
    """
    chemin = Path(chemin)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            brut = _lire_geometries(chemin)
    except DonneesQPVInvalides:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, OSError) as erreur:
        raise DonneesQPVInvalides(
            f"{chemin.name} : {defaut_fichier(chemin, erreur, polygones=True)}."
        ) from erreur
    except shapely.errors.GEOSException as erreur:  # a ring GDAL cannot build (NaN, open contour)
        raise DonneesQPVInvalides(
            f"{chemin.name} : {defaut_fichier(chemin, erreur, polygones=True)}."
        ) from erreur
    _verifier_polygones(brut, chemin.name)
    colonnes = [c for c in brut.columns if c != brut.geometry.name]
    code, nom = _colonne(colonnes, "code_qp"), _colonne(colonnes, "nom")
    if code is None or nom is None:
        raise DonneesQPVInvalides(
            f"{chemin.name} : colonnes du code et du nom des QPV introuvables (attendu code_qp/CODE_QP "
            f"et lib_qp/nom_qp/NOM_QP ; trouvé : {', '.join(colonnes) or 'aucune'})."
        )
    anomalies: list[str] = []
    try:
        tableau = _definir_crs(brut, chemin.name)
    except DonneesQPVInvalides as erreur:  # « NaN » written as text reads as 0: say the real fault
        defaut = defaut_du_contenu(chemin, polygones=True)
        if defaut is None:
            raise
        raise DonneesQPVInvalides(f"{chemin.name} : {defaut}.") from erreur

    vides = tableau.geometry.isna() | tableau.geometry.is_empty
    if vides.any():
        anomalies.append(
            f"{int(vides.sum())} QPV sans géométrie dans {chemin.name}, non dessinés : "
            f"{', '.join(tableau.loc[vides, code].astype(str).head(20))}."
        )
        tableau = tableau[~vides]
    geometries, reparees = _reparer(tableau.geometry)
    if reparees:
        anomalies.append(
            f"{accorder(reparees, 'périmètre invalide réparé', 'périmètres invalides réparés')} "
            f"dans {chemin.name}."
        )

    codes = tableau[code].astype(str).str.strip().str.upper()
    mal_formes = ~codes.str.fullmatch(_MOTIF_CODE)
    if mal_formes.any():
        anomalies.append(
            f"{accorder(int(mal_formes.sum()), 'code')} de QPV non "
            f"{accorder(int(mal_formes.sum()), 'reconnu', avec_nombre=False)}, "
            f"{accorder(int(mal_formes.sum()), 'ignoré', avec_nombre=False)} : "
            f"{', '.join(codes[mal_formes].head(10))}."
        )
    col_communes = _colonne(colonnes, "communes")
    col_noms_communes = _colonne(colonnes, "noms_communes")
    col_dep, col_epci = _colonne(colonnes, "dep"), _colonne(colonnes, "epci")
    resultat = gpd.GeoDataFrame(
        {
            "code_qp": codes,
            "nom": tableau[nom].astype(str).str.strip(),
            "generation": codes.map(lambda c: generation(c) if _MOTIF_CODE.fullmatch(c) else None),
            "communes": (
                tableau[col_communes].map(lambda v: ",".join(normaliser_code_commune(v)))
                if col_communes
                else ""
            ),
            "noms_communes": tableau[col_noms_communes].astype(str) if col_noms_communes else "",
            "dep": tableau[col_dep].astype(str) if col_dep else None,
            "epci": tableau[col_epci].astype(str) if col_epci else None,
        },
        geometry=geometries.to_numpy(),
        crs="EPSG:4326",
    )[~mal_formes.to_numpy()]
    # A QPV cut in several rows (one per commune in some exports) is one QPV.
    if resultat.code_qp.duplicated().any():
        resultat = resultat.dissolve(
            by="code_qp",
            aggfunc={
                "nom": "first",
                "generation": "first",
                "communes": lambda s: ",".join(sorted({c for v in s for c in v.split(",") if c})),
                "noms_communes": lambda s: ", ".join(dict.fromkeys(s)),
                "dep": "first",
                "epci": "first",
            },
        ).reset_index()
    return resultat.reset_index(drop=True), anomalies


# Lists -----------------------------------------------------------------------


def lire_csv_souple(chemin: Path | io.BytesIO, nom_fichier: str) -> pd.DataFrame:
    """A CSV whatever its separator (``;`` or ``,``) and encoding (UTF-8, BOM, Latin-1)."""
    donnees = chemin.read_bytes() if isinstance(chemin, Path) else chemin.getvalue()
    encodage, separateur, _premiere = csv_souple.detecter(donnees)
    texte = donnees.decode(encodage)
    separateur = separateur or ";"
    try:
        return pd.read_csv(io.StringIO(texte), sep=separateur, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as erreur:
        raise DonneesQPVInvalides(f"{nom_fichier} : fichier CSV mal formé, {defaut_csv(erreur)}.") from erreur


@lecteur
def lire_liste_2024(chemin: Path) -> pd.DataFrame:
    """``listeqp2024-cog2024.csv`` → one row per (QPV, commune): ``code_qp, nom, commune``."""
    tableau = lire_csv_souple(Path(chemin), Path(chemin).name)
    colonnes = list(tableau.columns)
    code, nom, communes = (_colonne(colonnes, r) for r in ("code_qp", "nom", "communes"))
    manquantes = [n for n, c in (("code_qp", code), ("lib_qp", nom), ("insee_com", communes)) if c is None]
    if manquantes:
        mots = accorder(len(manquantes), "colonne manquante", "colonnes manquantes", avec_nombre=False)
        raise DonneesQPVInvalides(
            f"{Path(chemin).name} : {mots} : "
            f"{', '.join(manquantes)} "
            f"(colonnes trouvées : {', '.join(colonnes)})."
        )
    lignes = []
    for ligne in tableau.itertuples(index=False):
        code_qp = str(getattr(ligne, code)).replace('="', "").strip('" ').upper()
        for commune in normaliser_code_commune(getattr(ligne, communes)):
            lignes.append((code_qp, str(getattr(ligne, nom)).strip(), commune))
    return pd.DataFrame(lignes, columns=["code_qp", "nom", "commune"])


@lecteur
def lire_communes_2024(chemin: Path) -> pd.DataFrame:
    """ANCT per-commune file → one row per (QPV, commune): ``code_qp, nom, commune``."""
    brut = gpd.read_file(chemin)
    colonnes = list(brut.columns)
    for requise in ("insee_com", "code_qp", "lib_qp"):
        if requise not in colonnes:
            raise DonneesQPVInvalides(
                f"{Path(chemin).name} : colonne « {requise} » manquante (trouvé : {', '.join(colonnes)})."
            )
    lignes = []
    for ligne in brut.itertuples(index=False):
        codes = [c.strip().upper() for c in str(ligne.code_qp).split(",") if c.strip()]
        noms = [n.strip() for n in str(ligne.lib_qp).split(", ")]
        if len(noms) != len(codes):
            noms = [str(ligne.lib_qp).strip()] * len(codes)
        for commune in normaliser_code_commune(ligne.insee_com):
            for code_qp, nom in zip(codes, noms, strict=True):
                lignes.append((code_qp, nom, commune))
    return pd.DataFrame(lignes, columns=["code_qp", "nom", "commune"])


@lecteur
def lire_population(chemin: Path) -> pd.DataFrame:
    """A QPV population file → ``code_qp, population`` (Int64).

    The code column is recognised by its values (``QN…``/``QP…`` codes); the
    population column by its name (``pop_mun``, ``POP_MUN``, ``pop``…).
    """
    tableau = lire_csv_souple(Path(chemin), Path(chemin).name)
    parts_de_codes = {c: tableau[c].str.strip().str.fullmatch(_MOTIF_CODE).mean() for c in tableau}
    code = next((c for c, part in parts_de_codes.items() if part > 0.9), None)
    candidates = [c for c in tableau.columns if re.fullmatch(r"(?i)(pop_mun|pmun|pop|population)\w*", c)]
    if code is None or not candidates:
        raise DonneesQPVInvalides(
            f"{Path(chemin).name} : colonne des codes QPV ou de la population introuvable "
            f"(colonnes : {', '.join(tableau.columns)})."
        )
    population = pd.to_numeric(
        tableau[candidates[0]].astype(str).str.replace(r"[\s\u202f\u00a0]", "", regex=True), errors="coerce"
    )
    return pd.DataFrame(
        {"code_qp": tableau[code].str.strip().str.upper(), "population": population.round().astype("Int64")}
    )
