"""Where the project keeps its working files, and where it looks for a mirror."""

from __future__ import annotations

import os
from pathlib import Path

RACINE_PROJET = Path(__file__).resolve().parents[2]

# Bumped whenever the build output changes shape, so that an old cache is rebuilt.
VERSION_CONSTRUCTION = 1


def dossier_donnees() -> Path:
    """Working folder: ``$ESS_DATA_DIR`` or ``data/`` at the project root."""
    valeur = os.environ.get("ESS_DATA_DIR")
    return Path(valeur).expanduser().resolve() if valeur else RACINE_PROJET / "data"


def dossier_cache() -> Path:
    """Built layers (GeoParquet) and the build manifest."""
    return dossier_donnees() / "cache"


def dossier_territoires() -> Path:
    """Territory tables (communes, EPCI, départements, régions), rebuilt as one."""
    return dossier_cache() / "territoires"


def dossier_telechargements() -> Path:
    """Official files downloaded by the project."""
    return dossier_donnees() / "telechargements"


def hors_ligne() -> bool:
    """``ESS_HORS_LIGNE=1``: never try to download (tests, air-gapped servers)."""
    return os.environ.get("ESS_HORS_LIGNE", "") not in ("", "0")


def dossier_miroir() -> Path | None:
    """Local mirror of official files (``$ESS_DATA_MIRROR``), if one is set."""
    valeur = os.environ.get("ESS_DATA_MIRROR")
    if not valeur:
        return None
    return Path(valeur).expanduser().resolve()


def dossier_instantane() -> Path | None:
    """The embedded snapshot of official data (``data/instantane/``, tracked in git).

    ``$ESS_INSTANTANE`` points elsewhere; ``ESS_INSTANTANE=aucun`` switches it off
    (tests of what happens without it).
    """
    valeur = os.environ.get("ESS_INSTANTANE")
    if valeur and valeur.lower() in ("aucun", "0", "non"):
        return None
    return Path(valeur).expanduser().resolve() if valeur else RACINE_PROJET / "data" / "instantane"


def contact_accessibilite() -> str | None:
    """Who answers accessibility problems (``$ESS_CONTACT_ACCESSIBILITE``: an address, a form, a
    phone number), shown as plain text on the accessibility declaration; None when unset."""
    valeur = os.environ.get("ESS_CONTACT_ACCESSIBILITE", "").strip()
    return valeur or None
