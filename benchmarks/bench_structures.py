"""ESS structures benchmark: build and map payload for 200,000 structures.

SYNTHETIC DATA: the official SIRENE stock files are not in the mirror, so this
benchmark writes SIRENE-shaped files (legal units, establishments, geolocation)
for 200,000 made-up ESS establishments placed at random inside real communes
(more where more people live), with valid made-up SIRET numbers. They live in a
temporary folder, are deleted at the end and are never shown in the app.

Measures: the build step through the real streaming loaders (time, peak
memory), then for several scales the time to prepare the overlay, the number of
markers sent to the browser (never more than 50,000) and the weight of the map
HTML. Run with ``make bench`` or ``python benchmarks/bench_structures.py [N]``.
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from geo.donnees import structures  # noqa: E402
from geo.outils import config  # noqa: E402
from geo.rendu import carte_territoire, surcouches  # noqa: E402
from geo.sources import Localisation, sirene  # noqa: E402
from geo.territoires.referentiel import TerritoireId, charger_referentiel  # noqa: E402

BASE = "/app/static/vendor"
N_DEFAUT = 200_000
CATEGORIES = ["9220", "9220", "9220", "9220", "5458", "5460", "8210", "9300", "5710", "6317"]
TRANCHES = ["NN", "NN", "01", "02", "03", "11", "12", "21", "22", "32"]
NAF = ["88.99B", "94.99Z", "85.59A", "56.10A", "62.01Z", "43.21A", "65.12Z", "90.01Z"]


def _chiffre_de_controle(chiffres: np.ndarray) -> np.ndarray:
    """Luhn check digit to append to each row of digits."""
    k = chiffres.shape[1] + 1
    doubles = (k - 1 - np.arange(k - 1)) % 2 == 1
    valeurs = chiffres.copy()
    valeurs[:, doubles] *= 2
    valeurs[valeurs > 9] -= 9
    return (10 - valeurs.sum(axis=1) % 10) % 10


def sirets_synthetiques(n: int, generateur: np.random.Generator) -> tuple[list[str], list[str]]:
    """n distinct made-up (SIREN, SIRET) pairs with valid checksums (never 356000000)."""
    base = generateur.choice(np.arange(10_000_000, 99_999_999), size=n, replace=False)
    chiffres = np.array([list(f"{b:08d}") for b in base], dtype=np.int64)
    siren = np.hstack([chiffres, _chiffre_de_controle(chiffres)[:, None]])
    nic = np.hstack([siren, np.zeros((n, 3), dtype=np.int64), np.ones((n, 1), dtype=np.int64)])
    siret = np.hstack([nic, _chiffre_de_controle(nic)[:, None]])
    return ["".join(map(str, r)) for r in siren], ["".join(map(str, r)) for r in siret]


def points_dans_les_communes(ref, n: int, generateur: np.random.Generator) -> pd.DataFrame:
    """n random points inside real communes, more in the more populated ones."""
    communes = ref.communes[ref.communes.geometry.notna() & ref.communes.population.notna()]
    poids = communes.population.astype(float).to_numpy() + 50
    tirees = generateur.choice(len(communes), size=n, p=poids / poids.sum())
    comptes = np.bincount(tirees, minlength=len(communes))
    lignes = []
    for indice in np.flatnonzero(comptes):
        geometrie = communes.geometry.iloc[indice]
        minx, miny, maxx, maxy = geometrie.bounds
        voulus, trouves = int(comptes[indice]), []
        while sum(len(t) for t in trouves) < voulus:
            x = generateur.uniform(minx, maxx, voulus * 3)
            y = generateur.uniform(miny, maxy, voulus * 3)
            dedans = shapely.contains_xy(geometrie, x, y)
            trouves.append(np.column_stack([x[dedans], y[dedans]]))
        xy = np.vstack(trouves)[:voulus]
        lignes.append(pd.DataFrame({"commune": communes.code.iloc[indice], "lon": xy[:, 0], "lat": xy[:, 1]}))
    return pd.concat(lignes, ignore_index=True)


def ecrire_fichiers(dossier: Path, ref, n: int) -> dict[str, Localisation]:
    generateur = np.random.default_rng(2026)
    sirens, sirets = sirets_synthetiques(n, generateur)
    points = points_dans_les_communes(ref, n, generateur)
    categories = generateur.choice(CATEGORIES, n)
    pd.DataFrame(
        {
            "siren": sirens,
            "etatAdministratifUniteLegale": "A",
            "denominationUniteLegale": [f"STRUCTURE SYNTHETIQUE {i}" for i in range(n)],
            "categorieJuridiqueUniteLegale": categories,
            "activitePrincipaleUniteLegale": generateur.choice(NAF, n),
            "trancheEffectifsUniteLegale": generateur.choice(TRANCHES, n),
            "economieSocialeSolidaireUniteLegale": "O",
        }
    ).to_csv(dossier / "StockUniteLegale_utf8.csv", index=False)
    pd.DataFrame(
        {
            "siren": sirens,
            "siret": sirets,
            "etatAdministratifEtablissement": "A",
            "codeCommuneEtablissement": points.commune,
            "activitePrincipaleEtablissement": generateur.choice(NAF, n),
            "trancheEffectifsEtablissement": generateur.choice(TRANCHES, n),
            "libelleVoieEtablissement": "RUE SYNTHETIQUE",
        }
    ).to_csv(dossier / "StockEtablissement_utf8.csv", index=False)
    pd.DataFrame(
        {"siret": sirets, "x_longitude": points.lon.round(6), "y_latitude": points.lat.round(6)}
    ).to_csv(
        dossier / "GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.csv",
        index=False,
        sep=";",
    )
    aujourdhui = dt.date.today().isoformat()
    return {
        source.id: Localisation(source.id, dossier / nom, "miroir", aujourdhui)
        for source, nom in (
            (sirene.UNITES_LEGALES, "StockUniteLegale_utf8.csv"),
            (sirene.ETABLISSEMENTS, "StockEtablissement_utf8.csv"),
            (sirene.GEOLOCALISATION, "GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.csv"),
        )
    }


def memoire_residente() -> int:
    """Resident memory of this process, in bytes (Linux)."""
    for ligne in Path("/proc/self/status").read_text().splitlines():
        if ligne.startswith("VmRSS:"):
            return int(ligne.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class SondeMemoire:
    """Peak resident memory above the starting point, sampled every 20 ms in a thread."""

    def __enter__(self) -> SondeMemoire:
        self.depart = self.pic = memoire_residente()
        self._fini = threading.Event()
        self._fil = threading.Thread(target=self._sonder, daemon=True)
        self._fil.start()
        return self

    def _sonder(self) -> None:
        while not self._fini.wait(0.02):
            self.pic = max(self.pic, memoire_residente())

    def __exit__(self, *erreur) -> None:
        self._fini.set()
        self._fil.join()
        self.pic = max(self.pic, memoire_residente())

    @property
    def hausse(self) -> int:
        return self.pic - self.depart


def main(n: int = N_DEFAUT) -> None:
    print(
        f"Banc d'essai des structures de l'ESS — {n:,} structures SYNTHÉTIQUES (jamais affichées dans l'app)"
    )
    ref = charger_referentiel(config.dossier_territoires())
    with tempfile.TemporaryDirectory() as temporaire:
        dossier = Path(temporaire)
        debut = time.perf_counter()
        localisations = ecrire_fichiers(dossier, ref, n)
        taille = sum(loc.chemin.stat().st_size for loc in localisations.values()) / 1e6
        print(f"Fichiers synthétiques écrits : {time.perf_counter() - debut:5.1f} s ({taille:.0f} Mo)")

        sortie = dossier / "structures"
        sortie.mkdir()
        with SondeMemoire() as sonde:
            debut = time.perf_counter()
            manifeste = structures.construire(sortie, ref, localisations)
            duree = time.perf_counter() - debut
        print(
            f"Construction (lecture en flux, fusion, placement) : {duree:5.1f} s — "
            f"{manifeste['nombres']['structures']:,} structures ; mémoire résidente : "
            f"{sonde.depart / 1e6:.0f} Mo au départ (territoires chargés), pic +{sonde.hausse / 1e6:.0f} Mo "
            f"pendant la construction ; parquet {(sortie / 'structures.parquet').stat().st_size / 1e6:.1f} Mo"
        )
        manifeste["disponible"] = True
        debut = time.perf_counter()
        donnees = structures.DonneesStructures(sortie, manifeste)
        print(f"Lecture du registre : {time.perf_counter() - debut:5.2f} s")

        plus_dense = donnees.registre.commune.str[:2].value_counts().index[0]
        territoires = [
            ("France entière (par EPCI)", None),
            ("Île-de-France (par commune)", TerritoireId("region", "11")),
            (f"Département {plus_dense} (marqueurs)", TerritoireId("departement", plus_dense)),
            ("Paris (marqueurs)", TerritoireId("commune", "75056")),
            ("CA de la Porte du Hainaut (marqueurs)", TerritoireId("epci", "200042190")),
        ]
        print("Carte : préparation de la couche, marqueurs envoyés, poids du HTML")
        for libelle, tid in territoires:
            debut = time.perf_counter()
            tableau = donnees.du_territoire(ref, tid)
            surcouche = surcouches.structures.surcouche(ref, tableau, tid)
            html = (
                carte_territoire.dessiner(carte_territoire.preparer(ref, tid), BASE, [surcouche])
                .get_root()
                .render()
            )
            duree = time.perf_counter() - debut
            marqueurs = _marqueurs(html)
            print(
                f"  {libelle:42s} {len(tableau):>8,} structures  {duree:6.2f} s  "
                f"{marqueurs:>7,} marqueurs  {len(html.encode()) / 1e6:7.2f} Mo"
            )
            if marqueurs > surcouches.structures.MARQUEURS_MAX:
                print(f"  ANOMALIE : plus de {surcouches.structures.MARQUEURS_MAX:,} marqueurs envoyés")
        # The worst case the map allows: the marker limit, whatever the territory.
        pire = donnees.registre.head(surcouches.structures.MARQUEURS_MAX)
        debut = time.perf_counter()
        tables, points = surcouches.structures.donnees_marqueurs(pire)
        element = surcouches.structures.MarqueursStructures(tables, points)
        poids = len(element.points) + len(element.tables)
        print(
            f"  {'Pire cas permis (' + format(len(points), ',') + ' marqueurs)':42s} "
            f"{len(pire):>8,} structures  {time.perf_counter() - debut:6.2f} s  "
            f"{len(points):>7,} marqueurs  {poids / 1e6:7.2f} Mo (données des marqueurs seules)"
        )


def _marqueurs(html: str) -> int:
    """Markers in a page: points of the MarqueursStructures arrays (0 when counts are drawn)."""
    if "markerClusterGroup" not in html:
        return 0
    debut = html.index("var points = ") + len("var points = ")
    fin = html.index(";\n", debut)
    return html[debut:fin].count("],[") + 1


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else N_DEFAUT)
