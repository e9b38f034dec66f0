"""Opportunities: rankings on hand-built data where the right answer is known, and on real data."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.build import etapes
from geo.donnees import commerces, opportunites, qpv
from geo.outils import projections
from geo.outils.codes import parmi
from geo.outils.text import nombre_fr
from geo.rendu import carte_territoire, report, surcouches
from geo.territoires.referentiel import TerritoireId
from tests.test_commerces import ENTETE_2019

PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")
NORD = TerritoireId("departement", "59")
DENAIN = "59172"
# Two small squares inside Denain, in WGS84 (about 350 m × 450 m each, 350 m apart).
CARRE_A = shapely.box(3.385, 50.325, 3.390, 50.329)
CARRE_B = shapely.box(3.395, 50.325, 3.400, 50.329)


def _metres_a_l_est(point: shapely.Point, metres: float) -> tuple[float, float]:
    """A point ``metres`` east of ``point`` (Lambert-93), back in WGS84."""
    x, y = projections.projeter([point.x], [point.y], ["metropole"])
    point_l93 = gpd.GeoSeries([shapely.Point(x[0] + metres, y[0])], crs="EPSG:2154").to_crs("EPSG:4326")
    return point_l93.x.iloc[0], point_l93.y.iloc[0]


@pytest.fixture
def entrees(referentiel, tmp_path, monkeypatch) -> opportunites.Entrees:
    """Shops only in Denain and Escaudain, two QPV perimeters in Denain and one without, four structures."""
    miroir = tmp_path / "miroir"
    miroir.mkdir()
    (miroir / "bpe19_ensemble.csv").write_text(
        "\n".join([ENTETE_2019, "32;59;59172;59172;2019;B203;3", "32;59;59205;59205;2019;B202;1"]) + "\n",
        encoding="utf-8",
    )
    gpd.GeoDataFrame(
        {
            "code_qp": ["QN05901M", "QN05902I"],
            "lib_qp": ["Quartier A", "Quartier B"],
            "insee_com": [DENAIN] * 2,
        },
        geometry=[CARRE_A, CARRE_B],
        crs="EPSG:4326",
    ).to_file(miroir / "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson", driver="GeoJSON")
    (miroir / "pop_QPV24.csv").write_text("code_qp;pop_mun\nQN05901M;1000\nQN05902I;3000\n", encoding="utf-8")
    (miroir / "listeqp2024-cog2024.csv").write_text(
        "code_qp;lib_qp;insee_com\nQN05901M;Quartier A;59172\nQN05902I;Quartier B;59172\n"
        "QN05999M;Sans périmètre;59205\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    cache = tmp_path / "cache"
    manifeste_commerces = etapes.construire_etape(commerces.ETAPE, referentiel, cache)
    manifeste_qpv = etapes.construire_etape(qpv.ETAPE, referentiel, cache)
    donnees_commerces = commerces.DonneesCommerces(cache / "commerces", manifeste_commerces, referentiel)
    # Château-l'Abbaye (59144) has no shop: one structure sits exactly at its centre.
    centre_chateau = referentiel.communes.loc["59144"].geometry.representative_point()
    lon_a, lat_a = CARRE_A.centroid.x, CARRE_A.centroid.y
    # 150 m east of quartier A's eastern edge: outside it, within 300 m, and 200 m from B.
    lon_pres, lat_pres = _metres_a_l_est(shapely.Point(3.390, 50.327), 150)
    structures = pd.DataFrame(
        {
            "nom": ["Épicerie solidaire <b>A</b>", "Régie de quartier", "Tiers-lieu du château", "Sans lieu"],
            "famille": ["association", "SIAE", "tiers-lieu", "association"],
            "commune": [DENAIN, DENAIN, "59144", None],
            "lon": [lon_a, lon_pres, centre_chateau.x, np.nan],
            "lat": [lat_a, lat_pres, centre_chateau.y, np.nan],
            "precision": ["adresse", "adresse", "adresse", None],
            "emplois_estimes": [4.0, 10.0, 1.0, np.nan],
        }
    )
    return opportunites.Entrees(
        referentiel, donnees_commerces, qpv.DonneesQPV(cache / "qpv", manifeste_qpv), structures
    )


def test_candidates_are_ranked_by_inhabitants_times_distance(entrees, referentiel):
    candidats = opportunites.candidats_epiceries(entrees, PORTE_DU_HAINAUT, "alimentaire")
    assert len(candidats) == 45  # 47 communes, shops in Denain and Escaudain only
    assert list(candidats.rang) == list(range(1, 46))
    attendu = (candidats.population.astype(float) * candidats.distance_commerce_km).round(0)
    assert (candidats.score == attendu).all()
    assert candidats.score.is_monotonic_decreasing
    chateau = candidats.set_index("code").loc["59144"]
    assert chateau.structure_proche == "Tiers-lieu du château"
    assert chateau.distance_structure_km == 0
    assert chateau.famille_proche == "tiers-lieu"


def test_qpv_with_no_structure_nearby_come_first(entrees):
    presence = opportunites.presence_ess_qpv(entrees, TerritoireId("commune", DENAIN))
    par_code = presence.set_index("code_qp")
    assert (par_code.loc["QN05901M", "structures_dedans"], par_code.loc["QN05901M", "structures_autour"]) == (
        1,
        1,
    )
    # The structure 150 m east of A is 200 m from B: within 300 m of both.
    assert (par_code.loc["QN05902I", "structures_dedans"], par_code.loc["QN05902I", "structures_autour"]) == (
        0,
        1,
    )
    assert par_code.loc["QN05901M", "structures_pour_1000"] == 2.0
    assert "Épicerie solidaire <b>A</b>" in par_code.loc["QN05901M", "exemples"]


def test_qpv_ordering_none_nearby_then_by_population_then_without_perimeter(entrees):
    entrees.structures = entrees.structures.iloc[[0, 2, 3]]  # no structure near B any more
    presence = opportunites.presence_ess_qpv(entrees, PORTE_DU_HAINAUT)
    assert list(presence.code_qp) == ["QN05902I", "QN05901M", "QN05999M"]
    assert presence.perimetre.tolist() == [True, True, False]
    assert pd.isna(presence.structures_dedans.iloc[2])


def test_without_the_register_presence_is_unknown_not_zero(entrees):
    entrees.structures = None
    presence = opportunites.presence_ess_qpv(entrees, TerritoireId("commune", DENAIN))
    assert presence.structures_dedans.isna().all()
    assert "registre des structures de l'ESS" in entrees.manquants()


def test_territories_ranked_by_need_against_ess_density(entrees, referentiel):
    classement = opportunites.classement_territoires(entrees, PORTE_DU_HAINAUT, "alimentaire")
    assert len(classement) == 47
    assert (classement.niveau == "commune").all()
    denain = classement.set_index("code").loc[DENAIN]
    population_denain = referentiel.communes.loc[DENAIN, "population"]
    # Denain has shops: its need is its QPV population (4,000) per 1,000 inhabitants.
    assert denain.besoin_pour_1000 == round(1000 * 4000 / population_denain, 1)
    assert denain.structures_pour_1000 == round(1000 * 2 / population_denain, 2)
    # A commune without any shop has a need of 1,000 per 1,000: it ranks above Denain.
    assert classement.besoin_pour_1000.iloc[0] == 1000
    assert classement.set_index("code").loc["59144", "structures"] == 1
    # Escaudain's QPV QN05999M has no published population: its need is unknown, unranked, last.
    escaudain = classement.iloc[-1]
    assert escaudain.code == "59205"
    assert pd.isna(escaudain.rang)
    assert pd.isna(escaudain.besoin_pour_1000)
    assert escaudain.situation == "besoin inconnu (population de 1 QPV non publiée)"
    connus = classement.iloc[:-1]
    assert list(connus.rang) == list(range(1, 47))
    assert set(connus.situation) <= {"besoin élevé, peu d'ESS", "besoin élevé", "besoin moindre"}


def _sans_population(entrees, communes: set[str]) -> None:
    """The 2024 QPV of these communes lose their published population."""
    lignes = entrees.qpv.qpv_communes.copy()
    lignes.loc[parmi(lignes.commune, communes), "population"] = np.nan
    entrees.qpv.qpv_communes = lignes


def test_an_unknown_qpv_population_is_an_unknown_need_never_a_low_one(entrees):
    """Denain (shops, 2 QPV of unknown population) was « besoin moindre », 45th of 47, need 0."""
    _sans_population(entrees, {DENAIN})
    classement = opportunites.classement_territoires(entrees, PORTE_DU_HAINAUT, "alimentaire")
    denain = classement.set_index("code").loc[DENAIN]
    assert pd.isna(denain.besoin_pour_1000)
    assert pd.isna(denain.rang)
    assert denain.besoin_minimum_pour_1000 == 0  # shops: only the QPV part was missing
    assert denain.situation == "besoin inconnu (population de 2 QPV non publiée)"
    assert "moindre" not in denain.situation
    # Ranked: the communes whose need is known, and they alone; the unknown come after them.
    assert classement.rang.notna().sum() == classement.besoin_pour_1000.notna().sum() == 45
    assert classement.rang.dropna().tolist() == list(range(1, 46))
    assert classement.besoin_pour_1000.iloc[:45].notna().all()
    assert classement.besoin_pour_1000.iloc[45:].isna().all()
    # The map of the need greys Denain instead of drawing it in the lowest class.
    carte = opportunites.valeurs_indicateur(entrees, PORTE_DU_HAINAUT, "communes", "besoin_pour_1000")
    assert pd.isna(carte.set_index("code").loc[DENAIN, "valeur"])
    epci = opportunites.valeurs_indicateur(entrees, NORD, "epci", "besoin_pour_1000").set_index("code")
    assert pd.isna(epci.loc["200042190", "valeur"])
    texte = opportunites.texte_besoins_inconnus(classement)
    assert texte.startswith("Besoin inconnu pour 2 territoires sur 47 : population de QPV non publiée")


def test_a_known_part_of_an_unknown_need_is_a_stated_lower_bound(entrees, referentiel):
    """A commune without shop with two QPV, one of 3,000 inhabitants, one of unknown population."""
    lignes = entrees.qpv.qpv_communes
    ajout = lignes[parmi(lignes.code_qp, {"QN05902I", "QN05999M"})].assign(commune="59144")
    entrees.qpv.qpv_communes = pd.concat([lignes, ajout], ignore_index=True)
    classement = opportunites.classement_territoires(entrees, PORTE_DU_HAINAUT, "alimentaire")
    chateau = classement.set_index("code").loc["59144"]  # Château-l'Abbaye
    assert pd.isna(chateau.besoin_pour_1000)
    assert pd.isna(chateau.rang)
    population = referentiel.communes.loc["59144", "population"]
    minimum = round(1000 * (population + 3000) / population, 1)
    assert chateau.besoin_minimum_pour_1000 == minimum
    # Already above the median of the known needs (1,000): high, and said as a bound.
    assert chateau.situation == (
        f"besoin élevé (au moins {nombre_fr(minimum, 1)} pour 1 000 ; population de 1 QPV non publiée)"
    )
    # Unranked rows follow the ranked ones, by their lower bound.
    inconnus = classement[classement.rang.isna()]
    assert inconnus.code.tolist() == ["59144", "59205"]
    assert classement.index[classement.code == "59144"][0] == classement.rang.notna().sum()


def test_without_the_qpv_data_their_number_and_the_need_are_unknown(entrees):
    entrees.qpv = None
    classement = opportunites.classement_territoires(entrees, PORTE_DU_HAINAUT, "alimentaire")
    assert classement.nb_qpv.isna().all()  # not « 0 QPV »
    denain = classement.set_index("code").loc[DENAIN]
    assert pd.isna(denain.rang)
    assert denain.situation == "besoin inconnu (quartiers prioritaires non disponibles)"
    # A commune without shop: at least 1,000 per 1,000 whatever its QPV; unranked all the same.
    assert classement.set_index("code").loc["59144", "besoin_minimum_pour_1000"] == 1000
    assert classement.rang.isna().all()


def test_indicator_values_and_classes(entrees):
    valeurs = opportunites.valeurs_indicateur(entrees, PORTE_DU_HAINAUT, "communes", "structures_pour_1000")
    assert len(valeurs) == 47
    assert (valeurs.valeur > 0).sum() == 2
    epci = opportunites.valeurs_indicateur(entrees, PORTE_DU_HAINAUT, "epci", "part_population_sans_commerce")
    assert list(epci.code) == ["200042190"]
    assert 0 < epci.valeur.iloc[0] < 100


@pytest.mark.parametrize(
    ("methode", "bornes"),
    [("seuils_naturels", [3.0, 12.0]), ("intervalles_egaux", [6.5, 12.0]), ("quantiles", [6.5, 12.0])],
)
def test_classes_by_mapclassify(methode, bornes):
    valeurs = pd.Series([1, 2, 3, 10, 11, 12, np.nan], dtype=float)
    classes, obtenues = opportunites.classer(valeurs, methode, 2)
    assert obtenues == bornes
    assert pd.isna(classes.iloc[6])
    assert classes.iloc[:3].tolist() == [0, 0, 0]


def test_classes_never_exceed_distinct_values():
    classes, bornes = opportunites.classer(pd.Series([0.0, 0.0, 5.0]), "quantiles", 5)
    assert len(bornes) == 2
    assert classes.tolist() == [0, 0, 1]


def test_choropleth_layer_greys_unknown_values(referentiel):
    valeurs = pd.DataFrame(
        {"code": ["59172", "59205"], "nom": ["Denain", "Escaudain"], "valeur": [2.5, np.nan]}
    )
    classes, bornes = opportunites.classer(valeurs.valeur, "quantiles", 3)
    surcouche = surcouches.choroplethe.surcouche(
        referentiel, valeurs, classes, bornes, "communes", "fin", "Essai", "source"
    )
    html = (
        carte_territoire.dessiner(
            carte_territoire.preparer(referentiel, PORTE_DU_HAINAUT), "/static", [surcouche]
        )
        .get_root()
        .render()
    )
    assert html.count('"_s":"inconnu"') == 1
    assert html.count('"_s":"classe_0"') == 1
    assert [libelle for _, libelle in surcouche.legende][-1] == "Donnée inconnue"


def _legende(carte) -> str:
    (legende,) = [e for e in carte._children.values() if isinstance(e, carte_territoire.Legende)]
    return json.loads(legende.html)


def test_choropleth_legend_lists_its_classes_not_the_base_map_swatch(referentiel):
    valeurs = pd.DataFrame(
        {
            "code": ["59172", "59205", "59271"],
            "nom": ["Denain", "Escaudain", "Haveluy"],
            "valeur": [1.0, 2.0, 31.0],
        }
    )
    classes, bornes = opportunites.classer(valeurs.valeur, "intervalles_egaux", 3)
    surcouche = surcouches.choroplethe.surcouche(
        referentiel, valeurs, classes, bornes, "communes", "fin", "Essai", "source"
    )
    preparee = carte_territoire.preparer(referentiel, PORTE_DU_HAINAUT)
    assert "Communes de l" in _legende(carte_territoire.dessiner(preparee, "/static"))
    legende = _legende(carte_territoire.dessiner(preparee, "/static", [surcouche]))
    # One swatch per class, with its bounds; the base map's « Communes » square is gone.
    libelles = [libelle for _, libelle in surcouche.legende][1:]
    assert libelles == ["1,00 à 11,0", "11,0 à 21,0", "21,0 à 31,0"]
    for libelle in libelles:
        assert libelle in legende
    assert "Communes de l" not in legende
    assert legende.count("background:#") == 3


def test_legend_opens_and_closes_and_starts_closed_on_small_maps(referentiel):
    rendu = (
        carte_territoire.dessiner(carte_territoire.preparer(referentiel, PORTE_DU_HAINAUT), "/static")
        .get_root()
        .render()
    )
    assert 'L.DomUtil.create("details", "legende-carte")' in rendu
    assert ">Légende</summary>" in rendu
    assert f"taille.x >= {carte_territoire.Legende.largeur_ouverte}" in rendu


def test_report_block_lists_top_twenty(entrees, referentiel):
    bloc = opportunites.bloc(entrees, PORTE_DU_HAINAUT)
    assert len(bloc["candidats_epiceries"]) == 20
    assert [c["rang"] for c in bloc["candidats_epiceries"]] == list(range(1, 21))
    assert bloc["presence_ess_qpv"][0]["code_qp"] == "QN05902I"
    assert set(bloc["formules"]) == {"candidats_epiceries", "presence_ess_qpv", "territoires_par_besoin"}
    # JSON-ready: no numpy or pandas values left, so it reads back the same.
    assert json.loads(json.dumps(bloc)) == bloc


def test_report_command_has_the_block(referentiel, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ESS_INSTANTANE", "aucun")  # a deployment without the embedded snapshot
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ESS_DATA_MIRROR", str(tmp_path / "vide"))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "territoires").symlink_to(referentiel.dossier)
    assert report.main(["epci:200042190", "--json"]) == 0
    bloc = json.loads(capsys.readouterr().out)["opportunites"]
    assert "commerces (BPE de l'INSEE)" in bloc["donnees_manquantes"]
    assert bloc["candidats_epiceries"] == []


def test_real_data_nord(referentiel, cache_miroir):
    entrees = opportunites.charger_entrees(referentiel, cache_miroir)
    classement = opportunites.classement_territoires(entrees, NORD)
    # Whole EPCI touching the Nord, each once.
    assert classement.code.is_unique
    assert "200042190" in set(classement.code)
    candidats = opportunites.candidats_epiceries(entrees, PORTE_DU_HAINAUT)
    assert len(candidats) == 11
    assert candidats.iloc[0].nom == "Flines-lès-Mortagne"


def test_funding_per_inhabitant_leaves_out_flat_rate_years(entrees, referentiel):
    from types import SimpleNamespace

    postes = pd.DataFrame(
        {
            "annee": [2023, 2024, 2025, 2024],
            "montant_eur": [1000.0, 3000.0, 7164.0, 500.0],
            "comparable": [True, True, False, True],
            "epci": ["200042190", "200042190", "200042190", None],  # the last: département only
        }
    )
    entrees.financements = SimpleNamespace(postes_places=lambda ref: postes)
    par_epci, annees = opportunites.financements_annuels_par_epci(entrees)
    assert annees == [2023, 2024]
    assert par_epci["200042190"] == 2000.0
    valeurs = opportunites.valeurs_indicateur(entrees, PORTE_DU_HAINAUT, "epci", "financements_par_habitant")
    population = referentiel.epci.set_index("code").loc["200042190", "population"]
    assert valeurs.valeur.iloc[0] == round(2000 / population, 2)
    # Posts follow contracts signed by EPCI: no per-commune figure is made up.
    communes = opportunites.valeurs_indicateur(
        entrees, PORTE_DU_HAINAUT, "communes", "financements_par_habitant"
    )
    assert communes.valeur.isna().all()


def test_a_qpv_over_two_communes_counts_once_per_territory(entrees, referentiel, tmp_path):
    """One QPV listed in Denain and Escaudain: one QPV for the Porte du Hainaut, its population once."""
    lignes = entrees.qpv.qpv_communes
    double = lignes[lignes.code_qp == "QN05901M"].assign(commune="59205")
    entrees.qpv.qpv_communes = pd.concat([lignes, double], ignore_index=True)
    table = opportunites.classement_territoires(entrees, NORD).set_index("code")
    porte = table.loc["200042190"]
    assert porte.nb_qpv == 3  # QN05901M, QN05902I and QN05999M, each once
    assert entrees.qpv.bloc(referentiel, PORTE_DU_HAINAUT)["nombre"] == porte.nb_qpv
    # QN05999M has no published population: the QPV part of the need is unknown, not summed twice.
    assert not porte.population_qpv_connue
    communes = opportunites.classement_territoires(entrees, PORTE_DU_HAINAUT).set_index("code")
    assert communes.loc[DENAIN, "nb_qpv"] == 2
    assert communes.loc["59205", "nb_qpv"] == 2


def test_real_data_qpv_counts_match_the_qpv_page(referentiel, cache_miroir):
    """Opportunités and the QPV page give the same number of QPV (13 Porte du Hainaut, 17 Aisne)."""
    entrees = opportunites.charger_entrees(referentiel, cache_miroir)
    donnees_qpv = qpv.charger(referentiel, cache_miroir)
    epci = opportunites.classement_territoires(entrees, NORD).set_index("code")
    deps = opportunites.classement_territoires(entrees, None).set_index("code")
    assert epci.loc["200042190", "nb_qpv"] == donnees_qpv.bloc(referentiel, PORTE_DU_HAINAUT)["nombre"] == 13
    aisne = donnees_qpv.bloc(referentiel, TerritoireId("departement", "02"))
    assert deps.loc["02", "nb_qpv"] == aisne["nombre"]
    assert deps.loc["02", "nb_qpv"] == 17


def test_unknown_lines_carry_no_rank_and_unknown_jobs_are_not_zero(entrees, monkeypatch):
    sans = entrees.commerces.communes_sans_commerce

    def population_inconnue(*args, **kwargs):
        table = sans(*args, **kwargs).copy()
        table["population"] = table.population.astype("Int64")
        table.loc[table.code == "59144", "population"] = pd.NA
        return table

    monkeypatch.setattr(entrees.commerces, "communes_sans_commerce", population_inconnue)
    candidats = opportunites.candidats_epiceries(entrees, PORTE_DU_HAINAUT, "alimentaire")
    chateau = candidats.iloc[-1]
    assert chateau.code == "59144"
    assert pd.isna(chateau.score)
    assert pd.isna(chateau.rang)
    assert candidats.rang.dropna().tolist() == list(range(1, 45))
    # Four structures in Denain, none with a known headcount: jobs unknown there, not 0.
    entrees.structures = entrees.structures.assign(emplois_estimes=np.nan)
    communes = opportunites.classement_territoires(entrees, PORTE_DU_HAINAUT).set_index("code")
    assert pd.isna(communes.loc[DENAIN, "emplois_pour_1000"])
    assert communes.loc["59100", "emplois_pour_1000"] == 0  # Bousignies: no structure, no job


def test_qpv_table_has_numbers_and_counts_structures_not_placed_at_their_address(entrees):
    centre = entrees.ref.communes.loc[DENAIN].geometry.representative_point()
    entrees.structures = pd.concat(
        [
            entrees.structures,
            pd.DataFrame(
                {
                    "nom": ["Au centre de Denain"],
                    "famille": ["association"],
                    "commune": [DENAIN],
                    "lon": [centre.x],
                    "lat": [centre.y],
                    "precision": ["centroïde de la commune"],
                    "emplois_estimes": [np.nan],
                }
            ),
        ],
        ignore_index=True,
    )
    presence = opportunites.presence_ess_qpv(entrees, PORTE_DU_HAINAUT).set_index("code_qp")
    # It may be in either quartier of Denain: counted apart, never as « 0 » nor as inside.
    assert presence.loc["QN05901M", "structures_non_situees"] == 1
    assert presence.loc["QN05902I", "structures_non_situees"] == 1
    assert presence.loc["QN05901M", "structures_dedans"] == 1
    assert pd.isna(presence.loc["QN05999M", "structures_non_situees"])  # no perimeter
    # Numbers, not objects holding None (which the grid drew as « None »).
    for colonne in ("population", "structures_dedans", "structures_autour", "structures_pour_1000"):
        assert pd.api.types.is_numeric_dtype(presence[colonne]), colonne
    assert pd.isna(presence.loc["QN05999M", "population"])


def test_funding_of_an_epci_whose_departement_has_posts_not_placed_is_unknown(entrees, referentiel):
    from types import SimpleNamespace

    postes = pd.DataFrame(
        {
            "annee": [2024, 2024],
            "montant_eur": [1000.0, 500.0],
            "comparable": [True, True],
            "epci": ["200042190", None],
            "insee_dep": ["59", "02"],  # the second: placed in the Aisne only
        }
    )
    entrees.financements = SimpleNamespace(postes_places=lambda ref: postes)
    valeurs = opportunites.valeurs_indicateur(
        entrees, TerritoireId("region", "32"), "epci", "financements_par_habitant"
    ).set_index("code")
    assert valeurs.loc["200042190", "valeur"] > 0
    assert pd.isna(valeurs.loc["240200477", "valeur"])  # GrandSoissons (Aisne): unknown, not 0 €
    assert valeurs.loc["200068500", "valeur"] == 0  # Cambrai (Nord): no post, none unplaced there


def test_opportunities_page_shows_unknown_as_a_dash_and_never_ranks_it_as_low():
    """Porte du Hainaut, embedded data: no 2024 QPV population is published there."""
    from tests.test_pages import _ouvrir

    at = _ouvrir("pages/opportunites.py", territoire="epci:200042190")
    qpv_table, classement = at.dataframe[1], at.dataframe[2]
    # The grid draws a missing cell with the element's placeholder, whatever the Styler says.
    assert qpv_table.value.population.isna().all()
    assert all(tableau.proto.placeholder == "—" for tableau in at.dataframe)
    assert "structures_non_situees" in qpv_table.value.columns
    lignes = classement.value.set_index("code")
    denain = lignes.loc[DENAIN]
    assert pd.isna(denain.rang)
    assert pd.isna(denain.besoin_pour_1000)
    assert denain.situation == "besoin inconnu (population de 2 QPV non publiée)"
    assert not lignes[lignes.rang.isna()].situation.str.contains("moindre").any()
    legendes = " ".join(c.value for c in at.caption)
    assert "Besoin inconnu pour 10 territoires sur 47 : population de QPV non publiée" in legendes
    assert "« — » : donnée nécessaire absente (population d'un QPV non publiée" in legendes
    assert "En gris, « donnée inconnue » : besoin inconnu, jamais compté comme faible" in legendes


def test_every_column_of_every_opportunities_download_has_a_french_header(entrees):
    from geo.outils import formats, tableaux

    # What the page offers for download (pages/opportunites.py), every column of each.
    valeurs = opportunites.valeurs_indicateur(entrees, PORTE_DU_HAINAUT, "communes", "besoin_pour_1000")
    telechargements = {
        "candidats_epiceries": opportunites.candidats_epiceries(entrees, PORTE_DU_HAINAUT, "alimentaire"),
        "ess_et_qpv": opportunites.presence_ess_qpv(entrees, PORTE_DU_HAINAUT),
        "besoin_et_ess": opportunites.classement_territoires(entrees, PORTE_DU_HAINAUT, "alimentaire"),
        "indicateur": valeurs.assign(classe=opportunites.classer(valeurs.valeur, "quantiles", 5)[0]),
    }
    # A column missing from ENTETES would reach the file as its code name, capitalised.
    sans_entete = {nom: set(t.columns) - set(tableaux.ENTETES) for nom, t in telechargements.items()}
    assert {nom: colonnes for nom, colonnes in sans_entete.items() if colonnes} == {}
    entete = formats.vers_csv(telechargements["besoin_et_ess"]).decode("utf-8-sig").splitlines()[0]
    assert '"Pourquoi le besoin est inconnu"' in entete
    assert '"QPV sans population connue"' in entete
    entete = formats.vers_csv(telechargements["ess_et_qpv"]).decode("utf-8-sig").splitlines()[0]
    assert '"Structures non situées (au centre de la commune)"' in entete
