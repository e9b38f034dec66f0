"""Hostile or broken import files: a French message naming file, row and column; the store unchanged."""

from __future__ import annotations

import io
import zipfile

import matplotlib
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from geo.base import saisie, saisie_cellules, saisie_export, saisie_fichiers, saisie_modele, store
from geo.outils import config, formats
from geo.rendu import fiche


@pytest.fixture
def depot(tmp_path):
    depot = store.Depot(f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
    saisie.importer(depot, b"nom;perimetre\nALISS;200071991\n", "ptce.csv")
    saisie.importer(depot, "nom;ptce;etape\nRéaliss;aliss;lancement\n".encode(), "projets.csv")
    yield depot
    depot.fermer()


def _etat(depot) -> dict[str, list]:
    """Every stored row, to compare before and after a refused import."""
    with depot.engine.connect() as connexion:
        return {
            table.name: sorted(map(tuple, connexion.execute(sa.select(table)).all()), key=repr)
            for table in store.Base.metadata.sorted_tables
        }


def _refus(depot, contenu: bytes, nom: str) -> list[saisie_modele.Erreur]:
    avant = _etat(depot)
    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie.importer(depot, contenu, nom)
    assert _etat(depot) == avant
    # Messages are French, never a Python exception's English.
    for erreur in refus.value.erreurs:
        assert "Traceback" not in erreur.message
        assert "could not convert" not in erreur.message
        assert "cannot convert" not in erreur.message
    return refus.value.erreurs


@pytest.mark.parametrize("valeur", ["1e309", "nan", "inf", "-inf", "NaN", "1e5", "-3", "20000"])
def test_jobs_not_finite_negative_or_absurd_are_refused(depot, valeur):
    erreurs = _refus(depot, f"projet;nature;nombre\nRéaliss;insertion;{valeur}\n".encode(), "emplois.csv")
    assert [(e.feuille, e.ligne, e.colonne) for e in erreurs] == [("emplois", 2, "nombre")]


@pytest.mark.parametrize("valeur", ["1e309", "nan", "inf", "-5", "Infinity"])
def test_amounts_not_finite_or_negative_are_refused(depot, valeur):
    texte = f"projet;montant_eur\nRéaliss;{valeur}\n"
    erreurs = _refus(depot, texte.encode(), "financements.csv")
    assert [(e.ligne, e.colonne) for e in erreurs] == [(2, "montant_eur")]


def test_amounts_from_excel_that_are_not_finite_are_refused():
    from decimal import Decimal

    for valeur in (float("inf"), Decimal("NaN"), Decimal("-Infinity")):
        with pytest.raises(ValueError, match="montant"):
            saisie_cellules.montant_fr(valeur)


@pytest.mark.parametrize(
    ("colonne", "valeur"),
    [("date_debut", "01/01/1800"), ("date_debut", "3000-01-01"), ("date_fin", "31/12/2101")],
)
def test_dates_have_the_same_bounds_as_years(depot, colonne, valeur):
    erreurs = _refus(depot, f"nom;{colonne}\nNouveau;{valeur}\n".encode(), "projets.csv")
    assert [(e.ligne, e.colonne) for e in erreurs] == [(2, colonne)]
    assert "1900 à 2100" in erreurs[0].message


@pytest.mark.parametrize("caractere", ["\x00", "\x07", "\x1b", "\x7f", "\u202e"])
def test_control_characters_in_names_are_refused(depot, caractere):
    erreurs = _refus(depot, f"nom;forme\nAtelier{caractere}X;SCOP\n".encode(), "structures.csv")
    assert [(e.ligne, e.colonne) for e in erreurs] == [(2, "nom")]
    assert f"U+{ord(caractere):04X}" in erreurs[0].message


def test_a_line_break_is_refused_in_a_name_but_kept_in_a_description(depot):
    erreurs = _refus(depot, b'nom;forme\n"Atelier\nbis";SCOP\n', "structures.csv")
    assert [e.colonne for e in erreurs] == ["nom"]
    rapport = saisie.importer(depot, b'nom;description\nP2;"ligne 1\nligne 2"\n', "ptce.csv")
    assert rapport.ecrites == {"ptce": 1}


def test_a_decimal_comma_that_split_an_amount_is_named_with_its_line_and_column(depot):
    texte = (
        "projet,ptce,financeur,dispositif,montant_eur,annee_debut\n"
        "Réaliss,ALISS,Région,Fonds ESS,1 200,50,2023\n"  # the amount cut in two
        "Réaliss,ALISS,Département,Appel à projets,800,2024\n"
        "Réaliss,ALISS,État,France 2030,12 500,5 €,2025\n"
    )
    erreurs = _refus(depot, texte.encode(), "financements.csv")
    assert [(e.ligne, e.colonne) for e in erreurs] == [(2, "montant_eur"), (4, "montant_eur")]
    assert str(erreurs[0]).startswith(
        "« financements.csv », ligne 2, colonne « montant_eur » : « 1 200,50 » coupé en deux par la virgule"
    )
    assert "« 12 500,5 € »" in erreurs[1].message
    assert "entre guillemets" in erreurs[0].message


def test_a_comma_line_with_an_extra_text_field_keeps_the_general_message(depot):
    texte = "nom,siret,forme\nAtelier A,,SCOP\nAtelier B,,association,en trop\n"
    erreurs = _refus(depot, texte.encode(), "structures.csv")
    assert [(e.ligne, e.colonne) for e in erreurs] == [(3, None)]
    assert "4 valeurs pour 3 colonnes" in erreurs[0].message


def test_the_excel_export_survives_a_control_character_already_stored(depot):
    with depot.session() as session:
        session.add(store.Structure(nom="Ancien\x07nom", source="saisie"))
    classeur = saisie_export.classeur_excel(saisie_export.exporter(depot))
    relu = pd.read_excel(io.BytesIO(classeur), sheet_name="structures", engine="openpyxl")
    assert relu.nom.tolist() == ["Ancien\ufffdnom"]


def test_a_row_with_one_field_more_than_the_header_is_refused_with_its_line(depot):
    texte = "nom;siret;forme\nAtelier A;;SCOP\nAtelier B;;association;en trop\n"
    erreurs = _refus(depot, texte.encode(), "structures.csv")
    assert [(e.feuille, e.ligne) for e in erreurs] == [("structures.csv", 3)]
    assert "4 valeurs pour 3 colonnes" in erreurs[0].message
    # Trailing empty fields (a spreadsheet's « ;; ») are not a shift.
    assert saisie.importer(depot, b"nom;forme;\nAtelier C;SCOP;;\n", "structures.csv").ecrites == {
        "structures": 1
    }


def test_excel_formulas_without_a_saved_result_are_refused(depot):
    classeur = openpyxl.Workbook()
    feuille = classeur.active
    feuille.title = "financements"
    feuille.append(["projet", "financeur", "montant_eur"])
    feuille.append(["Réaliss", "Région", "=1000*2"])
    tampon = io.BytesIO()
    classeur.save(tampon)
    erreurs = _refus(depot, tampon.getvalue(), "saisie.xlsx")
    assert [(e.feuille, e.ligne, e.colonne) for e in erreurs] == [("financements", 2, "montant_eur")]
    assert "formule =1000*2 sans résultat enregistré" in erreurs[0].message


def test_full_width_digits_cannot_bypass_the_siret_uniqueness(depot):
    saisie.importer(depot, b"nom;siret\nAtelier A;73282932000074\n", "structures.csv")
    large = "".join(chr(ord(c) + 0xFEE0) for c in "73282932000074")  # full-width digits
    erreurs = _refus(depot, f"nom;siret\nAtelier B;{large}\n".encode(), "structures.csv")
    assert [(e.ligne, e.colonne) for e in erreurs] == [(2, "siret")]
    assert "déjà attribué" in erreurs[0].message
    # Arabic-Indic digits and a full-width commune code are read as ASCII.
    saisie.importer(depot, "nom;commune\nAtelier C;０２７２２\n".encode(), "structures.csv")
    with depot.session() as session:
        commune = session.scalar(sa.select(store.Structure.commune).where(store.Structure.nom == "Atelier C"))
    assert commune == "02722"
    assert saisie_cellules.chiffres_ascii("٢٠٢١") == "2021"


def test_an_upload_beyond_the_size_limit_is_refused(depot):
    contenu = b"nom\n" + b"x\n" * (saisie_fichiers.TAILLE_MAXIMALE_FICHIER // 2 + 1)
    erreurs = _refus(depot, contenu, "ptce.csv")
    assert "10 Mo au plus" in erreurs[0].message


def test_a_zip_bomb_is_refused_before_it_is_read(depot):
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ptce.csv", b"nom\n" + b" " * (saisie_fichiers.TAILLE_MAXIMALE_DECOMPRESSEE + 10))
    assert len(tampon.getvalue()) < 1024 * 1024
    erreurs = _refus(depot, tampon.getvalue(), "bombe.zip")
    assert "se décompresse" in erreurs[0].message
    assert "50 Mo une fois décompressé" in erreurs[0].message


def test_too_many_rows_are_refused(depot):
    contenu = "nom\n" + "".join(f"P{i}\n" for i in range(saisie_fichiers.LIGNES_MAXIMALES + 1))
    erreurs = _refus(depot, contenu.encode(), "ptce.csv")
    assert "plus de 100\u202f000 lignes" in erreurs[0].message


def test_the_limits_are_said_in_french_before_the_upload():
    # A CRESS directory or a département's subsidies hold tens of thousands of lines.
    assert saisie_fichiers.LIGNES_MAXIMALES >= 100_000
    assert saisie_fichiers.LIMITES.startswith(
        "100\u202f000 lignes au plus par import ; fichier de 10 Mo au plus, 50 Mo"
    )
    source_de_la_page = (config.RACINE_PROJET / "pages" / "saisie.py").read_text(encoding="utf-8")
    assert source_de_la_page.index("st.caption(saisie_fichiers.LIMITES)") < source_de_la_page.index(
        "st.file_uploader("
    )


def test_more_lines_than_the_former_limit_are_imported_whole(depot):
    from benchmarks.bench_import import fichier_financements

    with depot.session() as session:
        session.add(store.PTCE(nom="PTCE de mesure", source="essai"))
    rapport = saisie.importer(depot, fichier_financements(21_000), "financements.csv")
    assert rapport.ecrites == {"financements": 21_000}
    with depot.session() as session:
        montants = session.scalars(
            sa.select(store.Financement.montant_eur).order_by(store.Financement.id)
        ).all()
    assert len(montants) == 21_000
    assert str(montants[1]) == "1001001.50"


@pytest.mark.parametrize("encodage", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_tab_separated_files_are_read(depot, encodage):
    texte = "projet\tnature\tnombre\r\nRéaliss\tinsertion\t4\r\n"
    rapport = saisie.importer(depot, texte.encode(encodage), "emplois.txt")
    assert rapport.ecrites == {"emplois": 1}
    assert any("UTF-16" in r and "tabulation" in r for r in rapport.remarques)


def test_a_broken_utf16_file_names_its_encoding(depot):
    contenu = "nom\nP\n".encode("utf-16") + b"\x00\xd8"  # a lone surrogate at the end
    erreurs = _refus(depot, contenu, "ptce.txt")
    assert "UTF-16" in erreurs[0].message


def test_csv_exports_neutralise_formulas_and_come_back_unchanged(depot):
    noms = ['=HYPERLINK("https://evil.example";"clic")', "+33 1 23", "-moins", "@SUM(A1)", "Normal"]
    for nom in noms:
        saisie.ajouter(depot, "ptce", {"nom": nom})
    archive = saisie_export.archive_csv(saisie_export.exporter(depot))
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        texte = zf.read("ptce.csv").decode("utf-8-sig")
    cellules = [ligne.split(";")[0] for ligne in texte.splitlines()[1:]]
    for cellule in cellules:
        assert not cellule.lstrip('"').startswith(formats.DEBUTS_DE_FORMULE), cellule
    # Re-imported elsewhere, the names are the same.
    autre = store.Depot("sqlite:///:memory:")
    saisie.importer(autre, archive, "export.zip")
    assert sorted(saisie_export.exporter(autre)["ptce"].nom) == sorted([*noms, "ALISS"])


def test_excel_export_keeps_formula_looking_names_as_text(depot):
    saisie.ajouter(depot, "ptce", {"nom": "=1+1"})
    classeur = openpyxl.load_workbook(io.BytesIO(saisie_export.classeur_excel(saisie_export.exporter(depot))))
    cellule = next(c for c in classeur["ptce"]["A"] if c.value == "=1+1")
    assert cellule.data_type == "s"


def test_page_csv_helper_neutralises_text_cells_only():
    tableau = pd.DataFrame({"nom": ["=cmd", "ok"], "montant": [-3.5, 2.0]})
    texte = formats.vers_csv(tableau).decode("utf-8-sig")
    assert "'=cmd" in texte
    assert "-3,5" in texte


def test_dollar_signs_in_names_do_not_break_the_pdf_charts():
    bloc = {
        "crees_total": 3,
        "par_projet": [{"projet": "Projet $x", "insertion": 2, "encadrement": 1, "autre": 0, "total": 3}],
    }
    graphiques = fiche.graphiques_emplois_financements(bloc, None)
    assert len(graphiques) == 1
    assert graphiques[0][0].startswith(b"\x89PNG")
    assert matplotlib.get_backend().lower() == "agg"


def test_a_long_import_reports_its_progress_in_french(depot):
    from benchmarks.bench_import import fichier_financements

    with depot.session() as session:
        session.add(store.PTCE(nom="PTCE de mesure", source="essai"))
    etapes_vues: list[tuple[float, str]] = []
    saisie.importer(
        depot,
        fichier_financements(2_500),
        "financements.csv",
        progression=lambda part, texte: etapes_vues.append((part, texte)),
    )
    parts = [part for part, _ in etapes_vues]
    assert parts == sorted(parts)
    assert parts[0] == 0.0
    assert parts[-1] == 1.0
    assert [texte for _, texte in etapes_vues] == [
        "Lecture du fichier…",
        "Vérification des lignes : 1\u202f000 sur 2\u202f500…",
        "Vérification des lignes : 2\u202f000 sur 2\u202f500…",
        "Enregistrement de 2\u202f500 lignes…",
        "Import terminé.",
    ]
