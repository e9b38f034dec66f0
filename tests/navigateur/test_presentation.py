"""In Chromium at 1920×1080: the meeting deck is one link, fills the projector and pages with ← →."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.navigateur.aides import ARTEFACTS, IFRAME_CARTE, attendre_repos

pytestmark = pytest.mark.navigateur

LARGEUR, HAUTEUR = 1920, 1080
# A Soissonnais deck: the EPCI where the field documents give jobs per project.
DECK = (
    "territoire=epci:240200477&presentation=1&couches=qpv,commerces"
    "&diapos=chiffres,carte,emplois,financements"
)

# The size of the legend's text, inside the map's frame.
_TAILLE_LEGENDE = """() => {
  const legende = document.querySelector(".legende-carte");
  return legende ? parseFloat(getComputedStyle(legende).fontSize) : null;
}"""


@pytest.fixture
def projecteur(navigateur):
    contexte = navigateur.new_context(viewport={"width": LARGEUR, "height": HAUTEUR}, locale="fr-FR")
    onglet = contexte.new_page()
    yield onglet
    contexte.close()


def _diapo(onglet, rang: int, titre: str) -> None:
    expect(onglet.get_by_role("heading", name=f"{rang}/4 · {titre}")).to_be_visible(timeout=60_000)


def test_a_deck_link_fills_the_projector_and_pages_with_the_arrow_keys(application, projecteur):
    onglet = projecteur
    onglet.goto(f"{application}/?{DECK}&diapo=2")
    _diapo(onglet, 2, "Carte et couches")
    onglet.frame_locator(IFRAME_CARTE).locator("path.territoire-commune").first.wait_for(
        state="attached", timeout=60_000
    )
    attendre_repos(onglet)
    # The map fills the width, and the height under the title line.
    cadre = onglet.locator(IFRAME_CARTE)
    expect(cadre).to_be_visible()
    onglet.wait_for_timeout(1500)
    boite = cadre.bounding_box()
    assert boite["width"] >= 0.9 * LARGEUR, boite
    assert boite["y"] < 0.12 * HAUTEUR, boite
    assert boite["y"] + boite["height"] >= 0.95 * HAUTEUR, boite
    assert boite["y"] + boite["height"] <= HAUTEUR + 1, boite
    # The map inside its frame fills it too (not a band at the top).
    carte = cadre.element_handle().content_frame()
    hauteur_carte = carte.evaluate(
        "() => document.querySelector('.leaflet-container').getBoundingClientRect().height"
    )
    assert hauteur_carte >= boite["height"] - 2, (hauteur_carte, boite)
    # A legend read from the back of the room.
    assert carte.evaluate(_TAILLE_LEGENDE) >= 20
    onglet.screenshot(path=str(ARTEFACTS / "presentation-deck-carte.png"))

    # → goes to the next slide, and the address says so.
    onglet.keyboard.press("ArrowRight")
    _diapo(onglet, 3, "Emplois créés")
    expect(onglet).to_have_url(re.compile(r"[?&]diapo=3(&|$)"), timeout=30_000)
    graphique = onglet.locator("[data-testid=stVegaLiteChart]", has_text="Emplois créés par projet")
    graphique.locator("g.mark-rect path").first.wait_for(state="attached", timeout=60_000)
    # Type read from the back of the room: the axis labels of the deck's copy of the chart.
    tailles = graphique.locator("g.mark-text.role-axis-label text").evaluate_all(
        "textes => textes.map(t => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert tailles
    assert min(tailles) >= 20, tailles
    # Its text alternative, as on the Emplois page.
    expect(onglet.get_by_text("Valeurs du graphique (tableau)")).to_be_visible()
    onglet.screenshot(path=str(ARTEFACTS / "presentation-deck-emplois.png"))

    # ← comes back, and the buttons page too.
    attendre_repos(onglet)
    onglet.keyboard.press("ArrowLeft")
    _diapo(onglet, 2, "Carte et couches")
    expect(onglet).to_have_url(re.compile(r"[?&]diapo=2(&|$)"), timeout=30_000)
    attendre_repos(onglet)
    onglet.get_by_role("button", name="Précédente").click()
    _diapo(onglet, 1, "Chiffres clés")
    expect(onglet.get_by_role("button", name="Précédente")).to_be_disabled()
    expect(onglet.get_by_text("Habitants au km²")).to_be_visible()


def test_full_screen_button_and_an_invalid_deck_said_in_french(application, projecteur):
    onglet = projecteur
    onglet.goto(f"{application}/?territoire=epci:240200477&presentation=1&diapos=emplois,graphe&diapo=9")
    expect(onglet.get_by_text("diapositive inconnue (« graphe »)", exact=False)).to_be_visible(timeout=60_000)
    expect(onglet.get_by_text("diapositive « 9 » introuvable", exact=False)).to_be_visible()
    expect(onglet.get_by_role("heading", name="1/1 · Emplois créés")).to_be_visible()
    # « Plein écran » is a real button, reached with Tab, and asks the browser for full screen.
    attendre_repos(onglet)
    barre = onglet.locator(".st-key-barre-diapos")  # the chart's toolbar has its own « Plein écran »
    bouton = barre.get_by_role("button", name="Plein écran")
    for _ in range(40):
        onglet.keyboard.press("Tab")
        if bouton.evaluate("b => b === document.activeElement"):
            break
    assert bouton.evaluate("b => b === document.activeElement")
    onglet.keyboard.press("Enter")
    onglet.wait_for_function("() => document.fullscreenElement === document.documentElement", timeout=10_000)
    expect(barre.get_by_role("button", name="Quitter le plein écran (Échap)")).to_be_visible()
