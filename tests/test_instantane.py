"""The embedded snapshot: every layer on a fresh clone offline, and never worse after a refresh."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from geo.build import construction, etapes, instantane, instantane_embarque
from geo.donnees import commerces, financements, qpv, structures
from geo.outils import config
from geo.rendu import report
from geo.territoires.referentiel import TerritoireId

PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")
INSTANTANE = config.RACINE_PROJET / "data" / "instantane"


def test_fresh_clone_offline_builds_every_layer_from_the_snapshot(clone_neuf, referentiel):
    for etape in construction.etapes_declarees():
        manifeste = etapes.construire_etape(etape, referentiel, clone_neuf)
        assert manifeste["disponible"], etape.nom
        assert {s["origine"] for s in manifeste["sources"]} == {"instantane"}, etape.nom
        assert manifeste["instantane"]["libelle"].startswith("instantané du ")

    assert qpv.charger(referentiel, clone_neuf).perimetres_2024_disponibles
    assert len(structures.charger(referentiel, clone_neuf).registre) > 5000
    assert commerces.charger(referentiel, clone_neuf).bloc(PORTE_DU_HAINAUT)["nb_communes_sans_commerce"] == 5
    assert financements.charger(referentiel, clone_neuf).disponible


def test_report_on_a_fresh_clone_gives_the_same_figures_as_with_the_mirror(
    clone_neuf, cache_miroir, monkeypatch
):
    sans_miroir = report.rapport("epci:200042190")
    monkeypatch.setenv("ESS_DATA_DIR", str(cache_miroir.parent))
    avec_miroir = report.rapport("epci:200042190")
    for bloc in ("qpv", "commerces", "structures", "financements"):
        # The build date differs, the figures do not.
        sans_miroir[bloc].pop("construit_le", None)
        avec_miroir[bloc].pop("construit_le", None)
        assert sans_miroir[bloc] == avec_miroir[bloc], bloc
    assert sans_miroir["qpv"]["nombre"] == 13
    provenances = {j["etape"]: j for j in sans_miroir["provenance"]}
    assert provenances["commerces"]["origine"] == "instantane"
    assert provenances["commerces"]["libelle"].startswith("instantané du ")
    assert {j["origine"] for j in avec_miroir["provenance"]} == {"miroir"}


def _lire(chemin: Path) -> pd.DataFrame:
    try:
        table = gpd.read_parquet(chemin)
    except ValueError:  # not a GeoParquet file
        return pd.read_parquet(chemin)
    table = table.to_wkb()
    return pd.DataFrame(table)


def test_the_snapshot_is_what_the_project_builds_from_the_mirror(cache_miroir):
    """Fails when a build step changes and nobody ran ``python -m geo.build.instantane``."""
    manifeste = instantane_embarque.lire_manifeste(INSTANTANE)
    for etape in construction.etapes_declarees():
        jeu = manifeste["jeux"][etape.nom]
        construites = sorted(p.name for p in (cache_miroir / etape.nom).glob("*.parquet"))
        assert sorted(jeu["fichiers"]) == construites, etape.nom
        for table in construites:
            assert_frame_equal(
                _lire(INSTANTANE / etape.nom / table),
                _lire(cache_miroir / etape.nom / table),
                obj=f"{etape.nom}/{table}",
            )


def _messages_et_faits(manifeste: dict) -> dict:
    """What a fresh install shows from a step's manifest: its anomalies and every other stored word."""
    propres_a_la_construction = instantane._CLES_DE_CONSTRUCTION | {"construit_le"}
    return {cle: valeur for cle, valeur in manifeste.items() if cle not in propres_a_la_construction}


def test_the_snapshot_speaks_the_words_the_code_writes_today(cache_miroir):
    """A fresh install showed « 586 périmètre(s) invalide(s) réparé(s) », stored by an older build.

    Every message the snapshot carries (Sources page, ``ess-construire``'s « Remarque » lines)
    must be what the current code writes for the same official files: when a wording changes,
    this fails until ``ess-instantane`` is run again.
    """
    manifeste = instantane_embarque.lire_manifeste()
    for etape in construction.etapes_declarees():
        stocke = _messages_et_faits(manifeste["jeux"][etape.nom]["manifeste"])
        ecrit_aujourdhui = _messages_et_faits(etapes.lire_manifeste(etape.nom, cache_miroir))
        assert stocke.get("anomalies") == ecrit_aujourdhui.get("anomalies"), etape.nom
        assert stocke == ecrit_aujourdhui, etape.nom


