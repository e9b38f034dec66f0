"""Loaders of ESS structure lists: small files written here, and the real mirror files."""

from __future__ import annotations

import zipfile

import pytest

from geo.sources import esat, fabriques, siae, sirene
from geo.sources import ess_commun as commun

ENTETE_SIAE = (
    "siret,name,kind,naf,address,post_code,city,department,longitude,latitude,api_entreprise_employees"
)
LIGNES_SIAE = [
    "80746931700018,BALUCHON À TABLE,EI,5621Z,Rue Madeleine Odru,93230,Romainville,93,2.431955,48.88053,"
    "50 à 99 salariés",
    "75187049400026,LA COLLECTERIE,ACI,8899B,18 Rue Saint Antoine,93100,Montreuil,93,2.455023,48.865024,",
    "1234,SANS POSITION,AI,,,1000,Bourg,1,abc,,",
]


def _ecrire(chemin, lignes, encodage="utf-8", separateur=","):
    texte = "\n".join(ligne.replace(",", separateur) for ligne in lignes) + "\n"
    chemin.write_bytes(texte.encode(encodage))
    return chemin


@pytest.mark.parametrize(
    ("encodage", "separateur"), [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("latin-1", ",")]
)
def test_siae_read_whatever_encoding_and_separator(tmp_path, encodage, separateur):
    chemin = _ecrire(tmp_path / "siae.csv", [ENTETE_SIAE, *LIGNES_SIAE], encodage, separateur)
    tableau, anomalies = siae.lire_2021(chemin)
    assert list(tableau.nom) == ["BALUCHON À TABLE", "LA COLLECTERIE", "SANS POSITION"]
    assert tableau.sous_type.iloc[1] == "Atelier et chantier d'insertion (ACI)"
    assert tableau.naf.iloc[0] == "56.21Z"
    assert tableau.tranche_effectif_ul.iloc[0] == "21"  # the legal unit's band, kept apart
    assert list(tableau.precision.fillna("")) == ["adresse", "adresse", ""]
    assert tableau.code_postal.iloc[2] == "01000"
    assert tableau.dep.iloc[2] == "01"
    # The unreadable longitude is reported with its line, not silently dropped.
    assert any("ligne" in a and "4" in a for a in anomalies)


def test_missing_column_gives_a_french_message_naming_it(tmp_path):
    chemin = _ecrire(tmp_path / "siae.csv", ["siret,name,kind", "80746931700018,X,EI"])
    with pytest.raises(commun.DonneesStructuresInvalides, match=r"siae\.csv : colonnes manquantes : lon"):
        siae.lire_2021(chemin)


def test_siae_2019_one_structure_per_siret_with_its_measures(tmp_path):
    lignes = [
        "MESURE;CODE_DEPARTEMENT;CODE_POSTAL;COMMUNE;CODE_NAF2;NATURE_JURIDIQUE;SIRET;DENOMINATION_SOCIALE;NUM_RUE;NOM_RUE",
        "ACI;002;02200;SOISSONS;8899B;Association déclarée;34356040500023;COTIERE;7;Rue X",
        "AI;002;02200;SOISSONS;8899B;Association déclarée;34356040500023;COTIERE;7;Rue X",
        "EI;59L;59000;LILLE;5621Z;SARL;41071771400035;AUTRE;;Rue Y",
    ]
    chemin = tmp_path / "liste.csv"
    chemin.write_text("\n".join(lignes), encoding="utf-8")
    tableau, _ = siae.lire_2019(chemin)
    assert len(tableau) == 2
    premiere = tableau.set_index("siret").loc["34356040500023"]
    assert premiere.sous_type == "Association intermédiaire (AI) ; Atelier et chantier d'insertion (ACI)"
    assert premiere.dep == "02"
    assert tableau.set_index("siret").loc["41071771400035"].dep == "59"


