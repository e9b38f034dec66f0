"""The public contribution forms of the Structures page and the Modération page, through AppTest:
propose a structure, report an error, moderate (accept, refuse, merge, hide, undo), RGPD."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.base import comptes, contributions
from geo.donnees import emplois
from geo.outils.text import texte_brut
from tests.test_pages import APP, DELAI, _ouvrir, _relancer, referentiel_de_l_app
from ui import contributions as contributions_ui
from ui.acces import CLE_COMPTE

MOT_DE_PASSE = "un mot de passe assez long"
HAINAUT = "epci:200042190"
# An official structure of Porte du Hainaut (SIAE list), in Denain (59172).
CLE_OFFICIELLE, NOM_OFFICIEL = "77562194900277", "ASSOC PAPILLONS BLANCS DE DENAIN ET ENVIRONS"
# A point in Denain, and one in the North Sea.
DENAIN, MER = "50.3290, 3.3950", "51.5, 2.5"


@pytest.fixture(autouse=True)
def _base_neuve(cache_structures_miroir, tmp_path, monkeypatch):
    monkeypatch.setenv("ESS_DATA_DIR", str(cache_structures_miroir.parent))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
    monkeypatch.delenv("ESS_LECTURE_SEULE", raising=False)
    # Each test starts from empty caches (the register's are keyed on the store's signature).
    st.cache_resource.clear()


@pytest.fixture
def depot():
    depot = emplois.depot_pret()
    yield depot
    depot.fermer()


def _textes(at: AppTest) -> str:
    return "\n".join(
        str(e.value)
        for genre in ("markdown", "caption", "text", "error", "warning", "success", "info", "subheader")
        for e in at.get(genre)
    )


def _erreurs(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _proposer(at: AppTest, **valeurs: str) -> AppTest:
    """Fill the proposal form (commune, point, fields) and send it."""
    valeurs = {
        "commune": "59172",
        "point": DENAIN,
        "nom": "Recyclerie du Hainaut",
        "famille": "association",
    } | valeurs
    at.selectbox(key="proposition_commune").set_value(valeurs.pop("commune"))
    at.text_input(key="proposition_point").set_value(valeurs.pop("point"))
    at.selectbox(key="proposition_famille").set_value(valeurs.pop("famille"))
    for nom, valeur in valeurs.items():
        if nom == "description":
            at.text_area(key=f"proposition_{nom}").set_value(valeur)
        else:
            at.text_input(key=f"proposition_{nom}").set_value(valeur)
    at.button(key="FormSubmitter:proposition-Envoyer la proposition").click()
    return _relancer(at)


def _liste(at: AppTest) -> set[str]:
    return set(at.dataframe[0].value["nom"])


def _total(at: AppTest) -> int:
    return int(next(m.value for m in at.metric if m.label == "Structures de l'ESS").replace("\u202f", ""))


# The form as a visitor finds it -----------------------------------------------------------


def test_the_form_says_its_limits_and_its_privacy_notice_before_typing():
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, proposer="1")
    assert at.expander[0].label == "Proposer une structure"
    textes = _textes(at) + " ".join(w.help or "" for w in at.text_input)
    assert "1\u202f000 caractères au plus" in textes  # the description
    assert "150 caractères au plus" in textes  # the name
    assert "effacé 30 jours après sa décision" in textes
    # The honeypot is there for robots, hidden from people by its widget's class.
    assert at.text_input(key=f"proposition_{contributions.CHAMP_PIEGE}") is not None
    styles = " ".join(h.proto.body for h in at.get("html"))
    assert f".st-key-proposition_{contributions.CHAMP_PIEGE}" in styles
    assert 'setAttribute("aria-hidden", "true")' in styles
    assert 'setAttribute("tabindex", "-1")' in styles
    # Porte du Hainaut's 47 communes are offered by name.
    assert len(at.selectbox(key="proposition_commune").options) == 47


def test_a_read_only_mirror_says_so_instead_of_offering_the_forms(monkeypatch):
    """ESS_LECTURE_SEULE: the visitor reads why before typing, rather than a whole form refused."""
    monkeypatch.setenv("ESS_LECTURE_SEULE", "1")
    for parametres in ({"proposer": "1"}, {"signaler": CLE_OFFICIELLE}):
        at = _ouvrir("pages/structures.py", territoire=HAINAUT, **parametres)
        assert comptes.MESSAGE_LECTURE_SEULE in [i.value for i in at.info]
        assert not [b for b in at.button if b.label.startswith("Envoyer")]
        assert at.dataframe  # the page itself stands


def test_a_report_link_with_an_unknown_or_hostile_id_says_so_as_plain_text():
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, signaler="<b>x</b>](javascript:alert(1))")
    avertissement = at.warning[0].value
    assert "Aucune structure du registre" in avertissement
    assert "<b>" not in avertissement
    assert "\\<b\\>" in avertissement or "&lt;b&gt;" in avertissement


def test_a_report_link_opens_the_form_of_that_structure():
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, signaler=CLE_OFFICIELLE)
    assert "Signaler une erreur" in [s.value for s in at.subheader]
    assert f"Structure : {NOM_OFFICIEL}" in _textes(at)
    assert at.radio(key="signalement_motif").options == [
        m.capitalize() for m in contributions.MOTIFS_SIGNALEMENT.values()
    ]


def test_a_row_of_the_list_opens_its_report_form():
    at = _ouvrir("pages/structures.py", territoire=HAINAUT)
    assert "Signaler une erreur" not in [s.value for s in at.subheader]
    at.selectbox(key="structure_a_signaler").set_value(CLE_OFFICIELLE)
    _relancer(at)
    at.button(key="signaler_structure").click()
    _relancer(at)
    assert at.query_params["signaler"] == CLE_OFFICIELLE
    assert f"Structure : {NOM_OFFICIEL}" in _textes(at)


# Sending ----------------------------------------------------------------------------------


def test_a_proposal_is_thanked_and_shown_nowhere_public(depot):
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, proposer="1")
    avant = _total(at)
    _proposer(at, contact="moi@exemple.fr", description="Réemploi et réparation.")
    assert not _erreurs(at), _erreurs(at)
    assert any("sera publiée après vérification" in s.value for s in at.success)
    # The fields are empty again, nothing is published.
    assert at.text_input(key="proposition_nom").value == ""
    assert _total(at) == avant
    assert "Recyclerie du Hainaut" not in _liste(at)
    attente = contributions.a_moderer(depot, comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE))
    assert list(attente.nom) == ["Recyclerie du Hainaut"]


@pytest.mark.parametrize(
    ("valeurs", "champ"),
    [
        ({"nom": "<script>alert(1)</script>"}, "nom"),
        ({"description": "x" * 10_000}, "description"),
        ({"point": MER}, "point"),
        ({"siret": "77562194900278"}, "siret"),
    ],
    ids=["html", "10000-caracteres", "en-mer", "cle-siret-fausse"],
)
def test_hostile_proposals_are_refused_field_by_field_and_kept(depot, valeurs, champ):
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, proposer="1")
    _proposer(at, **valeurs)
    erreurs = _erreurs(at)
    assert erreurs[0].startswith("Rien n'a été envoyé")
    assert len(erreurs) >= 2, erreurs  # the summary, and the message under the field
    assert not at.success
    # What was typed is still there, to correct.
    cle = "proposition_point" if champ == "point" else f"proposition_{champ}"
    widget = at.text_area(key=cle) if champ == "description" else at.text_input(key=cle)
    assert widget.value == valeurs[champ]
    admin = comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    assert contributions.a_moderer(depot, admin).empty


def test_a_filled_honeypot_stores_nothing(depot):
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, proposer="1")
    _proposer(at, **{contributions.CHAMP_PIEGE: "http://spam.example"})
    assert not at.success
    admin = comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    assert contributions.a_moderer(depot, admin).empty


def test_fifty_proposals_in_a_minute_are_stopped(depot):
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, proposer="1")
    refusees = 0
    for rang in range(contributions.LIMITES["session"][0].nombre + 2):
        _proposer(at, nom=f"Structure {rang}")
        refusees += bool(at.error)
    assert refusees >= 2
    assert any("envoi" in e.lower() or "attendez" in e.lower() for e in _erreurs(at)), _erreurs(at)
    admin = comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    assert len(contributions.a_moderer(depot, admin)) == contributions.LIMITES["session"][0].nombre


def test_a_sender_whose_address_the_server_does_not_see_is_said_unknown():
    """Not a made-up address: geo.base.contributions must know it is unknown to say the limit is
    shared (a browser on this machine, a proxy that passes no address, a run without a request)."""
    emetteur = contributions_ui.emetteur()
    assert emetteur.adresse is None
    assert not emetteur.adresse_connue


def test_a_report_is_thanked(depot):
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, signaler=CLE_OFFICIELLE)
    at.radio(key="signalement_motif").set_value(contributions.FERMEE)
    at.text_area(key="signalement_commentaire").set_value("Fermée depuis mars 2025.")
    at.button(key="FormSubmitter:signalement_formulaire-Envoyer le signalement").click()
    _relancer(at)
    assert any("sera examiné" in s.value for s in at.success), _erreurs(at)
    assert NOM_OFFICIEL in _liste(at)


# Moderation -------------------------------------------------------------------------------


def _moderation(compte_id: int | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=DELAI)
    if compte_id is not None:
        at.session_state[CLE_COMPTE] = compte_id
    at.switch_page("pages/moderation.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_moderation_needs_an_account():
    at = _moderation()
    assert at.title[0].value == "Modération des contributions"
    assert any("Connectez-vous" in i.value for i in at.info)
    assert not at.tabs


def test_moderation_signs_in_and_out_with_the_saisie_form(depot):
    """One login form (ui.acces.ouvrir_ecriture) on both writing pages: same keys, same banner."""
    _hainaut(depot)
    at = _moderation()
    # Another identifier: a refused try slows that identifier down (geo.base.comptes.connecter).
    at.text_input(key="connexion_identifiant").set_value("inconnu@hainaut.fr")
    at.text_input(key="connexion_mot_de_passe").set_value("pas le bon")
    at.button(key="FormSubmitter:connexion-Se connecter").click()
    _relancer(at)
    assert comptes.MESSAGE_REFUS.split(" : ")[0] in at.error[0].value
    assert not at.tabs
    at.text_input(key="connexion_identifiant").set_value("anim@hainaut.fr")
    at.text_input(key="connexion_mot_de_passe").set_value(MOT_DE_PASSE)
    at.button(key="FormSubmitter:connexion-Se connecter").click()
    _relancer(at)
    assert any(
        c.value.startswith("Connecté : anim")
        and c.value.endswith("(contributeur : les données de vos PTCE et territoires).")
        for c in at.caption
    )
    assert "En attente" in [t.label for t in at.tabs]
    at.button(key="deconnexion").click()
    _relancer(at)
    assert not at.tabs
    assert {t.key for t in at.text_input} >= {"connexion_identifiant", "connexion_mot_de_passe"}


def _a_moderer(depot, compte):
    return contributions.a_moderer(depot, compte, comptes.dans_referentiel(referentiel_de_l_app()))


def _hainaut(depot):
    return comptes.creer(depot, "anim@hainaut.fr", "contributeur", MOT_DE_PASSE, territoires=[HAINAUT])


def test_a_contributor_of_the_epci_accepts_a_proposal_and_it_is_published(depot):
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, proposer="1")
    avant = _total(at)
    _proposer(at, contact="moi@exemple.fr")
    contributeur = _hainaut(depot)
    # Another EPCI's contributor sees nothing.
    ailleurs = comptes.creer(
        depot, "anim@lille.fr", "contributeur", MOT_DE_PASSE, territoires=["epci:200093201"]
    )
    assert "Rien n'attend" in _textes(_moderation(ailleurs.id))

    moderation = _moderation(contributeur.id)
    assert "Proposition : Recyclerie du Hainaut" in [s.value for s in moderation.subheader]
    assert "Contact (pour vous seul) : moi@exemple.fr" in _textes(moderation)
    ident = int(_a_moderer(depot, contributeur).id.iloc[0])
    # The edits start from what was proposed.
    assert moderation.selectbox(key=f"edition_{ident}_famille").value == "association"
    assert moderation.text_input(key=f"edition_{ident}_nom").value == "Recyclerie du Hainaut"
    moderation.text_input(key=f"edition_{ident}_activite").set_value("Réemploi")
    moderation.button(key=f"accepter_{ident}").click()
    _relancer(moderation)
    assert any("Contribution acceptée" in s.value for s in moderation.success), _erreurs(moderation)

    at = _ouvrir("pages/structures.py", territoire=HAINAUT)
    assert _total(at) == avant + 1
    assert "Recyclerie du Hainaut" in _liste(at)
    # Its source is said with the others, with its count and licence.
    sources = next(c.value for c in at.caption if c.value.startswith("Sources : "))
    assert "vérifiées par un modérateur (mise à jour à chaque vérification, Licence Ouverte 2.0" in sources


def test_an_accepted_closed_report_hides_the_structure_and_undo_brings_it_back(depot):
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, signaler=CLE_OFFICIELLE)
    at.radio(key="signalement_motif").set_value(contributions.FERMEE)
    at.button(key="FormSubmitter:signalement_formulaire-Envoyer le signalement").click()
    _relancer(at)
    contributeur = _hainaut(depot)
    moderation = _moderation(contributeur.id)
    ident = int(_a_moderer(depot, contributeur).id.iloc[0])
    assert (
        moderation.button(key=f"accepter_{ident}").label
        == "Accepter le signalement (masque la structure ici)"
    )
    moderation.button(key=f"accepter_{ident}").click()
    _relancer(moderation)
    assert any("Contribution acceptée" in s.value for s in moderation.success), _erreurs(moderation)
    assert NOM_OFFICIEL not in _liste(_ouvrir("pages/structures.py", territoire=HAINAUT))

    lots = moderation.selectbox(key="lot_a_annuler_moderation").options
    assert lots
    moderation.selectbox(key="lot_a_annuler_moderation").set_value(
        contributions.actions(depot, contributeur, comptes.dans_referentiel(referentiel_de_l_app())).lot.iloc[
            0
        ]
    )
    moderation.button(key="annuler_moderation").click()
    _relancer(moderation)
    assert any("Action annulée" in s.value for s in moderation.success), _erreurs(moderation)
    assert NOM_OFFICIEL in _liste(_ouvrir("pages/structures.py", territoire=HAINAUT))


def test_a_refusal_needs_a_reason_and_publishes_nothing(depot):
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, proposer="1")
    _proposer(at)
    contributeur = _hainaut(depot)
    moderation = _moderation(contributeur.id)
    ident = int(_a_moderer(depot, contributeur).id.iloc[0])
    moderation.button(key=f"refuser_{ident}").click()
    _relancer(moderation)
    assert any("raison du refus" in e for e in _erreurs(moderation))
    moderation.text_input(key=f"refus_{ident}").set_value("Doublon d'une association connue.")
    moderation.button(key=f"refuser_{ident}").click()
    _relancer(moderation)
    assert any("Contribution refusée" in s.value for s in moderation.success), _erreurs(moderation)
    assert "Rien n'attend" in _textes(moderation)
    assert "Recyclerie du Hainaut" not in _liste(_ouvrir("pages/structures.py", territoire=HAINAUT))


def test_a_proposal_whose_siret_is_already_official_is_refused_with_a_pointer(depot):
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, proposer="1")
    _proposer(at, nom="Papillons Blancs", siret=CLE_OFFICIELLE)
    assert not at.success
    assert any("Signaler une erreur" in e for e in _erreurs(at)), _erreurs(at)


def test_a_proposal_the_official_list_has_since_is_compared_and_merged(depot):
    """Sent before the official list had its SIRET: the moderator sees both side by side, and merges."""
    envoi = contributions.proposer(
        depot,
        {
            "nom": "Papillons Blancs",
            "siret": CLE_OFFICIELLE,
            "commune": "59172",
            "lat": "50.3290",
            "lon": "3.3950",
            "famille": "association",
            "site_web": "https://papillons.example",
        },
        contributions.Emetteur("essai", "192.0.2.1"),
        contributions.communes_aux_points_de(referentiel_de_l_app()),
    )
    assert envoi.accepte, envoi.erreurs
    contributeur = _hainaut(depot)
    moderation = _moderation(contributeur.id)
    assert any("diffèrent : comparez-les" in w.value for w in moderation.warning)
    comparaison = moderation.dataframe[0].value.set_index("champ")
    assert comparaison.loc["Nom", "officiel"] == NOM_OFFICIEL
    assert comparaison.loc["Nom", "contribution"] == "Papillons Blancs"
    moderation.button(key=f"fusionner_{envoi.contribution_id}").click()
    _relancer(moderation)
    assert any("fusionnée" in s.value for s in moderation.success), _erreurs(moderation)
    # Official identity wins: the name stays, the structure is counted once.
    liste = _ouvrir("pages/structures.py", territoire=HAINAUT)
    assert NOM_OFFICIEL in _liste(liste)
    assert "Papillons Blancs" not in _liste(liste)


def test_a_proposal_repeating_an_official_structure_by_name_is_shown_beside_it_and_merged(depot):
    """No SIRET, the official name written otherwise, same commune: the moderator sees both and
    merges, and the structure is counted once (compared only by SIRET, it was published twice)."""
    envoi = contributions.proposer(
        depot,
        {"nom": "Assoc. Papillons-Blancs de Denain et environs", "commune": "59172", "lat": "50.3290",
         "lon": "3.3950", "famille": "association"},
        contributions.Emetteur("essai", "192.0.2.1"),
        contributions.communes_aux_points_de(referentiel_de_l_app()),
    )  # fmt: skip
    assert envoi.accepte, envoi.erreurs
    avant = _total(_ouvrir("pages/structures.py", territoire=HAINAUT))
    moderation = _moderation(_hainaut(depot).id)
    assert any("même nom dans la même commune" in w.value for w in moderation.warning)
    assert moderation.dataframe[0].value.set_index("champ").loc["Nom", "officiel"] == NOM_OFFICIEL
    fusion = moderation.button(key=f"fusionner_{envoi.contribution_id}")
    assert fusion.label.endswith("(même nom, même commune)")
    fusion.click()
    _relancer(moderation)
    assert any("fusionnée" in s.value for s in moderation.success), _erreurs(moderation)
    assert _total(_ouvrir("pages/structures.py", territoire=HAINAUT)) == avant


def test_a_same_name_proposal_with_another_siret_offers_no_merge(depot):
    """Same name in the same commune but another (valid) SIRET: two establishments; the page
    says why they cannot be merged instead of offering a button the store would refuse."""
    envoi = contributions.proposer(
        depot,
        {"nom": "Assoc. Papillons-Blancs de Denain et environs", "commune": "59172", "lat": "50.3290",
         "lon": "3.3950", "famille": "association", "siret": "73282932000074"},
        contributions.Emetteur("essai", "192.0.2.1"),
        contributions.communes_aux_points_de(referentiel_de_l_app()),
    )  # fmt: skip
    assert envoi.accepte, envoi.erreurs
    moderation = _moderation(_hainaut(depot).id)
    assert any("même nom dans la même commune" in w.value for w in moderation.warning)
    assert not [b for b in moderation.button if b.key == f"fusionner_{envoi.contribution_id}"]
    assert any("Fusion impossible" in c.value and "SIRET différents" in c.value for c in moderation.caption)


def test_a_moderator_hides_an_official_structure_with_a_reason(depot):
    contributeur = _hainaut(depot)
    moderation = _moderation(contributeur.id)
    moderation.text_input(key="masquer_cle").set_value(CLE_OFFICIELLE)
    _relancer(moderation)
    assert f"Structure : {NOM_OFFICIEL} — Denain" in _textes(moderation)
    moderation.button(key="masquer").click()
    _relancer(moderation)
    assert any("raison du masquage" in e for e in _erreurs(moderation))
    moderation.text_input(key="masquer_motif").set_value("Fermée depuis 2025.")
    moderation.button(key="masquer").click()
    _relancer(moderation)
    assert any("Structure masquée" in s.value for s in moderation.success), _erreurs(moderation)
    assert NOM_OFFICIEL not in _liste(_ouvrir("pages/structures.py", territoire=HAINAUT))


def test_typed_text_reads_as_typed_on_the_moderation_and_report_forms(depot):
    """Text typed by the public is escaped once where Markdown shows it (titles, buttons, captions)
    and not at all where Streamlit shows plain text (st.text, a select box's options): escaped
    twice, « Café *bio* » read « Café \\*bio\\* » with its backslashes."""
    nom = "Café *bio* & [lien](https://x.fr) $x$"
    envoi = contributions.proposer(
        depot,
        {"nom": nom, "commune": "59172", "lat": "50.3290", "lon": "3.3950", "famille": "association"},
        contributions.Emetteur("essai", "192.0.2.1"),
        contributions.communes_aux_points_de(referentiel_de_l_app()),
    )
    assert envoi.accepte, envoi.erreurs
    administrateur = comptes.creer(depot, "admin@exemple.fr", "administrateur", MOT_DE_PASSE)
    moderation = _moderation(administrateur.id)
    assert texte_brut(f"Proposition : {nom}") in [s.value for s in moderation.subheader]
    moderation.button(key=f"accepter_{envoi.contribution_id}").click()
    _relancer(moderation)
    options = moderation.selectbox(key="lot_a_annuler_moderation").options
    assert any(f"· {nom}) — {nom} (" in o for o in options), options
    assert not any("\\" in o for o in options)
    cle = f"{contributions.PREFIXE_CLE}{envoi.contribution_id}"
    moderation.text_input(key="masquer_cle").set_value(cle)
    _relancer(moderation)
    assert f"Structure : {nom} — Denain" in [t.value for t in moderation.text]
    # The report form of that structure names its key escaped once (« contribution\\:1 »).
    signalement = _ouvrir("pages/structures.py", territoire=HAINAUT, signaler=cle)
    assert any(c.value.startswith(f"Identifiant : {texte_brut(cle)} · ") for c in signalement.caption)


def test_only_an_administrator_exports_and_erases_a_persons_proposals(depot):
    at = _ouvrir("pages/structures.py", territoire=HAINAUT, proposer="1")
    _proposer(at, contact="Moi@Exemple.fr")
    assert "Données personnelles (RGPD)" not in [t.label for t in _moderation(_hainaut(depot).id).tabs]
    admin = comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    moderation = _moderation(admin.id)
    moderation.text_input(key="rgpd_contact").set_value(" moi@exemple.fr ")
    _relancer(moderation)
    assert "1 contribution" in _textes(moderation)
    assert "Exporter ses contributions (CSV)" in {b.label for b in moderation.get("download_button")}
    moderation.button(key="rgpd_effacer").click()
    _relancer(moderation)
    assert any("confirmation" in e for e in _erreurs(moderation))
    moderation.checkbox(key="rgpd_confirmer").check()
    moderation.button(key="rgpd_effacer").click()
    _relancer(moderation)
    assert any("1 contribution effacée" in s.value for s in moderation.success), _erreurs(moderation)
    assert contributions.a_moderer(depot, admin).empty


# Open data --------------------------------------------------------------------------------


def _envoyer(depot, nom: str, n: int) -> int:
    envoi = contributions.proposer(
        depot,
        {
            "nom": nom,
            "commune": "59172",
            "lat": "50.3290",
            "lon": "3.3950",
            "famille": "association",
            "contact": "secret.contact@exemple.fr",
        },
        contributions.Emetteur(f"essai-{n}", f"192.0.2.{n}"),
        contributions.communes_aux_points_de(referentiel_de_l_app()),
    )
    assert envoi.accepte, envoi.erreurs
    return envoi.contribution_id


def _fichiers_servis(monkeypatch) -> dict[str, list[bytes]]:
    """The open-data files the pages make, as they make them (the download buttons' bytes)."""
    servis: dict[str, list[bytes]] = {"csv": [], "geojson": []}
    for sorte, nom in (("csv", "csv_ouvert"), ("geojson", "geojson_ouvert")):
        fabriquer = getattr(contributions, nom)
        monkeypatch.setattr(
            contributions,
            nom,
            lambda tableau, f=fabriquer, s=sorte: servis[s].append(f(tableau)) or servis[s][-1],
        )
    st.cache_data.clear()  # files already made for an equal table would not be made again
    return servis


def test_accepted_contributions_are_open_data_on_both_pages_without_contact_or_pending(depot, monkeypatch):
    admin = comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    acceptee = _envoyer(depot, "Recyclerie ouverte", 1)
    _envoyer(depot, "Proposition en attente", 2)
    refusee = _envoyer(depot, "Proposition refusée", 3)
    contributions.accepter(depot, acceptee, admin)
    contributions.refuser(depot, refusee, admin, "Doublon.")
    servis = _fichiers_servis(monkeypatch)

    structures = _ouvrir("pages/structures.py", territoire=HAINAUT)
    boutons = {b.label: b for b in structures.get("download_button")}
    assert {"Contributions vérifiées (CSV)", "Contributions vérifiées (GeoJSON)"} <= set(boutons)
    # The apostrophe before a formula-like text is said, not silently added to open data.
    assert "apostrophe" in boutons["Contributions vérifiées (CSV)"].help
    assert contributions.LICENCE in _textes(structures)
    sources = _ouvrir("pages/sources.py")
    assert {"Contributions vérifiées (CSV)", "Contributions vérifiées (GeoJSON)"} <= {
        b.label for b in sources.get("download_button")
    }
    assert contributions.TITRE_JEU in [h.value for h in sources.header]
    ligne = next(d.value for d in sources.dataframe if "Structures publiées" in d.value.columns).iloc[0]
    assert ligne["Jeu de données"] == "Contributions vérifiées"
    assert ligne["Structures publiées"] == 1
    assert ligne["Licence"] == contributions.LICENCE
    assert ligne["Dernière modification (UTC)"] not in ("aucune encore", "inconnue")

    assert servis["csv"]
    assert servis["geojson"]
    for fichier in [*servis["csv"], *servis["geojson"]]:
        texte = fichier.decode("utf-8-sig")
        assert "Recyclerie ouverte" in texte
        assert contributions.LICENCE in texte
        for absent in ("secret.contact", "Proposition en attente", "Proposition refusée"):
            assert absent not in texte
    assert servis["csv"][-1].decode("utf-8-sig").splitlines()[0].startswith('"Identifiant";"Nom"')


def test_before_any_moderation_the_dataset_says_so(depot):
    sources = _ouvrir("pages/sources.py")
    ligne = next(d.value for d in sources.dataframe if "Structures publiées" in d.value.columns).iloc[0]
    assert ligne["Structures publiées"] == 0
    assert ligne["Dernière modification (UTC)"] == "aucune encore"


# Nothing listens on the discard port: the connection is refused at once.
INJOIGNABLE = "postgresql://ecrivain:secret@127.0.0.1:9/ess"


@pytest.mark.parametrize("page", ["pages/structures.py", "pages/sources.py"])
def test_open_data_out_of_reach_is_said_and_the_page_stands(monkeypatch, page):
    monkeypatch.setenv("DATABASE_URL", INJOIGNABLE)
    at = _ouvrir(page, territoire=HAINAUT)
    messages = [w.value for w in at.warning]
    assert any(
        m.startswith("Les contributions vérifiées ne peuvent pas être téléchargées") and "inaccessible" in m
        for m in messages
    ), messages
    assert not {"Contributions vérifiées (CSV)", "Contributions vérifiées (GeoJSON)"} & {
        b.label for b in at.get("download_button")
    }
    assert at.title[0].value in ("Structures de l'ESS", "Sources des données")
    assert not any("127.0.0.1" in str(e.value) for e in at.main if hasattr(e, "value"))
    if page == "pages/structures.py":
        assert _total(at) > 0  # the official register still shows
