"""The merged register of ESS structures: small written files, then the real mirror."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import shapely

from geo.donnees import structures
from geo.sources import Localisation, esat, fabriques, siae
from geo.territoires.referentiel import TerritoireId


def _loc(source_id, chemin):
    return Localisation(source_id, chemin, "miroir", dt.date.today().isoformat())


@pytest.fixture
def petites_sources(tmp_path):
    (tmp_path / "siae.csv").write_text(
        "siret,name,kind,naf,address,post_code,city,department,longitude,latitude,api_entreprise_employees\n"
        # Lille, geocoded address; the same SIRET is also an ESAT below.
        "73282932000074,ATELIER DU NORD,ACI,8899B,1 rue X,59000,Lille,59,3.0573,50.6329,20 à 49 salariés\n"
        # Checksum wrong: reported, not mapped.
        "73282932000075,FAUX NUMERO,EI,5621Z,2 rue Y,59000,Lille,59,3.06,50.63,\n"
        "55208131700018,<script>alert(1)</script>,EI,5621Z,3 rue Z,59000,Lille,59,3.061,50.631,"
        "1 ou 2 salariés\n",
        encoding="utf-8",
    )
    (tmp_path / "esat.csv").write_text(
        "ET-N°FINESS;ET-Raison sociale;EJ-Raison sociale;EJ-Statut juridique Libellé;ET-SIRET;"
        "ET-Commune Code;ET-Département Code;Capacité autorisée agrégée\n"
        "590000001;ESAT DU NORD;ASSO;Ass.L.1901 R.U.P.;73282932000074;59350;59;40\n"
        "10008951;ESAT ENVOL;ORSAC;Ass.L.1901 R.U.P.;;1047;1;9\n",
        encoding="cp1252",
    )
    (tmp_path / "fabriques.csv").write_text(
        "id_fabrique,nom,insee_com,commune,lon,lat\nfabt-1,Lieu,75113,Paris,2.35,48.83\n", encoding="utf-8"
    )
    return {
        siae.SIAE_2021.id: _loc(siae.SIAE_2021.id, tmp_path / "siae.csv"),
        esat.ESAT_FINESS.id: _loc(esat.ESAT_FINESS.id, tmp_path / "esat.csv"),
        fabriques.FABRIQUES.id: _loc(fabriques.FABRIQUES.id, tmp_path / "fabriques.csv"),
    }


@pytest.fixture
def registre_construit(referentiel, petites_sources, tmp_path):
    dossier = tmp_path / "structures"
    dossier.mkdir()
    manifeste = structures.construire(dossier, referentiel, petites_sources)
    manifeste["disponible"] = True
    return structures.DonneesStructures(dossier, manifeste), manifeste


def test_same_siret_in_two_sources_is_one_structure_listing_both(registre_construit):
    donnees, _ = registre_construit
    ligne = donnees.registre.set_index("cle").loc["73282932000074"]
    assert ligne.sources == "siae_2021, esat_finess"
    # A labelled list decides the family; the SIAE list comes first for the name.
    assert ligne.famille == "SIAE"
    assert ligne.nom == "ATELIER DU NORD"
    assert ligne.capacite == 40
    assert ligne.precision == "adresse"
    assert ligne.commune == "59350"
    assert ligne.emplois_estimes == 34.5


def test_invalid_siret_is_reported_with_its_line_and_never_mapped(registre_construit):
    donnees, manifeste = registre_construit
    assert "73282932000075" not in set(donnees.registre.siret.dropna())
    assert manifeste["nombres"]["siret_invalides"] == 1
    assert any("1 SIRET invalide" in a and "73282932000075 (ligne 3)" in a for a in manifeste["anomalies"])


def test_commune_codes_become_current_and_centroids_say_so(registre_construit, referentiel):
    donnees, _ = registre_construit
    par_nom = donnees.registre.set_index("nom")
    envol = par_nom.loc["ESAT ENVOL"]
    assert envol.commune == "01047"  # leading zero lost in the file
    assert envol.precision == "centroïde de la commune"
    assert referentiel.communes.loc["01047"].geometry.contains(shapely.Point(envol.lon, envol.lat))
    # A Paris arrondissement code becomes Paris.
    assert par_nom.loc["Lieu"].commune == "75056"
    assert par_nom.loc["Lieu"].famille == "tiers-lieu"


def test_territory_block(registre_construit, referentiel):
    donnees, _ = registre_construit
    bloc = donnees.bloc(referentiel, TerritoireId("commune", "59350"))
    assert bloc["total"] == 2
    assert bloc["par_famille"] == {"SIAE": 2}
    assert bloc["emplois_estimes"] == 36  # 34.5 + 1.5, an estimate
    assert {s["id"] for s in bloc["sources"]} == {"siae_2021", "esat_finess"}
    assert donnees.bloc(referentiel, TerritoireId("departement", "01"))["par_famille"] == {"ESAT": 1}
    assert donnees.bloc(referentiel, None)["total"] == 4


def test_filters_by_family_activity_size_and_name(registre_construit):
    donnees, _ = registre_construit
    registre = donnees.registre
    assert set(structures.filtrer(registre, familles=["ESAT"]).nom) == {"ESAT ENVOL"}
    assert set(structures.filtrer(registre, sections=["I"]).nom) == {"<script>alert(1)</script>"}
    assert set(structures.filtrer(registre, tailles=["10 à 49 salariés"]).nom) == {"ATELIER DU NORD"}
    assert set(structures.filtrer(registre, texte="atelier nord").nom) == set()
    assert set(structures.filtrer(registre, texte="atelier du").nom) == {"ATELIER DU NORD"}


def test_a_siren_only_unit_joins_its_establishment():
    lignes = pd.DataFrame(
        {
            "source": ["siae_2021", "sirene_ul_ess_numerique"],
            "id_source": ["73282932000074", "732829320"],
            "siret_brut": ["73282932000074", pd.NA],
            "siret": ["73282932000074", pd.NA],
            "siren": ["732829320", "732829320"],
            "nom": ["A", "A SA"],
            "famille_source": ["SIAE", "coopérative"],
            "categorie_juridique": [pd.NA, "5458"],
            "commune": ["59350", pd.NA],
            "lon": [3.0, pd.NA],
            "lat": [50.6, pd.NA],
            "precision": ["adresse", pd.NA],
            "millesime": ["2021", "2024"],
            "ligne": [2, 2],
        }
    )
    for colonne in structures.commun.COLONNES:
        if colonne not in lignes:
            lignes[colonne] = pd.NA
    registre = structures.fusionner(lignes.astype(structures.commun.COLONNES))
    assert len(registre) == 1
    assert registre.iloc[0].categorie_juridique == "5458"
    assert registre.iloc[0].sources == "siae_2021, sirene_ul_ess_numerique"


def test_a_legal_unit_band_is_not_copied_to_each_of_its_establishments(referentiel, tmp_path):
    (tmp_path / "siae.csv").write_text(
        "siret,name,kind,longitude,latitude,api_entreprise_employees\n"
        "73282932000074,RESEAU A LILLE,ACI,3.0573,50.6329,1 000 à 1 999 salariés\n"
        "73282932000082,RESEAU A ROUBAIX,ACI,3.17,50.69,1 000 à 1 999 salariés\n"
        "55208131700018,SEULE,EI,3.06,50.63,20 à 49 salariés\n"
        # An ACI carried by a commune: the band is the town hall's, not the workshop's.
        "21590183600019,COMMUNE DE DUNKERQUE,ACI,2.37,51.03,1 000 à 1 999 salariés\n",
        encoding="utf-8",
    )
    dossier = tmp_path / "sortie"
    dossier.mkdir()
    structures.construire(
        dossier, referentiel, {siae.SIAE_2021.id: _loc(siae.SIAE_2021.id, tmp_path / "siae.csv")}
    )
    registre = pd.read_parquet(dossier / "structures.parquet").set_index("nom")
    assert registre.emplois_estimes.isna()["RESEAU A LILLE"]
    assert registre.emplois_estimes.isna()["RESEAU A ROUBAIX"]
    assert registre.emplois_estimes["SEULE"] == 34.5
    assert registre.emplois_estimes.isna()["COMMUNE DE DUNKERQUE"]


@pytest.mark.miroir
def test_register_built_from_the_mirror(cache_structures_miroir, referentiel):
    donnees = structures.charger(referentiel, cache_structures_miroir)
    assert donnees.disponible
    registre = donnees.registre
    assert registre.cle.is_unique
    assert registre.siret.dropna().is_unique
    # Real files: SIAE of 2019 and 2021 merge on their SIRET; invalid ones are left out.
    assert (registre.sources == "siae_2021, siae_2019").sum() > 3000
    assert "50010961600027" not in set(registre.siret.dropna())
    # ESAT sites of the FINESS list sharing one SIRET are one structure, and the build says so.
    assert any(
        a.startswith("esat_finess.csv : ") and "partagent un même SIRET" in a
        for a in donnees.manifeste["anomalies"]
    )
    assert donnees.manifeste["nombres"]["siret_invalides"] >= 13
    assert set(registre.famille) >= {"SIAE", "ESAT", "tiers-lieu", "association", "coopérative"}
    montreuil = donnees.bloc(referentiel, TerritoireId("commune", "93048"))
    assert montreuil["total"] >= 5
    assert "LA COLLECTERIE" in set(donnees.du_territoire(referentiel, TerritoireId("commune", "93048")).nom)
    france = donnees.bloc(referentiel, None)
    assert france["total"] == len(registre)
    assert france["localisation"]["sans"] > 3000  # SIREN-only units: counted, not mapped
    assert france["emplois_estimes"] > 0


def test_downloads_of_the_register_read_back(registre_construit, referentiel):
    from geo.outils import formats

    donnees, _ = registre_construit
    couches = donnees.couches_export(referentiel, TerritoireId("departement", "59"))
    couche = couches["structures_ess"]
    assert len(couche) == 2
    relues = formats.lire_geopackage(formats.vers_geopackage(couches))["structures_ess"]
    assert set(relues.nom) == {"ATELIER DU NORD", "<script>alert(1)</script>"}
    assert relues.crs.to_epsg() == 4326
    import json

    geojson = json.loads(formats.vers_geojson(couche))
    assert {f["properties"]["famille"] for f in geojson["features"]} == {"SIAE"}
    assert "ATELIER DU NORD" in formats.vers_csv(couche.drop(columns="geometry")).decode("utf-8-sig")


@pytest.mark.miroir
def test_report_has_a_structures_block(cache_miroir, monkeypatch, capsys):
    import json

    from geo.rendu import report

    # Every step built: the report reads them (over a cache of the structures alone, it
    # would build each missing step from the mirror first, 20 s).
    monkeypatch.setenv("ESS_DATA_DIR", str(cache_miroir.parent))
    assert report.main(["commune:93048", "--json"]) == 0
    bloc = json.loads(capsys.readouterr().out)["structures"]
    assert set(bloc) >= {"total", "par_famille", "emplois_estimes", "sources"}
    assert bloc["total"] == sum(bloc["par_famille"].values())
    assert bloc["par_famille"]["SIAE"] >= 5
    assert {s["id"] for s in bloc["sources"]} >= {"siae_2021", "esat_finess"}
    assert all(s["licence"] and s["millesime"] for s in bloc["sources"])


def test_the_register_says_it_is_partial_without_sirene():
    from geo.donnees import opportunites

    sans_sirene = {"sources": [{"source": "siae_2021"}, {"source": "esat_finess"}]}
    avec_sirene = {"sources": [{"source": "sirene_unites_legales"}, {"source": "sirene_etablissements"}]}
    assert structures.couverture_registre(sans_sirene)["partiel"] is True
    assert "associations, coopératives, mutuelles" in structures.couverture_registre(sans_sirene)["texte"]
    assert structures.couverture_registre(avec_sirene)["partiel"] is False
    assert "emplois_pour_1000" not in opportunites.indicateurs(registre_partiel=True)
    libelles = opportunites.indicateurs(registre_partiel=True)
    assert libelles["structures_pour_1000"].endswith("(registre partiel)")
    assert opportunites.indicateurs(registre_partiel=False) == opportunites.INDICATEURS


def test_structures_of_the_day_say_how_many_the_register_lacks():
    from types import SimpleNamespace

    demandes = []

    class ClientFactice:
        def structures(self, **critere):
            demandes.append(critere)
            sirets = pd.array(["11111111111111", "22222222222222", None], dtype="string")
            return pd.DataFrame({"siret": sirets}), ["1 page lue"]

    registre = SimpleNamespace(registre=pd.DataFrame({"siret": ["11111111111111", "99999999999999"]}))
    du_jour = structures.structures_du_jour(registre, TerritoireId("commune", "93048"), ClientFactice())
    assert demandes == [{"code_commune": "93048", "pages_max": 40}]
    assert len(du_jour.trouvees) == 3
    assert du_jour.absentes_du_registre == 2  # one SIRET unknown to the register, one without SIRET
    assert du_jour.remarques == ["1 page lue"]
    structures.structures_du_jour(registre, TerritoireId("departement", "93"), ClientFactice())
    assert demandes[-1] == {"departement": "93", "pages_max": 40}
    with pytest.raises(ValueError, match="commune ou département"):
        structures.structures_du_jour(registre, TerritoireId("epci", "200054781"), ClientFactice())


def _petit_registre(precisions: list[str | None]) -> pd.DataFrame:
    """One structure per precision (« adresse », centroid, or None for one with no place at all)."""
    return pd.DataFrame(
        {
            "famille": ["SIAE"] * len(precisions),
            "emplois_estimes": [None] * len(precisions),
            "sources": ["siae_2021"] * len(precisions),
            "precision": precisions,
            "lon": [None if p is None else 3.0 for p in precisions],
        }
    )


def test_the_located_counts_add_up_to_the_total_they_sit_beside():
    """« 12 en tout, toutes situées sur la carte » sat next to « Situées à l'adresse 10 »."""
    centre = structures.commun.PRECISION_CENTROIDE
    bloc = structures.resume(_petit_registre(["adresse"] * 10 + [centre] * 2))
    assert (bloc["total"], bloc["localisation"]["adresse"]) == (12, 10)
    assert structures.texte_localisation(bloc) == (
        "12 structures, dont 10 situées à leur adresse et 2 au centre de leur commune (adresse non géocodée "
        "dans la source), toutes sur la carte"
    )
    sans_lieu = structures.resume(_petit_registre(["adresse"] * 8 + [centre] * 2 + [None] * 2))
    assert structures.texte_localisation(sans_lieu) == (
        "12 structures, dont 8 situées à leur adresse, 2 au centre de leur commune (adresse non géocodée "
        "dans la source) et 2 sans adresse ni commune connue : 10 sur la carte, les 2 autres n'y sont pas"
    )
    assert (
        structures.texte_localisation(structures.resume(_petit_registre(["adresse"] * 3)))
        == "3 structures, toutes situées à leur adresse sur la carte"
    )
    assert (
        structures.texte_localisation(structures.resume(_petit_registre([None])))
        == "1 structure, sans adresse ni commune connue : absente de la carte"
    )


