"""Command lines refuse bad arguments in French, with a non-zero exit code."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys

import pytest

from geo.base import comptes
from geo.build import construction, instantane
from geo.outils import ligne_de_commande
from geo.rendu import report
from tests.conftest import RACINE

_ANGLAIS = ("usage:", "error:", "invalid int", "the following", "unrecognized", "expected")


def _refus(capsys, fonction, arguments: list[str]) -> str:
    with pytest.raises(SystemExit) as sortie:
        fonction(arguments)
    assert sortie.value.code == 2
    erreur = capsys.readouterr().err
    assert "utilisation : " in erreur
    assert " : erreur : " in erreur
    for mot in _ANGLAIS:
        assert mot not in erreur, erreur
    return erreur


@pytest.mark.parametrize("annee", ["-1", "202", "20222", "deux mille", "1800", "3000"])
def test_report_refuses_a_bad_year_in_french(capsys, annee):
    erreur = _refus(capsys, report.main, ["epci:200042190", "--annee", annee])
    assert f"année « {annee} » invalide" in erreur
    assert "4 chiffres" in erreur


def test_report_and_build_say_argparse_errors_in_french(capsys):
    assert "indiquez un territoire, ou --point LAT,LON" in _refus(capsys, report.main, [])
    assert "argument non reconnu : --inconnu" in _refus(capsys, report.main, ["france", "--inconnu"])
    assert "attend une valeur" in _refus(capsys, report.main, ["france", "--annee"])
    assert "argument non reconnu : --nope" in _refus(capsys, construction.main, ["--nope"])
    assert "arguments non reconnus : --nope, --non" in _refus(capsys, construction.main, ["--nope", "--non"])


def test_help_is_in_french(capsys):
    with pytest.raises(SystemExit) as sortie:
        report.main(["--help"])
    assert sortie.value.code == 0
    aide = capsys.readouterr().out
    assert aide.startswith("utilisation : python -m geo.rendu.report")
    assert "afficher cette aide et quitter" in aide
    assert "show this help" not in aide
    assert "positional arguments" not in aide


def test_year_type_accepts_the_store_bounds():
    assert ligne_de_commande.annee("2022") == 2022
    assert ligne_de_commande.annee(" 1900 ") == 1900
    assert ligne_de_commande.annee("2100") == 2100


def test_translation_of_known_messages():
    assert ligne_de_commande.traduire("argument --x: invalid choice: 'z' (choose from 'a', 'b')") == (
        "argument --x : valeur 'z' non permise (valeurs permises : 'a', 'b')"
    )
    assert ligne_de_commande.traduire("argument --n: invalid int value: 'x'") == (
        "argument --n : valeur 'x' invalide"
    )
    assert ligne_de_commande.traduire("the following arguments are required: territoire") == (
        "argument obligatoire manquant : territoire"
    )
    assert ligne_de_commande.traduire("the following arguments are required: a, b") == (
        "arguments obligatoires manquants : a, b"
    )
    attendues = ligne_de_commande.traduire("argument --xy: expected 2 arguments")
    assert attendues == "l'option --xy attend 2 valeurs"


def test_the_command_exits_non_zero_for_a_bad_year():
    resultat = subprocess.run(
        [sys.executable, "-m", "geo.rendu.report", "epci:200042190", "--annee", "-1"],
        cwd=RACINE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resultat.returncode == 2
    assert "année « -1 » invalide" in resultat.stderr


def test_stray_values_are_counted_not_printed(capsys):
    erreur = _refus(capsys, report.main, ["france", "motdepasse-secret", "--bizarre"])
    assert "motdepasse-secret" not in erreur
    assert "arguments non reconnus : --bizarre et 1 valeur non affichée" in erreur
    erreur = _refus(capsys, report.main, ["france", "secret-1", "secret-2"])
    assert "arguments non reconnus : 2 valeurs non affichées" in erreur


def _lancer(*arguments: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *arguments],
        cwd=RACINE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        **options,
    )


def test_the_report_command_keeps_libraries_logging_out_of_the_terminal():
    """Alembic said « setup plugin … Context impl SQLiteImpl » fifteen times on stderr."""
    calme = _lancer("geo.rendu.report", "epci:200042190", "--json")
    assert calme.returncode == 0, calme.stderr
    assert json.loads(calme.stdout)["territoire"]["id"] == "epci:200042190"
    assert calme.stderr == ""

    # Asked for, the libraries' messages come back, each named by its logger.
    bavard = _lancer("geo.rendu.report", "epci:200042190", "--json", "--verbose")
    assert bavard.returncode == 0, bavard.stderr
    assert "alembic" in bavard.stderr


def test_every_command_accepts_verbose_and_says_it_in_french(capsys):
    for fonction in (report.main, construction.main, comptes.main, instantane.main):
        with pytest.raises(SystemExit):
            fonction(["--help"])
        aide = capsys.readouterr().out
        assert "--verbose" in aide
        assert "messages des bibliothèques" in aide


def _port_ferme() -> int:
    with socket.socket() as prise:
        prise.bind(("127.0.0.1", 0))
        return prise.getsockname()[1]


def test_an_offline_build_says_one_line_per_dataset_and_keeps_the_details_in_a_log(clone_neuf):
    """Offline, the build printed « injoignable (HTTPConnectionPool…) » twelve times for one dataset."""
    environnement = {
        **os.environ,
        "ESS_HORS_LIGNE": "0",
        # Every official address goes to a closed loopback port: « connection refused ».
        "ESS_URL_RELAIS": f"http://127.0.0.1:{_port_ferme()}",
    }
    fini = _lancer("geo.build", "--seulement", "qpv,financements", env=environnement)
    assert fini.returncode == 0, fini.stderr
    terminal = fini.stdout + fini.stderr
    for bavardage in ("injoignable", "HTTPConnectionPool", "Max retries", "Téléchargement de "):
        assert bavardage not in terminal, terminal
    for titre in ("Quartiers prioritaires (QPV)", "Financements publics (Ci.Ville)"):
        lignes = [
            ligne for ligne in terminal.splitlines() if ligne.startswith(titre) and "hors ligne" in ligne
        ]
        assert len(lignes) == 1, terminal
        assert re.fullmatch(r".* : hors ligne, instantané du \d\d/\d\d/\d{4} utilisé\.", lignes[0])

    journal = construction.chemin_journal()
    assert terminal.count(str(journal)) == 1
    details = journal.read_text(encoding="utf-8")
    # The twelve Ci.Ville files, each looked up in the same data.gouv.fr dataset: detailed here.
    assert details.count("Jeu data.gouv.fr subventions-politique-de-la-ville injoignable") == 12
    assert "Téléchargement de QP2024_France_Hexagonale_Outre_Mer.zip" in details
