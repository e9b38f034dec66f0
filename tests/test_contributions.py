"""The public's proposals and reports, their moderation, and their way into the register (issue 31).

Small frames and a fresh store per test (SQLite; PostgreSQL too when ESS_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from geo.base import comptes, contributions, store
from geo.base.comptes import Utilisateur
from geo.base.contributions import Emetteur
from geo.donnees import structures
from geo.territoires.referentiel import TerritoireId

ADMIN = Utilisateur(1, "admin@exemple.fr", None, comptes.ADMINISTRATEUR)
# A contributor of Porte du Hainaut (EPCI 200042190: Abscon 59002, Bellaing 59064).
ELUE = Utilisateur(
    2, "elue@porteduhainaut.fr", None, comptes.CONTRIBUTEUR, territoires=frozenset({"epci:200042190"})
)
# A contributor of another EPCI.
AUTRE = Utilisateur(
    3, "autre@ailleurs.fr", None, comptes.CONTRIBUTEUR, territoires=frozenset({"epci:200000000"})
)
PARENTS = {"commune:59002": {"epci:200042190"}, "commune:59064": {"epci:200042190"}}


def dans(territoire: str, perimetre: str) -> bool:
    return territoire == perimetre or perimetre in PARENTS.get(territoire, set())


def communes_fictives(lon: float, lat: float) -> str | None:
    """Abscon west of 3.35, Bellaing east of it, the sea north of 51."""
    if lat > 51:
        return None
    return "59002" if lon < 3.35 else "59064"


SIRET_VALIDE = "73282932000074"  # Luhn holds
SIRET_OFFICIEL = "35600000000048"  # La Poste's rule; any valid one will do


def valeurs(**changes) -> dict:
    base = {
        "nom": "Ressourcerie du Hainaut",
        "commune": "59002",
        "lon": "3,30",
        "lat": "50.33",
        "famille": "association",
        "activite": "Réemploi",
        "site_web": "https://ressourcerie.example.org",
        "description": "Collecte et revente d'objets.",
        "contact": "benevole@example.org",
    }
    return {**base, **changes}


def emetteur(n: int = 1, session: str | None = None) -> Emetteur:
    return Emetteur(session or f"session-{n}", f"192.0.2.{n}")


def proposer(depot, instant=None, n: int = 1, **changes):
    return contributions.proposer(depot, valeurs(**changes), emetteur(n), communes_fictives, instant=instant)


def registre_officiel() -> pd.DataFrame:
    lignes = pd.DataFrame(
        {
            "cle": [SIRET_OFFICIEL, "73282932000082"],
            "siret": [SIRET_OFFICIEL, "73282932000082"],
            "siren": [SIRET_OFFICIEL[:9], "732829320"],
            "nom": ["BOUTIQUE SOLIDAIRE", "ESAT DES PRES"],
            "famille": [pd.NA, "ESAT"],
            "forme_juridique": ["Association déclarée", pd.NA],
            "activite": [pd.NA, "Travail protégé"],
            "commune": ["59002", "59064"],
            "lon": [3.29, 3.40],
            "lat": [50.33, 50.34],
            "precision": ["centroïde de la commune", "adresse"],
            "sources": ["siae_2021", "esat_finess"],
            "millesimes": ["siae_2021 : Début 2021", "esat_finess : 2024"],
        }
    )
    typage = {
        c: "string" for c in structures.COLONNES if c not in ("lon", "lat", "emplois_estimes", "capacite")
    }
    return lignes.reindex(columns=structures.COLONNES).astype(
        {**typage, "lon": "Float64", "lat": "Float64", "capacite": "Int64", "emplois_estimes": "float64"}
    )


def registre_avec(depot) -> pd.DataFrame:
    return structures.avec_contributions(
        registre_officiel(), contributions.acceptees(depot), contributions.cles_masquees(depot)
    )


# The form's checks -----------------------------------------------------------------------------


def test_a_valid_proposal_waits_and_is_stored_clean(depot):
    envoi = proposer(depot)
    assert envoi.accepte
    assert envoi.erreurs == {}
    tableau = contributions.a_moderer(depot, ADMIN)
    assert tableau.statut.tolist() == ["en attente"]
    assert tableau.lon.iloc[0] == pytest.approx(3.30)  # « 3,30 » read with a French comma
    assert tableau.contact.iloc[0] == "benevole@example.org"


@pytest.mark.parametrize(
    ("champ", "valeur", "attendu"),
    [
        ("nom", "<script>alert(1)</script>", "balises HTML"),
        ("nom", "", "à remplir"),
        ("description", "x" * 10_000, "1\u202f000 caractères au plus (10\u202f000 saisis)"),
        ("nom", "R" * 151, "150 caractères au plus"),
        ("siret", "73282932000075", "clé de contrôle est fausse"),
        ("siret", "1234", "14 chiffres attendus"),
        ("famille", "club de foot", "Famille inconnue"),
        ("site_web", "javascript:alert(1)", "balises HTML"),
        ("site_web", "ressourcerie", "https://"),
        ("contact", "appelez-moi", "courriel"),
        ("lat", "nord", "Latitude illisible"),
        # Passes the key (all zeros), but no SIREN is 000 000 000: a filler typed for « I don't know ».
        ("siret", "000 000 000 00000", "Laissez le champ vide"),
    ],
)
def test_each_refused_field_gets_its_own_french_message_and_nothing_is_stored(depot, champ, valeur, attendu):
    envoi = proposer(depot, **{champ: valeur})
    assert not envoi.accepte
    assert attendu in envoi.erreurs[champ]
    assert contributions.a_moderer(depot, ADMIN).empty


def test_a_point_at_sea_or_in_another_commune_is_refused(depot, referentiel):
    lieux = contributions.communes_aux_points_de(referentiel)
    en_mer = contributions.proposer(depot, valeurs(lon="2.0", lat="51.3"), emetteur(), lieux)
    assert "en mer" in en_mer.erreurs["lieu"]
    # A point of Abscon said to be in Bellaing.
    ailleurs = contributions.proposer(
        depot, valeurs(commune="59064", lon="3.2953", lat="50.3295"), emetteur(), lieux
    )
    assert "autre commune (code 59002)" in ailleurs.erreurs["lieu"]
    bon = contributions.proposer(depot, valeurs(lon="3.2953", lat="50.3295"), emetteur(), lieux)
    assert bon.accepte
    assert len(contributions.a_moderer(depot, ADMIN)) == 1


def test_a_siret_already_in_the_register_points_to_the_report_form(depot):
    connus = {SIRET_OFFICIEL}
    envoi = contributions.proposer(
        depot, valeurs(siret=SIRET_OFFICIEL), emetteur(), communes_fictives, connus.__contains__
    )
    assert "Signaler une erreur" in envoi.erreurs["siret"]
    autre = contributions.proposer(
        depot, valeurs(siret="732 829 320 00074"), emetteur(), communes_fictives, connus.__contains__
    )
    assert autre.accepte
    assert autre.valeurs["siret"] == SIRET_VALIDE


def test_the_honeypot_refuses_and_stores_nothing(depot):
    envoi = proposer(depot, **{contributions.CHAMP_PIEGE: "http://spam.example"})
    assert contributions.LIBELLE_CHAMP_PIEGE in envoi.erreurs["envoi"]
    assert contributions.a_moderer(depot, ADMIN).empty


@pytest.mark.parametrize(
    "changes",
    [
        {"description": "73282932000074, 73282932000082, 35600000000048"},
        {"description": "https://a.example https://b.example https://c.example"},
        {"nom": "Ressourcerie A; Ressourcerie B; Ressourcerie C"},
    ],
)
def test_a_list_of_structures_in_one_form_is_refused(depot, changes):
    envoi = proposer(depot, **changes)
    assert "Une seule structure par envoi" in envoi.erreurs["envoi"]
    assert contributions.a_moderer(depot, ADMIN).empty


def test_fifty_proposals_in_a_minute_from_one_address_are_cut_by_the_rate_limit(depot):
    instant = dt.datetime(2026, 12, 7, 10, 0)
    envois = [
        contributions.proposer(
            depot,
            valeurs(nom=f"Structure {i}"),
            Emetteur(f"session-{i}", "198.51.100.7"),
            communes_fictives,
            instant=instant + dt.timedelta(seconds=i),
        )
        for i in range(50)
    ]
    gardes = [e for e in envois if e.accepte]
    limite = contributions.LIMITES["adresse"][0].nombre
    assert len(gardes) == limite
    assert all("Trop d'envois" in e.erreurs["envoi"] for e in envois[limite:])
    # Another address is not held back by the first one.
    autre = contributions.proposer(
        depot, valeurs(nom="Autre"), Emetteur("s", "198.51.100.8"), communes_fictives, instant=instant
    )
    assert autre.accepte


def test_one_browser_session_is_limited_whatever_its_addresses(depot):
    instant = dt.datetime(2026, 12, 7, 10, 0)
    envois = [
        contributions.proposer(
            depot,
            valeurs(nom=f"S {i}"),
            Emetteur("la-meme", f"203.0.113.{i}"),
            communes_fictives,
            instant=instant,
        )
        for i in range(8)
    ]
    assert sum(e.accepte for e in envois) == contributions.LIMITES["session"][0].nombre


def test_an_address_may_only_have_so_many_pending(depot):
    debut = dt.datetime(2026, 12, 7, 0, 0)
    resultats = [
        contributions.proposer(
            depot,
            valeurs(nom=f"Structure {i}"),
            Emetteur(f"s{i}", "198.51.100.9"),
            communes_fictives,
            instant=debut + dt.timedelta(hours=2 * i),
        )
        for i in range(contributions.EN_ATTENTE_MAX_PAR_ADRESSE + 1)
    ]
    assert all(r.accepte for r in resultats[:-1])
    assert "en attente" in resultats[-1].erreurs["envoi"]


# When the server does not see the sender's address: one shared bucket, said as such ----------


def _proposer_de(depot, session: str, adresse: str | None, instant: dt.datetime, nom: str):
    return contributions.proposer(
        depot, valeurs(nom=nom), Emetteur(session, adresse), communes_fictives, instant=instant
    )


def test_unknown_addresses_share_one_limit_and_the_refusal_says_so(depot):
    """A robot opening a new session for each send from an unknown address is held as before
    (the address's limit), and the person refused learns that the limit is shared."""
    instant = dt.datetime(2026, 12, 7, 10, 0)
    envois = [
        _proposer_de(
            depot, f"session-{i}", (None, "", "  ")[i % 3], instant + dt.timedelta(seconds=i), f"S {i}"
        )
        for i in range(50)
    ]
    limite = contributions.LIMITES["adresse"][0].nombre
    assert sum(e.accepte for e in envois) == limite
    for refus in envois[limite:]:
        assert refus.erreurs["envoi"] == contributions.MESSAGE_TROP_D_ENVOIS_PARTAGES
    assert "ne voit pas l'adresse réseau" in contributions.MESSAGE_TROP_D_ENVOIS_PARTAGES
    assert "partagent une même limite" in contributions.MESSAGE_TROP_D_ENVOIS_PARTAGES
    # A known address is counted apart, and its refusal does not speak of sharing.
    assert _proposer_de(depot, "s", "198.51.100.8", instant, "Autre").accepte


def test_one_session_over_its_own_limit_does_not_use_up_the_shared_one(depot):
    """Behind one address (or none known), a browser that keeps sending past its own limit stays
    held back, and the others still have what they share."""
    instant = dt.datetime(2026, 12, 7, 10, 0)
    par_session = contributions.LIMITES["session"][0].nombre
    for adresse in (None, "198.51.100.20"):
        envois = [
            _proposer_de(depot, f"insistant-{adresse}", adresse, instant, f"I {adresse} {i}")
            for i in range(30)
        ]
        assert sum(e.accepte for e in envois) == par_session
        assert all(e.erreurs["envoi"] == contributions.MESSAGE_TROP_D_ENVOIS for e in envois[par_session:])
        # Another browser at the same address: the address's count holds only the sends its
        # limit let through (5 of its 10 a minute), not the 25 the session's own limit refused.
        voisin = _proposer_de(depot, f"voisin-{adresse}", adresse, instant, f"Voisin {adresse}")
        assert voisin.accepte, voisin.erreurs


def test_unknown_addresses_share_the_pending_cap_and_the_refusal_says_so(depot):
    debut = dt.datetime(2026, 12, 7, 0, 0)
    resultats = [
        _proposer_de(depot, f"s{i}", None, debut + dt.timedelta(hours=2 * i), f"Structure {i}")
        for i in range(contributions.EN_ATTENTE_MAX_PAR_ADRESSE + 1)
    ]
    assert all(r.accepte for r in resultats[:-1])
    assert resultats[-1].erreurs["envoi"] == contributions.MESSAGE_TROP_EN_ATTENTE_PARTAGES
    # A known address has its own cap.
    assert _proposer_de(depot, "s", "198.51.100.30", debut + dt.timedelta(days=3), "Connue").accepte


def test_the_operator_is_told_once_that_addresses_are_unknown(depot, caplog):
    contributions._signaler_adresse_inconnue.cache_clear()
    instant = dt.datetime(2026, 12, 7, 10, 0)
    with caplog.at_level("WARNING", logger="geo.base.contributions"):
        _proposer_de(depot, "connue", "198.51.100.40", instant, "Connue")
        assert not caplog.records
        for i in range(3):
            _proposer_de(depot, f"s{i}", None, instant, f"Inconnue {i}")
    assert [r.getMessage() for r in caplog.records] == [contributions.CONSIGNE_ADRESSE_INCONNUE]
    assert "X-Forwarded-For" in caplog.records[0].getMessage()


def test_the_same_structure_pending_twice_is_refused(depot):
    assert proposer(depot, n=1).accepte
    deuxieme = proposer(depot, n=2, nom="ressourcerie du  HAINAUT")
    assert "déjà été proposée" in deuxieme.erreurs["envoi"]


def test_invisible_and_terminal_control_characters_are_taken_out(depot):
    """A zero-width space made a second « Ressourcerie du Hainaut » look the same and pass the
    pending duplicate check; a C1 « \\x9b » (a terminal's CSI) reached ess-moderation's output."""
    assert proposer(depot).accepte
    double = proposer(depot, n=2, nom="Ressourcerie\u200b du\ufeff Hainaut")
    assert "déjà été proposée" in double.erreurs["envoi"]
    envoi = proposer(depot, n=3, nom="Épicerie\u2060 solidaire", activite="Vente\x9b2J en vrac\u200d")
    assert envoi.accepte
    ligne = contributions.a_moderer(depot, ADMIN).set_index("id").loc[envoi.contribution_id]
    assert (ligne.nom, ligne.activite) == ("Épicerie solidaire", "Vente2J en vrac")


def test_the_network_address_is_never_stored_only_a_keyed_hash(depot):
    assert proposer(depot, n=42).accepte
    with depot.engine.connect() as connexion:
        lignes = [
            *connexion.execute(sa.text("SELECT * FROM contribution")),
            *connexion.execute(sa.text("SELECT * FROM envoi_contribution")),
        ]
    texte = " ".join(str(ligne) for ligne in lignes)
    assert "192.0.2.42" not in texte
    assert "session-42" not in texte
    assert contributions.empreinte(depot, "192.0.2.42") in texte


# Nothing pending is public; moderation -----------------------------------------------------------


def test_nothing_pending_reaches_the_register_until_accepted(depot):
    envoi = proposer(depot)
    assert contributions.acceptees(depot).empty
    assert len(registre_avec(depot)) == 2
    assert contributions.publiees(depot).empty
    contributions.accepter(depot, envoi.contribution_id, ELUE, {"activite": "Réemploi solidaire"}, dans=dans)
    registre = registre_avec(depot)
    ligne = registre[registre.cle == f"contribution:{envoi.contribution_id}"].iloc[0]
    assert ligne.nom == "Ressourcerie du Hainaut"
    assert ligne.activite == "Réemploi solidaire"
    assert ligne.sources == structures.SOURCE_CONTRIBUTION
    assert "vérifiée le" in ligne.millesimes
    assert "un contributeur du territoire" in ligne.millesimes
    bloc = structures.resume(registre)
    assert bloc["total"] == 3
    assert bloc["par_famille"]["association"] == 1
    contribution = next(s for s in bloc["sources"] if s["id"] == structures.SOURCE_CONTRIBUTION)
    assert contribution["structures"] == 1
    assert contribution["licence"] == contributions.LICENCE
    assert (
        "Contribution vérifiée"
        in structures.tableau_export(registre, pd.Series(dtype="string")).sources.iloc[-1]
    )


def test_a_contributor_moderates_only_their_territories_an_administrator_everywhere(depot):
    envoi = proposer(depot)
    assert contributions.a_moderer(depot, AUTRE, dans).empty
    assert len(contributions.a_moderer(depot, ELUE, dans)) == 1
    with pytest.raises(contributions.ModerationImpossible, match="ne relève pas"):
        contributions.accepter(depot, envoi.contribution_id, AUTRE, dans=dans)
    assert contributions.acceptees(depot).empty
    contributions.accepter(depot, envoi.contribution_id, ADMIN)
    assert len(contributions.acceptees(depot)) == 1


def test_a_ptce_contributor_moderates_inside_the_ptce_perimeter(depot):
    with depot.session() as session:
        ptce = store.PTCE(nom="ALISS", perimetre="epci:200042190", source="saisie")
        session.add(ptce)
        session.flush()
        ptce_id = ptce.id
    animatrice = Utilisateur(
        4, "animatrice@aliss.fr", None, comptes.CONTRIBUTEUR, ptce_ids=frozenset({ptce_id})
    )
    with depot.session() as session:
        ailleurs = store.PTCE(nom="Ailleurs", perimetre="epci:200000000", source="saisie")
        session.add(ailleurs)
        session.flush()
        ailleurs_id = ailleurs.id
    voisin = Utilisateur(
        5, "voisin@ailleurs.fr", None, comptes.CONTRIBUTEUR, ptce_ids=frozenset({ailleurs_id})
    )
    envoi = proposer(depot)
    with pytest.raises(contributions.ModerationImpossible, match="ne relève pas"):
        contributions.accepter(depot, envoi.contribution_id, voisin, dans=dans)
    contributions.accepter(depot, envoi.contribution_id, animatrice, dans=dans)
    assert len(contributions.acceptees(depot)) == 1


def test_a_refusal_keeps_its_reason_in_the_journal_only(depot):
    envoi = proposer(depot)
    contributions.refuser(depot, envoi.contribution_id, ELUE, "Structure fictive", dans=dans)
    assert contributions.acceptees(depot).empty
    with depot.engine.connect() as connexion:
        lignes = connexion.execute(sa.text("SELECT * FROM contribution")).mappings().all()
        details = connexion.scalars(sa.text("SELECT detail FROM journal")).all()
    assert "Structure fictive" not in json.dumps([dict(ligne) for ligne in lignes], default=str)
    assert any("Structure fictive" in d for d in details)


def test_accepting_with_edits_checks_them_as_the_form(depot):
    envoi = proposer(depot)
    with pytest.raises(contributions.ModerationImpossible, match="en mer"):
        contributions.accepter(
            depot,
            envoi.contribution_id,
            ADMIN,
            {"lon": 2.0, "lat": 51.3, "commune": "59002"},
            communes_fictives,
        )
    with pytest.raises(contributions.ModerationImpossible, match="balises"):
        contributions.accepter(depot, envoi.contribution_id, ADMIN, {"nom": "<b>gras</b>"})
    assert contributions.acceptees(depot).empty


def test_the_journal_names_only_the_fields_the_moderator_changed(depot):
    """The Modération page sends every editable field back: the journal says « modifiée » only for
    what differs from the proposal (it said « modifiée (Activité, Adresse, …) » for an acceptance
    as proposed)."""
    tel_quel, corrige = proposer(depot), proposer(depot, n=2, nom="Autre ressourcerie")
    renvoyes = {"nom": "Ressourcerie du Hainaut", "famille": "association", "activite": "Réemploi",
                "adresse": "", "site_web": "https://ressourcerie.example.org",
                "description": "Collecte et revente d'objets."}  # fmt: skip
    contributions.accepter(depot, tel_quel.contribution_id, ADMIN, renvoyes)
    contributions.accepter(
        depot,
        corrige.contribution_id,
        ADMIN,
        renvoyes | {"nom": "Autre ressourcerie", "activite": "Réemploi et couture"},
    )
    details = contributions.actions(depot, ADMIN).set_index("structure").action
    assert (
        details["Ressourcerie du Hainaut"]
        == "modération : acceptation de la proposition (n° 1 · Ressourcerie du Hainaut)"
    )
    assert details["Autre ressourcerie"] == (
        "modération : acceptation de la proposition modifiée (Activité) (n° 2 · Autre ressourcerie)"
    )
    assert set(contributions.acceptees(depot).activite) == {"Réemploi", "Réemploi et couture"}


def test_a_merge_completes_the_official_structure_whose_identity_wins(depot):
    envoi = proposer(depot, nom="Boutique solidaire de la gare", siret=None)
    contributions.fusionner(
        depot,
        envoi.contribution_id,
        SIRET_OFFICIEL,
        ELUE,
        siret_cible=SIRET_OFFICIEL,
        dans=dans,
        commune_cible="59002",
    )
    registre = registre_avec(depot)
    assert len(registre) == 2  # no new structure
    ligne = registre[registre.cle == SIRET_OFFICIEL].iloc[0]
    assert ligne.nom == "BOUTIQUE SOLIDAIRE"  # official name kept
    assert ligne.forme_juridique == "Association déclarée"
    assert ligne.activite == "Réemploi"
    assert ligne.famille == "association"
    assert ligne.precision == "adresse"
    assert ligne.lon == pytest.approx(3.30)
    assert ligne.sources == f"siae_2021, {structures.SOURCE_CONTRIBUTION}"


def test_a_merge_with_another_siret_is_refused(depot):
    envoi = proposer(depot, siret=SIRET_VALIDE)
    with pytest.raises(contributions.ModerationImpossible, match="SIRET différents"):
        contributions.fusionner(
            depot, envoi.contribution_id, SIRET_OFFICIEL, ADMIN, siret_cible=SIRET_OFFICIEL
        )


def test_an_accepted_proposal_with_a_registered_siret_only_adds_what_is_missing(depot):
    envoi = proposer(depot, siret="73282932000082", famille="SIAE", activite="Autre chose")
    contributions.accepter(depot, envoi.contribution_id, ADMIN)
    ligne = registre_avec(depot).set_index("cle").loc["73282932000082"]
    assert ligne.nom == "ESAT DES PRES"
    assert ligne.famille == "ESAT"
    assert ligne.activite == "Travail protégé"
    assert ligne.lon == pytest.approx(3.40)  # an official address is not moved


def test_comparison_side_by_side_says_what_differs_and_what_is_kept(depot):
    officielle = contributions.correspondante({"siret": SIRET_OFFICIEL}, registre_officiel())
    assert officielle["nom"] == "BOUTIQUE SOLIDAIRE"
    assert (
        contributions.correspondante({"cle_cible": "73282932000082"}, registre_officiel())["nom"]
        == "ESAT DES PRES"
    )
    assert contributions.correspondante({"siret": SIRET_VALIDE}, registre_officiel()) is None
    comparaison = contributions.comparer(valeurs(nom="Boutique de la gare"), officielle).set_index("champ")
    assert comparaison.loc["Nom", "retenu"] == "BOUTIQUE SOLIDAIRE"
    assert comparaison.loc["Nom", "différent"] == "oui"
    assert comparaison.loc["Activité", "retenu"] == "Réemploi"
    assert comparaison.loc["Famille", "officiel"] == "—"
    assert "None" not in comparaison.to_string()
    assert "nan" not in comparaison.to_string()


def test_a_proposal_repeating_a_registered_structure_without_its_siret_is_matched_by_name(depot):
    """Without a SIRET a proposal of a structure already in the register went unnoticed to the
    moderator (compared only by SIRET) and, once accepted, counted twice."""
    registre = registre_officiel()
    for nom in ("Boutique solidaire", "BOUTIQUE-SOLIDAIRE", "boutique  solidaire."):
        trouvee = contributions.correspondante(
            {"genre": "proposition", "nom": nom, "commune": "59002", "siret": None}, registre
        )
        assert trouvee is not None, nom
        assert trouvee["cle"] == SIRET_OFFICIEL
    for autre in ({"nom": "Boutique solidaire", "commune": "59064"}, {"nom": "Boutique", "commune": "59002"}):
        assert contributions.correspondante({"genre": "proposition", **autre}, registre) is None
    # A report is about its own structure only.
    assert contributions.correspondante({"genre": "signalement", "nom": "Boutique solidaire",
                                          "commune": "59002"}, registre) is None  # fmt: skip


# Reports, hiding, undo ------------------------------------------------------------------------


def signaler(depot, motif="fermée", cle=SIRET_OFFICIEL, commune="59002", **autres):
    return contributions.signaler(
        depot, cle, commune, "BOUTIQUE SOLIDAIRE", {"motif": motif, **autres}, emetteur(7)
    )


def test_a_closed_report_once_accepted_hides_the_structure_and_undo_brings_it_back(depot):
    officiel = registre_officiel()
    envoi = signaler(depot, commentaire="Fermée depuis 2025")
    assert envoi.accepte
    assert SIRET_OFFICIEL in set(registre_avec(depot).cle)  # pending: nothing changes
    lot = contributions.accepter(depot, envoi.contribution_id, ELUE, dans=dans)
    assert SIRET_OFFICIEL not in set(registre_avec(depot).cle)
    assert "fermée" in contributions.cles_masquees(depot)[SIRET_OFFICIEL]
    pd.testing.assert_frame_equal(officiel, registre_officiel())  # official data untouched
    contributions.annuler(depot, lot, ELUE, dans=dans)
    assert SIRET_OFFICIEL in set(registre_avec(depot).cle)
    assert contributions.a_moderer(depot, ADMIN).statut.tolist() == ["en attente"]


def test_a_proposal_accepted_with_the_siret_of_a_hidden_structure_is_published(depot):
    """Hidden as closed, then proposed again (reopened) with its SIRET, which the form allows since
    the register no longer shows it: accepted, it completed the hidden row and vanished with it."""
    contributions.masquer(depot, SIRET_OFFICIEL, "59002", "Fermée en 2024", ADMIN)
    envoi = proposer(depot, nom="Boutique solidaire (réouverte)", siret=SIRET_OFFICIEL)
    contributions.accepter(depot, envoi.contribution_id, ADMIN)
    registre = registre_avec(depot).set_index("cle")
    assert SIRET_OFFICIEL not in registre.index  # the official row stays hidden
    ligne = registre.loc[f"contribution:{envoi.contribution_id}"]
    assert (ligne.nom, ligne.siret) == ("Boutique solidaire (réouverte)", SIRET_OFFICIEL)


def test_a_report_on_a_contributed_structure_hides_it_too(depot):
    envoi = proposer(depot)
    contributions.accepter(depot, envoi.contribution_id, ADMIN)
    cle = f"contribution:{envoi.contribution_id}"
    rapport = signaler(depot, motif="hors_ess", cle=cle)
    contributions.accepter(depot, rapport.contribution_id, ADMIN)
    assert cle not in set(registre_avec(depot).cle)
    assert contributions.publiees(depot).empty


def test_a_moved_report_applies_the_moderators_correction(depot):
    envoi = signaler(depot, motif="a déménagé", cle="73282932000082", commune="59064")
    with pytest.raises(contributions.ModerationImpossible, match="correction"):
        contributions.accepter(depot, envoi.contribution_id, ADMIN)
    contributions.accepter(
        depot, envoi.contribution_id, ADMIN, {"commune": "59002", "lon": 3.3, "lat": 50.3}, communes_fictives
    )
    ligne = registre_avec(depot).set_index("cle").loc["73282932000082"]
    assert (ligne.commune, ligne.lon) == ("59002", pytest.approx(3.3))
    assert ligne.nom == "ESAT DES PRES"


def test_report_reasons_and_messages(depot):
    assert list(contributions.MOTIFS_SIGNALEMENT.values()) == [
        "fermée",
        "a déménagé",
        "mauvaise famille",
        "ne relève pas de l'ESS",
        "autre",
    ]
    assert "dites ce qui est faux" in signaler(depot, motif="autre").erreurs["commentaire"]
    assert "Motif" in signaler(depot, motif="vendu").erreurs["motif"]
    assert signaler(depot).accepte
    assert "déjà été signalée" in signaler(depot).erreurs["envoi"]


def test_hiding_directly_is_scoped_and_undoable(depot):
    with pytest.raises(contributions.ModerationImpossible, match="ne relève pas"):
        contributions.masquer(depot, SIRET_OFFICIEL, "59002", "Fermée en 2025", AUTRE, dans=dans)
    lot = contributions.masquer(depot, SIRET_OFFICIEL, "59002", "Fermée en 2025", ELUE, dans=dans)
    assert SIRET_OFFICIEL not in set(registre_avec(depot).cle)
    with pytest.raises(contributions.ModerationImpossible, match="hors de vos"):
        contributions.annuler(depot, lot, AUTRE, dans=dans)
    contributions.annuler(depot, lot, ELUE, dans=dans)
    assert SIRET_OFFICIEL in set(registre_avec(depot).cle)


def test_undo_of_an_acceptance_twice_or_under_a_later_action_is_refused(depot):
    envoi = proposer(depot)
    lot = contributions.accepter(depot, envoi.contribution_id, ADMIN)
    annulation = contributions.annuler(depot, lot, ADMIN)
    assert contributions.acceptees(depot).empty
    with pytest.raises(contributions.ModerationImpossible, match="déjà été annulée"):
        contributions.annuler(depot, lot, ADMIN)
    # Accepted again, then undoing the first undo would overwrite that newer decision.
    contributions.accepter(depot, envoi.contribution_id, ADMIN)
    with pytest.raises(contributions.ModerationImpossible, match="plus récente"):
        contributions.annuler(depot, annulation, ADMIN)
    actions = contributions.actions(depot, ADMIN)
    assert actions.annulée.tolist().count("oui") == 1
    assert len(actions) == 3


def test_the_journal_never_holds_a_contact(depot):
    envoi = proposer(depot)
    lot = contributions.accepter(depot, envoi.contribution_id, ADMIN)
    contributions.annuler(depot, lot, ADMIN)
    with depot.engine.connect() as connexion:
        journal = " ".join(
            str(r) for r in connexion.execute(sa.text("SELECT avant, apres, detail FROM journal"))
        )
    assert "benevole@example.org" not in journal
    assert "Ressourcerie" in journal


def test_a_read_only_mirror_stores_no_send_and_takes_no_moderation(depot, monkeypatch):
    """ESS_LECTURE_SEULE switches every write off: the public's sends too (not even the rate limit's
    record), and every moderation action, each with the French message."""
    envoi = proposer(depot)
    monkeypatch.setenv("ESS_LECTURE_SEULE", "1")
    for refus in (proposer(depot, n=2, nom="Autre recyclerie"), signaler(depot)):
        assert refus.erreurs == {"envoi": comptes.MESSAGE_LECTURE_SEULE}
    with depot.engine.connect() as connexion:
        assert connexion.scalar(sa.text("SELECT count(*) FROM contribution")) == 1
        assert connexion.scalar(sa.text("SELECT count(*) FROM envoi_contribution")) == 1
    actions = (
        lambda: contributions.accepter(depot, envoi.contribution_id, ADMIN),
        lambda: contributions.refuser(depot, envoi.contribution_id, ADMIN, "Doublon"),
        lambda: contributions.fusionner(depot, envoi.contribution_id, SIRET_OFFICIEL, ADMIN),
        lambda: contributions.masquer(depot, SIRET_OFFICIEL, "59002", "Fermée", ADMIN),
        lambda: contributions.effacer_personne(depot, "benevole@example.org", ADMIN),
    )
    for action in actions:
        with pytest.raises(contributions.ModerationImpossible, match="lecture seule"):
            action()
    monkeypatch.delenv("ESS_LECTURE_SEULE")
    lot = contributions.accepter(depot, envoi.contribution_id, ADMIN)
    monkeypatch.setenv("ESS_LECTURE_SEULE", "1")
    with pytest.raises(contributions.ModerationImpossible, match="lecture seule"):
        contributions.annuler(depot, lot, ADMIN)
    assert contributions.a_moderer(depot, ADMIN, statuts=contributions.STATUTS).statut.tolist() == [
        "acceptée"
    ]


def communes_avec_ailleurs(lon: float, lat: float) -> str | None:
    """As communes_fictives, and Paris (75056, outside Porte du Hainaut) east of 4."""
    return "75056" if lon > 4 else communes_fictives(lon, lat)


def test_a_contributor_cannot_move_a_structure_out_of_their_territories(depot):
    """Accepting a correction or a proposal with a new place: the new commune must be theirs too,
    else a contributor of one EPCI would put structures into another's counts."""
    rapport = signaler(depot, motif="a déménagé", cle="73282932000082", commune="59064")
    ailleurs = {"commune": "75056", "lon": 4.5, "lat": 50.3}
    with pytest.raises(contributions.ModerationImpossible, match="ne relève pas de vos"):
        contributions.accepter(depot, rapport.contribution_id, ELUE, ailleurs, communes_avec_ailleurs, dans)
    envoi = proposer(depot)
    with pytest.raises(contributions.ModerationImpossible, match="ne relève pas de vos"):
        contributions.accepter(depot, envoi.contribution_id, ELUE, ailleurs, communes_avec_ailleurs, dans)
    assert contributions.acceptees(depot).empty
    # Inside their territories, and for an administrator anywhere, it goes through.
    chez_elle = {"commune": "59002", "lon": 3.3, "lat": 50.3}
    contributions.accepter(depot, rapport.contribution_id, ELUE, chez_elle, communes_avec_ailleurs, dans)
    contributions.accepter(depot, envoi.contribution_id, ADMIN, ailleurs, communes_avec_ailleurs)
    assert set(contributions.acceptees(depot).commune) == {"59002", "75056"}


def test_a_contributor_merges_only_into_a_structure_of_their_territories(depot):
    """A merge completes (and may place) the target structure: the target must lie in the
    moderator's perimeter too, and a contributor must say where it is."""
    envoi = proposer(depot, siret=None)
    for commune_cible in ("75056", None):
        with pytest.raises(contributions.ModerationImpossible, match="ne relève pas de vos"):
            contributions.fusionner(
                depot, envoi.contribution_id, "75056123400018", ELUE, dans=dans, commune_cible=commune_cible
            )
    assert contributions.acceptees(depot).empty
    contributions.fusionner(
        depot, envoi.contribution_id, SIRET_OFFICIEL, ELUE, dans=dans, commune_cible="59002"
    )
    assert contributions.acceptees(depot).cle_cible.tolist() == [SIRET_OFFICIEL]


def test_undo_is_refused_when_the_action_moved_a_structure_out_of_the_perimeter(depot):
    """An administrator moved a structure from Porte du Hainaut to Paris: a contributor of the EPCI
    may not undo it (it would change Paris's counts), whichever commune the journal names first."""
    rapport = signaler(depot, motif="a déménagé", cle="73282932000082", commune="59064")
    lot = contributions.accepter(
        depot,
        rapport.contribution_id,
        ADMIN,
        {"commune": "75056", "lon": 4.5, "lat": 50.3},
        communes_avec_ailleurs,
    )
    with pytest.raises(contributions.ModerationImpossible, match="hors de vos"):
        contributions.annuler(depot, lot, ELUE, dans=dans)
    contributions.annuler(depot, lot, ADMIN)


# Several processes ---------------------------------------------------------------------------


def test_a_proposal_made_through_one_connection_is_moderated_through_another(depot):
    autre = store.Depot(depot.engine.url.render_as_string(hide_password=False))
    try:
        avant, signature = autre.compteur(), depot.signature()
        envoi = proposer(depot)
        assert (autre.compteur(), autre.signature()) == (avant, signature)  # a send reloads nothing
        assert contributions.a_moderer(autre, ELUE, dans).id.tolist() == [envoi.contribution_id]
        contributions.accepter(autre, envoi.contribution_id, ELUE, dans=dans)
        assert depot.signature() != signature  # every process sees its cached register is stale
        assert depot.compteur() == avant  # and keeps its cached projects
        assert contributions.acceptees(depot).cle.tolist() == [f"contribution:{envoi.contribution_id}"]
    finally:
        autre.fermer()


# Privacy -------------------------------------------------------------------------------------


def test_contacts_are_erased_thirty_days_after_moderation(depot):
    envoi = proposer(depot)
    attente = proposer(depot, n=2, nom="Épicerie solidaire")
    decision = dt.datetime(2026, 11, 1, 12, 0)
    contributions.accepter(depot, envoi.contribution_id, ADMIN, instant=decision)
    assert contributions.purger_contacts(depot, decision + dt.timedelta(days=29)) == 0
    assert contributions.purger_contacts(depot, decision + dt.timedelta(days=31)) == 1
    contacts = contributions.a_moderer(depot, ADMIN, statuts=contributions.STATUTS).set_index("id").contact
    assert pd.isna(contacts[envoi.contribution_id])
    assert contacts[attente.contribution_id] == "benevole@example.org"  # not moderated yet: kept
    with depot.engine.connect() as connexion:
        empreintes = dict(connexion.execute(sa.text("SELECT id, empreinte_adresse FROM contribution")).all())
    assert empreintes[envoi.contribution_id] is None
    assert empreintes[attente.contribution_id] is not None


def test_a_proposal_nobody_decides_on_loses_its_contact_after_six_months(depot):
    attente = proposer(depot)
    with depot.engine.connect() as connexion:
        envoye_le = connexion.execute(sa.text("SELECT cree_le FROM contribution")).scalar_one()
    envoye_le = envoye_le if isinstance(envoye_le, dt.datetime) else dt.datetime.fromisoformat(envoye_le)
    jours = contributions.JOURS_CONSERVATION_SANS_DECISION
    assert contributions.purger_contacts(depot, envoye_le + dt.timedelta(days=jours - 1)) == 0
    assert contributions.purger_contacts(depot, envoye_le + dt.timedelta(days=jours + 1)) == 1
    ligne = contributions.a_moderer(depot, ADMIN).set_index("id").loc[attente.contribution_id]
    assert pd.isna(ligne.contact)  # still waiting for a moderator, without its sender's contact
    with depot.engine.connect() as connexion:
        assert connexion.execute(sa.text("SELECT empreinte_adresse FROM contribution")).scalar_one() is None
    assert f"{jours} jours après l'envoi" in contributions.TEXTE_RGPD


def test_the_nightly_job_erases_the_contacts():
    from tests.conftest import RACINE

    script = (RACINE / "deploy" / "actualiser.sh").read_text(encoding="utf-8")
    appel = script.index('"$PYTHON" -m geo.base.moderation purger')
    assert appel < script.index('exec "$PYTHON" -m geo.build')  # before the refresh replaces the shell


def test_an_administrator_exports_and_erases_a_persons_contributions(depot):
    acceptee = proposer(depot, contact="Marie.Dupont@example.org")
    en_attente = proposer(depot, n=2, nom="Épicerie solidaire", contact="marie.dupont@example.org ")
    proposer(depot, n=3, nom="Garage solidaire", contact="autre@example.org")
    contributions.accepter(depot, acceptee.contribution_id, ADMIN)
    with pytest.raises(contributions.ModerationImpossible, match="administrateur"):
        contributions.exporter_personne(depot, "marie.dupont@example.org", ELUE)
    export = contributions.exporter_personne(depot, "MARIE.DUPONT@example.org", ADMIN)
    assert sorted(export.id) == sorted([acceptee.contribution_id, en_attente.contribution_id])
    assert contributions.effacer_personne(depot, "marie.dupont@example.org", ADMIN) == 2
    restantes = contributions.a_moderer(depot, ADMIN, statuts=contributions.STATUTS).set_index("id")
    assert en_attente.contribution_id not in restantes.index
    assert pd.isna(restantes.contact[acceptee.contribution_id])
    assert len(contributions.acceptees(depot)) == 1  # the public facts about the structure stay
    assert contributions.exporter_personne(depot, "marie.dupont@example.org", ADMIN).empty
    effacement = contributions.actions(depot, ADMIN).lot.iloc[0]
    with pytest.raises(contributions.ModerationImpossible, match="ne s'annule pas"):
        contributions.annuler(depot, effacement, ADMIN)


# Open data -----------------------------------------------------------------------------------


def test_open_data_has_its_licence_and_never_a_contact(depot):
    assert contributions.jeu_de_donnees(depot)["derniere_modification"] is None
    envoi = proposer(depot)
    proposer(depot, n=2, nom="En attente")
    contributions.accepter(depot, envoi.contribution_id, ELUE, dans=dans)
    publiees = contributions.publiees(depot)
    texte = contributions.csv_ouvert(publiees).decode("utf-8-sig")
    assert "Ressourcerie du Hainaut" in texte
    assert "En attente" not in texte
    assert "benevole@example.org" not in texte
    assert contributions.LICENCE in texte
    geojson = json.loads(contributions.geojson_ouvert(publiees))
    assert geojson["licence"] == contributions.LICENCE
    (entite,) = geojson["features"]
    assert entite["geometry"]["coordinates"] == pytest.approx([3.30, 50.33])
    assert entite["properties"]["verifiee_par"] == "un contributeur du territoire"
    assert "contact" not in entite["properties"]
    jeu = contributions.jeu_de_donnees(depot)
    assert jeu["nombre"] == 1
    assert jeu["derniere_modification"] is not None


def test_the_open_datasets_last_change_follows_only_its_published_content(depot):
    """The Sources page's « Dernière modification » moves with what the CSV and GeoJSON hold, not
    with a refusal, a mask on an official structure, the contacts purged after 30 days or an
    erasure asked by a person (issue 31)."""
    jour = dt.datetime(2026, 11, 2, 9, 30)

    def derniere() -> dt.datetime | None:
        return contributions.jeu_de_donnees(depot)["derniere_modification"]

    publiee = proposer(depot, contact="marie@example.org").contribution_id
    refusee = proposer(depot, n=2, nom="Refusée", contact="marie@example.org").contribution_id
    proposer(depot, n=3, nom="En attente", contact="marie@example.org")
    contributions.accepter(depot, publiee, ADMIN, instant=jour)
    assert derniere() == jour
    fichier = contributions.csv_ouvert(contributions.publiees(depot))
    contributions.refuser(depot, refusee, ADMIN, "Doublon.", instant=jour + dt.timedelta(days=1))
    officielle = jour + dt.timedelta(days=2)
    contributions.masquer(depot, SIRET_OFFICIEL, "59002", "Fermée", ADMIN, instant=officielle)
    assert contributions.purger_contacts(depot, jour + dt.timedelta(days=32)) == 2
    assert contributions.effacer_personne(depot, "marie@example.org", ADMIN) == 1  # the pending one
    assert contributions.csv_ouvert(contributions.publiees(depot)) == fichier  # nothing published changed
    assert derniere() == jour
    masque = contributions.masquer(
        depot, f"{contributions.PREFIXE_CLE}{publiee}", "59002", "Fermée", ADMIN,
        instant=jour + dt.timedelta(days=40),
    )  # fmt: skip
    assert contributions.publiees(depot).empty
    assert derniere() == jour + dt.timedelta(days=40)
    contributions.annuler(depot, masque, ADMIN, instant=jour + dt.timedelta(days=41))
    assert derniere() == jour + dt.timedelta(days=41)


def test_the_open_csv_follows_the_downloads_convention_and_neutralises_formulas(depot):
    """Same file as every download of the app: « ; », decimal comma, UTF-8 with BOM, French
    headers, and a name typed by anyone never runs as a spreadsheet formula."""
    envoi = proposer(depot, activite='=HYPERLINK("http://piege.example")', lon="3.301234")
    refusee = proposer(depot, n=2, nom="Refusée")
    contributions.accepter(depot, envoi.contribution_id, ELUE, dans=dans)
    contributions.refuser(depot, refusee.contribution_id, ELUE, "Doublon.", dans=dans)
    octets = contributions.csv_ouvert(contributions.publiees(depot))
    assert octets.startswith(b"\xef\xbb\xbf")
    entete, ligne = octets.decode("utf-8-sig").splitlines()
    assert entete.split(";")[:3] == ['"Identifiant"', '"Nom"', '"SIRET"']
    assert '"Vérifiée le"' in entete.split(";")
    assert '"3,301234"' in ligne.split(";")
    assert "'=HYPERLINK" in ligne
    assert "Refusée" not in octets.decode("utf-8-sig")
    assert "benevole@example.org" not in octets.decode("utf-8-sig")
    # Nothing accepted: the file still has its headers.
    vide = contributions.csv_ouvert(contributions.publiees(depot).iloc[0:0])
    assert vide.decode("utf-8-sig").splitlines() == [entete]


def test_the_register_and_the_store_name_the_contribution_source_alike():
    assert structures.SOURCE_CONTRIBUTION == contributions.SOURCE_CONTRIBUTION
    assert structures.SOURCE_CONTRIBUTION_DECLAREE["licence"] == contributions.LICENCE


def test_the_form_fields_carry_french_labels_and_limits():
    noms = [c.nom for c in contributions.CHAMPS_PROPOSITION]
    assert {"nom", "siret", "commune", "famille", "activite", "site_web", "description", "contact"} <= set(
        noms
    )
    assert all(c.libelle and c.longueur_max > 0 for c in contributions.CHAMPS_PROPOSITION)
    assert contributions.FAMILLES == structures.nomenclature.FAMILLES


# The command for servers ---------------------------------------------------------------------


def test_the_moderation_command_lists_accepts_undoes_and_refuses_out_of_scope(tmp_path, capsys):
    from geo.base import moderation

    url = f"sqlite:///{tmp_path / 'saisie.sqlite3'}"
    depot = store.Depot(url)
    comptes.creer(depot, "admin@exemple.fr", comptes.ADMINISTRATEUR)
    comptes.creer(depot, "elue@porteduhainaut.fr", comptes.CONTRIBUTEUR, territoires=["epci:200042190"])
    comptes.creer(depot, "autre@ailleurs.fr", comptes.CONTRIBUTEUR, territoires=["epci:200041630"])
    envoi = proposer(depot)
    depot.fermer()

    def commande(*arguments: str) -> tuple[int, str, str]:
        code = moderation.main(["--url", url, *arguments])
        sortie = capsys.readouterr()
        return code, sortie.out, sortie.err

    code, sortie, _ = commande("--moderateur", "elue@porteduhainaut.fr", "liste")
    assert code == 0
    assert "Ressourcerie du Hainaut" in sortie
    code, _, erreur = commande("--moderateur", "autre@ailleurs.fr", "accepter", str(envoi.contribution_id))
    assert code == 2
    assert "ne relève pas de vos PTCE ou territoires" in erreur
    code, sortie, _ = commande(
        "--moderateur",
        "elue@porteduhainaut.fr",
        "accepter",
        str(envoi.contribution_id),
        "--champ",
        "activite=Recyclerie",
    )
    assert code == 0, sortie
    depot = store.Depot(url)
    assert contributions.acceptees(depot).activite.tolist() == ["Recyclerie"]
    lot = contributions.actions(depot, ADMIN).lot.iloc[0]
    code, sortie, _ = commande("--moderateur", "admin@exemple.fr", "annuler", lot)
    assert code == 0
    assert contributions.acceptees(depot).empty
    code, sortie, _ = commande("purger")
    assert code == 0
    assert "Contacts effacés : 0." in sortie
    depot.fermer()


def test_the_commands_export_of_a_persons_contributions_neutralises_formulas(tmp_path, capsys):
    """ess-moderation exporter-personne printed pandas' raw CSV: a name typed by the public as
    « =HYPERLINK(…) » ran as a formula in the administrator's spreadsheet. Now the app's CSV."""
    from geo.base import moderation

    url = f"sqlite:///{tmp_path / 'saisie.sqlite3'}"
    depot = store.Depot(url)
    comptes.creer(depot, "admin@exemple.fr", comptes.ADMINISTRATEUR)
    assert proposer(depot, nom='=HYPERLINK("http://x.example";"Voir")', site_web=None).accepte
    depot.fermer()
    code = moderation.main(
        ["--url", url, "--moderateur", "admin@exemple.fr", "exporter-personne", "benevole@example.org"]
    )
    sortie = capsys.readouterr().out
    assert code == 0
    entetes, ligne = sortie.removeprefix("\ufeff").splitlines()
    assert entetes.startswith('"Id";"Genre";"Statut";')  # the downloads' one convention
    assert ';"\'=HYPERLINK(""http://x.example"";""Voir"")";' in ligne
    assert "benevole@example.org" in ligne  # the person's own contact, for them


def test_the_moderation_command_runs_as_a_module(tmp_path):
    import subprocess
    import sys

    from tests.conftest import RACINE

    url = f"sqlite:///{tmp_path / 'saisie.sqlite3'}"
    depot = store.Depot(url)
    comptes.creer(depot, "admin@exemple.fr", comptes.ADMINISTRATEUR)
    proposer(depot)
    depot.fermer()
    fini = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo.base.moderation",
            "--url",
            url,
            "--moderateur",
            "admin@exemple.fr",
            "liste",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=RACINE,
    )
    assert fini.returncode == 0, fini.stderr
    assert "Ressourcerie du Hainaut" in fini.stdout
    assert "benevole@example.org" in fini.stdout  # moderators need the contact; the public never gets it


