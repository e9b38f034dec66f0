"""Every table on screen reads in French: no ``None``, ``nan``, ``True``… and no code-style headers.

Each page is run through ``AppTest`` for a few territories; every ``st.dataframe`` (and
``st.table``) is read as the browser would draw it: the Styler's display values when the
table is styled, the raw cells otherwise (Streamlit draws a missing cell as « None » and a
boolean as a check box), under the headers the column config gives.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from geo.base import saisie_modele
from tests.conftest import RACINE
from tests.test_pages_emplois import _administrateur
from ui.acces import CLE_COMPTE

APP = str(RACINE / "app.py")
DELAI = 180

INTERDIT = re.compile(r"\b(None|nan|NaN|NaT|True|False)\b|<NA>")
# English words a header must not be (alone or as a word of it).
ANGLAIS = {"name", "count", "value", "values", "label", "index", "level", "id", "true", "false"}
IDENTIFIANT = re.compile(r"^[a-z0-9]+$")

PAGES = [
    "pages/carte.py",
    "pages/territoire.py",
    "pages/qpv.py",
    "pages/commerces.py",
    "pages/structures.py",
    "pages/emplois.py",
    "pages/opportunites.py",
    "pages/saisie.py",
    "pages/sources.py",
]
TERRITOIRES = ["epci:200042190", "departement:02", "commune:02722", "region:32"]


@pytest.fixture(autouse=True)
def _base_neuve(referentiel, tmp_path, monkeypatch):
    """A store holding the seed pack only, so that the Saisie and Emplois tables have rows."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
    monkeypatch.delenv("ESS_LECTURE_SEULE", raising=False)


def _ouvrir(page: str, territoire: str | None, connecte: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=DELAI)
    if connecte:
        at.session_state[CLE_COMPTE] = _administrateur()
    if territoire:
        at.query_params["territoire"] = territoire
    if page != "pages/carte.py":  # the default page runs when none is asked for
        at.switch_page(page)  # straight to the page, as a shared link opens it
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _a_l_ecran(element) -> tuple[list[str], pd.DataFrame, dict]:
    """Headers as shown, the cells as shown (display values of a Styler, else the raw cells), config."""
    valeurs = element.value
    config = json.loads(element.proto.columns) if getattr(element.proto, "columns", "") else {}
    affichees = valeurs
    arrow = element.proto.arrow_data
    if arrow.HasField("styler") and arrow.styler.display_values:
        affichees = dataframe_util.convert_arrow_bytes_to_pandas_df(arrow.styler.display_values)
    visibles = [c for c in valeurs.columns if not (config.get(str(c)) or {}).get("hidden", False)]
    titres = [(config.get(str(c)) or {}).get("label") or str(c) for c in visibles]
    return (
        titres,
        affichees[visibles] if len(affichees.columns) == len(valeurs.columns) else affichees,
        config,
    )


def _defauts_titre(titre: str) -> list[str]:
    defauts = []
    if "_" in titre:
        defauts.append("tiret bas")
    if IDENTIFIANT.match(titre) and len(titre) > 2:
        defauts.append("identifiant en minuscules")
    mots = set(re.findall(r"[A-Za-z]+", titre.lower()))
    if mots & ANGLAIS:
        defauts.append(f"anglais ({', '.join(sorted(mots & ANGLAIS))})")
    return defauts


def _defauts_cellule(valeur) -> str | None:
    if isinstance(valeur, bool):
        return "booléen (case à cocher)"
    if valeur is None or (not isinstance(valeur, list | tuple | dict) and _manquant(valeur)):
        return "valeur manquante (« None » à l'écran)"
    texte = ", ".join(map(str, valeur)) if isinstance(valeur, list | tuple) else str(valeur)
    if INTERDIT.search(texte):
        return f"« {texte[:60]} »"
    return None


def _manquant(valeur) -> bool:
    try:
        return bool(pd.isna(valeur))
    except (TypeError, ValueError):
        return False


def _defauts(at: AppTest) -> list[str]:
    defauts = []
    elements = [("tableau", e) for e in at.dataframe] + [("table", e) for e in at.get("table")]
    for genre, element in elements:
        titres, cellules, _ = _a_l_ecran(element)
        nom = f"{genre} [{', '.join(titres)[:80]}]"
        for titre in titres:
            for defaut in _defauts_titre(titre):
                defauts.append(f"{nom} : en-tête « {titre} » — {defaut}")
        vus = set()
        for colonne, titre in zip(cellules.columns, titres, strict=False):
            for valeur in cellules[colonne].tolist():
                defaut = _defauts_cellule(valeur)
                if defaut and (titre, defaut) not in vus:
                    vus.add((titre, defaut))
                    defauts.append(f"{nom} : colonne « {titre} » — {defaut}")
    return defauts


@pytest.mark.parametrize("territoire", TERRITOIRES)
@pytest.mark.parametrize("page", PAGES)
def test_every_table_on_screen_reads_in_french(page, territoire):
    at = _ouvrir(page, territoire)
    defauts = _defauts(at)
    assert not defauts, "\n".join(defauts)


@pytest.mark.parametrize("territoire", [None, "epci:200042190"])
def test_the_signed_in_saisie_page_reads_in_french(territoire):
    at = _ouvrir("pages/saisie.py", territoire, connecte=True)
    assert at.dataframe, "la page Saisie d'un contributeur connecté montre des tableaux"
    defauts = _defauts(at)
    # Every table of the export, and the history of a line of each table.
    for table in saisie_modele.ORDRE:
        at.selectbox(key="table_export").set_value(table)
        at.selectbox(key="historique_table").set_value(table)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        defauts += [f"{table} : {d}" for d in _defauts(at) if f"{table} : {d}" not in defauts]
    assert not defauts, "\n".join(defauts)


def test_the_checks_catch_what_a_user_must_not_see():
    assert _defauts_titre("code_insee")
    assert _defauts_titre("nb") == []
    assert _defauts_titre("nom")
    assert _defauts_titre("Count")
    assert _defauts_titre("Nom de la commune") == []
    assert all(_defauts_cellule(v) for v in (None, float("nan"), pd.NA, pd.NaT, True, "False", "a <NA>"))
    assert not any(_defauts_cellule(v) for v in ("—", "oui", "non", "Nantes", 3, "inconnu"))
