"""Downloads made from a table: made once per content, made again when a cell changes."""

from __future__ import annotations

import pandas as pd

from geo.outils.tableaux import empreinte
from ui import telechargement


def test_a_file_from_a_table_is_made_once_per_content():
    appels = []

    def fabriquer(tableau: pd.DataFrame) -> bytes:
        appels.append(len(tableau))
        return tableau.to_csv(index=False).encode()

    tableau = pd.DataFrame({"commune": ["Soissons", "Laon"], "emplois": [3, None]})
    digest = empreinte(tableau)
    premier = telechargement._octets_memorises(digest, "essai", tableau, fabriquer)
    # The same cells in another frame: the file already made.
    assert telechargement._octets_memorises(empreinte(tableau.copy()), "essai", tableau, fabriquer) == premier
    assert appels == [2]
    change = tableau.assign(emplois=[3, 4])
    assert empreinte(change) != digest
    assert b"4" in telechargement._octets_memorises(empreinte(change), "essai", change, fabriquer)
    assert appels == [2, 2]


def test_a_layer_digest_follows_its_shapes_and_crs():
    import geopandas as gpd
    from shapely.geometry import Point

    couche = gpd.GeoDataFrame({"nom": ["a", "b"]}, geometry=[Point(3.3, 49.4), Point(3.4, 49.5)], crs=4326)
    assert empreinte(couche) == empreinte(couche.copy())
    deplacee = couche.set_geometry([Point(3.3, 49.4), Point(3.4, 49.500001)], crs=4326)
    assert empreinte(deplacee) != empreinte(couche)
    assert empreinte(couche.set_crs(2154, allow_override=True)) != empreinte(couche)