def test_esat_commune_code_gets_its_leading_zero_back(tmp_path):
    lignes = [
        "EJ-Raison sociale;EJ-Statut juridique Libellé;ET-N°FINESS;ET-Raison sociale;ET-Adresse;"
        "ET-Code Postal;ET-SIRET;ET-Département Code;ET-Commune Code;ET-Commune Libellé;"
        "Capacité autorisée agrégée",
        "ORSAC;Ass.L.1901 R.U.P.;10008951;ESAT ENVOL;385   ALL DU PRUNNUS;1150;77554456201361;1;1047;Blyes;9",
    ]
    chemin = tmp_path / "esat.csv"
    chemin.write_bytes("\n".join(lignes).encode("cp1252"))
    tableau, _ = esat.lire(chemin)
    ligne = tableau.iloc[0]
    assert (ligne.commune, ligne.code_postal, ligne.dep) == ("01047", "01150", "01")
    assert ligne.adresse == "385 ALL DU PRUNNUS"
    assert ligne.capacite == 9
    assert ligne.famille_source == "ESAT"


def _zip(chemin_csv):
    archive = chemin_csv.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as z:
        z.write(chemin_csv, chemin_csv.name)
    return archive


def test_sirene_is_streamed_and_filtered_to_active_ess_units(tmp_path):
    ul = tmp_path / "StockUniteLegale_utf8.csv"
    ul.write_text(
        "siren,etatAdministratifUniteLegale,denominationUniteLegale,categorieJuridiqueUniteLegale,"
        "activitePrincipaleUniteLegale,trancheEffectifsUniteLegale,economieSocialeSolidaireUniteLegale\n"
        "732829320,A,ASSO ACTIVE,9220,88.99B,12,O\n"
        "552081317,A,PAS ESS,5710,62.01Z,03,N\n"
        "356000000,C,ESS CESSEE,9220,88.99B,12,O\n"
        "5520135,A,SCOP ZERO PERDU,5458,43.21A,02,O\n",
        encoding="utf-8",
    )
    etab = tmp_path / "StockEtablissement_utf8.csv"
    etab.write_text(
        "siren,siret,etatAdministratifEtablissement,codeCommuneEtablissement,activitePrincipaleEtablissement,"
        "trancheEffectifsEtablissement,enseigne1Etablissement,numeroVoieEtablissement,typeVoieEtablissement,"
        "libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement\n"
        "732829320,73282932000074,A,59350,88.99B,11,,1,RUE,DE PARIS,59000,LILLE\n"
        "732829320,73282932000082,F,59350,88.99B,11,,,,,59000,LILLE\n"
        "552081317,55208131700018,A,59350,62.01Z,03,,,,,59000,LILLE\n"
        "732829320,73282932000090,A,31555,88.99B,,,,,,31000,TOULOUSE\n"
        "005520135,00552013500012,A,2722,43.21A,02,ATELIER,,,,2200,SOISSONS\n",
        encoding="utf-8",
    )
    geo = tmp_path / "GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.csv"
    geo.write_text(
        "siret;x;y;qualite_xy;epsg;plg_code_commune;y_latitude;x_longitude\n"
        "73282932000074;704000;7059000;11;2154;59350;50.63;3.06\n"
        "99999999999999;1;1;11;2154;59350;1;1\n",
        encoding="utf-8",
    )
    unites = sirene.lire_unites_legales(_zip(ul), taille=1)
    assert sorted(unites.siren) == ["005520135", "732829320"]
    etablissements = sirene.lire_etablissements(
        _zip(etab), unites, communes_gardees={"59350", "02722"}, taille=2
    )
    assert sorted(etablissements.siret) == ["00552013500012", "73282932000074"]
    scop = etablissements.set_index("siret").loc["00552013500012"]
    assert (scop.commune, scop.famille_source, scop.sous_type) == ("02722", "coopérative", "SCOP (SARL)")
    assert scop.nom == "SCOP ZERO PERDU — ATELIER"
    positions = sirene.lire_geolocalisation(geo, etablissements.siret, taille=1)
    assert list(positions.siret) == ["73282932000074"]
    assert positions.lat.iloc[0] == pytest.approx(50.63)


