"""In Chromium: the maps drawn offline, their layers, links, downloads and presentation."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from geo.donnees import qpv
from geo.rendu import leaflet
from geo.territoires.referentiel import TerritoireId
from tests.navigateur.aides import (
    ARTEFACTS,
    IFRAME_CARTE,
    attendre_carte_immobile,
    attendre_repos,
    demarrer,
    vue_de_la_carte,
)

pytestmark = pytest.mark.navigateur


def test_epci_permalink_draws_one_path_per_commune_offline(application, page, referentiel):
    epci = TerritoireId("epci", "200042190")
    attendues = len(referentiel.communes_de(epci))

    page.goto(f"{application}/?territoire={epci}")
    carte = page.frame_locator(IFRAME_CARTE)
    communes = carte.locator("path.territoire-commune")
    communes.first.wait_for(state="attached", timeout=60_000)

    assert attendues == 47
    # Each outline is a file the map fetches on its own: the EPCI's may land after the communes'.
    expect(communes).to_have_count(attendues, timeout=30_000)
    expect(carte.locator("path.limite-epci")).to_have_count(1, timeout=30_000)
    # Leaflet came from the app: the map container exists, the communes in the surfaces pane.
    expect(carte.locator(".leaflet-container .leaflet-ess-surfaces-pane svg")).to_have_count(1)
    assert page.get_by_role("heading", name="Communauté d'agglomération de la Porte du Hainaut").is_visible()
    # The only outside requests the page tried were map tiles (refused here).
    assert all("data.geopf.fr" in u or "openstreetmap" in u for u in page.requetes_externes), (
        page.requetes_externes
    )
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTEFACTS / "carte-epci-porte-du-hainaut.png"))


def test_tooltip_names_the_commune(application, page):
    # No layer over the communes: the hover lands on one of them.
    page.goto(f"{application}/?territoire=epci:200042190&couches=")
    carte = page.frame_locator(IFRAME_CARTE)
    communes = carte.locator("path.territoire-commune")
    communes.first.wait_for(state="attached", timeout=60_000)
    # Hover a commune (the middle of the map may fall between two parts of the territory).
    communes.first.hover()
    infobulle = carte.locator(".leaflet-tooltip")
    infobulle.wait_for(timeout=10_000)
    assert "Code INSEE : 59" in infobulle.inner_text()
    assert "Population :" in infobulle.inner_text()


def test_national_view_draws_departements_not_communes(application, page):
    page.goto(application)
    carte = page.frame_locator(IFRAME_CARTE)
    carte.locator("path.territoire-departement").first.wait_for(state="attached", timeout=60_000)
    assert carte.locator("path.territoire-departement").count() == 101
    assert carte.locator("path.territoire-commune").count() == 0


def test_page_links_keep_the_territory(application, page):
    page.goto(f"{application}/?territoire=commune:02722")
    page.get_by_role("heading", name="Soissons").wait_for(timeout=60_000)
    page.get_by_role("link", name="Territoire").click()
    page.get_by_text(re.compile(r"^Population \(\d{4}\)$")).first.wait_for(timeout=30_000)
    assert page.url.endswith("/territoire?territoire=commune%3A02722")
    assert page.get_by_role("heading", name="Soissons").is_visible()


def test_first_request_to_another_page_runs_inside_the_app(donnees_application, navigateur, tmp_path):
    """A permalink to a page other than the home page, as the very first request of a server."""
    serveur = demarrer(donnees_application, ARTEFACTS / "streamlit-premiere-requete.log")
    adresse = next(serveur)
    try:
        onglet = navigateur.new_page()
        onglet.goto(f"{adresse}/territoire?territoire=commune:02722")
        onglet.get_by_role("heading", name="Soissons").wait_for(timeout=60_000)
        barre = onglet.locator("[data-testid=stSidebar]")
        barre.get_by_text("Rechercher un territoire").wait_for(timeout=30_000)
        assert barre.get_by_role("link", name="Quartiers prioritaires").is_visible()
        # Not Streamlit's automatic list of the pages/ folder.
        assert barre.get_by_role("link", name="app", exact=True).count() == 0
        assert onglet.get_by_text("Page not found").count() == 0
        onglet.close()
    finally:
        next(serveur, None)


def test_qpv_page_answers_typed_coordinates_and_clicks(application, page, request, referentiel):
    request.getfixturevalue("cache_qpv_miroir")  # skips without the mirror
    page.goto(f"{application}/qpv?territoire=commune:31555")
    page.get_by_role("heading", name="Est-ce en QPV ?").wait_for(timeout=60_000)
    carte = page.frame_locator(IFRAME_CARTE)
    # Interact once the page has finished drawing, as a person would.
    carte.locator("path.qpv-2024").first.wait_for(state="attached", timeout=60_000)
    champ = page.get_by_label("Coordonnées (latitude, longitude)")
    champ.fill("43.57235, 1.40093")
    page.get_by_role("button", name="Vérifier ces coordonnées").click()
    reponse = page.get_by_text("Ce point est dans le quartier prioritaire « Grand Mirail » (QN03107M)")
    reponse.wait_for(timeout=60_000)
    assert "point=43.57235%2C1.40093" in page.url or "point=43.57235,1.40093" in page.url

    carte.locator("path.qpv-2024").first.wait_for(state="attached", timeout=60_000)
    conteneur = carte.locator(".leaflet-container")
    conteneur.scroll_into_view_if_needed()
    boite = conteneur.bounding_box()
    page.mouse.click(boite["x"] + boite["width"] * 0.6, boite["y"] + boite["height"] * 0.3)
    page.wait_for_function("() => !location.search.includes('43.57235')", timeout=30_000)

    # What the page says for the clicked point is what the link says, once reloaded.
    lien = page.url
    lat, lon = (float(v) for v in parse_qs(urlparse(lien).query)["point"][0].split(","))
    attendu = qpv.charger(referentiel, request.getfixturevalue("cache_qpv_miroir")).localiser(
        referentiel, lon, lat
    )
    page.goto(lien)
    page.get_by_text(f"Point vérifié : {lat:.5f}, {lon:.5f}").wait_for(timeout=60_000)
    page.get_by_text(attendu.message[:80]).wait_for(timeout=30_000)
    carte.locator("path.qpv-2024").first.wait_for(state="attached", timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTEFACTS / "qpv-toulouse.png"), full_page=True)


def _meme_vue(vue: tuple[float, float, float], attendue: tuple[float, float, float]) -> None:
    # The same zoom, the same centre within a pixel (Leaflet rounds the centre to whole pixels).
    pixel_deg = 360 / (256 * 2 ** attendue[2])
    assert vue[2] == attendue[2]
    assert vue[:2] == pytest.approx(attendue[:2], abs=pixel_deg)


def _attendre_la_vue(page, lat: float, lon: float, zoom: float) -> None:
    for _ in range(100):
        centre_lat, centre_lon, zoom_vu = vue_de_la_carte(page)
        if abs(centre_lat - lat) < 2e-3 and abs(centre_lon - lon) < 2e-3 and zoom_vu == zoom:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"carte en {centre_lat}, {centre_lon} au zoom {zoom_vu}, pas sur le point vérifié")


def test_checked_point_is_brought_into_view_and_drawn_above_the_neighbourhoods(application, page, request):
    """From a whole département, « Vérifier » brings the point and its neighbourhood into view."""
    request.getfixturevalue("cache_qpv_miroir")
    page.goto(f"{application}/qpv?territoire=departement:31")
    carte = page.frame_locator(IFRAME_CARTE)
    carte.locator("path.qpv-2024").first.wait_for(state="attached", timeout=60_000)
    # The frame settles first: the point must win over it.
    assert attendre_carte_immobile(page)[2] < 11  # the whole département
    page.get_by_label("Coordonnées (latitude, longitude)").fill("43.57235, 1.40093")
    page.get_by_role("button", name="Vérifier ces coordonnées").click()
    page.get_by_text("Point vérifié : 43.57235, 1.40093").wait_for(timeout=60_000)
    _attendre_la_vue(page, 43.57235, 1.40093, leaflet.ZOOM_POINT_VERIFIE)

    # Panes: the point above the perimeters, the perimeters above every commune surface.
    plans = carte.locator(".leaflet-container").evaluate(
        """(carte) => ["ess-surfaces", "ess-perimetres", "ess-points"].map(
            (nom) => Number(carte.querySelector(".leaflet-" + nom + "-pane").style.zIndex))"""
    )
    assert plans[0] < plans[1] < plans[2]
    assert carte.locator(".leaflet-ess-perimetres-pane path.qpv-2024").count() >= 1
    assert carte.locator(".leaflet-ess-surfaces-pane path.territoire-commune").count() >= 500
    expect(carte.locator(".leaflet-ess-points-pane path")).to_have_count(1, timeout=10_000)

    # A shared link opens on the point too, not on the whole département.
    page.goto(page.url)
    carte.locator("path.qpv-2024").first.wait_for(state="attached", timeout=60_000)
    _attendre_la_vue(page, 43.57235, 1.40093, leaflet.ZOOM_POINT_VERIFIE)


def test_neighbourhoods_stay_above_hatched_communes_on_the_map_page(application, page, request):
    """The shops layer is added after the QPV one: panes, not add order, decide what is on top."""
    request.getfixturevalue("cache_miroir")
    page.goto(f"{application}/?territoire=epci:200042190&couches=qpv,commerces")
    carte = page.frame_locator(IFRAME_CARTE)
    carte.locator("path.commerces-commune").first.wait_for(state="attached", timeout=60_000)
    assert carte.locator(".leaflet-ess-surfaces-pane path.commerces-commune").count() == 5
    assert carte.locator(".leaflet-ess-perimetres-pane path.qpv-2024").count() >= 10


def test_switching_a_layer_keeps_the_map_and_its_view(application, page, request):
    """A layer switched on or off changes the overlays and the legend, not the map the visitor moved."""
    request.getfixturevalue("cache_qpv_miroir")
    # Every layer off first (the map opens on the mission's): the QPV switch turns them on.
    page.goto(f"{application}/?territoire=epci:200042190&couches=")
    carte = page.frame_locator(IFRAME_CARTE)
    carte.locator("path.territoire-commune").first.wait_for(state="attached", timeout=60_000)
    cadre = page.locator(IFRAME_CARTE).element_handle().content_frame()
    # Marks this very map, then moves it as a visitor would.
    # Without animation: the zoom would otherwise still be moving when the view is read.
    cadre.evaluate(
        "() => { window.marqueEssai = 'même carte'; map.setView([50.35, 3.4], 12, {animate: false}); }"
    )
    vue = vue_de_la_carte(page)
    page.get_by_text("Quartiers prioritaires (QPV)", exact=True).click()
    page.wait_for_url(re.compile(r"couches=qpv"), timeout=30_000)
    legende = carte.locator(".legende-carte")
    expect(legende).to_contain_text("Quartiers prioritaires 2024 (13)", timeout=60_000)
    assert carte.locator(".leaflet-ess-perimetres-pane path.qpv-2024").count() == 13
    assert cadre.evaluate("() => window.marqueEssai") == "même carte"
    _meme_vue(vue_de_la_carte(page), vue)
    # One legend and one layer control, naming the overlay.
    assert carte.locator(".legende-carte").count() == 1
    assert carte.locator(".leaflet-control-layers").count() == 1
    expect(carte.locator(".leaflet-control-layers-overlays")).to_contain_text("Quartiers prioritaires (QPV)")
    page.get_by_text("Quartiers prioritaires (QPV)", exact=True).click()
    expect(carte.locator("path.qpv-2024")).to_have_count(0, timeout=60_000)
    expect(carte.locator(".legende-carte")).not_to_contain_text("Quartiers prioritaires")
    assert carte.locator(".legende-carte").count() == 1
    assert carte.locator(".leaflet-control-layers").count() == 1
    assert cadre.evaluate("() => window.marqueEssai") == "même carte"
    _meme_vue(vue_de_la_carte(page), vue)
    assert carte.locator("path.territoire-commune").count() == 47


def test_qpv_popup_shows_names_as_text(application, page, request):
    request.getfixturevalue("cache_qpv_miroir")
    page.goto(f"{application}/?territoire=commune:31555&couches=qpv")
    carte = page.frame_locator(IFRAME_CARTE)
    perimetres = carte.locator("path.qpv-2024")
    perimetres.first.wait_for(state="attached", timeout=60_000)
    assert perimetres.count() == 12
    # The national 2024 perimeters: no commune drawn instead, no 2015 perimeter unasked.
    assert carte.locator("path.qpv-commune").count() == 0
    assert carte.locator("path.qpv-2015").count() == 0
    assert "Quartiers prioritaires 2024 (12)" in carte.locator(".legende-carte").inner_text()


def test_old_2015_geography_is_its_own_layer_and_says_occitanie(application, page, request):
    request.getfixturevalue("cache_qpv_miroir")
    page.goto(f"{application}/?territoire=commune:31555&couches=qpv_2015")
    carte = page.frame_locator(IFRAME_CARTE)
    anciens = carte.locator("path.qpv-2015")
    anciens.first.wait_for(state="attached", timeout=60_000)
    assert anciens.count() == 12
    assert carte.locator("path.qpv-2024").count() == 0
    assert "Anciens QPV 2015 (Occitanie seulement) (12)" in carte.locator(".legende-carte").inner_text()


def _telecharger(page, bouton: str, chemin: Path) -> Path:
    """Prepare the file when it is made on request, then download it with one click.

    Downloads carry their bytes and do not rerun the app: no retry is needed (a deferred
    download revoked by a rerun used to need one).
    """
    preparer = page.get_by_role("button", name=f"Préparer : {bouton}")
    cible = page.get_by_role("button", name=bouton, exact=True)
    # A click that lands while a run redraws the panel is lost (seen twice in CI): the button is
    # clicked once the app is at rest, and again if it is still there once the run it started ends.
    for _ in range(3):
        attendre_repos(page)
        if not preparer.count():
            break
        preparer.click()
        try:
            cible.wait_for(timeout=40_000)
            break
        except PlaywrightTimeoutError:
            continue
    cible.wait_for(timeout=120_000)
    with page.expect_download(timeout=60_000) as telechargement:
        cible.click()
    telechargement.value.save_as(chemin)
    return chemin


def test_exported_map_opens_alone_offline_and_layers_read_back(application, page, tmp_path):
    page.goto(f"{application}/?territoire=epci:200042190")
    page.frame_locator(IFRAME_CARTE).locator("path.territoire-commune").first.wait_for(
        state="attached", timeout=60_000
    )
    page.get_by_text("Exporter ce qui est affiché").click()
    # The panel's buttons are drawn once it is open (nothing fetched before).
    page.get_by_role("button", name="Tableau (CSV)").wait_for(timeout=60_000)
    fichier = _telecharger(page, "Carte (HTML autonome)", tmp_path / "carte.html")
    gpkg = _telecharger(page, "Toutes les couches (GeoPackage)", tmp_path / "couches.gpkg")

    import geopandas as gpd

    assert len(gpd.read_file(gpkg, layer="communes")) == 47  # layer named in French words

    # The file on its own, with every request outside it refused: the map still draws.
    autonome = page.context.new_page()
    autonome.goto(fichier.as_uri())
    chemins = autonome.locator("path.territoire-commune")
    chemins.first.wait_for(state="attached", timeout=30_000)
    assert chemins.count() == 47
    assert [u for u in page.requetes_externes if "geopf" not in u and "openstreetmap" not in u] == []
    autonome.close()


def test_presentation_mode_in_the_browser(application, page):
    page.goto(f"{application}/?territoire=epci:200042190&presentation=1")
    page.get_by_role("button", name="Quitter la présentation").wait_for(timeout=60_000)
    page.frame_locator(IFRAME_CARTE).locator("path.territoire-commune").first.wait_for(
        state="attached", timeout=60_000
    )
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    # The deck opens on the map; → shows the key figures.
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("Habitants au km²")).to_be_visible(timeout=60_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTEFACTS / "presentation-porte-du-hainaut.png"))
    page.get_by_role("button", name="Quitter la présentation").click()
    page.locator("[data-testid=stSidebar]").get_by_text("Rechercher un territoire").wait_for(timeout=30_000)
    assert "presentation" not in page.url


def test_shared_link_restores_the_same_view(application, page, navigateur, request):
    request.getfixturevalue("cache_qpv_miroir")
    page.goto(f"{application}/qpv?territoire=commune:31555")
    page.get_by_role("heading", name="Est-ce en QPV ?").wait_for(timeout=60_000)
    page.goto(f"{application}/qpv?territoire=commune:31555&point=43.57235%2C1.40093")
    page.get_by_text("Point vérifié : 43.57235, 1.40093").wait_for(timeout=60_000)
    barre = page.locator("[data-testid=stSidebar]")
    barre.get_by_text("Partager cette vue").click()
    champ_lien = barre.get_by_role("textbox", name="Lien vers exactement cette vue", exact=False)
    expect(champ_lien).to_have_value(re.compile("^" + re.escape(f"{application}/qpv?")), timeout=30_000)
    lien = champ_lien.input_value()
    parametres = parse_qs(urlparse(lien).query)
    assert parametres == {"territoire": ["commune:31555"], "point": ["43.57235,1.40093"]}

    # A colleague opens the link in a fresh browser: same page, territory and answer.
    collegue = navigateur.new_context().new_page()
    collegue.goto(lien)
    collegue.get_by_role("heading", name="Quartiers prioritaires", exact=True).wait_for(timeout=60_000)
    collegue.get_by_text("Point vérifié : 43.57235, 1.40093").wait_for(timeout=60_000)
    assert collegue.locator("[data-testid=stSidebar]").get_by_text("Toulouse", exact=True).is_visible()
    reponse = collegue.get_by_text("Ce point est dans le quartier prioritaire « Grand Mirail »")
    reponse.wait_for(timeout=30_000)
    collegue.context.close()


def test_embedded_view_and_phone_screen(application, navigateur):
    telephone = navigateur.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    onglet = telephone.new_page()
    onglet.goto(f"{application}/?territoire=epci:200042190&presentation=1&embed=true")
    carte = onglet.frame_locator(IFRAME_CARTE)
    carte.locator("path.territoire-commune").first.wait_for(state="attached", timeout=60_000)
    assert carte.locator("path.territoire-commune").count() == 47
    cadre = onglet.locator(IFRAME_CARTE).bounding_box()
    assert cadre["x"] >= 0
    assert cadre["x"] + cadre["width"] <= 390 + 1  # the map fits the phone's width
    largeur_page = onglet.evaluate("document.documentElement.scrollWidth")
    assert largeur_page <= 391  # no sideways scrolling
    onglet.screenshot(path=str(ARTEFACTS / "telephone-porte-du-hainaut.png"))
    telephone.close()


def test_shops_page_switches_definition_and_hatches_communes(application, page, request):
    request.getfixturevalue("cache_miroir")
    page.goto(f"{application}/commerces?territoire=epci:200042190")
    carte = page.frame_locator(IFRAME_CARTE)
    sans_commerce = carte.locator("path.commerces-commune")
    sans_commerce.first.wait_for(state="attached", timeout=60_000)
    assert sans_commerce.count() == 5
    assert sans_commerce.first.get_attribute("fill") == "url(#hachures-commerces)"
    # Each pane's SVG holds the patterns (one per pane that draws paths).
    assert carte.locator("svg defs.motifs-ess pattern#hachures-commerces").count() >= 1
    page.get_by_text("Aucun commerce alimentaire", exact=True).click()
    page.wait_for_url(re.compile(r"definition=alimentaire"), timeout=30_000)
    # The new map (its key names the definition) replaces the old one, which may linger a moment.
    expect(page.locator(IFRAME_CARTE).last.content_frame.locator(".legende-carte")).to_contain_text(
        "Aucun commerce alimentaire (11 communes, BPE 2019)", timeout=60_000
    )
    expect(page.locator(IFRAME_CARTE)).to_have_count(1, timeout=30_000)
    carte = page.frame_locator(IFRAME_CARTE)
    assert carte.locator("path.commerces-commune").count() == 11
    carte.locator("path.commerces-commune").first.hover()
    infobulle = carte.locator(".leaflet-tooltip")
    infobulle.wait_for(timeout=10_000)
    assert "Commune la plus proche qui en a" in infobulle.inner_text()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTEFACTS / "commerces-porte-du-hainaut.png"), full_page=True)


def test_opportunities_choropleth_follows_the_link(application, page, request):
    request.getfixturevalue("cache_miroir")
    page.goto(
        f"{application}/opportunites?territoire=departement:59"
        "&indicateur=part_population_sans_commerce&classes=seuils_naturels&k=4"
    )
    carte = page.frame_locator(IFRAME_CARTE)
    unites = carte.locator("path.indicateur")
    unites.first.wait_for(state="attached", timeout=60_000)
    # Whole EPCI touching the Nord, one shape each, coloured by one of four classes.
    assert unites.count() == 17
    legende = carte.locator(".legende-carte").inner_text()
    assert "Part de la population dans une commune sans commerce (%)" in legende
    assert len(re.findall(r"\d à \d", legende)) == 4
    couleurs = {unites.nth(i).get_attribute("fill") for i in range(unites.count())}
    assert len(couleurs) == 4
    page.screenshot(path=str(ARTEFACTS / "opportunites-nord.png"), full_page=True)


_BOITES = """() => {
    const boite = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const chemins = [...document.querySelectorAll("path.indicateur, path.territoire-commune")].map(boite);
    const territoire = [Math.min(...chemins.map(b => b[0])), Math.min(...chemins.map(b => b[1])),
                        Math.max(...chemins.map(b => b[2])), Math.max(...chemins.map(b => b[3]))];
    const legende = document.querySelector(".legende-carte");
    return {territoire, legende: boite(legende), ouverte: legende.open};
}"""


def _recouvrement(a, b) -> float:
    largeur = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    hauteur = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return largeur * hauteur


def test_legend_sits_beside_the_territory_and_folds_on_phones(application, page, navigateur, request):
    request.getfixturevalue("cache_miroir")
    adresse = f"{application}/opportunites?territoire=departement:02&indicateur=part_population_sans_commerce"
    page.goto(adresse)
    carte = page.frame_locator(IFRAME_CARTE).last
    carte.locator("path.indicateur").first.wait_for(state="attached", timeout=60_000)
    expect(carte.locator(".legende-carte summary")).to_have_text("Légende")
    attendre_carte_immobile(page)  # the frame is redone once the map's box has its final size
    boites = page.locator(IFRAME_CARTE).last.element_handle().content_frame().evaluate(_BOITES)
    assert boites["ouverte"]
    legende, territoire = boites["legende"], boites["territoire"]
    aire_legende = (legende[2] - legende[0]) * (legende[3] - legende[1])
    # Open on a wide map, and beside the territory, not over it.
    assert _recouvrement(legende, territoire) < 0.1 * aire_legende
    page.screenshot(path=str(ARTEFACTS / "legende-aisne.png"))

    telephone = navigateur.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    onglet = telephone.new_page()
    onglet.goto(adresse)
    petite = onglet.frame_locator(IFRAME_CARTE).last
    petite.locator("path.indicateur").first.wait_for(state="attached", timeout=60_000)
    legende = petite.locator(".legende-carte")
    # Closed on a phone: only its « Légende » button covers the map; one tap opens it.
    expect(legende).not_to_have_attribute("open", "")
    assert legende.bounding_box()["height"] < 40
    petite.locator(".legende-carte summary").tap()
    expect(legende).to_have_attribute("open", "")
    expect(legende).to_contain_text("Part de la population")
    telephone.close()
