"""The Emplois page's content for a territory and year, computed without Streamlit."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.donnees import emplois, financements
from geo.rendu import charts, vue_emplois
from geo.territoires.referentiel import TerritoireId
from tests.conftest import construire_depuis_miroir

SOISSONNAIS = TerritoireId("epci", "240200477")


@pytest.fixture(scope="module")
def donnees_fin(referentiel, miroir, tmp_path_factory):
    cache = construire_depuis_miroir(
        referentiel, miroir, tmp_path_factory.mktemp("cache_vue_emplois"), "geo.donnees.financements"
    )
    return financements.charger(referentiel, cache)


@pytest.fixture
def saisies(tmp_path):
    depot = emplois.depot_pret(f"sqlite:///{tmp_path / 's.sqlite3'}")
    yield emplois.charger(depot)
    depot.fermer()


def test_funding_labels_give_their_years_in_plain_french():
    assert vue_emplois.annees_des_libelles(["2021", "2018–2019", "2021"]) == "2018, 2019, 2021"
    assert vue_emplois.annees_des_libelles(["2018–2020", "2019"]) == "2018–2020"
    assert vue_emplois.annees_des_libelles(["année inconnue"]) == "non précisées (1 ligne sans année)"


@pytest.mark.miroir
def test_the_soissonnais_view_holds_its_jobs_projects_and_every_chart(referentiel, donnees_fin, saisies):
    vue = vue_emplois.calculer(referentiel, donnees_fin, saisies, SOISSONNAIS, None)
    assert vue.bloc_emplois["crees_total"] == 42
    # The projects table sums to the same jobs, per kind.
    assert vue.projets[["insertion", "encadrement", "autre"]].sum().to_dict() == {
        "insertion": 35,
        "encadrement": 7,
        "autre": 0,
    }
    assert set(vue.figures) == {
        "emplois",
        "etapes",
        "ratio",
        "financements_annees",
        "financements_dispositif",
        "financements_financeur",
        "comparaison",
    }
    assert "epci:240200477" in set(vue.comparaison.id)
    assert vue.bloc_fin["total_eur"] == pytest.approx(float(vue.lignes_fin.montant_eur.sum()))


@pytest.mark.miroir
def test_a_year_leaves_the_undated_jobs_out_and_says_so(referentiel, donnees_fin, saisies):
    vue = vue_emplois.calculer(referentiel, donnees_fin, saisies, SOISSONNAIS, 2019)
    # No job figure of 2019 is known: unknown, not zero.
    assert vue.bloc_emplois["crees_total"] is None
    assert vue.bloc_emplois["crees_texte"] == "inconnu (5 projets sans chiffre d'emplois en 2019)"
    assert any("6 lignes d'emplois sans année ne sont comptées" in r for r in vue.remarques)
    assert vue.texte_annees_fin == "2019"


@pytest.mark.miroir
def test_without_the_store_the_open_data_still_shows(referentiel, donnees_fin):
    vue = vue_emplois.calculer(referentiel, donnees_fin, None, SOISSONNAIS, None)
    assert vue.bloc_emplois is None
    assert vue.projets is None
    assert "emplois" not in vue.figures
    assert isinstance(vue.lignes_fin, pd.DataFrame)
    assert vue.bloc_fin["donnees_ouvertes"]["total_eur"] > 0


def test_funding_lines_chosen_and_summed_over_known_amounts():
    lignes = pd.DataFrame(
        {
            "annee": [2019, 2019, 2020, 2020],
            "dispositif": ["FONJEP", "Adultes-relais", "FONJEP", "FONJEP"],
            "financeur": ["État", "État", "État", "Région"],
            "montant_eur": [7000.0, 20000.0, float("nan"), 1500.0],
        }
    )
    assert vue_emplois.financements_choisis(lignes).equals(lignes)
    fonjep_2020 = vue_emplois.financements_choisis(lignes, 2020, "FONJEP")
    assert list(fonjep_2020.index) == [2, 3]
    assert list(vue_emplois.financements_choisis(lignes, financeur="Région").index) == [3]
    resume = vue_emplois.resume_financements(fonjep_2020, lignes)
    assert resume == "2 lignes sur 4 · 1\u202f500 € au montant connu"


def test_projects_chosen_by_project_and_stage_unknown_included():
    from geo.base.store import ETAPE_INCONNUE

    projets = pd.DataFrame({"projet": ["A", "B", "C"], "etape": ["lancement", None, "lancement"]})
    assert list(emplois.projets_choisis(projets)) == [True, True, True]
    assert list(emplois.projets_choisis(projets, etape=ETAPE_INCONNUE)) == [False, True, False]
    assert list(emplois.projets_choisis(projets, "C", "lancement")) == [False, False, True]


@pytest.mark.miroir
def test_porte_du_hainaut_jobs_are_unknown_and_the_chart_says_which_projects_lack_a_figure(
    referentiel, donnees_fin, saisies
):
    vue = vue_emplois.calculer(referentiel, donnees_fin, saisies, TerritoireId("epci", "200042190"), None)
    assert vue.bloc_emplois["crees_total"] is None
    assert "2 projets sans chiffre d'emplois : absents du graphique, jamais comptés pour zéro." in (
        charts.texte_source(vue.figures["emplois"])
    )
    # Its projects' job cells stay unknown (« — » on screen), never 0.
    assert vue.projets[["insertion", "encadrement", "autre"]].isna().all().all()


def test_the_chart_remark_agrees_with_one_project():
    assert vue_emplois._remarque_sans_chiffre(0) is None
    assert vue_emplois._remarque_sans_chiffre(1) == (
        "1 projet sans chiffre d'emplois : absent du graphique, jamais compté pour zéro."
    )
