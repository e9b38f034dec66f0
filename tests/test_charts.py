"""Charts of jobs and funding: the figure data, the source and years every figure carries."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geo.rendu import charts


def _legende(fig) -> str:
    return charts.texte_source(fig)


def _barres(fig, serie: str | None = None) -> dict:
    """The chart's bars, ``categorie: valeur`` (of ``serie`` only when given), as drawn."""
    return {
        r["categorie"]: r["valeur"] for r in fig["data"]["values"] if serie is None or r["serie"] == serie
    }


def _rangees(fig, serie: str) -> list[dict]:
    return [r for r in fig["data"]["values"] if r["serie"] == serie]


def _couches(fig) -> list[dict]:
    """Every unit view of the chart (layers and panels), each with its ``mark``."""
    vues, a_voir = [], [fig]
    while a_voir:
        vue = a_voir.pop()
        a_voir += vue.get("layer", []) + vue.get("vconcat", [])
        if "mark" in vue:
            vues.append(vue)
    return vues


def test_jobs_are_stacked_by_kind_per_project():
    lignes = pd.DataFrame(
        {
            "projet": ["Réaliss", "Réaliss", "Axo'Meca", "Axo'Meca", "Atelier"],
            "nature": ["insertion", "encadrement", "insertion", "encadrement", "autre"],
            "nombre": [19, 3, 6, 2, 1],
        }
    )
    fig = charts.emplois_empiles(lignes, "projet", "Emplois", "doc.txt", "non précisées")
    assert _barres(fig, "Insertion") == {"Réaliss": 19, "Axo'Meca": 6, "Atelier": 0}
    assert _barres(fig, "Encadrement")["Réaliss"] == 3
    assert _barres(fig, "Autre")["Atelier"] == 1
    barres = next(v for v in _couches(fig) if v["mark"]["type"] == "bar")
    assert barres["encoding"]["x"]["stack"] == "zero"
    # Largest on top: the rows in drawing order (the axis keeps it, ``sort: None``).
    assert [r["categorie"] for r in _rangees(fig, "Insertion")] == ["Réaliss", "Axo'Meca", "Atelier"]
    assert barres["encoding"]["y"]["sort"] is None
    assert [r["texte_total"] for r in _rangees(fig, "Insertion")] == ["22", "8", "1"]
    assert fig["usermeta"]["source"] == "doc.txt"
    assert "Source : doc.txt" in _legende(fig)
    assert "Années : non précisées" in _legende(fig)
    # The bar's project travels with a click.
    assert [r["cle"] for r in _rangees(fig, "Insertion")] == ["Réaliss", "Axo'Meca", "Atelier"]
    assert fig["usermeta"]["clic"] == ["cle"]
    assert charts.valeur_cliquee(fig, {"selection": {"clic": [{"cle": "Réaliss"}]}}) == "Réaliss"
    assert charts.valeur_cliquee(fig, {"selection": {"clic": {}}}) is None


def test_funding_per_year_hatches_what_is_not_comparable():
    lignes = pd.DataFrame(
        {
            "annee": ["2024", "2025", "2024", "2025", "année inconnue"],
            "dispositif": ["Adultes-relais", "Adultes-relais", "FONJEP", "FONJEP", "axe 1"],
            "montant_eur": [22810.61, 7164.0, 7164.0, 7164.0, 120000.0],
            "comparable": [True, False, True, True, True],
        }
    )
    fig = charts.financements_par_annee(lignes, "Financements", "ANCT", "2024–2025")
    assert _barres(fig, "Adultes-relais") == {"2024": 22810.61}
    non_comparable = _rangees(fig, "Adultes-relais (forfait, non comparable)")
    assert [(r["categorie"], r["valeur"], r["hachure"]) for r in non_comparable] == [("2025", 7164.0, True)]
    assert not any(r["hachure"] for r in _rangees(fig, "axe 1"))
    # Years left to right in order, the unknown one last.
    assert list(dict.fromkeys(r["categorie"] for r in fig["data"]["values"])) == [
        "2024",
        "2025",
        "année inconnue",
    ]
    # A dashed, lighter bar: the encoding reads the rows' flag.
    barres = next(v for v in _couches(fig) if v["mark"]["type"] == "bar")
    assert barres["encoding"]["strokeDash"]["condition"]["test"] == "datum.hachure"
    assert fig["usermeta"]["annees"] == "2024–2025"
    # A click selects the year and the programme.
    assert charts.valeur_cliquee(fig, {"selection": {"clic": [{"annee": "2025", "groupe": "FONJEP"}]}}) == [
        "2025",
        "FONJEP",
    ]


