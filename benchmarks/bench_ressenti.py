"""Speed felt: from a click or a key to a settled screen, in Chromium, on a warm server (issue 33).

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_ressenti.py [geste …] [--repetitions N]``).
Prints figures; asserts nothing. Target (issue 33): under 1 s on 2 cores.

One app server (``python -m ui.demarrage``, as ``make run``) and one Chromium. Each gesture is
done once apart (« 1re »: the server's caches warm for it, the browser's filled), then
``--repetitions`` times, each from a freshly loaded and settled starting page. Measured from just
before the click or key until the screen is settled:
- Streamlit at rest (its « running » widget hidden),
- no websocket frame sent or received for ``CALME_S``,
- the expected element visible (the new page's chart, the map in presentation, the search
  results, the map showing the switched layer).
The quiet period itself is not counted: the time is that of the last frame or of the expected
element, whichever comes later. Figures depend on the machine's load: say it with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from benchmarks import serveur  # noqa: E402

EPCI = "epci:200042190"
IFRAME_CARTE = 'iframe[src*="/component/streamlit_folium.st_folium/"]'
# A chart drawn: Vega has made its SVG view.
GRAPHIQUE_DESSINE = "[data-testid=stVegaLiteChart] svg.marks"
CALME_S = 0.3
DELAI_S = 120.0
CIBLE_S = 1.0
# A layer the switch turns on or off: its polygons are paths in the map's frame.
COUCHE = "Quartiers prioritaires (QPV)"


class Espion:
    """When the page's websockets last sent or received a frame."""

    def __init__(self, onglet) -> None:
        self.dernier = time.perf_counter()
        onglet.on("websocket", self._brancher)

    def _marquer(self, _charge=None) -> None:
        self.dernier = time.perf_counter()

    def _brancher(self, ws) -> None:
        self._marquer()
        ws.on("framereceived", self._marquer)
        ws.on("framesent", self._marquer)


def attendre_repos(onglet, espion: Espion, visible: Callable[[], bool], debut: float = 0.0) -> float:
    """Until the screen is settled, after a frame since ``debut``; when it settled (perf_counter)."""
    fin = time.perf_counter() + DELAI_S
    vu = None
    statut = onglet.locator('[data-testid="stStatusWidget"]')
    while time.perf_counter() < fin:
        if vu is None and visible():
            vu = time.perf_counter()
        maintenant = time.perf_counter()
        repos = statut.count() == 0 and maintenant - espion.dernier >= CALME_S
        if vu is not None and repos and espion.dernier > debut:
            return max(vu, espion.dernier)
        onglet.wait_for_timeout(25)
    raise TimeoutError("l'écran ne s'est pas posé")


def _carte_dessinee(onglet) -> bool:
    cadre = onglet.frame_locator(IFRAME_CARTE).first
    return cadre.locator("path").count() > 0


def _traces_carte(onglet) -> int:
    """Outlines and markers the map draws (a switched layer changes the count)."""
    cadres = onglet.locator(IFRAME_CARTE)
    if cadres.count() == 0:
        return -1
    cadre = cadres.first.content_frame
    return cadre.locator("path, .leaflet-marker-icon").count()


def _ouvrir(onglet, espion: Espion, base: str, chemin: str, visible: Callable[[], bool]) -> None:
    onglet.goto(base + chemin)
    attendre_repos(onglet, espion, visible)


def emplois(onglet, espion: Espion, base: str) -> float:
    _ouvrir(onglet, espion, base, f"/?territoire={EPCI}", lambda: _carte_dessinee(onglet))
    lien = onglet.get_by_test_id("stSidebar").get_by_role("link", name="Emplois et financements")
    debut = time.perf_counter()
    lien.click()
    graphique = onglet.locator(GRAPHIQUE_DESSINE).first
    return attendre_repos(onglet, espion, graphique.is_visible, debut) - debut


