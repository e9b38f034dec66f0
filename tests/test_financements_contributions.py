"""Funding placed by a structure known only through an accepted contribution (issue 31): the
published subsidies and the Ci.Ville posts the official data leave without a commune land on the
commune of the accepted structure, and say so; nothing pending, refused, hidden or undone places
anything, and an official placement never moves."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from geo.base import contributions
from geo.donnees import comparateur, financements, structures, subventions
from geo.rendu import fiche
from geo.territoires.referentiel import TerritoireId
from tests.test_contributions import (
    ADMIN,
    SIRET_OFFICIEL,
    SIRET_VALIDE,
    proposer,
    registre_officiel,
    signaler,
)
from tests.test_subventions import _ligne

SOMME = {"attribuant_id": "22800001400016", "attribuant_nom": "Département de la Somme"}
# The proposal of tests.test_contributions is in Abscon (59002), in Porte du Hainaut.
ABSCON, HAINAUT = "59002", "200042190"


def _registre_du_depot(depot) -> structures.DonneesStructures:
    officiel = structures.DonneesStructures(Path("/nulle/part"), {})
    officiel.registre = registre_officiel()
    return structures.contributions_du_depot(officiel, depot)


def _subventions(referentiel, tmp_path) -> subventions.DonneesSubventions:
    """Three subsidies of the Somme's département: to the proposal's SIRET (not in the official
    register: counted at the grantor's territory), to an official structure (placed by it), and to a
    beneficiary nobody knows."""
    table = pd.DataFrame(
        [
            _ligne(
                beneficiaire_siret=SIRET_VALIDE, beneficiaire_nom="Ressourcerie", montant_eur=30000.0, **SOMME
            ),
            _ligne(
                beneficiaire_siret=SIRET_OFFICIEL, beneficiaire_nom="Boutique", montant_eur=40000.0, **SOMME
            ),
            _ligne(
                beneficiaire_siret="44306184100047", beneficiaire_nom="Inconnue", montant_eur=50000.0, **SOMME
            ),
        ]
    )
    officiel = registre_officiel()[["siret", "siren", "commune", "famille"]]
    donnees = subventions.DonneesSubventions(tmp_path, {})
    donnees.table = subventions.placer(table, referentiel, officiel)[subventions.COLONNES]
    donnees.disponible = True
    return donnees


def _placees(donnees, referentiel, depot) -> pd.DataFrame:
    return donnees.avec_contributions(referentiel, _registre_du_depot(depot).sirets_des_contributions()).table


def test_a_subsidy_lands_on_the_commune_of_an_accepted_structure_and_says_so(depot, referentiel, tmp_path):
    donnees = _subventions(referentiel, tmp_path)
    assert list(donnees.table.placement) == [
        "territoire_attribuant",
        "siret_registre",
        "territoire_attribuant",
    ]
    envoi = proposer(depot, siret=SIRET_VALIDE)
    # Pending: nothing moves.
    assert list(_placees(donnees, referentiel, depot).placement) == list(donnees.table.placement)
    lot = contributions.accepter(depot, envoi.contribution_id, ADMIN)
    placees = _placees(donnees, referentiel, depot)
    assert list(placees.placement) == ["siret_contribution", "siret_registre", "territoire_attribuant"]
    assert (placees.commune[0], placees.epci[0], placees.dep[0], placees.reg[0]) == (
        ABSCON,
        HAINAUT,
        "59",
        "32",
    )
    # The official placement and the unknown beneficiary are unchanged, and so is the cached copy.
    assert placees.commune[1] == "59002"
    assert placees.dep[2] == "80"
    assert donnees.table.placement.iloc[0] == "territoire_attribuant"
    # Counted in the commune, and told apart from the official placements wherever it is shown.
    copie = donnees.avec_contributions(referentiel, _registre_du_depot(depot).sirets_des_contributions())
    resume = subventions.resume(copie.recues(TerritoireId("commune", ABSCON)))
    assert (resume["conventions"], resume["total_eur"]) == (2, 70000.0)
    assert resume["placees_par_contribution"] == {"conventions": 1, "total_eur": 30000.0}
    assert resume["beneficiaires_places"]["par_une_contribution"] == 1
    assert resume["beneficiaires_places"]["par_leur_identifiant"] == 1
    texte = subventions.texte_contributions(resume)
    assert texte.startswith("Dont 1 convention (30\u202f000 €) placée grâce à une contribution vérifiée")
    assert "pas des données officielles" in texte
    tableau = subventions.tableau(copie.table).set_index("Bénéficiaire")
    assert "placé grâce à une contribution vérifiée" in tableau.loc["Ressourcerie", "Placé par"]
    assert "contribution" not in tableau.loc["Boutique", "Placé par"]
    assert subventions.texte_contributions(subventions.resume(donnees.table)) is None
    # The département's total keeps every subsidy it had: nothing counted twice, nothing lost.
    somme = subventions.resume(copie.recues(TerritoireId("departement", "80")))
    assert (somme["conventions"], somme["total_eur"]) == (1, 50000.0)
    # Undone in the journal: the placement goes away.
    contributions.annuler(depot, lot, ADMIN)
    assert list(_placees(donnees, referentiel, depot).placement) == list(donnees.table.placement)


def test_a_refused_or_hidden_contribution_places_nothing(depot, referentiel, tmp_path):
    donnees = _subventions(referentiel, tmp_path)
    refusee = proposer(depot, siret=SIRET_VALIDE)
    contributions.refuser(depot, refusee.contribution_id, ADMIN, "Doublon d'une autre fiche")
    assert _placees(donnees, referentiel, depot).placement[0] == "territoire_attribuant"
    acceptee = proposer(depot, n=2, siret=SIRET_VALIDE, nom="Ressourcerie du Hainaut bis")
    contributions.accepter(depot, acceptee.contribution_id, ADMIN)
    assert _placees(donnees, referentiel, depot).placement[0] == "siret_contribution"
    # Hidden here (« fermée » accepted): the structure is on no map, and places no subsidy.
    cle = f"contribution:{acceptee.contribution_id}"
    rapport = signaler(depot, cle=cle, commune=ABSCON)
    lot = contributions.accepter(depot, rapport.contribution_id, ADMIN)
    assert _placees(donnees, referentiel, depot).placement[0] == "territoire_attribuant"
    contributions.annuler(depot, lot, ADMIN)
    assert _placees(donnees, referentiel, depot).placement[0] == "siret_contribution"


def test_a_hidden_official_structure_keeps_its_official_placement_and_lends_none(
    depot, referentiel, tmp_path
):
    donnees = _subventions(referentiel, tmp_path)
    contributions.masquer(depot, SIRET_OFFICIEL, "59002", "Fermée en 2025", ADMIN)
    registre = _registre_du_depot(depot)
    assert SIRET_OFFICIEL not in set(registre.registre.cle)
    assert registre.sirets_des_contributions() == {}
    # The official data stay as published: the subsidy was received in its commune.
    assert list(_placees(donnees, referentiel, depot).placement) == list(donnees.table.placement)


def test_two_accepted_structures_with_one_siret_in_two_communes_place_nothing():
    donnees = structures.DonneesStructures(Path("/nulle/part"), {})
    donnees.registre = pd.DataFrame(
        {
            "cle": ["contribution:1", "contribution:2", "contribution:3", SIRET_OFFICIEL],
            "siret": [SIRET_VALIDE, SIRET_VALIDE, "44306184100047", SIRET_OFFICIEL],
            "commune": ["59002", "59064", "59064", "59002"],
        }
    )
    assert donnees.sirets_des_contributions() == {"44306184100047": "59064"}


def _postes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "siret": [SIRET_VALIDE] * 5,
            "montant_eur": [1000.0, 2000.0, 3000.0, 4000.0, 5000.0],
            "annee": [2022] * 5,
            "commune": [None, None, None, "59064", None],
            "epci": [HAINAUT, None, "200041960", HAINAUT, None],
            "dep": ["59", "59", "59", "59", "62"],
            "reg": ["32"] * 5,
            "rattachement": ["cv_epci", "departement", "cv_epci", "cv_commune", "departement"],
        }
    )


def test_a_post_without_a_commune_lands_in_the_accepted_structures_commune_inside_its_territory(referentiel):
    donnees = financements.DonneesFinancements(Path("/nulle/part"), {})
    donnees.postes = _postes()
    officiels = donnees.postes_places(referentiel)
    avec = donnees.avec_contributions({SIRET_VALIDE: ABSCON})
    places = avec.postes_places(referentiel)
    # Placed: the contract's EPCI and the département hold Abscon. Not placed: another EPCI's
    # contract, a commune the official data give, another département.
    assert list(places.rattachement) == [
        "siret_contribution",
        "siret_contribution",
        "cv_epci",
        "cv_commune",
        "departement",
    ]
    assert list(places.commune[:2]) == [ABSCON, ABSCON]
    assert list(officiels.rattachement) == list(_postes().rattachement)  # the official copy is untouched
    assert "contribution vérifiée" in financements.RATTACHEMENTS["siret_contribution"]
    # The official register still wins over a contribution.
    donnees.__dict__["sirets_registre"] = {SIRET_VALIDE: "59064"}
    registre_et_contribution = donnees.avec_contributions({SIRET_VALIDE: ABSCON}).postes_places(referentiel)
    assert set(registre_et_contribution.rattachement) == {"siret_registre"}


def test_the_funding_block_and_its_remarks_say_what_a_contribution_placed(referentiel):
    donnees = financements.DonneesFinancements(Path("/nulle/part"), {})
    postes = _postes().assign(
        dispositif="adulte-relais", comparable=True, id_poste="P1", raison_sociale="Ressourcerie", fichier="f"
    )
    donnees.postes = postes
    abscon = TerritoireId("commune", ABSCON)
    avant = financements.bloc(donnees, None, referentiel, abscon)
    assert avant["total_eur"] == 0.0
    assert "places_par_contribution" not in avant["donnees_ouvertes"]
    bloc = financements.bloc(donnees.avec_contributions({SIRET_VALIDE: ABSCON}), None, referentiel, abscon)
    assert bloc["total_eur"] == 3000.0
    assert bloc["donnees_ouvertes"]["places_par_contribution"] == {"postes": 2, "total_eur": 3000.0}
    remarque = next(r for r in financements.remarques(None, bloc) if "contribution vérifiée" in r)
    assert remarque.startswith("Dont 2 postes d'adultes-relais ou FONJEP (3\u202f000 €) placés ici")
    # The comparator's « financements par habitant » says it too.
    donnees.disponible = True
    valeur = comparateur._financements(
        referentiel, abscon, donnees.avec_contributions({SIRET_VALIDE: ABSCON}), 1000
    )
    assert valeur.valeur == 3.0
    assert "dont 2 postes (3\u202f000 €) placés grâce à une contribution vérifiée" in valeur.remarque
    assert comparateur._financements(referentiel, abscon, donnees, 1000).valeur == 0.0


def test_the_map_draws_a_subsidy_placed_by_a_contribution_and_says_so(depot, referentiel, tmp_path):
    import folium

    from geo.rendu import surcouches

    donnees = _subventions(referentiel, tmp_path)
    hainaut = TerritoireId("epci", HAINAUT)
    avant = surcouches.subventions.par_commune(donnees, hainaut)
    assert (list(avant.commune), list(avant.montant_eur)) == ([ABSCON], [40000.0])
    envoi = proposer(depot, siret=SIRET_VALIDE)
    contributions.accepter(depot, envoi.contribution_id, ADMIN)
    avec = donnees.avec_contributions(referentiel, _registre_du_depot(depot).sirets_des_contributions())
    communes = surcouches.subventions.par_commune(avec, hainaut)
    assert list(communes.montant_eur) == [70000.0]
    assert (communes.par_contribution[0], communes.montant_par_contribution[0]) == (1, 30000.0)
    surcouche = surcouches.subventions.surcouche(referentiel, avec, hainaut)
    libelles = [libelle for _, libelle in surcouche.legende]
    assert "dont 1 commune où des subventions sont placées grâce à une contribution vérifiée" in libelles[1]
    carte = folium.Map()
    surcouche.creer().add_to(carte)
    # The fiche (PDF) says it under its chart of the subsidies received.
    bloc = {"subventions": subventions.bloc(avec, hainaut)}
    assert "dont 1 convention placée ici grâce à une contribution vérifiée" in (
        fiche.graphique_subventions(bloc).legende
    )
    assert (
        "contribution"
        not in fiche.graphique_subventions({"subventions": subventions.bloc(donnees, hainaut)}).legende
    )
    html = carte.get_root().render()
    dit = "(30\u202f000 €) placée grâce à une contribution vérifiée (pas une donnée officielle)"
    assert dit in html or json.dumps(dit)[1:-1] in html