def test_funding_per_programme_counts_unknown_amounts_aside():
    lignes = pd.DataFrame({"dispositif": ["A", "A", "B", None], "montant_eur": [10.0, 5.0, None, 7.0]})
    fig = charts.financements_par_dispositif(lignes, "dispositif", "Par dispositif", "s", "2020")
    assert _barres(fig) == {"A": 15.0, "non précisé": 7.0}
    assert "1 financement au montant inconnu" in _legende(fig)


def test_jobs_per_100k_flags_incomplete_rows():
    table = pd.DataFrame(
        {
            "nom": ["ALISS", "Complet", "Sans montant"],
            "emplois": [42, 10, 5],
            "financement_eur": [120000.0, 50000.0, None],
            "complet": [False, True, False],
        }
    )
    fig = charts.emplois_pour_100k(table, "Ratio", "s", "a")
    assert _barres(fig) == {"ALISS": 35.0, "Complet": 20.0}
    rangees = fig["data"]["values"]
    assert [r["etiquette"] for r in rangees] == ["35,0 (incomplet)", "20,0"]
    assert [r["hachure"] for r in rangees] == [True, False]
    assert "incomplet" in _legende(fig)


def test_pipeline_keeps_the_six_stages_in_order():
    projets = pd.DataFrame(
        {"projet": ["a", "b", "c", "d"], "etape": ["lancement", "veille", None, "lancement"]}
    )
    fig = charts.pipeline(projets, "Projets", "saisie")
    assert list(_barres(fig)) == [
        "1. veille",
        "2. identification",
        "3. modélisation",
        "4. validation",
        "5. expérimentation",
        "6. lancement",
        "étape inconnue",
    ]
    assert list(_barres(fig).values()) == [1, 0, 0, 0, 0, 2, 1]
    # A click gives the stage itself, as the table's filter names it.
    assert fig["data"]["values"][0]["cle"] == "veille"


def test_territories_side_by_side_say_unknown():
    table = pd.DataFrame(
        {
            "nom": ["GrandSoissons", "Porte du Hainaut"],
            "emplois": [42, None],
            "financement_eur": [783424.45, 1000.0],
            "part_ess_pct": [11.1, None],
        }
    )
    fig = charts.territoires_cote_a_cote(table, "Côte à côte", "s", "2020–2025")
    # Three panels one under the other, each the chart's whole width.
    assert len(fig["vconcat"]) == 3
    assert [r["etiquette"] for r in _rangees(fig, "Financements reçus (€)")] == ["783 k€", "1 k€"]
    for serie in ("Emplois créés (saisis)", "Part de l'ESS dans l'emploi salarié (%)"):
        inconnu = _rangees(fig, serie)[1]
        # A bar of no length written « inconnu »: an unknown is never drawn nor read as 0.
        assert inconnu["etiquette"] == "inconnu"
        assert inconnu["valeur"] is None
        assert inconnu["position"] == 0
    assert [r["etiquette"] for r in _rangees(fig, "Part de l'ESS dans l'emploi salarié (%)")] == [
        "11,1 %",
        "inconnu",
    ]


@pytest.mark.parametrize(
    "fonction",
    [
        lambda: charts.emplois_empiles(
            pd.DataFrame(columns=["projet", "nature", "nombre"]), "projet", "t", "s", "a"
        ),
        lambda: charts.financements_par_annee(
            pd.DataFrame(columns=["annee", "dispositif", "montant_eur", "comparable"]), "t", "s", "a"
        ),
        lambda: charts.emplois_pour_100k(
            pd.DataFrame(columns=["nom", "emplois", "financement_eur", "complet"]), "t", "s", "a"
        ),
    ],
)
def test_empty_selections_say_so_with_their_source(fonction):
    fig = fonction()
    assert fig["usermeta"]["vide"].startswith("Aucun")
    assert fig["data"]["values"][0]["message"] == fig["usermeta"]["vide"]
    assert fig["usermeta"]["source"] == "s"
    # A page can still listen to its clicks (Streamlit asks for a selection to listen to).
    assert fig["params"][0]["name"] == charts.CLIC


