"""Reading a territory from the Carte page (geo.donnees.lecture_carte): the layers it opens on, the
layers offered per territory, the figures of a clicked commune, the ESS share per département."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.donnees import lecture_carte


def test_the_map_opens_on_the_mission_layers_and_an_empty_choice_stays_empty():
    assert lecture_carte.couches_de_l_adresse(None) == ["commerces", "qpv", "structures"]
    assert lecture_carte.couches_de_l_adresse("") == []
    assert lecture_carte.couches_de_l_adresse("qpv,,ptce") == ["qpv", "ptce"]
    # Written back: the mission's layers are left out of the address, an empty choice is kept.
    assert lecture_carte.texte_des_couches(["structures", "qpv", "commerces"]) is None
    assert lecture_carte.texte_des_couches([]) == ""
    assert lecture_carte.texte_des_couches(["qpv", "commerces"]) == "commerces,qpv"


def test_a_layer_is_offered_only_where_it_has_rows():
    noms = ["qpv", "qpv_2015", "commerces", "part_ess"]
    par_couche = {"qpv_2015": {"31555", "34172"}}
    # Hauts-de-France: no 2015 perimeter, the layer is not offered; QPV 2024 always is.
    assert lecture_carte.couches_offertes(noms, "epci", ["59606", "59383"], par_couche) == [
        "qpv",
        "commerces",
    ]
    assert lecture_carte.couches_offertes(noms, "commune", ["31555"], par_couche) == [
        "qpv",
        "qpv_2015",
        "commerces",
    ]
    # The ESS share is a map of the départements of France: offered at France scale only.
    assert "part_ess" in lecture_carte.couches_offertes(noms, None, ["59606", "31555"], par_couche)
    assert lecture_carte.couches_offertes(["qpv_2015"], None, ["59606"], {"qpv_2015": set()}) == []


def _par_libelle(fiche):
    return {c.libelle: c for c in fiche.chiffres}


def test_a_clicked_commune_shows_its_figures_and_its_unknowns_with_their_reason():
    qpv = pd.DataFrame(
        {
            "code_qp": ["QN05901", "QN05901", "QN05902", "QP031001"],
            "commune": ["59606", "59383", "59606", "59606"],
            "generation": ["2024", "2024", "2024", "2015"],
        }
    )
    structures = pd.DataFrame(
        {"commune": ["59606", "59606", "59606", "59383"], "emplois_estimes": [10.0, np.nan, 2.0, 5.0]}
    )
    fiche = lecture_carte.chiffres_commune(
        "59606", "Valenciennes", 43000, "2021", qpv, {"59606"}, "2024", structures
    )
    chiffres = _par_libelle(fiche)
    assert fiche.lien == "/territoire?territoire=commune:59606"
    assert chiffres["Habitants"].valeur == "43\u202f000"
    assert chiffres["Quartiers prioritaires"].valeur == "2"  # the 2015 generation is not counted
    assert chiffres["Commerces"].valeur == "au moins un commerce"
    assert chiffres["Structures de l'ESS"].valeur == "3"
    assert chiffres["Emplois estimés de l'ESS"].valeur == "12"
    assert "1 structure sans effectif connu" in chiffres["Emplois estimés de l'ESS"].detail
    assert chiffres["Financements reçus"].valeur == "—"
    assert "EPCI" in chiffres["Financements reçus"].detail

    # Nothing available: every figure reads « — » with its reason, never 0, None or nan.
    vide = lecture_carte.chiffres_commune("59383", "Marly", None, "2021", None, None, None, None)
    for chiffre in vide.chiffres:
        assert chiffre.valeur == "—", chiffre
        assert chiffre.detail
    # Structures whose headcounts are all unknown: jobs unknown, not zero.
    seules = pd.DataFrame({"commune": ["59383"], "emplois_estimes": [np.nan]})
    emplois = _par_libelle(
        lecture_carte.chiffres_commune("59383", "Marly", 11000, "2021", qpv, set(), "2024", seules)
    )
    assert emplois["Emplois estimés de l'ESS"].valeur == "—"
    assert emplois["Commerces"].valeur == "aucun commerce"


def test_the_ess_share_per_departement_takes_the_latest_year_and_keeps_unknowns():
    part_ess = pd.DataFrame(
        {
            "niveau": ["departement", "departement", "departement", "region"],
            "code": ["59", "59", "02", "32"],
            "annee": [2014, 2015, 2014, 2015],
            "part_pct": [11.0, 11.8, 12.0, 11.0],
        }
    )
    departements = pd.DataFrame({"code": ["02", "59"], "nom": ["Aisne", "Nord"]})
    valeurs, annee = lecture_carte.part_ess_par_departement(part_ess, departements)
    assert annee == 2015
    assert valeurs.code.tolist() == ["02", "59"]
    assert np.isnan(valeurs.valeur.iloc[0])  # not published in 2015: unknown, not 12.0
    assert valeurs.valeur.iloc[1] == 11.8
