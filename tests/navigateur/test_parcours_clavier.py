"""In Chromium, with the keyboard only (RGAA 12.13, issue 29 « Done when »): choose a territory,
switch a layer on, cross the map, read what it shows, follow the text to the table and download
it, with a focus ring of 3:1 at least against what is behind it at every step."""

from __future__ import annotations

import re

import pytest

from geo.outils.couleurs import composer, contraste
from tests.navigateur.aides import IFRAME_CARTE, attendre_repos
from tests.navigateur.test_clavier import ARRETS_MAX, couleur

pytestmark = pytest.mark.navigateur

# What the focus ring is, and what it is seen against: the outline of the focused element or
# of the nearest ancestor that draws one (Streamlit's switches hide their input; the ring is on
# the label), and the first opaque background behind it (the sidebar is grey, not white).
ANNEAU = """() => {
  const actif = document.activeElement;
  let porteur = actif;
  while (porteur && porteur.nodeType === 1) {
    const s = getComputedStyle(porteur);
    if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) break;
    porteur = porteur.parentElement;
  }
  if (!porteur || porteur.nodeType !== 1) return null;
  let fond = "rgb(255, 255, 255)";
  for (let n = porteur.parentElement; n && n.nodeType === 1; n = n.parentElement) {
    const c = getComputedStyle(n).backgroundColor;
    if (c && c !== "transparent" && !c.startsWith("rgba(0, 0, 0, 0)")) { fond = c; break; }
  }
  const s = getComputedStyle(porteur), boite = porteur.getBoundingClientRect();
  return {style: s.outlineStyle, largeur: parseFloat(s.outlineWidth), teinte: s.outlineColor, fond: fond,
          visible: boite.width > 0 && boite.height > 0,
          quoi: actif.tagName + " "
            + (actif.getAttribute("aria-label") || actif.textContent || "").slice(0, 40)};
}"""


def _opaque(texte: str, dessous: tuple[float, float, float] = (255, 255, 255)) -> tuple[float, float, float]:
    rouge, vert, bleu, alpha = couleur(texte)
    return composer((rouge, vert, bleu), alpha, dessous)


def _anneau_visible(cible) -> str:
    """The focused element (in ``cible``, a page or a frame) shows a ring of 3:1: what it is."""
    anneau = cible.evaluate(ANNEAU)
    assert anneau is not None, "aucun anneau de focus"
    assert anneau["visible"], anneau
    assert anneau["style"] in {"solid", "auto"}, anneau
    assert anneau["largeur"] >= 2, anneau
    fond = _opaque(anneau["fond"])
    assert contraste(_opaque(anneau["teinte"], fond), fond) >= 3, anneau
    return anneau["quoi"]


def _actif(page) -> str:
    return page.evaluate(
        "() => { const a = document.activeElement;"
        " return (a.getAttribute('aria-label') || a.textContent || '').trim().slice(0, 80); }"
    )


def _tabuler_jusqu_a(page, condition: str, maximum: int = 60) -> None:
    """Tab until ``condition`` (a JS expression on ``a``, the focused element) holds (already may)."""
    for rang in range(maximum + 1):
        if page.evaluate(f"() => {{ const a = document.activeElement; return !!({condition}); }}"):
            return
        if rang < maximum:
            page.keyboard.press("Tab")
    raise AssertionError(
        f"introuvable au clavier en {maximum} Tab : {condition} (focus sur {_actif(page)!r})"
    )


def _au_repos(page) -> None:
    attendre_repos(page)
    page.wait_for_timeout(500)
    attendre_repos(page)


def test_a_keyboard_user_chooses_switches_crosses_reads_and_downloads(application, page, tmp_path):
    page.goto(f"{application}/")
    page.locator(IFRAME_CARTE).last.wait_for(timeout=90_000)
    _au_repos(page)

    # 1. The territory, from the sidebar's search: typed, then picked among the results.
    _tabuler_jusqu_a(page, "a.getAttribute('aria-label') === 'Rechercher un territoire'")
    _anneau_visible(page)
    page.keyboard.type("porte du hainaut")
    page.keyboard.press("Enter")
    _au_repos(page)
    _tabuler_jusqu_a(page, "a.type === 'radio'", maximum=5)
    assert "Porte du Hainaut" in page.evaluate("() => document.activeElement.closest('label').textContent")
    _anneau_visible(page)
    page.keyboard.press("Space")
    page.wait_for_url("**territoire=epci%3A200042190**", timeout=60_000)
    page.get_by_role("heading", level=1, name="Communauté d'agglomération de la Porte du Hainaut").wait_for(
        timeout=60_000
    )
    _au_repos(page)

    # 2. A layer switched off, from the switches above the map (the mission's are on at first).
    _tabuler_jusqu_a(page, "a.getAttribute('aria-label') === 'Structures de l\\'ESS'", maximum=80)
    _anneau_visible(page)
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"couches=commerces(,|%2C)qpv"), timeout=60_000)
    _au_repos(page)
    cadre = page.locator(IFRAME_CARTE).last.element_handle().content_frame()
    cadre.locator("path.commerces-commune").first.wait_for(state="attached", timeout=60_000)

    # 3. The map crossed: « Passer la carte », then a few stops inside it, then out of it.
    _tabuler_jusqu_a(page, "a.matches('a.ess-passer-carte')", maximum=20)
    _anneau_visible(page)
    arrets = []
    # The Tab that leaves the map lands on what follows it: the text's first link.
    for _ in range(ARRETS_MAX + 1):
        page.keyboard.press("Tab")
        if not page.evaluate("() => document.activeElement.matches('iframe')"):
            break
        arrets.append(_anneau_visible(cadre))
    assert 1 <= len(arrets) <= ARRETS_MAX, arrets

    # 4. What the map shows, read under it, and its link to the table that lists the communes.
    texte = page.locator(".st-key-texte-sous-carte")
    assert "Ce que montre la carte" in texte.inner_text()
    assert "5 communes sans commerce" in texte.inner_text()
    assert "Bousignies" in texte.inner_text()
    _tabuler_jusqu_a(
        page, "a.tagName === 'A' && a.textContent.includes('Liste des communes sans commerce')", maximum=30
    )
    _anneau_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/commerces?**", timeout=60_000)
    assert "territoire=epci%3A200042190" in page.url
    page.get_by_role("button", name="Télécharger la liste (CSV)").wait_for(timeout=90_000)
    _au_repos(page)

    # 5. The table downloaded, from its button.
    _tabuler_jusqu_a(
        page, "a.tagName === 'BUTTON' && a.textContent.includes('Télécharger la liste (CSV)')", maximum=120
    )
    _anneau_visible(page)
    with page.expect_download(timeout=60_000) as telechargement:
        page.keyboard.press("Enter")
    chemin = tmp_path / telechargement.value.suggested_filename
    telechargement.value.save_as(chemin)
    assert chemin.name == "communes_sans_commerce_200042190_tous.csv"
    assert "Bousignies" in chemin.read_text(encoding="utf-8-sig")
