"""Export of entered data and the template, re-importable as they are (geo.base.saisie_export)."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
import sqlalchemy as sa

from geo.base import saisie, saisie_export, saisie_modele, semences, store


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


def test_export_round_trips_through_excel_and_csv(depot, tmp_path):
    semences.semer(depot)
    export = saisie_export.exporter(depot)
    assert len(export["emplois"]) == 6
    autre = store.Depot(f"sqlite:///{tmp_path / 'autre.sqlite3'}")
    rapport = saisie.importer(autre, saisie_export.classeur_excel(export), "export.xlsx")
    assert rapport.ecrites == {t: len(export[t]) for t in saisie_modele.ORDRE}
    pd.testing.assert_frame_equal(saisie_export.exporter(autre)["financements"], export["financements"])
    with zipfile.ZipFile(io.BytesIO(saisie_export.archive_csv(export))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{t}.csv" for t in saisie_modele.ORDRE)
        contenu = archive.read("emplois.csv")
    assert contenu.startswith(b"\xef\xbb\xbfprojet;annee;nature;nombre;source")
    autre.fermer()


def test_template_has_every_sheet_and_a_help_sheet():
    classeur = pd.read_excel(io.BytesIO(saisie_export.modele_excel()), sheet_name=None)
    assert list(classeur) == [*saisie_modele.ORDRE, "lisez-moi"]
    assert list(classeur["financements"].columns) == saisie_modele.colonnes("financements")
    assert (
        classeur["lisez-moi"].query("colonne == 'montant_eur'").contenu.iloc[0].startswith("montant en euros")
    )


def test_the_csv_export_comes_back_whole_in_one_transaction(depot, tmp_path):
    semences.semer(depot)
    export = saisie_export.exporter(depot)
    archive = saisie_export.archive_csv(export)
    autre = store.Depot(f"sqlite:///{tmp_path / 'autre.sqlite3'}")
    rapport = saisie.importer(autre, archive, "export.zip")
    assert rapport.ecrites == {t: len(export[t]) for t in saisie_modele.ORDRE}
    # One broken row in the last table: nothing of the archive is written.
    tables = dict(export)
    tables["emplois"] = pd.concat(
        [tables["emplois"], pd.DataFrame({"projet": ["Inconnu"], "nature": ["insertion"], "nombre": ["2"]})]
    )
    vide = store.Depot(f"sqlite:///{tmp_path / 'vide.sqlite3'}")
    with pytest.raises(saisie_modele.ImportRefuse):
        saisie.importer(vide, saisie_export.archive_csv(tables), "export.zip")
    assert _compter(vide, store.PTCE) == 0
    autre.fermer()
    vide.fermer()
