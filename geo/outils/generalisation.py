"""Topology-keeping simplification of polygon coverages (communes and what they form).

Neighbouring communes must still share their borders exactly after
simplification, or the map shows slivers and gaps between them. Simplifying each
polygon on its own (Douglas-Peucker) breaks that. GEOS's coverage functions work
on the shared edges instead: :func:`shapely.coverage_clean` first makes the
input an exact coverage (the source has small overlaps and mismatched vertices),
then :func:`shapely.coverage_simplify` simplifies each shared edge once.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# Tolerances in degrees (EPSG:4326), chosen by measuring point counts and looks
# (see benchmarks/bench_fondation.py). "fin" keeps the source detail, which is
# already light (about 30 points per commune).
TOLERANCES = {"fin": 0.0, "moyen": 0.003, "grossier": 0.01}
# Decimals kept when writing display layers: 5 ≈ 1 m, 4 ≈ 11 m.
DECIMALES = {"fin": 5, "moyen": 5, "grossier": 4}
# Scales derived when first drawn from a built one (no rebuild, no new file): the whole
# country is framed at about 3 km per pixel, so the coarse layers simplified again at
# 0.02° (about 1.5 km) and kept to 3 decimals (about 100 m) lose nothing the eye can see,
# and halve what a France-scale map sends (EPCI choropleth: 1.1 MB of GeoJSON to 0.5 MB).
DERIVEES = {"national": ("grossier", 0.02, 3)}
# EPCI frame (about 100 m per pixel): the communes simplified to about 1.5 pixel, per map
# (see geo.rendu.carte_territoire.geometries_affichage), finer than the commune scale needs none.
TOLERANCE_INTERCOMMUNALE = 0.002


def nettoyer_couverture(geometries: np.ndarray) -> np.ndarray:
    """Make polygons an exact coverage: no overlaps, identical shared edges.

    Missing geometries (``None``) are kept as they are.
    """
    geometries = np.asarray(geometries, dtype=object)
    presentes = ~pd.isna(geometries)
    resultat = geometries.copy()
    if presentes.any():
        resultat[presentes] = shapely.coverage_clean(geometries[presentes])
    return resultat


def simplifier_couverture(geometries: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplify a valid coverage without creating gaps or overlaps."""
    geometries = np.asarray(geometries, dtype=object)
    if tolerance <= 0:
        return geometries.copy()
    presentes = ~pd.isna(geometries)
    resultat = geometries.copy()
    if presentes.any():
        resultat[presentes] = shapely.coverage_simplify(geometries[presentes], tolerance)
    return resultat


def arrondir(geometries: np.ndarray, decimales: int) -> np.ndarray:
    """Round coordinates; identical shared vertices stay identical."""
    geometries = np.asarray(geometries, dtype=object)
    presentes = ~pd.isna(geometries)
    resultat = geometries.copy()
    if presentes.any():
        resultat[presentes] = shapely.transform(geometries[presentes], lambda xy: np.round(xy, decimales))
    return resultat


def dissoudre(communes: gpd.GeoDataFrame, cle: str) -> gpd.GeoDataFrame:
    """Union of commune polygons per value of ``cle`` (a valid coverage stays one).

    Returns one row per key with ``geometry`` only; communes without geometry
    are ignored for the shape (not for the counts, done elsewhere).
    """
    dessinees = communes[communes.geometry.notna() & communes[cle].notna()]
    codes, geometries = [], []
    for code, groupe in dessinees.groupby(cle, sort=True):
        codes.append(code)
        geometries.append(shapely.coverage_union_all(groupe.geometry.to_numpy()))
    return gpd.GeoDataFrame({"code": codes}, geometry=geometries, crs=communes.crs)


def version_affichage(couche: gpd.GeoDataFrame, echelle: str) -> gpd.GeoDataFrame:
    """Display version of a coverage layer for a scale (``fin``, ``moyen``, ``grossier``)."""
    geometries = simplifier_couverture(couche.geometry.to_numpy(), TOLERANCES[echelle])
    geometries = arrondir(geometries, DECIMALES[echelle])
    return gpd.GeoDataFrame({"code": couche["code"].to_numpy()}, geometry=geometries, crs=couche.crs)


def version_derivee(couche: gpd.GeoDataFrame, echelle: str) -> gpd.GeoDataFrame:
    """A derived display scale (see :data:`DERIVEES`) from the built layer it starts from.

    ``couche`` is the display layer of ``DERIVEES[echelle][0]``; it is a valid coverage, so
    simplifying it again keeps shared borders shared.
    """
    _, tolerance, decimales = DERIVEES[echelle]
    geometries = simplifier_couverture(couche.geometry.to_numpy(), tolerance)
    geometries = arrondir(geometries, decimales)
    return gpd.GeoDataFrame({"code": couche["code"].to_numpy()}, geometry=geometries, crs=couche.crs)
