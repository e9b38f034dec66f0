"""Exports read back: CSV, GeoJSON, GeoPackage and the standalone map."""

from __future__ import annotations

import io
import json
import re

import geopandas as gpd
import pandas as pd
import shapely

from geo.outils import formats
from geo.rendu import carte_territoire, exports
from geo.territoires.referentiel import TerritoireId

PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")
BASE = "/app/static/vendor"


def test_csv_for_french_spreadsheets():
    contenu = formats.vers_csv(pd.DataFrame({"nom": ["Hérin"], "superficie_km2": [7.5]}))
    assert contenu.startswith(b"\xef\xbb\xbf")
    assert contenu.decode("utf-8-sig").splitlines() == ["nom;superficie_km2", "Hérin;7,5"]


def test_territory_layer_is_what_the_map_shows(referentiel):
    nom, couche = exports.couche_territoire(referentiel, PORTE_DU_HAINAUT)
    assert nom == "communes"
    assert len(couche) == 47
    assert {"code", "nom", "population", "superficie_km2"} <= set(couche.columns)

    relu = gpd.read_file(io.BytesIO(formats.vers_geojson(couche)))
    assert len(relu) == 47
    assert relu.crs.to_epsg() == 4326
    assert set(relu.code) == set(couche.code)
    lignes = formats.vers_csv(couche).decode("utf-8-sig").splitlines()
    assert len(lignes) == 48
    assert "geometry" not in lignes[0]


def test_geopackage_holds_every_layer(referentiel):
    _, couche = exports.couche_territoire(referentiel, PORTE_DU_HAINAUT)
    points = gpd.GeoDataFrame({"nom": ["<b>x</b>"]}, geometry=[shapely.Point(3.39, 50.33)], crs="EPSG:4326")
    relues = formats.lire_geopackage(formats.vers_geopackage({"Communes": couche, "Structures ESS": points}))
    assert set(relues) == {"communes", "structures_ess"}
    assert len(relues["communes"]) == 47
    assert relues["structures_ess"].nom.iloc[0] == "<b>x</b>"


def test_standalone_map_embeds_leaflet_and_calls_nothing_outside(referentiel):
    carte = carte_territoire.carte(referentiel, PORTE_DU_HAINAUT, BASE)
    html = exports.carte_autonome(carte, BASE, "Porte du Hainaut <test>")
    assert "<title>Porte du Hainaut &lt;test&gt;</title>" in html
    assert BASE not in html
    assert "L.map(" in html
    assert "Leaflet" in html
    assert re.findall(r'<(?:script[^>]*src|link[^>]*href)="(https?://[^"]+)"', html) == []
    assert "url(data:image/png;base64," in html  # Leaflet's control images
    assert json.dumps("territoire-commune")[1:-1] in html


def test_one_csv_convention_for_french_spreadsheets():
    import pandas as pd

    tableau = pd.DataFrame(
        {
            "nom": ["Aïn", "Bé"],
            "population": [4447.0, None],  # read as float: must not print « 4447,0 »
            "superficie_km2": [12.3456789012345, 3.0],
            "part_pct": [12.3456, 0.5],
            "perimetre": [True, False],
            "communes": [["02722", "02001"], []],
        }
    )
    contenu = formats.vers_csv(tableau)
    assert contenu.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents
    lignes = contenu.decode("utf-8-sig").splitlines()
    assert lignes[0] == "nom;population;superficie_km2;part_pct;perimetre;communes"
    assert lignes[1] == "Aïn;4447;12,3;12,3;oui;02722, 02001"
    assert lignes[2] == "Bé;;3,0;0,5;non;"


def test_layer_names_are_french_words():
    assert (
        exports.nom_couche("communes_avec_qpv_2024") == "Communes comprenant des quartiers prioritaires 2024"
    )
    assert (
        formats.nom_fichier(exports.nom_couche("qpv_perimetres")) == "perimetres_des_quartiers_prioritaires"
    )
    couche = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(3, 50)], crs="EPSG:4326")
    relues = formats.lire_geopackage(
        formats.vers_geopackage({"Périmètres des quartiers prioritaires": couche})
    )
    assert set(relues) == {"perimetres_des_quartiers_prioritaires"}
