"""Vintages said right (issue 32): the vintage in use, its publication date, when this server got
it, why a newer one is not used; and the national QPV count said with the QPV it leaves out."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from geo import sources
from geo.build import construction, etapes, instantane_embarque
from geo.donnees import qpv
from geo.outils import text
from geo.rendu import surcouches
from geo.sources import Source, localiser

ADRESSE = "https://producteur.example/fichiers/essai.csv"
JEU = "/www.data.gouv.fr/api/1/datasets/jeu-essai/"
RESSOURCE = "https://static.data.gouv.fr/resources/jeu-essai/20250301-101010/essai-datagouv.csv"


class _Producteur(BaseHTTPRequestHandler):
    # path -> (content, Last-Modified header or None)
    pages: ClassVar[dict[str, tuple[bytes, str | None]]] = {}

    def do_GET(self):
        if self.path not in self.pages:
            self.send_error(404)
            return
        contenu, date = self.pages[self.path]
        self.send_response(200)
        self.send_header("Content-Length", str(len(contenu)))
        if date:
            self.send_header("Last-Modified", date)
        self.end_headers()
        self.wfile.write(contenu)

    def log_message(self, *_):
        pass


@pytest.fixture
def producteur(monkeypatch, tmp_path):
    """A producer's site on loopback, and a data folder with no mirror and no download yet."""
    _Producteur.pages = {
        "/producteur.example/fichiers/essai.csv": (b"a;b\n1;2\n", "Thu, 15 Jan 2026 20:43:23 GMT"),
        JEU: (
            json.dumps({"resources": [{"url": RESSOURCE, "last_modified": "2025-03-01T10:10:10"}]}).encode(),
            None,
        ),
        "/static.data.gouv.fr/resources/jeu-essai/20250301-101010/essai-datagouv.csv": (b"a\n1\n", None),
    }
    serveur = ThreadingHTTPServer(("127.0.0.1", 0), _Producteur)
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    monkeypatch.setenv("ESS_URL_RELAIS", f"http://127.0.0.1:{serveur.server_address[1]}")
    monkeypatch.setenv("ESS_HORS_LIGNE", "0")
    monkeypatch.delenv("ESS_DATA_MIRROR", raising=False)
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    yield
    serveur.shutdown()
    serveur.server_close()


def _declarer(monkeypatch, **champs) -> Source:
    source = Source(
        **{
            "id": "essai_millesime",
            "titre": "Fichier d'essai",
            "producteur": "Producteur d'essai",
            "licence": "Licence Ouverte 2.0",
            "millesime": "2025",
            "page": "https://producteur.example/",
            "fichier": "essai.csv",
            **champs,
        }
    )
    monkeypatch.setitem(sources._REGISTRE, source.id, source)
    return source


def test_a_download_records_the_date_the_official_server_gives_the_file(producteur, monkeypatch):
    # The declared date is older: the server's own date of the file is the one recorded.
    _declarer(monkeypatch, url=ADRESSE, date_publication="2024-01-01")
    telecharge = localiser("essai_millesime")
    assert telecharge.origine == "telechargement"
    assert (telecharge.date_publication, telecharge.origine_date_publication) == ("2026-01-15", "http")
    # Found again in the download cache, offline: the date stays with the file.
    monkeypatch.setenv("ESS_HORS_LIGNE", "1")
    en_cache = localiser("essai_millesime")
    assert en_cache.origine == "cache"
    assert en_cache.en_dict()["date_publication"] == "2026-01-15"
    assert etapes.libelle_publication(*etapes.publication_de(en_cache.en_dict())) == (
        "15/01/2026 (date du fichier sur le serveur officiel)"
    )


def test_without_a_server_date_the_data_gouv_resource_date_is_recorded(producteur, monkeypatch):
    _declarer(monkeypatch, jeu_datagouv="jeu-essai", ressource="essai")
    telecharge = localiser("essai_millesime")
    assert (telecharge.date_publication, telecharge.origine_date_publication) == ("2025-03-01", "datagouv")


