"""In Chromium: what a first visit downloads, and what waits for a click.

Every response the page receives is recorded from before it opens: Streamlit's syntax
highlighter (1.5 MB, loaded by any ``st.code``) and the export files (Streamlit's browser
fetches the whole file of every download button it draws) must not be among them.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.navigateur.aides import IFRAME_CARTE, attendre_repos

pytestmark = pytest.mark.navigateur

SURLIGNEUR = "StreamlitSyntaxHighlighter"
# A file offered for download is served from /media/ under its digest (a map icon is a .png).
EXPORT = re.compile(r"/media/[0-9a-f]+\.(csv|geojson|gpkg|html|xlsx|pdf|zip)$")


def _ouvrir(page, adresse: str) -> list[str]:
    recues: list[str] = []
    page.on("response", lambda reponse: recues.append(reponse.url))
    page.goto(adresse)
    carte = page.frame_locator(IFRAME_CARTE)
    carte.locator("path[class*=territoire-]").first.wait_for(state="attached", timeout=60_000)
    attendre_repos(page)
    page.wait_for_load_state("networkidle")
    return recues


@pytest.mark.parametrize("territoire", [None, "epci:200042190"], ids=["france", "epci"])
def test_the_map_fetches_no_export_before_a_click(application, page, territoire, tmp_path):
    recues = _ouvrir(page, f"{application}/" + (f"?territoire={territoire}" if territoire else ""))
    assert not [u for u in recues if EXPORT.search(u)]

    page.get_by_text("Exporter ce qui est affiché").click()
    bouton = page.get_by_role("button", name="Tableau (CSV)")
    bouton.wait_for(timeout=60_000)
    with page.expect_download(timeout=60_000) as telechargement:
        bouton.click()
    attendu = "france_departements.csv" if territoire is None else "epci_200042190_communes.csv"
    assert telechargement.value.suggested_filename == attendu
    chemin = telechargement.value.path()
    lignes = chemin.read_text(encoding="utf-8-sig").splitlines()
    assert len(lignes) == (1 + 96 + 5 if territoire is None else 1 + 47)  # header, one row per territory


def test_the_share_panel_loads_no_highlighter_and_copies_the_exact_link(application, page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=application)
    recues = _ouvrir(page, f"{application}/?territoire=epci:200042190")
    assert not [u for u in recues if SURLIGNEUR in u]
    barre = page.locator("[data-testid=stSidebar]")
    barre.get_by_text("Partager cette vue").click()
    champ = barre.get_by_role("textbox", name="Lien vers exactement cette vue", exact=False)
    expect(champ).to_be_visible(timeout=30_000)
    lien = champ.input_value()
    assert parse_qs(urlparse(lien).query) == {"territoire": ["epci:200042190"]}

    # From the keyboard: the button takes the focus and Enter copies.
    barre.get_by_role("button", name="Copier le lien").focus()
    page.keyboard.press("Enter")
    expect(barre.get_by_role("status").first).to_have_text("Copié.")
    assert page.evaluate("navigator.clipboard.readText()") == lien

    barre.get_by_role("button", name="Copier le code").click()
    expect(barre.get_by_role("status").nth(1)).to_have_text("Copié.")
    code = page.evaluate("navigator.clipboard.readText()")
    assert code.startswith(f'<iframe src="{lien}&presentation=1&embed=true"')

    page.wait_for_load_state("networkidle")
    assert not [u for u in recues if SURLIGNEUR in u]
