"""Dataset build steps: built aside, skipped when up to date, unavailable without failing."""

from __future__ import annotations

import json

import pytest

from geo import sources
from geo.build import etapes
from geo.sources import Source


def _source(fichier: str) -> Source:
    return Source(
        id=f"essai_{fichier}",
        titre=f"Essai {fichier}",
        producteur="Essai",
        licence="Licence Ouverte 2.0",
        millesime="2024",
        page="http://127.0.0.1:9/",
        fichier=fichier,
        url=f"http://127.0.0.1:9/{fichier}",
    )


PRESENTE = _source("present.csv")
ABSENTE = _source("absent.csv")
APPELS: list[str] = []


def _construire(dossier, ref, localisations):
    APPELS.append(dossier.name)
    (dossier / "table.csv").write_text(localisations[PRESENTE.id].chemin.read_text(), encoding="utf-8")
    return {"nombres": {"lignes": 1}, "anomalies": ["une remarque"]}


@pytest.fixture
def environnement(monkeypatch, tmp_path):
    miroir = tmp_path / "miroir"
    miroir.mkdir()
    (miroir / "present.csv").write_text("a\n1\n", encoding="utf-8")
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    monkeypatch.setitem(sources._REGISTRE, PRESENTE.id, PRESENTE)
    monkeypatch.setitem(sources._REGISTRE, ABSENTE.id, ABSENTE)
    APPELS.clear()
    return tmp_path / "cache"


def _etape(requises: tuple[str, ...]) -> etapes.Etape:
    return etapes.Etape(
        nom="essai",
        titre="Jeu d'essai",
        module=__name__,
        sources=(PRESENTE.id, ABSENTE.id),
        construire=_construire,
        sources_requises=requises,
    )


def test_step_builds_with_what_it_has_and_records_what_is_missing(environnement, referentiel):
    manifeste = etapes.construire_etape(_etape((PRESENTE.id,)), referentiel, environnement)

    assert manifeste["disponible"] is True
    assert (environnement / "essai" / "table.csv").read_text(encoding="utf-8") == "a\n1\n"
    assert manifeste["nombres"] == {"lignes": 1}
    assert [s["origine"] for s in manifeste["sources"]] == ["miroir"]
    assert "Source indisponible" in manifeste["indisponibles"][ABSENTE.id]
    assert json.loads((environnement / "essai" / "manifeste.json").read_text(encoding="utf-8")) == manifeste
    assert APPELS == ["essai.construction"]


def test_step_is_skipped_when_up_to_date_and_redone_when_forced(environnement, referentiel):
    etape = _etape((PRESENTE.id,))
    premier = etapes.construire_etape(etape, referentiel, environnement)
    deuxieme = etapes.construire_etape(etape, referentiel, environnement)
    assert deuxieme == premier
    assert len(APPELS) == 1
    etapes.construire_etape(etape, referentiel, environnement, forcer=True)
    assert len(APPELS) == 2


def test_step_missing_a_required_source_is_unavailable_not_an_error(environnement, referentiel):
    manifeste = etapes.construire_etape(_etape((ABSENTE.id,)), referentiel, environnement)
    assert manifeste["disponible"] is False
    assert APPELS == []
    assert etapes.lire_manifeste("essai", environnement)["disponible"] is False


def test_assurer_builds_only_once(environnement, referentiel):
    etape = _etape((PRESENTE.id,))
    etapes.assurer_etape(etape, referentiel, environnement)
    etapes.assurer_etape(etape, referentiel, environnement)
    assert len(APPELS) == 1