def test_a_mirror_copy_has_the_declared_date_or_says_it_is_unknown(tmp_path, monkeypatch):
    miroir = tmp_path / "miroir"
    miroir.mkdir()
    (miroir / "essai.csv").write_text("a\n", encoding="utf-8")
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    _declarer(monkeypatch)
    sans_date = localiser("essai_millesime").en_dict()
    assert sans_date["date_publication"] is None
    assert etapes.libelle_publication(*etapes.publication_de(sans_date)) == "date de publication inconnue"
    # The copy's own date is when this server got it, not a publication date.
    assert etapes.libelle_chargement(sans_date).startswith("dossier miroir local (copie du ")
    _declarer(monkeypatch, date_publication="2024-06-27")
    assert etapes.libelle_publication(*etapes.publication_de(localiser("essai_millesime").en_dict())) == (
        "27/06/2024"
    )


def test_dates_are_said_in_french_never_as_timestamps():
    assert text.date_heure_fr("2026-12-07T12:05:47") == "7 décembre 2026 à 12 h 05"
    assert text.date_heure_fr("2026-01-01T09:00:00") == "1er janvier 2026 à 9 h 00"
    assert text.date_heure_fr("2024-06-27") == "27 juin 2024"
    assert text.date_heure_fr(None) == "inconnue"


# On a fresh clone offline, every figure of the shops is BPE 2019 from the snapshot -------------


@pytest.fixture
def clone_hors_ligne(clone_neuf, referentiel):
    cache = clone_neuf
    for etape in construction.etapes_declarees():
        if etape.nom in ("commerces", "qpv"):
            etapes.construire_etape(etape, referentiel, cache)
    return cache


def test_the_sources_table_says_bpe_2019_is_used_and_why_bpe_2025_is_not(clone_hors_ligne):
    utilisees, autres = etapes.tableau_des_sources(clone_hors_ligne)
    par_titre = {ligne["Jeu de données"]: ligne for ligne in utilisees}
    assert not any("2025" in titre for titre in par_titre)  # BPE 2025 gives no figure here
    bpe = par_titre["Base permanente des équipements 2019 (nombre d'équipements par commune et IRIS)"]
    assert bpe["Millésime utilisé"] == "BPE 2019 (géographie communale 2019)"
    assert bpe["Publié le"] == "date de publication inconnue"
    # When this server got it: the snapshot, made from that file; the snapshot's day is not the file's.
    assert bpe["Obtenu par ce serveur"].startswith("instantané du ")
    assert bpe["Obtenu par ce serveur"].endswith(", fait d'après bpe19_ensemble_csv.zip")
    assert bpe["Plus récent ou plus complet"] == (
        "Base permanente des équipements 2025 (équipements géolocalisés) : pas de fichier ici ; "
        "téléchargement désactivé sur ce serveur ; Base permanente des équipements 2024 (équipements "
        "géolocalisés) : pas de fichier ici ; téléchargement désactivé sur ce serveur"
    )
    qpv_republies = par_titre["Périmètres des quartiers prioritaires 2024 (QPV), republication à 11 m près"]
    assert qpv_republies["Publié le"] == "15/01/2026"
    # The figures use the 2021 census: the communes' 2017 population is not a vintage in use.
    communes = par_titre["Communes : contours, population, rattachements"]
    assert communes["Millésime utilisé"].startswith("COG au 1er janvier 2025 (sa population")
    assert "ne sert que si celle du recensement 2021 manque" in communes["Millésime utilisé"]
    pas_utilisees = {ligne["Jeu de données"]: ligne for ligne in autres}
    bpe_2025 = pas_utilisees["Base permanente des équipements 2025 (équipements géolocalisés)"]
    assert (
        bpe_2025["Pourquoi il ne sert pas"] == "pas de fichier ici ; téléchargement désactivé sur ce serveur"
    )
    assert bpe_2025["Chiffres concernés"] == "Commerces (BPE)"
    # The manifest keeps facts, not sentences.
    manifeste = etapes.lire_manifeste("commerces", clone_hors_ligne)
    assert manifeste["introuvables"]["bpe"] == {"cause": "hors_ligne"}
    entree = manifeste["sources"][0]
    assert (entree["fichier_officiel"], entree["detail"]) == ("bpe19_ensemble_csv.zip", "")


