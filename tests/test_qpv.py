"""QPV per territory and "is this place in a QPV?", on small files and on the real mirror."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.build import etapes
from geo.donnees import qpv
from geo.territoires.referentiel import TerritoireId

DENAIN = TerritoireId("commune", "59172")
PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")
# Two small squares inside Denain (59172), in WGS84.
CARRE_A = shapely.box(3.385, 50.325, 3.390, 50.329)
CARRE_B = shapely.box(3.395, 50.325, 3.400, 50.329)


@pytest.fixture
def donnees_essai(referentiel, tmp_path, monkeypatch):
    """A hand-made mirror: two 2024 perimeters, their population, and the official list."""
    miroir = tmp_path / "miroir"
    miroir.mkdir()
    gpd.GeoDataFrame(
        {
            "code_qp": ["QN05901M", "QN05902I"],
            "lib_qp": ["Quartier A", "Quartier <b>B</b>"],
            "insee_com": ["59172", "59172, 59651"],
        },
        geometry=[CARRE_A, CARRE_B],
        crs="EPSG:4326",
    ).to_crs("EPSG:2154").to_file(miroir / "QP2024_France_hexagonale_LB93.gpkg", driver="GPKG")
    (miroir / "pop_QPV24.csv").write_text("code_qp;pop_mun\nQN05901M;1000\nQN05902I;3000\n", encoding="utf-8")
    (miroir / "listeqp2024-cog2024.csv").write_bytes(
        "\ufeffcode_qp;lib_qp;insee_com\nQN05901M;Quartier A;59172\nQN05902I;Quartier <b>B</b>;59172 59651\n"
        "QN05999M;Sans périmètre;59205\n".encode()
    )
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    cache = tmp_path / "cache"
    manifeste = etapes.construire_etape(qpv.ETAPE, referentiel, cache)
    return qpv.DonneesQPV(cache / "qpv", manifeste)


def test_build_records_sources_and_counts(donnees_essai):
    manifeste = donnees_essai.manifeste
    assert manifeste["disponible"] is True
    assert manifeste["nombres"]["qpv_2024"] == 3
    assert manifeste["nombres"]["perimetres_2024"] == 2
    assert {s["source"] for s in manifeste["sources"]} == {
        "qpv_2024_perimetres",
        "qpv_2024_liste",
        "qpv_2024_population",
    }
    assert "qpv_2024_communes" in manifeste["indisponibles"]


def test_one_entry_per_qpv_even_across_communes(donnees_essai, referentiel):
    bloc = donnees_essai.bloc(referentiel, PORTE_DU_HAINAUT)
    assert bloc["nombre"] == 3
    assert bloc["codes"] == ["QN05901M", "QN05902I", "QN05999M"]
    # The third QPV has no population: the total is unknown, never partial.
    assert bloc["population"] is None
    assert bloc["raison_part_inconnue"] == "population d'au moins un QPV inconnue"


def test_population_and_share_when_every_qpv_is_known_and_inside(donnees_essai, referentiel):
    escaudain_exclu = TerritoireId("commune", "59651")  # Wavrechain-sous-Denain holds only QN05902I
    bloc = donnees_essai.bloc(referentiel, escaudain_exclu)
    assert bloc["codes"] == ["QN05902I"]
    assert bloc["population"] == 3000
    # QN05902I also lies in Denain: its population cannot be split between the two.
    assert bloc["part_population_pct"] is None
    assert "s'étend au-delà du territoire" in bloc["raison_part_inconnue"]


def test_share_of_population(donnees_essai, referentiel, monkeypatch):
    # Only QN05901M lies in Denain alone; drop the others to check the arithmetic.
    lignes = donnees_essai.qpv_communes
    monkeypatch.setattr(donnees_essai, "qpv_communes", lignes[lignes.code_qp == "QN05901M"])
    bloc = donnees_essai.bloc(referentiel, DENAIN)
    population_denain = referentiel.territoire(DENAIN).population
    assert bloc["population"] == 1000
    assert bloc["part_population_pct"] == round(100 * 1000 / population_denain, 2)
    assert bloc["millesime_population"] == qpv.sources_qpv.MILLESIME_POPULATION_2024


def test_point_inside_a_perimeter(donnees_essai, referentiel):
    reponse = donnees_essai.localiser(referentiel, 3.3875, 50.327)
    assert [q["code_qp"] for q in reponse.dedans] == ["QN05901M"]
    assert reponse.commune == "59172"
    assert reponse.message.startswith("Ce point est dans le quartier prioritaire « Quartier A » (QN05901M)")


def test_point_outside_gets_the_nearest_qpv_and_its_distance(donnees_essai, referentiel):
    # 0.01° of longitude east of CARRE_B's edge at 50.327° N is about 711 m.
    reponse = donnees_essai.localiser(referentiel, 3.410, 50.327)
    assert reponse.dedans == []
    assert reponse.plus_proche["code_qp"] == "QN05902I"
    assert reponse.plus_proche["distance_m"] == pytest.approx(711, abs=15)
    assert "à 711 m" in reponse.message or "à 71" in reponse.message


def test_commune_without_any_qpv_is_a_definite_no(donnees_essai, referentiel):
    centre = referentiel.communes.loc["59361"].geometry.representative_point()  # Lourches
    reponse = donnees_essai.localiser(referentiel, centre.x, centre.y)
    assert reponse.commune_sans_qpv_2024 is True
    assert reponse.message.startswith(
        "Non : la commune Lourches (59361) ne comprend aucun quartier prioritaire"
    )


def test_commune_with_qpv_but_no_perimeter_says_it_cannot_tell(donnees_essai, referentiel):
    centre = referentiel.communes.loc["59205"].geometry.representative_point()  # Escaudain
    reponse = donnees_essai.localiser(referentiel, centre.x, centre.y)
    assert reponse.qpv_commune_sans_perimetre == [{"code_qp": "QN05999M", "nom": "Sans périmètre"}]
    assert "sans qu'on puisse dire si ce point est dedans" in reponse.message


def test_far_from_any_perimeter(donnees_essai, referentiel):
    reponse = donnees_essai.localiser(referentiel, -4.0, 46.5)  # at sea, off the Vendée coast
    assert reponse.commune is None
    assert reponse.plus_proche is None
    assert "Aucun périmètre de QPV disponible à moins de 20 km" in reponse.message


def test_nothing_available_is_said_not_invented(referentiel, tmp_path, monkeypatch):
    vide = tmp_path / "vide"
    vide.mkdir()
    monkeypatch.setenv("ESS_DATA_MIRROR", str(vide))
    monkeypatch.setenv("ESS_INSTANTANE", "aucun")
    manifeste = etapes.construire_etape(qpv.ETAPE, referentiel, tmp_path / "cache")
    donnees = qpv.DonneesQPV(tmp_path / "cache" / "qpv", manifeste)
    assert donnees.disponible is False
    assert len(manifeste["indisponibles"]) == len(qpv.ETAPE.sources)


def test_real_mirror_toulouse(cache_qpv_miroir, referentiel):
    donnees = qpv.charger(referentiel, cache_qpv_miroir)
    toulouse = donnees.bloc(referentiel, TerritoireId("commune", "31555"))
    assert toulouse["nombre"] == 12
    assert "Grand Mirail" in toulouse["noms"]
    assert toulouse["population"] is None  # no INSEE 2024 population in the mirror: unknown
    assert toulouse["perimetres_disponibles"] is True
    ancien = toulouse["generation_2015"]
    assert ancien["nombre"] == 12
    assert ancien["population"] > 50_000
    assert 0 < ancien["part_population_pct"] < 100


def test_real_mirror_has_every_2024_perimeter_of_france(cache_qpv_miroir, referentiel):
    donnees = qpv.charger(referentiel, cache_qpv_miroir)
    perimetres_2024 = donnees.perimetres[donnees.perimetres.generation == "2024"]
    assert len(perimetres_2024) == 1584
    assert perimetres_2024.code_qp.is_unique
    assert perimetres_2024.geometry.is_valid.all()
    # Corsica writes its département inside the code.
    assert {"QN02A01M", "QN02B01M"} <= set(perimetres_2024.code_qp)
    assert donnees.manifeste["nombres"]["perimetres_2015"] == 105


def test_real_mirror_a_qpv_of_two_communes_counts_once(cache_qpv_miroir, referentiel):
    donnees = qpv.charger(referentiel, cache_qpv_miroir)
    liste = donnees.qpv_communes[donnees.qpv_communes.generation == "2024"]
    a_cheval = liste.groupby("code_qp").commune.nunique()
    code = a_cheval[a_cheval > 1].index[0]
    communes = liste.loc[liste.code_qp == code, "commune"].tolist()
    departement = TerritoireId("departement", referentiel.communes.loc[communes[0], "dep"])
    bloc = donnees.bloc(referentiel, departement)
    assert bloc["codes"].count(code) == 1
    assert bloc["nombre"] == len(set(bloc["codes"]))


def test_real_mirror_point_in_grand_mirail(cache_qpv_miroir, referentiel):
    donnees = qpv.charger(referentiel, cache_qpv_miroir)
    perimetres = donnees.perimetres
    mirail = perimetres[(perimetres.code_qp == "QN03107M")].geometry.iloc[0]
    point = mirail.representative_point()
    reponse = donnees.localiser(referentiel, point.x, point.y)
    # The 2024 geography answers; the 2015 perimeter at the same place is not presented as current.
    assert [q["code_qp"] for q in reponse.dedans] == ["QN03107M"]
    assert "géographie prioritaire 2024" in reponse.message
    assert "2015" not in reponse.message
    assert reponse.qpv_commune_sans_perimetre == []


def test_real_mirror_answers_in_2024_anywhere_in_france(cache_qpv_miroir, referentiel):
    donnees = qpv.charger(referentiel, cache_qpv_miroir)
    for code in ("QN05924M", "QN09301I", "QN97401I", "QN97101M", "QN97651C"):
        ligne = donnees.perimetres[donnees.perimetres.code_qp == code]
        point = ligne.geometry.iloc[0].representative_point()
        assert [q["code_qp"] for q in donnees.localiser(referentiel, point.x, point.y).dedans] == [code]
