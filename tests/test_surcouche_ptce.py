"""The PTCE overlay: perimeters of the PTCE overlapping the territory, structures, escaped text."""

from __future__ import annotations

import folium
import pandas as pd

from geo.donnees import emplois
from geo.rendu import surcouches
from geo.territoires.referentiel import TerritoireId


def _saisies(nom_ptce: str, perimetre: str, structures: list[dict]):
    ptce = pd.DataFrame(
        {
            "ptce_id": [1],
            "ptce": [nom_ptce],
            "perimetre": [perimetre],
            "membres": ["A ; <b>B</b>"],
            "source": ["doc"],
        }
    )
    projets = pd.DataFrame(
        {
            "projet_id": [1],
            "projet": ["P"],
            "ptce_id": [1],
            "ptce": [nom_ptce],
            "etape": ["lancement"],
            "secteur": [None],
            "lieu": [perimetre],
            "source": ["doc"],
        }
    )
    emplois_table = pd.DataFrame(
        {"projet_id": [1], "annee": [None], "nature": ["insertion"], "nombre": [7], "source": ["doc"]}
    )
    financements = pd.DataFrame(
        columns=[
            "projet_id",
            "ptce_id",
            "siret",
            "territoire",
            "financeur",
            "dispositif",
            "montant_eur",
            "annee_debut",
            "annee_fin",
            "note",
            "source",
        ]
    )
    structures_table = pd.DataFrame(
        structures, columns=["nom", "siret", "forme", "commune", "ptce_id", "projet_id", "source"]
    )
    return emplois.DonneesSaisies.depuis_tables(ptce, projets, structures_table, emplois_table, financements)


def test_overlay_draws_the_perimeter_and_structures_and_escapes_text(referentiel):
    saisies = _saisies(
        "<script>alert(1)</script> PTCE",
        "epci:240200477",
        [{"nom": "Réaliss", "commune": "02722", "ptce_id": 1, "source": "doc", "forme": None}],
    )
    surcouche = surcouches.ptce.surcouche(referentiel, saisies, TerritoireId("departement", "02"))
    assert [libelle for _, libelle in surcouche.legende] == [
        "Périmètre de PTCE (1)",
        "Structure membre ou créée (1)",
    ]
    carte = folium.Map()
    surcouche.creer().add_to(carte)
    html = carte.get_root().render()
    assert "<script>alert(1)</script>" not in html
    # Escaped for HTML, then written into a script as JSON (& as \\u0026).
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt; PTCE" in html
    assert "emplois créés saisis : 7" in html


def test_a_ptce_elsewhere_is_not_drawn(referentiel):
    saisies = _saisies("Pôle", "epci:200042190", [])
    surcouche = surcouches.ptce.surcouche(referentiel, saisies, TerritoireId("departement", "02"))
    assert [libelle for _, libelle in surcouche.legende] == ["Périmètre de PTCE (0)"]


def test_perimeter_geometry_is_the_union_of_its_territories(referentiel):
    une = surcouches.ptce.geometrie_perimetre(referentiel, "epci:240200477")
    deux = surcouches.ptce.geometrie_perimetre(referentiel, "epci:240200477,commune:59172")
    assert deux.area > une.area
    assert surcouches.ptce.geometrie_perimetre(referentiel, "") is None


def test_export_of_the_overlay(referentiel):
    saisies = _saisies("Pôle", "epci:240200477", [])
    couches = surcouches.ptce.couches_export(referentiel, saisies, TerritoireId("departement", "02"))
    perimetres = couches["ptce_perimetres"]
    assert list(perimetres.nom) == ["Pôle"]
    assert perimetres.crs.to_epsg() == 4326
    assert surcouches.ptce.couches_export(referentiel, saisies, TerritoireId("departement", "59")) == {}
