"""Address search against a loopback server answering like the national address service."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from geo.outils import geocodage

REPONSE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [3.3903, 50.3271]},
            "properties": {"label": "1 Place Baudin 59220 Denain", "score": 0.93, "citycode": "59172"},
        },
        {"type": "Feature", "geometry": None, "properties": {"label": "cassé"}},
    ],
}


class _Service(BaseHTTPRequestHandler):
    requetes: ClassVar[list[dict]] = []

    def do_GET(self):
        _Service.requetes.append(parse_qs(urlparse(self.path).query))
        corps = json.dumps(REPONSE).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(corps)))
        self.end_headers()
        self.wfile.write(corps)

    def log_message(self, *args):
        pass


@pytest.fixture
def service(monkeypatch):
    serveur = HTTPServer(("127.0.0.1", 0), _Service)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    monkeypatch.setenv("ESS_GEOCODAGE_URL", f"http://127.0.0.1:{serveur.server_port}/search")
    monkeypatch.setenv("ESS_HORS_LIGNE", "0")
    _Service.requetes.clear()
    yield
    serveur.shutdown()


def test_addresses_are_read_from_the_documented_format(service):
    adresses = geocodage.chercher_adresse("1 place Baudin Denain", limite=3)
    assert adresses == [
        geocodage.Adresse("1 Place Baudin 59220 Denain", 3.3903, 50.3271, 0.93, "59172"),
    ]
    assert _Service.requetes == [{"q": ["1 place Baudin Denain"], "limit": ["3"]}]


def test_unreachable_service_says_internet_is_needed(monkeypatch):
    monkeypatch.setenv("ESS_HORS_LIGNE", "0")
    monkeypatch.setenv("ESS_GEOCODAGE_URL", "http://127.0.0.1:9/search")
    with pytest.raises(geocodage.GeocodageIndisponible, match="besoin d'internet"):
        geocodage.chercher_adresse("1 place Baudin Denain")


def test_offline_mode_says_so_without_trying():
    with pytest.raises(geocodage.GeocodageIndisponible, match="désactivée sur ce serveur"):
        geocodage.chercher_adresse("1 place Baudin Denain")


def test_too_short_query():
    with pytest.raises(ValueError, match="au moins 3 caractères"):
        geocodage.chercher_adresse("a ")


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [("50.327, 3.39", (3.39, 50.327)), ("50,327 ; 3,39", (3.39, 50.327)), ("50.327 3.39", (3.39, 50.327))],
)
def test_coordinates(texte, attendu):
    assert geocodage.lire_coordonnees(texte) == attendu


@pytest.mark.parametrize(
    ("texte", "message"),
    [("50.3", "sous la forme"), ("abc, def", "illisibles"), ("3.39, 250", "entre -180 et 180")],
)
def test_bad_coordinates_get_french_messages(texte, message):
    with pytest.raises(ValueError, match=message):
        geocodage.lire_coordonnees(texte)
