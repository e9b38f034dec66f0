"""In Chromium: what Streamlit shows on hover, on focus and in its grids' menus is French.

Streamlit's toolbars (grid: « Download as CSV », « Search »…; chart: « Show data », « Download
as PNG »…) open a tooltip with their English label, a grid's column menu lists « Sort
ascending », « Statistics », « Format »…, its search bar counts « 2 results ». ``ui.page``
rewrites them with the same dictionary as the buttons' names (``NOMS_FRANCAIS``); this reads
what a visitor sees. A chart's PNG is named after its title (Streamlit names it
« <date>_chart.png »).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from geo.outils.formats import nom_fichier
from tests.navigateur.aides import ARTEFACTS
from tests.navigateur.test_textes_affiches import PAGES, _attendre_la_page
from ui.page import NOMS_FRANCAIS

pytestmark = pytest.mark.navigateur

TERRITOIRE = "epci:200042190"
# What Streamlit writes in English when the app does not replace it.
ANGLAIS = {nom for nom, francais in NOMS_FRANCAIS.items() if nom != francais}
_RESULTATS_ANGLAIS = re.compile(r"\b(results?|of|over)\b")

BULLE = '[data-testid="stTooltipContent"]'
# Every element that opens a tooltip, named by its button (or its text when it has none).
_CIBLES = """() => [...document.querySelectorAll('[data-testid="stTooltipHoverTarget"]')]
  .filter(cible => cible.checkVisibility())
  .map((cible, rang) => {
    const bouton = cible.querySelector('button');
    cible.dataset.essRang = rang;
    return [rang, (bouton && bouton.getAttribute('aria-label')) || cible.textContent.trim().slice(0, 40)];
  })"""
# Every text drawn in the page's pop-ups (icons aside: a word drawn by the icon font), and the
# names of their elements.
_TEXTES_DES_MENUS = """() => {
  const textes = [];
  for (const racine of document.querySelectorAll(
      '#portal, [data-testid="stDataFrameColumnMenu"], .gdg-search-bar, [data-testid="stTooltipContent"]')) {
    const parcours = document.createTreeWalker(racine, NodeFilter.SHOW_TEXT);
    for (let noeud = parcours.nextNode(); noeud; noeud = parcours.nextNode()) {
      const texte = noeud.data.trim();
      if (texte && !noeud.parentElement.closest('[data-testid="stIconMaterial"]')) textes.push(texte);
    }
    for (const element of racine.querySelectorAll('[aria-label], [title]')) {
      for (const nom of ['aria-label', 'title']) {
        if (element.getAttribute(nom)) textes.push(element.getAttribute(nom));
      }
    }
  }
  return textes;
}"""


def _anglais(textes: list[str]) -> list[str]:
    return [t for t in textes if t in ANGLAIS or t.startswith("binStart") or _RESULTATS_ANGLAIS.search(t)]


def _immobile(onglet, element, delai_s: float = 10) -> dict:
    """The element's box once two readings a frame apart agree (a toolbar slides in)."""
    fin = time.monotonic() + delai_s
    avant = element.bounding_box()
    while time.monotonic() < fin:
        onglet.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        cadre = element.bounding_box()
        if cadre == avant:
            return cadre
        avant = cadre
    raise AssertionError(f"l'élément bouge encore après {delai_s:.0f} s")


def _bulle_de(onglet, cible, par_le_clavier: bool) -> str:
    """The tooltip the element opens, once the mouse rests on it (or the focus is on its button)."""
    onglet.mouse.move(0, 0)
    expect(onglet.locator(BULLE)).to_have_count(0, timeout=10_000)
    # Mid-screen: a toolbar at the top would be under the page's header, where Playwright's hover
    # would scroll it back.
    cible.evaluate("cible => cible.scrollIntoView({block: 'center'})")
    if cible.locator('xpath=ancestor::*[@data-testid="stElementToolbar"]').count():
        conteneur = cible.locator('xpath=ancestor::*[@data-testid="stElementContainer"][1]')
        cadre, dessous = cible.bounding_box(), conteneur.bounding_box()
        # A toolbar shows (sliding in) when the mouse is over its element, here just under it.
        sous_la_barre = {"x": cadre["x"] - dessous["x"], "y": max(5, cadre["y"] - dessous["y"] + 40)}
        conteneur.hover(position=sous_la_barre)
    bouton = cible.locator("button")
    if par_le_clavier and bouton.count():
        bouton.first.focus()
    else:
        # Playwright's hover would scroll a toolbar still sliding in back under the header: the
        # mouse goes to the button once it stands still.
        cadre = _immobile(onglet, cible)
        onglet.mouse.move(cadre["x"] + cadre["width"] / 2, cadre["y"] + cadre["height"] / 2, steps=3)
    bulle = onglet.locator(BULLE)
    expect(bulle).to_be_visible(timeout=10_000)
    texte = bulle.inner_text().strip()
    if par_le_clavier and bouton.count():
        bouton.first.blur()
    return texte


