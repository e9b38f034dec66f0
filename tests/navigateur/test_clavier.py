"""In Chromium: the maps crossed in a few Tab stops, skipped in one, and every focus visible (RGAA)."""

from __future__ import annotations

import re

import pytest

from tests.navigateur.aides import IFRAME_CARTE, attendre_repos

pytestmark = pytest.mark.navigateur

PASSER = "a.ess-passer-carte"
# Stops at most inside a map: the map itself, zoom in and out, layers, legend.
ARRETS_MAX = 5


def _luminance(rgb: tuple[float, float, float]) -> float:
    def canal(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    rouge, vert, bleu = rgb
    return 0.2126 * canal(rouge) + 0.7152 * canal(vert) + 0.0722 * canal(bleu)


def contraste_sur_blanc(rgb: tuple[float, float, float]) -> float:
    return (1.0 + 0.05) / (_luminance(rgb) + 0.05)


def couleur(texte: str) -> tuple[float, float, float, float]:
    """``rgb(…)`` / ``rgba(…)`` as (r, g, b, alpha)."""
    valeurs = [float(v) for v in re.findall(r"[\d.]+", texte)]
    return (*valeurs[:3], valeurs[3] if len(valeurs) > 3 else 1.0)


def sur_blanc(rouge: float, vert: float, bleu: float, alpha: float) -> tuple[float, float, float]:
    return tuple(alpha * c + (1 - alpha) * 255 for c in (rouge, vert, bleu))


# The colour of an element's text as seen, over white: its own alpha times the opacity of the
# element and of every ancestor (Streamlit draws captions at 60 %).
COULEUR_VUE = """e => {
  let opacite = 1;
  for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
    opacite *= parseFloat(getComputedStyle(n).opacity);
  }
  return [getComputedStyle(e).color, opacite];
}"""


def _carte_prete(page, adresse: str):
    page.goto(adresse)
    page.locator(IFRAME_CARTE).last.wait_for(timeout=90_000)
    cadre = page.frame_locator(IFRAME_CARTE).last
    cadre.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=90_000)
    attendre_repos(page)
    page.wait_for_timeout(1500)
    return page.locator(IFRAME_CARTE).last.element_handle().content_frame()


def _arrets_dans_la_carte(page) -> list[str]:
    """From « Passer la carte », Tab until the focus leaves the map's frame: what it stopped on."""
    page.locator(PASSER).last.focus()
    cadre = page.locator(IFRAME_CARTE).last.element_handle().content_frame()
    arrets = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if not page.evaluate("() => document.activeElement.matches('iframe[src*=\"streamlit_folium\"]')"):
            return arrets
        arrets.append(
            cadre.evaluate(
                "() => { const a = document.activeElement;"
                " return a.tagName + ' ' + (a.getAttribute('aria-label') || a.textContent).slice(0, 40); }"
            )
        )
    raise AssertionError(f"toujours dans la carte après 40 Tab : {arrets[-5:]}")


@pytest.mark.parametrize(
    "chemin",
    ["/?territoire=epci:200042190", "/", "/structures", "/opportunites"],
    ids=["carte-epci", "carte-france", "structures-france", "opportunites-france"],
)
def test_a_map_is_crossed_in_at_most_five_tab_stops(application, page, chemin):
    cadre = _carte_prete(page, f"{application}{chemin}")
    # Before: every shape a Tab stop (107 to 1,360 presses at France scale).
    assert cadre.locator("path.leaflet-interactive").count() > ARRETS_MAX
    arrets = _arrets_dans_la_carte(page)
    assert 1 <= len(arrets) <= ARRETS_MAX, arrets
    assert arrets[0].startswith("DIV Carte : "), arrets
    assert not any(a.startswith("path") for a in arrets), arrets


