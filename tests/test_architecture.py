"""The import contract of geo/: each floor (a package) imports only the floors below it.

From the bottom: helpers, official sources, territories and the build, the store of entered
data, the datasets, then what draws and writes them (maps, charts, PDF, report). The README's
« Développer » section describes the same floors. Imports inside functions count too.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import RACINE

GEO = RACINE / "geo"

# Each floor of the architecture is one or two packages of geo/, from the bottom up.
ETAGES: dict[str, set[str]] = {
    "outils": {"geo.outils"},
    "sources": {"geo.sources"},
    "territoires": {"geo.territoires", "geo.build"},
    "base": {"geo.base"},
    "donnees": {"geo.donnees"},
    "rendu": {"geo.rendu"},
}
ORDRE = list(ETAGES)
# What each floor may import besides itself.
PERMIS: dict[str, set[str]] = {
    "outils": set(),
    "sources": {"outils"},
    "territoires": {"outils", "sources"},
    "base": {"outils", "territoires"},
    "donnees": {"outils", "sources", "territoires", "base"},
    "rendu": set(ORDRE),
}


def _nom(chemin) -> str:
    parties = chemin.relative_to(RACINE).with_suffix("").parts
    return ".".join(parties[:-1] if parties[-1] == "__init__" else parties)


def _etage(module: str) -> str | None:
    for etage, paquets in ETAGES.items():
        if any(module == p or module.startswith(p + ".") for p in paquets):
            return etage
    return None


# A module named in a string (``"geo.donnees.qpv"``, ``"geo.donnees.qpv:bloc_rapport"``) is
# loaded by importlib: it counts as an import.
MODULE_EN_TEXTE = re.compile(r"geo(?:\.\w+)+(?=$|:)")

# The one sanctioned upward reach: the build's registry of steps (construction.MODULES_ETAPES)
# names the dataset modules, which it loads by name to build them; the datasets import the step
# machinery (etapes) below them, never the registry.
REGISTRE_DES_ETAPES = {"geo.build.construction": {"donnees"}}


def _imports(chemin) -> set[str]:
    """The project modules a file imports (``from geo import x`` counts as ``geo.x``), by an
    import statement or by name in a string."""
    trouves = set()
    for noeud in ast.walk(ast.parse(chemin.read_text(encoding="utf-8"))):
        if isinstance(noeud, ast.Import):
            trouves |= {alias.name for alias in noeud.names}
        elif isinstance(noeud, ast.ImportFrom) and noeud.module and noeud.level == 0:
            if noeud.module == "geo":
                trouves |= {f"geo.{alias.name}" for alias in noeud.names}
            else:
                trouves.add(noeud.module)
        elif (
            isinstance(noeud, ast.Constant)
            and isinstance(noeud.value, str)
            and (trouve := MODULE_EN_TEXTE.fullmatch(noeud.value.split(":")[0]))
        ):
            trouves.add(trouve.group(0))
    return {m for m in trouves if m.split(".")[0] in {"geo", "ui", "pages", "app", "streamlit"}}


# Alembic's revisions are frozen history; conftest.py is pytest's, for the doctests.
MODULES = sorted(p for p in GEO.rglob("*.py") if "versions" not in p.parts and p.name != "conftest.py")


def test_every_module_of_geo_lives_in_a_floor_package():
    """No flat module at the top of geo/: a new module goes into the package of its floor."""
    hors_etage = [_nom(p) for p in MODULES if _nom(p) != "geo" and _etage(_nom(p)) is None]
    assert hors_etage == [], "à ranger dans un paquet de ETAGES (et dans le README)"


def _fautes(module: str, chemin) -> list[str]:
    etage = _etage(module)
    fautes = []
    for importe in sorted(_imports(chemin)):
        if importe.split(".")[0] != "geo":
            fautes.append(f"{importe} (interface, pas logique)")
            continue
        cible = _etage(importe)
        permis = PERMIS.get(etage, set()) | REGISTRE_DES_ETAPES.get(module, set())
        if importe != "geo" and cible != etage and cible not in permis:
            fautes.append(f"{importe} ({cible})")
    return fautes


@pytest.mark.parametrize("chemin", MODULES, ids=_nom)
def test_imports_only_from_the_floors_below(chemin):
    module = _nom(chemin)
    assert _fautes(module, chemin) == [], f"{module} ({_etage(module)}) importe"


def test_the_contract_catches_a_forbidden_import(tmp_path):
    """The checker itself: a helper that imports the map layer and Streamlit is refused."""
    faux = tmp_path / "text.py"
    faux.write_text(
        "def f():\n    from geo.rendu import carte_territoire\n    import streamlit.runtime\n",
        encoding="utf-8",
    )
    assert _fautes("geo.outils.text", faux) == [
        "geo.rendu (rendu)",
        "streamlit.runtime (interface, pas logique)",
    ]
    assert _fautes("geo.rendu.fiche", faux) == ["streamlit.runtime (interface, pas logique)"]


def test_modules_named_in_strings_count_as_imports(tmp_path):
    """A dataset module loaded by name from a helper is refused like an import statement."""
    faux = tmp_path / "config.py"
    faux.write_text('MODULES = ("geo.donnees.qpv", "geo.rendu.report:main")\n', encoding="utf-8")
    assert _fautes("geo.outils.config", faux) == ["geo.donnees.qpv (donnees)", "geo.rendu.report (rendu)"]
    assert _fautes("geo.build.construction", faux) == ["geo.rendu.report (rendu)"]


def test_no_module_defines_the_same_function_twice():
    """A second ``def`` of a module-level name silently replaces the first for every later call
    (ruff only says so when the first was never used): ui/donnees.py had two
    ``_dates_construction``, and the opportunities' caches kept figures from before a refresh."""
    doubles = []
    for fichier in sorted([*RACINE.glob("geo/**/*.py"), *RACINE.glob("ui/*.py"), *RACINE.glob("pages/*.py")]):
        vus: set[str] = set()
        for noeud in ast.parse(fichier.read_text(encoding="utf-8")).body:
            if isinstance(noeud, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                # typing.overload declares the signatures of one function, defined last
                if any(
                    getattr(d, "id", getattr(d, "attr", None)) == "overload" for d in noeud.decorator_list
                ):
                    continue
                if noeud.name in vus:
                    doubles.append(f"{fichier.relative_to(RACINE)}: {noeud.name}")
                vus.add(noeud.name)
    assert doubles == []
