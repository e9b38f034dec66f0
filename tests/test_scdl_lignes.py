"""The rows of a SCDL file normalised (geo.sources.scdl_lignes): repairs and refusals counted."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from geo.sources.scdl_lecture import TableBrute
from geo.sources.scdl_lignes import COLONNES_SUBVENTIONS, LectureScdl, normaliser
from geo.sources.scdl_publies import FICHIERS_PUBLIES
from geo.sources.scdl_validation import Validation


def _lecture() -> LectureScdl:
    return LectureScdl(
        fichier="f.csv",
        format="CSV",
        version="2.1.1",
        validation=Validation(version="2.1.1"),
        subventions=pd.DataFrame(columns=COLONNES_SUBVENTIONS),
    )


def test_rows_are_repaired_or_refused_never_guessed():
    entetes = [
        "nomAttribuant",
        "idAttribuant",
        "dateConvention",
        "nomBeneficiaire",
        "idBeneficiaire",
        "montant",
    ]
    brut = TableBrute(
        entetes,
        [
            ["Ville", "21800009900018", "2017/09/08", "Asso A", "218 000 099 00018", "26 956,00"],
            ["Ville", "21800009900018", "2018-01-02", "Asso B", "3,26E+13", "1000"],
            ["Ville", "21800009900018", "2018-01-02", "Asso C", "218000099", "24 975", "00"],
            ["Ville", "21800009900018", "2018-01-02", "Asso D", "218000099", "beaucoup"],
            ["Ville", "21800009900018", "2018-01-02", "Asso E", "218000099", "500"],
        ],
        [2, 3, 4, 5, 6],
        1,
        "CSV",
    )
    lecture = _lecture()
    table = normaliser(brut, None, lecture)
    assert list(table.columns) == COLONNES_SUBVENTIONS
    assert list(table.ligne) == [2, 3, 6]
    assert list(table.montant_eur) == [26956.0, 1000.0, 500.0]
    assert list(table.date) == ["2017-09-08", "2018-01-02", "2018-01-02"]
    # A SIRET with spaces is restored; one a spreadsheet wrote as 3,26E+13 is gone; a SIREN stays one.
    assert table.beneficiaire_siret.tolist()[0] == "21800009900018"
    assert table.beneficiaire_siret.isna().tolist() == [False, True, True]
    assert table.beneficiaire_siren.tolist()[2] == "218000099"
    assert lecture.lignes_lues == 5
    assert lecture.refusees == {"ligne_coupee": 1, "montant": 1}
    assert lecture.reparations == {"montant_fr": 1, "date_barres": 1, "siret_ecriture": 1}
    assert lecture.identifiants_refuses == {"scientifique": 1, "siren_seul": 1}
    assert lecture.messages_refus == [
        "f.csv, ligne 4 : 7 cellules pour 6 colonnes (virgule décimale non protégée dans le montant) : "
        "ligne refusée, ses colonnes ne peuvent pas être attribuées sans risque.",
        "f.csv, ligne 5, colonne « montant » : « beaucoup » n'est pas un montant lisible : ligne refusée.",
    ]


def test_an_implicit_grantor_comes_from_the_declaration_and_the_year_from_the_payment_period():
    pyrenees = next(p for p in FICHIERS_PUBLIES if p.attribuant)
    brut = TableBrute(
        ["nom", "montant", "datesPeriodeVersement"], [["Asso", "10", "01/03/2017"]], [2], 1, "CSV"
    )
    table = normaliser(brut, pyrenees, _lecture())
    assert table.attribuant_nom.tolist() == ["Département des Pyrénées-Orientales"]
    assert table.annee.tolist() == [2017]


def test_the_sentences_agree_with_their_counts():
    validation = Validation(version="2.1.0", nombre=1)
    lecture = LectureScdl(
        fichier="f.csv",
        format="csv",
        version="2.1.0",
        validation=validation,
        subventions=pd.DataFrame({"montant_eur": [1.0]}),
        lignes_lues=2,
        refusees=Counter({"montant": 1}),
        reparations=Counter({"date_barres": 2}),
        identifiants_refuses=Counter({"illisible": 1, "siren_seul": 3}),
    )
    assert lecture.phrases() == [
        "f.csv : 2 lignes lues, 1 gardée, 1 refusée ; format csv, schéma SCDL 2.1.0, "
        "1 défaut au regard du schéma 2.1.0.",
        "f.csv : 1 ligne sans montant lisible, refusée.",
        "f.csv : 2 dates AAAA/MM/JJ remises en AAAA-MM-JJ (réparation sûre).",
        "f.csv : 1 identifiant de bénéficiaire illisible : refusé.",
        "f.csv : 3 bénéficiaires donnés par leur seul SIREN (9 chiffres) : gardés à l'échelle de "
        "l'entreprise, sans établissement.",
    ]
