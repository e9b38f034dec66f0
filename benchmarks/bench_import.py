"""Import benchmark: a CSV of 100 000 funding lines, read, checked and written in one transaction.

Run with ``.venv/bin/python benchmarks/bench_import.py [lignes]``. Needs no data mirror.
Prints the file's size, the time of each part and the peak memory; asserts nothing.
Target (issue 30): 100 000 lines in under a minute on 2 cores.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from geo.base import saisie, saisie_fichiers, store  # noqa: E402
from geo.donnees import emplois  # noqa: E402

FINANCEURS = ("Région Hauts-de-France", "Département du Nord", "État", "Banque des Territoires")


def fichier_financements(lignes: int) -> bytes:
    """``lignes`` distinct funding lines of one PTCE, French amounts, as a departement would export."""
    texte = ["ptce;financeur;dispositif;montant_eur;annee_debut;annee_fin"]
    for i in range(lignes):
        annee = 2000 + i % 26
        texte.append(
            f"PTCE de mesure;{FINANCEURS[i % 4]};Subvention n° {i};{1000 + i % 9000} {i % 1000:03d},50 €;"
            f"{annee};{annee + 1}"
        )
    return ("\n".join(texte) + "\n").encode("utf-8")


def _memoire_max_mo() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(lignes: int = 100_000) -> None:
    contenu = fichier_financements(lignes)
    print(f"Fichier de {lignes:,} lignes : {len(contenu) / 1e6:.1f} Mo".replace(",", "\u202f"))
    print(f"Limites annoncées : {saisie_fichiers.LIMITES}")
    with tempfile.TemporaryDirectory() as dossier:
        depot = emplois.depot_pret(f"sqlite:///{Path(dossier) / 'bench.sqlite3'}")
        with depot.session() as session:
            session.add(store.PTCE(nom="PTCE de mesure", source="bench"))
        avant = _memoire_max_mo()
        debut = time.perf_counter()
        feuilles, _ = saisie_fichiers.lire(contenu, "financements.csv")
        lecture = time.perf_counter() - debut
        rapport = saisie.importer_tables(depot, feuilles, "bench")
        total = time.perf_counter() - debut
        print(f"Lecture et décodage : {lecture:.1f} s")
        print(f"Import complet (lecture, contrôle, écriture) : {total:.1f} s, {rapport.total} lignes écrites")
        print(f"Mémoire au plus haut : {_memoire_max_mo():.0f} Mo (avant l'import : {avant:.0f} Mo)")
        # Other work on the machine slows the figures down: say how busy it was.
        print(f"Charge de la machine (1 min) : {os.getloadavg()[0]:.1f} pour {os.cpu_count()} cœurs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
