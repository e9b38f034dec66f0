"""Bytes sent and first paint of every map page at every scale, beside a naive folium map.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_poids.py [page …]``).
Prints one table; asserts nothing. Needs Debian's chromium. Targets (issue 15): ≤ 1.5 MB
sent for any page at France scale, ≤ 300 KB at EPCI scale.

Everything is measured in one run, on this machine, in the same browser:
- « envoyé » : bytes the server sent over the page's websocket (every Streamlit delta, the
  map's script included) from navigation until the map is drawn;
- « 1re peinture » : time from navigation to the first territory drawn in the map;
- the naive map: folium's own GeoJSON of every commune (what a first version of such a
  dashboard ships), saved as a file served by the app itself with the offline Leaflet, and
  opened the same way; its bytes are the file's.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from benchmarks import serveur  # noqa: E402

PAGES = {
    "Carte": "",
    "Commerces": "commerces",
    "Opportunités": "opportunites",
    "QPV": "qpv",
    "Structures": "structures",
}
ECHELLES = {
    "France": "",
    "région": "region:32",
    "département": "departement:02",
    "EPCI": "epci:200042190",
    "commune": "commune:02722",
}
CIBLES = {"France": 1.5e6, "EPCI": 300e3}
IFRAME_CARTE = 'iframe[src*="/component/streamlit_folium.st_folium/"]'
DELAI_MS = 180_000


def _carte_naive() -> Path:
    """folium.GeoJson of every commune, with the app's offline Leaflet instead of a CDN."""
    import folium

    from geo.outils import assets
    from geo.territoires.referentiel import charger_referentiel

    assets.installer()
    ref = charger_referentiel()
    carte = folium.Map(location=[46.6, 2.5], zoom_start=6, tiles=None)
    base = assets.url_base()
    carte.default_js = assets.liens(base)["leaflet"]["js"]
    carte.default_css = assets.liens(base)["leaflet"]["css"]
    folium.GeoJson(ref.communes[["code", "nom", "geometry"]].dropna(subset=["geometry"])).add_to(carte)
    dossier = assets.DOSSIER_STATIQUE / "banc"
    dossier.mkdir(parents=True, exist_ok=True)
    chemin = dossier / "carte_naive.html"
    carte.save(str(chemin))
    return chemin


# Sizes of the map outline files the map's frame fetched (ui.carte): what a first visit
# downloads, whether or not this browser had kept them.
_CONTOURS_JS = """() => performance.getEntriesByType("resource")
    .filter(e => e.name.includes("/app/static/cartes/"))
    .reduce((somme, e) => somme + (e.encodedBodySize || e.decodedBodySize || 0), 0)"""


class Compteur:
    """Bytes a tab receives: websocket frames (counted from its creation on), and map outlines."""

    def __init__(self, onglet) -> None:
        self.onglet = onglet
        self.total_socket = 0
        self.socket = 0
        self.contours = 0
        self._debut = 0
        onglet.on("websocket", lambda ws: ws.on("framereceived", self._trame))

    def _trame(self, charge) -> None:
        self.total_socket += len(charge)

    def _contours_vus(self) -> int:
        total = 0
        for cadre in self.onglet.frames:
            with contextlib.suppress(Exception):
                total += int(cadre.evaluate(_CONTOURS_JS))
        return total

    def compter_contours(self) -> None:
        # The outlines may still be on their way when an overlay is drawn first.
        vus, precedent = self._contours_vus(), -1
        for _ in range(30):
            if vus and vus == precedent:
                break
            self.onglet.wait_for_timeout(100)
            precedent, vus = vus, self._contours_vus()
        self.contours = vus

    def __enter__(self) -> Compteur:
        self._debut = self.total_socket
        return self

    def __exit__(self, *_exc) -> None:
        self.socket = self.total_socket - self._debut


def _mesurer(compteur: Compteur, url: str, attendre) -> tuple[Compteur, float]:
    onglet = compteur.onglet
    with compteur:
        debut = time.perf_counter()
        onglet.goto(url, timeout=DELAI_MS)
        attendre()
        duree = time.perf_counter() - debut
        compteur.compter_contours()
    return compteur, duree


