"""QPV benchmark: build time, overlay payload per scale, first paint of a département.

Run with ``make bench`` (needs the data mirror in ``$ESS_DATA_MIRROR``, or
``../shared/data``). Prints figures; asserts nothing.

The mirror holds the 2024 QPV as a per-commune list and the 2015 perimeters of
Occitanie only: Haute-Garonne shows perimeters, the Nord shows communes.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("ESS_DATA_MIRROR", str(RACINE.parent / "shared" / "data"))

from benchmarks import serveur  # noqa: E402
from geo.build import etapes  # noqa: E402
from geo.donnees import qpv  # noqa: E402
from geo.outils import config  # noqa: E402
from geo.rendu import carte_territoire, surcouches  # noqa: E402
from geo.territoires.referentiel import TerritoireId, charger_referentiel  # noqa: E402

BASE = "/app/static/vendor"
TERRITOIRES = [
    ("France entière (points)", None),
    ("Occitanie (points)", TerritoireId("region", "76")),
    ("Haute-Garonne (périmètres 2015)", TerritoireId("departement", "31")),
    ("Nord (communes avec QPV 2024)", TerritoireId("departement", "59")),
    ("Toulouse", TerritoireId("commune", "31555")),
]


def main() -> None:
    if not Path(os.environ["ESS_DATA_MIRROR"]).is_dir():
        print(f"Miroir absent ({os.environ['ESS_DATA_MIRROR']}) : mesure ignorée.")
        return
    ref = charger_referentiel()
    with tempfile.TemporaryDirectory() as dossier:
        cache = Path(dossier) / "cache"
        cache.mkdir()
        (cache / "territoires").symlink_to(config.dossier_territoires())
        debut = time.perf_counter()
        manifeste = etapes.construire_etape(qpv.ETAPE, ref, cache, telecharger=False)
        print(
            f"Construction des QPV depuis le miroir : {time.perf_counter() - debut:5.1f} s "
            f"({manifeste['nombres']})"
        )
        donnees = qpv.DonneesQPV(cache / "qpv", manifeste)
        print("Poids de la couche QPV (HTML de la carte avec et sans la couche) :")
        for libelle, tid in TERRITOIRES:
            debut = time.perf_counter()
            surcouche = surcouches.qpv.surcouche(ref, donnees, tid)
            preparee = carte_territoire.preparer(ref, tid)
            sans = carte_territoire.taille_html(carte_territoire.dessiner(preparee, BASE))
            avec = carte_territoire.taille_html(carte_territoire.dessiner(preparee, BASE, [surcouche]))
            print(
                f"  {libelle:<34} +{(avec - sans) / 1e3:7.1f} ko (carte {avec / 1e6:5.2f} Mo), "
                f"préparée en {time.perf_counter() - debut:4.2f} s"
            )
        mesurer_navigateur(cache.parent)


def mesurer_navigateur(dossier_donnees: Path) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("Navigateur : Chromium absent, mesure ignorée.")
        return
    from playwright.sync_api import sync_playwright

    environnement = {**os.environ, "ESS_DATA_DIR": str(dossier_donnees)}
    with serveur.application(environnement) as (adresse, _processus, _pret), sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=chromium, headless=True, args=serveur.ARGS_CHROMIUM)
        page = navigateur.new_page(viewport={"width": 1400, "height": 1000})
        for essai in ("à froid", "à chaud"):
            debut = time.perf_counter()
            page.goto(f"{adresse}/?territoire=departement:31&couches=qpv")
            carte = page.frame_locator('iframe[src*="/component/streamlit_folium.st_folium/"]')
            # The 2024 perimeters (2015 ones where only those are in the open data at hand).
            carte.locator("path.qpv-2024, path.qpv-2015").first.wait_for(state="attached", timeout=120_000)
            print(
                f"Première carte de la Haute-Garonne avec les QPV ({essai}) : "
                f"{time.perf_counter() - debut:5.2f} s"
            )
        navigateur.close()


if __name__ == "__main__":
    main()
