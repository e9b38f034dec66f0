"""Metric coordinate systems for distances: Lambert-93 on the mainland, local UTM overseas.

Distances in degrees mean nothing, and Lambert-93 distorts far from mainland
France; each overseas département has its official projected CRS.
"""

from __future__ import annotations

LAMBERT_93 = "EPSG:2154"
# Official projected CRS of the overseas départements (IGN).
CRS_OUTRE_MER = {
    "971": "EPSG:5490",  # Guadeloupe — RGAF09 / UTM 20N
    "972": "EPSG:5490",  # Martinique — RGAF09 / UTM 20N
    "973": "EPSG:2972",  # Guyane — RGFG95 / UTM 22N
    "974": "EPSG:2975",  # La Réunion — RGR92 / UTM 40S
    "976": "EPSG:4471",  # Mayotte — RGM04 / UTM 38S
}
# Bounding boxes (lon/lat) to place a point without knowing its département.
_EMPRISES = {
    "971": (-61.9, 15.8, -60.9, 16.6),
    "972": (-61.3, 14.3, -60.7, 14.95),
    "973": (-54.7, 2.0, -51.5, 6.0),
    "974": (55.1, -21.5, 56.0, -20.8),
    "976": (44.9, -13.1, 45.4, -12.5),
}


def zone(departement: str | None) -> str:
    """``"metropole"`` or the overseas département code (the key of a metric CRS)."""
    departement = (departement or "").upper()
    return departement if departement in CRS_OUTRE_MER else "metropole"


def zone_du_point(lon: float, lat: float) -> str:
    for departement, (minx, miny, maxx, maxy) in _EMPRISES.items():
        if minx <= lon <= maxx and miny <= lat <= maxy:
            return departement
    return "metropole"


def crs_metrique(zone_ou_departement: str) -> str:
    """Projected CRS (metres) for a zone or a département code.

    >>> crs_metrique("59"), crs_metrique("974"), crs_metrique("metropole")
    ('EPSG:2154', 'EPSG:2975', 'EPSG:2154')
    """
    return CRS_OUTRE_MER.get(zone_ou_departement, LAMBERT_93)


def projeter(lon, lat, zones) -> tuple:
    """Metric x, y (numpy arrays) of WGS84 points, each in the CRS of its zone.

    ``zones`` holds, per point, ``"metropole"`` or an overseas département code
    (see :func:`zone`); points of different zones are projected separately.
    """
    import numpy as np
    from pyproj import Transformer

    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    zones = np.asarray(zones, dtype=object)
    x, y = np.full(len(lon), np.nan), np.full(len(lon), np.nan)
    for zone_code in set(zones.tolist()):
        masque = zones == zone_code
        transformation = Transformer.from_crs("EPSG:4326", crs_metrique(zone_code), always_xy=True)
        x[masque], y[masque] = transformation.transform(lon[masque], lat[masque])
    return x, y


def plus_proches(points, cibles):
    """For each point, the nearest target of the same zone, with its distance in metres.

    ``points`` and ``cibles`` are DataFrames with ``zone, x, y`` (metric coordinates, see
    :func:`projeter`). Returns a DataFrame on ``points``' index: ``cible`` (the target's
    index label, NA when its zone has none) and ``distance_m``. A spatial index per zone.
    """
    import numpy as np
    import pandas as pd
    import shapely

    resultat = pd.DataFrame(
        {"cible": pd.Series(pd.NA, index=points.index, dtype="object"), "distance_m": np.nan}
    )
    for zone_code, groupe in points.groupby("zone"):
        dans_zone = cibles[cibles.zone == zone_code]
        if dans_zone.empty:
            continue
        arbre = shapely.STRtree(shapely.points(dans_zone.x.to_numpy(), dans_zone.y.to_numpy()))
        indices, distances = arbre.query_nearest(
            shapely.points(groupe.x.to_numpy(), groupe.y.to_numpy()), return_distance=True, all_matches=False
        )
        resultat.loc[groupe.index[indices[0]], "cible"] = dans_zone.index[indices[1]].to_numpy()
        resultat.loc[groupe.index[indices[0]], "distance_m"] = distances
    return resultat
