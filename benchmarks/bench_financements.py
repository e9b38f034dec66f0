"""Jobs and funding benchmark: build step, per-territory figures, import of a large file.

Run with ``.venv/bin/python benchmarks/bench_financements.py`` (needs the data
mirror in ``$ESS_DATA_MIRROR``, or ``../shared/data``). Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("ESS_DATA_MIRROR", str(RACINE.parent / "shared" / "data"))

from geo.base import saisie, saisie_modele, store  # noqa: E402
from geo.build import etapes  # noqa: E402
from geo.donnees import emplois, financements  # noqa: E402
from geo.outils import config  # noqa: E402
from geo.rendu import charts  # noqa: E402
from geo.territoires.referentiel import TerritoireId, charger_referentiel  # noqa: E402

TERRITOIRES = [
    ("France entière", None),
    ("Hauts-de-France", TerritoireId("region", "32")),
    ("Aisne", TerritoireId("departement", "02")),
    ("GrandSoissons Agglomération", TerritoireId("epci", "240200477")),
    ("Soissons", TerritoireId("commune", "02722")),
]


def _chrono(fonction):
    debut = time.perf_counter()
    resultat = fonction()
    return resultat, time.perf_counter() - debut


def main() -> None:
    if not Path(os.environ["ESS_DATA_MIRROR"]).is_dir():
        print("Miroir de données absent : rien à mesurer.")
        return
    ref = charger_referentiel()
    with tempfile.TemporaryDirectory() as dossier:
        cache = Path(dossier) / "cache"
        cache.mkdir()
        (cache / "territoires").symlink_to(config.dossier_territoires())
        manifeste, duree = _chrono(
            lambda: etapes.construire_etape(financements.ETAPE, ref, cache, forcer=True)
        )
        print(f"Construction des financements : {duree:.1f} s, {manifeste['nombres']['postes']} postes")
        taille = sum(f.stat().st_size for f in (cache / "financements").iterdir())
        print(f"  cache : {taille / 1e6:.2f} Mo")
        donnees, duree = _chrono(lambda: financements.charger(ref, cache))
        print(f"Lecture du cache : {duree * 1000:.0f} ms")

        depot = emplois.depot_pret(f"sqlite:///{Path(dossier) / 'bench.sqlite3'}")
        saisies, duree = _chrono(lambda: emplois.charger(depot))
        print(f"Lecture de la base de saisie (pack de semences) : {duree * 1000:.0f} ms")
        for nom, tid in TERRITOIRES:
            bloc, duree = _chrono(lambda tid=tid: financements.bloc(donnees, saisies, ref, tid))
            lignes, duree_lignes = _chrono(
                lambda tid=tid: financements.lignes_financements(donnees, saisies, ref, tid)
            )
            _figure, duree_figure = _chrono(
                lambda lignes=lignes: charts.financements_par_annee(lignes, "t", "s", "a")
            )
            print(
                f"{nom:32s} bloc {duree * 1000:6.0f} ms · tableau {duree_lignes * 1000:6.0f} ms "
                f"({len(lignes)} lignes) · graphique {duree_figure * 1000:5.0f} ms · "
                f"{bloc['total_eur']:,.0f} €".replace(",", "\u202f")
            )

        # An import of 5 000 job rows: 26 distinct (year, kind) pairs, the rest duplicates.
        lignes_csv = ["projet;annee;nature;nombre"]
        with depot.session() as session:
            projet = store.Projet(nom="Projet de mesure", source="bench")
            session.add(projet)
        for i in range(5000):
            lignes_csv.append(f"Projet de mesure;{2000 + i % 26};{('insertion', 'encadrement')[i % 2]};{i}")
        contenu = "\n".join(lignes_csv).encode("utf-8")
        try:
            _, duree = _chrono(lambda: saisie.importer(depot, contenu, "emplois.csv"))
        except saisie_modele.ImportRefuse as refus:
            print(f"Import de 5 000 lignes refusé : {len(refus.erreurs)} doublons signalés (4 974 attendus)")
        unique = "\n".join(lignes_csv[:27]).encode("utf-8")
        rapport, duree = _chrono(lambda: saisie.importer(depot, unique, "emplois.csv"))
        print(f"Import de {rapport.total} lignes valides : {duree * 1000:.0f} ms")
        depot.fermer()


if __name__ == "__main__":
    main()