# The app's caches ----------------------------------------------------------------------------


def test_the_apps_register_shows_an_acceptance_made_by_another_process(tmp_path, monkeypatch, referentiel):
    """ui.donnees keys the register on the store's change counter: a moderator's decision in any
    process is seen on the next run; a public send changes nothing."""
    from ui import donnees

    url = f"sqlite:///{tmp_path / 'saisie.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    autre_processus = store.Depot(url)
    try:
        avant = donnees.donnees_structures()
        total = len(avant.registre)
        lieux = contributions.communes_aux_points_de(referentiel)
        envoi = contributions.proposer(
            autre_processus, valeurs(lon="3.2953", lat="50.3295"), emetteur(), lieux
        )
        assert envoi.accepte
        assert donnees.donnees_structures() is avant  # pending: the cached register is still right
        contributions.accepter(autre_processus, envoi.contribution_id, ADMIN)
        apres = donnees.donnees_structures()
        assert len(apres.registre) == total + 1
        ajoutee = apres.registre[apres.registre.cle == f"contribution:{envoi.contribution_id}"]
        assert ajoutee.commune.tolist() == ["59002"]
        epci = donnees.structures_filtrees(TerritoireId.depuis_texte("epci:200042190"), ((), (), ()))
        assert f"contribution:{envoi.contribution_id}" in set(epci.cle)
        assert f"contribution:{envoi.contribution_id}" in set(donnees.entrees_opportunites().structures.cle)
    finally:
        autre_processus.fermer()


