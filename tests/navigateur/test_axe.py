"""In Chromium, axe-core finds no serious or critical violation in the app's own markup.

Every page at France, région, EPCI and commune scale, the map in presentation mode, and the
map at phone width: axe runs in the page and in each of its frames (the map's frame is
same-origin, axe's source is injected into it). What comes from Streamlit's or Leaflet's own
markup and cannot be fixed from the app is listed in ``DU_CADRE`` with its reason (and in the
accessibility declaration); what another piece of work fixes is in ``CORRIGE_AILLEURS``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.navigateur.test_textes_affiches import PAGES, _attendre_la_page

pytestmark = pytest.mark.navigateur

axe_playwright_python = pytest.importorskip(
    "axe_playwright_python", reason="axe-playwright-python absent : pip install -r requirements-dev.txt"
)
SOURCE_AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")

TERRITOIRES = [None, "region:32", "epci:200042190", "commune:02722"]
GRAVES = {"serious", "critical"}

# {règle axe : (où, raison)} — le balisage de Streamlit ou de Leaflet, que l'application ne
# peut corriger : une violation n'est admise que dans un élément qui répond au sélecteur « où ».
DU_CADRE: dict[str, tuple[str, str]] = {}

# {règle axe : (où, raison)} — corrigé par un autre travail en cours sur le même ticket (vide : le
# contraste des légendes, seul cas, est corrigé : ui/page.py les affiche sans l'opacité de Streamlit).
CORRIGE_AILLEURS: dict[str, tuple[str, str]] = {}
ADMISES = {regle: ou for regle, (ou, _raison) in (DU_CADRE | CORRIGE_AILLEURS).items()}

# Runs axe in one document (the page or a frame), its frames left to their own run; says of
# each serious or critical node whether it lies where its rule is admitted (``ADMISES``).
_LANCER_AXE = """async (admises) => {
  const resultats = await axe.run(document, {resultTypes: ['violations'], iframes: false});
  return resultats.violations.flatMap(v => v.nodes
    .filter(n => ['serious', 'critical'].includes(n.impact))
    .map(n => {
      const element = n.target.length === 1 && typeof n.target[0] === 'string'
        ? document.querySelector(n.target[0]) : null;
      return {
        regle: v.id,
        impact: n.impact,
        cible: n.target.join(' ') + ' — ' + n.html.slice(0, 160),
        admise: Boolean(admises[v.id] && element && element.closest(admises[v.id])),
      };
    }));
}"""


def violations_graves(onglet) -> list[dict]:
    """Each serious or critical violation of the page and of its frames, with where it is."""
    trouvees = []
    for cadre in onglet.frames:
        if cadre.is_detached():
            continue
        if not cadre.evaluate("() => typeof axe !== 'undefined'"):
            cadre.evaluate(SOURCE_AXE)
        ou = "page" if cadre == onglet.main_frame else (cadre.name or cadre.url.split("?")[0][-60:])
        trouvees += [violation | {"cadre": ou} for violation in cadre.evaluate(_LANCER_AXE, ADMISES)]
    return trouvees


# axe judges Leaflet's attribution links only over a plain background (over the map's shapes
# it says « incomplete »): whether they are underlined is read directly in each frame.
_LIENS_NON_SOULIGNES = """() => [...document.querySelectorAll('.leaflet-control-attribution a')]
  .filter(lien => !getComputedStyle(lien).textDecorationLine.includes('underline'))
  .map(lien => lien.textContent.trim())"""


def liens_non_soulignes(onglet) -> list[str]:
    """The map attribution's links told from the text around them by colour alone."""
    return [
        lien
        for cadre in onglet.frames[1:]
        if not cadre.is_detached()
        for lien in cadre.evaluate(_LIENS_NON_SOULIGNES)
    ]


def _vues() -> list[tuple[str, tuple[int, int]]]:
    """Each view once: every page at each scale, presentation mode, the map at phone width."""
    bureau, telephone = (1400, 1000), (390, 844)
    vues = [
        (f"/{chemin}" + (f"?territoire={territoire}" if territoire else ""), bureau)
        for chemin in PAGES
        for territoire in TERRITOIRES
    ]
    vues.append(("/?territoire=epci:200042190&presentation=1", bureau))
    vues.append(("/", telephone))
    return vues


def test_no_serious_or_critical_axe_violation_from_the_apps_markup(application, navigateur):
    contexte = navigateur.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    onglet = contexte.new_page()
    fautes: list[str] = []
    try:
        for adresse, (largeur, hauteur) in _vues():
            onglet.set_viewport_size({"width": largeur, "height": hauteur})
            onglet.goto(f"{application}{adresse}")
            _attendre_la_page(onglet)
            fautes += [
                f"{adresse} ({largeur} px, {v['cadre']}) : {v['regle']} [{v['impact']}] {v['cible']}"
                for v in violations_graves(onglet)
                if not v["admise"]
            ]
            fautes += [
                f"{adresse} ({largeur} px) : link-in-text-block, « {lien} » (attribution) non souligné"
                for lien in liens_non_soulignes(onglet)
            ]
    finally:
        contexte.close()
    assert fautes == [], "\n".join(fautes)
