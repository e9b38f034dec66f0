"""In Chromium: « Aisne vs Nord » is one link, read at 1 400 px without scrolling sideways."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.navigateur.aides import ARTEFACTS, attendre_repos

pytestmark = pytest.mark.navigateur

# The grid draws on a canvas: every string it draws is kept, to be read back.
_CAPTURE_CANVAS = """
window.__textesCanvas = new Set();
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (texte, ...reste) {
  window.__textesCanvas.add(String(texte));
  return fillText.call(this, texte, ...reste);
};
"""


def test_aisne_vs_nord_is_one_link(application, page):
    page.add_init_script(_CAPTURE_CANVAS)
    page.goto(f"{application}/comparer?territoires=departement:02,departement:59")
    expect(page.get_by_role("heading", name="Comparer des territoires")).to_be_visible(timeout=120_000)
    expect(page).to_have_title("Comparer – ESS & territoires")
    grille = page.locator("[data-testid=stDataFrame]").first
    grille.locator("[data-testid^=glide-cell]").first.wait_for(state="attached", timeout=120_000)
    attendre_repos(page)
    attendus = {"Aisne (02)", "Nord (59)", "527\u202f349", "2\u202f611\u202f293", "16,1 %", "15,5 %"}
    fin = time.monotonic() + 30
    while time.monotonic() < fin:
        dessines = set(page.evaluate("() => [...window.__textesCanvas]"))
        if attendus <= dessines:
            break
        page.wait_for_timeout(500)
    assert attendus <= dessines, attendus - dessines
    # Every column of the table shows at 1 400 px: no sideways scrolling.
    largeurs = grille.locator(".dvn-scroller").evaluate("zone => [zone.scrollWidth, zone.clientWidth]")
    assert largeurs[0] <= largeurs[1] + 1, largeurs
    # The chart says the same figures in words (its text alternative).
    expect(page.get_by_text("Territoires comparés : 2 territoires", exact=False)).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "comparer-aisne-nord.png"), full_page=True)


def _sans_defilement_lateral(grille) -> None:
    largeurs = grille.locator(".dvn-scroller").evaluate("zone => [zone.scrollWidth, zone.clientWidth]")
    assert largeurs[0] <= largeurs[1] + 1, largeurs


def test_from_a_territory_its_comparison_shows_whole_and_opens_the_comparator(application, page):
    page.goto(f"{application}/territoire?territoire=epci:200042190")
    titre = page.get_by_role("heading", name="Comparaison avec les territoires englobants")
    titre.wait_for(timeout=120_000)
    titre.scroll_into_view_if_needed()
    # The comparison table is the first grid after its heading: every territory shows at 1 400 px.
    grille = page.locator(
        "xpath=//h2[contains(., 'Comparaison avec les territoires englobants')]"
        "/following::*[@data-testid='stDataFrame'][1]"
    )
    grille.locator("[data-testid^=glide-cell]").first.wait_for(state="attached", timeout=60_000)
    _sans_defilement_lateral(grille)
    page.get_by_role("link", name="Comparer avec d'autres territoires").click()
    expect(page.get_by_role("heading", name="Comparer des territoires")).to_be_visible(timeout=120_000)
    expect(page).to_have_url(
        f"{application}/comparer?territoire=epci%3A200042190"
        "&territoires=epci%3A200042190%2Cdepartement%3A59%2Cregion%3A32%2Cfrance",
        timeout=60_000,
    )
    grille = page.locator("[data-testid=stDataFrame]").first
    grille.locator("[data-testid^=glide-cell]").first.wait_for(state="attached", timeout=120_000)
    attendre_repos(page)
    _sans_defilement_lateral(grille)
