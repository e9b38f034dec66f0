"""Tables on screen: French numbers, « — » for unknown values, numbers kept for sorting."""

from __future__ import annotations

import pandas as pd

from geo.outils import tableaux


def test_french_display_and_dash_for_unknown():
    tableau = pd.DataFrame(
        {
            "nom": ["A", None],
            "population": pd.array([1234567, None], dtype="Int64"),
            "part": [12.345, None],
            "perimetre": [True, None],
        }
    )
    html = tableaux.style_fr(tableau, {"part": 1}).to_html()
    assert "1\u202f234\u202f567" in html
    assert "12,3" in html
    assert "None" not in html
    assert "nan" not in html.lower().replace("nanum", "")
    assert html.count(">—<") == 4
    assert ">oui<" in html
    # The data underneath stays numeric (sorting in the table stays right).
    assert tableaux.style_fr(tableau).data.population.dtype == "Int64"


def test_years_read_without_a_thousands_separator():
    tableau = pd.DataFrame(
        {"annee_debut": pd.array([2024, None], dtype="Int64"), "Année": [2019, 2020], "nombre": [2024, 1]}
    )
    html = tableaux.style_fr(tableau).to_html()
    assert ">2024<" in html
    assert ">2019<" in html
    assert ">2\u202f024<" in html  # a count keeps its separator
    assert ">—<" in html


def test_headers_start_with_a_capital_unless_the_config_says_otherwise():
    from ui.tableaux import entetes

    tableau = pd.DataFrame(columns=["qui", "quand (UTC)", "PTCE", "cache", "libre", "siret"])
    config = entetes(tableau, {"cache": None, "libre": {"help": "aide"}, "siret": "SIRET"})
    assert config["qui"] == "Qui"
    assert config["quand (UTC)"] == "Quand (UTC)"
    assert "PTCE" not in config
    assert config["cache"] is None
    assert config["libre"] == {"help": "aide", "label": "Libre"}
    assert config["siret"] == "SIRET"


def test_every_table_on_screen_goes_through_the_one_french_display():
    """A grid drawn outside ``ui.tableaux.afficher`` reads « None » for a missing cell (its
    default placeholder): every ``.dataframe(`` call of the app must be that function's."""
    from tests.conftest import appels_hors_de

    assert appels_hors_de({"dataframe", "data_editor"}, "tableaux.py") == []


def test_an_empty_table_is_said_in_words_not_drawn_as_an_english_grid():
    from streamlit.testing.v1 import AppTest

    def page():
        import pandas as pd

        from ui import tableaux as tableaux_ui

        tableaux_ui.afficher(pd.DataFrame({"montant": []}), vide="Aucune subvention publiée ici.")
        tableaux_ui.afficher(pd.DataFrame({"montant": [1.0]}))

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert len(at.dataframe) == 1  # only the table with a row is a grid
    assert [c.value for c in at.caption] == ["Aucune subvention publiée ici."]
