"""The structures overlay: markers coloured by family, escaped popups, counts at large scale."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from geo.outils import nomenclature
from geo.rendu import carte_territoire, surcouches
from geo.territoires.referentiel import TerritoireId


def _tableau(n: int, commune: str = "59350", lon: float = 3.06, lat: float = 50.63, nom: str = "X"):
    return pd.DataFrame(
        {
            "cle": [f"c{i}" for i in range(n)],
            "siret": pd.array([None] * n, dtype="string"),
            "nom": [nom] * n,
            "famille": ["association"] * n,
            "sous_type": ["Association déclarée"] * n,
            "activite": ["Santé humaine et action sociale"] * n,
            "tranche_effectif": ["12"] * n,
            "emplois_estimes": [34.5] * n,
            "commune": [commune] * n,
            "lon": [lon] * n,
            "lat": [lat] * n,
            "precision": ["adresse"] * n,
            "sources": ["siae_2021"] * n,
        }
    )


def test_script_in_a_name_is_escaped_in_the_page(referentiel):
    tableau = _tableau(1, nom="<script>alert('x')</script>")
    surcouche = surcouches.structures.surcouche(referentiel, tableau, TerritoireId("commune", "59350"))
    carte = carte_territoire.dessiner(
        carte_territoire.preparer(referentiel, TerritoireId("commune", "59350")), "/s", [surcouche]
    )
    html = carte.get_root().render()
    assert "<script>alert" not in html
    assert "\\u0026lt;script\\u0026gt;alert" in html
    assert "leaflet.markercluster.js" in html  # served by the app
    assert "≈ 34,5 (estimation, tranche « 20 à 49 salariés »)" in html


def test_markers_carry_family_colours_and_the_legend_counts(referentiel):
    tableau = pd.concat(
        [_tableau(3), _tableau(2).assign(famille="ESAT", cle=["e1", "e2"])], ignore_index=True
    )
    surcouche = surcouches.structures.surcouche(referentiel, tableau, TerritoireId("epci", "200093201"))
    libelles = [libelle for _style, libelle in surcouche.legende]
    assert libelles == ["Association (3)", "ESAT (travail protégé) (2)"]
    tables, points = surcouches.structures.donnees_marqueurs(tableau)
    assert [tables["familles"][p[3]][1] for p in points] == [
        nomenclature.COULEURS_FAMILLES["association"]
    ] * 3 + [nomenclature.COULEURS_FAMILLES["ESAT"]] * 2


@pytest.mark.parametrize("tid", [None, TerritoireId("region", "32")])
def test_large_scales_show_counts_not_markers(referentiel, tid):
    tableau = pd.concat([_tableau(4), _tableau(2, commune="59009", lon=3.14, lat=50.62)], ignore_index=True)
    surcouche = surcouches.structures.surcouche(referentiel, tableau, tid)
    assert surcouche.liens == ()
    html = (
        carte_territoire.dessiner(carte_territoire.preparer(referentiel, tid), "/s", [surcouche])
        .get_root()
        .render()
    )
    assert "markerClusterGroup" not in html
    total = 6
    assert f"{total} en tout" in surcouche.legende[0][1]


def test_never_more_than_the_marker_limit(referentiel, monkeypatch):
    monkeypatch.setattr(surcouches.structures, "MARQUEURS_MAX", 5)
    tableau = _tableau(6)
    surcouche = surcouches.structures.surcouche(referentiel, tableau, TerritoireId("departement", "59"))
    assert "par commune" in surcouche.legende[0][1]
    html = (
        carte_territoire.dessiner(
            carte_territoire.preparer(referentiel, TerritoireId("departement", "59")), "/s", [surcouche]
        )
        .get_root()
        .render()
    )
    assert "markerClusterGroup" not in html
    donnees = re.search(r'"_p":"[^"]*6 structure', html)
    assert donnees is not None


def test_counts_per_zone_add_up(referentiel):
    # Lille (MEL) and Soissons (GrandSoissons): one zone each, counted per family.
    tableau = pd.concat([_tableau(4), _tableau(2, commune="02722", lon=3.32, lat=49.38)], ignore_index=True)
    zones = surcouches.structures.comptes_par_zone(referentiel, tableau, "epci")
    comptes = zones.comptes.set_index("code")
    assert comptes.total.to_dict() == {"200093201": 4, "240200477": 2}
    assert comptes.association.to_dict() == {"200093201": 4, "240200477": 2}
    assert int(comptes.drop(columns=["nom", "total", "association"]).to_numpy().sum()) == 0
    # Plain numbers, ready for a table.
    assert json.loads(zones.comptes.to_json(orient="records"))[0]["total"] == 4


def test_legend_says_when_filters_apply(referentiel):
    surcouche = surcouches.structures.surcouche(
        referentiel, _tableau(2), TerritoireId("commune", "59350"), note="filtres appliqués"
    )
    assert surcouche.legende[-1][1] == "Association (2) — filtres appliqués"


def test_legend_sets_located_beside_all_like_the_headline(referentiel):
    """France: the legend counted 5 680 located structures while the headline said 9 063 in all."""
    from geo.donnees import structures

    sans_lieu = _tableau(3).assign(commune=None, lon=float("nan"), lat=float("nan"), precision=None)
    tableau = pd.concat([_tableau(4), sans_lieu], ignore_index=True)
    surcouche = surcouches.structures.surcouche(referentiel, tableau, None)
    legende = surcouche.legende[0][1]
    assert "4 situées sur la carte, sur 7 en tout" in legende
    assert structures.resume(tableau)["total"] == 7  # the headline: every structure


def test_each_popup_links_to_the_report_form_with_its_escaped_key(referentiel):
    tableau = _tableau(2).assign(cle=["13002526500013", 'finess:"><img src=x onerror=alert(1)>'])
    signalement = "/structures?territoire=commune%3A59350&signaler="
    tables, points = surcouches.structures.donnees_marqueurs(tableau, signalement)
    assert tables["signaler"] == "/structures?territoire=commune%3A59350&amp;signaler="
    assert [p[10] for p in points] == [
        "13002526500013",
        "finess%3A%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E",
    ]
    surcouche = surcouches.structures.surcouche(
        referentiel, tableau, TerritoireId("commune", "59350"), signalement=signalement
    )
    carte = carte_territoire.dessiner(
        carte_territoire.preparer(referentiel, TerritoireId("commune", "59350")), "/s", [surcouche]
    )
    html = carte.get_root().render()
    assert "Signaler une erreur" in html
    assert 'target="_blank" rel="noopener">Signaler une erreur (nouvel onglet)' in html
    assert "<img" not in html
    # Without an address (the benchmarks, the contrast tests), no link.
    tables, _ = surcouches.structures.donnees_marqueurs(tableau)
    assert tables["signaler"] == ""
