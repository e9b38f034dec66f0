"""Build steps for datasets layered on the territories (QPV, shops, structures…).

Each dataset module declares one :class:`Etape`: the sources it reads and a
function that writes its tables into a folder. :func:`construire_etape` runs it
into ``data/cache/<nom>/`` with its own manifest, so that

- a dataset that cannot be had (offline, no mirror) is recorded as unavailable
  with the French message of :class:`~geo.sources.SourceIndisponible`, and the
  rest of the app works with what it has;
- a step is skipped when its inputs and code have not changed;
- a half-written folder is never read (built aside, then swapped in).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geo import config
from geo.sources import Localisation, SourceIndisponible, localiser
from geo.territories import Referentiel

journal = logging.getLogger("geo.build")

NOM_MANIFESTE = "manifeste.json"


@dataclass(frozen=True)
class Etape:
    """A dataset's build step.

    ``construire(dossier, ref, localisations)`` writes the step's files into
    ``dossier`` and returns a dict merged into the step's manifest (counts,
    ``anomalies`` as a list of French sentences…). ``localisations`` holds the
    sources that could be found; the function decides what it can do without
    the others (``sources_requises`` must all be there, or the step is skipped).
    """

    nom: str
    titre: str
    module: str
    sources: tuple[str, ...]
    construire: Callable[[Path, Referentiel, dict[str, Localisation]], dict]
    sources_requises: tuple[str, ...] = ()


def _empreinte(etape: Etape, localisations: dict[str, Localisation], territoires: dict) -> dict:
    code = hashlib.sha256(Path(sys.modules[etape.module].__file__).read_bytes()).hexdigest()[:16]
    return {
        "version": config.VERSION_CONSTRUCTION,
        "code": code,
        "territoires": territoires.get("construit_le"),
        "fichiers": {
            sid: {"chemin": str(loc.chemin), "taille": loc.chemin.stat().st_size}
            for sid, loc in sorted(localisations.items())
        },
    }


def lire_manifeste(nom: str, dossier_cache: Path | None = None) -> dict | None:
    """The manifest of a built step, or None when it was never built."""
    chemin = (dossier_cache or config.dossier_cache()) / nom / NOM_MANIFESTE
    if not chemin.is_file():
        return None
    return json.loads(chemin.read_text(encoding="utf-8"))


def construire_etape(
    etape: Etape,
    ref: Referentiel,
    dossier_cache: Path | None = None,
    forcer: bool = False,
    telecharger: bool = True,
) -> dict:
    """Run one step into ``<dossier_cache>/<nom>/``; return its manifest."""
    dossier_cache = dossier_cache or config.dossier_cache()
    dossier = dossier_cache / etape.nom
    localisations: dict[str, Localisation] = {}
    indisponibles: dict[str, str] = {}
    for source_id in etape.sources:
        try:
            localisations[source_id] = localiser(source_id, telecharger=telecharger)
        except SourceIndisponible as erreur:
            indisponibles[source_id] = str(erreur)

    empreinte = _empreinte(etape, localisations, ref.manifeste)
    ancien = lire_manifeste(etape.nom, dossier_cache)
    if not forcer and ancien is not None and ancien.get("empreinte") == empreinte:
        journal.info("%s : déjà construit et à jour.", etape.titre)
        return ancien

    manquantes = [s for s in etape.sources_requises if s not in localisations]
    debut = time.perf_counter()
    manifeste: dict = {
        "etape": etape.nom,
        "titre": etape.titre,
        "construit_le": dt.datetime.now().isoformat(timespec="seconds"),
        "empreinte": empreinte,
        "sources": [loc.en_dict() for loc in localisations.values()],
        "indisponibles": indisponibles,
        "anomalies": [],
        "disponible": not manquantes,
    }
    temporaire = dossier.with_name(dossier.name + ".construction")
    if temporaire.exists():
        shutil.rmtree(temporaire)
    temporaire.mkdir(parents=True)
    if manquantes:
        journal.warning("%s : indisponible (%s).", etape.titre, " ; ".join(indisponibles.values()))
    else:
        journal.info("%s : construction…", etape.titre)
        manifeste.update(etape.construire(temporaire, ref, localisations))
    manifeste["duree_s"] = round(time.perf_counter() - debut, 1)
    (temporaire / NOM_MANIFESTE).write_text(
        json.dumps(manifeste, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    remplacer_dossier(temporaire, dossier)
    return manifeste


def remplacer_dossier(temporaire: Path, dossier: Path) -> None:
    """Swap a freshly built folder in, so that readers never see half a build."""
    if dossier.exists():
        ancien = dossier.with_name(dossier.name + ".ancien")
        if ancien.exists():
            shutil.rmtree(ancien)
        dossier.rename(ancien)
        temporaire.rename(dossier)
        shutil.rmtree(ancien)
    else:
        dossier.parent.mkdir(parents=True, exist_ok=True)
        temporaire.rename(dossier)


def assurer_etape(etape: Etape, ref: Referentiel, dossier_cache: Path | None = None) -> dict:
    """The step's manifest, building the step first when it was never built."""
    manifeste = lire_manifeste(etape.nom, dossier_cache)
    if manifeste is None:
        manifeste = construire_etape(etape, ref, dossier_cache)
    return manifeste


def provenances(dossier_cache: Path | None = None) -> dict[str, dict]:
    """Where each source was loaded from, or why it is unavailable, across every build.

    Keys are source ids; values are :meth:`Localisation.en_dict` entries, or
    ``{"origine": "indisponible", "message": …}``.
    """
    dossier_cache = dossier_cache or config.dossier_cache()
    resultat: dict[str, dict] = {}
    for manifeste_chemin in sorted(dossier_cache.glob(f"*/{NOM_MANIFESTE}")):
        manifeste = json.loads(manifeste_chemin.read_text(encoding="utf-8"))
        for entree in manifeste.get("sources", []):
            resultat[entree["source"]] = {**entree, "construit_le": manifeste.get("construit_le")}
        for source_id, message in manifeste.get("indisponibles", {}).items():
            indisponible = {"source": source_id, "origine": "indisponible", "message": message}
            resultat.setdefault(source_id, indisponible)
    return resultat


def lister_manifestes(dossier_cache: Path | None = None) -> list[dict]:
    """Every manifest of the cache (territories first, then steps by name)."""
    dossier_cache = dossier_cache or config.dossier_cache()
    return [
        json.loads(chemin.read_text(encoding="utf-8"))
        for chemin in sorted(
            dossier_cache.glob(f"*/{NOM_MANIFESTE}"), key=lambda c: (c.parent.name != "territoires", c)
        )
    ]
