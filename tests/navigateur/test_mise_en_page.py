"""In Chromium: presentation mode on a projector, the map page on a phone, the unknown page in French."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.navigateur.aides import ARTEFACTS, IFRAME_CARTE, demarrer

pytestmark = pytest.mark.navigateur

# The six territories the issue walked: France, a région, a département, two EPCI and a commune.
TERRITOIRES = [
    None,
    "region:32",
    "departement:02",
    "epci:200042190",
    "epci:240200477",
    "commune:02722",
]

# Every metric label or value whose text is wider than its box: Streamlit cuts those with « … ».
_COUPES = """() => [...document.querySelectorAll(
    '[data-testid=stMetricLabel] [data-testid=stMarkdownContainer], [data-testid=stMetricValue]')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => e.textContent)"""

# The metrics' tops: as many on one line as figures in a row.
_HAUTS_DES_CHIFFRES = """() => [...document.querySelectorAll('[data-testid=stMetric]')]
  .map(e => Math.round(e.getBoundingClientRect().top))"""

# Streamlit's own dialog for an unknown page, in English.
_ANGLAIS = ("Page not found", "Running the app's main page", "does not seem to exist")


def _attendre_carte(onglet) -> None:
    onglet.frame_locator(IFRAME_CARTE).locator(".leaflet-container").wait_for(timeout=60_000)
    onglet.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


@pytest.mark.parametrize(("largeur", "hauteur"), [(1400, 900), (1920, 1080)])
def test_presentation_shows_whole_figures_and_the_map_without_scrolling(
    application, navigateur, largeur, hauteur
):
    contexte = navigateur.new_context(viewport={"width": largeur, "height": hauteur}, locale="fr-FR")
    onglet = contexte.new_page()
    try:
        for territoire in TERRITOIRES:
            parametre = f"territoire={territoire}&" if territoire else ""
            # The key figures' slide, then the map's.
            onglet.goto(f"{application}/?{parametre}presentation=1&diapos=chiffres,carte")
            expect(onglet.get_by_text("Structures de l'ESS", exact=True)).to_be_visible(timeout=60_000)
            onglet.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)
            assert onglet.evaluate(_COUPES) == [], territoire
            hauts = onglet.evaluate(_HAUTS_DES_CHIFFRES)
            assert len(hauts) >= 6, territoire
            assert max(hauts.count(h) for h in hauts) <= 4, territoire
            # « sur 47 communes » under the figure, not inside a value a column would cut.
            sans_commerce = onglet.locator('[data-testid=stMetric]:has-text("sans aucun commerce")')
            assert "sur" not in sans_commerce.locator("[data-testid=stMetricValue]").inner_text()
            expect(onglet.get_by_text(re.compile(r"^sur [\d\u202f]+ communes?$"))).to_be_visible()
            nom = (territoire or "france").replace(":", "-")
            onglet.screenshot(path=str(ARTEFACTS / f"presentation-{largeur}-{nom}-chiffres.png"))
            onglet.goto(f"{application}/?{parametre}presentation=1&diapos=chiffres,carte&diapo=2")
            _attendre_carte(onglet)
            onglet.wait_for_timeout(600)
            # The whole map on screen as the page opens, filling it under the title line.
            cadre = onglet.locator(IFRAME_CARTE).bounding_box()
            assert cadre is not None, territoire
            # One title line on a projector; at 1400 px a long name may take three short ones.
            assert 0 <= cadre["y"] < (0.12 if largeur >= 1920 else 0.2) * hauteur, (territoire, cadre)
            assert cadre["y"] + cadre["height"] <= hauteur + 1, (territoire, cadre)
            assert cadre["y"] + cadre["height"] >= 0.95 * hauteur, (territoire, cadre)
            assert cadre["width"] >= 0.9 * largeur, (territoire, cadre)
            assert onglet.evaluate("document.documentElement.scrollWidth") <= largeur
            onglet.screenshot(path=str(ARTEFACTS / f"presentation-{largeur}-{nom}.png"))
    finally:
        contexte.close()


def test_phone_opens_with_the_sidebar_closed_and_the_switches_above_the_map(application, navigateur):
    telephone = navigateur.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="fr-FR"
    )
    onglet = telephone.new_page()
    try:
        onglet.goto(f"{application}/?territoire=epci:200042190")
        _attendre_carte(onglet)
        titre = onglet.get_by_role("heading", name="Communauté d'agglomération de la Porte du Hainaut")
        expect(titre).to_be_in_viewport()
        barre = onglet.locator("[data-testid=stSidebar]").bounding_box()
        assert barre is None or barre["x"] + barre["width"] <= 0, barre  # closed: off screen
        cadre = onglet.locator(IFRAME_CARTE).bounding_box()
        # The switches first, on the first screen where a thumb finds them (under the 640 px map
        # they were a screen away), then the map.
        interrupteur = onglet.get_by_text("Quartiers prioritaires (QPV)").bounding_box()
        assert interrupteur["y"] + interrupteur["height"] <= 844, interrupteur
        assert interrupteur["y"] + interrupteur["height"] <= cadre["y"], (interrupteur, cadre)
        onglet.screenshot(path=str(ARTEFACTS / "telephone-carte-porte-du-hainaut.png"))
    finally:
        telephone.close()


def test_computer_keeps_the_sidebar_open_and_the_switches_above_the_map(application, page):
    page.goto(f"{application}/?territoire=epci:200042190")
    _attendre_carte(page)
    expect(page.locator("[data-testid=stSidebar]").get_by_text("Rechercher un territoire")).to_be_visible()
    cadre = page.locator(IFRAME_CARTE).bounding_box()
    interrupteur = page.get_by_text("Quartiers prioritaires (QPV)").bounding_box()
    assert interrupteur["y"] + interrupteur["height"] <= cadre["y"], (interrupteur, cadre)
    # Every switch says its whole name (six in one row cut them: « Quartiers p… »).
    coupes = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stCheckbox] [data-testid=stMarkdownContainer]')]
          .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""
    )
    # Five in Hauts-de-France: the 2015 QPV (Occitanie only) are not offered there.
    assert page.locator("[data-testid=stCheckbox]").count() >= 5
    assert coupes == []
    # Nor is a page link of the sidebar cut (« Accessibilité : partiellement confor… »).
    liens_coupes = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stPageLink-NavLink] span')]
          .filter(e => e.dataset.testid !== 'stIconMaterial')
          .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""
    )
    expect(page.get_by_role("link", name="Accessibilité : partiellement conforme")).to_be_attached()
    assert liens_coupes == []


def _sans_anglais(onglet) -> None:
    for texte in _ANGLAIS:
        expect(onglet.get_by_text(texte)).to_have_count(0)


def test_unknown_page_is_french_on_a_fresh_server_and_after_reload(donnees_application, navigateur):
    """The very first request of a server names no page: Streamlit's English dialog must not stay."""
    serveur = demarrer(donnees_application, ARTEFACTS / "streamlit-page-inconnue.log")
    adresse = next(serveur)
    contexte = navigateur.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    onglet = contexte.new_page()
    try:
        onglet.goto(f"{adresse}/nimportequoi?territoire=commune:02722")
        message = onglet.get_by_text("La page « nimportequoi » n'existe pas dans ce tableau de bord")
        expect(message).to_be_visible(timeout=60_000)
        expect(onglet.get_by_role("heading", name="Soissons")).to_be_visible()
        _attendre_carte(onglet)
        _sans_anglais(onglet)
        onglet.screenshot(path=str(ARTEFACTS / "page-inconnue-premier-lancement.png"))

        onglet.reload()
        _attendre_carte(onglet)
        expect(onglet.get_by_role("heading", name="Soissons")).to_be_visible()
        _sans_anglais(onglet)

        # Typed again once the server runs: French at once, and the English dialog never drawn.
        onglet.add_init_script(
            "window.__anglais = 0; new MutationObserver(() => { if (document.body && "
            "document.body.innerText.includes('Page not found')) window.__anglais += 1; })"
            ".observe(document, { childList: true, subtree: true, characterData: true });"
        )
        onglet.goto(f"{adresse}/nimportequoi")
        expect(onglet.get_by_text("La page « nimportequoi » n'existe pas")).to_be_visible(timeout=60_000)
        _attendre_carte(onglet)
        _sans_anglais(onglet)
        assert onglet.evaluate("window.__anglais") == 0
    finally:
        contexte.close()
        next(serveur, None)