def test_a_snapshot_made_before_publication_dates_reads_the_declared_ones(tmp_path, referentiel):
    """The embedded snapshot was made before this change: restored, it is worded from facts."""
    ancien = tmp_path / "instantane"
    shutil.copytree(config_instantane(), ancien)
    manifeste = json.loads((ancien / "manifeste.json").read_text(encoding="utf-8"))
    for jeu in manifeste["jeux"].values():
        for source in jeu["sources"]:
            source.pop("date_publication", None)
            source.pop("origine_date_publication", None)
    (ancien / "manifeste.json").write_text(json.dumps(manifeste), encoding="utf-8")
    restaure = instantane_embarque.restaurer("qpv", tmp_path / "qpv", ancien)
    entrees = {e["source"]: e for e in restaure["sources"]}
    republies = entrees["qpv_2024_perimetres_republication"]
    assert (republies["date_publication"], republies["origine_date_publication"]) == (
        "2026-01-15",
        "declaree",
    )
    assert entrees["qpv_2024_communes"]["date_publication"] is None
    # The old wording dated each file with the snapshot's day; the label now names the file alone.
    ancienne_entree = {**republies, "detail": "d'après qpv2024_perimetres_4decimales.geojson du 02/12/2026"}
    del ancienne_entree["fichier_officiel"]
    assert etapes.libelle_chargement(ancienne_entree).endswith(
        ", fait d'après qpv2024_perimetres_4decimales.geojson"
    )


def config_instantane():
    from geo.outils import config

    return config.RACINE_PROJET / "data" / "instantane"


# The national QPV count, said with the QPV it leaves out ------------------------------------------

NOTE_NATIONALE = (
    "1\u202f493 QPV 2024 sur les 1\u202f584 du fichier officiel : les 88 de Polynésie française et les 3 de "
    "Saint-Martin ne sont pas comptés, leurs communes n'étant pas dans le référentiel des communes."
)


def test_the_national_qpv_total_says_which_official_qpv_it_leaves_out(referentiel):
    donnees = qpv.charger(referentiel)
    assert donnees.qpv_2024_non_comptes == {"987": 88, "978": 3}
    france = donnees.bloc(referentiel, None)
    assert france["nombre"] == 1493
    assert france["note_total_national"] == NOTE_NATIONALE
    # A territory's own count is complete: no note there.
    assert "note_total_national" not in donnees.bloc(referentiel, referentiel.resoudre("Toulouse"))
    legende = [texte for _, texte in surcouches.qpv.surcouche(referentiel, donnees, None).legende]
    assert (
        "QPV 2024 (1\u202f493 sur 1\u202f584 : Polynésie française (88) et Saint-Martin (3) non comptés, "
        "hors du référentiel des communes)"
    ) in legende


def test_the_note_agrees_in_number():
    assert qpv.note_total_national(10, {}) is None
    assert qpv.note_total_national(4, {"978": 1}) == (
        "4 QPV 2024 sur les 5 du fichier officiel : celui de Saint-Martin n'est pas compté, sa commune "
        "n'étant pas dans le référentiel des communes."
    )


def test_the_national_qpv_files_carry_the_note_too(referentiel, tmp_path):
    """The CSV has no place for it: the .xlsx says it on its « Sources » sheet, the GeoPackage
    in the layer's description; a territory's own files have no such note."""
    import io
    import sqlite3

    import openpyxl

    from geo.outils import formats

    donnees = qpv.charger(referentiel)
    couches = donnees.couches_export(referentiel, None)
    liste = qpv.tableau_liste(donnees.bloc(referentiel, None), referentiel.communes.nom)
    for tableau in (couches["qpv_perimetres"].drop(columns="geometry"), liste):
        classeur = openpyxl.load_workbook(io.BytesIO(formats.vers_xlsx(tableau)))
        assert [[c.value for c in ligne] for ligne in classeur["Sources"].iter_rows()] == [
            ["Note"],
            [NOTE_NATIONALE],
        ]
    fichier = tmp_path / "qpv.gpkg"
    fichier.write_bytes(formats.vers_geopackage(couches))
    with sqlite3.connect(fichier) as base:
        descriptions = dict(base.execute("SELECT table_name, description FROM gpkg_contents"))
    assert descriptions["qpv_perimetres"] == NOTE_NATIONALE
    toulouse = donnees.couches_export(referentiel, referentiel.resoudre("Toulouse"))
    assert "note" not in toulouse["qpv_perimetres"].attrs
