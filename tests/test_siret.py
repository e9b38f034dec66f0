"""SIREN/SIRET checksum and the nomenclature tables (family, activity, size)."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.outils import nomenclature, siret


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        ("73282932000074", True),  # a real SIRET
        ("73282932000075", False),  # last digit changed
        ("73282932100074", False),  # SIREN part broken
        ("35600000000048", True),  # La Poste head office: Luhn holds
        ("35600000049837", True),  # La Poste: Luhn fails, digit sum 50 is a multiple of 5
        ("35600000012345", False),  # La Poste: neither
        ("7328293200007", False),  # 13 digits
        (None, False),
    ],
)
def test_siret_checksum(valeur, attendu):
    assert siret.siret_valide(valeur) is attendu
    serie = pd.Series([valeur], dtype="string")
    assert bool(siret.sirets_valides(serie).iloc[0]) is attendu


def test_vectorised_checksum_agrees_with_the_scalar_one_on_many_numbers():
    import numpy as np

    chiffres = np.random.default_rng(5).integers(0, 10, size=(3000, 14))
    nombres = ["".join(map(str, ligne)) for ligne in chiffres]
    nombres += [f"356000000{n:05d}" for n in range(0, 3000, 7)]
    attendus = [siret.siret_valide(n) for n in nombres]
    assert sum(attendus) > 50  # both valid and invalid numbers are exercised
    assert list(siret.sirets_valides(pd.Series(nombres))) == attendus


@pytest.mark.parametrize(
    ("brut", "propre"),
    [
        ("775 544 562 01361", "77554456201361"),
        ('="05520135000012"', "05520135000012"),
        ("5520135000012", "05520135000012"),
        (77554456201361.0, "77554456201361"),
        ("12", None),
        ("abc", None),
        ("", None),
    ],
)
def test_normalisation_of_written_numbers(brut, propre):
    assert siret.normaliser(brut) == propre


@pytest.mark.parametrize(
    ("categorie", "famille", "sous_type"),
    [
        ("9220", "association", "Association déclarée"),
        ("9260", "association", "Association de droit local (Bas-Rhin, Haut-Rhin, Moselle)"),
        ("9300", "fondation", "Fondation"),
        ("8210", "mutuelle", "Mutuelle"),
        ("5458", "coopérative", "SCOP (SARL)"),
        ("5558", "coopérative", "SCOP (SA à conseil d'administration)"),
        ("5560", "coopérative", "Autre coopérative, dont SCIC (SA)"),
        ("6317", "coopérative", "Société coopérative agricole"),
        ("5710", None, "Société par actions simplifiée"),
        ("8310", None, "Comité social et économique (comité d'entreprise)"),
    ],
)
def test_family_from_legal_category(categorie, famille, sous_type):
    assert nomenclature.famille_juridique(categorie) == (famille, sous_type)


def test_source_families_win_over_legal_form():
    assert nomenclature.choisir_famille(["association", "ESAT"]) == "ESAT"
    assert nomenclature.choisir_famille(["coopérative", "SIAE"]) == "SIAE"
    assert nomenclature.choisir_famille([None]) == "entreprise de l'ESS"


def test_naf_section_in_words():
    assert nomenclature.section_naf("88.99B") == "Q"
    assert nomenclature.libelle_section("Q") == "Santé humaine et action sociale"
    # Every division of NAF rév. 2 belongs to exactly one section.
    assert len(nomenclature.SECTION_DE_DIVISION) == 88


def test_jobs_estimate_is_the_middle_of_the_band():
    colonnes = nomenclature.colonnes_activite_taille(
        pd.Series(["62.01Z", "8899B", None]), pd.Series(["12", "NN", None])
    )
    assert list(colonnes.emplois_estimes.astype(object).where(colonnes.emplois_estimes.notna(), None)) == [
        34.5,
        0.0,
        None,
    ]
    assert list(colonnes.taille) == ["10 à 49 salariés", "sans salarié", "effectif inconnu"]
    assert colonnes.activite.iloc[0] == "Information et communication"
    assert nomenclature.normaliser_tranche("1 000 à 1 999 salariés") == "42"
    assert nomenclature.normaliser_tranche("10 000 salariés et plus") == "53"
