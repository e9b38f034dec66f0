"""The import contract of geo/: each layer imports only the layers below it.

From the bottom: helpers, official sources, territories and the build, the store of entered
data, the datasets, then what draws and writes them (maps, charts, PDF, report). The README's
« Architecture » section describes the same layers. Imports inside functions count too.
"""

from __future__ import annotations

import ast

import pytest

from tests.conftest import RACINE

GEO = RACINE / "geo"

COUCHES: dict[str, set[str]] = {
    "outils": {
        "geo.config",
        "geo.text",
        "geo.codes",
        "geo.csv_souple",
        "geo.formats",
        "geo.siret",
        "geo.projections",
        "geo.generalisation",
        "geo.nomenclature",
        "geo.ligne_de_commande",
        "geo.assets",
        "geo.tableaux",
        "geo.geocodage",
    },
    "sources": {"geo.sources"},  # and every geo.sources.* module
    "territoires": {
        "geo.territories",
        "geo.niveaux",
        "geo.build",
        "geo.etapes",
        "geo.instantane",
        "geo.populations",
    },
    "saisie": {"geo.store", "geo.comptes", "geo.journal", "geo.saisie", "geo.semences", "geo.migrations"},
    "donnees": {
        "geo.qpv",
        "geo.commerces",
        "geo.structures",
        "geo.financements",
        "geo.subventions",
        "geo.subventions_import",
        "geo.opportunites",
        "geo.indicators",
        "geo.constats",
        "geo.emplois",
    },
    "rendu": {
        "geo.leaflet",
        "geo.layers",
        "geo.surcouches",
        "geo.charts",
        "geo.fiche",
        "geo.report",
        "geo.exports",
        "geo.carte_structures",
        "geo.couche_ptce",
        "geo.couche_subventions",
        "geo.vue_emplois",
    },
}
ORDRE = list(COUCHES)
# What each layer may import besides itself.
PERMIS: dict[str, set[str]] = {
    "outils": set(),
    "sources": {"outils"},
    "territoires": {"outils", "sources"},
    "saisie": {"outils", "territoires"},
    "donnees": {"outils", "sources", "territoires", "saisie"},
    "rendu": set(ORDRE),
}


def _nom(chemin) -> str:
    parties = chemin.relative_to(RACINE).with_suffix("").parts
    return ".".join(parties[:-1] if parties[-1] == "__init__" else parties)


def _couche(module: str) -> str | None:
    for couche, modules in COUCHES.items():
        if any(module == m or module.startswith(m + ".") for m in modules):
            return couche
    return None


def _imports(chemin) -> set[str]:
    """The project modules a file imports (``from geo import x`` counts as ``geo.x``)."""
    trouves = set()
    for noeud in ast.walk(ast.parse(chemin.read_text(encoding="utf-8"))):
        if isinstance(noeud, ast.Import):
            trouves |= {alias.name for alias in noeud.names}
        elif isinstance(noeud, ast.ImportFrom) and noeud.module and noeud.level == 0:
            if noeud.module == "geo":
                trouves |= {f"geo.{alias.name}" for alias in noeud.names}
            else:
                trouves.add(noeud.module)
    return {m for m in trouves if m.split(".")[0] in {"geo", "ui", "pages", "app", "streamlit"}}


# Alembic's revisions are frozen history; conftest.py is pytest's, for the doctests.
MODULES = sorted(p for p in GEO.rglob("*.py") if "versions" not in p.parts and p.name != "conftest.py")


def test_every_module_of_geo_has_a_layer():
    sans_couche = [_nom(p) for p in MODULES if _nom(p) != "geo" and _couche(_nom(p)) is None]
    assert sans_couche == [], "à ranger dans une couche de COUCHES (et dans le README)"


def _fautes(module: str, chemin) -> list[str]:
    couche = _couche(module)
    fautes = []
    for importe in sorted(_imports(chemin)):
        if importe.split(".")[0] != "geo":
            fautes.append(f"{importe} (interface, pas logique)")
            continue
        cible = _couche(importe)
        if importe != "geo" and cible != couche and cible not in PERMIS.get(couche, set()):
            fautes.append(f"{importe} ({cible})")
    return fautes


@pytest.mark.parametrize("chemin", MODULES, ids=_nom)
def test_imports_only_from_the_layers_below(chemin):
    module = _nom(chemin)
    assert _fautes(module, chemin) == [], f"{module} ({_couche(module)}) importe"


def test_the_contract_catches_a_forbidden_import(tmp_path):
    """The checker itself: a helper that imports the map layer and Streamlit is refused."""
    faux = tmp_path / "text.py"
    faux.write_text("def f():\n    from geo import layers\n    import streamlit.runtime\n", encoding="utf-8")
    assert _fautes("geo.text", faux) == ["geo.layers (rendu)", "streamlit.runtime (interface, pas logique)"]
    assert _fautes("geo.fiche", faux) == ["streamlit.runtime (interface, pas logique)"]
