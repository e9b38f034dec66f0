"""Every byte a first visitor receives, straight from the app and through the production proxy.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_premiere_visite.py [page …]``).
Prints one table a page; asserts nothing (tests/navigateur/test_premiere_visite.py holds the
targets). Needs Debian's chromium; the proxy column needs what ``deploy/local.sh`` needs
(nginx, postgresql, openssl), else it reads « — ».

One run starts the production stack (``deploy/local.sh``: nginx with TLS, gzip and brotli when
Debian's module is there, two app processes, PostgreSQL) in a temporary folder, and opens each
page twice in a new browser context (an empty cache): at the address of one of its app
processes (« direct », what Streamlit sends by itself) and at nginx's HTTPS address
(« mandataire »). Counted, from navigation until the page is drawn and quiet:
- HTTP: every response of the page and of its frames, headers included, as received (encoded:
  compressed when it was), from Chromium's own network log (``Network.loadingFinished``,
  ``encodedDataLength``);
- websocket: every frame the app sent.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from benchmarks import serveur  # noqa: E402

EPCI = "epci:200042190"
# (page, address, what shows it is drawn): a map's first outline, or a first chart.
PAGES = {
    "Carte EPCI": (f"/?territoire={EPCI}", "carte"),
    "Carte France": ("/", "carte"),
    "Emplois EPCI": (f"/emplois?territoire={EPCI}", "graphique"),
    "Territoire EPCI": (f"/territoire?territoire={EPCI}", ""),
}
# Issue 28, through the proxy, empty cache.
CIBLES = {"Carte EPCI": 1.5e6, "Emplois EPCI": 2.5e6}
# A chart drawn: Vega has made its SVG view.
GRAPHIQUE_DESSINE = "[data-testid=stVegaLiteChart] svg.marks"
IFRAME_CARTE = 'iframe[src*="/component/streamlit_folium.st_folium/"]'
DELAI_MS = 180_000
# Quiet this long (no byte received, Streamlit at rest): the page has fetched what it draws.
CALME_S = 3.0

# Files a page must not fetch before a click: exports, and Streamlit's 1.56 MB syntax
# highlighter (st.code).
# Streamlit's download buttons serve their files from /media/ (its images too).
FICHIERS_EXPORT = re.compile(r"\.(csv|geojson|xlsx|gpkg|zip|pdf)$", re.IGNORECASE)
SURLIGNEUR = "StreamlitSyntaxHighlighter"


@dataclass
class Visite:
    """What a first visit received: HTTP responses (url, bytes, Content-Encoding) and websocket bytes."""

    reponses: list[tuple[str, int, str]] = field(default_factory=list)
    websocket: int = 0

    @property
    def http(self) -> int:
        return sum(octets for _url, octets, _codage in self.reponses)

    @property
    def total(self) -> int:
        return self.http + self.websocket

    def exports(self) -> list[str]:
        """Exports and the syntax highlighter fetched (more than headers: not the proxy's 204)."""
        return [url for url, octets, _codage in self.reponses if a_ne_pas_charger(url) and octets > 1000]


def a_ne_pas_charger(url: str) -> bool:
    """A file a page must not fetch before a click: an export, or the syntax highlighter."""
    chemin = "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?")[0]
    return (
        SURLIGNEUR in chemin
        or bool(FICHIERS_EXPORT.search(chemin))
        or (chemin.startswith("/media/") and not chemin.endswith((".png", ".jpg", ".jpeg", ".svg", ".webp")))
    )


def _attendre_dessin(onglet, quoi: str) -> None:
    onglet.locator("h1").first.wait_for(timeout=DELAI_MS)
    if quoi == "carte":
        cadre = onglet.frame_locator(IFRAME_CARTE).first
        cadre.locator("path").first.wait_for(state="attached", timeout=DELAI_MS)
    elif quoi == "graphique":
        onglet.locator(GRAPHIQUE_DESSINE).first.wait_for(timeout=DELAI_MS)


def premiere_visite(navigateur, url: str, quoi: str = "") -> Visite:
    """Open ``url`` in a new context (empty cache) and count every byte received until it is drawn
    (``quoi``: "carte", "graphique" or "") and quiet."""
    contexte = navigateur.new_context(
        ignore_https_errors=True, viewport={"width": 1400, "height": 1000}, locale="fr-FR"
    )
    visite = Visite()
    try:
        onglet = contexte.new_page()
        # The frames of the app's components are same-origin: in the page's process, in its log.
        cdp = contexte.new_cdp_session(onglet)
        cdp.send("Network.enable")
        adresses: dict[str, tuple[str, str]] = {}
        recus: dict[str, int] = {}

        def _reponse(e) -> None:
            entetes = {k.lower(): v for k, v in e["response"].get("headers", {}).items()}
            adresses[e["requestId"]] = (e["response"]["url"], entetes.get("content-encoding", ""))

        cdp.on("Network.responseReceived", _reponse)
        cdp.on(
            "Network.loadingFinished",
            lambda e: recus.__setitem__(e["requestId"], int(e["encodedDataLength"])),
        )

        def _trame(charge) -> None:
            visite.websocket += len(charge)

        onglet.on("websocket", lambda ws: ws.on("framereceived", _trame))
        onglet.goto(url, timeout=DELAI_MS)
        _attendre_dessin(onglet, quoi)
        fin = time.monotonic() + 60
        precedent, depuis = -1, time.monotonic()
        while time.monotonic() < fin:
            total = sum(recus.values()) + visite.websocket
            if total != precedent or onglet.locator('[data-testid="stStatusWidget"]').is_visible():
                precedent, depuis = total, time.monotonic()
            elif time.monotonic() - depuis >= CALME_S:
                break
            onglet.wait_for_timeout(250)
        for requete, octets in recus.items():
            adresse, codage = adresses.get(requete, ("?", ""))
            visite.reponses.append((adresse, octets, codage))
    finally:
        contexte.close()
    return visite


