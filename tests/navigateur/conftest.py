"""Fixtures of the browser tests: the app on a loopback port, Chromium, a page per test.

Every request leaving 127.0.0.1 is refused, as on a closed network: the map must still draw.
Under ``make test`` (pytest-xdist), the tests of this folder run one after the other in the
same worker, one app server and one Chromium, while the other worker runs the rest
(``tests/conftest.py``, ``pytest_xdist_make_scheduler``).
"""

from __future__ import annotations

import os

import pytest

from tests.navigateur.aides import ARTEFACTS, CHROMIUM, demarrer


@pytest.fixture(scope="session")
def donnees_application(referentiel, request) -> dict[str, str]:
    """Environment of the app: the QPV and shops built from the mirror when it is there."""
    environnement = dict(os.environ)
    try:
        cache = request.getfixturevalue("cache_miroir")
    except pytest.skip.Exception:
        return environnement
    environnement["ESS_DATA_DIR"] = str(cache.parent)
    return environnement


@pytest.fixture(scope="session")
def application(donnees_application):
    """The app, started once for every browser test that does not need a server of its own."""
    yield from demarrer(donnees_application, ARTEFACTS / "streamlit.log")


@pytest.fixture(scope="session")
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
        if url.startswith(("http://127.0.0.1", "data:", "blob:", "about:", "file:")):
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
