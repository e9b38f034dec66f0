"""Why an official file cannot be read, said in French and attached to the file's name."""

from __future__ import annotations

import functools
import json
import math
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# Beyond this size a failed file is not parsed again to find its fault (the reason stays generic).
TAILLE_MAX_DIAGNOSTIC = 300_000_000


class FichierInutilisable(ValueError):
    """An official file that cannot be used: its name and its fault, in French.

    ``str()`` reads « contrats_de_ville_2024_centroides.geojson : fichier tronqué ».
    """

    def __init__(self, fichier: str, defaut: str) -> None:
        super().__init__(f"{fichier} : {defaut}")
        self.fichier = fichier
        self.defaut = defaut


def _coordonnees_manquantes(coordonnees: object) -> bool:
    """True when a GeoJSON coordinates array holds anything but finite numbers."""
    if isinstance(coordonnees, list):
        return any(_coordonnees_manquantes(c) for c in coordonnees)
    if isinstance(coordonnees, bool) or not isinstance(coordonnees, (int, float)):
        return True
    return not math.isfinite(coordonnees)


def defaut_geojson(donnees: object, polygones: bool = False) -> str | None:
    """What is wrong with a parsed GeoJSON document, or None when its shape is right."""
    entites = donnees.get("features") if isinstance(donnees, dict) else None
    if not isinstance(entites, list) or not all(isinstance(e, dict) for e in entites):
        return "n'est pas un GeoJSON (il n'a pas de liste d'entités « features »)"
    types = set()
    for entite in entites:
        geometrie = entite.get("geometry")
        if geometrie is None:
            continue
        if not isinstance(geometrie, dict) or "coordinates" not in geometrie:
            return "n'est pas un GeoJSON : une entité a une géométrie sans coordonnées"
        types.add(geometrie.get("type"))
        if _coordonnees_manquantes(geometrie["coordinates"]):
            return "coordonnées manquantes (NaN)"
    if polygones and types - {"Polygon", "MultiPolygon"}:
        trouves = ", ".join(sorted(str(t) for t in types - {"Polygon", "MultiPolygon"}))
        return f"n'est pas un GeoJSON de polygones (géométries trouvées : {trouves})"
    return None


def _defaut_json(erreur: json.JSONDecodeError) -> str:
    reste = erreur.doc[erreur.pos :].strip()
    if erreur.msg.startswith("Unterminated") or not reste:
        return "fichier tronqué (il s'arrête avant la fin des données)"
    return f"JSON invalide (ligne {erreur.lineno}, colonne {erreur.colno})"


def defaut_evident(chemin: Path) -> str | None:
    """« fichier vide » or « page web reçue au lieu du fichier » (a server's error page), else None."""
    try:
        if chemin.stat().st_size == 0:
            return "fichier vide"
        with chemin.open("rb") as lu:
            debut = lu.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    except OSError:
        return None
    if debut.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        return "page web reçue au lieu du fichier (erreur du serveur ou adresse périmée)"
    return None


def defaut_du_contenu(chemin: Path, polygones: bool = False) -> str | None:
    """The fault of a file found by looking at it: empty, a web page, a broken archive, bad JSON."""
    evident = defaut_evident(chemin)
    if evident:
        return evident
    try:
        suffixe = chemin.suffix.lower()
        if suffixe == ".zip" and not zipfile.is_zipfile(chemin):
            return "archive zip tronquée ou corrompue"
        if suffixe in (".json", ".geojson") and chemin.stat().st_size <= TAILLE_MAX_DIAGNOSTIC:
            try:
                donnees = json.loads(chemin.read_text(encoding="utf-8-sig"))
            except json.JSONDecodeError as erreur:
                return _defaut_json(erreur)
            if suffixe == ".geojson" or polygones:
                return defaut_geojson(donnees, polygones=polygones)
    except (OSError, UnicodeDecodeError):
        return None
    return None


def defaut_de_l_erreur(erreur: BaseException) -> str:
    """An exception met while reading a file, in French (libraries speak English)."""
    nom = type(erreur).__name__
    if isinstance(erreur, (zipfile.BadZipFile, zlib.error, EOFError)):
        return "archive zip tronquée ou corrompue"
    if isinstance(erreur, json.JSONDecodeError):
        return _defaut_json(erreur)
    if isinstance(erreur, UnicodeDecodeError):
        return f"caractères illisibles dans l'encodage {erreur.encoding}"
    if isinstance(erreur, KeyError):
        return f"colonne ou champ attendu absent ({erreur.args[0] if erreur.args else '?'})"
    if isinstance(erreur, (TypeError, AttributeError, IndexError)):
        return (
            "contenu d'une forme inattendue (par exemple une liste de nombres ou null au lieu "
            "d'enregistrements)"
        )
    if nom == "GEOSException":
        return "géométries impossibles à construire (coordonnées manquantes ou contours non fermés)"
    if nom in ("DataSourceError", "DataLayerError"):
        return "format non reconnu ou fichier tronqué"
    if isinstance(erreur, MemoryError):
        return "fichier trop gros pour la mémoire de ce serveur"
    if isinstance(erreur, OSError):
        return "fichier illisible"
    if isinstance(erreur, ValueError):
        return "valeurs illisibles dans le fichier"
    return "contenu inutilisable"


def defaut_csv(erreur: BaseException) -> str:
    """A CSV reader's English complaint in French (« ligne 3 : 8 valeurs au lieu de 7 »)."""
    if isinstance(erreur, UnicodeDecodeError):
        return defaut_de_l_erreur(erreur)
    texte = str(erreur)
    if trouve := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", texte):
        attendu, ligne, vu = trouve.groups()
        return (
            f"ligne {ligne} : {vu} valeurs au lieu de {attendu} (un séparateur de trop, ou un texte "
            "qui en contient sans guillemets)"
        )
    if "EOF inside string" in texte or "unexpected end of data" in texte:
        return "guillemet ouvert jamais fermé, ou fichier tronqué"
    if trouve := re.search(r"row (\d+)", texte):
        return f"ligne {int(trouve.group(1)) + 1} illisible"
    return "fichier CSV illisible"


def defaut_fichier(chemin: object, erreur: BaseException, polygones: bool = False) -> str:
    """Why ``chemin`` could not be read: from the file itself when it shows, else from the error."""
    if isinstance(chemin, (str, Path)) and Path(chemin).is_file():
        trouve = defaut_du_contenu(Path(chemin), polygones=polygones)
        if trouve:
            return trouve
    return defaut_de_l_erreur(erreur)


def nom_du_fichier(chemin: object) -> str:
    if isinstance(chemin, (str, Path)):
        return Path(chemin).name
    return str(getattr(chemin, "name", "") or "fichier")


def lecteur(fonction: Callable[P, R]) -> Callable[P, R]:
    """Mark a function reading one official file (its first argument).

    Any failure inside it that is not already one of the project's French errors
    becomes a :class:`FichierInutilisable` naming that file: a build step then says
    which of its files is bad and why, whatever library tripped on it.
    """

    @functools.wraps(fonction)
    def lire(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fonction(*args, **kwargs)
        except Exception as erreur:
            # The project's own errors are already French and name their file.
            if type(erreur).__module__.startswith("geo"):
                raise
            chemin = args[0] if args else next(iter(kwargs.values()), None)
            raise FichierInutilisable(nom_du_fichier(chemin), defaut_fichier(chemin, erreur)) from erreur

    return lire
