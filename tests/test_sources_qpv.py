"""Reading QPV files in every official form, and refusing broken ones clearly."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.sources import qpv
from geo.sources.qpv import DonneesQPVInvalides

# Two small squares in Denain (59172), in WGS84.
CARRE_A = shapely.box(3.385, 50.325, 3.390, 50.329)
CARRE_B = shapely.box(3.395, 50.325, 3.400, 50.329)


def _qpv_2024(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    tableau = gpd.GeoDataFrame(
        {
            "code_qp": ["QN05901M", "QN05902I"],
            "lib_qp": ["Quartier A", "Quartier B"],
            "insee_com": ["59172", "59172, 59569"],
            "lib_com": ["Denain", "Denain, Wavrechain-sous-Denain"],
            "insee_dep": ["59", "59"],
            "siren_epci": ["200042190", "200042190"],
        },
        geometry=[CARRE_A, CARRE_B],
        crs="EPSG:4326",
    )
    return tableau.to_crs(crs)


def test_lambert93_geopackage_is_reprojected_and_normalised(tmp_path):
    chemin = tmp_path / "QP2024_France_hexagonale_LB93.gpkg"
    _qpv_2024("EPSG:2154").to_file(chemin, driver="GPKG")

    perimetres, anomalies = qpv.lire_perimetres(chemin)

    assert perimetres.crs.to_epsg() == 4326
    assert list(perimetres.code_qp) == ["QN05901M", "QN05902I"]
    assert list(perimetres.nom) == ["Quartier A", "Quartier B"]
    assert list(perimetres.generation) == ["2024", "2024"]
    assert perimetres.communes.iloc[1] == "59172,59569"
    assert perimetres.geometry.iloc[0].equals_exact(CARRE_A, tolerance=1e-6)
    assert anomalies == []


def test_2015_shapefile_with_upper_case_columns(tmp_path):
    ancien = gpd.GeoDataFrame(
        {"CODE_QP": ["QP059001"], "NOM_QP": ["Ancien quartier"], "COMMUNE_QP": ["Denain"]},
        geometry=[CARRE_A],
        crs="EPSG:4326",
    )
    chemin = tmp_path / "QP_METROPOLE_WGS84.shp"
    ancien.to_file(chemin)

    perimetres, _ = qpv.lire_perimetres(chemin)

    assert perimetres.generation.tolist() == ["2015"]
    assert perimetres.nom.tolist() == ["Ancien quartier"]


def test_zip_picks_the_national_wgs84_file(tmp_path):
    dossier = tmp_path / "contenu"
    dossier.mkdir()
    _qpv_2024().to_file(dossier / "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson", driver="GeoJSON")
    _qpv_2024("EPSG:2154").iloc[:1].to_file(dossier / "QP2024_France_hexagonale_LB93.gpkg", driver="GPKG")
    archive = tmp_path / "qpv.zip"
    with zipfile.ZipFile(archive, "w") as zz:
        zz.writestr("LISEZMOI.txt", "notice")
        zz.write(dossier / "QP2024_France_hexagonale_LB93.gpkg", "GPKG/QP2024_France_hexagonale_LB93.gpkg")
        zz.write(
            dossier / "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson",
            "GEOJSON/QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson",
        )

    perimetres, _ = qpv.lire_perimetres(archive)

    assert len(perimetres) == 2  # the WGS84 file holds both QPV, the Lambert-93 one only one


def test_zip_without_a_usable_file_says_so(tmp_path):
    archive = tmp_path / "qpv.zip"
    with zipfile.ZipFile(archive, "w") as zz:
        zz.writestr("LISEZMOI.txt", "notice")
        zz.writestr("liste.xlsx", b"pas une carte")
    with pytest.raises(DonneesQPVInvalides, match="aucun fichier de périmètres utilisable"):
        qpv.lire_perimetres(archive)


def test_geojson_without_crs_in_degrees_or_lambert93(tmp_path):
    degres = tmp_path / "sans_crs.geojson"
    degres.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"code_qp":"QN05901M","lib_qp":"A"},"geometry":' + shapely.to_geojson(CARRE_A) + "}]}",
        encoding="utf-8",
    )
    perimetres, _ = qpv.lire_perimetres(degres)
    assert perimetres.geometry.iloc[0].centroid.x == pytest.approx(3.3875)

    carre_l93 = gpd.GeoSeries([CARRE_A], crs="EPSG:4326").to_crs("EPSG:2154").iloc[0]
    metres = tmp_path / "sans_crs_l93.geojson"
    metres.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"code_qp":"QN05901M","lib_qp":"A"},"geometry":' + shapely.to_geojson(carre_l93) + "}]}",
        encoding="utf-8",
    )
    perimetres, _ = qpv.lire_perimetres(metres)
    assert perimetres.geometry.iloc[0].centroid.x == pytest.approx(3.3875, abs=1e-4)


def test_geojson_without_crs_and_unknown_coordinates_is_refused(tmp_path):
    chemin = tmp_path / "bizarre.geojson"
    chemin.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"code_qp":"QN05901M","lib_qp":"A"},"geometry":'
        + shapely.to_geojson(shapely.box(5e7, 5e7, 5e7 + 10, 5e7 + 10))
        + "}]}",
        encoding="utf-8",
    )
    with pytest.raises(DonneesQPVInvalides, match="système de coordonnées absent"):
        qpv.lire_perimetres(chemin)


def test_missing_columns_are_named(tmp_path):
    chemin = tmp_path / "mauvais.geojson"
    gpd.GeoDataFrame({"identifiant": ["x"]}, geometry=[CARRE_A], crs="EPSG:4326").to_file(chemin)
    with pytest.raises(DonneesQPVInvalides, match=r"trouvé : identifiant"):
        qpv.lire_perimetres(chemin)


def test_empty_and_self_intersecting_geometries_are_reported_and_repaired(tmp_path):
    papillon = shapely.Polygon([(3.38, 50.32), (3.39, 50.33), (3.39, 50.32), (3.38, 50.33), (3.38, 50.32)])
    tableau = gpd.GeoDataFrame(
        {"code_qp": ["QN05901M", "QN05902M", "QN05903M"], "lib_qp": ["Papillon", "Vide", "Bon"]},
        geometry=[papillon, shapely.Polygon(), CARRE_B],
        crs="EPSG:4326",
    )
    chemin = tmp_path / "casse.gpkg"
    tableau.to_file(chemin, driver="GPKG")

    perimetres, anomalies = qpv.lire_perimetres(chemin)

    assert list(perimetres.code_qp) == ["QN05901M", "QN05903M"]
    assert perimetres.geometry.is_valid.all()
    assert perimetres.geometry.iloc[0].area > 0
    assert any("sans géométrie" in a and "QN05902M" in a for a in anomalies)
    assert any(a.startswith("1 périmètre invalide réparé dans ") for a in anomalies)


def test_official_list_with_bom_semicolons_excel_codes_and_several_communes(tmp_path):
    chemin = tmp_path / "listeqp2024-cog2024.csv"
    chemin.write_bytes(
        "\ufeffcode_qp;lib_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci\n"
        'QN00201M;Quartier de l\'Aisne;32;HdF;02;Aisne;="2691";Saint-Quentin;200071892;CA\n'
        "QN05902I;Quartier B;32;HdF;59;Nord;59172, 59569;Denain, Wavrechain;200042190;CA\n".encode()
    )
    liste = qpv.lire_liste_2024(chemin)
    assert liste.values.tolist() == [
        ["QN00201M", "Quartier de l'Aisne", "02691"],
        ["QN05902I", "Quartier B", "59172"],
        ["QN05902I", "Quartier B", "59569"],
    ]


def test_official_list_in_latin1_with_a_missing_column(tmp_path):
    chemin = tmp_path / "listeqp2024-cog2024.csv"
    chemin.write_bytes("code_qp;lib_qp;insee_dep\nQN00201M;Quartier Été;02\n".encode("latin-1"))
    with pytest.raises(DonneesQPVInvalides, match="colonne manquante : insee_com"):
        qpv.lire_liste_2024(chemin)


def test_invalid_commune_code_in_the_list_is_refused(tmp_path):
    chemin = tmp_path / "liste.csv"
    chemin.write_text("code_qp;lib_qp;insee_com\nQN00201M;A;ABCDE\n", encoding="utf-8")
    with pytest.raises(DonneesQPVInvalides, match=r"Code de commune invalide .*ABCDE"):
        qpv.lire_liste_2024(chemin)


def test_population_file_is_recognised_by_its_content(tmp_path):
    chemin = tmp_path / "pop_QPV24.csv"
    chemin.write_text("CODGEO;LIBGEO;POP_MUN_2020\nQN05901M;A;1 234\nQN05902I;B;\n", encoding="utf-8")
    population = qpv.lire_population(chemin)
    assert population.code_qp.tolist() == ["QN05901M", "QN05902I"]
    assert population.population.iloc[0] == 1234
    assert pd.isna(population.population.iloc[1])


def test_generation_comes_from_the_code():
    assert qpv.generation("QN05901M") == "2024"
    assert qpv.generation(" qp059001 ") == "2015"
    with pytest.raises(DonneesQPVInvalides, match="Code de QPV non reconnu"):
        qpv.generation("ZZ1")


def test_real_2015_occitanie_perimeters(miroir):
    perimetres, anomalies = qpv.lire_perimetres(miroir / "qpv" / "qp2015_occitanie.geojson")
    assert len(perimetres) == 105
    assert set(perimetres.generation) == {"2015"}
    assert perimetres.geometry.is_valid.all()
    assert perimetres.code_qp.str.match(r"QP0\d{5}").all()
    assert any("réparé" in a for a in anomalies)  # the republished file has self-intersections


def test_real_2024_communes_file(miroir):
    liste = qpv.lire_communes_2024(miroir / "qpv" / "qpv2024_par_commune_centroides.geojson")
    assert liste.code_qp.nunique() == 1493
    assert liste.commune.nunique() == 824
    bourg = liste[liste.commune == "01053"].set_index("code_qp").nom.to_dict()
    assert bourg == {"QN00101M": "Grande Reyssouze Terre Des Fleurs", "QN00102M": "Croix Blanche"}
