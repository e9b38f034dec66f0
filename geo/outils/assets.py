"""Leaflet and its plugins, served by the app itself instead of public CDNs.

folium and streamlit-folium load their JavaScript from CDNs by default, so a
closed network (a town hall behind a strict proxy, CI, this project's test
machines) gets a blank map, and every visit tells third parties who looks at
what. The XStatic packages on PyPI ship the same files; :func:`installer`
copies them into ``static/vendor/`` where Streamlit serves them
(``server.enableStaticServing``) under ``/app/static/``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from geo.outils.config import RACINE_PROJET

DOSSIER_STATIQUE = RACINE_PROJET / "static"
SOUS_DOSSIER = "vendor"
# Map data (territory outlines as GeoJSON) written by the app and fetched by the browser, which
# caches them: a map redrawn, or a layer switched, no longer carries them over the websocket.
SOUS_DOSSIER_CARTES = "cartes"
# Files older than this are removed when a server starts (each is rewritten when next needed).
AGE_MAX_CARTES_S = 7 * 24 * 3600
# Where Streamlit serves ./static (before any server.baseUrlPath).
CHEMIN_URL = "/app/static"


@dataclass(frozen=True)
class Bibliotheque:
    nom: str
    module_xstatic: str
    fichiers: tuple[str, ...]


BIBLIOTHEQUES = (
    Bibliotheque("leaflet", "xstatic.pkg.leaflet", ("leaflet.js", "leaflet.css", "images")),
    Bibliotheque(
        "leaflet_markercluster",
        "xstatic.pkg.leaflet_markercluster",
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
    ),
)


def _dossier_source(bibliotheque: Bibliotheque) -> Path:
    module = __import__(bibliotheque.module_xstatic, fromlist=["BASE_DIR"])
    return Path(module.BASE_DIR)


def installer(dossier_statique: Path = DOSSIER_STATIQUE) -> Path:
    """Copy the XStatic files into ``static/vendor/`` (idempotent, fast when done)."""
    cible_racine = dossier_statique / SOUS_DOSSIER
    for bibliotheque in BIBLIOTHEQUES:
        source = _dossier_source(bibliotheque)
        cible = cible_racine / bibliotheque.nom
        for nom in bibliotheque.fichiers:
            origine, destination = source / nom, cible / nom
            if origine.is_dir():
                if not destination.is_dir():
                    shutil.copytree(origine, destination)
            elif not destination.is_file() or destination.stat().st_size != origine.stat().st_size:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(origine, destination)
    return cible_racine


def manquants(dossier_statique: Path | None = None) -> list[str]:
    """The map files that the app should serve and cannot (deleted, never installed)."""
    cible_racine = (dossier_statique or DOSSIER_STATIQUE) / SOUS_DOSSIER
    return [
        f"{bibliotheque.nom}/{nom}"
        for bibliotheque in BIBLIOTHEQUES
        for nom in bibliotheque.fichiers
        if not (cible_racine / bibliotheque.nom / nom).exists()
    ]


def url_base(base_url_path: str = "") -> str:
    """URL prefix of the served files, honouring Streamlit's ``server.baseUrlPath``."""
    prefixe = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return f"{prefixe}{CHEMIN_URL}/{SOUS_DOSSIER}"


def publier(texte: str, dossier_statique: Path = DOSSIER_STATIQUE) -> str | None:
    """Write ``texte`` once into ``static/cartes/``, named after its content; its name.

    ``None`` when the folder cannot be written (a read-only image): the caller then keeps the
    data inline. Named by content, a file never changes, so browsers may keep it, and several
    processes writing the same one at once write the same bytes (renamed into place).
    """
    nom = hashlib.blake2b(texte.encode("utf-8"), digest_size=16).hexdigest() + ".json"
    chemin = dossier_statique / SOUS_DOSSIER_CARTES / nom
    try:
        if chemin.is_file():
            os.utime(chemin)
        else:
            chemin.parent.mkdir(parents=True, exist_ok=True)
            temporaire = chemin.with_name(f".{nom}.{os.getpid()}")
            temporaire.write_text(texte, encoding="utf-8")
            os.replace(temporaire, chemin)
    except OSError:
        return None
    return nom


def nettoyer_cartes(dossier_statique: Path = DOSSIER_STATIQUE, age_max_s: float = AGE_MAX_CARTES_S) -> int:
    """Remove map data files not used for ``age_max_s`` seconds; how many were removed."""
    limite = time.time() - age_max_s
    retires = 0
    dossier = dossier_statique / SOUS_DOSSIER_CARTES
    if not dossier.is_dir():
        return 0
    for chemin in dossier.iterdir():
        try:
            if chemin.is_file() and chemin.stat().st_mtime < limite:
                chemin.unlink()
                retires += 1
        except OSError:
            continue
    return retires


def url_cartes(base_url_path: str = "") -> str:
    """URL prefix of the files :func:`publier` writes."""
    prefixe = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return f"{prefixe}{CHEMIN_URL}/{SOUS_DOSSIER_CARTES}"


def liens(base: str) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """``default_js`` / ``default_css`` lists for the map and each plugin."""
    return {
        "leaflet": {
            "js": [("leaflet", f"{base}/leaflet/leaflet.js")],
            "css": [("leaflet_css", f"{base}/leaflet/leaflet.css")],
        },
        "markercluster": {
            "js": [("markerclusterjs", f"{base}/leaflet_markercluster/leaflet.markercluster.js")],
            "css": [
                ("markerclustercss", f"{base}/leaflet_markercluster/MarkerCluster.css"),
                ("markerclusterdefaultcss", f"{base}/leaflet_markercluster/MarkerCluster.Default.css"),
            ],
        },
    }


if __name__ == "__main__":
    print(f"Fichiers Leaflet installés dans {installer()}")
