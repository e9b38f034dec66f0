"""The server start (`make run`, the Docker image): Streamlit's own command, territories read early."""

from __future__ import annotations

import re
import subprocess
import sys
import threading

import pytest

from tests.conftest import RACINE
from ui import demarrage


def test_start_is_streamlit_run_of_the_app(monkeypatch):
    lances = []
    monkeypatch.setattr(demarrage, "_quand_le_serveur_tourne", lambda: lances.append("préchauffage"))
    from streamlit.web import cli

    monkeypatch.setattr(cli, "main", lambda: lances.append(list(sys.argv)))
    monkeypatch.setattr(sys, "argv", ["python"])
    monkeypatch.setattr(demarrage, "franciser_le_demarrage", lambda: lances.append("en français"))
    demarrage.main(["--server.port", "8599"])
    assert ["streamlit", "run", str(RACINE / "app.py"), "--server.port", "8599"] in lances
    assert "préchauffage" in lances
    assert "en français" in lances


def test_the_start_banner_is_french_and_asks_no_server_abroad_for_our_address(monkeypatch, capsys):
    """``make run`` said « You can now view your Streamlit app in your browser. » and, headless, asked
    checkip.amazonaws.com for this machine's address (« Did not auto detect external IP »)."""
    import logging

    from streamlit import config, net_util
    from streamlit.web import bootstrap

    serveur_web = logging.getLogger("streamlit.web.server.starlette.starlette_server")
    # Put back after the test, as main() leaves them in a real start.
    monkeypatch.setattr(bootstrap, "_print_url", bootstrap._print_url)
    monkeypatch.setattr(serveur_web, "filters", list(serveur_web.filters))
    monkeypatch.setattr(net_util, "get_external_ip", lambda: pytest.fail("adresse publique demandée"))
    config.set_option("server.headless", True)
    try:
        demarrage.franciser_le_demarrage()
        bootstrap._print_url(False)
    finally:
        config.set_option("server.headless", None)
    sortie = capsys.readouterr().out
    assert "Le tableau de bord est prêt : ouvrez-le dans un navigateur." in sortie
    assert re.search(r"^  Sur cette machine : http://localhost:\d+$", sortie, flags=re.MULTILINE)
    assert not re.search(r"\b(You|URL|view|browser)\b", sortie)
    # The web server's « Uvicorn server started on … » line is left out; its errors are not.
    assert not serveur_web.filter(logging.makeLogRecord({"msg": "Uvicorn server started on %s:%s"}))
    assert serveur_web.filter(logging.makeLogRecord({"msg": "Port 8501 is already in use"}))


def test_warm_up_fills_the_territories_cache_the_pages_read(referentiel):
    """In a fresh process: after the warm-up, the page's own call finds the cache filled."""
    script = (
        "from ui import demarrage, donnees\n"
        "demarrage.prechauffer()\n"
        "def relire(*_a, **_k):\n"
        "    raise AssertionError('territoires relus')\n"
        "from geo.build import construction\n"
        "construction.referentiel = relire\n"
        "ref = donnees.referentiel()\n"
        "assert len(ref.communes) > 30000\n"
        # What an EPCI's first map reads besides is in memory too.
        "import geopandas\n"
        "geopandas.read_parquet = relire\n"
        "assert len(ref.affichage('communes', 'fin')) > 30000\n"
        "import sys\n"
        "assert 'folium.plugins' in sys.modules\n"
        # Declaring the map component looks its module up: the modules already mapped to files.
        "import inspect, os.path\n"
        "chemins = []\n"
        "vrai_chemin = os.path.realpath\n"
        "os.path.realpath = lambda *a, **k: chemins.append(a[0]) or vrai_chemin(*a, **k)\n"
        "inspect.getmodule(sys._getframe())\n"
        "os.path.realpath = vrai_chemin\n"
        "assert len(chemins) < 50, (len(chemins), chemins[:4])\n"
        # Imported outside a visitor's run, the map component would never be registered.
        "import sys\n"
        "assert 'streamlit_folium' not in sys.modules, 'composant de carte importé trop tôt'\n"
        "print('ok')\n"
    )
    sortie = subprocess.run(
        [sys.executable, "-c", script], cwd=RACINE, capture_output=True, text=True, timeout=120
    )
    assert sortie.returncode == 0, sortie.stderr[-2000:]
    assert sortie.stdout.strip().endswith("ok")


def test_first_element_does_not_walk_the_stack(monkeypatch):
    """Under ``python -m ui.demarrage`` the first element costs no inspect.stack() (1 s cold)."""
    from streamlit import delta_generator, env_util

    # The private flag the start sets: renamed in a Streamlit upgrade, this test says so.
    assert hasattr(delta_generator, "_use_warning_has_been_displayed")
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    appels = []
    monkeypatch.setattr(env_util, "is_repl", lambda: appels.append("pile") or False)
    demarrage.sans_avertissement_hors_streamlit()
    delta_generator._maybe_print_use_warning()
    assert appels == []


def test_warm_up_waits_for_the_first_page_before_its_second_half(monkeypatch):
    etapes = []
    monkeypatch.setattr(demarrage, "prechauffer_l_essentiel", lambda: etapes.append("essentiel"))
    monkeypatch.setattr(demarrage, "prechauffer_le_reste", lambda: etapes.append("reste"))
    monkeypatch.setattr(demarrage, "premiere_page_finie", threading.Event())
    fil = threading.Thread(target=demarrage._quand_le_serveur_tourne)
    from streamlit.runtime import Runtime

    monkeypatch.setattr(Runtime, "exists", staticmethod(lambda: True))
    fil.start()
    fil.join(0.5)
    assert etapes == ["essentiel"]  # the visitor's run has the interpreter to itself
    demarrage.premiere_page_finie.set()
    fil.join(5)
    assert etapes == ["essentiel", "reste"]


def test_the_app_says_when_its_page_is_done(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(demarrage, "premiere_page_finie", threading.Event())
    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=60)
    at.query_params["territoire"] = "commune:02722"
    at.switch_page("pages/sources.py")
    at.run()
    assert not at.exception
    assert demarrage.premiere_page_finie.is_set()
