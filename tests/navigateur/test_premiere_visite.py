"""What a first visitor downloads, through the production proxy (``deploy/local.sh``: nginx with
TLS and compression, two app processes, PostgreSQL), in Chromium with an empty cache: every
byte received (HTTP with headers, as received, and websocket frames), measured the way
``benchmarks/bench_premiere_visite.py`` measures it, and what must not be downloaded before a
click: an export, or Streamlit's 1.56 MB syntax highlighter (st.code).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from benchmarks.bench_premiere_visite import CIBLES, PAGES, SURLIGNEUR, a_ne_pas_charger, premiere_visite
from tests.navigateur.aides import attendre_repos
from tests.navigateur.test_production import production  # noqa: F401 (the stack, started once here)

pytestmark = pytest.mark.navigateur

# Every page of the app (app.py) at the EPCI the targets are set for, and the map at France
# scale (it once fetched france_departements.geojson, 3.6 MB, for its export panel).
ADRESSES = ["/"] + [
    f"/{chemin}?territoire=epci:200042190"
    for chemin in (
        "",
        "territoire",
        "qpv",
        "commerces",
        "structures",
        "opportunites",
        "saisie",
        "sources",
        "emplois",
    )
]


def test_carte_epci_au_plus_1_5_mo(production, navigateur):  # noqa: F811
    adresse, _port_http, _etat = production
    chemin, quoi = PAGES["Carte EPCI"]
    visite = premiere_visite(navigateur, adresse + chemin, quoi)
    assert visite.websocket > 0
    assert visite.total <= CIBLES["Carte EPCI"], _detail(visite)
    assert not visite.exports(), visite.exports()


@pytest.mark.xfail(
    strict=True,
    reason="Plotly, que Streamlit charge d'un bloc pour st.plotly_chart, pèse à lui seul 1,29 Mo "
    "en brotli (1,43 Mo en gzip) : la page reste autour de 3 Mo tant que ses graphiques sont "
    "dessinés avec plotly.",
)
def test_emplois_au_plus_2_5_mo(production, navigateur):  # noqa: F811
    adresse, _port_http, _etat = production
    chemin, quoi = PAGES["Emplois EPCI"]
    visite = premiere_visite(navigateur, adresse + chemin, quoi)
    assert visite.total <= CIBLES["Emplois EPCI"], _detail(visite)


def test_aucun_export_ni_surligneur_avant_un_clic(production, navigateur):  # noqa: F811
    """Every page, one after the other in one tab: nothing to download is fetched until clicked,
    and a click on a download still gets the file."""
    adresse, _port_http, _etat = production
    contexte = navigateur.new_context(
        ignore_https_errors=True,
        viewport={"width": 1400, "height": 1000},
        locale="fr-FR",
        accept_downloads=True,
    )
    try:
        onglet = contexte.new_page()
        # Chromium's network log: every response of the page and of its frames.
        cdp = contexte.new_cdp_session(onglet)
        cdp.send("Network.enable")
        recus: list[tuple[str, int]] = []
        cdp.on(
            "Network.responseReceived",
            lambda e: recus.append((e["response"]["url"], e["response"]["status"])),
        )
        for chemin in ADRESSES:
            onglet.goto(adresse + chemin)
            expect(onglet.locator("h1").first).to_be_visible(timeout=90_000)
            attendre_repos(onglet)
            onglet.wait_for_timeout(1_500)
        assert [url for url, _statut in recus if SURLIGNEUR in url] == []
        # The proxy answers the check of Streamlit's download buttons with an empty 204.
        assert [(url, statut) for url, statut in recus if a_ne_pas_charger(url) and statut != 204] == []
        assert any(url.startswith(f"{adresse}/media/") for url, _statut in recus), "aucun bouton vu"
        # The proxy keeps the check Streamlit's buttons make (fetch) empty, not the click.
        bouton = onglet.get_by_test_id("stDownloadButton").first
        expect(bouton).to_be_visible(timeout=30_000)
        with onglet.expect_download(timeout=30_000) as attente:
            bouton.click()
        fichier = attente.value.path()
        assert fichier.stat().st_size > 100
    finally:
        contexte.close()


def _detail(visite) -> str:
    gros = sorted(visite.reponses, key=lambda r: -r[1])[:8]
    return f"{visite.total / 1e6:.2f} Mo (websocket {visite.websocket / 1e6:.2f} Mo) : " + ", ".join(
        f"{url.rsplit('/', 1)[-1][:40]} {octets / 1e3:.0f} ko {codage}" for url, octets, codage in gros
    )
