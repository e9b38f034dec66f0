"""Address search through the national address service (Base Adresse Nationale).

The service of the Géoplateforme (``data.geopf.fr/geocodage``) answers with a
GeoJSON FeatureCollection: each feature has ``geometry.coordinates``
(longitude, latitude) and ``properties.label``, ``score``, ``citycode``.
It needs internet: without it, :class:`GeocodageIndisponible` says so plainly.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from geo.outils import config

URL_PAR_DEFAUT = "https://data.geopf.fr/geocodage/search"


class GeocodageIndisponible(RuntimeError):
    """The address service cannot be reached (offline, proxy, outage)."""


@dataclass(frozen=True)
class Adresse:
    libelle: str
    lon: float
    lat: float
    score: float
    commune: str | None


def url_service() -> str:
    return os.environ.get("ESS_GEOCODAGE_URL", URL_PAR_DEFAUT)


def chercher_adresse(texte: str, limite: int = 5, delai_s: float = 8.0) -> list[Adresse]:
    """Addresses matching ``texte``, best first (empty list when nothing matches)."""
    texte = (texte or "").strip()
    if len(texte) < 3:
        raise ValueError("Saisissez au moins 3 caractères de l'adresse.")
    if config.hors_ligne():
        raise GeocodageIndisponible(
            "La recherche d'adresse est désactivée sur ce serveur (mode hors ligne). "
            "Cliquez sur la carte ou saisissez des coordonnées."
        )
    requete = f"{url_service()}?{urllib.parse.urlencode({'q': texte, 'limit': limite})}"
    try:
        with urllib.request.urlopen(requete, timeout=delai_s) as reponse:
            donnees = json.load(reponse)
    except (urllib.error.URLError, TimeoutError, OSError) as erreur:
        raise GeocodageIndisponible(
            "La recherche d'adresse a besoin d'internet : le service national d'adresses "
            f"({urllib.parse.urlparse(url_service()).netloc}) ne répond pas. "
            "Cliquez sur la carte ou saisissez des coordonnées."
        ) from erreur
    except json.JSONDecodeError as erreur:
        raise GeocodageIndisponible("Le service d'adresses a renvoyé une réponse illisible.") from erreur
    adresses = []
    for entite in donnees.get("features", []):
        try:
            lon, lat = entite["geometry"]["coordinates"][:2]
            proprietes = entite.get("properties", {})
            adresses.append(
                Adresse(
                    libelle=str(proprietes.get("label", "")),
                    lon=float(lon),
                    lat=float(lat),
                    score=float(proprietes.get("score", 0.0)),
                    commune=proprietes.get("citycode"),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return adresses


def lire_coordonnees(texte: str) -> tuple[float, float]:
    """``"43.5723, 1.4009"`` (latitude, longitude) → (lon, lat), with French messages.

    Accepts French decimal commas when the two numbers are separated by ``;``
    or a space: ``"43,5723 ; 1,4009"``.

    >>> lire_coordonnees("43.5723, 1.4009")
    (1.4009, 43.5723)
    >>> lire_coordonnees("43,5723 ; 1,4009")
    (1.4009, 43.5723)
    """
    texte = (texte or "").strip()
    if ";" in texte:
        morceaux = [m.strip().replace(",", ".") for m in texte.split(";")]
    elif texte.count(",") == 1:
        morceaux = [m.strip() for m in texte.split(",")]
    else:
        morceaux = [m.replace(",", ".") for m in texte.split()]
    if len(morceaux) != 2:
        raise ValueError(
            "Coordonnées attendues sous la forme « latitude, longitude », par exemple 43.5723, 1.4009."
        )
    try:
        lat, lon = float(morceaux[0]), float(morceaux[1])
    except ValueError as erreur:
        raise ValueError(f"Coordonnées illisibles : « {texte} ». Exemple : 43.5723, 1.4009.") from erreur
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(
            "Latitude entre -90 et 90, longitude entre -180 et 180 : vérifiez l'ordre (latitude d'abord)."
        )
    return lon, lat