def _absents() -> list[str]:
    manque = [c for c in ("nginx", "openssl", "envsubst", "curl") if shutil.which(c) is None]
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        manque.append("postgresql")
    return manque


@contextlib.contextmanager
def pile_de_production(environnement: dict[str, str] | None = None) -> Iterator[tuple[str, str, Path]]:
    """``deploy/local.sh start`` on free ports in a temporary folder, stopped afterwards:
    (HTTPS address, address of one app process, state folder)."""
    etat = Path(tempfile.mkdtemp(prefix="ess-production-", dir="/tmp"))
    # PostgreSQL runs as the postgres user and must reach its cluster.
    etat.chmod(0o755)
    ports = [serveur.port_libre() for _ in range(5)]
    env = dict(
        environnement if environnement is not None else os.environ,
        ESS_LOCAL_DOSSIER=str(etat),
        ESS_LOCAL_PORT_HTTPS=str(ports[0]),
        ESS_LOCAL_PORT_HTTP=str(ports[1]),
        ESS_LOCAL_PORTS_APP=f"{ports[2]} {ports[3]}",
        ESS_LOCAL_PORT_PG=str(ports[4]),
    )
    local_sh = str(RACINE / "deploy" / "local.sh")
    try:
        lancement = subprocess.run(
            [local_sh, "start"], env=env, capture_output=True, text=True, timeout=600, check=False
        )
        if lancement.returncode != 0:
            raise RuntimeError(f"deploy/local.sh start a échoué : {lancement.stderr[-2000:]}")
        adresse = lancement.stdout.strip().splitlines()[-1].rstrip("/")
        yield adresse, f"http://127.0.0.1:{ports[2]}", etat
    finally:
        subprocess.run([local_sh, "stop"], env=env, capture_output=True, timeout=120, check=False)
        shutil.rmtree(etat, ignore_errors=True)


def _mo(octets: float | None) -> str:
    if octets is None:
        return "—"
    return f"{octets / 1e6:.2f} Mo" if octets >= 1e5 else f"{octets / 1e3:.0f} ko"


def _tableau(nom: str, direct: Visite, mandataire: Visite | None) -> None:
    cible = CIBLES.get(nom)
    print(
        f"\n{nom} — première visite, cache vide"
        + (f" (cible : ≤ {_mo(cible)} à travers le mandataire)" if cible else "")
    )
    print(f"  {'':<24} {'direct':>10} {'mandataire':>11}")
    lignes: list[tuple[str, Callable[[Visite], float]]] = [
        ("HTTP (en-têtes compris)", lambda v: v.http),
        ("websocket", lambda v: v.websocket),
        ("total", lambda v: v.total),
    ]
    for libelle, mesure in lignes:
        print(
            f"  {libelle:<24} {_mo(mesure(direct)):>10} {_mo(mesure(mandataire) if mandataire else None):>11}"
        )
    if cible is not None and mandataire is not None:
        print(f"  {'cible':<24} {'':>10} {'tenue' if mandataire.total <= cible else 'MANQUÉE':>11}")
    for libelle, visite in (("direct", direct), ("mandataire", mandataire)):
        if visite is None:
            continue
        gros = sorted(visite.reponses, key=lambda r: -r[1])[:5]
        print(
            f"  les plus lourds ({libelle}) : "
            + ", ".join(
                f"{url.rsplit('/', 1)[-1].split('?')[0][:32]} {_mo(octets)}{' ' + codage if codage else ''}"
                for url, octets, codage in gros
            )
        )
        if exports := visite.exports():
            print(
                f"  récupérés avant tout clic ({libelle}) : "
                + ", ".join(u.rsplit("/", 1)[-1] for u in exports)
            )


def main(noms: list[str]) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("Première visite : Chromium absent, mesure ignorée.")
        return
    from playwright.sync_api import sync_playwright

    pages = {n: p for n, p in PAGES.items() if not noms or n in noms}
    manque = _absents()
    print("Première visite : tout ce que reçoit un nouveau visiteur (HTTP et websocket), cache vide")
    if manque:
        print(f"  (mandataire non mesuré, absent : {', '.join(manque)})")
    with contextlib.ExitStack() as pile, sync_playwright() as p:
        if manque:
            direct_adresse = pile.enter_context(serveur.application())[0]
            proxy_adresse = None
        else:
            proxy_adresse, direct_adresse, _etat = pile.enter_context(pile_de_production())
        navigateur = p.chromium.launch(executable_path=chromium, args=serveur.ARGS_CHROMIUM)
        # Warm-up: the server's caches filled once, as for a visitor after the first.
        for chemin, quoi in pages.values():
            for adresse in filter(None, (direct_adresse, proxy_adresse)):
                premiere_visite(navigateur, adresse + chemin, quoi)
        for nom, (chemin, quoi) in pages.items():
            direct = premiere_visite(navigateur, direct_adresse + chemin, quoi)
            mandataire = premiere_visite(navigateur, proxy_adresse + chemin, quoi) if proxy_adresse else None
            _tableau(nom, direct, mandataire)
        navigateur.close()


if __name__ == "__main__":
    main(sys.argv[1:])
