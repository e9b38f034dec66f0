"""The text under a map (RGAA 1.1, issue 29 item 4): what the visible layers show, from the rows
they draw, honest on unknowns, names listed up to a limit, with the table that lists them."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.donnees import opportunites
from geo.rendu import carte_territoire, surcouches
from geo.rendu.carte_territoire import Resume, Surcouche, phrase_resume, resume_carte
from geo.territoires.referentiel import TerritoireId
from tests.test_surcouche_structures import _tableau

PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")


def _textes(surcouche: Surcouche) -> list[str]:
    return [phrase.texte for phrase in resume_carte([surcouche])]


def test_names_are_listed_up_to_the_limit_then_counted():
    resume = Resume(7, "commune sans commerce", "communes sans commerce", noms=tuple("ABCDEFG"))
    assert phrase_resume(resume, noms_max=5) == "7 communes sans commerce : A, B, C, D, E et 2 autres"
    assert phrase_resume(resume, noms_max=6) == "7 communes sans commerce : A, B, C, D, E, F et 1 autre"
    assert phrase_resume(resume, noms_max=7) == "7 communes sans commerce : A, B, C, D, E, F, G"


@pytest.mark.parametrize("inconnu", [None, np.nan, pd.NA])
def test_an_unknown_count_reads_unknown_never_none(inconnu):
    texte = phrase_resume(Resume(inconnu, "structure", "structures", noms=("A", None, np.nan)))
    assert texte == "Nombre inconnu de structures : A"


def test_a_map_without_overlay_says_so():
    assert [p.texte for p in resume_carte([])] == [carte_territoire.SANS_SURCOUCHE]
    assert [p.texte for p in resume_carte([Surcouche(lambda: None)])] == [carte_territoire.SANS_SURCOUCHE]


def test_each_visible_overlay_gives_its_sentence_and_its_table_in_order():
    qpv = Surcouche(
        lambda: None, resume=[Resume(13, "quartier prioritaire", "quartiers prioritaires", page="qpv")]
    )
    sans = Surcouche(
        lambda: None,
        resume=[
            Resume(
                1, "commune sans commerce", "communes sans commerce", noms=("Bousignies",), page="commerces"
            )
        ],
    )
    phrases = resume_carte([qpv, sans])
    assert [(p.texte, p.page) for p in phrases] == [
        ("13 quartiers prioritaires", "qpv"),
        ("1 commune sans commerce : Bousignies", "commerces"),
    ]


class _Commerces:
    """The few answers the shops overlay asks of its data, from a hand-made table."""

    millesime = "2021"

    def __init__(self, sans: pd.DataFrame) -> None:
        self.sans = sans

    def definition(self, texte):
        return SimpleNamespace(libelle="Aucun commerce alimentaire")

    def communes_sans_commerce(self, tid, choisie):
        return self.sans


def test_shopless_communes_are_named_and_those_not_drawn_are_said(referentiel):
    communes = referentiel.communes_de(PORTE_DU_HAINAUT).head(6)
    sans = pd.DataFrame(
        {
            "code": [*communes.code, "99999"],
            "nom": [*communes.nom, "Disparue"],
            "population": pd.array([10] * 7, dtype="Int64"),
            "distance_km": [1.0] * 7,
            "plus_proche_nom": pd.array(["Denain"] * 7, dtype="string"),
        }
    )
    surcouche = surcouches.commerces.surcouche(referentiel, _Commerces(sans), PORTE_DU_HAINAUT, "alimentaire")
    noms = list(communes.nom)
    assert _textes(surcouche) == [
        "7 communes sans commerce alimentaire (BPE 2021 ; dont 1 sans contour sur la carte, comptées et "
        f"nommées ici) : {', '.join(noms[:5])} et 2 autres"
    ]
    (phrase,) = resume_carte([surcouche])
    assert (phrase.page, phrase.ancre) == ("commerces", surcouches.commerces.ANCRE_LISTE)


def test_structures_count_those_the_map_cannot_place(referentiel):
    tableau = pd.concat(
        [_tableau(3), _tableau(1).assign(cle=["d"], lon=np.nan, lat=np.nan)], ignore_index=True
    )
    surcouche = surcouches.structures.surcouche(referentiel, tableau, PORTE_DU_HAINAUT, note="filtre : SIAE")
    assert _textes(surcouche) == [
        "4 structures de l'ESS (dont 1 sans adresse ni commune connue, absentes de la carte ; filtre : SIAE)"
    ]


def test_a_choropleth_says_how_many_units_are_unknown(referentiel):
    valeurs = pd.DataFrame(
        {
            "code": ["59172", "59205", "59291"],
            "nom": ["Denain", "Escaudain", "Haveluy"],
            "valeur": [2.5, 1.0, np.nan],
        }
    )
    classes, bornes = opportunites.classer(valeurs.valeur, "quantiles", 3)
    surcouche = surcouches.choroplethe.surcouche(
        referentiel, valeurs, classes, bornes, "communes", "fin", "Besoin", "INSEE 2021"
    )
    (texte,) = _textes(surcouche)
    assert texte.startswith("3 communes coloriées selon « Besoin » (dont 1 de valeur inconnue ; ")
    assert texte.endswith(" ; INSEE 2021)")


def _carre(x: float, y: float, cote: float = 0.005) -> shapely.Polygon:
    return shapely.box(x, y, x + cote, y + cote)


class _QPV:
    """Three 2024 QPV of Denain and Escaudain, two of them with a perimeter."""

    def __init__(self) -> None:
        self.qpv_2024_non_comptes: dict[str, int] = {}

    def qpv_du_territoire(self, ref, tid, generation):
        return pd.DataFrame(
            {
                "code_qp": ["QN1", "QN2", "QN3"],
                "nom": ["Nord", "Centre", "Sud"],
                "communes": [["59172"], ["59172"], ["59205"]],
            }
        )

    def perimetres_du_territoire(self, ref, tid):
        return gpd.GeoDataFrame(
            {
                "code_qp": ["QN1", "QN2"],
                "nom": ["Nord", "Centre"],
                "generation": ["2024", "2024"],
                "communes": ["59172", "59172"],
                "population": [1000, None],
                "millesime_population": ["2020", "2020"],
            },
            geometry=[_carre(3.39, 50.32), _carre(3.40, 50.33)],
            crs="EPSG:4326",
        )

    def communes_sans_perimetre(self, ref, tid):
        return pd.DataFrame({"commune": ["59205"], "codes": [["QN3"]], "noms": [["Sud"]]})


def test_qpv_count_every_neighbourhood_and_say_which_have_no_perimeter(referentiel):
    surcouche = surcouches.qpv.surcouche(referentiel, _QPV(), PORTE_DU_HAINAUT)
    assert _textes(surcouche) == [
        "3 quartiers prioritaires 2024 (dont 1 sans périmètre disponible, montrés par leur commune)"
    ]
    (phrase,) = resume_carte([surcouche])
    assert (phrase.page, phrase.ancre) == ("qpv", surcouches.qpv.ANCRE_LISTE)
