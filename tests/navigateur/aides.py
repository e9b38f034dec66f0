"""What the browser tests share: where the app and Chromium are, starting the app, waiting.

The app runs with ``python -m ui.demarrage`` (as ``make run`` starts it) on a loopback port;
Playwright drives the Debian ``chromium`` (no browser download).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from playwright.sync_api import expect

from benchmarks import serveur
from tests.conftest import RACINE

ARTEFACTS = RACINE / "tests" / "artefacts"
CHROMIUM = next(
    (
        p
        for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium")
        if p and Path(p).exists()
    ),
    None,
)
# By its address, not its title: the map titles its frame « Carte : <territoire> » once drawn.
IFRAME_CARTE = 'iframe[src*="/component/streamlit_folium.st_folium/"]'


def demarrer(environnement: dict[str, str], journal: Path):
    """The app as ``make run`` starts it, on a free loopback port (its output in ``journal``);
    yields its address."""
    ARTEFACTS.mkdir(exist_ok=True)
    with serveur.application(environnement, journal) as (adresse, _processus, _pret):
        yield adresse


def attendre_repos(page) -> None:
    """Until Streamlit has finished its run (its « running » widget is gone)."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


def financements_recus(page) -> int:
    """The « Financements reçus » figure of the Emplois page, in euros."""
    carte = page.get_by_test_id("stMetric").filter(has_text="Financements reçus")
    expect(carte).to_have_count(1, timeout=60_000)
    valeur = carte.get_by_test_id("stMetricValue").inner_text()
    return int(re.sub(r"\D", "", valeur))


def vue_de_la_carte(page) -> tuple[float, float, float]:
    cadre = page.locator(IFRAME_CARTE).last.element_handle().content_frame()
    return tuple(cadre.evaluate("() => [map.getCenter().lat, map.getCenter().lng, map.getZoom()]"))


def attendre_carte_immobile(page, delai_s: float = 30) -> tuple[float, float, float]:
    """Until the map stops moving (framing, resizing): two readings of its view 0.3 s apart agree."""
    fin = time.monotonic() + delai_s
    avant = vue_de_la_carte(page)
    while time.monotonic() < fin:
        page.wait_for_timeout(300)
        vue = vue_de_la_carte(page)
        if vue == avant:
            return vue
        avant = vue
    raise AssertionError(f"la carte bouge encore après {delai_s:.0f} s (vue {avant})")
