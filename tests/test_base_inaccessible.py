"""A store out of reach: one exception (``store.BaseInaccessible``), said in French where it shows.

Any other error while reading the store is a defect: it must show as one, not as « inaccessible ».
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from streamlit.testing.v1 import AppTest

from geo.base import store
from geo.donnees import emplois, financements
from geo.territoires.referentiel import TerritoireId
from tests.conftest import RACINE

# Nothing listens on the discard port: the connection is refused at once.
INJOIGNABLE = "postgresql://ecrivain:secret@127.0.0.1:9/ess"
APP = str(RACINE / "app.py")


def test_a_server_that_refuses_is_out_of_reach():
    with pytest.raises(store.BaseInaccessible) as erreur:
        store.Depot(INJOIGNABLE)
    # The driver's own error (psycopg's), for the server's log.
    assert type(erreur.value.__cause__).__name__ == "OperationalError"


@pytest.mark.parametrize("url", ["pas une adresse", "mysql://u@h/ess", "sqlite:////proc/interdit/s.sqlite3"])
def test_an_address_that_cannot_be_used_is_out_of_reach(url):
    with pytest.raises(store.BaseInaccessible):
        store.Depot(url)


def test_a_refused_statement_on_a_working_store_is_not_out_of_reach():
    depot = store.Depot("sqlite:///:memory:")
    with pytest.raises(OperationalError) as erreur, depot.engine.connect() as connexion:
        connexion.execute(text("select * from table_qui_n_existe_pas"))
    assert not isinstance(erreur.value, store.BaseInaccessible)
    depot.fermer()


def test_the_message_names_neither_address_nor_driver(caplog):
    try:
        store.Depot(INJOIGNABLE)
    except store.BaseInaccessible as erreur:
        message = store.message_indisponible(erreur)
    assert message.startswith("La base de saisie est inaccessible")
    for detail in ("127.0.0.1", "secret", "ecrivain", "OperationalError", "BaseInaccessible"):
        assert detail not in message
    assert "OperationalError" in caplog.text  # the server's log has the detail


def test_reports_go_on_without_the_store(monkeypatch, referentiel):
    monkeypatch.setenv("DATABASE_URL", INJOIGNABLE)
    bloc = emplois.bloc_rapport(referentiel, TerritoireId("epci", "240200477"))
    assert bloc["disponible"] is False
    assert "127.0.0.1" not in bloc["raison"]
    assert "inaccessible" in bloc["raison"]
    # The funding block still answers from the open data.
    assert "total_eur" in financements.bloc_rapport(referentiel, TerritoireId("epci", "240200477"))


def _ouvrir(page: str, territoire: str = "epci:240200477") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["territoire"] = territoire
    at.switch_page(page)  # straight to the page, as a shared link opens it
    at.run()
    return at


@pytest.mark.parametrize(
    ("page", "ou"),
    [
        ("pages/emplois.py", "error"),
        ("pages/saisie.py", "error"),
        ("pages/moderation.py", "error"),
        ("pages/sources.py", "warning"),
        ("pages/territoire.py", "caption"),
    ],
)
def test_each_page_says_so_and_stands(monkeypatch, referentiel, page, ou):
    monkeypatch.setenv("DATABASE_URL", INJOIGNABLE)
    at = _ouvrir(page)
    assert not at.exception, [e.message for e in at.exception]
    messages = [e.value for e in getattr(at, ou)]
    assert any(m.startswith("La base de saisie est inaccessible") for m in messages), messages
    assert not any("127.0.0.1" in str(e.value) for e in at.main if hasattr(e, "value"))


def test_a_defect_on_the_territory_page_shows_as_one(monkeypatch, referentiel, tmp_path):
    """The page once wrapped its whole jobs-and-funding computation in ``except Exception``."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 's.sqlite3'}")

    def defaut(*_a, **_k):
        raise KeyError("colonne_absente")

    monkeypatch.setattr(financements, "bloc", defaut)
    at = _ouvrir("pages/territoire.py")
    assert at.exception
    assert not any("inaccessible" in c.value for c in at.caption)
