"""Reading import files (geo.base.saisie_fichiers): encodings, separators, sheets known by their columns."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from geo.base import saisie, saisie_fichiers, saisie_modele, store


@pytest.fixture
def depot(tmp_path):
    depot = store.Depot(f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
    yield depot
    depot.fermer()


def _base_aliss(depot):
    saisie.importer(depot, b"nom;perimetre\nALISS;200071991\n", "ptce.csv")
    saisie.importer(depot, "nom;ptce;etape\nRéaliss;aliss;lancement\n".encode(), "projets.csv")


@pytest.mark.parametrize(
    ("encodage", "separateur"),
    [("utf-8", ";"), ("utf-8-sig", ";"), ("latin-1", ";"), ("cp1252", ","), ("utf-8-sig", ",")],
)
def test_encodings_and_separators(depot, encodage, separateur):
    _base_aliss(depot)
    texte = separateur.join(["projet", "annee", "nature", "nombre"]) + "\n"
    texte += separateur.join(["réaliss", "2019", "Insertion", "19"]) + "\n"
    texte += separateur.join(["RÉALISS", "2019", "encadrement", "3"]) + "\n"
    rapport = saisie.importer(depot, texte.encode(encodage), "emplois.csv")
    assert rapport.ecrites == {"emplois": 2}
    assert any(("Latin-1" in r or "UTF-8" in r) and f"« {separateur} »" in r for r in rapport.remarques)
    with depot.session() as session:
        projet = session.scalars(sa.select(store.Projet)).one()
        assert projet.nom == "Réaliss"  # accents survived every encoding
        assert sorted((e.nature, e.nombre) for e in projet.emplois) == [("encadrement", 3), ("insertion", 19)]


def test_unknown_columns_and_unrecognised_files(depot):
    with pytest.raises(saisie_modele.ImportRefuse, match="colonne"):
        saisie.importer(depot, b"nom;couleur\nA;bleu\n", "ptce.csv")
    with pytest.raises(saisie_modele.ImportRefuse, match="non reconnue"):
        saisie.importer(depot, b"a;b\n1;2\n", "divers.csv")
    with pytest.raises(saisie_modele.ImportRefuse, match="format non pris en charge"):
        saisie.importer(depot, b"%PDF-1.4", "fichier.pdf")
    with pytest.raises(saisie_modele.ImportRefuse, match="obligatoire"):
        saisie.importer(depot, b"projet;annee;nombre\nX;2020;3\n", "emplois.csv")


def test_blank_lines_keep_line_numbers_true(depot):
    _base_aliss(depot)
    texte = "projet;nature;nombre\nRéaliss;insertion;19\n\nRéaliss;encadrement;trois\n"
    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie.importer(depot, texte.encode(), "emplois.csv")
    assert [(e.ligne, e.colonne) for e in refus.value.erreurs] == [(4, "nombre")]


def test_a_file_that_is_neither_workbook_nor_csv_archive_says_so_in_french(depot):
    contenu = io.BytesIO()
    with zipfile.ZipFile(contenu, "w") as archive:
        archive.writestr("photo.jpg", b"...")
    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie.importer(depot, contenu.getvalue(), "photos.zip")
    assert "ce n'est pas un fichier .xlsx valide" in str(refus.value.erreurs[0])


def test_a_file_is_read_as_text_cells_per_table_with_a_remark():
    contenu = "financeur;montant_eur;territoire\nRégion;1 200,50 €;02722\n".encode("cp1252")
    feuilles, remarques = saisie_fichiers.lire(contenu, "aides.csv")
    assert list(feuilles) == ["financements"]
    assert feuilles["financements"].loc[0, ["financeur", "montant_eur", "territoire"]].tolist() == [
        "Région",
        "1 200,50 €",
        "02722",
    ]
    assert list(feuilles["financements"].columns) == saisie_modele.colonnes("financements")
    assert remarques == ["fichier CSV lu en Windows-1252 (Latin-1), séparateur « ; »."]


def test_a_comma_that_split_a_number_is_named_before_any_row_is_checked():
    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie_fichiers.lire(b"financeur,montant_eur,territoire\nRegion,1 200,50,02722\n", "aides.csv")
    assert [(e.ligne, e.colonne) for e in refus.value.erreurs] == [(2, "montant_eur")]
