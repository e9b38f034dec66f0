"""Datasets declared scdl/subventions on data.gouv.fr, served from a loopback server (no network)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from geo.donnees import subventions_import
from geo.sources import scdl_datagouv

SOMME = Path("financements") / "scdl" / "publies" / "DEP_Somme_TB_20180330_DONNEES_CONVENTIONS.csv"


@pytest.fixture
def relais(miroir, monkeypatch):
    fichier = (miroir / SOMME).read_bytes()
    requetes: list[str] = []
    reponse_api = {
        "data": [
            {
                "title": "Subventions du Département de la Somme",
                "page": "https://www.data.gouv.fr/fr/datasets/subventions-somme/",
                "organization": {"name": "Département de la Somme"},
                "resources": [
                    {
                        "title": "Conventions 2018",
                        "format": "csv",
                        "url": "https://static.data.gouv.fr/resources/somme/conventions-2018.csv",
                        "schema": {"name": "scdl/subventions", "version": "2.0.2"},
                    },
                    {"title": "Notice", "format": "pdf", "url": "https://static.data.gouv.fr/notice.pdf"},
                    {
                        "title": "Autre schéma",
                        "format": "csv",
                        "url": "https://static.data.gouv.fr/x.csv",
                        "schema": {"name": "scdl/deliberations"},
                    },
                ],
            }
        ]
    }

    class Gestion(BaseHTTPRequestHandler):
        def do_GET(self):
            requetes.append(self.path)
            if self.path.startswith("/www.data.gouv.fr/api/1/datasets/"):
                corps, type_ = json.dumps(reponse_api).encode(), "application/json"
            elif self.path == "/static.data.gouv.fr/resources/somme/conventions-2018.csv":
                corps, type_ = fichier, "text/csv"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", type_)
            self.send_header("Content-Length", str(len(corps)))
            self.end_headers()
            self.wfile.write(corps)

        def log_message(self, *args):
            pass

    serveur = ThreadingHTTPServer(("127.0.0.1", 0), Gestion)
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    monkeypatch.setenv("ESS_URL_RELAIS", f"http://127.0.0.1:{serveur.server_port}")
    monkeypatch.delenv("ESS_HORS_LIGNE", raising=False)
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    yield requetes
    serveur.shutdown()


def test_lists_only_scdl_resources_and_imports_one(relais, tmp_path):
    ressources = scdl_datagouv.lister("Somme")
    assert [r.titre for r in ressources] == ["Conventions 2018"]
    assert ressources[0].organisation == "Département de la Somme"
    assert ressources[0].nom_fichier == "conventions-2018.csv"
    assert "schema=scdl%2Fsubventions" in relais[0]
    assert "q=Somme" in relais[0]
    contenu = scdl_datagouv.telecharger(ressources[0])
    rapport = subventions_import.importer(contenu, ressources[0].nom_fichier, tmp_path)
    assert rapport.conventions == 11


def test_unreachable_or_offline_says_so_in_french(relais, monkeypatch):
    monkeypatch.setenv("ESS_URL_RELAIS", "http://127.0.0.1:9")
    with pytest.raises(scdl_datagouv.DataGouvIndisponible, match="injoignable"):
        scdl_datagouv.lister("Somme")
    monkeypatch.setenv("ESS_HORS_LIGNE", "1")
    with pytest.raises(scdl_datagouv.DataGouvIndisponible, match="désactivée"):
        scdl_datagouv.lister("Somme")


def test_saisie_page_finds_and_imports_a_declared_file(relais, tmp_path, monkeypatch):
    from tests.test_pages import _relancer
    from tests.test_pages_emplois import _ouvrir

    importes = tmp_path / "importes"
    monkeypatch.setattr(subventions_import, "dossier", lambda dossier_donnees=None: importes)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
    at = _ouvrir("pages/saisie.py", "departement:80")
    assert at.text_input(key="recherche_datagouv").value == "Somme"
    at.button(key="chercher_datagouv").click()
    _relancer(at)
    assert at.selectbox(key="choix_datagouv").options[0].startswith("Département de la Somme")
    at.button(key="importer_datagouv").click()
    _relancer(at)
    assert any("conventions-2018.csv importé : 11 conventions," in s.value for s in at.success)
    assert [p.name.split("_", 1)[1] for p in importes.iterdir()] == ["conventions-2018.csv"]
    # The same file again: refused, nothing added.
    at.button(key="importer_datagouv").click()
    _relancer(at)
    assert any("déjà été importé" in e.value for e in at.error)
    assert len(list(importes.iterdir())) == 1
