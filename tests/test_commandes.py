"""The stable commands of pyproject.toml (ess-rapport…): each one runs from the installed environment."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import RACINE

COMMANDES: dict[str, str] = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "scripts"
]


def test_the_four_commands_users_rely_on_are_declared():
    assert {"ess-rapport", "ess-construire", "ess-instantane", "ess-comptes"} <= set(COMMANDES)


@pytest.mark.parametrize("nom", sorted(COMMANDES))
def test_each_declared_command_points_at_a_function_that_exists(nom):
    """Moving a module breaks this test, not the scripts of the people who call the command."""
    module, fonction = COMMANDES[nom].split(":")
    assert callable(getattr(importlib.import_module(module), fonction)), COMMANDES[nom]


def _installe() -> bool:
    try:
        return importlib.metadata.distribution("ess-territoires") is not None
    except importlib.metadata.PackageNotFoundError:
        return False


def _executable(nom: str) -> Path:
    return Path(sys.prefix) / "bin" / nom


@pytest.mark.skipif(not _installe(), reason="projet non installé dans cet environnement : make setup")
@pytest.mark.parametrize("nom", sorted(COMMANDES))
def test_each_declared_command_runs_from_the_installed_environment(nom):
    commande = _executable(nom)
    assert commande.is_file(), f"{commande} absent : relancez make setup (pyproject.toml a changé)"
    fini = subprocess.run(
        [str(commande), "--help"], capture_output=True, text=True, timeout=120, check=False, cwd="/"
    )
    assert fini.returncode == 0, fini.stderr
    # The help names the command as it was typed.
    assert fini.stdout.startswith(f"utilisation : {nom} "), fini.stdout
    assert fini.stderr == ""


@pytest.mark.skipif(not _installe(), reason="projet non installé dans cet environnement : make setup")
def test_the_report_command_answers_from_the_installed_environment():
    fini = subprocess.run(
        [str(_executable("ess-rapport")), "epci:200042190", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd="/",
    )
    assert fini.returncode == 0, fini.stderr
    resultat = json.loads(fini.stdout)
    assert resultat["territoire"]["nom"] == "Communauté d'agglomération de la Porte du Hainaut"
    assert resultat["commerces"]["disponible"]
