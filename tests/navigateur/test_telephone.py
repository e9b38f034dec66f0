"""In Chromium at 390×844: the deputy mayor's journey on a phone, counted in taps.

Open the app, choose Porte du Hainaut by searching, read how many QPV, which communes have no
shop and how many ESS jobs on the Territoire page's summary, then copy the view's link: at most
six taps, and the sidebar folded once the territory is chosen.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.navigateur.aides import attendre_repos

pytestmark = pytest.mark.navigateur

TELEPHONE = {"width": 390, "height": 844}
TAPES_AU_PLUS = 6


class Doigt:
    """Taps one element at a time, once the app is at rest, and counts them."""

    def __init__(self, onglet) -> None:
        self.onglet = onglet
        self.tapes = 0

    def taper(self, element) -> None:
        attendre_repos(self.onglet)
        element.tap(timeout=60_000)
        self.tapes += 1
        self.onglet.wait_for_timeout(300)  # Streamlit's run starts a moment after the tap
        attendre_repos(self.onglet)


def _barre_repliee(onglet) -> bool:
    barre = onglet.locator("[data-testid=stSidebar]")
    boite = barre.bounding_box()
    return barre.get_attribute("data-collapsed") == "true" and (
        boite is None or boite["x"] + boite["width"] <= 0
    )


def test_the_deputy_mayors_three_answers_and_the_share_take_six_taps(application, navigateur):
    telephone = navigateur.new_context(viewport=TELEPHONE, is_mobile=True, has_touch=True, locale="fr-FR")
    telephone.grant_permissions(["clipboard-read", "clipboard-write"], origin=application)
    onglet = telephone.new_page()
    doigt = Doigt(onglet)
    try:
        onglet.goto(application)
        expect(onglet.get_by_test_id("stExpandSidebarButton")).to_be_visible(timeout=60_000)
        barre = onglet.locator("[data-testid=stSidebar]")

        doigt.taper(onglet.get_by_test_id("stExpandSidebarButton"))
        doigt.taper(barre.get_by_role("link", name="Territoire", exact=True))
        champ = barre.get_by_role("textbox", name="Rechercher un territoire")
        doigt.taper(champ)
        onglet.keyboard.type("porte du hainaut")
        onglet.keyboard.press("Enter")
        resultat = barre.get_by_text(re.compile("Porte du Hainaut"))
        expect(resultat.first).to_be_visible(timeout=60_000)
        doigt.taper(resultat.first)

        titre = onglet.get_by_role("heading", name="Communauté d'agglomération de la Porte du Hainaut")
        expect(titre).to_be_visible(timeout=60_000)
        expect(barre).to_have_attribute("data-collapsed", "true", timeout=10_000)
        assert _barre_repliee(onglet)

        # The three answers, on the summary at the top, the same figures as the sections below.
        en_bref = onglet.get_by_role("navigation", name="En bref")
        expect(en_bref).to_be_in_viewport()
        qpv = en_bref.locator("a", has_text="quartiers prioritaires")
        nombre_qpv = qpv.locator(".ess-repere-valeur").inner_text()
        section_qpv = onglet.get_by_test_id("stMetric").filter(has_text="Quartiers prioritaires (2024)")
        # The sections below may still show the previous run's figures for a moment.
        expect(section_qpv.get_by_test_id("stMetricValue")).to_have_text(nombre_qpv, timeout=60_000)
        assert re.fullmatch(r"\d+", nombre_qpv), nombre_qpv

        commerces = en_bref.locator("a", has_text="aucun commerce")
        sans_commerce = int(commerces.locator(".ess-repere-valeur").inner_text())
        section_commerces = onglet.get_by_test_id("stMetric").filter(has_text="aucun commerce")
        expect(section_commerces.get_by_test_id("stMetricValue")).to_have_text(
            re.compile(rf"^{sans_commerce} sur"), timeout=60_000
        )
        noms = commerces.locator(".ess-repere-detail").last.inner_text()
        assert sans_commerce >= 1
        assert len(noms.split(", ")) == sans_commerce, noms  # every name, when there are few
        assert "Oisy" in noms  # a village of the Porte du Hainaut with no shop in the BPE

        emplois = en_bref.locator("a", has_text="emplois créés")
        expect(emplois.locator(".ess-repere-valeur")).to_have_text(re.compile(r"^(\d[\d\u202f]*|—)$"))
        if emplois.locator(".ess-repere-valeur").inner_text() == "—":
            # An unknown says why.
            expect(emplois.locator(".ess-repere-detail").first).not_to_be_empty()
        expect(en_bref.locator("a", has_text="structures de l'ESS")).to_be_visible()

        # Each card leads to its section.
        assert qpv.get_attribute("href") == "#quartiers-prioritaires"
        expect(onglet.locator("#quartiers-prioritaires")).to_have_count(1)

        partage = onglet.locator(".st-key-partager-en-bref")
        doigt.taper(partage.get_by_text("Partager cette vue"))
        champ_lien = partage.get_by_role("textbox", name="Lien vers exactement cette vue", exact=False)
        expect(champ_lien).to_be_visible(timeout=30_000)
        doigt.taper(partage.get_by_role("button", name="Copier le lien"))
        expect(partage.get_by_role("status").first).to_have_text("Copié.")
        lien = onglet.evaluate("navigator.clipboard.readText()")
        assert urlparse(lien).path == "/territoire"
        assert parse_qs(urlparse(lien).query) == {"territoire": ["epci:200042190"]}

        assert doigt.tapes <= TAPES_AU_PLUS, doigt.tapes
    finally:
        telephone.close()


def test_a_parent_chosen_on_a_phone_folds_the_sidebar_too_and_a_computer_keeps_it(application, navigateur):
    for largeur, hauteur, repliee in ((390, 844, True), (1400, 900, False)):
        contexte = navigateur.new_context(
            viewport={"width": largeur, "height": hauteur}, is_mobile=largeur < 768, has_touch=True
        )
        onglet = contexte.new_page()
        try:
            onglet.goto(f"{application}/territoire?territoire=epci:200042190")
            expect(onglet.get_by_role("navigation", name="En bref")).to_be_visible(timeout=60_000)
            attendre_repos(onglet)
            barre = onglet.locator("[data-testid=stSidebar]")
            if repliee:
                onglet.get_by_test_id("stExpandSidebarButton").tap()
            bouton = barre.get_by_role("button", name="↑ Nord")
            expect(bouton).to_be_visible(timeout=10_000)
            bouton.tap()
            expect(onglet.get_by_role("heading", name="Nord", exact=True)).to_be_visible(timeout=60_000)
            attendre_repos(onglet)
            onglet.wait_for_timeout(1500)  # the fold's script tries for 3 s
            assert _barre_repliee(onglet) is repliee, largeur
        finally:
            contexte.close()


def test_at_390_px_the_comparison_the_shops_link_and_the_charts_read_whole(application, navigateur):
    telephone = navigateur.new_context(viewport=TELEPHONE, is_mobile=True, has_touch=True, locale="fr-FR")
    onglet = telephone.new_page()
    try:
        onglet.goto(f"{application}/territoire?territoire=epci:200042190")
        expect(onglet.get_by_role("navigation", name="En bref")).to_be_visible(timeout=60_000)
        attendre_repos(onglet)
        # The comparison: every territory's value readable, not only the names of a grid.
        liste = onglet.locator(".ess-comparaison-etroite")
        liste.scroll_into_view_if_needed()
        expect(liste).to_be_visible()
        expect(onglet.locator(".st-key-comparaison-large")).to_be_hidden()
        ligne_nord = liste.locator("tr", has=onglet.locator("th", has_text=re.compile("^Nord$"))).first
        expect(ligne_nord.locator("td")).to_have_text(re.compile(r"^(-?[\d\u202f]+(,\d+)?|—)$"))
        assert onglet.evaluate("document.documentElement.scrollWidth") <= TELEPHONE["width"]
        # No page link cut with « … ».
        coupes = onglet.evaluate(
            """() => [...document.querySelectorAll('[data-testid=stPageLink-NavLink] span')]
              .filter(e => e.dataset.testid !== 'stIconMaterial')
              .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""
        )
        assert coupes == []

        onglet.goto(f"{application}/emplois?territoire=epci:200042190")
        graphiques = onglet.locator("[data-testid=stVegaLiteChart]")
        expect(graphiques.first).to_be_visible(timeout=60_000)
        attendre_repos(onglet)
        # Streamlit's toolbar (shown when a finger touches the chart) is above each chart's title.
        for i in range(graphiques.count()):
            graphique = graphiques.nth(i)
            graphique.scroll_into_view_if_needed()
            graphique.hover()
            barre = graphique.locator("xpath=..").locator("[data-testid=stElementToolbar]").bounding_box()
            titre = graphique.locator("g.role-title-text text").first.bounding_box()
            assert barre is not None, i
            assert titre is not None, i
            assert barre["y"] + barre["height"] <= titre["y"] + 1, (i, barre, titre)
            # No chart wider than the screen.
            assert graphique.locator("svg.marks").bounding_box()["width"] <= TELEPHONE["width"] - 16, i
        # The territories compared: three panels one under the other, each the chart's width.
        comparaison = graphiques.filter(has_text="poids de l'ESS")
        panneaux = comparaison.locator("g.mark-rect.role-mark")  # the bars' group of each panel
        assert panneaux.count() == 3
        boites = [panneaux.nth(i).bounding_box() for i in range(3)]
        assert len({round(b["x"]) for b in boites}) == 1, boites
        assert boites[0]["y"] + boites[0]["height"] < boites[1]["y"], boites
        assert all(b["width"] >= 150 for b in boites), boites
    finally:
        telephone.close()
