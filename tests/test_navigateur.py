"""End to end in a real headless Chromium: what only a browser shows.

The app runs with ``streamlit run`` on a loopback port; Playwright drives the
Debian ``chromium`` (no browser download). Every request leaving 127.0.0.1 is
refused, as on a closed network: the map must still draw.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from geo.territories import TerritoireId
from tests.conftest import RACINE

pytestmark = pytest.mark.navigateur

ARTEFACTS = RACINE / "tests" / "artefacts"
CHROMIUM = next(
    (
        p
        for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium")
        if p and Path(p).exists()
    ),
    None,
)
IFRAME_CARTE = 'iframe[title="streamlit_folium.st_folium"]'


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def application(referentiel):
    """``streamlit run app.py`` on a free loopback port, stopped after the module."""
    port = _port_libre()
    journal = ARTEFACTS / "streamlit.log"
    ARTEFACTS.mkdir(exist_ok=True)
    with journal.open("w") as sortie:
        processus = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(RACINE / "app.py"),
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=RACINE,
            stdout=sortie,
            stderr=subprocess.STDOUT,
        )
        adresse = f"http://127.0.0.1:{port}"
        limite = time.monotonic() + 60
        while time.monotonic() < limite:
            try:
                with urllib.request.urlopen(f"{adresse}/_stcore/health", timeout=2) as reponse:
                    if reponse.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            processus.terminate()
            pytest.fail(f"L'application n'a pas démarré : voir {journal}")
        yield adresse
        processus.terminate()
        processus.wait(timeout=20)


@pytest.fixture(scope="module")
def navigateur():
    if CHROMIUM is None:
        pytest.skip("Chromium absent : installez le paquet Debian « chromium » (fait par .ci/run).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(navigateur, request):
    contexte = navigateur.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    externes: list[str] = []

    def _aiguiller(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            route.continue_()
        else:
            externes.append(url)
            route.abort()

    contexte.route("**/*", _aiguiller)
    onglet = contexte.new_page()
    onglet.requetes_externes = externes
    yield onglet
    rapport = getattr(request.node, "rep_call", None)
    if rapport is not None and rapport.failed:
        onglet.screenshot(path=str(ARTEFACTS / f"echec-{request.node.name}.png"))
    contexte.close()


def test_epci_permalink_draws_one_path_per_commune_offline(application, page, referentiel):
    epci = TerritoireId("epci", "200042190")
    attendues = len(referentiel.communes_de(epci))

    page.goto(f"{application}/?territoire={epci}")
    carte = page.frame_locator(IFRAME_CARTE)
    communes = carte.locator("path.territoire-commune")
    communes.first.wait_for(state="attached", timeout=60_000)

    assert communes.count() == attendues == 47
    assert carte.locator("path.limite-epci").count() == 1
    # Leaflet came from the app: the map container exists and has panes.
    assert carte.locator(".leaflet-container .leaflet-overlay-pane svg").count() == 1
    assert page.get_by_role("heading", name="Communauté d'agglomération de la Porte du Hainaut").is_visible()
    # The only outside requests the page tried were map tiles (refused here).
    assert all("data.geopf.fr" in u or "openstreetmap" in u for u in page.requetes_externes), (
        page.requetes_externes
    )
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTEFACTS / "carte-epci-porte-du-hainaut.png"))


def test_tooltip_names_the_commune(application, page):
    page.goto(f"{application}/?territoire=epci:200042190")
    carte = page.frame_locator(IFRAME_CARTE)
    communes = carte.locator("path.territoire-commune")
    communes.first.wait_for(state="attached", timeout=60_000)
    boite = carte.locator(".leaflet-container").bounding_box()
    # Hover the middle of the map, where communes are.
    page.mouse.move(boite["x"] + boite["width"] / 2, boite["y"] + boite["height"] / 2)
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
    page.get_by_text("Population", exact=True).first.wait_for(timeout=30_000)
    assert page.url.endswith("/territoire?territoire=commune%3A02722")
    assert page.get_by_role("heading", name="Soissons").is_visible()
