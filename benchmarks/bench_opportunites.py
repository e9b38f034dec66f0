"""Opportunities benchmark: every analysis for a whole région, and the indicator map's weight.

Run with ``make bench`` (needs the data mirror in ``$ESS_DATA_MIRROR``, or
``../shared/data``). Prints figures; asserts nothing.

When the structures register is not built, SYNTHETIC structures (random points
inside real communes, one per 200 inhabitants) stand in for it, to measure the
cost of distances at scale. They are labelled as such here and never reach the app.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("ESS_DATA_MIRROR", str(RACINE.parent / "shared" / "data"))

from geo.donnees import opportunites  # noqa: E402
from geo.outils.text import nombre_fr  # noqa: E402
from geo.rendu import carte_territoire, surcouches  # noqa: E402
from geo.territoires.referentiel import TerritoireId, charger_referentiel  # noqa: E402

REGION = TerritoireId("region", "32")  # Hauts-de-France: 3 800 communes, 6 million inhabitants


def structures_synthetiques(ref, graine: int = 1) -> pd.DataFrame:
    """One SYNTHETIC point per 200 inhabitants, inside each commune of the région."""
    aleatoire = np.random.default_rng(graine)
    communes = ref.communes_de(REGION)
    communes = communes[communes.geometry.notna() & communes.population.notna()]
    nombres = (communes.population.astype(float) / 200).round().astype(int).clip(lower=1)
    points = shapely.get_coordinates(
        [
            p
            for geometrie, n in zip(communes.geometry, nombres, strict=True)
            for p in _points_dans(geometrie, n, aleatoire)
        ]
    )
    codes = np.repeat(communes.code.to_numpy(), nombres.to_numpy())
    return pd.DataFrame(
        {
            "nom": [f"Structure synthétique {i}" for i in range(len(points))],
            "famille": "association",
            "commune": codes,
            "lon": points[:, 0],
            "lat": points[:, 1],
            "precision": "adresse",
            "emplois_estimes": 2.0,
        }
    )


def _points_dans(geometrie, n: int, aleatoire) -> list:
    minx, miny, maxx, maxy = geometrie.bounds
    trouves = []
    while len(trouves) < n:
        candidats = shapely.points(aleatoire.uniform(minx, maxx, 4 * n), aleatoire.uniform(miny, maxy, 4 * n))
        trouves += list(candidats[shapely.contains(geometrie, candidats)])
    return trouves[:n]


def _mesurer(libelle: str, fonction):
    debut = time.perf_counter()
    resultat = fonction()
    print(f"  {libelle:55} {time.perf_counter() - debut:6.2f} s  ({nombre_fr(len(resultat))} lignes)")
    return resultat


def main() -> None:
    if not Path(os.environ["ESS_DATA_MIRROR"]).is_dir():
        print(f"Miroir absent ({os.environ['ESS_DATA_MIRROR']}) : mesure ignorée.")
        return
    ref = charger_referentiel()
    entrees = opportunites.charger_entrees(ref)
    if entrees.structures is None:
        debut = time.perf_counter()
        entrees.structures = structures_synthetiques(ref)
        print(
            f"Registre des structures absent : {nombre_fr(len(entrees.structures))} structures SYNTHÉTIQUES "
            f"générées en {time.perf_counter() - debut:.1f} s (mesure seulement, jamais affichées)."
        )
    print(f"Analyses pour la région Hauts-de-France ({nombre_fr(len(ref.communes_de(REGION)))} communes) :")
    _mesurer(
        "Communes candidates (distances commerce et structure)",
        lambda: opportunites.candidats_epiceries(entrees, REGION),
    )
    _mesurer("ESS dans et autour des QPV (300 m)", lambda: opportunites.presence_ess_qpv(entrees, REGION))
    _mesurer(
        "Classement des EPCI (besoin, densité)", lambda: opportunites.classement_territoires(entrees, REGION)
    )
    for methode in opportunites.METHODES:
        valeurs = _mesurer(
            f"Indicateur par EPCI + classes ({methode})",
            lambda methode=methode: opportunites.valeurs_indicateur(
                entrees, REGION, "epci", "structures_pour_1000"
            ),
        )
        opportunites.classer(valeurs.valeur, methode, 5)
    valeurs = opportunites.valeurs_indicateur(entrees, REGION, "communes", "structures_pour_1000")
    debut = time.perf_counter()
    classes, bornes = opportunites.classer(valeurs.valeur, "seuils_naturels", 5)
    print(f"  {'Seuils naturels sur toutes les communes':55} {time.perf_counter() - debut:6.2f} s")
    for table, echelle, donnees in (("epci", "moyen", None), ("communes", "moyen", valeurs)):
        donnees = (
            donnees
            if donnees is not None
            else opportunites.valeurs_indicateur(entrees, REGION, "epci", "structures_pour_1000")
        )
        classes, bornes = opportunites.classer(donnees.valeur, "quantiles", 5)
        surcouche = surcouches.choroplethe.surcouche(
            ref, donnees, classes, bornes, table, echelle, "Essai", "essai"
        )
        carte = carte_territoire.dessiner(
            carte_territoire.preparer(ref, REGION), "/app/static/vendor", [surcouche]
        )
        print(
            f"  Poids de la carte de l'indicateur par {table:8} : "
            f"{carte_territoire.taille_html(carte) / 1e6:5.2f} Mo"
        )


if __name__ == "__main__":
    main()
