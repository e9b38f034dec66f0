"""Refreshing from the official addresses, served here by a loopback server at the official paths."""

from __future__ import annotations

import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from geo import sources
from geo.build import construction, etapes
from geo.donnees import qpv
from geo.sources import qpv as sources_qpv

JEU_QPV = "/www.data.gouv.fr/api/1/datasets/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/"
STATIQUE_QPV = "https://static.data.gouv.fr/resources/quartiers-prioritaires-de-la-politique-de-la-ville-qpv"
BPE_2019 = "/www.insee.fr/fr/statistiques/fichier/3568629/bpe19_ensemble_csv.zip"


class _Site(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, bytes]] = {}

    def do_GET(self):
        contenu = self.pages.get(self.path)
        if contenu is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(contenu)))
        self.end_headers()
        self.wfile.write(contenu)

    def log_message(self, *_):
        pass


@pytest.fixture
def site_officiel(miroir, tmp_path, monkeypatch, referentiel):
    """The producers' sites on loopback, and a data folder with no mirror."""
    zip_qpv = tmp_path / "qpv-2024-geojson.zip"
    with zipfile.ZipFile(zip_qpv, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(
            miroir / "qpv" / "qpv2024_perimetres_4decimales.geojson",
            "GEOJSON/QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson",
        )
    jeu = {
        "resources": [
            {
                "title": "QPV 2024 (GeoJSON), ancienne version",
                "url": f"{STATIQUE_QPV}/20260115-204323/qpv-2024-geojson.zip",
                "last_modified": "2026-01-15T20:43:23",
            },
            {
                "title": "QPV 2024 (GeoJSON)",
                "url": f"{STATIQUE_QPV}/20270101-000000/qpv-2024-geojson.zip",
                "last_modified": "2027-01-01T00:00:00",
            },
            {"title": "Documentation", "url": f"{STATIQUE_QPV}/x/notice.pdf", "last_modified": "2028-01-01"},
        ]
    }
    _Site.pages = {
        BPE_2019: (miroir / "bpe" / "bpe19_ensemble_csv.zip").read_bytes(),
        JEU_QPV: json.dumps(jeu).encode(),
        "/static.data.gouv.fr/resources/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/"
        "20270101-000000/qpv-2024-geojson.zip": zip_qpv.read_bytes(),
    }
    serveur = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    monkeypatch.setenv("ESS_URL_RELAIS", f"http://127.0.0.1:{serveur.server_address[1]}")
    monkeypatch.setenv("ESS_HORS_LIGNE", "0")
    monkeypatch.delenv("ESS_DATA_MIRROR", raising=False)
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    cache = tmp_path / "donnees" / "cache"
    cache.mkdir(parents=True)
    (cache / "territoires").symlink_to(referentiel.dossier)
    yield cache
    serveur.shutdown()
    serveur.server_close()


def test_the_address_is_the_latest_matching_resource_of_the_dataset(site_officiel):
    adresse = sources.resoudre_adresse(sources_qpv.PERIMETRES_2024)
    assert adresse == f"{STATIQUE_QPV}/20270101-000000/qpv-2024-geojson.zip"


def test_refresh_downloads_checks_then_adopts(site_officiel, capsys):
    cache = site_officiel
    assert construction.main(["--dossier", str(cache), "--seulement", "commerces,qpv", "--actualiser"]) == 0
    sortie = capsys.readouterr().out

    commerces = etapes.lire_manifeste("commerces", cache)
    bpe = next(s for s in commerces["sources"] if s["source"] == "bpe_2019")
    assert bpe["origine"] == "telechargement"
    telechargements = cache.parent / "telechargements"
    assert Path(bpe["chemin"]) == telechargements / "bpe19_ensemble_csv.zip"
    assert not any(sources.dossier_nouveaux().glob("*"))
    assert "Actualisation (Commerces (BPE)) : 1 fichier officiel téléchargé et adopté." in sortie
    # The BPE 2025 is not on this site: said, not hidden.
    assert "BPE25.zip" in sortie

    donnees_qpv = qpv.DonneesQPV(cache / "qpv", etapes.lire_manifeste("qpv", cache))
    assert (donnees_qpv.perimetres.generation == "2024").sum() == 1584
    origines = {s["source"]: s["origine"] for s in donnees_qpv.manifeste["sources"]}
    assert origines["qpv_2024_perimetres"] == "telechargement"


def test_a_bad_download_is_refused_and_the_good_copy_kept(site_officiel, capsys):
    cache = site_officiel
    assert construction.main(["--dossier", str(cache), "--seulement", "commerces", "--actualiser"]) == 0
    bon = (cache.parent / "telechargements" / "bpe19_ensemble_csv.zip").read_bytes()
    avant = (cache / "commerces" / "comptages.parquet").read_bytes()

    _Site.pages[BPE_2019] = b"<!DOCTYPE html><html><body>Maintenance</body></html>"
    code = construction.main(["--dossier", str(cache), "--seulement", "commerces", "--actualiser"])

    assert code == 4
    assert "mise à jour refusée — bpe19_ensemble_csv.zip : " in capsys.readouterr().err
    assert (cache.parent / "telechargements" / "bpe19_ensemble_csv.zip").read_bytes() == bon
    assert (cache / "commerces" / "comptages.parquet").read_bytes() == avant
    assert not any(sources.dossier_nouveaux().glob("*"))


def test_each_refresh_is_recorded_adopted_unchanged_then_refused(site_officiel):
    """The command's attempts, as the Sources page and ess-statut read them."""
    from geo.build import actualisation

    cache = site_officiel
    commande = ["--dossier", str(cache), "--seulement", "commerces", "--actualiser"]
    assert construction.main(commande) == 0
    assert construction.main(commande) == 0
    _Site.pages[BPE_2019] = b"<!DOCTYPE html><html><body>Maintenance</body></html>"
    assert construction.main([*commande, "--planifiee"]) == 4

    tentatives = actualisation.lire_journal(cache.parent)
    assert [t["declencheur"] for t in tentatives] == ["commande", "commande", "planifiee"]
    resultats = [[(j["etape"], j["resultat"]) for j in t["jeux"]] for t in tentatives]
    assert resultats == [[("commerces", "actualise")], [("commerces", "inchange")], [("commerces", "refuse")]]
    assert tentatives[1]["jeux"][0]["detail"].startswith("fichiers officiels identiques à ceux en place")
    refus = tentatives[2]["jeux"][0]["detail"]
    assert "mise à jour refusée — bpe19_ensemble_csv.zip : page web reçue" in refus


def test_the_button_refreshes_every_dataset_under_the_lock(site_officiel):
    from geo.build import actualisation, actualisation_des_jeux

    vus = []
    tentative = actualisation_des_jeux.actualiser_les_jeux(
        "bouton", site_officiel, attendre=False, avant_chaque_jeu=vus.append
    )
    assert vus == [e.titre for e in construction.etapes_declarees()]
    resultats = {j["etape"]: j["resultat"] for j in tentative["jeux"]}
    assert resultats["commerces"] == "actualise"
    assert resultats["qpv"] == "actualise"
    # No download address here for the structures' files: nothing new, nothing lost.
    assert resultats["structures"] in ("inchange", "hors_ligne")
    assert actualisation.derniere_tentative(site_officiel.parent)["declencheur"] == "bouton"


def test_an_interrupted_download_leaves_no_half_file(site_officiel):
    _Site.pages.pop(BPE_2019)
    with pytest.raises(sources.SourceIndisponible, match=r"www\.insee\.fr.*erreur HTTP 404"):
        sources.telecharger_nouveau("bpe_2019")
    assert not any(sources.dossier_nouveaux().glob("*"))


SIRENE = "/object.files.data.gouv.fr/data-pipeline-open/siren/stock/"
GEOLOCALISATION = (
    "/files.data.gouv.fr/insee-sirene-geo/"
    "GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.zip"
)


def _zip_texte(nom: str, texte: str) -> bytes:
    import io

    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        archive.writestr(nom, texte)
    return tampon.getvalue()


@pytest.fixture
def sirene_en_ligne(site_officiel):
    _Site.pages[SIRENE + "StockUniteLegale_utf8.zip"] = _zip_texte(
        "StockUniteLegale_utf8.csv",
        "siren,etatAdministratifUniteLegale,denominationUniteLegale,categorieJuridiqueUniteLegale,"
        "activitePrincipaleUniteLegale,trancheEffectifsUniteLegale,economieSocialeSolidaireUniteLegale\n"
        "732829320,A,ASSO ACTIVE,9220,88.99B,12,O\n552081317,A,PAS ESS,5710,62.01Z,03,N\n",
    )
    _Site.pages[SIRENE + "StockEtablissement_utf8.zip"] = _zip_texte(
        "StockEtablissement_utf8.csv",
        "siren,siret,etatAdministratifEtablissement,codeCommuneEtablissement,activitePrincipaleEtablissement,"
        "trancheEffectifsEtablissement,enseigne1Etablissement,numeroVoieEtablissement,typeVoieEtablissement,"
        "libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement\n"
        "732829320,73282932000074,A,59350,88.99B,11,,1,RUE,DE PARIS,59000,LILLE\n",
    )
    _Site.pages[GEOLOCALISATION] = _zip_texte(
        "GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.csv",
        "siret;x;y;qualite_xy;epsg;plg_code_commune;y_latitude;x_longitude\n"
        "73282932000074;704000;7059000;11;2154;59350;50.63;3.06\n",
    )
    return site_officiel


def test_sirene_is_never_downloaded_unasked(sirene_en_ligne):
    with pytest.raises(sources.SourceIndisponible, match="--sirene"):
        sources.localiser("sirene_unites_legales")
    assert not (sirene_en_ligne.parent / "telechargements" / "StockUniteLegale_utf8.zip").exists()


def test_sirene_on_demand_completes_the_register(sirene_en_ligne):
    from geo.donnees import structures

    cache = sirene_en_ligne
    assert construction.main(["--dossier", str(cache), "--seulement", "structures", "--sirene"]) == 0
    donnees = structures.DonneesStructures(cache / "structures", etapes.lire_manifeste("structures", cache))
    assert donnees.partiel is False
    assert "73282932000074" in set(donnees.registre.siret)


def test_a_download_that_would_fill_the_disk_is_refused_first(sirene_en_ligne, monkeypatch):
    import shutil
    from collections import namedtuple

    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _chemin: Usage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(sources.SourceIndisponible, match="Place insuffisante"):
        sources.localiser("sirene_unites_legales", volumineux=True)
    assert not any((sirene_en_ligne.parent / "telechargements").glob("StockUniteLegale*"))
