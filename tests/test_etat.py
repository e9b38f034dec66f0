"""The view's state in the URL (ui.etat): one reader, one writer, one validation per parameter."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _page():
    import streamlit as st

    from ui import etat

    st.session_state["lu"] = {
        "annee": etat.annee(),
        "annee_disponible": etat.annee([2019, 2022]),
        "couches": etat.noms_des_surcouches(),
        "familles": etat.liste("familles", ["association", "SIAE"]),
        "classes": etat.parametre("classes", "quantiles", ["quantiles", "jenks"]),
        "presentation": etat.en_presentation(),
    }
    if st.session_state.get("ecrire"):
        etat.activer_couche("commerces", True)
        etat.activer_couche("qpv", False)
        etat.choisir_annee(None)
        etat.definir_parametre("classes", "quantiles", "quantiles")  # the default: left out
        etat.definir_liste("familles", ["SIAE", "association"])


def _ouvrir(**parametres: str) -> AppTest:
    at = AppTest.from_function(_page, default_timeout=30)
    for cle, valeur in parametres.items():
        at.query_params[cle] = valeur
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize(
    ("texte", "annee", "disponible"),
    [
        ("2022", 2022, 2022),
        ("2020", 2020, None),
        ("22", None, None),
        ("2022abc", None, None),
        ("", None, None),
    ],
)
def test_one_validation_of_the_year(texte, annee, disponible):
    lu = _ouvrir(annee=texte).session_state["lu"]
    assert lu["annee"] == annee
    assert lu["annee_disponible"] == disponible


def test_unknown_values_read_as_the_default_and_are_dropped_from_lists():
    lu = _ouvrir(classes="<script>", familles="SIAE,inconnue,association", presentation="oui").session_state[
        "lu"
    ]
    assert lu["classes"] == "quantiles"
    assert lu["familles"] == ["SIAE", "association"]
    assert lu["presentation"] is False


def test_writing_keeps_the_address_short():
    at = AppTest.from_function(_page, default_timeout=30)
    at.query_params.update({"couches": "qpv", "annee": "2022", "classes": "jenks"})
    at.session_state["ecrire"] = True
    at.run()
    assert not at.exception
    assert at.query_params["couches"] == "commerces"
    assert at.query_params["familles"] == "SIAE,association"
    assert "annee" not in at.query_params
    assert "classes" not in at.query_params
