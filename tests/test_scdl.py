"""SCDL « subventions » files read end to end (:func:`geo.sources.scdl.lire`): the real published
files of the mirror and the official examples; each job's own tests are in test_scdl_*.py."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import openpyxl
import pytest

from geo.outils.text import accorder
from geo.sources import scdl, scdl_lecture, scdl_lignes, scdl_publies

SCHEMAS = Path("financements") / "scdl" / "schemas"
PUBLIES = Path("financements") / "scdl" / "publies"


def _chemin(miroir: Path, publie: scdl_publies.FichierPublie) -> Path:
    return next((miroir / PUBLIES).rglob(publie.fichier))


@functools.cache
def _lire(miroir: Path, publie: scdl_publies.FichierPublie) -> scdl_lignes.LectureScdl:
    """Each published file read and validated once for the whole module (10 s for the largest)."""
    return scdl.lire(_chemin(miroir, publie), publie=publie)


@pytest.fixture(autouse=True)
def _miroir_designe(miroir, monkeypatch):
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))


@pytest.mark.miroir
@pytest.mark.parametrize("publie", scdl_publies.FICHIERS_PUBLIES, ids=lambda p: p.fichier[:40])
def test_every_real_file_is_read_with_its_counts(miroir, publie):
    lecture = _lire(miroir, publie)
    comptes = lecture.comptes()
    assert comptes["lignes_lues"] > 0
    assert comptes["lignes_lues"] == comptes["lignes_gardees"] + comptes["lignes_refusees"]
    # Every published file has at least one defect against its official schema, said in French.
    assert lecture.validation.nombre > 0
    assert all(re.search(r"[a-zé]", m) for m in lecture.validation.messages)
    phrases = lecture.phrases()
    lues = accorder(comptes["lignes_lues"], "ligne lue", "lignes lues")
    assert phrases[0].startswith(f"{publie.fichier} : {lues}, ")
    kept = lecture.subventions
    assert kept.montant_eur.notna().all()
    assert set(kept.type_aide) <= set(scdl_lignes.TYPES_AIDE)
    # No beneficiary identifier is kept unless its checksum holds.
    assert kept.beneficiaire_siret.dropna().str.fullmatch(r"\d{14}").all()


@pytest.mark.miroir
def test_somme_bom_before_windows_1252_dates_with_slashes_and_french_amounts(miroir):
    publie = scdl_publies.FICHIERS_PUBLIES[0]
    lecture = _lire(miroir, publie)
    assert lecture.encodage == "BOM UTF-8 puis Windows-1252"
    assert lecture.version == "2.0.2"
    premiere = lecture.subventions.iloc[0]
    assert premiere.attribuant_nom == "Département de la Somme"
    assert premiere.montant_eur == 26956.0
    assert premiere.date == "2017-09-08"
    assert premiere.beneficiaire_siret == "21800009900018"
    assert lecture.reparations == {"montant_fr": 41, "date_barres": 41}
    assert lecture.lignes_refusees == 0
    assert lecture.validation.par_defaut["montant : type"] == 41
    assert any(
        "ligne 2, colonne « montant » : « 26 956,00 » n'est pas un nombre" in m
        for m in lecture.validation.messages
    )
    assert any("41 dates AAAA/MM/JJ remises en AAAA-MM-JJ" in p for p in lecture.phrases())


@pytest.mark.miroir
def test_toulouse_sirets_destroyed_by_a_spreadsheet_are_refused_not_guessed(miroir):
    publie = next(p for p in scdl_publies.FICHIERS_PUBLIES if p.fichier == "subventions-toulouse_2023.csv")
    lecture = _lire(miroir, publie)
    assert lecture.identifiants_refuses["scientifique"] == 541
    assert lecture.identifiants_refuses["attribuant_scientifique"] == 551
    gardees = lecture.subventions
    assert len(gardees) == 551  # the subsidies stay, without a beneficiary identifier
    assert not gardees.beneficiaire_siret.str.startswith("326", na=False).any()
    assert set(gardees.annee) == {2023}  # from the payment date, the agreement date being empty
    assert any("« 3,26E+13 »" in p or "3,26E+13" in p for p in lecture.phrases())
    assert any("« 3,26E+13 » ne respecte pas le format attendu" in m for m in lecture.validation.messages)


@pytest.mark.miroir
def test_vendee_rows_broken_by_an_unquoted_decimal_comma_are_refused(miroir):
    publie = next(p for p in scdl_publies.FICHIERS_PUBLIES if p.fichier.startswith("2017_Publication"))
    lecture = _lire(miroir, publie)
    assert lecture.separateur == ","
    assert lecture.refusees == {"ligne_coupee": 23}
    assert lecture.subventions.empty
    assert (
        "ligne 2 : 15 cellules pour 14 colonnes (virgule décimale non protégée" in lecture.messages_refus[0]
    )
    assert any("23 lignes coupées par une virgule décimale" in p for p in lecture.phrases())


@pytest.mark.miroir
def test_loire_atlantique_beneficiaries_by_siren_only_stay_at_siren_level(miroir):
    publie = next(p for p in scdl_publies.FICHIERS_PUBLIES if p.fichier.startswith("224400028"))
    lecture = _lire(miroir, publie)
    assert lecture.version is None  # French labels instead of the SCDL names
    assert lecture.identifiants_refuses["siren_seul"] == 18025
    par_siren = lecture.subventions[lecture.subventions.beneficiaire_siren.notna()]
    assert par_siren.beneficiaire_siret.isna().sum() >= 18025
    assert set(lecture.subventions.annee.dropna()) == set(range(2008, 2019))
    assert any("en-tête hors du format SCDL" in m for m in lecture.validation.messages)


@pytest.mark.miroir
def test_spreadsheets_xls_and_ods_are_read(miroir):
    deux_sevres = next(p for p in scdl_publies.FICHIERS_PUBLIES if p.fichier.endswith(".xls"))
    lecture = _lire(miroir, deux_sevres)
    assert lecture.format == "tableur XLS"
    assert len(lecture.subventions) == 467
    assert lecture.subventions.date.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    pyrenees = next(p for p in scdl_publies.FICHIERS_PUBLIES if p.fichier.endswith(".ods"))
    lecture = _lire(miroir, pyrenees)
    assert lecture.format == "tableur ODS"
    # The grantor is implicit in that layout: it comes from the file's declaration.
    assert set(lecture.subventions.attribuant_nom) == {"Département des Pyrénées-Orientales"}
    assert lecture.refusees["montant"] > 0  # continuation rows without an amount


def _exemples(miroir: Path) -> list[tuple[str, Path]]:
    return [
        (d.name.removeprefix("scdl-subventions-"), f)
        for d in sorted((miroir / SCHEMAS).iterdir())
        for f in sorted(d.rglob("*.csv"))
    ]


@pytest.mark.miroir
def test_official_examples_of_every_version(miroir):
    vus = set()
    for version, chemin in _exemples(miroir):
        vus.add(version)
        lecture = scdl.lire(chemin, version=version)
        detectee = scdl_lecture.detecter_version(scdl_lecture.lire_brut(chemin).entetes)
        if version == "1.0.0":
            assert detectee == "1.0.0"
        elif "duplicate" not in chemin.name and version in {"2.1.0", "2.1.1"}:
            assert detectee == "2.1.1", chemin
        elif version in {"1.1", "2.0.0", "2.0.1", "2.0.2"}:
            assert detectee == "2.0.2", chemin
        if "valide" in chemin.name and "invalide" not in chemin.name:
            assert lecture.validation.valide, (chemin, lecture.validation.messages)
        elif "invalide" in chemin.name or "erreurs" in chemin.name or "duplicate" in chemin.name:
            assert not lecture.validation.valide, chemin
            assert lecture.validation.messages
    assert vus == set(scdl_lecture.VERSIONS)


def test_header_below_title_rows_in_a_workbook(tmp_path, miroir):
    import datetime as dt

    classeur = openpyxl.Workbook()
    feuille = classeur.active
    feuille.append(["Conventions de subvention 2019"])
    feuille.append([])
    feuille.append(
        ["nomAttribuant", "idAttribuant", "dateConvention", "nomBeneficiaire", "idBeneficiaire", "montant"]
    )
    feuille.append(["Commune X", "21800009900018", dt.datetime(2019, 3, 4), "Asso", "1000035400018", 30000])
    feuille.append(["Commune X", "21800009900018", dt.datetime(2019, 3, 5), "Asso", "", "12 000,50 €"])
    chemin = tmp_path / "classeur.xlsx"
    classeur.save(chemin)
    lecture = scdl.lire(chemin)
    assert lecture.format == "tableur XLSX"
    assert list(lecture.subventions.ligne) == [4, 5]
    assert list(lecture.subventions.date) == ["2019-03-04", "2019-03-05"]
    assert list(lecture.subventions.montant_eur) == [30000.0, 12000.5]
    # A SIRET whose leading zero a spreadsheet dropped is restored; the checksum holds.
    assert lecture.subventions.beneficiaire_siret.iloc[0] == "01000035400018"
    assert any("colonne obligatoire « objet » absente" in m for m in lecture.validation.messages)


def test_a_file_that_is_not_a_subsidy_file_is_refused_in_french(tmp_path):
    chemin = tmp_path / "autre.csv"
    chemin.write_text("code;nom\n01001;L'Abergement\n", encoding="utf-8")
    with pytest.raises(scdl.FichierScdlInvalide, match="aucune colonne de montant"):
        scdl.lire(chemin)
    vide = tmp_path / "vide.csv"
    vide.write_bytes(b"")
    with pytest.raises(scdl.FichierScdlInvalide, match="fichier vide"):
        scdl.lire(vide)
    faux = tmp_path / "faux.xlsx"
    faux.write_bytes(b"PK\x03\x04 pas un classeur")
    with pytest.raises(scdl.FichierScdlInvalide) as refus:
        scdl.lire(faux)
    # The spreadsheet library's English stays out of what an administrator reads.
    assert (
        str(refus.value) == "faux.xlsx : classeur illisible (pas un classeur Excel valide, ou fichier abîmé)."
    )