def presentation(onglet, espion: Espion, base: str) -> float:
    _ouvrir(onglet, espion, base, f"/?territoire={EPCI}", lambda: _carte_dessinee(onglet))
    bouton = onglet.get_by_role("button", name="Présentation").first
    # The map before: presentation draws a new one, which must be there and drawn.
    onglet.locator(IFRAME_CARTE).first.evaluate("cadre => { cadre.dataset.essAvant = '1'; }")
    debut = time.perf_counter()
    bouton.click()

    def _presentee() -> bool:
        nouvelle = onglet.locator(f"{IFRAME_CARTE}:not([data-ess-avant])")
        return (
            "presentation=1" in onglet.url
            and nouvelle.count() > 0
            and nouvelle.first.content_frame.locator("path").count() > 0
        )

    return attendre_repos(onglet, espion, _presentee, debut) - debut


def recherche(onglet, espion: Espion, base: str) -> float:
    _ouvrir(onglet, espion, base, "/", lambda: _carte_dessinee(onglet))
    champ = onglet.get_by_role("textbox", name="Rechercher un territoire")
    champ.fill("porte du hainaut")
    resultats = onglet.get_by_test_id("stSidebar").get_by_text("cliquez pour afficher")
    debut = time.perf_counter()
    champ.press("Enter")
    return attendre_repos(onglet, espion, resultats.is_visible, debut) - debut


def couche(onglet, espion: Espion, base: str) -> float:
    _ouvrir(onglet, espion, base, f"/?territoire={EPCI}", lambda: _traces_carte(onglet) > 0)
    avant = _traces_carte(onglet)
    interrupteur = onglet.get_by_text(COUCHE, exact=True)
    debut = time.perf_counter()
    interrupteur.click()
    return attendre_repos(onglet, espion, lambda: _traces_carte(onglet) not in (avant, -1), debut) - debut


GESTES = {
    "emplois": ("Ouvrir Emplois depuis la Carte (EPCI)", emplois),
    "presentation": ("Entrer en présentation (Carte EPCI)", presentation),
    "recherche": ("Recherche « porte du hainaut » puis Entrée", recherche),
    "couche": (f"Basculer « {COUCHE} » (Carte EPCI)", couche),
}


def main() -> None:
    from playwright.sync_api import sync_playwright

    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("gestes", nargs="*", help=f"parmi {', '.join(GESTES)} (tous par défaut)")
    parseur.add_argument("--repetitions", type=int, default=5)
    parseur.add_argument("--port", type=int, default=None, help="port de l'application (sinon un libre)")
    arguments = parseur.parse_args()
    choisis = arguments.gestes or list(GESTES)
    if inconnus := set(choisis) - set(GESTES):
        parseur.error(f"gestes inconnus : {', '.join(sorted(inconnus))}")
    environnement = dict(os.environ)
    environnement.setdefault("ESS_DATA_MIRROR", "/work/shared/data")
    charge = os.getloadavg()[0]
    print(
        f"Vitesse ressentie (Chromium, serveur chaud, {os.cpu_count()} cœurs, charge moyenne "
        f"{charge:.1f} au départ ; cible < {CIBLE_S:.0f} s)"
    )
    print(f"  {'geste':<55} {'1re':>5} {'médiane':>8} {'max':>6}  mesures (s)")
    with (
        serveur.application(environnement, port=arguments.port) as (base, _processus, _pret),
        sync_playwright() as p,
    ):
        navigateur = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=serveur.ARGS_CHROMIUM
        )
        try:
            contexte = navigateur.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
            onglet = contexte.new_page()
            onglet.set_default_timeout(DELAI_S * 1000)
            espion = Espion(onglet)
            for nom in choisis:
                libelle, geste = GESTES[nom]
                premiere = geste(onglet, espion, base)
                mesures = [geste(onglet, espion, base) for _ in range(arguments.repetitions)]
                mediane, pire = statistics.median(mesures), max(mesures)
                tenue = "tenue" if pire < CIBLE_S else "MANQUÉE"
                detail = " ".join(f"{m:.2f}" for m in mesures)
                print(f"  {libelle:<55} {premiere:5.2f} {mediane:8.2f} {pire:6.2f}  {detail}  {tenue}")
        finally:
            navigateur.close()
    print(f"  Charge moyenne à la fin : {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