def test_sirene_missing_column_is_named(tmp_path):
    ul = tmp_path / "StockUniteLegale_utf8.csv"
    ul.write_text("siren,denominationUniteLegale\n732829320,X\n", encoding="utf-8")
    with pytest.raises(commun.DonneesStructuresInvalides, match="economieSocialeSolidaireUniteLegale"):
        sirene.lire_unites_legales(ul)


@pytest.mark.miroir
def test_real_lists_of_the_mirror(miroir):
    dossier = miroir / "ess"
    siae_2021, _ = siae.lire_2021(dossier / "siae_2021_points.csv")
    assert len(siae_2021) == 3853
    assert int(siae_2021.lon.notna().sum()) == 3820
    assert set(siae_2021.sous_type.str.extract(r"\((\w+)\)$")[0].dropna()) == {
        "ACI",
        "EI",
        "AI",
        "ETTI",
        "GEIQ",
        "EA",
    }
    siae_2019, _ = siae.lire_2019(dossier / "liste_siae_2019_07.csv")
    assert siae_2019.siret_brut.is_unique
    assert set(siae_2019.dep) >= {"59", "2A", "02", "971"}
    esats, _ = esat.lire(dossier / "esat_finess.csv")
    assert len(esats) == 1504
    assert esats.commune.notna().all()
    assert esats.commune.str.len().eq(5).all()
    lieux, _ = fabriques.lire(dossier / "fabriques_de_territoire_2024.csv")
    assert len(lieux) == 382
    assert "\n" not in "".join(lieux.nom)
    unites, _ = sirene.lire_ul_ess_numerique(dossier / "unites_legales_ess_numerique.csv")
    assert len(unites) == 3375
    assert unites.siren.str.fullmatch(r"\d{9}").all()
    assert (unites.famille_source == "association").sum() > 2000


def test_official_finess_extraction_keeps_the_esat(tmp_path):
    from geo.sources import esat

    def ligne(finess, nom, commune, dep, categorie, siret):
        champs = ["structureet", finess, "", nom, "", "", "", "12", "RUE", "DES ÉCOLES", "", ""]
        champs += [commune, dep, "", f"{dep[:2] if dep[0] != '9' else '97'}000 VILLE", "", ""]
        champs += [categorie, "", "", "", siret, "", "", "", "", "", "", "", ""]
        return ";".join(champs)

    chemin = tmp_path / "etalab-cs1100507-stock-20260512-0339.csv"
    chemin.write_bytes(
        "\n".join(
            [
                "finess;etalab;102700;2026-05-12",
                ligne("020001234", "ESAT DU SOISSONNAIS", "722", "02", "246", "77554456201361"),
                ligne("9C0001234", "ESAT DE CAYENNE", "302", "9C", "246", ""),
                ligne("590001234", "HÔPITAL", "350", "59", "101", "26590000000017"),
                "geolocalisation;020001234;704000;7059000;1,ATLASANTE,96,BAN,EPSG:2154;2026-05-01",
            ]
        ).encode("cp1252")
    )
    tableau, anomalies = esat.lire_extraction(chemin)
    assert list(tableau.nom) == ["ESAT DU SOISSONNAIS", "ESAT DE CAYENNE"]
    assert list(tableau.commune) == ["02722", "97302"]
    assert list(tableau.dep) == ["02", "973"]
    assert tableau.siret.iloc[0] == "77554456201361"
    assert tableau.adresse.iloc[0] == "12 RUE DES ÉCOLES"
    assert anomalies == []

    (tmp_path / "autre.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(commun.DonneesStructuresInvalides, match="extraction FINESS"):
        esat.lire_extraction(tmp_path / "autre.csv")
