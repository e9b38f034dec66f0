"""What the browser tests share: where the app and Chromium are, starting the app, waiting.

The app runs with ``python -m ui.demarrage`` (as ``make run`` starts it) on a loopback port;
Playwright drives the Debian ``chromium`` (no browser download).
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
IFRAME_CARTE = 'iframe[title="streamlit_folium.st_folium"]'


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demarrer(environnement: dict[str, str], journal: Path):
    """The app as ``make run`` starts it (``python -m ui.demarrage``) on a free loopback port; its address."""
    port = port_libre()
    ARTEFACTS.mkdir(exist_ok=True)
    with journal.open("w") as sortie:
        processus = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ui.demarrage",
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
            env=environnement,
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


def attendre_repos(page) -> None:
    """Until Streamlit has finished its run (its « running » widget is gone)."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


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
