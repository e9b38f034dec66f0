"""Datasets declared with the schema ``scdl/subventions`` on data.gouv.fr (online only).

data.gouv.fr lets a producer declare that a resource follows a schema; the
dataset API filters on it (``/api/1/datasets/?schema=scdl/subventions``). This
module lists those datasets for a name (a commune, an EPCI, a département…) and
fetches one resource, for the Saisie page's import (all or nothing, see
:mod:`geo.donnees.subventions_import`). Nothing here runs during a build or offline.

``$ESS_URL_RELAIS`` (the convention of the project's downloads) replaces the
scheme and host part, so that tests serve the API from a loopback server.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import requests

from geo.outils import config

API = "https://www.data.gouv.fr/api/1"
SCHEMA = "scdl/subventions"
DELAI_S = 20
TAILLE_MAX = 50 * 1024 * 1024
FORMATS = {"csv", "xlsx", "xls", "ods"}


class DataGouvIndisponible(RuntimeError):
    """data.gouv.fr could not be reached or answered something unusable (French message)."""


@dataclass(frozen=True)
class RessourceScdl:
    jeu: str
    organisation: str
    titre: str
    url: str
    format: str
    page: str

    @property
    def nom_fichier(self) -> str:
        nom = self.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
        if not nom.lower().endswith(tuple(f".{f}" for f in FORMATS)):
            titre = re.sub(r"[^\w-]+", "_", self.titre)[:80]
            nom = f"{titre}.{self.format}"
        return nom


def url_relayee(url: str) -> str:
    relais = os.environ.get("ESS_URL_RELAIS", "").rstrip("/")
    return re.sub(r"^https?://", relais + "/", url) if relais else url


def _obtenir(url: str, **parametres) -> requests.Response:
    if config.hors_ligne():
        raise DataGouvIndisponible("Recherche sur data.gouv.fr désactivée (ESS_HORS_LIGNE).")
    try:
        reponse = requests.get(url_relayee(url), params=parametres or None, timeout=DELAI_S)
        reponse.raise_for_status()
    except requests.RequestException as erreur:
        raise DataGouvIndisponible(f"data.gouv.fr injoignable ou en erreur ({erreur}).") from erreur
    return reponse


def _schema_scdl(ressource: dict) -> bool:
    schema = ressource.get("schema") or {}
    return isinstance(schema, dict) and schema.get("name") == SCHEMA


def lister(recherche: str, nombre: int = 20) -> list[RessourceScdl]:
    """Resources declared ``scdl/subventions`` of the datasets found for ``recherche`` (newest first)."""
    try:
        reponse = _obtenir(f"{API}/datasets/", schema=SCHEMA, q=recherche, page_size=nombre).json()
    except ValueError as erreur:
        raise DataGouvIndisponible("Réponse de data.gouv.fr illisible (JSON attendu).") from erreur
    jeux = reponse.get("data") if isinstance(reponse, dict) else None
    if not isinstance(jeux, list):
        raise DataGouvIndisponible("Réponse de data.gouv.fr inattendue (liste de jeux absente).")
    ressources = []
    for jeu in jeux:
        if not isinstance(jeu, dict):
            continue
        organisation = (jeu.get("organization") or {}).get("name") or (jeu.get("owner") or {}).get("name")
        for ressource in jeu.get("resources") or []:
            format_ = str(ressource.get("format") or "").lower()
            if not _schema_scdl(ressource) or format_ not in FORMATS or not ressource.get("url"):
                continue
            ressources.append(
                RessourceScdl(
                    jeu=str(jeu.get("title") or ""),
                    organisation=str(organisation or "organisation non précisée"),
                    titre=str(ressource.get("title") or ""),
                    url=str(ressource["url"]),
                    format=format_,
                    page=str(jeu.get("page") or ""),
                )
            )
    return ressources


def telecharger(ressource: RessourceScdl) -> bytes:
    """The resource's bytes (refused beyond 50 MB)."""
    contenu = _obtenir(ressource.url).content
    if len(contenu) > TAILLE_MAX:
        raise DataGouvIndisponible(f"{ressource.nom_fichier} : plus de 50 Mo, non téléchargé.")
    return contenu
