"""The Saisie page through AppTest: reading open, writing behind a login, contributors' limits,
the administrator's history and undo, the read-only mode."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from geo.base import comptes, store
from geo.donnees import emplois
from tests.test_pages import _relancer
from tests.test_pages_emplois import APP, DELAI
from ui.acces import CLE_COMPTE

MOT_DE_PASSE = "un mot de passe assez long"


@pytest.fixture(autouse=True)
def _base_neuve(referentiel, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
    monkeypatch.delenv("ESS_LECTURE_SEULE", raising=False)


@pytest.fixture
def depot():
    depot = emplois.depot_pret()  # with the seed pack, as the page opens it
    yield depot
    depot.fermer()


def _saisie(compte_id: int | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=DELAI)
    if compte_id is not None:
        at.session_state[CLE_COMPTE] = compte_id
    at.switch_page("pages/saisie.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _boutons(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def _compter(depot, modele) -> int:
    with depot.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(modele))


def test_without_an_account_the_page_reads_but_cannot_write(depot):
    at = _saisie()
    assert any("Connectez-vous" in i.value for i in at.info)
    assert {t.key for t in at.text_input} >= {"connexion_identifiant", "connexion_mot_de_passe"}
    assert "Enregistrer" not in _boutons(at)
    assert "Importer" not in _boutons(at)
    assert "Recharger le pack des documents de terrain" not in _boutons(at)
    # The export of what was entered stays open.
    assert any(m.value.startswith("5 PTCE · 11 projets") for m in at.markdown)
    assert "Tout exporter (Excel)" in {b.label for b in at.get("download_button")}


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(depot):
    comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    messages = []
    for identifiant in ("admin", "inconnu"):
        at = _saisie()
        at.text_input(key="connexion_identifiant").set_value(identifiant)
        at.text_input(key="connexion_mot_de_passe").set_value("pas le bon")
        at.button(key="FormSubmitter:connexion-Se connecter").click()
        _relancer(at)
        messages.append([e.value for e in at.error])
        assert at.text_input(key="connexion_mot_de_passe").value == ""
        assert "Enregistrer" not in _boutons(at)
    assert messages[0] == messages[1]
    assert comptes.MESSAGE_REFUS.split(" : ")[0] in messages[0][0]


def test_logging_in_opens_the_form_and_logging_out_closes_it(depot):
    comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE, nom="Camille")
    at = _saisie()
    at.text_input(key="connexion_identifiant").set_value("admin")
    at.text_input(key="connexion_mot_de_passe").set_value(MOT_DE_PASSE)
    at.button(key="FormSubmitter:connexion-Se connecter").click()
    _relancer(at)
    assert any("Connecté : Camille (administrateur" in c.value for c in at.caption)
    assert "Enregistrer" in _boutons(at)
    # The password does not stay in the session.
    assert (
        "connexion_mot_de_passe" not in at.session_state or at.session_state["connexion_mot_de_passe"] == ""
    )
    at.button(key="deconnexion").click()
    _relancer(at)
    assert "Enregistrer" not in _boutons(at)


def test_a_contributor_cannot_write_for_another_ptce_from_the_form(depot):
    hainaut = comptes.creer(
        depot,
        "anim@hainaut.fr",
        "contributeur",
        MOT_DE_PASSE,
        ptce=["Auton'homme (PTCE de la Porte du Hainaut)"],
    )
    avant = _compter(depot, store.Emploi)
    at = _saisie(hainaut.id)
    assert "Historique" not in [t.label for t in at.tabs]
    assert "Recharger le pack des documents de terrain" not in _boutons(at)
    at.radio(key="table_formulaire").set_value("emplois")
    _relancer(at)
    at.selectbox(key="champ_emplois_projet").set_value("Réaliss (régie de quartier)")  # an ALISS project
    at.selectbox(key="champ_emplois_nature").set_value("autre")
    at.number_input(key="champ_emplois_nombre").set_value(3)
    at.text_input(key="champ_emplois_annee").set_value("2024")
    at.button(key="FormSubmitter:formulaire_emplois-Enregistrer").click()
    _relancer(at)
    assert any("Rien n'a été enregistré" in e.value for e in at.error)
    assert "vos PTCE ou territoires" in at.dataframe[0].value["Problème"].iloc[0]
    assert _compter(depot, store.Emploi) == avant


def test_an_administrator_sees_the_history_and_undoes_an_entry(depot):
    admin = comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    avant = _compter(depot, store.PTCE)
    at = _saisie(admin.id)
    at.text_input(key="champ_ptce_nom").set_value("Pôle d'essai")
    at.button(key="FormSubmitter:formulaire_ptce-Enregistrer").click()
    _relancer(at)
    assert _compter(depot, store.PTCE) == avant + 1
    assert "Historique" in [t.label for t in at.tabs]
    assert at.selectbox(key="lot_a_annuler").options  # the form entry is there to undo
    with depot.session() as session:
        nouveau = session.scalar(sa.select(store.PTCE.id).where(store.PTCE.nom == "Pôle d'essai"))
        lot = session.scalar(
            sa.select(store.Journal.lot).where(
                store.Journal.table_nom == "ptce", store.Journal.ligne_id == nouveau
            )
        )
    at.selectbox(key="historique_table").set_value("ptce")
    at.selectbox(key="historique_ligne").set_value(nouveau)
    _relancer(at)
    historique = at.dataframe[-1].value
    assert historique[["qui", "action"]].values.tolist() == [["admin", "ajout"]]
    at.selectbox(key="lot_a_annuler").set_value(lot)
    at.button(key="annuler_import").click()
    _relancer(at)
    assert any("Import annulé : 1 ligne retirée" in s.value for s in at.success)
    assert _compter(depot, store.PTCE) == avant


def test_read_only_deployments_offer_no_login_and_no_writing(depot, monkeypatch):
    monkeypatch.setenv("ESS_LECTURE_SEULE", "1")
    admin = comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    at = _saisie(admin.id)
    assert any("lecture seule" in i.value for i in at.info)
    assert "connexion_identifiant" not in {t.key for t in at.text_input}
    assert "Enregistrer" not in _boutons(at)
    assert any(m.value.startswith("5 PTCE · 11 projets") for m in at.markdown)


def test_with_an_identity_provider_the_page_offers_its_login_not_a_password(depot):
    at = AppTest.from_file(APP, default_timeout=DELAI)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "secret-de-test-seulement",
        "client_id": "essai",
        "client_secret": "essai",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.switch_page("pages/saisie.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert "connexion_oidc" in {b.key for b in at.button}
    assert "connexion_mot_de_passe" not in {t.key for t in at.text_input}
    assert "Enregistrer" not in _boutons(at)


def test_an_imported_file_is_named_back_as_plain_text(depot):
    # The file's name and what its cells hold come from whoever made the file: never a link.
    from tests.test_texte_hostile import _inerte

    admin = comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    at = AppTest.from_file(APP, default_timeout=DELAI)
    at.session_state[CLE_COMPTE] = admin.id
    at.session_state["_subventions_refus"] = [
        "www.evil.example_2024_.csv : « https://evil.example » illisible."
    ]
    at.session_state["_subventions_message"] = "www.evil.example_2024_.csv importé : 1 convention."
    at.switch_page("pages/saisie.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    messages = [m.value for m in [*at.error, *at.success] if "evil" in m.value]
    assert len(messages) == 2
    for message in messages:
        _inerte(message)