def test_every_tooltip_of_every_page_is_french_on_hover_and_on_focus(application, page):
    fautes: list[str] = []
    vus: dict[str, str] = {}
    for chemin in PAGES:
        vue = f"/{chemin}?territoire={TERRITOIRE}"
        page.goto(f"{application}{vue}")
        _attendre_la_page(page)
        for rang, nom in page.evaluate(_CIBLES):
            # A button's tooltip is the same on every page (a help text is the page's own).
            if nom in vus:
                continue
            cible = page.locator(f'[data-testid="stTooltipHoverTarget"][data-ess-rang="{rang}"]')
            # A toolbar's button by the keyboard only: the mouse over a toolbar still sliding in
            # under the page's header did not open its tooltip reliably in headless Chromium.
            if cible.locator('xpath=ancestor::*[@data-testid="stElementToolbar"]').count():
                gestes = (True,)
            else:
                gestes = (False, True) if cible.locator("button").count() else (False,)
            for par_le_clavier in gestes:
                geste = "au clavier" if par_le_clavier else "à la souris"
                try:
                    texte = _bulle_de(page, cible, par_le_clavier)
                except AssertionError:
                    fautes.append(f"{vue} : « {nom} » {geste} ne montre pas de bulle")
                    continue
                vus[nom] = texte
                if _anglais([texte]):
                    fautes.append(f"{vue} : « {nom} » {geste} montre « {texte} »")
        if fautes:
            page.screenshot(path=str(ARTEFACTS / f"infobulles-{chemin or 'carte'}.png"))
    # The toolbars of a grid and of a chart were seen, in French.
    assert vus.get("Télécharger en CSV") == "Télécharger en CSV"
    assert vus.get("Télécharger en PNG") == "Télécharger en PNG"
    assert vus.get("Afficher les données") == "Afficher les données"
    assert fautes == [], "\n".join(fautes)


def _menu_de_la_derniere_colonne(onglet, grille) -> None:
    """Opens the « ⋮ » menu of the grid's last column (a number: its menu has « Format »)."""
    grille.scroll_into_view_if_needed()
    cadre = grille.bounding_box()
    onglet.mouse.move(cadre["x"] + cadre["width"] - 80, cadre["y"] + 17)
    onglet.mouse.click(cadre["x"] + cadre["width"] - 16, cadre["y"] + 17)
    expect(onglet.get_by_test_id("stDataFrameColumnMenu")).to_be_visible(timeout=10_000)


def test_a_grid_column_menu_its_panels_and_its_search_are_french(application, page):
    page.goto(f"{application}/territoire?territoire={TERRITOIRE}")
    _attendre_la_page(page)
    grille = page.get_by_test_id("stDataFrame").filter(has_text="Superficie")
    fautes: list[str] = []
    _menu_de_la_derniere_colonne(page, grille)
    menu = page.get_by_test_id("stDataFrameColumnMenu")
    expect(menu.get_by_role("menuitem", name="Trier par ordre croissant")).to_be_visible()
    fautes += [f"menu : « {t} »" for t in _anglais(page.evaluate(_TEXTES_DES_MENUS))]
    statistiques = page.get_by_test_id("stDataFrameStatisticsMenu").get_by_text("Médiane", exact=True)
    formats = page.get_by_test_id("stDataFrameColumnFormattingMenu").get_by_role(
        "menuitem", name="Pourcentage"
    )
    for rubrique, attendu in (("Statistiques", statistiques), ("Format", formats)):
        menu.get_by_role("menuitem", name=rubrique).hover()
        expect(attendu).to_be_visible(timeout=10_000)
        fautes += [f"{rubrique} : « {t} »" for t in _anglais(page.evaluate(_TEXTES_DES_MENUS))]
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0, timeout=10_000)

    # The toolbar's buttons from the keyboard: the toolbar shows over the grid's top, where the
    # page's header may be, under the mouse.
    conteneur = page.get_by_test_id("stElementContainer").filter(has=grille)
    conteneur.get_by_role("button", name="Afficher ou masquer des colonnes").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#portal").get_by_text("Tout sélectionner", exact=True)).to_be_visible(timeout=10_000)
    fautes += [f"colonnes : « {t} »" for t in _anglais(page.evaluate(_TEXTES_DES_MENUS))]
    page.keyboard.press("Escape")

    conteneur.get_by_role("button", name="Rechercher dans le tableau").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("Den")
    compte = conteneur.get_by_test_id("search-result-area")
    expect(compte).to_have_text(re.compile(r"^\d+ résultats?$"), timeout=10_000)
    # The arrows step through them: « 1 sur 2 résultats ».
    conteneur.get_by_role("button", name="Résultat suivant").focus()
    page.keyboard.press("Enter")
    expect(compte).to_have_text(re.compile(r"^1 sur \d+ résultats?$"), timeout=10_000)
    fautes += [f"recherche : « {t} »" for t in _anglais(page.evaluate(_TEXTES_DES_MENUS))]
    assert fautes == [], "\n".join(fautes)


def test_a_chart_png_is_named_after_its_title(application, page):
    page.goto(f"{application}/emplois?territoire={TERRITOIRE}")
    _attendre_la_page(page)
    conteneur = (
        page.get_by_test_id("stElementContainer").filter(has=page.get_by_test_id("stVegaLiteChart")).first
    )
    titre = conteneur.locator(".role-title-text").first
    lignes = titre.locator("tspan").all_text_contents() or [titre.text_content()]
    # From the keyboard: the toolbar shows over the chart's top, where the page's header may be.
    bouton = conteneur.get_by_role("button", name="Télécharger en PNG")
    bouton.focus()
    with page.expect_download(timeout=30_000) as telechargement:
        page.keyboard.press("Enter")
    assert telechargement.value.suggested_filename == nom_fichier(" ".join(lignes)) + ".png"
    assert not telechargement.value.suggested_filename.startswith("graphique")
