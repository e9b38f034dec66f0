"""Jobs created: a total sums the known figures and counts the projects without one; none known is
« inconnu », never 0 (figures, report, PDF, Saisie page)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geo.base import saisie_export, saisie_modele
from geo.donnees import emplois
from geo.rendu import charts, fiche, report
from geo.territoires.referentiel import TerritoireId
from tests.test_fiche import _texte

PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")
SOISSONNAIS = TerritoireId("epci", "240200477")


@pytest.fixture
def depot(tmp_path):
    depot = emplois.depot_pret(f"sqlite:///{tmp_path / 's.sqlite3'}")
    yield depot
    depot.fermer()


def test_projects_without_a_job_figure_make_the_total_unknown_not_zero(referentiel, depot):
    saisies = emplois.charger(depot)
    bloc = saisies.bloc(referentiel, PORTE_DU_HAINAUT)
    # The incubator and the reuse school: listed, no job count in their document.
    assert bloc["projets"] == 2
    assert bloc["projets_sans_emplois"] == 2
    assert bloc["crees_total"] is None
    assert (bloc["insertion"], bloc["encadrement"], bloc["autre"]) == (None, None, None)
    assert bloc["crees_texte"] == "inconnu (2 projets sans chiffre d'emplois)"
    assert emplois.valeur_emplois_crees(bloc) == "inconnu"
    assert emplois.texte_natures(bloc).startswith("Aucun chiffre d'emplois saisi")


def test_a_known_total_says_how_many_projects_lack_the_figure(referentiel, depot):
    bloc = emplois.charger(depot).bloc(referentiel, SOISSONNAIS)
    # Three ALISS projects give their jobs (42), two do not (the waste centre, the mobility hub).
    assert (bloc["crees_total"], bloc["projets"], bloc["projets_sans_emplois"]) == (42, 5, 2)
    assert bloc["crees_texte"] == "42 (2 projets sans chiffre d'emplois)"
    assert emplois.texte_natures(bloc) == "Insertion 35 · encadrement 7 · autre 0"


def test_wording_of_the_total():
    assert emplois.texte_emplois_crees({"crees_total": 42, "projets_sans_emplois": 0}) == "42"
    assert (
        emplois.texte_emplois_crees({"crees_total": 3, "projets_sans_emplois": 1})
        == "3 (1 projet sans chiffre d'emplois)"
    )
    assert emplois.texte_emplois_crees({"crees_total": None, "projets_sans_emplois": 0}) == (
        "inconnu (aucun projet saisi dans ce territoire)"
    )


def test_the_saisie_summary_counts_rows_and_the_jobs_they_hold_alike_everywhere(referentiel, depot):
    """The Saisie page said « 6 emplois »: 6 rows, which hold 42 jobs (the figure of every other page)."""
    resume = emplois.resume_tables_saisies(saisie_export.exporter(depot))
    france = emplois.charger(depot).bloc(referentiel, None)
    assert france["crees_total"] == 42
    assert france["projets_sans_emplois"] == 8
    assert "6 lignes d'emplois (42 emplois créés ; 8 projets sans chiffre d'emplois)" in resume
    assert resume.startswith("5 PTCE · 11 projets · 7 structures · ")
    assert resume.endswith(" · 8 financements")


def test_the_saisie_summary_of_projects_without_any_job_row():
    tables = {table: pd.DataFrame(columns=saisie_modele.colonnes(table)) for table in saisie_modele.ORDRE}
    tables["projets"] = pd.DataFrame({"nom": ["A", "B"]})
    resume = emplois.resume_tables_saisies(tables)
    assert "0 ligne d'emplois (emplois créés : inconnu ; 2 projets sans chiffre d'emplois)" in resume
    tables["projets"] = pd.DataFrame(columns=["nom"])
    assert "0 ligne d'emplois · " in emplois.resume_tables_saisies(tables)


def test_jobs_per_funding_leave_a_ptce_without_job_figure_unknown(referentiel, depot):
    table = emplois.table_ratio(emplois.charger(depot), referentiel, None).set_index("nom")
    # Funded, no job figure in its document: not « 0 jobs for the money ».
    assert pd.isna(table.loc["PTCE Centre Isère", "emplois"])
    assert table.loc["ALISS (PTCE du Soissonnais)", "emplois"] == 42
    ratio = charts.ratio_emplois_financements(table.reset_index()).set_index("nom")
    assert pd.isna(ratio.loc["PTCE Centre Isère", "emplois_pour_100k"])


def test_an_empty_jobs_chart_says_unknown_and_what_is_left_out():
    fig = charts.emplois_empiles(
        pd.DataFrame(columns=["projet", "nature", "nombre"]),
        "projet",
        "Emplois",
        "s",
        "a",
        remarque="2 projets sans chiffre d'emplois : absents du graphique, jamais comptés pour zéro.",
    )
    assert "inconnu" in fig["usermeta"]["vide"]
    assert "2 projets sans chiffre d'emplois" in charts.texte_source(fig)


def test_report_says_unknown_for_porte_du_hainaut(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rapport.sqlite3'}")
    assert report.main(["epci:200042190", "--json"]) == 0
    bloc = json.loads(capsys.readouterr().out)["emplois"]
    assert bloc["crees_total"] is None
    assert bloc["projets_sans_emplois"] == 2
    assert bloc["crees_texte"] == "inconnu (2 projets sans chiffre d'emplois)"
    assert report.main(["epci:200042190"]) == 0
    assert "Emplois créés (saisis) : inconnu (2 projets sans chiffre d'emplois)" in capsys.readouterr().out


def test_the_pdf_says_unknown_not_zero(referentiel, depot):
    bloc_emplois = emplois.charger(depot).bloc(referentiel, PORTE_DU_HAINAUT)
    bloc_financements = {
        "total_eur": 1288813.0,
        "par_annee": {"2024": 1288813.0},
        "donnees_ouvertes": {"postes": 0},
    }
    contenu = fiche.pdf(
        referentiel, PORTE_DU_HAINAUT, bloc_emplois=bloc_emplois, bloc_financements=bloc_financements
    )
    texte = _texte(contenu)[1].replace("\u202f", " ")
    # Two key figures, each whole (one box « inconnu · 1 288 81… » was cut).
    assert "Emplois créés\ninconnu\n2 projets sans chiffre d'emplois" in texte
    assert "Financements reçus\n1 288 813 €" in texte
