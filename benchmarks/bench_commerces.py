"""Shops (BPE) benchmark: national build time and memory, per-territory answers, layer payload.

Run with ``make bench`` (needs the data mirror in ``$ESS_DATA_MIRROR``, or
``../shared/data``). Prints figures; asserts nothing.

The build is measured in a child process so that its peak memory (max RSS) is
the BPE step's own, not the benchmark's.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("ESS_DATA_MIRROR", str(RACINE.parent / "shared" / "data"))

from geo.donnees import commerces  # noqa: E402
from geo.outils import config  # noqa: E402
from geo.outils.text import nombre_fr  # noqa: E402
from geo.rendu import carte_territoire, surcouches  # noqa: E402
from geo.territoires.referentiel import TerritoireId, charger_referentiel  # noqa: E402

BASE = "/app/static/vendor"
TERRITOIRES = [
    ("France entière (par département)", None),
    ("Hauts-de-France (par EPCI)", TerritoireId("region", "32")),
    ("Nord (communes)", TerritoireId("departement", "59")),
    ("CA de la Porte du Hainaut", TerritoireId("epci", "200042190")),
]
CONSTRUIRE = """
import sys, time
from pathlib import Path
from geo.donnees import commerces
from geo.build import etapes
from geo.territoires.referentiel import charger_referentiel
ref = charger_referentiel()
debut = time.perf_counter()
etapes.construire_etape(commerces.ETAPE, ref, Path(sys.argv[1]), forcer=True, telecharger=False)
print(time.perf_counter() - debut)
"""


def main() -> None:
    if not Path(os.environ["ESS_DATA_MIRROR"]).is_dir():
        print(f"Miroir absent ({os.environ['ESS_DATA_MIRROR']}) : mesure ignorée.")
        return
    ref = charger_referentiel()
    with tempfile.TemporaryDirectory() as dossier:
        cache = Path(dossier) / "cache"
        cache.mkdir()
        (cache / "territoires").symlink_to(config.dossier_territoires())
        # The referentiel load is part of the child: measure it alone to tell them apart.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from geo.territoires.referentiel import charger_referentiel; charger_referentiel()",
            ],
            cwd=RACINE,
            check=True,
        )
        memoire_referentiel = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        sortie = subprocess.run(
            [sys.executable, "-c", CONSTRUIRE, str(cache)],
            cwd=RACINE,
            check=True,
            capture_output=True,
            text=True,
        )
        memoire_totale = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        manifeste = commerces.etapes.lire_manifeste(commerces.ETAPE.nom, cache)
        print(
            f"Construction nationale (BPE {manifeste['millesime']}, {nombre_fr(manifeste['lignes_lues'])} "
            f"lignes) : {float(sortie.stdout.strip().splitlines()[-1]):5.1f} s ; mémoire maximale du "
            f"processus {nombre_fr(memoire_totale / 1024)} Mo (chargement des territoires seul : "
            f"{nombre_fr(memoire_referentiel / 1024)} Mo)"
        )
        donnees = commerces.DonneesCommerces(cache / "commerces", manifeste, ref)
        for texte in ("tous", "alimentaire"):
            definition = donnees.definition(texte)
            debut = time.perf_counter()
            sans = donnees.communes_sans_commerce(None, definition)
            print(
                f"France entière, « {definition.libelle} » : {nombre_fr(len(sans))} communes, "
                f"table et distances en {time.perf_counter() - debut:4.2f} s"
            )
        print("Poids de la carte avec la couche « Aucun commerce alimentaire » :")
        for libelle, tid in TERRITOIRES:
            debut = time.perf_counter()
            surcouche = surcouches.commerces.surcouche(ref, donnees, tid, "alimentaire")
            preparee = carte_territoire.preparer(ref, tid)
            sans_couche = carte_territoire.taille_html(carte_territoire.dessiner(preparee, BASE))
            avec_couche = carte_territoire.taille_html(carte_territoire.dessiner(preparee, BASE, [surcouche]))
            print(
                f"  {libelle:35} {avec_couche / 1e6:6.2f} Mo "
                f"(couche : {(avec_couche - sans_couche) / 1e6:5.2f} Mo), "
                f"préparée en {time.perf_counter() - debut:4.2f} s"
            )


if __name__ == "__main__":
    main()
