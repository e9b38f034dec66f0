"""Under every map of the app, the text of what its visible layers show, with links to the tables."""

from __future__ import annotations

import pytest

from tests.test_pages import _ouvrir

EPCI = "epci:200042190"


def _texte_sous_carte(at) -> str:
    textes = [m.value for m in at.markdown if "Ce que montre la carte" in m.value]
    assert len(textes) == 1, textes
    return textes[0]


def test_the_map_page_says_what_its_layers_show_and_links_their_tables():
    at = _ouvrir(territoire=EPCI, couches="commerces,qpv")
    texte = _texte_sous_carte(at)
    assert "- 13 quartiers prioritaires 2024" in texte
    assert "communes sans commerce (BPE " in texte
    assert "Bousignies" in texte
    assert "None" not in texte
    assert "nan" not in texte
    liens = {lien.label: lien for lien in at.get("page_link")}
    assert {"Liste des quartiers prioritaires", "Liste des communes sans commerce"} <= set(liens)
    assert liens["Liste des communes sans commerce"].proto.page == "commerces"
    assert "territoire=epci%3A200042190" in liens["Liste des communes sans commerce"].proto.query_string


def test_the_map_page_without_layers_says_it_shows_outlines_only():
    at = _ouvrir(territoire=EPCI, couches="")
    assert "Aucune couche de données allumée" in _texte_sous_carte(at)


@pytest.mark.parametrize(
    ("page", "attendu"),
    [
        ("pages/commerces.py", "([Liste des communes sans commerce](#communes-sans-commerce))"),
        ("pages/qpv.py", "([Liste des quartiers prioritaires](#liste-des-quartiers))"),
    ],
)
def test_a_table_on_the_same_page_is_reached_by_its_anchor(page, attendu):
    at = _ouvrir(page, territoire=EPCI)
    assert attendu in _texte_sous_carte(at)
    ancre = attendu.split("(#")[1].removesuffix("))")
    assert any(getattr(h.proto, "anchor", "") == ancre for h in at.header), [
        h.proto.anchor for h in at.header
    ]


@pytest.mark.parametrize("page", ["pages/structures.py", "pages/opportunites.py"])
def test_every_page_drawing_a_map_writes_its_text(page):
    texte = _texte_sous_carte(_ouvrir(page, territoire=EPCI))
    assert "None" not in texte
