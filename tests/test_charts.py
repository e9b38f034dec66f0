"""Charts of jobs and funding: the figure data, the source and years every figure carries."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.rendu import charts


def _legende(fig) -> str:
    return charts.texte_source(fig)


def test_jobs_are_stacked_by_kind_per_project():
    lignes = pd.DataFrame(
        {
            "projet": ["Réaliss", "Réaliss", "Axo'Meca", "Axo'Meca", "Atelier"],
            "nature": ["insertion", "encadrement", "insertion", "encadrement", "autre"],
            "nombre": [19, 3, 6, 2, 1],
        }
    )
    fig = charts.emplois_empiles(lignes, "projet", "Emplois", "doc.txt", "non précisées")
    barres = {t.name: dict(zip(t.y, t.x, strict=True)) for t in fig.data if t.type == "bar"}
    assert barres["Insertion"] == {"Atelier": 0, "Axo'Meca": 6, "Réaliss": 19}
    assert barres["Encadrement"]["Réaliss"] == 3
    assert barres["Autre"]["Atelier"] == 1
    assert fig.layout.barmode == "stack"
    # Largest at the top of a horizontal chart: sorted ascending.
    assert list(fig.data[0].y) == ["Atelier", "Axo'Meca", "Réaliss"]
    totaux = next(t for t in fig.data if t.name == "total")
    assert [s.strip() for s in totaux.text] == ["1", "8", "22"]
    assert fig.layout.meta["source"] == "doc.txt"
    assert "Source : doc.txt" in _legende(fig)
    assert "Années : non précisées" in _legende(fig)
    # The bar's project travels with a click.
    assert list(fig.data[0].customdata) == ["Atelier", "Axo'Meca", "Réaliss"]


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
    traces = {t.name: t for t in fig.data}
    assert list(traces["Adultes-relais"].x) == ["2024", "2025", "année inconnue"]
    assert list(traces["Adultes-relais"].y) == [22810.61, None, None]
    non_comparable = traces["Adultes-relais (forfait, non comparable)"]
    assert list(non_comparable.y) == [None, 7164.0, None]
    assert non_comparable.marker.pattern.shape == "/"
    assert traces["axe 1"].marker.pattern.shape == ""
    assert fig.layout.meta["annees"] == "2024–2025"


def test_funding_per_programme_counts_unknown_amounts_aside():
    lignes = pd.DataFrame({"dispositif": ["A", "A", "B", None], "montant_eur": [10.0, 5.0, None, 7.0]})
    fig = charts.financements_par_dispositif(lignes, "dispositif", "Par dispositif", "s", "2020")
    assert dict(zip(fig.data[0].y, fig.data[0].x, strict=True)) == {"non précisé": 7.0, "A": 15.0}
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
    barre = fig.data[0]
    assert dict(zip(barre.y, barre.x, strict=True)) == {"Complet": 20.0, "ALISS": 35.0}
    assert list(barre.text) == ["20,0", "35,0 (incomplet)"]
    assert list(barre.marker.pattern.shape) == ["", "/"]
    assert "incomplet" in _legende(fig)


def test_pipeline_keeps_the_six_stages_in_order():
    projets = pd.DataFrame(
        {"projet": ["a", "b", "c", "d"], "etape": ["lancement", "veille", None, "lancement"]}
    )
    fig = charts.pipeline(projets, "Projets", "saisie")
    assert list(fig.data[0].x) == [
        "1. veille",
        "2. identification",
        "3. modélisation",
        "4. validation",
        "5. expérimentation",
        "6. lancement",
        "étape inconnue",
    ]
    assert list(fig.data[0].y) == [1, 0, 0, 0, 0, 2, 1]


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
    assert len(fig.data) == 3
    assert list(fig.data[1].text) == ["783 k€", "1 k€"]
    for barres in (fig.data[0], fig.data[2]):
        assert list(barres.text)[1] == "inconnu"
        # A bar plotly can write beside: a missing x draws neither the bar nor its text.
        assert barres.x[1] == 0
        assert barres.textposition[1] == "outside"
    assert list(fig.data[2].text) == ["11,1 %", "inconnu"]


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
    assert fig.layout.annotations[0].text.startswith("Aucun")
    assert fig.layout.meta["source"] == "s"


def test_pipeline_ticks_are_whole_projects():
    peu = charts.pipeline(pd.DataFrame({"projet": ["a", "b", "c"], "etape": ["veille"] * 3}), "P", "s")
    assert peu.layout.yaxis.dtick == 1
    beaucoup = charts.pipeline(
        pd.DataFrame({"projet": [str(i) for i in range(40)], "etape": ["veille"] * 40}), "P", "s"
    )
    assert beaucoup.layout.yaxis.dtick == 5


def test_entered_names_reach_charts_as_text_not_markup():
    lignes = pd.DataFrame(
        {"projet": ['<a href="https://x">Piège</a>'], "nature": ["insertion"], "nombre": [3]}
    )
    fig = charts.emplois_empiles(lignes, "projet", "Emplois", "saisie", "2024")
    assert fig.data[0].y == ('&lt;a href="https://x"&gt;Piège&lt;/a&gt;',)
    # The raw name stays in customdata: a click still filters on the real project.
    assert fig.data[0].customdata[0] == '<a href="https://x">Piège</a>'


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
    # Top to bottom as drawn; the label as the reader sees it, not plotly's escaped text.
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
    # No code name left: the hover box says the trace's name too.
    assert {t.name for t in fig.data} == set(table.columns) - {"Territoire"}


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
    """A ``plotly_chart(`` outside ``ui.graphiques.afficher`` would have no summary nor values table."""
    from tests.conftest import appels_hors_de

    assert appels_hors_de({"plotly_chart"}, "graphiques.py") == []
