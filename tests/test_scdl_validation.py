"""A SCDL file checked against the official schema of its version (geo.sources.scdl_validation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.sources import scdl_validation
from geo.sources.scdl_lecture import detecter_version, lire_brut
from geo.sources.scdl_validation import MAX_MESSAGES, Validation, valider

SCHEMAS = Path("financements") / "scdl" / "schemas"


@pytest.fixture
def _miroir_designe(miroir, monkeypatch):
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))


def _valider(chemin: Path) -> Validation:
    brut = lire_brut(chemin)
    return valider(brut, chemin.name, detecter_version(brut.entetes))


@pytest.mark.miroir
@pytest.mark.usefixtures("_miroir_designe")
def test_invalid_cells_of_2_1_1_are_named_by_row_and_column(miroir):
    chemin = (
        miroir / SCHEMAS / "scdl-subventions-2.1.1" / "exemples" / "exemple_invalide_erreurs_cellules.csv"
    )
    messages = _valider(chemin).messages
    attendus = [
        "ligne 2, colonne « pourcentageSubvention » : « 100 » est hors des bornes",
        "ligne 5, colonne « dateConvention » : « 05/12/2016 » n'est pas une date AAAA-MM-JJ",
        "ligne 5, colonne « rnaBeneficiaire » : « W3222 » ne respecte pas le format attendu "
        "(W suivi de 9 chiffres)",
        "ligne 6, colonne « montant » : « 100000,1 » n'est pas un nombre",
        "ligne 6, colonne « notificationUE » : « no » n'est pas « oui » ou « non »",
        "ligne 7, colonne « idAttribuant » : « 218601946 » ne respecte pas le format attendu "
        "(14 chiffres du SIRET)",
        "ligne 10, colonne « montant » : valeur obligatoire absente",
    ]
    for attendu in attendus:
        assert any(attendu in m for m in messages), attendu


@pytest.mark.miroir
@pytest.mark.usefixtures("_miroir_designe")
def test_columns_errors_duplicate_and_order_are_reported(miroir):
    dossier = miroir / SCHEMAS / "scdl-subventions-2.1.1"
    doublon = _valider(dossier / "exemple-duplicate-column.csv")
    assert doublon.par_defaut["colonne en double"] == 1
    colonnes = _valider(dossier / "exemples" / "exemple_invalide_erreurs_colonnes.csv")
    assert colonnes.par_defaut["ordre des colonnes"] == 1
    assert any("« NOM_Beneficiaire » lue comme « nomBeneficiaire »" in m for m in colonnes.messages)


@pytest.mark.miroir
def test_the_1_0_0_schema_is_cleaned_of_what_frictionless_refuses(miroir):
    schema = scdl_validation.charger_schema("1.0.0", miroir / SCHEMAS)
    assert all(f.get("format") != "default" for f in schema["fields"])
    assert all(v not in ("", None) for f in schema["fields"] for v in f.get("constraints", {}).values())
    assert {"name", "type"} <= set(schema["fields"][0])


def test_without_schemas_the_check_is_said_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("ESS_DATA_MIRROR", str(tmp_path))
    chemin = tmp_path / "s.csv"
    chemin.write_text("nomAttribuant;idAttribuant;nomBeneficiaire;montant\nA;1;B;1 000\n", encoding="utf-8")
    validation = _valider(chemin)
    assert validation.version == "2.0.2"  # told from its columns
    assert validation.par_defaut == {"schéma introuvable": 1}
    assert validation.messages[0].startswith("s.csv : non vérifié, Schémas SCDL introuvables")


def test_every_defect_is_counted_and_the_messages_capped():
    validation = Validation(version="2.1.1")
    for numero in range(MAX_MESSAGES + 5):
        validation.ajouter("montant : type", f"ligne {numero + 2} : « x » n'est pas un nombre")
    validation.ajouter("ligne vide", "ligne vide")
    assert validation.nombre == MAX_MESSAGES + 6
    assert len(validation.messages) == MAX_MESSAGES
    assert not validation.valide
    assert validation.resume() == [
        f"{MAX_MESSAGES + 5} défauts « montant : type », par exemple ligne 2 : « x » n'est pas un nombre",
        "1 défaut « ligne vide », par exemple ligne vide",
    ]