def test_pipeline_ticks_are_whole_projects():
    def graduations(fig):
        barres = next(v for v in _couches(fig) if v["mark"]["type"] == "bar")
        return barres["encoding"]["y"]["axis"]["values"]

    peu = charts.pipeline(pd.DataFrame({"projet": ["a", "b", "c"], "etape": ["veille"] * 3}), "P", "s")
    assert graduations(peu) == [0, 1, 2, 3, 4]
    beaucoup = charts.pipeline(
        pd.DataFrame({"projet": [str(i) for i in range(40)], "etape": ["veille"] * 40}), "P", "s"
    )
    assert graduations(beaucoup) == [0, 5, 10, 15, 20, 25, 30, 35, 40, 45]


def test_entered_names_reach_charts_as_text_not_markup():
    lignes = pd.DataFrame(
        {"projet": ['<a href="https://x">Piège</a>'], "nature": ["insertion"], "nombre": [3]}
    )
    fig = charts.emplois_empiles(lignes, "projet", "Emplois", "saisie", "2024")
    # Vega writes labels as SVG text (never read as markup): the name as entered, which a click
    # gives back to filter on the real project.
    assert fig["data"]["values"][0]["categorie"] == '<a href="https://x">Piège</a>'
    assert fig["data"]["values"][0]["cle"] == '<a href="https://x">Piège</a>'
    # No view writes its text as HTML (Vega's tooltips are escaped unless told otherwise).
    assert "html" not in json.dumps(fig).lower()


def test_numbers_are_written_the_french_way():
    fig = charts.financements_par_dispositif(
        pd.DataFrame({"dispositif": ["A"], "montant_eur": [1234567.5]}), "dispositif", "t", "s", "a"
    )
    assert fig["config"]["locale"]["number"]["decimal"] == ","
    assert fig["config"]["locale"]["number"]["thousands"] == "\u202f"
    assert fig["data"]["values"][0]["etiquette"] == "1\u202f234\u202f568 €"
    # The money axis in k€ / M€, never « 1.2M ».
    barres = next(v for v in _couches(fig) if v["mark"]["type"] == "bar")
    assert barres["encoding"]["x"]["axis"]["labelExpr"] == charts.EXPRESSION_EUROS


def test_every_bar_contrasts_with_the_background():
    """WCAG 1.4.11: a mark's outline at least 3:1 against the white background, whatever its
    fill (the Okabe–Ito orange or yellow alone are below it)."""
    from geo.outils.couleurs import contraste

    assert contraste(charts.CONTOUR, charts.FOND) >= 3
    lignes = pd.DataFrame({"projet": ["a"], "nature": ["insertion"], "nombre": [3]})
    figures = [
        charts.emplois_empiles(lignes, "projet", "t", "s", "a"),
        charts.pipeline(pd.DataFrame({"projet": ["a"], "etape": [None]}), "P", "s"),
        charts.territoires_cote_a_cote(
            pd.DataFrame({"nom": ["A"], "emplois": [1], "financement_eur": [2.0], "part_ess_pct": [3.0]}),
            "t",
            "s",
            "a",
        ),
    ]
    for fig in figures:
        for vue in _couches(fig):
            if vue["mark"]["type"] == "bar":
                assert vue["mark"]["stroke"] == charts.CONTOUR
                assert vue["mark"]["strokeWidth"] >= 1


def test_money_axis_reads_in_french_units_never_10m():
    positions, textes = charts.graduations_euros(12_000_000)
    assert textes == ["0", "5 M€", "10 M€"]
    assert positions == [0.0, 5_000_000.0, 10_000_000.0]
    _, textes = charts.graduations_euros(707_472)
    assert all("M" not in t or t.endswith(" M€") for t in textes)
    assert "200 k€" in textes


# Text alternative: the sentence and the table read from the figure itself ---------------------


