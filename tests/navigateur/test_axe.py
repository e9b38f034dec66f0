"""In Chromium, axe-core finds no serious or critical violation in the app's own markup.

Every page at France, région, EPCI and commune scale, the map in presentation mode at each scale,
and every page at phone width: axe runs in the page and in each of its frames (the map's frame is
same-origin, axe's source is injected into it). What comes from Streamlit's, Leaflet's or Vega's
own markup and cannot be fixed from the app is listed once, in
``geo.rendu.accessibilite.LIMITES_DU_CADRE``, which the accessibility declaration shows too: a
violation is admitted only for an entry's axe rule and inside its element, and an entry whose
element no view shows any more, or whose violation axe no longer finds, fails the test (no stale
exception).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.rendu.accessibilite import LIMITES_DU_CADRE, LimiteDuCadre
from tests.navigateur.test_langue_et_titres import _NOMS_ANGLAIS
from tests.navigateur.test_textes_affiches import PAGES, _attendre_la_page

pytestmark = pytest.mark.navigateur

axe_playwright_python = pytest.importorskip(
    "axe_playwright_python", reason="axe-playwright-python absent : pip install -r requirements-dev.txt"
)
SOURCE_AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")

TERRITOIRES = [None, "region:32", "epci:200042190", "commune:02722"]
GRAVES = {"serious", "critical"}
BUREAU, TELEPHONE, PROJECTEUR = (1400, 1000), (390, 844), (1920, 1080)
FORMULAIRES = "/structures?territoire=epci:200042190&proposer=1&signaler=77562194900277"

# [[rule, where]]: the framework's markup, where a violation of that rule is admitted.
ADMISES = [[limite.regle_axe, limite.ou] for limite in LIMITES_DU_CADRE if limite.regle_axe]

# Runs axe in one document (the page or a frame), its frames left to their own run; says of
# each serious or critical node which admitted [rule, where] it falls under (-1: none).
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
        admise: admises.findIndex(([regle, ou]) => regle === v.id && element && element.closest(ou)),
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


def limites_vues(onglet) -> set[int]:
    """The framework's limits whose element the page or one of its frames shows (by rank)."""
    selecteurs = [limite.ou for limite in LIMITES_DU_CADRE]
    vues: set[int] = set()
    for cadre in onglet.frames:
        if not cadre.is_detached():
            presentes = cadre.evaluate("(s) => s.map(ou => document.querySelector(ou) !== null)", selecteurs)
            vues |= {rang for rang, presente in enumerate(presentes) if presente}
    return vues


def limites_perimees(vues: set[int], violations_admises: set[int]) -> list[str]:
    """Entries of ``LIMITES_DU_CADRE`` nothing showed any more: their element, or their violation."""
    fautes = []
    for rang, limite in enumerate(LIMITES_DU_CADRE):
        if rang not in vues:
            fautes.append(f"limite périmée : {limite.composant}, « {limite.ou} » vu dans aucune vue")
        elif limite.regle_axe and ADMISES.index([limite.regle_axe, limite.ou]) not in violations_admises:
            fautes.append(f"limite périmée : {limite.composant}, axe ne relève plus {limite.regle_axe}")
    return fautes


def test_a_limit_no_view_shows_is_stale(monkeypatch):
    limite = LimiteDuCadre("Streamlit", ".x", "rien", "rien", "1.1", regle_axe="image-alt")
    monkeypatch.setattr(f"{__name__}.LIMITES_DU_CADRE", (LIMITES_DU_CADRE[0], limite))
    monkeypatch.setattr(f"{__name__}.ADMISES", [["image-alt", ".x"]])
    assert limites_perimees({0}, set()) == ["limite périmée : Streamlit, « .x » vu dans aucune vue"]
    assert limites_perimees({0, 1}, set()) == ["limite périmée : Streamlit, axe ne relève plus image-alt"]
    assert limites_perimees({0, 1}, {0}) == []


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
    """Each view once: every page at each scale, presentation mode at each scale, every page on a phone."""
    parametre = {territoire: f"?territoire={territoire}" if territoire else "" for territoire in TERRITOIRES}
    vues = [(f"/{chemin}{parametre[territoire]}", BUREAU) for chemin in PAGES for territoire in TERRITOIRES]
    vues += [
        (f"/{parametre[territoire] or '?'}{'&' if territoire else ''}presentation=1", BUREAU)
        for territoire in TERRITOIRES
    ]
    vues += [(f"/{chemin}?territoire=epci:200042190", TELEPHONE) for chemin in PAGES]
    # The presentation's other slides (key figures, jobs chart, funding chart) on a projector.
    vues += [(f"/?territoire=epci:240200477&presentation=1&diapo={rang}", PROJECTEUR) for rang in (2, 3, 4)]
    # The public contribution forms, open: « Proposer une structure » and « Signaler une erreur ».
    vues += [(FORMULAIRES, BUREAU)]
    return vues


def test_views_cover_every_page_scale_presentation_and_phone():
    vues = _vues()
    assert len(vues) == len(set(vues)) == len(PAGES) * 5 + 4 + 3 + 1
    assert (FORMULAIRES, BUREAU) in vues
    assert ("/accessibilite?territoire=commune:02722", BUREAU) in vues
    assert ("/?presentation=1", BUREAU) in vues
    assert ("/?territoire=region:32&presentation=1", BUREAU) in vues
    assert ("/sources?territoire=epci:200042190", TELEPHONE) in vues


def test_no_serious_or_critical_axe_violation_from_the_apps_markup(application, navigateur):
    contexte = navigateur.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    onglet = contexte.new_page()
    fautes: list[str] = []
    vues: set[int] = set()
    admises: set[int] = set()
    try:
        for adresse, (largeur, hauteur) in _vues():
            onglet.set_viewport_size({"width": largeur, "height": hauteur})
            onglet.goto(f"{application}{adresse}")
            _attendre_la_page(onglet)
            # RGAA 8.1: a document type, HTML5's.
            if onglet.evaluate("() => document.doctype && document.doctype.name") != "html":
                fautes.append(f"{adresse} ({largeur} px) : pas de <!DOCTYPE html>")
            for v in violations_graves(onglet):
                if v["admise"] >= 0:
                    admises.add(v["admise"])
                else:
                    fautes.append(
                        f"{adresse} ({largeur} px, {v['cadre']}) : {v['regle']} [{v['impact']}] {v['cible']}"
                    )
            fautes += [
                f"{adresse} ({largeur} px) : link-in-text-block, « {lien} » (attribution) non souligné"
                for lien in liens_non_soulignes(onglet)
            ]
            # RGAA 8.7 where the language test does not go (presentation mode, a phone's folded sidebar).
            anglais = onglet.evaluate(_NOMS_ANGLAIS)
            fautes += [f"{adresse} ({largeur} px) : commande nommée « {nom} »" for nom in anglais]
            vues |= limites_vues(onglet)
    finally:
        contexte.close()
    fautes += limites_perimees(vues, admises)
    assert fautes == [], "\n".join(fautes)
