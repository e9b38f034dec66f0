"""The import contract of geo/: each floor (a package) imports only the floors below it.

From the bottom: helpers, official sources, territories and the build, the store of entered
data, the datasets, then what draws and writes them (maps, charts, PDF, report). The README's
« Développer » section describes the same floors. Imports inside functions count too, and a
project module is imported at module level only (a few listed exceptions, for start-up speed),
so that no cycle between two modules of one floor can hide in a function.
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


# Function-level imports of project modules that stay, each for a reason other than a cycle
# (a cycle is resolved by putting each piece of code on its floor): (module, imported module).
IMPORTS_DANS_UNE_FONCTION: dict[tuple[str, str], str] = {
    ("geo.base.moderation", "geo.build.construction"): (
        "démarrage : ess-moderation liste sans charger les territoires (geopandas)"
    ),
    ("geo.base.comptes", "geo.territoires.referentiel"): (
        "démarrage : ess-comptes se lance sans geopandas, que le référentiel charge"
    ),
    ("geo.base.saisie_export", "geo.outils.formats"): ("démarrage : geopandas seulement pour un export CSV"),
    ("geo.base.contributions", "geo.outils.formats"): (
        "démarrage : ess-moderation se lance sans geopandas, importé pour les seuls CSV (données "
        "ouvertes, export d'une personne)"
    ),
}


NOMS_DES_MODULES = {_nom(p) for p in MODULES}


def _module_importe(paquet: str, nom: str) -> str:
    """``from geo.base import comptes`` imports ``geo.base.comptes``; ``from geo.x import f``, ``geo.x``."""
    return f"{paquet}.{nom}" if f"{paquet}.{nom}" in NOMS_DES_MODULES else paquet


def _imports_dans_les_fonctions(chemin) -> list[tuple[str, int]]:
    """The project modules imported inside a function (or a method) of a file, with their line."""
    trouves = []
    for fonction in ast.walk(ast.parse(chemin.read_text(encoding="utf-8"))):
        if not isinstance(fonction, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        for noeud in ast.walk(fonction):
            if isinstance(noeud, ast.Import):
                trouves += [(alias.name, noeud.lineno) for alias in noeud.names]
            elif isinstance(noeud, ast.ImportFrom) and noeud.module and noeud.level == 0:
                trouves += [(_module_importe(noeud.module, a.name), noeud.lineno) for a in noeud.names]
    return sorted({(m, ligne) for m, ligne in trouves if m.split(".")[0] == "geo"})


def _imports_caches(module: str, chemin) -> list[str]:
    return [
        f"{importe} (ligne {ligne})"
        for importe, ligne in _imports_dans_les_fonctions(chemin)
        if (module, importe) not in IMPORTS_DANS_UNE_FONCTION
    ]


@pytest.mark.parametrize("chemin", MODULES, ids=_nom)
def test_project_modules_are_imported_at_module_level(chemin):
    """An import inside a function hides a cycle or a floor: module-level imports only, except
    the few kept for start-up speed (:data:`IMPORTS_DANS_UNE_FONCTION`, each with its reason)."""
    module = _nom(chemin)
    assert _imports_caches(module, chemin) == [], f"{module} importe dans une fonction"


def test_the_exceptions_to_module_level_imports_are_all_in_use():
    """An exception whose import is gone leaves the list, which stays short."""
    en_usage = {(_nom(p), importe) for p in MODULES for importe, _ligne in _imports_dans_les_fonctions(p)}
    assert set(IMPORTS_DANS_UNE_FONCTION) - en_usage == set()


def test_a_new_import_inside_a_function_is_refused(tmp_path):
    """The checker itself: a project import in a function or a method is refused, a library's
    (kept lazy for start-up speed) and a module-level one are not; the exceptions stay allowed."""
    faux = tmp_path / "etapes.py"
    faux.write_text(
        "import json\n"
        "from geo.outils import config\n\n"
        "def f():\n    import pyogrio\n    from geo.build import instantane\n\n"
        "class C:\n    def m(self):\n        import geo.territoires.populations\n",
        encoding="utf-8",
    )
    assert _imports_caches("geo.build.etapes", faux) == [
        "geo.build.instantane (ligne 6)",
        "geo.territoires.populations (ligne 10)",
    ]
    faux.write_text("def creer():\n    from geo.territoires import referentiel\n", encoding="utf-8")
    assert _imports_caches("geo.base.comptes", faux) == []
    assert _imports_caches("geo.base.journal", faux) == ["geo.territoires.referentiel (ligne 2)"]


def _graphe_des_imports() -> dict[str, set[str]]:
    """Module → the project modules it imports at module level (``from geo.x import y`` counts as
    ``geo.x.y`` when y is a module). A package run before its module is no edge: the module
    imports nothing from it unless it says so."""
    graphe: dict[str, set[str]] = {}
    for chemin in MODULES:
        module = _nom(chemin)
        cibles = set()
        for noeud in ast.parse(chemin.read_text(encoding="utf-8")).body:
            if isinstance(noeud, ast.Import):
                cibles |= {alias.name for alias in noeud.names}
            elif isinstance(noeud, ast.ImportFrom) and noeud.module and noeud.level == 0:
                cibles |= {_module_importe(noeud.module, alias.name) for alias in noeud.names}
        graphe[module] = {c for c in cibles if c in NOMS_DES_MODULES and c != module}
    return graphe


def _cycles(graphe: dict[str, set[str]]) -> list[str]:
    """Every module that reaches itself again through what it imports, with the path."""
    cycles = []
    for depart in sorted(graphe):
        vus, pile = set(), [(depart, [depart])]
        while pile:
            module, chemin = pile.pop()
            for suivant in sorted(graphe.get(module, ())):
                if suivant == depart:
                    cycles.append(" → ".join([*chemin, depart]))
                elif suivant not in vus:
                    vus.add(suivant)
                    pile.append((suivant, [*chemin, suivant]))
    return cycles


def test_no_import_cycle_between_the_modules_of_geo():
    """Each module sits on its floor: no module reaches itself again through what it imports
    (the floors' contract lets ``geo.build`` and ``geo.territoires`` import each other, so a cycle
    between them would not show there)."""
    assert _cycles(_graphe_des_imports()) == []


def test_the_cycle_check_finds_a_cycle():
    """The checker itself, on the cycle of issue 30 (the build's steps ↔ the snapshot)."""
    graphe = {
        "geo.build.etapes": {"geo.build.instantane", "geo.outils.config"},
        "geo.build.instantane": {"geo.build.construction"},
        "geo.build.construction": {"geo.build.etapes"},
        "geo.outils.config": set(),
    }
    assert _cycles(graphe) == [
        "geo.build.construction → geo.build.etapes → geo.build.instantane → geo.build.construction",
        "geo.build.etapes → geo.build.instantane → geo.build.construction → geo.build.etapes",
        "geo.build.instantane → geo.build.construction → geo.build.etapes → geo.build.instantane",
    ]