def test_text_alternative_of_stacked_jobs_sums_projects_and_names_the_largest():
    lignes = pd.DataFrame(
        {
            "projet": ["Réaliss", "Réaliss", "<b>Pôle</b> & co", "Axo'Meca"],
            "nature": ["insertion", "encadrement", "autre", "insertion"],
            "nombre": [20, 2, 15, 5],
        }
    )
    fig = charts.emplois_empiles(lignes, "projet", "Emplois créés par projet", "s", "2024")
    resume, table = charts.texte_alternatif(fig, "GrandSoissons")
    assert resume.startswith(
        "Emplois créés par projet, GrandSoissons : 3 projets, 42 emplois au total ; "
        "le plus grand, Réaliss, 22 emplois"
    )
    # Top to bottom as drawn; the label as the reader sees it.
    assert list(table.Projet) == ["Réaliss", "<b>Pôle</b> & co", "Axo'Meca"]
    assert table.set_index("Projet").loc["Réaliss"].to_dict() == {
        "Insertion": 20,
        "Encadrement": 2,
        "Autre": 0,
    }
    assert table.drop(columns="Projet").sum().sum() == 42


def test_text_alternative_of_territories_side_by_side_says_unknown_never_zero():
    table_source = pd.DataFrame(
        {
            "nom": ["GrandSoissons", "Porte du Hainaut"],
            "emplois": [42, None],
            "financement_eur": [783424.45, 1000.0],
            "part_ess_pct": [11.1, None],
        }
    )
    fig = charts.territoires_cote_a_cote(table_source, "Côte à côte", "s", "2020–2025")
    resume, table = charts.texte_alternatif(fig)
    assert "2 territoires" in resume
    assert (
        "Emplois créés (saisis) : le plus élevé, GrandSoissons, 42 emplois, inconnu pour Porte du Hainaut"
        in resume
    )
    assert "Part de l'ESS dans l'emploi salarié (%) : le plus élevé, GrandSoissons, 11,1 %" in resume
    ligne = table.set_index("Territoire").loc["Porte du Hainaut"]
    # The bar drawn at 0 beside « inconnu » is unknown in the table, not 0.
    assert pd.isna(ligne["Emplois créés (saisis)"])
    assert pd.isna(ligne["Part de l'ESS dans l'emploi salarié (%)"])
    assert ligne["Financements reçus (€)"] == 1000.0
    # No code name left: the hover box says the series' name too.
    assert {r["serie"] for r in fig["data"]["values"]} == set(table.columns) - {"Territoire"}


def test_text_alternative_of_funding_per_year_and_of_the_ratio_and_of_an_empty_chart():
    lignes = pd.DataFrame(
        {
            "annee": ["2021", "2021", "2022", "année inconnue"],
            "dispositif": ["FONJEP", "Adultes-relais", "FONJEP", "FONJEP"],
            "montant_eur": [7000.0, 20000.0, 7100.0, None],
            "comparable": [True, True, True, True],
        }
    )
    resume, table = charts.texte_alternatif(charts.financements_par_annee(lignes, "Par année", "s", "a"))
    assert resume == (
        "Par année : 2 années, 34\u202f100 € au total ; le plus grand, 2021, 27\u202f000 € ; "
        "répartis en Adultes-relais, FONJEP."
    )
    assert list(table["Année"]) == ["2021", "2022"]
    assert pd.isna(table.set_index("Année").loc["2022", "Adultes-relais"])

    ratio = charts.emplois_pour_100k(
        pd.DataFrame(
            {
                "nom": ["A", "B"],
                "emplois": [42, 5],
                "financement_eur": [120000.0, 50000.0],
                "complet": [False, True],
            }
        ),
        "Ratio",
        "s",
        "a",
    )
    resume, table = charts.texte_alternatif(ratio)
    # A ratio is not summed; an incomplete one says so in the table.
    assert resume == (
        "Ratio : 2 projets ou PTCE ; le plus élevé, A, 35 emplois pour 100 000 € (incomplet) ; "
        "incomplet pour 1 projet ou PTCE."
    )
    assert table.set_index("Projet ou PTCE").loc["A", "Remarque"].startswith("incomplet")

    vide = charts.emplois_empiles(
        pd.DataFrame(columns=["projet", "nature", "nombre"]), "projet", "T", "s", "a"
    )
    resume, table = charts.texte_alternatif(vide)
    assert resume == "T : Aucun chiffre d'emplois saisi pour cette sélection : inconnu."
    assert table.empty


def test_every_chart_on_screen_goes_through_the_one_display_with_its_text_alternative():
    """A chart drawn outside ``ui.graphiques.afficher`` would have no summary nor values table."""
    from tests.conftest import appels_hors_de

    appels = {"vega_lite_chart", "altair_chart", "plotly_chart", "bar_chart", "line_chart", "area_chart"}
    assert appels_hors_de(appels, "graphiques.py") == []
