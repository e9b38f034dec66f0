"""In Chromium: a territory read from the Carte page, its mission's layers on and a commune clicked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from geo.territoires.referentiel import TerritoireId
from tests.navigateur.aides import IFRAME_CARTE, attendre_carte_immobile, attendre_repos

pytestmark = pytest.mark.navigateur

EPCI = TerritoireId("epci", "200042190")


def test_a_clicked_commune_shows_its_figures_and_a_link_to_its_page(application, page, referentiel):
    communes = referentiel.communes_de(EPCI)
    commune = communes[communes.nom == "Denain"].iloc[0]
    point = commune.geometry.representative_point()

    page.goto(f"{application}/?territoire={EPCI}")
    carte = page.frame_locator(IFRAME_CARTE)
    carte.locator("path.territoire-commune").first.wait_for(state="attached", timeout=60_000)
    # The mission's layers are on at first sight: the hatched shop-less communes are drawn.
    carte.locator("path.commerces-commune").first.wait_for(state="attached", timeout=60_000)
    attendre_repos(page)
    attendre_carte_immobile(page)
    cadre = page.locator(IFRAME_CARTE).element_handle().content_frame()
    x, y = cadre.evaluate(
        "([lat, lng]) => { const p = map.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }",
        [point.y, point.x],
    )
    boite = page.locator(IFRAME_CARTE).bounding_box()
    conteneur = cadre.evaluate(
        "() => { const r = map.getContainer().getBoundingClientRect(); return [r.left, r.top]; }"
    )
    page.mouse.click(boite["x"] + conteneur[0] + x, boite["y"] + conteneur[1] + y)

    fiche = page.locator(".st-key-commune-cliquee")
    expect(fiche.get_by_role("heading", name="Denain")).to_be_visible(timeout=60_000)
    for libelle in ("Habitants", "Quartiers prioritaires", "Commerces", "Structures de l'ESS"):
        expect(fiche.get_by_text(libelle, exact=True)).to_be_visible()
    texte = fiche.inner_text()
    assert not re.search(r"\b(None|nan)\b", texte), texte
    # Funding is known per EPCI only: « — » and why, never 0.
    assert "connus par EPCI seulement" in texte
    lien = fiche.get_by_role("link", name="Page Territoire de Denain")
    expect(lien).to_have_attribute(
        "href", re.compile(rf"(^|/)territoire\?territoire=commune(:|%3A){commune.code}$")
    )
