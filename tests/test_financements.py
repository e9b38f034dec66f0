"""Open-data funding (Ci.Ville), ESS share of jobs, the build step and the report blocks."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from geo.base import store
from geo.donnees import emplois, financements
from geo.outils import text
from geo.rendu import report
from geo.sources import civille, emploi_ess
from geo.territoires.referentiel import TerritoireId
from tests.conftest import construire_depuis_miroir


def _json(chemin, enregistrements):
    chemin.write_text(json.dumps(enregistrements), encoding="utf-8")
    return chemin


def _poste(id_poste, tiers, annee, montant, code_cv, dep):
    return {
        "id_poste": id_poste,
        "code_tiers": tiers,
        "raison_sociale": f"Employeur {id_poste}",
        "annee": annee,
        "montant": montant,
        "code_cv": code_cv,
        "insee_dep": dep,
        "insee_reg": "32",
    }


def test_posts_are_normalised_and_2025_adultes_relais_flagged(tmp_path):
    relais = civille.lire_postes(
        _json(
            tmp_path / "adulte-relais-2025.json",
            [_poste("A1", "73282932000074", 2025, 7164, "CN00201M", "2")],
        )
    )
    fonjep = civille.lire_postes(
        _json(tmp_path / "postes-fonjep-2025.json", [_poste("F1", "Centre social", 2025, 7164, None, "02")])
    )
    assert relais.loc[0, ["dispositif", "siret", "insee_dep", "comparable"]].tolist() == [
        "adulte-relais",
        "73282932000074",
        "02",
        False,
    ]
    # FONJEP's code_tiers is a name, never taken for a SIRET; FONJEP 2025 stays comparable.
    assert pd.isna(fonjep.loc[0, "siret"])
    assert bool(fonjep.loc[0, "comparable"])


def test_a_file_that_is_not_civille_says_so(tmp_path):
    with pytest.raises(civille.DonneesCivilleInvalides, match="colonne"):
        civille.lire_postes(_json(tmp_path / "adulte-relais-2021.json", [{"a": 1}]))
    chemin = tmp_path / "part.csv"
    chemin.write_text("x,y\n1,2\n", encoding="utf-8")
    with pytest.raises(emploi_ess.DonneesEmploiInvalides):
        emploi_ess.lire_parts(chemin)


def test_posts_are_attached_by_contract_then_departement(referentiel):
    postes = pd.DataFrame(
        {
            "id_poste": ["actuel", "fusionne", "commune", "inconnu", "rien"],
            "code_cv": ["CV013", "CV999", "CV500", "CV404", None],
            "insee_dep": ["02", "02", "59", "59", None],
            "montant_eur": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    contrats = pd.DataFrame(
        {
            "code_cv": ["CV013", "CV999", "CV500"],
            "lib_cv": ["CA du Soissonnais", "ancien EPCI", "Denain"],
            "epci": ["240200477", "200000321", None],
            "commune": [None, None, "59172"],
            "insee_dep": ["02", "02", "59"],
            "lon": [3.32, 3.3236, None],
            "lat": [49.38, 49.3817, None],
        }
    )
    anomalies: list[str] = []
    places = financements.rattacher(postes, contrats, referentiel, anomalies).set_index("id_poste")
    # A contract of an EPCI merged since goes to the current EPCI holding its point (Soissons); a
    # contract absent from the files to its département; a post with neither to France alone.
    attendues = pd.DataFrame(
        {
            "id_poste": ["actuel", "fusionne", "commune", "inconnu", "rien"],
            "rattachement": ["cv_epci", "cv_point", "cv_commune", "departement", "aucun"],
            "commune": [None, None, "59172", None, None],
            "epci": ["240200477", "240200477", "200042190", None, None],
            "dep": ["02", "02", "59", "59", None],
        }
    ).set_index("id_poste")
    assert_frame_equal(places[attendues.columns], attendues, check_dtype=False)
    assert any("absent des fichiers des contrats" in a for a in anomalies)
    assert any("1 poste sans contrat" in a and "compté pour la France seulement" in a for a in anomalies)


@pytest.fixture(scope="module")
def donnees_miroir(referentiel, miroir, tmp_path_factory):
    cache = construire_depuis_miroir(
        referentiel, miroir, tmp_path_factory.mktemp("cache_financements"), "geo.donnees.financements"
    )
    return financements.charger(referentiel, cache)


@pytest.mark.miroir
def test_real_files_build_and_attach_nearly_every_post(donnees_miroir):
    manifeste = donnees_miroir.manifeste
    nombres = manifeste["nombres"]
    assert nombres["annees"] == [2020, 2021, 2022, 2023, 2024, 2025]
    assert nombres["postes"] > 35_000
    assert nombres["rattachements"]["aucun"] < 0.01 * nombres["postes"]
    assert any("7 164 €" in a for a in manifeste["anomalies"])
    postes = donnees_miroir.postes
    relais_2025 = postes[(postes.dispositif == "adulte-relais") & (postes.annee == 2025)]
    assert not relais_2025.comparable.any()
    assert set(relais_2025.montant_eur.round(2)) == {7164.0}
    assert postes[postes.annee < 2025].comparable.all()


@pytest.mark.miroir
def test_ess_share_for_a_departement_and_an_epci(donnees_miroir, referentiel):
    aisne = donnees_miroir.part_ess_du_territoire(referentiel, TerritoireId("departement", "02"))
    assert aisne["part_pct"] == 11.1
    assert aisne["annee"] == 2015
    assert set(aisne["serie"]) == {2008, 2014, 2015}
    soissons = donnees_miroir.part_ess_du_territoire(referentiel, TerritoireId("epci", "240200477"))
    assert soissons["part_pct"] == 11.1
    assert "valeur du département de l'Aisne" in soissons["note"]
    # Région codes and overseas département codes overlap: the niveau column tells them apart.
    guadeloupe = donnees_miroir.part_ess_du_territoire(referentiel, TerritoireId("region", "01"))
    assert guadeloupe["niveau"] == "region"


@pytest.mark.miroir
def test_a_structure_entered_with_its_siret_places_its_posts_on_its_commune(
    donnees_miroir, referentiel, tmp_path
):
    postes = donnees_miroir.postes
    poste = postes[postes.siret.notna() & (postes.dep == "02") & (postes.rattachement == "cv_epci")].iloc[0]
    soissons = TerritoireId("commune", "02722")
    avant = donnees_miroir.postes_du_territoire(referentiel, soissons)
    place = donnees_miroir.postes_du_territoire(referentiel, soissons, sirets_communes={poste.siret: "02722"})
    assert poste.id_poste in set(place.id_poste)
    assert poste.id_poste not in set(avant.id_poste)
    assert set(place[place.id_poste == poste.id_poste].rattachement) == {"siret"}


@pytest.mark.miroir
def test_funding_block_adds_open_data_and_entered_rows(donnees_miroir, referentiel, tmp_path):
    depot = emplois.depot_pret(f"sqlite:///{tmp_path / 's.sqlite3'}")
    saisies = emplois.charger(depot)
    soissonnais = TerritoireId("epci", "240200477")
    bloc = financements.bloc(donnees_miroir, saisies, referentiel, soissonnais)
    ouvertes = bloc["donnees_ouvertes"]
    assert ouvertes["postes"] > 0
    assert bloc["saisis"]["total_eur"] == 120000.0  # ALISS, axe 1 « Compétitivité »
    assert bloc["saisis"]["montant_inconnu"] == 2
    assert bloc["total_eur"] == pytest.approx(ouvertes["total_eur"] + 120000.0)
    assert bloc["par_annee"]["année inconnue"] == 120000.0
    assert sum(bloc["par_annee"].values()) == pytest.approx(bloc["total_eur"])
    assert sum(bloc["par_dispositif"].values()) == pytest.approx(bloc["total_eur"])
    assert "7 164 €" in ouvertes["non_comparables"]["note"]
    # One year only.
    en_2022 = financements.bloc(donnees_miroir, saisies, referentiel, soissonnais, annee=2022)
    assert list(en_2022["par_annee"]) == ["2022"]
    assert en_2022["total_eur"] == bloc["par_annee"]["2022"]
    depot.fermer()


@pytest.mark.miroir
def test_seed_territories_side_by_side(donnees_miroir, referentiel, tmp_path):
    depot = emplois.depot_pret(f"sqlite:///{tmp_path / 's.sqlite3'}")
    ids = financements.territoires_semences()
    assert {"epci:240200477", "epci:200042190", "epci:200035731"} <= set(ids)
    table = financements.comparaison(donnees_miroir, emplois.charger(depot), referentiel, ids)
    soissonnais = table.set_index("id").loc["epci:240200477"]
    assert soissonnais.emplois == 42
    assert soissonnais.part_ess_pct == 11.1
    # Porte du Hainaut's projects carry no job figure: unknown, never « 0 emploi ».
    assert pd.isna(table.set_index("id").loc["epci:200042190"].emplois)
    depot.fermer()


def test_jobs_block_counts_only_projects_inside_the_territory(referentiel, tmp_path):
    depot = emplois.depot_pret(f"sqlite:///{tmp_path / 's.sqlite3'}")
    saisies = emplois.charger(depot)
    bloc = saisies.bloc(referentiel, TerritoireId("epci", "240200477"))
    assert (bloc["crees_total"], bloc["insertion"], bloc["encadrement"]) == (42, 35, 7)
    assert {p["projet"]: p["total"] for p in bloc["par_projet"]} == {
        "Réaliss (régie de quartier)": 22,
        "Axo'Meca (garage solidaire)": 8,
        "Les Ateliers de Taux (tri des déchets alimentaires)": 12,
    }
    assert bloc["lignes_sans_annee"] == 6
    # Soissons alone cannot claim the jobs of a PTCE spread over its whole EPCI.
    commune = saisies.bloc(referentiel, TerritoireId("commune", "02722"))
    assert commune["crees_total"] is None
    assert commune["crees_texte"] == "inconnu (aucun projet saisi dans ce territoire)"
    assert commune["non_comptes_debordants"] == 42
    # Porte du Hainaut: the document states no jobs for its two projects: unknown, not zero.
    porte_du_hainaut = saisies.bloc(referentiel, TerritoireId("epci", "200042190"))
    assert porte_du_hainaut["crees_total"] is None
    assert porte_du_hainaut["projets_sans_emplois"] == 2
    # A year: the undated ALISS jobs are not in it.
    assert saisies.bloc(referentiel, TerritoireId("epci", "240200477"), annee=2019)["crees_total"] is None
    depot.fermer()


def test_report_has_the_jobs_and_funding_blocks(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rapport.sqlite3'}")
    assert report.main(["epci:240200477", "--json"]) == 0
    resultat = json.loads(capsys.readouterr().out)
    assert resultat["emplois"]["crees_total"] == 42
    assert set(resultat["emplois"]) >= {"crees_total", "insertion", "encadrement", "par_projet"}
    assert set(resultat["financements"]) >= {"total_eur", "par_annee", "par_dispositif"}
    assert resultat["financements"]["saisis"]["total_eur"] == 120000.0
    # Read from the store the environment names, seeded there on first use.
    depot = store.ouvrir(f"sqlite:///{tmp_path / 'rapport.sqlite3'}")
    assert not depot.est_vide()
    depot.fermer()


def test_a_chosen_project_keeps_its_ptce_structures_jobs_and_funding(referentiel, tmp_path):
    depot = emplois.depot_pret(f"sqlite:///{tmp_path / 's.sqlite3'}")
    saisies = emplois.charger(depot)
    assert saisies.restreindre() is saisies
    choisies = saisies.restreindre("Réaliss (régie de quartier)")
    assert list(choisies.projets.projet) == ["Réaliss (régie de quartier)"]
    assert list(choisies.ptce.ptce) == ["ALISS (PTCE du Soissonnais)"]
    assert choisies.emplois.nombre.sum() == 22
    assert set(choisies.structures.nom) < set(saisies.structures.nom)
    assert choisies.bloc(referentiel, TerritoireId("epci", "240200477"))["crees_total"] == 22
    etape = choisies.projets.etape.iloc[0]
    par_etape = saisies.restreindre(etape=etape)
    assert set(par_etape.projets.etape) == {etape}
    assert "Réaliss (régie de quartier)" in set(par_etape.projets.projet)
    depot.fermer()


def test_posts_of_a_structure_in_the_register_land_on_its_commune(referentiel, tmp_path):
    cache = tmp_path / "cache"
    (cache / "financements").mkdir(parents=True)
    (cache / "structures").mkdir()
    pd.DataFrame({"siret": ["35600000000048"], "commune": ["59172"]}).to_parquet(
        cache / "structures" / "structures.parquet"
    )
    donnees = financements.DonneesFinancements(cache / "financements", {"disponible": False})
    donnees.postes = pd.DataFrame(
        {
            "siret": ["35600000000048", "11111111111111"],
            "montant_eur": [1000.0, 2000.0],
            "commune": [None, None],
            "epci": ["245900410", "245900410"],
            "dep": ["59", "59"],
            "reg": ["32", "32"],
            "rattachement": ["cv_epci", "cv_epci"],
        }
    )
    places = donnees.postes_places(referentiel)
    assert places.rattachement.tolist() == ["siret_registre", "cv_epci"]
    assert places.commune.iloc[0] == "59172"
    assert places.epci.iloc[0] == "200042190"
    # A structure entered in the store wins over the register.
    saisie = donnees.postes_places(referentiel, {"35600000000048": "59205"})
    assert saisie.commune.iloc[0] == "59205"
    assert saisie.rattachement.iloc[0] == "siret"


def test_report_takes_a_year(capsys):
    assert report.main(["epci:240200477", "--json", "--annee", "2019"]) == 0
    resultat = json.loads(capsys.readouterr().out)
    assert resultat["emplois"]["crees_total"] is None  # the ALISS jobs are undated: none known in 2019
    assert resultat["financements"]["annee"] == 2019


def test_a_multi_year_grant_counts_by_its_share_in_a_chosen_year(referentiel, tmp_path):
    depot = emplois.depot_pret(f"sqlite:///{tmp_path / 's.sqlite3'}")
    from geo.base import saisie

    saisie.importer(
        depot,
        "territoire;financeur;dispositif;montant_eur;annee_debut;annee_fin\n"
        "epci:240200477;Région;Fonds ESS;60 000 €;2020;2022\n".encode(),
        "financements.csv",
    )
    saisies = emplois.charger(depot)
    tid = TerritoireId("epci", "240200477")
    ligne = (
        saisies.financements_du_territoire(referentiel, tid, 2021).set_index("dispositif").loc["Fonds ESS"]
    )
    assert ligne.montant_eur == 20_000
    assert bool(ligne.reparti_sur_annees)
    toutes = saisies.financements_du_territoire(referentiel, tid).set_index("dispositif").loc["Fonds ESS"]
    assert toutes.montant_eur == 60_000
    depot.fermer()


def test_a_post_employed_by_a_commune_is_counted_at_that_commune(referentiel):
    postes = pd.DataFrame(
        {
            "id_poste": ["mairie", "club", "com"],
            "siret": ["21020695900012", "88483751900013", None],
            "raison_sociale": ["COMMUNE  DE SOISSONS", "SOISSONS INTER FOOTBALL CLUB", "COM DE TERGNIER"],
            "code_cv": ["CV013", "CV013", "CV013"],
            "insee_dep": ["02", "02", "02"],
            "montant_eur": [1.0, 2.0, 3.0],
        }
    )
    contrats = pd.DataFrame(
        {
            "code_cv": ["CV013"],
            "lib_cv": ["CA du Soissonnais"],
            "epci": ["240200477"],
            "commune": [None],
            "insee_dep": ["02"],
            "lon": [3.32],
            "lat": [49.38],
        }
    )
    anomalies: list[str] = []
    places = financements.rattacher(postes, contrats, referentiel, anomalies).set_index("id_poste")
    # The Ci.Ville employer « COMMUNE DE SOISSONS » (SIRET 210 206 959: number 695, INSEE 02722) is
    # Soissons itself; a club stays with its contract's EPCI; « COM DE TERGNIER » is Tergnier.
    assert places.loc["mairie", ["commune", "epci", "dep", "rattachement"]].tolist() == [
        "02722",
        "240200477",
        "02",
        "commune_employeur",
    ]
    assert pd.isna(places.loc["club", "commune"])
    assert places.loc["club", "rattachement"] == "cv_epci"
    assert places.loc["com", "commune"] == "02738"
    assert any("2 postes dont l'employeur est une commune" in a for a in anomalies)


def _donnees_de_postes(tmp_path, annees: list[int]) -> financements.DonneesFinancements:
    donnees = financements.DonneesFinancements(tmp_path, {"disponible": False})
    donnees.postes = pd.DataFrame(
        {
            "dispositif": "adulte-relais",
            "annee": annees,
            "id_poste": [f"P{i}" for i in range(len(annees))],
            "siret": None,
            "raison_sociale": "Centre social",
            "montant_eur": 1000.0,
            "comparable": True,
            "fichier": "adulte-relais.json",
            "lib_cv": "CA du Soissonnais",
            "commune": None,
            "epci": "240200477",
            "dep": "02",
            "reg": "32",
            "rattachement": "cv_epci",
        }
    )
    return donnees


def test_a_year_no_source_covers_reads_unknown_not_zero(referentiel, tmp_path):
    # Coverage comes from the data: these posts are of 2030 and 2031, not the years of today's files.
    donnees = _donnees_de_postes(tmp_path, [2030, 2031])
    tid = TerritoireId("epci", "240200477")
    vide = financements.bloc(donnees, None, referentiel, tid, annee=2019)
    assert vide["total_eur"] == 0.0
    assert vide["sans_source"]
    assert (financements.texte_total(vide), financements.raison_total(vide)) == (
        "—",
        "aucune source pour 2019",
    )
    assert financements.texte_ouvertes(vide) == "—"
    assert vide["couverture"] == {"Ci.Ville": [2030, 2031], "financements saisis": []}
    assert any("Aucune source de financement ne couvre 2019" in r for r in financements.remarques(None, vide))
    couvert = financements.bloc(donnees, None, referentiel, tid, annee=2031)
    assert not couvert["sans_source"]
    assert financements.texte_total(couvert) == "1\u202f000 €"
    assert financements.raison_total(couvert) is None
    assert financements.remarques(None, couvert) == []
    assert text.plages([2008, 2009, 2010, 2020, 2022]) == "2008–2010, 2020, 2022"
    # Side by side too: unknown, not 0 €.
    cote_a_cote = financements.comparaison(donnees, None, referentiel, [str(tid)], annee=2019)
    assert cote_a_cote.financement_eur.isna().all()
    assert (
        financements.comparaison(donnees, None, referentiel, [str(tid)], annee=2031).financement_eur[0]
        == 1000
    )


def test_the_year_selector_says_which_sources_cover_each_year(referentiel, tmp_path):
    from geo.base import saisie

    donnees = _donnees_de_postes(tmp_path / "fin", [2030, 2031])
    depot = emplois.depot_pret(f"sqlite:///{tmp_path / 's.sqlite3'}")
    saisie.importer(
        depot,
        "territoire;financeur;dispositif;montant_eur;annee_debut;annee_fin\n"
        "epci:240200477;Région;Fonds ESS;60 000 €;2018;2019\n".encode(),
        "financements.csv",
    )

    class Subventions:
        def annees_couvertes(self, ref, tid):
            return [2019, 2031]

    tid = TerritoireId("epci", "240200477")
    couverture = financements.couverture(donnees, emplois.charger(depot), Subventions(), referentiel, tid)
    assert couverture == {
        2018: ["financements saisis"],
        2019: ["subventions publiées", "financements saisis"],
        2030: ["Ci.Ville"],
        2031: ["Ci.Ville", "subventions publiées"],
    }
    assert financements.libelle_annee(2031, couverture) == "2031 — Ci.Ville, subventions publiées"
    assert financements.libelle_annee(2025, couverture) == "2025 — aucune source de financement ici"
    # An entered line covering the year: its amount is known, not « aucune source ».
    bloc = financements.bloc(donnees, emplois.charger(depot), referentiel, tid, annee=2019)
    assert financements.texte_total(bloc) == "30\u202f000 €"
    assert any(
        "Les fichiers Ci.Ville couvrent 2030–2031, pas 2019" in r for r in financements.remarques(None, bloc)
    )
    depot.fermer()


def test_a_scheme_label_is_explained_from_its_source(referentiel, tmp_path):
    depot = emplois.depot_pret(f"sqlite:///{tmp_path / 's.sqlite3'}")
    donnees = _donnees_de_postes(tmp_path / "fin", [2021])
    lignes = financements.lignes_financements(
        donnees, emplois.charger(depot), referentiel, TerritoireId("epci", "240200477")
    )
    assert lignes.precisions.notna().all()
    assert lignes[lignes.origine == "données ouvertes"].precisions.iloc[0] == (
        "poste P0, contrat de ville CA du Soissonnais"
    )
    legende = financements.legende_dispositifs(lignes)
    axe = next(p for p in legende if p.startswith("« axe 1 « Compétitivité » »"))
    # What the field document says of it, nothing more: the PTCE, the document, no funder named.
    assert "ALISS (PTCE du Soissonnais)" in axe
    assert "aliss-ptce-soissonnais.txt" in axe
    assert "financeur non nommé" in axe
    assert any(p.startswith("Un « axe » est une des priorités d'un programme") for p in legende)
    depot.fermer()
