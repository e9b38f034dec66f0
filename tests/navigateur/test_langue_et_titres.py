"""In Chromium: every page is French, titled after its page and territory, its headings in order.

RGAA 8.3 and 8.5 (the page's and the map frame's language), 8.6 (a relevant title), 2.1 (a
titled frame), 9.1 (headings), 8.7 (no English name on Streamlit's buttons). Streamlit and
Leaflet set ``lang="en"``, one title for every page, the frame's « streamlit_folium.st_folium »,
English control labels and button names: the app replaces them (``ui.page.en_francais``,
``geo.rendu.leaflet.EnFrancais``), and this reads the result.
"""

from __future__ import annotations

import itertools
import time

import pytest
from playwright.sync_api import expect

from tests.navigateur.aides import ARTEFACTS, IFRAME_CARTE

pytestmark = pytest.mark.navigateur

# Path → the page's title in the navigation; the pages that draw the territory's map.
PAGES = {
    "": "Carte",
    "territoire": "Territoire",
    "comparer": "Comparer",
    "qpv": "Quartiers prioritaires",
    "commerces": "Commerces",
    "structures": "Structures de l'ESS",
    "emplois": "Emplois et financements",
    "opportunites": "Opportunités",
    "saisie": "Saisie",
    "moderation": "Modération",
    "sources": "Sources",
    "accessibilite": "Déclaration d'accessibilité",
}
# The declaration is the same for every territory, the comparator shows several, moderation
# covers the moderator's territories: their titles do not name one.
SANS_TERRITOIRE = {"accessibilite", "comparer", "moderation"}
# Emplois draws its PTCE map only once its section opens (issue 33): no frame on arrival.
AVEC_CARTE = {"", "qpv", "commerces", "structures", "opportunites"}

# Territory in the address → (name in the tab's title, name in the map frame's title).
TERRITOIRES = {
    "epci:200042190": ("Porte du Hainaut", "Communauté d'agglomération de la Porte du Hainaut"),
    None: ("France", "France entière"),
}

# Words Streamlit or Leaflet (or Plotly, which drew the charts until stop 28) write in English
# when the app does not replace them.
ANGLAIS = (
    "Zoom in",
    "Zoom out",
    "Layers",
    "Skip to main content",
    "Choose an option",
    "Close popup",
    "A JavaScript library for interactive maps",
)

