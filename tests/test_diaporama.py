"""The meeting deck read from the address (geo.rendu.diaporama, ui.etat.diaporama)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geo.rendu import diaporama


def test_a_prepared_deck_opens_on_its_slide():
    lu = diaporama.lire("carte,chiffres,emplois,financements", "2")
    assert lu.diapos == ("carte", "chiffres", "emplois", "financements")
    assert lu.courante == "chiffres"
    assert lu.titre == "Chiffres clés"
    assert not lu.premiere
    assert not lu.derniere
    assert lu.messages == ()


def test_the_chosen_slides_keep_their_order():
    lu = diaporama.lire("financements,carte", "2")
    assert lu.diapos == ("financements", "carte")
    assert lu.courante == "carte"
    assert lu.derniere


def test_no_deck_shows_every_slide_from_the_first():
    lu = diaporama.lire(None, None)
    assert lu.diapos == tuple(diaporama.DIAPOSITIVES)
    assert lu.rang == 1
    assert lu.premiere


def test_unknown_and_repeated_slides_are_set_aside_and_said():
    lu = diaporama.lire("emplois,<b>graphe</b>,emplois,,carte", "1")
    assert lu.diapos == ("emplois", "carte")
    assert len(lu.messages) == 1
    assert "« <b>graphe</b> »" in lu.messages[0]  # said back as typed: the page shows it as plain text
    assert "carte, chiffres, emplois, financements" in lu.messages[0]


@pytest.mark.parametrize("rang", ["0", "5", "deux", "-1", "2.5", "9" * 400])
def test_a_rank_outside_the_deck_gives_the_first_slide(rang):
    lu = diaporama.lire("carte,chiffres,emplois,financements", rang)
    assert lu.rang == 1
    assert len(lu.messages) == 1
    assert "un numéro de 1 à 4" in lu.messages[0]
    assert len(lu.messages[0]) < 200  # a long address is not shown back whole


def test_the_address_keeps_only_what_differs_from_every_slide():
    assert diaporama.texte_diapos(list(diaporama.DIAPOSITIVES)) == ""
    assert diaporama.texte_diapos(["emplois", "carte", "emplois", "inconnue"]) == "emplois,carte"
    assert diaporama.texte_diapos(["financements", "emplois", "chiffres", "carte"]) == (
        "financements,emplois,chiffres,carte"
    )


def _page():
    import streamlit as st

    from ui import etat

    lu = etat.diaporama()
    st.session_state["lu"] = (lu.diapos, lu.rang)
    if st.session_state.get("suivante"):
        etat.aller_a_diapositive(lu.diapos, lu.rang + 1)
    if st.session_state.get("choisir"):
        etat.choisir_diapositives(st.session_state["choisir"])


def _ouvrir(session: dict | None = None, **parametres: str) -> AppTest:
    at = AppTest.from_function(_page, default_timeout=30)
    for cle, valeur in parametres.items():
        at.query_params[cle] = valeur
    for cle, valeur in (session or {}).items():
        at.session_state[cle] = valeur
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_address_names_the_slide():
    at = _ouvrir(presentation="1", diapos="carte,chiffres,emplois,financements", diapo="3")
    assert at.session_state["lu"] == (("carte", "chiffres", "emplois", "financements"), 3)
    assert not at.warning


def test_an_invalid_address_is_said_in_french_and_never_crashes():
    at = _ouvrir(presentation="1", diapos="carte,<script>alert(1)</script>", diapo="zéro")
    assert at.session_state["lu"] == (("carte",), 1)
    textes = [w.value for w in at.warning]
    assert len(textes) == 2
    assert any("diapositive inconnue" in t and "<script>" not in t for t in textes), textes
    assert any("« zéro » introuvable" in t for t in textes), textes


def test_paging_writes_the_slide_and_the_cleaned_deck_into_the_address():
    at = _ouvrir({"suivante": True}, presentation="1", diapos="emplois,inconnue,carte", diapo="1")
    assert at.query_params["diapo"] == "2"
    assert at.query_params["diapos"] == "emplois,carte"


def test_choosing_slides_starts_the_deck_again_and_keeps_links_short():
    at = _ouvrir({"choisir": ["financements", "emplois"]}, presentation="1", diapo="3")
    assert at.query_params["diapos"] == "financements,emplois"
    assert "diapo" not in at.query_params
    at = _ouvrir({"choisir": list(diaporama.DIAPOSITIVES)}, presentation="1", diapos="carte")
    assert "diapos" not in at.query_params
