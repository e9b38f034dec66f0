"""Checking rows (geo.base.saisie_controle): messages naming line and column, duplicates, references."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from benchmarks.bench_import import fichier_financements
from geo.base import saisie, saisie_cellules, saisie_controle, saisie_export, saisie_modele, store


@pytest.fixture
def depot(tmp_path):
    depot = store.Depot(f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
    yield depot
    depot.fermer()


def _compter(depot, modele) -> int:
    with depot.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(modele))


def _base_aliss(depot):
    saisie.importer(depot, b"nom;perimetre\nALISS;200071991\n", "ptce.csv")
    saisie.importer(depot, "nom;ptce;etape\nRéaliss;aliss;lancement\n".encode(), "projets.csv")


def test_broken_rows_name_line_column_and_change_nothing(depot):
    _base_aliss(depot)
    texte = (
        "projet;ptce;siret;financeur;dispositif;montant_eur;annee_debut;annee_fin\n"
        "Réaliss;;;Région;Fonds ESS;1 200,50 €;2020;2021\n"  # line 2: valid
        "Inconnu;;;;;abc;20;\n"  # line 3: three errors
        ";;;État;X;10;;\n"  # line 4: no beneficiary
        ";ALISS;12345678901234;;;;2021;2019\n"  # line 5: bad SIRET key, years reversed
    )
    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie.importer(depot, texte.encode(), "financements.csv")
    erreurs = {(e.ligne, e.colonne) for e in refus.value.erreurs}
    assert erreurs == {
        (3, "projet"),
        (3, "montant_eur"),
        (3, "annee_debut"),
        (4, "projet, ptce, siret, territoire"),
        (5, "siret"),
        (5, "annee_fin"),
    }
    textes = [str(e) for e in refus.value.erreurs]
    assert "« financements », ligne 3, colonne « montant_eur » : « abc » n'est pas un montant" in textes[1]
    assert "rien n'a été enregistré" in str(refus.value)
    # The valid line 2 was not written either.
    assert _compter(depot, store.Financement) == 0


def test_duplicates_in_the_file_and_in_the_store(depot):
    _base_aliss(depot)
    doublon_fichier = "projet;nature;nombre\nRéaliss;insertion;19\nrealiss;Insertion;19\n"
    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie.importer(depot, doublon_fichier.encode(), "emplois.csv")
    assert [(e.ligne, e.message) for e in refus.value.erreurs] == [
        (3, "doublon de la ligne 2 de ce fichier.")
    ]

    saisie.importer(depot, "projet;nature;nombre\nRéaliss;insertion;19\n".encode(), "emplois.csv")
    with pytest.raises(saisie_modele.ImportRefuse, match="existe déjà"):
        saisie.importer(depot, "projet;nature;nombre\nRéaliss;insertion;19\n".encode(), "emplois.csv")
    with pytest.raises(saisie_modele.ImportRefuse, match="existe déjà"):
        saisie.importer(depot, b"nom\nALISS\n", "ptce.csv")
    # Asked to, a re-import skips what is there and says so.
    rapport = saisie.importer(
        depot,
        "projet;nature;nombre\nRéaliss;insertion;19\nRéaliss;autre;1\n".encode(),
        "emplois.csv",
        ignorer_doublons=True,
    )
    assert rapport.ecrites == {"emplois": 1}
    assert rapport.ignorees == {"emplois": 1}
    assert "déjà présentes" in rapport.resume()
    assert _compter(depot, store.Emploi) == 2


def test_territories_are_checked_against_the_referential(depot, referentiel):
    def connu(identifiant):
        try:
            referentiel.territoire(store_tid(identifiant))
        except Exception:
            return False
        return True

    from geo.territoires.referentiel import TerritoireId as store_tid_classe

    def store_tid(texte):
        return store_tid_classe.depuis_texte(texte)

    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie.importer(depot, b"nom;perimetre\nX;epci:999999999\n", "ptce.csv", connu=connu)
    assert refus.value.erreurs[0].colonne == "perimetre"
    saisie.importer(depot, b"nom;perimetre\nX;200042190, 59172\n", "ptce.csv", connu=connu)
    with depot.session() as session:
        assert session.scalars(sa.select(store.PTCE.perimetre)).one() == "epci:200042190,commune:59172"


def test_excel_numbers_for_codes_years_and_siret(depot):
    """Excel stores codes typed without quotes as numbers: 2722 for 02722, 200042190.0 for a SIREN."""
    classeur = saisie_export.classeur_excel(
        {
            "ptce": pd.DataFrame({"nom": ["Pôle"], "perimetre": [200042190], "annee_creation": [2015.0]}),
            "structures": pd.DataFrame(
                {"nom": ["Réaliss"], "siret": [73282932000074], "commune": [2722], "ptce": ["Pôle"]}
            ),
        }
    )
    rapport = saisie.importer(depot, classeur, "saisie.xlsx")
    assert {t: n for t, n in rapport.ecrites.items() if n} == {"ptce": 1, "structures": 1}
    with depot.session() as session:
        structure = session.scalars(sa.select(store.Structure)).one()
        assert (structure.siret, structure.commune) == ("73282932000074", "02722")
        assert session.scalars(sa.select(store.PTCE.perimetre)).one() == "epci:200042190"


def test_too_long_texts_and_huge_amounts_are_refused_before_the_database(depot):
    _base_aliss(depot)
    texte = f"projet;financeur;montant_eur\nRéaliss;{'x' * 301};10\nRéaliss;Région;1 000 000 000 000 €\n"
    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie.importer(depot, texte.encode(), "financements.csv")
    assert [(e.ligne, e.colonne) for e in refus.value.erreurs] == [(2, "financeur"), (3, "montant_eur")]
    assert "texte trop long (301 caractères, 300 au plus)" in str(refus.value.erreurs[0])
    assert "montant trop grand" in str(refus.value.erreurs[1])


def test_each_distinct_cell_is_parsed_once_per_sheet(depot, monkeypatch):
    """Years, funders and territories repeat from row to row: a parser sees each value once."""
    with depot.session() as session:
        session.add(store.PTCE(nom="PTCE de mesure", source="essai"))
    vues: list[object] = []
    annee = saisie_controle.lire_annee

    def annee_comptee(valeur):
        vues.append(valeur)
        return annee(valeur)

    monkeypatch.setattr(saisie_controle, "lire_annee", annee_comptee)
    saisie.importer(depot, fichier_financements(2_600), "financements.csv")
    # 26 years in annee_debut and 26 in annee_fin (benchmarks/bench_import.py).
    assert len(vues) == 2 * 26


def test_a_cached_cell_is_told_apart_from_an_equal_one_of_another_type():
    """1, 1.0 and True are one key of a dict: the cache keys on the type too."""
    index, analyses = saisie_controle.Index(), {}
    lu = []
    for cellule in (1, True, 1):
        ligne = saisie_controle.Ligne("financements", 2, {"montant_eur": cellule}, index, None, [], analyses)
        lu.append((ligne.lire("montant_eur", saisie_cellules.montant_fr), [str(e) for e in ligne.problemes]))
    assert lu[0] == lu[2] == (1, [])
    assert lu[1] == (
        None,
        [
            "« financements », ligne 2, colonne « montant_eur » : « True » n'est pas un montant "
            "(exemple : 1 200,50 €)."
        ],
    )