def test_a_write_empties_only_the_caches_of_what_it_changed(tmp_path, monkeypatch, referentiel):
    """A project entered in Saisie, a public proposal and a moderation each leave the caches that
    do not show them (issue 31): the register follows the moderations, the entered records the
    projects, and a figure of official data none of them; what a write changed shows at once."""
    from geo.base import saisie
    from geo.donnees import lecture_carte
    from ui import donnees

    url = f"sqlite:///{tmp_path / 'saisie.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    calculs = []
    couches_offertes = lecture_carte.couches_offertes
    monkeypatch.setattr(
        lecture_carte, "couches_offertes", lambda *args: calculs.append(args) or couches_offertes(*args)
    )
    epci = TerritoireId.depuis_texte("epci:200042190")
    autre_processus = store.Depot(url)
    try:
        donnees._couches_offertes.clear()  # this test counts its computations
        couches = donnees.couches_offertes(epci, ("qpv_2015",))
        registre, saisies = donnees.donnees_structures(), donnees.saisies()
        fiche = donnees.signature_fiche(epci, None)
        rapport = saisie.ajouter(
            autre_processus, "ptce", {"nom": "PTCE du Hainaut", "perimetre": "epci:200042190"}
        )
        assert rapport.total == 1
        assert donnees.donnees_structures() is registre
        assert "PTCE du Hainaut" in set(donnees.saisies().ptce.ptce)  # the project, at once
        assert donnees.signature_fiche(epci, None) != fiche  # the PDF's jobs and funding blocks
        fiche = donnees.signature_fiche(epci, None)
        saisies = donnees.saisies()
        envoi = contributions.proposer(
            autre_processus,
            valeurs(lon="3.2953", lat="50.3295"),
            emetteur(),
            contributions.communes_aux_points_de(referentiel),
        )
        assert donnees.donnees_structures() is registre
        assert donnees.saisies() is saisies
        contributions.accepter(autre_processus, envoi.contribution_id, ADMIN)
        assert donnees.saisies() is saisies
        apres = donnees.donnees_structures()
        assert f"contribution:{envoi.contribution_id}" in set(apres.registre.cle)  # at once
        assert donnees.signature_fiche(epci, None) != fiche  # the PDF counts the structures
        assert donnees.couches_offertes(epci, ("qpv_2015",)) == couches
        assert len(calculs) == 1  # official data only: computed once, through every write
    finally:
        autre_processus.fermer()