def test_the_snapshot_manifest_states_sources_vintages_licences_and_checksums():
    manifeste = instantane_embarque.lire_manifeste(INSTANTANE)
    taille = sum(f.stat().st_size for f in INSTANTANE.rglob("*") if f.is_file())
    assert taille <= instantane.TAILLE_MAX_OCTETS
    assert set(manifeste["jeux"]) == {e.nom for e in construction.etapes_declarees()}
    for nom, jeu in manifeste["jeux"].items():
        assert jeu["sources"], nom
        for source in jeu["sources"]:
            for champ in ("producteur", "millesime", "licence", "page", "fichier"):
                assert source[champ], (nom, source["source"], champ)
            assert len(source["sha256"]) == 64
            assert "/" not in source["fichier"]  # no path of the machine that made it
        for fichier, description in jeu["fichiers"].items():
            assert instantane_embarque.sha256_fichier(INSTANTANE / nom / fichier) == description["sha256"]
            assert instantane_embarque.compter_lignes(INSTANTANE / nom)[fichier] == description["lignes"]
    assert manifeste["jeux"]["qpv"]["fichiers"]["perimetres.parquet"]["lignes"] >= 1584


def test_the_snapshot_command_rebuilds_it_from_official_files(miroir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    sortie = tmp_path / "instantane"
    assert instantane.main(["--dossier", str(sortie), "--seulement", "commerces"]) == 0
    manifeste = instantane_embarque.lire_manifeste(sortie)
    # Only the shops were asked for; with no previous snapshot there, nothing else is invented.
    assert set(manifeste["jeux"]) == {"commerces"}
    source = manifeste["jeux"]["commerces"]["sources"][0]
    assert source["fichier"] == "bpe19_ensemble_csv.zip"
    assert source["sha256"] == instantane_embarque.sha256_fichier(miroir / "bpe" / "bpe19_ensemble_csv.zip")
    assert "Commerces (BPE) : comptages.parquet" in capsys.readouterr().out


# A refresh never makes things worse ----------------------------------------------------


@pytest.fixture
def cache_commerces(referentiel, miroir, tmp_path, monkeypatch):
    """A cache whose shops were built from the real BPE; then the mirror is swapped for a bad one."""
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    cache = tmp_path / "donnees" / "cache"
    cache.mkdir(parents=True)
    (cache / "territoires").symlink_to(referentiel.dossier)
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    etapes.construire_etape(commerces.ETAPE, referentiel, cache)
    mauvais = tmp_path / "mauvais_miroir"
    mauvais.mkdir()
    monkeypatch.setenv("ESS_DATA_MIRROR", str(mauvais))
    return cache, mauvais


def _bpe_tronquee(miroir: Path) -> bytes:
    return (miroir / "bpe" / "bpe19_ensemble_csv.zip").read_bytes()[:200_000]


def _bpe_corrompue(miroir: Path, tmp_path: Path) -> bytes:
    """A zip whose member's bytes were damaged after writing: a CRC error on reading."""
    chemin = tmp_path / "corrompue.zip"
    with zipfile.ZipFile(chemin, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("bpe19_ensemble.csv", "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP\n" * 2000)
    donnees = bytearray(chemin.read_bytes())
    donnees[5000] ^= 0xFF
    return bytes(donnees)


@pytest.mark.parametrize(
    "defaut",
    ["page_html", "zip_tronque", "zip_crc", "fichier_vide", "colonnes_renommees", "trop_peu_de_lignes"],
)
def test_a_bad_official_file_keeps_the_previous_shops(defaut, cache_commerces, referentiel, miroir, tmp_path):
    cache, mauvais = cache_commerces
    avant = pd.read_parquet(cache / "commerces" / "comptages.parquet")
    contenus = {
        "page_html": b"<!DOCTYPE html><html><body>Erreur 503 : service indisponible</body></html>",
        "zip_tronque": _bpe_tronquee(miroir),
        "zip_crc": _bpe_corrompue(miroir, tmp_path),
        "fichier_vide": b"",
        "colonnes_renommees": b"REGION;DEPT;COMMUNE;IRIS;ANNEE;TYPE;NOMBRE\n"
        b"84;01;01001;0100100000;2019;B101;1\n",
        "trop_peu_de_lignes": b"REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP\n"
        b"32;59;59172;5917200000;2019;B101;3\n",
    }
    (mauvais / "bpe19_ensemble_csv.zip").write_bytes(contenus[defaut])

    manifeste = etapes.construire_etape(commerces.ETAPE, referentiel, cache)

    assert_frame_equal(pd.read_parquet(cache / "commerces" / "comptages.parquet"), avant)
    assert manifeste["disponible"] is True
    assert manifeste["refus"].startswith("Commerces (BPE) : mise à jour refusée")
    assert "bpe19_ensemble_csv.zip" in manifeste["refus"]
    assert "données précédentes du" in manifeste["refus"]
    assert "Traceback" not in manifeste["refus"]
    if defaut == "trop_peu_de_lignes":
        assert "perdrait plus de 10 %" in manifeste["refus"]
        assert "--forcer" in manifeste["refus"]
    # What the Sources page shows, on disk.
    assert etapes.lire_manifeste("commerces", cache)["refus"] == manifeste["refus"]


def test_a_shrinking_rebuild_goes_through_when_forced(cache_commerces, referentiel):
    cache, mauvais = cache_commerces
    (mauvais / "bpe19_ensemble_csv.zip").write_bytes(
        b"REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP\n32;59;59172;5917200000;2019;B101;3\n"
    )
    manifeste = etapes.construire_etape(commerces.ETAPE, referentiel, cache, accepter_pertes=True)
    assert "refus" not in manifeste
    assert len(pd.read_parquet(cache / "commerces" / "comptages.parquet")) == 1


def test_the_build_command_says_a_step_was_refused(cache_commerces, capsys):
    cache, mauvais = cache_commerces
    (mauvais / "bpe19_ensemble_csv.zip").write_bytes(b"<html>404</html>")
    code = construction.main(["--dossier", str(cache), "--seulement", "commerces"])
    sortie = capsys.readouterr()
    assert code == 4
    assert (
        "Refusé : Commerces (BPE) : mise à jour refusée — bpe19_ensemble_csv.zip : page web reçue au lieu du "
        "fichier" in sortie.err
    )


@pytest.mark.parametrize("contenu", ["[1, 2, 3]", "null", '{"features": 12}', "{pas du json"])
def test_malformed_funding_json_keeps_the_previous_posts(contenu, referentiel, miroir, tmp_path, monkeypatch):
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    cache = tmp_path / "donnees" / "cache"
    cache.mkdir(parents=True)
    (cache / "territoires").symlink_to(referentiel.dossier)
    copie = tmp_path / "miroir"
    shutil.copytree(miroir / "financements", copie / "financements")
    shutil.copytree(miroir / "emploi", copie / "emploi")
    monkeypatch.setenv("ESS_DATA_MIRROR", str(copie))
    etapes.construire_etape(financements.ETAPE, referentiel, cache)
    avant = pd.read_parquet(cache / "financements" / "postes.parquet")

    (copie / "financements" / "civille" / "adulte-relais-2023.json").write_text(contenu, encoding="utf-8")
    manifeste = etapes.construire_etape(financements.ETAPE, referentiel, cache)

    assert_frame_equal(pd.read_parquet(cache / "financements" / "postes.parquet"), avant)
    assert "adulte-relais-2023.json" in manifeste["refus"]
    assert "mise à jour refusée" in manifeste["refus"]


def test_a_truncated_contracts_file_is_the_one_named_among_the_funding_files(
    referentiel, miroir, tmp_path, monkeypatch
):
    """The issue's own case: the refusal listed the 17 files read, and Python's English."""
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    cache = tmp_path / "donnees" / "cache"
    cache.mkdir(parents=True)
    (cache / "territoires").symlink_to(referentiel.dossier)
    copie = tmp_path / "miroir"
    shutil.copytree(miroir / "financements", copie / "financements")
    shutil.copytree(miroir / "emploi", copie / "emploi")
    monkeypatch.setenv("ESS_DATA_MIRROR", str(copie))
    etapes.construire_etape(financements.ETAPE, referentiel, cache)

    contrats = copie / "financements" / "contrats_de_ville_2015_2023_centroides.geojson"
    contrats.write_bytes(contrats.read_bytes()[:30_000])
    refus = etapes.construire_etape(financements.ETAPE, referentiel, cache)["refus"]

    assert refus.startswith(
        "Financements publics (Ci.Ville) et poids de l'ESS dans l'emploi : mise à jour refusée — "
        "contrats_de_ville_2015_2023_centroides.geojson : fichier tronqué"
    )
    assert refus.endswith("conservées.")
    assert "adulte-relais-2023.json" not in refus
    assert "Unterminated" not in refus


def test_qpv_perimeters_with_missing_coordinates_keep_the_snapshot(referentiel, tmp_path, monkeypatch):
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    cache = tmp_path / "donnees" / "cache"
    cache.mkdir(parents=True)
    (cache / "territoires").symlink_to(referentiel.dossier)
    mauvais = tmp_path / "miroir"
    mauvais.mkdir()
    (mauvais / "qpv2024_perimetres_4decimales.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code_qp": "QN05901M", "lib_qp": "Essai", "insee_com": "59172"},
                        "geometry": {"type": "Polygon", "coordinates": [[["NaN", "NaN"], [1, 2], [2, 2]]]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("ESS_DATA_MIRROR", str(mauvais))

    manifeste = etapes.construire_etape(qpv.ETAPE, referentiel, cache)

    assert "qpv2024_perimetres_4decimales.geojson : coordonnées manquantes (NaN)" in manifeste["refus"]
    assert "instantané du" in manifeste["refus"]
    assert qpv.charger(referentiel, cache).perimetres_2024_disponibles


def test_is_this_point_in_a_qpv_answers_in_2024_offline(clone_neuf, capsys):
    assert report.main(["--point", "43.57235,1.40093", "--json"]) == 0
    reponse = json.loads(capsys.readouterr().out)
    assert reponse["dans_un_qpv"] is True
    assert [(q["code_qp"], q["nom"]) for q in reponse["qpv"]] == [("QN03107M", "Grand Mirail")]
    assert reponse["qpv"][0]["communes"] == [{"code": "31555", "nom": "Toulouse"}]
    assert reponse["provenance"][0]["origine"] == "instantane"

    # Soissons town hall: outside every perimeter, the nearest one and its distance.
    assert report.main(["--point", "49.3817,3.3236", "--json"]) == 0
    reponse = json.loads(capsys.readouterr().out)
    assert reponse["dans_un_qpv"] is False
    assert reponse["plus_proche"]["code_qp"].startswith("QN002")
    assert 0 < reponse["plus_proche"]["distance_m"] < 5000
    assert "Le plus proche est" in reponse["message"]

    assert report.main(["--point", "pas un point"]) == 2
    assert "Coordonnées" in capsys.readouterr().err


def _page_sources(session: dict | None = None):
    from streamlit.testing.v1 import AppTest

    from tests.test_pages import APP, DELAI

    at = AppTest.from_file(APP, default_timeout=DELAI)
    for cle, valeur in (session or {}).items():
        at.session_state[cle] = valeur
    at.switch_page("pages/sources.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_sources_page_says_the_figures_come_from_the_snapshot(clone_neuf, referentiel, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
    for etape in construction.etapes_declarees():
        etapes.construire_etape(etape, referentiel, clone_neuf)
    from tests.test_page_sources import tableau

    at = _page_sources()
    chargement = tableau(at, "Producteur").set_index("Jeu de données")["Obtenu par ce serveur"]
    assert chargement["Liste nationale des SIAE conventionnées (ASP)"].startswith("instantané du ")
    assert chargement["Liste nationale des SIAE conventionnées (ASP)"].endswith(
        ", fait d'après liste_siae_2019_07.csv"
    )
    # BPE 2025 gives no figure here: it is not said to come from the snapshot, which holds BPE 2019.
    assert "Base permanente des équipements 2025 (équipements géolocalisés)" not in chargement.index
    autres = tableau(at, "Pourquoi il ne sert pas").set_index("Jeu de données")["Pourquoi il ne sert pas"]
    assert autres["Base permanente des équipements 2025 (équipements géolocalisés)"] == (
        "pas de fichier ici ; téléchargement désactivé sur ce serveur"
    )
    # Anyone reads; only an administrator refreshes.
    assert any(c.value.startswith("Réservé aux administrateurs") for c in at.caption)
    assert not [b for b in at.button if b.label == "Actualiser les données officielles"]


def test_an_administrator_refreshes_from_the_sources_page(clone_neuf, referentiel, tmp_path, monkeypatch):
    from geo.base import comptes, store
    from ui.acces import CLE_COMPTE

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
    for etape in construction.etapes_declarees():
        etapes.construire_etape(etape, referentiel, clone_neuf)
    depot = store.ouvrir()
    try:
        administrateur = comptes.creer(depot, "admin-sources", "administrateur", "mot de passe des essais").id
    finally:
        depot.fermer()
    at = _page_sources({CLE_COMPTE: administrateur})
    at.button(key="actualiser_donnees").click()
    from tests.test_pages import _relancer

    _relancer(at)
    # Offline: every download fails, said in French, and every layer stays.
    textes = [c.value for c in at.caption] + [m.value for m in at.markdown] + [w.value for w in at.warning]
    assert any("Téléchargement désactivé" in t for t in textes)
    for etape in construction.etapes_declarees():
        assert etapes.lire_manifeste(etape.nom, clone_neuf)["disponible"], etape.nom
