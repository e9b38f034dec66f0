"""The embedded snapshot as the build reads it: its manifest, a step's entry, its tables restored.

:mod:`geo.build.instantane` makes the snapshot (it builds every step, so it sits above
:mod:`geo.build.etapes`); the steps fall back on it through this module, below them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from geo.outils import config
from geo.outils.text import date_fr
from geo.sources import publication, source

NOM_MANIFESTE = "manifeste.json"


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
    try:
        return publication(source(origine["source"]))
    except KeyError:  # a source no longer declared
        return None, None