# What the map's popups and the PDF say of a contributed structure -----------------------------


def test_the_popup_and_the_pdf_name_the_contribution_source_in_words(depot, referentiel):
    from geo.outils import config
    from geo.rendu import fiche
    from geo.rendu.surcouches import structures as surcouche

    texte = surcouche._texte_sources(f"siae_2021, {structures.SOURCE_CONTRIBUTION}")
    assert "Contribution vérifiée" in texte
    assert structures.SOURCE_CONTRIBUTION not in texte
    envoi = proposer(depot, lon="3.2953", lat="50.3295")
    contributions.accepter(depot, envoi.contribution_id, ADMIN)
    donnees = structures.contributions_du_depot(
        structures.charger(referentiel, config.dossier_cache()), depot
    )
    contenu = fiche.contenu(
        referentiel, TerritoireId.depuis_texte("commune:59002"), donnees_structures=donnees
    )
    assert any(
        ligne.startswith(structures.SOURCE_CONTRIBUTION_DECLAREE["titre"]) for ligne in contenu.sources
    )


def test_the_report_counts_accepted_contributions(tmp_path, monkeypatch, referentiel):
    url = f"sqlite:///{tmp_path / 'saisie.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    tid = TerritoireId.depuis_texte("commune:59002")
    avant = structures.bloc_rapport(referentiel, tid)["total"]
    depot = store.Depot(url)
    try:
        envoi = proposer(depot, lon="3.2953", lat="50.3295")
        assert structures.bloc_rapport(referentiel, tid)["total"] == avant  # pending: not counted
        contributions.accepter(depot, envoi.contribution_id, ADMIN)
    finally:
        depot.fermer()
    bloc = structures.bloc_rapport(referentiel, tid)
    assert bloc["total"] == avant + 1
    assert structures.SOURCE_CONTRIBUTION in {s["id"] for s in bloc["sources"]}


def test_two_sirets_that_differ_are_two_establishments():
    assert contributions.sirets_differents({"siret": "73282932000074"}, {"siret": "77562194900277"})
    assert not contributions.sirets_differents({"siret": "73282932000074"}, {"siret": "73282932000074"})
    assert not contributions.sirets_differents({"siret": None}, {"siret": "77562194900277"})
    assert not contributions.sirets_differents({"siret": ""}, {"siret": float("nan")})
