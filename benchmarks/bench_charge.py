"""Load: 20 browser sessions at once across the pages and territories, against one server.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_charge.py [sessions]``).
Prints figures; asserts nothing. Needs Debian's chromium. Targets (issue 15): 0 errors,
≤ 0.3 s of server CPU per page view.

Each session opens three views one after the other (a page × a territory, as visitors
arriving from shared links would); all sessions start together. Printed:
- errors: a view that showed a Python exception or did not finish within two minutes;
- server CPU seconds (user + system, from /proc) spent per page view, warm-up excluded;
- server memory (resident set size) at the end and at its highest;
- p50 / p95 of the time from navigation to a finished page, as the visitor sees it
  (Streamlit does not publish each run's server time; the per-page server times are
  printed by ``bench_pages.py``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from benchmarks import serveur  # noqa: E402

PAGES = ["", "territoire", "qpv", "commerces", "structures", "emplois", "opportunites", "sources"]
TERRITOIRES = ["", "region:32", "departement:02", "epci:200042190", "epci:240200477", "commune:02722"]
DELAI_S = 120


def _cpu_s(pid: int) -> float:
    champs = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(champs[11]) + int(champs[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mo(pid: int) -> float:
    for ligne in Path(f"/proc/{pid}/status").read_text().splitlines():
        if ligne.startswith("VmRSS:"):
            return int(ligne.split()[1]) / 1024
    return float("nan")


def _vues(session: int) -> list[str]:
    vues = []
    for rang in range(3):
        n = session * 3 + rang
        page, territoire = PAGES[n % len(PAGES)], TERRITOIRES[(n // len(PAGES) + n) % len(TERRITOIRES)]
        vues.append(f"/{page}" + (f"?territoire={territoire}" if territoire else ""))
    return vues


async def _attendre_la_fin(onglet) -> bool:
    """True once the page has run to its end (no running indicator, text stable); False on error."""
    precedent, stables = None, 0
    limite = time.monotonic() + DELAI_S
    while time.monotonic() < limite:
        await asyncio.sleep(0.25)
        if await onglet.locator("[data-testid=stException]").count():
            return False
        en_cours = await onglet.locator("[data-testid=stStatusWidget]").count()
        texte = await onglet.locator("[data-testid=stMain]").inner_text() if not en_cours else None
        stables = stables + 1 if (texte is not None and texte == precedent) else 0
        precedent = texte
        if stables >= 3:
            return True
    return False


async def _session(navigateur, adresse: str, numero: int, durees: list, erreurs: list) -> None:
    contexte = await navigateur.new_context(viewport={"width": 1400, "height": 900})
    onglet = await contexte.new_page()
    for vue in _vues(numero):
        debut = time.perf_counter()
        try:
            await onglet.goto(adresse + vue, timeout=DELAI_S * 1000)
            reussi = await _attendre_la_fin(onglet)
        except Exception as erreur:  # a timeout or a crash: counted, the run goes on
            reussi = False
            vue = f"{vue} ({type(erreur).__name__})"
        # The stable-text wait adds 0.75 s to every view: not the server's doing.
        (durees if reussi else erreurs).append((vue, time.perf_counter() - debut - 0.75))
    await contexte.close()


async def _charge(adresse: str, sessions: int, pid: int) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        navigateur = await p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=serveur.ARGS_CHROMIUM,
        )
        # Warm-up: one visit of each page, so that the figures are those of a warm server.
        echauffement: list = []
        await asyncio.gather(
            *(_session(navigateur, adresse, n, echauffement, []) for n in range(min(sessions, 4)))
        )
        cpu_avant, rss_max = _cpu_s(pid), _rss_mo(pid)
        durees: list = []
        erreurs: list = []
        debut = time.perf_counter()
        taches = [
            asyncio.create_task(_session(navigateur, adresse, n, durees, erreurs)) for n in range(sessions)
        ]
        while not all(t.done() for t in taches):
            await asyncio.sleep(0.5)
            rss_max = max(rss_max, _rss_mo(pid))
        duree = time.perf_counter() - debut
        cpu = _cpu_s(pid) - cpu_avant
        await navigateur.close()

    vues = len(durees) + len(erreurs)
    temps = sorted(d for _, d in durees)
    print(f"Charge : {sessions} sessions simultanées, {vues} pages vues en {duree:.0f} s")
    print(f"  erreurs : {len(erreurs)}" + "".join(f"\n    {v} ({d:.0f} s)" for v, d in erreurs))
    print(f"  CPU du serveur : {cpu:.1f} s, soit {cpu / max(vues, 1):.2f} s par page vue (cible ≤ 0,3 s)")
    print(f"  mémoire du serveur : {_rss_mo(pid):.0f} Mo à la fin, {rss_max:.0f} Mo au plus haut")
    if temps:
        p95 = temps[min(len(temps) - 1, round(0.95 * (len(temps) - 1)))]
        print(
            f"  page finie, vue du navigateur : p50 {statistics.median(temps):.1f} s, p95 {p95:.1f} s "
            f"(les {sessions} sessions en même temps sur {os.cpu_count()} cœurs)"
        )


def main(sessions: int = 20) -> None:
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        print("Charge : Chromium absent, mesure ignorée.")
        return
    with serveur.application() as (adresse, processus, _pret):
        asyncio.run(_charge(adresse, sessions, processus.pid))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
