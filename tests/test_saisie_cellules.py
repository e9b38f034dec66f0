"""Parsing cells written the French way, and the characters refused in them (geo.base.saisie_cellules)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from geo.base import saisie_cellules, store


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("1 200,50 €", Decimal("1200.50")),
        ("1\u00a0200,50\u00a0€", Decimal("1200.50")),
        ("1\u202f200,50 €", Decimal("1200.50")),
        ("120 000 EUR", Decimal("120000")),
        ("1.234.567,89", Decimal("1234567.89")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("7164", Decimal("7164")),
        ("19875.06", Decimal("19875.06")),
        ("", None),
    ],
)
def test_french_amounts(texte, attendu):
    assert saisie_cellules.montant_fr(texte) == attendu


@pytest.mark.parametrize("texte", ["abc", "12 k€", "1.200", "-5 €"])
def test_bad_amounts_say_why(texte):
    with pytest.raises(ValueError, match=r"montant|ambigu|négatif"):
        saisie_cellules.montant_fr(texte)


@pytest.mark.parametrize(
    "cellule",
    [
        "'=SOMME(A1)",
        "nom\x07",
        "deux\nlignes",
        "\u202eevenir",
        "１２３",
        "٢٠٢١",
        "ﬁ",
    ],
)
def test_a_column_with_a_cell_to_normalise_is_never_skipped(cellule):
    """The column-wise search lists every column where a cell would be changed or refused."""
    for colonne in ("nom", "siret", "note", "montant_eur"):
        cadre = pd.DataFrame({colonne: ["propre", 12.5, None, cellule, "1 200 €"]}, dtype=object)
        normalisee, problemes = saisie_cellules.normaliser_ligne({colonne: cellule}, "f", 5)
        touchee = bool(problemes) or normalisee[colonne] != cellule
        assert (colonne in saisie_cellules.colonnes_a_normaliser(cadre)) or not touchee, (colonne, cellule)


def test_clean_columns_are_not_looked_at_cell_by_cell():
    cadre = pd.DataFrame(
        {"nom": ["Réaliss", "L'Atelier"], "montant_eur": ["1 200,50 €", "12"], "note": ["a\nb", None]},
        dtype=object,
    )
    assert saisie_cellules.colonnes_a_normaliser(cadre) == []


def test_years_dates_and_stages_read_the_french_way():
    assert saisie_cellules.lire_annee(" 2021 ") == 2021
    assert saisie_cellules.lire_annee(2021.0) == 2021
    assert saisie_cellules.lire_annee("") is None
    with pytest.raises(ValueError, match=r"année invalide : 1850 est inférieur"):
        saisie_cellules.lire_annee("1850")
    assert saisie_cellules.lire_date("01/06/2016").isoformat() == "2016-06-01"
    with pytest.raises(ValueError, match="hors des années permises"):
        saisie_cellules.lire_date("01/06/3016")
    assert saisie_cellules.lire_etape("2") == store.ETAPES_PROJET[1]
    assert saisie_cellules.lire_nature("Supervision") == "encadrement"


def test_siret_and_territories_are_normalised():
    assert saisie_cellules.lire_siret("732 829 320 00074") == "73282932000074"
    with pytest.raises(ValueError, match="clé de contrôle"):
        saisie_cellules.lire_siret("73282932000075")
    assert saisie_cellules.territoires("200042190; 2722") == "epci:200042190,commune:02722"
    with pytest.raises(ValueError, match="inconnu du référentiel"):
        saisie_cellules.territoires("commune:02722", connu=lambda _identifiant: False)


def test_characters_are_refused_with_their_column_and_position():
    cellules, problemes = saisie_cellules.normaliser_ligne(
        {"nom": "A\x07B", "siret": "７３２", "note": "a\nb", "montant_eur": "'=1"}, "ptce", 4
    )
    assert cellules == {"nom": "A\x07B", "siret": "732", "note": "a\nb", "montant_eur": "=1"}
    assert [str(p) for p in problemes] == [
        "« ptce », ligne 4, colonne « nom » : caractère de contrôle interdit (U+0007, position 2) : "
        "retirez-le."
    ]