def test_skip_link_brings_the_focus_past_the_map(application, page):
    _carte_prete(page, f"{application}/?territoire=epci:200042190")
    lien = page.locator(PASSER).last
    lien.focus()
    assert lien.is_visible()
    assert lien.inner_text() == "Passer la carte"
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.evaluate(
        """() => {
          const a = document.activeElement, cadre = document.querySelector('iframe[src*="streamlit_folium"]');
          return a !== cadre && a !== document.body
            && !!(cadre.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )


def test_layer_switches_come_before_the_map_as_drawn(application, page):
    _carte_prete(page, f"{application}/?territoire=epci:200042190")
    interrupteur = page.locator('label:has(input[aria-label="Quartiers prioritaires (QPV)"])')
    carte = page.locator(IFRAME_CARTE).last
    assert interrupteur.bounding_box()["y"] < carte.bounding_box()["y"]
    suit = "(e, c) => !!(e.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING)"
    assert interrupteur.evaluate(suit, carte.element_handle())


def test_focused_map_shows_a_ring_of_three_to_one(application, page):
    cadre = _carte_prete(page, f"{application}/?territoire=epci:200042190")
    page.locator(PASSER).last.focus()
    page.keyboard.press("Tab")
    style, largeur, teinte = cadre.evaluate(
        """() => { const a = document.activeElement, s = getComputedStyle(a);
          return [a.classList.contains('leaflet-container') && s.outlineStyle, parseFloat(s.outlineWidth),
                  s.outlineColor]; }"""
    )
    assert style == "solid"
    assert largeur >= 2
    assert contraste_sur_blanc(sur_blanc(*couleur(teinte))) >= 3


def test_focused_page_link_shows_a_ring_of_three_to_one(application, page):
    page.goto(f"{application}/?territoire=epci:200042190")
    lien = page.get_by_role("link", name="Territoire")
    lien.wait_for(timeout=60_000)
    attendre_repos(page)
    # The ring is the page's own style (ui.page), drawn by its run: the sidebar's links come first.
    page.wait_for_function(
        "() => [...document.querySelectorAll('style')].some(s => s.textContent.includes('ess-passer-carte'))",
        timeout=60_000,
    )
    lien.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert lien.evaluate("e => e === document.activeElement && e.matches(':focus-visible')")
    style, largeur, teinte = lien.evaluate(
        "e => { const s = getComputedStyle(e);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"
    )
    assert style == "solid"
    assert largeur >= 2
    assert contraste_sur_blanc(sur_blanc(*couleur(teinte))) >= 3


def test_captions_as_seen_reach_four_and_a_half_to_one(application, page):
    page.goto(f"{application}/?territoire=epci:200042190")
    legendes = page.locator("[data-testid=stCaptionContainer]")
    legendes.first.wait_for(timeout=60_000)
    attendre_repos(page)

    def pire() -> float:
        contrastes = []
        for rang in range(legendes.count()):
            texte, opacite = legendes.nth(rang).evaluate(COULEUR_VUE)
            rouge, vert, bleu, alpha = couleur(texte)
            contrastes.append(contraste_sur_blanc(sur_blanc(rouge, vert, bleu, alpha * opacite)))
        return min(contrastes)

    # A rerun the map asks for dims the page for a moment: what counts is the page at rest.
    for _ in range(20):
        if pire() >= 4.5:
            break
        page.wait_for_timeout(500)
    assert pire() >= 4.5


def test_focused_layer_switch_shows_a_ring_of_three_to_one(application, page):
    """Streamlit's switch hides its input (1 px, clipped): the ring is drawn on its label."""
    _carte_prete(page, f"{application}/?territoire=epci:200042190")
    page.get_by_role("button", name="Présentation").focus()
    page.keyboard.press("Tab")
    interrupteur = page.locator('label:has(input[aria-label="Quartiers prioritaires (QPV)"])')
    assert interrupteur.evaluate("e => e.contains(document.activeElement)")
    style, largeur, teinte = interrupteur.evaluate(
        "e => { const s = getComputedStyle(e);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"
    )
    assert style == "solid"
    assert largeur >= 2
    assert contraste_sur_blanc(sur_blanc(*couleur(teinte))) >= 3