# Every heading of the document in order, the sidebar's included: [level, text].
_TITRES = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .map(titre => [Number(titre.tagName[1]), titre.textContent.trim().slice(0, 60)])"""


def _fautes_de_titres(titres: list[list]) -> list[str]:
    """What breaks the order: a first heading that is not the h1, a level skipped going down."""
    if not titres:
        return ["aucun titre"]
    fautes = [] if titres[0][0] == 1 else [f"le premier titre est un h{titres[0][0]} : « {titres[0][1]} »"]
    for (avant, _), (niveau, texte) in itertools.pairwise(titres):
        if niveau > avant + 1:
            fautes.append(f"h{niveau} « {texte} » juste après un h{avant}")
    return fautes


def test_heading_order_faults_are_found():
    assert _fautes_de_titres([[4, "ESS & territoires"], [1, "Carte"]]) == [
        "le premier titre est un h4 : « ESS & territoires »"
    ]
    assert _fautes_de_titres([[1, "Sources"], [3, "Données utilisées"]]) == [
        "h3 « Données utilisées » juste après un h1"
    ]
    assert _fautes_de_titres([[1, "Sources"], [2, "Données"], [3, "Détail"], [2, "Fonds"]]) == []


def _anglais(html: str) -> list[str]:
    return [mot for mot in ANGLAIS if mot in html]


# The names Streamlit gives its buttons for screen readers (aria-label, title), in English
# unless ui.page renames them: « Main menu », « Collapse sidebar », « Help for Population »…
_NOMS_ANGLAIS = """() => [...document.querySelectorAll('[aria-label], [title]')]
  .flatMap(element => [element.getAttribute('aria-label'), element.getAttribute('title')])
  .filter(nom => nom && (/^Help for /.test(nom) || [
    'Sidebar', 'Collapse sidebar', 'Expand sidebar', 'Main menu', 'Link to heading', 'Open', 'Close',
    'Clear all', 'Clear value', 'Download as CSV', 'Search', 'Show/hide columns', 'Fullscreen',
    'Close fullscreen', 'Exit fullscreen', 'Show password', 'Hide password', 'Show data',
    'Show chart', 'Download as PNG', 'Copy Vega-Lite spec', 'Copied!'].includes(nom)))"""


def _attendre_la_fin(onglet, delai_s: float = 120) -> list[list]:
    """Until the run is over and the headings hold still for a second; returns them."""
    fin = time.monotonic() + delai_s
    avant = None
    while time.monotonic() < fin:
        onglet.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
            timeout=delai_s * 1000
        )
        titres = onglet.evaluate(_TITRES)
        if titres == avant:
            return titres
        avant = titres
        onglet.wait_for_timeout(1000)
    raise AssertionError(f"la page ne se stabilise pas en {delai_s:.0f} s")


def _verifier_les_cartes(onglet, nom: str, vue: str, fautes: list[str]) -> None:
    cadres = onglet.locator(IFRAME_CARTE)
    expect(cadres.first).to_have_attribute("title", f"Carte : {nom}", timeout=60_000)
    for cadre in cadres.all():
        titre = cadre.get_attribute("title")
        if titre != f"Carte : {nom}":
            fautes.append(f"{vue} : cadre de carte titré « {titre} »")
        document = cadre.element_handle().content_frame()
        document.locator(".leaflet-control-zoom-in").wait_for(state="attached", timeout=60_000)
        langue = document.evaluate("() => document.documentElement.lang")
        if langue != "fr":
            fautes.append(f"{vue} : carte en lang={langue!r}")
        fautes += [f"{vue} (carte) : « {mot} »" for mot in _anglais(document.content())]


def test_every_page_is_french_titled_by_page_and_territory_with_headings_in_order(application, page):
    fautes: list[str] = []
    for territoire, (court, nom) in TERRITOIRES.items():
        parametre = f"?territoire={territoire}" if territoire else ""
        for chemin, nom_page in PAGES.items():
            vue = f"/{chemin}{parametre}"
            page.goto(f"{application}{vue}")
            titre = f"{nom_page} – ESS & territoires" if chemin in SANS_TERRITOIRE else None
            expect(page).to_have_title(titre or f"{nom_page} – {court} – ESS & territoires", timeout=120_000)
            fautes += [f"{vue} : {faute}" for faute in _fautes_de_titres(_attendre_la_fin(page))]
            # Set by the page's script, drawn with the page's first elements (after the title).
            expect(page.locator("html")).to_have_attribute("lang", "fr", timeout=30_000)
            if chemin in AVEC_CARTE:
                _verifier_les_cartes(page, nom, vue, fautes)
            expect(page.get_by_test_id("stSkipToContent")).to_have_text("Aller au contenu principal")
            fautes += [f"{vue} : « {mot} »" for mot in _anglais(page.content())]
            fautes += [f"{vue} : commande nommée « {nom} »" for nom in page.evaluate(_NOMS_ANGLAIS)]
            if fautes:
                page.screenshot(path=str(ARTEFACTS / f"langue-{chemin or 'carte'}.png"))
    assert fautes == [], "\n".join(fautes)


def test_the_title_follows_the_territory_and_a_popup_closes_in_french(application, page):
    page.goto(f"{application}/?territoire=epci:200042190")
    expect(page).to_have_title("Carte – Porte du Hainaut – ESS & territoires", timeout=120_000)
    cadre = page.locator(IFRAME_CARTE)
    expect(cadre).to_have_attribute(
        "title", "Carte : Communauté d'agglomération de la Porte du Hainaut", timeout=60_000
    )
    carte = cadre.element_handle().content_frame()
    carte.locator(".leaflet-control-layers-toggle").wait_for(state="attached", timeout=60_000)
    assert carte.locator(".leaflet-control-layers-toggle").get_attribute("aria-label") == "Couches"
    assert carte.locator(".leaflet-control-zoom-out").get_attribute("title") == "Zoom arrière"
    # Leaflet names its popups' close button « Close popup »; one is opened here.
    carte.evaluate("() => map.openPopup('Essai', map.getCenter())")
    expect(carte.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", "Fermer la bulle")
    # A change of territory in the same tab (a rerun, no new page) gives its title and map frame.
    page.get_by_role("button", name="↑ France entière").click()
    expect(page).to_have_title("Carte – France – ESS & territoires", timeout=60_000)
    expect(page.locator(IFRAME_CARTE)).to_have_count(1, timeout=60_000)
    expect(page.locator(IFRAME_CARTE)).to_have_attribute("title", "Carte : France entière", timeout=60_000)
