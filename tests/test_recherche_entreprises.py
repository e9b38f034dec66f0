"""The company search API client against a loopback HTTP server answering in the API's format."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from geo.sources import SourceIndisponible
from geo.sources.recherche_entreprises import ClientRechercheEntreprises


def _unite(i: int, commune: str = "59350") -> dict:
    """One result as the API documents it (fields the client reads, and a few more)."""
    siret = ["73282932000074", "55208131700018", "35600000000048"][i % 3]
    return {
        "siren": siret[:9],
        "nom_complet": f"STRUCTURE {i} <b>",
        "nom_raison_sociale": f"STRUCTURE {i}",
        "nature_juridique": "9220" if i % 2 == 0 else "5458",
        "activite_principale": "88.99B",
        "tranche_effectif_salarie": "12",
        "etat_administratif": "A",
        "complements": {"est_ess": True},
        "siege": {"siret": siret, "commune": commune},
        "matching_etablissements": [
            {
                "siret": siret,
                "commune": commune,
                "libelle_commune": "LILLE",
                "adresse": "1 RUE DE PARIS 59000 LILLE",
                "code_postal": "59000",
                "latitude": "50.6329",
                "longitude": "3.0573",
                "activite_principale": "88.99B",
                "tranche_effectif_salarie": "11",
                "etat_administratif": "A",
                "est_siege": True,
            }
        ],
    }


class _Serveur:
    """Loopback API: 5 results over 3 pages of 2 (per_page asked is ignored, like a small index)."""

    def __init__(self, pannes: list[int] | None = None, total: int = 5, par_page: int = 2) -> None:
        self.pannes = list(pannes or [])  # status codes to answer first (429, 503…)
        self.requetes: list[dict] = []
        self.total = total
        self.par_page = par_page
        serveur = self

        class Gestion(BaseHTTPRequestHandler):
            def do_GET(self):
                parametres = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                serveur.requetes.append(parametres)
                if serveur.pannes:
                    code = serveur.pannes.pop(0)
                    self.send_response(code)
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    self.wfile.write(b'{"erreur": "trop de requetes"}')
                    return
                page = int(parametres.get("page", 1))
                debut = (page - 1) * serveur.par_page
                resultats = [_unite(i) for i in range(debut, min(debut + serveur.par_page, serveur.total))]
                corps = {
                    "results": resultats,
                    "total_results": serveur.total,
                    "page": page,
                    "per_page": serveur.par_page,
                    "total_pages": -(-serveur.total // serveur.par_page),
                }
                donnees = json.dumps(corps).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(donnees)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Gestion)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/search"
        self.fil = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.fil.start()

    def fermer(self):
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def serveur():
    ouverts = []

    def ouvrir(**options):
        s = _Serveur(**options)
        ouverts.append(s)
        return s

    yield ouvrir
    for s in ouverts:
        s.fermer()


def _client(url, tmp_path, **options):
    """A client whose clock jumps 10 s per reading: only backoff pauses are recorded."""
    pauses = []
    temps = iter(range(0, 10**6, 10))
    client = ClientRechercheEntreprises(
        url=url,
        dossier_cache=tmp_path / "cache_api",
        hors_ligne=False,
        dormir=pauses.append,
        horloge=lambda: next(temps),
        **options,
    )
    return client, pauses


def test_pages_through_every_result_with_the_ess_filter(serveur, tmp_path):
    api = serveur()
    client, _ = _client(api.url, tmp_path)
    tableau, remarques = client.structures(code_commune="59350")
    assert len(tableau) == 5
    assert [r["page"] for r in api.requetes] == ["1", "2", "3"]
    assert all(r["est_ess"] == "true" and r["code_commune"] == "59350" for r in api.requetes)
    assert set(tableau.siret) == {"73282932000074", "55208131700018", "35600000000048"}
    ligne = tableau.iloc[0]
    assert (ligne.commune, ligne.precision, ligne.famille_source) == ("59350", "adresse", "association")
    assert ligne.lat == pytest.approx(50.6329)
    assert ligne.tranche_effectif == "11"
    assert tableau.iloc[1].sous_type == "SCOP (SARL)"
    assert remarques == []


def test_retries_with_backoff_on_429_and_5xx(serveur, tmp_path):
    api = serveur(pannes=[429, 503, 502])
    client, pauses = _client(api.url, tmp_path, pause_initiale_s=0.5)
    tableau, _ = client.structures(departement="59")
    assert len(tableau) == 5
    assert pauses == [0.5, 1.0, 2.0]
    assert api.requetes[0]["departement"] == "59"


def test_gives_up_with_a_french_message(serveur, tmp_path):
    api = serveur(pannes=[503] * 10)
    client, _ = _client(api.url, tmp_path, essais=3, pause_initiale_s=0.01)
    with pytest.raises(SourceIndisponible, match=r"indisponible après 3 essais \(HTTP 503"):
        client.structures(code_commune="59350")
    assert len(api.requetes) == 3


def test_rate_limit_spaces_requests(serveur, tmp_path):
    api = serveur(total=8, par_page=1)
    temps = [0.0]
    pauses: list[float] = []

    def dormir(s):
        pauses.append(s)
        temps[0] += s

    client = ClientRechercheEntreprises(
        url=api.url, dossier_cache=tmp_path / "c", hors_ligne=False, horloge=lambda: temps[0], dormir=dormir
    )
    client.structures(code_commune="59350")
    assert client.requetes == 8
    # With a clock that does not move by itself, every request after the first waits 1/7 s.
    assert len(pauses) == 7
    assert all(p == pytest.approx(1 / 7) for p in pauses)


def test_answers_come_from_the_file_cache_the_second_time(serveur, tmp_path):
    api = serveur()
    premier, _ = _client(api.url, tmp_path)
    premier.structures(code_commune="59350")
    second, _ = _client(api.url, tmp_path)
    tableau, _ = second.structures(code_commune="59350")
    assert len(tableau) == 5
    assert second.requetes == 0
    assert len(api.requetes) == 3
    # Offline with a cache: still answers; offline without: French error.
    hors_ligne = ClientRechercheEntreprises(
        url=api.url, dossier_cache=tmp_path / "cache_api", hors_ligne=True
    )
    assert len(hors_ligne.structures(code_commune="59350")[0]) == 5
    vide = ClientRechercheEntreprises(url=api.url, dossier_cache=tmp_path / "autre", hors_ligne=True)
    with pytest.raises(SourceIndisponible, match="hors ligne"):
        vide.structures(code_commune="59350")


def test_a_list_cut_by_the_page_limit_says_it_is_incomplete(serveur, tmp_path):
    api = serveur()
    client, _ = _client(api.url, tmp_path)
    tableau, remarques = client.structures(code_commune="59350", pages_max=2)
    assert [r["page"] for r in api.requetes] == ["1", "2"]
    assert 0 < len(tableau) < 5  # what was read is kept
    assert len(remarques) == 1
    assert "2 pages lues sur 3" in remarques[0]
    assert "liste incomplète" in remarques[0]
