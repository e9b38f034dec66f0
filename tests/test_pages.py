"""Every page through ``streamlit.testing.v1.AppTest``: what a user sees and can do."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import RACINE

APP = str(RACINE / "app.py")
DELAI = 120


@pytest.fixture(autouse=True)
def _donnees_construites(referentiel):
    """The pages read the same cache as the referentiel fixture (built once)."""


def _relancer(at: AppTest) -> AppTest:
    """Rerun after an interaction.

    AppTest 1.67 reruns nothing when it asks again for the default page of an
    ``st.navigation`` app by its url-path hash; asking for no page runs the
    default page, as a browser does.
    """
    if not at._page_hash:
        at._finished_page_script_hash = ""
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _ouvrir(page: str | None = None, territoire: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=DELAI)
    if territoire:
        at.query_params["territoire"] = territoire
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_map_page_opens_on_the_whole_country():
    at = _ouvrir()
    assert at.title[0].value == "France entière"
    assert "34\u202f875 communes" in at.caption[0].value
    assert at.sidebar.text_input[0].label == "Rechercher un territoire"


def test_map_page_follows_the_url():
    at = _ouvrir(territoire="epci:200042190")
    assert at.title[0].value == "Communauté d'agglomération de la Porte du Hainaut"
    assert "47 communes" in at.caption[0].value
    # Parents are one click away.
    assert {b.label for b in at.sidebar.button} >= {"↑ Hauts-de-France", "↑ Nord", "↑ France entière"}


def test_search_then_pick_sets_the_url():
    at = _ouvrir()
    at.sidebar.text_input(key="recherche_territoire").input("porte du hainaut")
    _relancer(at)
    choix = at.sidebar.radio(key="choix_territoire")
    assert choix.options[0].startswith("Communauté d'agglomération de la Porte du Hainaut")
    choix.set_value("epci:200042190")
    _relancer(at)
    assert at.query_params["territoire"] == "epci:200042190"
    assert at.title[0].value == "Communauté d'agglomération de la Porte du Hainaut"
    assert at.sidebar.text_input(key="recherche_territoire").value == ""


def test_search_without_accents_finds_soissons():
    at = _ouvrir()
    at.sidebar.text_input(key="recherche_territoire").input("soissons")
    _relancer(at)
    assert at.sidebar.radio(key="choix_territoire").options[0] == "Soissons — Commune · Aisne (02)"


def test_search_with_no_result_says_so():
    at = _ouvrir()
    at.sidebar.text_input(key="recherche_territoire").input("zzzxqj")
    _relancer(at)
    assert "Aucun territoire ne correspond" in at.sidebar.info[0].value


def test_parent_button_goes_up():
    at = _ouvrir(territoire="commune:02722")
    at.sidebar.button(key="parent-departement:02").click()
    _relancer(at)
    assert at.query_params["territoire"] == "departement:02"
    assert at.title[0].value == "Aisne"
    at.sidebar.button(key="parent-france").click()
    _relancer(at)
    assert "territoire" not in at.query_params
    assert at.title[0].value == "France entière"


def test_bad_link_falls_back_to_france_with_a_french_warning():
    at = _ouvrir(territoire="epci:123456789")
    assert at.title[0].value == "France entière"
    assert "Lien invalide" in at.warning[0].value
    assert "aucun EPCI n'a le code 123456789" in at.warning[0].value


def test_territory_page_shows_key_figures():
    at = _ouvrir("pages/territoire.py", territoire="epci:200042190")
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Communes"] == "47"
    assert metriques["Population"].replace("\u202f", "").isdigit()
    assert metriques["Superficie"].endswith("km²")
    assert len(at.dataframe[0].value) == 47
    assert at.subheader[0].value == "Communes (47)"


def test_territory_page_says_when_population_is_unknown():
    at = _ouvrir("pages/territoire.py", territoire="departement:976")
    assert {m.label: m.value for m in at.metric}["Population"] == "inconnue"
    assert "Population inconnue" in at.info[0].value


def test_sources_page_lists_producer_vintage_licence_and_origin():
    at = _ouvrir("pages/sources.py")
    tableau = at.dataframe[0].value
    assert set(tableau.columns) >= {
        "Producteur",
        "Millésime",
        "Licence",
        "Chargé depuis",
        "Date de récupération",
    }
    assert tableau["Chargé depuis"].str.contains("paquet Python installé").all()
    assert any("Licence Ouverte 2.0" in licence for licence in tableau["Licence"])
