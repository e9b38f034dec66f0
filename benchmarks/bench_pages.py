"""Server time of every page at every scale: what one change costs once the caches are warm.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_pages.py [page …]``).
Prints figures; asserts nothing. Target (issue 15): ≤ 300 ms per change once warm.

For each page and territory, the script runs through ``streamlit.testing.v1.AppTest`` in this
process (the same caches a server keeps between runs):
- « 1re » : first run of the page for that territory (cold for the territory, warm for the data);
- « relance » : median of three reruns of the same view, which is what a widget change costs
  when it does not change the question (a layer switch, a filter back and forth);
- « changement » : median time to come back to a territory already seen, at the same scale.
Script time is server time: what Streamlit's process spends before the browser gets the delta.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from streamlit.testing.v1 import AppTest  # noqa: E402

PAGES = {
    "Carte": "pages/carte.py",
    "Territoire": "pages/territoire.py",
    "QPV": "pages/qpv.py",
    "Commerces": "pages/commerces.py",
    "Structures": "pages/structures.py",
    "Emplois": "pages/emplois.py",
    "Opportunités": "pages/opportunites.py",
    "Sources": "pages/sources.py",
}
# Two territories per scale: coming back to the first measures a warm change of territory.
ECHELLES = {
    "France": (None, None),
    "région": ("region:32", "region:11"),
    "département": ("departement:02", "departement:59"),
    "EPCI": ("epci:200042190", "epci:240200477"),
    "commune": ("commune:02722", "commune:59606"),
}
CIBLE_S = 0.3


def _executer(at: AppTest, territoire: str | None) -> float:
    if territoire:
        at.query_params["territoire"] = territoire
    elif "territoire" in at.query_params:
        del at.query_params["territoire"]
    debut = time.perf_counter()
    at.run()
    duree = time.perf_counter() - debut
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return duree


def mesurer(page: str, chemin: str) -> list[tuple[str, float, float, float]]:
    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=600)
    at.run()
    at.switch_page(chemin)
    lignes = []
    for echelle, (premier, second) in ECHELLES.items():
        premiere = _executer(at, premier)
        relances = [_executer(at, premier) for _ in range(3)]
        changements = []
        if second is not None:
            _executer(at, second)
            for _ in range(2):
                changements.append(_executer(at, premier))
                changements.append(_executer(at, second))
        changement = statistics.median(changements) if changements else float("nan")
        lignes.append((echelle, premiere, statistics.median(relances), changement))
    return lignes


def _ms(secondes: float) -> str:
    return "      —" if secondes != secondes else f"{secondes * 1000:7.0f}"


def main(noms: list[str]) -> None:
    choisies = {n: c for n, c in PAGES.items() if not noms or n in noms or Path(c).stem in noms}
    cible = f"cible ≤ {CIBLE_S * 1000:.0f} ms une fois chaud"
    print(f"Temps serveur par page et par échelle (ms, AppTest, {cible})")
    print(f"  {'page':<13} {'échelle':<12} {'1re':>7} {'relance':>8} {'changement':>11}  cible")
    pire = (0.0, "")
    for nom, chemin in choisies.items():
        for echelle, premiere, relance, changement in mesurer(nom, chemin):
            chaud = max(relance, changement if changement == changement else 0.0)
            if chaud > pire[0]:
                pire = (chaud, f"{nom}, {echelle}")
            tenue = "tenue" if chaud <= CIBLE_S else "MANQUÉE"
            chiffres = f"{_ms(premiere)} {_ms(relance):>8} {_ms(changement):>11}"
            print(f"  {nom:<13} {echelle:<12} {chiffres}  {tenue}")
    print(f"  Pire temps chaud : {pire[0] * 1000:.0f} ms ({pire[1]})")


if __name__ == "__main__":
    main(sys.argv[1:])
