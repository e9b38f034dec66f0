"""Simplification must keep neighbours touching: no gaps, no overlaps."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.outils import generalisation
from tests.conftest import carres


def _dentelee(n: int = 200) -> tuple[shapely.Polygon, shapely.Polygon]:
    """Two polygons sharing a long jagged border (like two communes along a river)."""
    xs = np.linspace(0, 10, n)
    ys = 5 + 0.05 * np.sin(xs * 7) + 0.02 * np.cos(xs * 31)
    frontiere = list(zip(xs, ys, strict=True))
    bas = shapely.Polygon([(0, 0), (10, 0), *frontiere[::-1]])
    haut = shapely.Polygon([*frontiere, (10, 10), (0, 10)])
    return bas, haut


def _trou_ou_chevauchement(a, b) -> float:
    """Area of overlap plus gap left between two polygons inside their joint envelope."""
    chevauchement = shapely.intersection(a, b).area
    trou = shapely.box(0, 0, 10, 10).area - shapely.union_all([a, b]).area
    return chevauchement + trou


def test_naive_simplification_of_real_communes_breaks_the_coverage(referentiel):
    """What the coverage tests below would catch: polygon-by-polygon simplification."""
    nord = referentiel.communes[referentiel.communes.dep == "59"].geometry.to_numpy()
    assert shapely.coverage_is_valid(nord)
    assert not shapely.coverage_is_valid(shapely.simplify(nord, 0.003))


def test_coverage_simplification_keeps_shared_borders_identical():
    bas, haut = _dentelee()
    simplifies = generalisation.simplifier_couverture(np.array([bas, haut], dtype=object), 0.1)

    assert shapely.coverage_is_valid(simplifies)
    assert _trou_ou_chevauchement(*simplifies) == pytest.approx(0.0, abs=1e-9)
    assert shapely.get_num_coordinates(simplifies).sum() < shapely.get_num_coordinates([bas, haut]).sum() / 4


def test_cleaning_removes_overlaps_and_keeps_missing_geometries():
    chevauchants = np.array([shapely.box(0, 0, 1.01, 1), shapely.box(1, 0, 2, 1), None], dtype=object)
    nettoyes = generalisation.nettoyer_couverture(chevauchants)
    assert nettoyes[2] is None
    assert shapely.coverage_is_valid(nettoyes[:2])
    assert shapely.intersection(nettoyes[0], nettoyes[1]).area == pytest.approx(0.0, abs=1e-12)


def test_dissolve_unions_by_key():
    grille = carres(4, 1)
    grille["groupe"] = ["a", "a", "b", "b"]
    dissous = generalisation.dissoudre(grille, "groupe").set_index("code")
    assert dissous.loc["a"].geometry.equals(shapely.box(0, 0, 2, 1))
    assert dissous.loc["b"].geometry.area == pytest.approx(2.0)


def test_rounding_keeps_shared_vertices_shared():
    bas, haut = _dentelee()
    arrondis = generalisation.arrondir(np.array([bas, haut], dtype=object), 3)
    assert shapely.coverage_is_valid(arrondis)


@pytest.mark.parametrize(
    ("couche", "echelle"),
    [("communes", "fin"), ("communes", "moyen"), ("epci", "moyen"), ("departements", "grossier")],
)
def test_real_display_layers_have_no_gaps_or_overlaps(referentiel, couche, echelle):
    affichage = referentiel.affichage(couche, echelle)
    # The Nord and the Aisne: dense, with many shared borders.
    if couche == "communes":
        affichage = affichage[affichage.code.str[:2].isin(["02", "59"])]
    geometries = affichage.geometry.dropna().to_numpy()
    assert shapely.coverage_is_valid(geometries)
    invalides = shapely.coverage_invalid_edges(geometries)
    assert shapely.is_empty(invalides).all()
