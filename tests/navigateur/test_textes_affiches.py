"""In Chromium: no page shows « None », « nan », « NaN » or an « empty » grid, at any scale.

Streamlit's grid draws a missing cell as « None » on a canvas, which no DOM text holds: the
page's canvases are read through their ``fillText`` calls (every string drawn), after each
grid has been scrolled end to end so that every cell was drawn once. The rest of the page
(text, metrics, Vega's SVG, the map frame's legend) is read from the DOM.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.navigateur.aides import ARTEFACTS, attendre_repos

pytestmark = pytest.mark.navigateur

PAGES = [
    "",
    "territoire",
    "comparer",
    "qpv",
    "commerces",
    "structures",
    "emplois",
    "opportunites",
    "saisie",
    "moderation",
    "sources",
    "accessibilite",
]

# One territory per scale: France, a région, a département, an EPCI, a commune.
TERRITOIRES = [None, "region:32", "departement:02", "epci:200042190", "commune:02722"]

# What pandas or Python write for a missing value, as a whole word.
_INCONNU_EN_ANGLAIS = re.compile(r"(?<![\w-])(None|nan|NaN|NaT|<NA>)(?![\w-])")
# What Streamlit's grid draws in a table with no row.
_GRILLE_VIDE = "empty"

# Every string the page draws on a canvas (Streamlit's grid) goes into window.__textesCanvas.
_ECOUTE_DES_CANVAS = """
window.__textesCanvas = new Set();
for (const Contexte of [window.CanvasRenderingContext2D, window.OffscreenCanvasRenderingContext2D]) {
  if (!Contexte) continue;
  const fillText = Contexte.prototype.fillText;
  Contexte.prototype.fillText = function (texte, ...reste) {
    window.__textesCanvas.add(String(texte));
    return fillText.call(this, texte, ...reste);
  };
}
"""

# What changes while a run draws: elements, text, skeletons; and whether grids and charts drew.
_ETAT_DE_LA_PAGE = """() => ({
  elements: document.querySelectorAll('[data-testid=stElementContainer]').length,
  texte: document.body.innerText.length,
  squelettes: document.querySelectorAll('[data-testid=stSkeleton]').length,
  pret: [...document.querySelectorAll('[data-testid=stDataFrame]')]
          .every(g => !g.checkVisibility() || g.querySelector('[data-testid^=glide-cell]'))
        && [...document.querySelectorAll('[data-testid=stVegaLiteChart]')]
          .every(g => !g.checkVisibility() || g.querySelector('svg.marks'))
        && !document.querySelector('[data-testid=stSkeleton]'),
})"""

# Scrolls every grid through all its rows and columns, two frames per position so that
# glide-data-grid draws them, and returns every string drawn on a canvas.
_PARCOURS_DES_GRILLES = """async () => {
  const image = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  for (const zone of document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller')) {
    if (!zone.checkVisibility()) continue;
    const pas = Math.max(100, zone.clientHeight - 40);
    for (let y = 0; y <= zone.scrollHeight; y += pas) {
      for (const x of [0, zone.scrollWidth]) { zone.scrollTo(x, y); await image(); }
    }
    zone.scrollTo(0, 0);
  }
  await image();
  return [...window.__textesCanvas];
}"""


def _attendre_la_page(onglet, delai_s: float = 120) -> None:
    """Until the run is over, nothing has changed for a second, and every grid and chart drew.

    Streamlit's « running » widget may not have shown yet when the page's title has: its
    absence alone says nothing, so the page must also hold still.
    """
    onglet.locator("h1").first.wait_for(timeout=delai_s * 1000)
    fin = time.monotonic() + delai_s
    avant = None
    while time.monotonic() < fin:
        attendre_repos(onglet)
        etat = onglet.evaluate(_ETAT_DE_LA_PAGE)
        if etat == avant and etat["pret"]:
            return
        avant = etat
        onglet.wait_for_timeout(1000)
    raise AssertionError(f"la page ne se stabilise pas en {delai_s:.0f} s ({avant})")


def _ouvrir_les_replis(onglet) -> None:
    """Opens every folded section: a grid is drawn only once it shows."""
    onglet.evaluate(
        "() => document.querySelectorAll('[data-testid=stExpander] details:not([open]) > summary')"
        ".forEach(resume => resume.click())"
    )
    _attendre_la_page(onglet)


def _onglets(onglet):
    """Each tab of the page, clicked in turn (a grid in a hidden tab is never drawn)."""
    for bouton in onglet.locator("[data-baseweb=tab-list] [role=tab]").all():
        bouton.click()
        _attendre_la_page(onglet)
        yield


def _textes_du_dom(onglet) -> list[tuple[str, str]]:
    """The visible text of the page and of each of its frames (the map's legend)."""
    textes = [("page", onglet.evaluate("() => document.body.innerText"))]
    textes += [
        (cadre.name or cadre.url[:60], cadre.evaluate("() => document.body ? document.body.innerText : ''"))
        for cadre in onglet.frames[1:]
        if not cadre.is_detached()
    ]
    return textes


def _extraits(texte: str) -> list[str]:
    return [
        texte[max(0, m.start() - 60) : m.end() + 30].replace("\n", " | ")
        for m in _INCONNU_EN_ANGLAIS.finditer(texte)
    ]


@pytest.mark.parametrize("chemin", PAGES, ids=[p or "carte" for p in PAGES])
def test_no_page_shows_none_or_nan_at_any_scale(application, navigateur, chemin):
    contexte = navigateur.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    contexte.add_init_script(_ECOUTE_DES_CANVAS)
    onglet = contexte.new_page()
    fautes: list[str] = []
    try:
        for territoire in TERRITOIRES:
            parametre = f"?territoire={territoire}" if territoire else ""
            onglet.goto(f"{application}/{chemin}{parametre}")
            _attendre_la_page(onglet)
            vue = f"/{chemin}{parametre}"
            erreurs = onglet.locator("[data-testid=stException]")
            if erreurs.count():
                fautes.append(f"{vue} : exception « {erreurs.first.inner_text()[:200]} »")
            _ouvrir_les_replis(onglet)
            dessines = set(onglet.evaluate(_PARCOURS_DES_GRILLES))
            for _ in _onglets(onglet):
                dessines |= set(onglet.evaluate(_PARCOURS_DES_GRILLES))
            fautes += [
                f"{vue} : grille « {t} »"
                for t in dessines
                if _INCONNU_EN_ANGLAIS.fullmatch(t.strip()) or t.strip() == _GRILLE_VIDE
            ]
            for ou, texte in _textes_du_dom(onglet):
                fautes += [f"{vue} ({ou}) : « {e} »" for e in _extraits(texte)]
            if fautes:
                nom = (chemin or "carte") + "-" + (territoire or "france").replace(":", "-")
                onglet.screenshot(path=str(ARTEFACTS / f"none-{nom}.png"), full_page=True)
    finally:
        contexte.close()
    assert fautes == [], "\n".join(fautes)