def _contexte(navigateur, adresse: str):
    """A browser context with an empty cache (the browser reaches nothing but the app)."""
    return navigateur.new_context(viewport={"width": 1400, "height": 900})


def _mo(octets: float) -> str:
    return f"{octets / 1e6:6.2f} Mo" if octets >= 1e5 else f"{octets / 1e3:6.0f} ko"


def main(noms: list[str]) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("Poids : Chromium absent, mesure ignorée.")
        return
    from playwright.sync_api import sync_playwright

    naive = _carte_naive()
    pages = {n: c for n, c in PAGES.items() if not noms or n in noms or c in noms}
    with serveur.application() as (adresse, _processus, _pret), sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=chromium, args=serveur.ARGS_CHROMIUM)
        contexte = _contexte(navigateur, adresse)
        onglet = contexte.new_page()
        compteur = Compteur(onglet)

        def _premier_trace():
            carte = onglet.frame_locator(IFRAME_CARTE).first
            carte.locator("path").first.wait_for(state="attached", timeout=DELAI_MS)

        # Warm-up: the server's caches filled once, as for a visitor after the first.
        for chemin in pages.values():
            for territoire in ECHELLES.values():
                onglet.goto(f"{adresse}/{chemin}" + (f"?territoire={territoire}" if territoire else ""))
                _premier_trace()

        debut = time.perf_counter()
        onglet.goto(f"{adresse}/app/static/banc/carte_naive.html", timeout=DELAI_MS)
        onglet.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=DELAI_MS)
        peinture_naive = time.perf_counter() - debut
        octets_naifs = naive.stat().st_size

        print("Poids envoyé et première peinture, même machine, même navigateur, même exécution")
        print("  (websocket : messages de Streamlit ; contours : fichiers de la carte, comptés en entier")
        print("  même quand ce navigateur les a gardés, comme pour une première visite ; envoyé = les deux)")
        print(
            f"  {'page':<13} {'échelle':<12} {'websocket':>10} {'contours':>10} {'envoyé':>9} "
            f"{'1re peinture':>13} {'÷ naïf':>8}  cible"
        )
        print(
            f"  {'carte naïve':<13} {'France':<12} {'—':>10} {'—':>10} {_mo(octets_naifs):>9} "
            f"{peinture_naive:11.1f} s {'1':>8}  —"
        )
        for nom, chemin in pages.items():
            for echelle, territoire in ECHELLES.items():
                url = f"{adresse}/{chemin}" + (f"?territoire={territoire}" if territoire else "")
                compteur, duree = _mesurer(compteur, url, _premier_trace)
                octets = compteur.socket + compteur.contours
                cible = CIBLES.get(echelle)
                tenue = "—" if cible is None else ("tenue" if octets <= cible else "MANQUÉE")
                print(
                    f"  {nom:<13} {echelle:<12} {_mo(compteur.socket):>10} {_mo(compteur.contours):>10} "
                    f"{_mo(octets):>9} {duree:11.1f} s {octets_naifs / max(octets, 1):7.0f}×  {tenue}"
                )
        if not noms or "Carte" in noms:
            print("Couche basculée sur la page Carte (QPV allumés puis éteints) : octets envoyés")
            for echelle in ("France", "EPCI"):
                territoire = ECHELLES[echelle]
                # Every layer off first (the page opens on the mission's): the switch turns QPV on.
                onglet.goto(f"{adresse}/?couches=" + (f"&territoire={territoire}" if territoire else ""))
                _premier_trace()
                for etat in ("allumée", "éteinte"):
                    with compteur:
                        onglet.get_by_text("Quartiers prioritaires (QPV)", exact=True).click()
                        onglet.wait_for_url(
                            lambda u, e=etat: ("couches=qpv" in u) == (e == "allumée"), timeout=DELAI_MS
                        )
                        onglet.wait_for_timeout(1500)
                    # A switch fetches no outline: only the websocket counts.
                    print(f"  {echelle:<12} couche {etat:<8} {_mo(compteur.socket):>9}")
        navigateur.close()
    shutil.rmtree(naive.parent, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