def test_structures_downloads_have_one_set_of_columns_in_french(registre_construit, referentiel):
    from geo.outils import formats, tableaux

    donnees, _ = registre_construit
    tid = TerritoireId("departement", "59")
    page = structures.tableau_export(donnees.du_territoire(referentiel, tid), referentiel.communes.nom)
    carte = donnees.couches_export(referentiel, tid)["structures_ess"]
    assert list(page.columns) == [c for c in carte.columns if c != carte.geometry.name]
    assert "cle" not in page.columns
    assert set(page.columns) <= set(tableaux.ENTETES)
    entete = formats.vers_csv(page).decode("utf-8-sig").splitlines()[0]
    assert '"SIRET";"SIREN";"Nom"' in entete
    assert "tranche_effectif_libelle" not in entete


def test_sources_that_add_up_to_more_than_the_total_say_why():
    """Porte du Hainaut read « SIAE 2021 : 10 · SIAE 2019 : 10 · ESAT : 2 » beside 12 structures."""
    registre = _petit_registre(["adresse"] * 3)
    registre["sources"] = ["siae_2021, siae_2019", "siae_2021, siae_2019", "esat_finess"]
    texte = structures.texte_sources(structures.resume(registre))
    assert texte.count(" : 2") == 2  # each SIAE list counts both structures
    assert "Ces nombres font 5 pour 3 structures : une structure citée par plusieurs sources" in texte
    seule = structures.resume(_petit_registre(["adresse"] * 2))
    assert "Ces nombres" not in structures.texte_sources(seule)


def test_structures_downloads_name_their_sources_by_title_not_by_id(registre_construit, referentiel):
    from geo import sources

    donnees, _ = registre_construit
    export = structures.tableau_export(donnees.registre, referentiel.communes.nom)
    ligne = export.set_index("siret").loc["73282932000074"]
    siae, esat = sources.source("siae_2021"), sources.source("esat_finess")
    assert ligne.sources == f"{siae.producteur} — {siae.titre} ; {esat.producteur} — {esat.titre}"
    assert ligne.millesimes.startswith(f"{siae.producteur} — {siae.titre} : ")
    assert f" ; {esat.producteur} — {esat.titre} : " in ligne.millesimes
    for colonne in ("sources", "millesimes"):
        assert not export[colonne].str.contains("siae_|esat_|sirene_", regex=True).fillna(False).any()
