"""The Structures page, the Territoire section and the map overlay, through AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_pages import APP, DELAI, _ouvrir, _relancer


@pytest.fixture
def avec_structures(cache_structures_miroir, monkeypatch):
    """Pages read a cache whose structures were built from the real mirror."""
    monkeypatch.setenv("ESS_DATA_DIR", str(cache_structures_miroir.parent))


def _metriques(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_structures_page_lists_filters_and_searches(avec_structures):
    at = _ouvrir("pages/structures.py", territoire="commune:93048")
    assert at.title[0].value == "Structures de l'ESS"
    total = int(_metriques(at)["Structures de l'ESS"].replace("\u202f", ""))
    assert total >= 5
    liste = at.dataframe[0].value
    assert "LA COLLECTERIE" in set(liste["nom"])
    # No SIRENE in the mirror: the count says what the register covers.
    assert any(c.value.startswith("Registre partiel : SIAE, ESAT") for c in at.caption)
    assert {b.label for b in at.get("download_button")} == {
        "Télécharger la sélection (CSV)",
        "Télécharger la sélection (.xlsx)",
        "Télécharger la sélection (GeoJSON)",
        "Contributions vérifiées (CSV)",
        "Contributions vérifiées (GeoJSON)",
    }

    at.multiselect(key="filtre-familles").set_value(["ESAT"])
    _relancer(at)
    assert at.query_params["familles"] == "ESAT"
    esat = int(_metriques(at)["Structures de l'ESS"].replace("\u202f", ""))
    assert 0 < esat < total
    assert set(at.dataframe[0].value["famille_libelle"]) == {"ESAT (travail protégé)"}

    at.multiselect(key="filtre-familles").set_value([])
    _relancer(at)
    at.text_input(key="recherche_structure").input("collecterie")
    _relancer(at)
    assert list(at.dataframe[0].value["nom"]) == ["LA COLLECTERIE"]


def test_structures_page_says_when_data_is_missing(referentiel, tmp_path, monkeypatch):
    monkeypatch.setenv("ESS_INSTANTANE", "aucun")  # a deployment without the embedded snapshot
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "territoires").symlink_to(referentiel.dossier)
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ESS_DATA_MIRROR", raising=False)
    at = _ouvrir("pages/structures.py", territoire="commune:93048")
    assert "ne sont pas disponibles sur ce serveur" in at.warning[0].value


def test_territory_page_has_a_structures_section(avec_structures):
    at = _ouvrir("pages/territoire.py", territoire="departement:93")
    assert "Structures de l'ESS" in [s.value for s in at.header]
    assert int(_metriques(at)["Structures de l'ESS"].replace("\u202f", "")) > 50


def test_sidebar_links_to_the_structures_page():
    at = AppTest.from_file(APP, default_timeout=DELAI)
    at.run()
    liens = [e.proto.label for e in at.sidebar.get("page_link")]
    assert "Structures de l'ESS" in liens


def test_api_button_says_when_offline(avec_structures):
    # Tests run with ESS_HORS_LIGNE=1: the client must answer in French, not crash.
    at = _ouvrir("pages/structures.py", territoire="commune:93048")
    at.button(key="api_recherche_entreprises").click()
    _relancer(at)
    assert any("hors ligne" in i.value for i in at.info)


def test_sources_page_lists_the_structure_sources(avec_structures):
    from tests.test_page_sources import tableau as tableau_de

    at = _ouvrir("pages/sources.py")
    tableau = tableau_de(at, "Producteur").set_index("Jeu de données")
    esat = tableau.loc["ESAT : établissements et services d'aide par le travail (FINESS)"]
    assert esat["Obtenu par ce serveur"].startswith("dossier miroir local (copie du ")
    # Sources that give no figure here are listed apart, with why.
    autres = tableau_de(at, "Pourquoi il ne sert pas").set_index("Jeu de données")
    assert autres.loc["SIRENE : stock des établissements", "Pourquoi il ne sert pas"] == (
        "pas de fichier ici ; téléchargement désactivé sur ce serveur"
    )
    assert "API Recherche d'entreprises (filtre ESS)" in autres.index
    anomalies = " ".join(m.value for m in at.markdown)
    assert "SIRET invalide" in anomalies


def test_whole_country_lists_the_first_rows_and_counts_everything(avec_structures):
    at = _ouvrir("pages/structures.py")
    total = int(_metriques(at)["Structures de l'ESS"].replace("\u202f", ""))
    assert total > 9000
    # As every table on screen (ui/tableaux.LIGNES_MAX): the downloads hold the rest.
    assert len(at.dataframe[0].value) == 500
    assert any("500 premières" in c.value for c in at.caption)
    # No download of the API for the whole country: one territory at a time.
    assert not [b for b in at.button if b.key == "api_recherche_entreprises"]


def test_the_count_beside_the_located_figure_says_how_it_splits(avec_structures):
    """« 12 en tout, toutes situées sur la carte » sat next to « Situées à l'adresse 10 »."""
    at = _ouvrir("pages/structures.py", territoire="epci:200042190")
    chiffres = _metriques(at)
    total, adresse = chiffres["Structures de l'ESS"], chiffres["Situées à l'adresse"]
    assert int(adresse) < int(total)
    centre = int(total) - int(adresse)
    attendu = (
        f"Structures de l'ESS : {total} structures, dont {adresse} situées à leur adresse et {centre} au "
        f"centre de {'leur' if centre > 1 else 'sa'} commune (adresse non géocodée dans la source), toutes "
        "sur la carte."
    )
    assert attendu in [c.value for c in at.caption]
