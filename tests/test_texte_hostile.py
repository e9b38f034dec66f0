"""Text from the URL is shown back as plain text: no live link, image, HTML or math."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from geo.outils.text import JOINTURE, texte_brut
from tests.test_pages import APP, DELAI, _ouvrir

CHARGE = "[Reconnectez-vous ici](https://evil.example/login) ![](https://evil.example/pixel.png)"
# Markdown that would be live if not preceded by a backslash; a bare address (GFM's literal
# autolinks) is live even after one: remark finds it again once the escapes are resolved.
_ACTIF = re.compile(r"(?<!\\)(?:[\[\]!<>$`*_~@]|:(?=\w))|(?i:://|www\\?\.|@\w)")


@pytest.fixture
def avec_commerces(cache_miroir, monkeypatch):
    """Pages read a cache whose shops were built from the real mirror."""
    monkeypatch.setenv("ESS_DATA_DIR", str(cache_miroir.parent))


def _inerte(texte: str) -> None:
    assert not _ACTIF.search(texte), texte


@pytest.mark.parametrize(
    "texte",
    [
        CHARGE,
        "<img src=x onerror=alert(1)> <b>gras</b>",
        "$\\frac{1}{2}$ et :red[rouge] **gras** _penché_ ~~barré~~ `code`",
        "voir www.evil.example ou ecrire a pirate@evil.example",
        "ligne 1\n# titre\n- liste",
        "https://evil.example/a http://evil.example/b ftp://evil.example/c HTTPS://EVIL.EXAMPLE/d",
        "mailto:pirate@evil.example xmpp:pirate@evil.example",
        "WWW.evil.example (www.evil.example)",
        "<https://evil.example/auto> <pirate@evil.example>",
        '<a href="https://evil.example/h">ici</a> ![img](https://evil.example/pixel.png)',
        "[ref][1] [1]: https://evil.example/ref",
        ":red[rouge] :smile: :material/home: :blue-background[bleu]",
    ],
)
def test_plain_text_escapes_every_active_markdown(texte):
    brut = texte_brut(texte)
    _inerte(brut)
    assert "\n" not in brut
    # Nothing is dropped: removing the escapes and word joiners gives back the text (new lines
    # as spaces).
    assert re.sub(r"\\(.)", r"\1", brut.replace(JOINTURE, "")) == texte.replace("\n", " ")


def test_plain_text_keeps_start_of_line_markers_inert():
    assert texte_brut("# titre") == "\\# titre"
    assert texte_brut("1. un") == "1\\. un"
    assert texte_brut("- tiret") == "\\- tiret"
    assert texte_brut(None) == ""


def _avertissements(at) -> list[str]:
    return [w.value for w in at.warning] + [i.value for i in at.info] + [e.value for e in at.error]


@pytest.mark.parametrize("page", [None, "pages/territoire.py", "pages/emplois.py", "pages/saisie.py"])
def test_a_hostile_territory_in_the_link_is_shown_as_text(page):
    # The link opens that page directly (a shared permalink).
    at = AppTest.from_file(APP, default_timeout=DELAI)
    at.query_params["territoire"] = CHARGE
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception
    messages = [m for m in _avertissements(at) if "Lien invalide" in m]
    assert messages, _avertissements(at)
    for message in messages:
        _inerte(message)
        assert "Reconnectez-vous ici" in message
    assert at.title[0].value != CHARGE


def test_a_hostile_definition_on_the_shops_page_is_shown_as_text(avec_commerces):
    at = _ouvrir("pages/commerces.py", territoire="epci:200042190", definition=CHARGE)
    messages = [m for m in _avertissements(at) if "non reconnue" in m]
    assert messages
    for message in _avertissements(at):
        _inerte(message)
    assert "Reconnectez-vous ici" in messages[0]


def test_a_hostile_definition_on_the_opportunities_page_is_shown_as_text(avec_commerces):
    at = _ouvrir("pages/opportunites.py", territoire="epci:200042190", definition=CHARGE)
    messages = [m for m in _avertissements(at) if "non reconnue" in m]
    assert messages
    for message in messages:
        _inerte(message)


def test_a_hostile_definition_on_the_map_page_is_shown_as_text(avec_commerces):
    at = _ouvrir(territoire="epci:200042190", couches="commerces", definition=CHARGE)
    messages = [m for m in _avertissements(at) if "non reconnue" in m]
    assert messages
    for message in messages:
        _inerte(message)


def test_no_page_shows_the_database_address():
    for page in ("pages/saisie.py", "pages/sources.py"):
        at = _ouvrir(page)
        textes = [e.value for e in [*at.caption, *at.markdown, *at.info, *at.warning, *at.error]]
        assert not any("sqlite" in t.lower() or "postgresql" in t.lower() for t in textes), textes


def test_a_field_statement_from_a_file_is_shown_as_text(monkeypatch):
    # The seed pack is a file anyone can edit: its statements are shown as typed, never as links.
    from geo.donnees import constats
    from geo.donnees.constats import Constat
    from ui import donnees

    hostile = Constat(
        "part_ess_emploi_pct",
        "voir https://evil.example/a, www.evil.example ou pirate@evil.example",
        "2024",
        "[rapport](https://evil.example/r).pdf : page 3",
        None,
        None,
        None,
    )
    monkeypatch.setattr(constats, "constats", lambda *_: [hostile])
    monkeypatch.setattr(donnees, "constats_du_territoire", lambda _tid: [hostile])
    for page in ("pages/territoire.py", "pages/emplois.py"):
        at = _ouvrir(page, territoire="epci:200042190")
        textes = [t.value for t in [*at.markdown, *at.caption] if "evil" in t.value]
        assert textes, page
        for texte in textes:
            _inerte(texte)
