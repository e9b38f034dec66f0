"""Import of CSV and Excel files, validation messages, all-or-nothing, export; the seed pack."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from geo.base import saisie, semences, store


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
    assert saisie.montant_fr(texte) == attendu


@pytest.mark.parametrize("texte", ["abc", "12 k€", "1.200", "-5 €"])
def test_bad_amounts_say_why(texte):
    with pytest.raises(ValueError, match=r"montant|ambigu|négatif"):
        saisie.montant_fr(texte)


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


def test_broken_rows_name_line_column_and_change_nothing(depot):
    _base_aliss(depot)
    texte = (
        "projet;ptce;siret;financeur;dispositif;montant_eur;annee_debut;annee_fin\n"
        "Réaliss;;;Région;Fonds ESS;1 200,50 €;2020;2021\n"  # line 2: valid
        "Inconnu;;;;;abc;20;\n"  # line 3: three errors
        ";;;État;X;10;;\n"  # line 4: no beneficiary
        ";ALISS;12345678901234;;;;2021;2019\n"  # line 5: bad SIRET key, years reversed
    )
    with pytest.raises(saisie.ImportRefuse) as refus:
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


def test_an_error_in_a_later_sheet_rolls_back_earlier_sheets(depot):
    classeur = saisie.classeur_excel(
        {
            "ptce": pd.DataFrame({"nom": ["Pôle A"], "perimetre": ["epci:200042190"]}),
            "projets": pd.DataFrame({"nom": ["P1"], "ptce": ["Pôle A"], "etape": ["incubation"]}),
        }
    )
    with pytest.raises(saisie.ImportRefuse) as refus:
        saisie.importer(depot, classeur, "saisie.xlsx")
    assert [(e.feuille, e.ligne, e.colonne) for e in refus.value.erreurs] == [("projets", 2, "etape")]
    assert "étape « incubation » inconnue" in refus.value.erreurs[0].message
    assert _compter(depot, store.PTCE) == 0


def test_duplicates_in_the_file_and_in_the_store(depot):
    _base_aliss(depot)
    doublon_fichier = "projet;nature;nombre\nRéaliss;insertion;19\nrealiss;Insertion;19\n"
    with pytest.raises(saisie.ImportRefuse) as refus:
        saisie.importer(depot, doublon_fichier.encode(), "emplois.csv")
    assert [(e.ligne, e.message) for e in refus.value.erreurs] == [
        (3, "doublon de la ligne 2 de ce fichier.")
    ]

    saisie.importer(depot, "projet;nature;nombre\nRéaliss;insertion;19\n".encode(), "emplois.csv")
    with pytest.raises(saisie.ImportRefuse, match="existe déjà"):
        saisie.importer(depot, "projet;nature;nombre\nRéaliss;insertion;19\n".encode(), "emplois.csv")
    with pytest.raises(saisie.ImportRefuse, match="existe déjà"):
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


def test_unknown_columns_and_unrecognised_files(depot):
    with pytest.raises(saisie.ImportRefuse, match="colonne"):
        saisie.importer(depot, b"nom;couleur\nA;bleu\n", "ptce.csv")
    with pytest.raises(saisie.ImportRefuse, match="non reconnue"):
        saisie.importer(depot, b"a;b\n1;2\n", "divers.csv")
    with pytest.raises(saisie.ImportRefuse, match="format non pris en charge"):
        saisie.importer(depot, b"%PDF-1.4", "fichier.pdf")
    with pytest.raises(saisie.ImportRefuse, match="obligatoire"):
        saisie.importer(depot, b"projet;annee;nombre\nX;2020;3\n", "emplois.csv")


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

    with pytest.raises(saisie.ImportRefuse) as refus:
        saisie.importer(depot, b"nom;perimetre\nX;epci:999999999\n", "ptce.csv", connu=connu)
    assert refus.value.erreurs[0].colonne == "perimetre"
    saisie.importer(depot, b"nom;perimetre\nX;200042190, 59172\n", "ptce.csv", connu=connu)
    with depot.session() as session:
        assert session.scalars(sa.select(store.PTCE.perimetre)).one() == "epci:200042190,commune:59172"


def test_export_round_trips_through_excel_and_csv(depot, tmp_path):
    semences.semer(depot)
    export = saisie.exporter(depot)
    assert len(export["emplois"]) == 6
    autre = store.Depot(f"sqlite:///{tmp_path / 'autre.sqlite3'}")
    rapport = saisie.importer(autre, saisie.classeur_excel(export), "export.xlsx")
    assert rapport.ecrites == {t: len(export[t]) for t in saisie.ORDRE}
    pd.testing.assert_frame_equal(saisie.exporter(autre)["financements"], export["financements"])
    with zipfile.ZipFile(io.BytesIO(saisie.archive_csv(export))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{t}.csv" for t in saisie.ORDRE)
        contenu = archive.read("emplois.csv")
    assert contenu.startswith(b"\xef\xbb\xbfprojet;annee;nature;nombre;source")
    autre.fermer()


def test_template_has_every_sheet_and_a_help_sheet():
    classeur = pd.read_excel(io.BytesIO(saisie.modele_excel()), sheet_name=None)
    assert list(classeur) == [*saisie.ORDRE, "lisez-moi"]
    assert list(classeur["financements"].columns) == saisie.colonnes("financements")
    assert (
        classeur["lisez-moi"].query("colonne == 'montant_eur'").contenu.iloc[0].startswith("montant en euros")
    )


def test_form_rows_get_the_same_checks(depot):
    _base_aliss(depot)
    rapport = saisie.ajouter(depot, "emplois", {"projet": "Réaliss", "nature": "encadrement", "nombre": 3})
    assert rapport.ecrites == {"emplois": 1}
    with depot.session() as session:
        assert session.scalars(sa.select(store.Emploi.source)).one() == "saisie"
    with pytest.raises(saisie.ImportRefuse, match="nombre"):
        saisie.ajouter(depot, "emplois", {"projet": "Réaliss", "nature": "autre", "nombre": "trois"})


def test_seed_pack_states_what_the_documents_say(depot):
    rapport = semences.semer(depot)
    assert rapport.ecrites["ptce"] == 5
    sources = pd.concat([t.source for t in semences.tables().values()])
    documents = {
        "aliss-ptce-soissonnais.txt",
        "ptce-laureats-appel-2013-coorace.txt",
        "porte-du-hainaut-ess-carenews-2024.txt",
        "rtes-kit-municipaless-17-animer-son-territoire.txt",
        "rtes-progress-roannais-2010.txt",
    }
    # Every row cites one of the five documents, and every document is used.
    assert set(sources.str.split(" : ").str[0]) == documents
    with depot.session() as session:
        emplois = session.execute(
            sa.select(store.Projet.nom, store.Emploi.nature, store.Emploi.nombre, store.Emploi.annee).join(
                store.Emploi.projet
            )
        ).all()
        montants = dict(
            session.execute(
                sa.select(store.PTCE.nom, store.Financement.montant_eur).join(store.Financement.ptce)
            ).all()
        )
    assert sum(n for _, _, n, _ in emplois) == 42  # 19+3 + 6+2 + 10+2
    assert {a for *_, a in emplois} == {None}  # the document gives no year
    assert montants["ALISS (PTCE du Soissonnais)"] == Decimal("120000")
    assert montants["PTCE Centre Isère"] is None  # share of the 3 M€ not stated
    # Loading twice writes nothing more; an empty store only is filled on first use.
    assert semences.semer(depot).total == 0
    assert semences.semer_si_vide(depot) is None


def test_excel_numbers_for_codes_years_and_siret(depot):
    """Excel stores codes typed without quotes as numbers: 2722 for 02722, 200042190.0 for a SIREN."""
    classeur = saisie.classeur_excel(
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


def test_the_csv_export_comes_back_whole_in_one_transaction(depot, tmp_path):
    semences.semer(depot)
    export = saisie.exporter(depot)
    archive = saisie.archive_csv(export)
    autre = store.Depot(f"sqlite:///{tmp_path / 'autre.sqlite3'}")
    rapport = saisie.importer(autre, archive, "export.zip")
    assert rapport.ecrites == {t: len(export[t]) for t in saisie.ORDRE}
    # One broken row in the last table: nothing of the archive is written.
    tables = dict(export)
    tables["emplois"] = pd.concat(
        [tables["emplois"], pd.DataFrame({"projet": ["Inconnu"], "nature": ["insertion"], "nombre": ["2"]})]
    )
    vide = store.Depot(f"sqlite:///{tmp_path / 'vide.sqlite3'}")
    with pytest.raises(saisie.ImportRefuse):
        saisie.importer(vide, saisie.archive_csv(tables), "export.zip")
    assert _compter(vide, store.PTCE) == 0
    autre.fermer()
    vide.fermer()


def test_blank_lines_keep_line_numbers_true(depot):
    _base_aliss(depot)
    texte = "projet;nature;nombre\nRéaliss;insertion;19\n\nRéaliss;encadrement;trois\n"
    with pytest.raises(saisie.ImportRefuse) as refus:
        saisie.importer(depot, texte.encode(), "emplois.csv")
    assert [(e.ligne, e.colonne) for e in refus.value.erreurs] == [(4, "nombre")]


def test_a_file_that_is_neither_workbook_nor_csv_archive_says_so_in_french(depot):
    contenu = io.BytesIO()
    with zipfile.ZipFile(contenu, "w") as archive:
        archive.writestr("photo.jpg", b"...")
    with pytest.raises(saisie.ImportRefuse) as refus:
        saisie.importer(depot, contenu.getvalue(), "photos.zip")
    assert "ce n'est pas un fichier .xlsx valide" in str(refus.value.erreurs[0])


def test_too_long_texts_and_huge_amounts_are_refused_before_the_database(depot):
    _base_aliss(depot)
    texte = f"projet;financeur;montant_eur\nRéaliss;{'x' * 301};10\nRéaliss;Région;1 000 000 000 000 €\n"
    with pytest.raises(saisie.ImportRefuse) as refus:
        saisie.importer(depot, texte.encode(), "financements.csv")
    assert [(e.ligne, e.colonne) for e in refus.value.erreurs] == [(2, "financeur"), (3, "montant_eur")]
    assert "texte trop long (301 caractères, 300 au plus)" in str(refus.value.erreurs[0])
    assert "montant trop grand" in str(refus.value.erreurs[1])
