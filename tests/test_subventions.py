"""Published subsidies placed on territories: grantor bodies, beneficiaries, report block, page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from geo.donnees import subventions
from geo.rendu import report
from geo.sources import scdl_lignes, scdl_publies
from geo.territoires.referentiel import TerritoireId
from tests.conftest import tableaux_de_page


@pytest.mark.parametrize(
    ("identifiant", "nom", "attendu"),
    [
        ("22800001400016", "Département de la Somme", ("departement", "80")),
        ("21860194600000", "Ville de Poitiers", ("commune", "86194")),  # SIRET truncated, SIREN intact
        (None, "Toulouse Métropole", ("epci", "243100518")),
        ("24310063300011", "SICOVAL", ("epci", "243100633")),
        (None, "Département des Pyrénées-Orientales", ("departement", "66")),
        (None, "Conseil Départemental de la Vendée", ("departement", "85")),
        (None, "Conseil régional d'Occitanie", ("region", "76")),
        (None, "Association des amis du Lot", (None, None)),
        ("77554456201361", "Une entreprise", (None, None)),
    ],
)
def test_grantor_territory_by_siren_or_name(referentiel, identifiant, nom, attendu):
    assert subventions.territoire_attribuant(identifiant, nom, referentiel) == attendu


def _ligne(**valeurs) -> dict:
    base = dict.fromkeys(scdl_lignes.COLONNES_SUBVENTIONS)
    base.update(
        montant_eur=30000.0, annee=2018, type_aide="non précisé", source=next(iter(scdl_publies.SOURCES))
    )
    base.update(valeurs)
    return base


def test_beneficiaries_placed_by_register_then_public_body_then_grantor(referentiel):
    somme = {"attribuant_id": "22800001400016", "attribuant_nom": "Département de la Somme"}
    table = pd.DataFrame(
        [
            _ligne(beneficiaire_siret="73282932000074", beneficiaire_siren="732829320", **somme),
            _ligne(beneficiaire_siren="218000099", **somme),  # Ailly-le-Haut-Clocher, a commune
            _ligne(beneficiaire_siren="248000531", **somme),  # an EPCI of the Somme
            _ligne(beneficiaire_siren="775544562", **somme),  # SIREN only, in the register
            _ligne(beneficiaire_nom="Club", **somme),
            _ligne(beneficiaire_nom="Club", attribuant_nom="Une fondation privée"),
            # The Somme's file: a SIREN whose number is not the commune's INSEE number; the name decides.
            _ligne(beneficiaire_siren="218000099", beneficiaire_nom="AILLY SUR NOYE", **somme),
            _ligne(
                beneficiaire_siren="218000099", beneficiaire_nom="Commune d'Ailly-le-Haut-Clocher", **somme
            ),
            _ligne(beneficiaire_siren="218000099", beneficiaire_nom="École primaire", **somme),
        ]
    )
    registre = pd.DataFrame(
        {
            "siret": ["73282932000074", "77554456201361", "77554456201379"],
            "siren": ["732829320", "775544562", "775544562"],
            "commune": ["80021", "59350", "59350"],
            "famille": ["association", "SIAE", "SIAE"],
        }
    )
    epci = referentiel.communes.loc["80021", "epci"]
    table.loc[2, "beneficiaire_siren"] = epci
    places = subventions.placer(table, referentiel, registre)
    assert list(places.placement) == [
        "siret_registre",
        "commune_beneficiaire",
        "epci_beneficiaire",
        "siren_registre",
        "territoire_attribuant",
        "aucun",
        "commune_beneficiaire",
        "commune_beneficiaire",
        "territoire_attribuant",
    ]
    assert list(places.commune[6:8]) == ["80010", "80009"]
    assert places.attrs["communes_non_reconnues"] == 1
    assert list(places.commune[:2]) == ["80021", "80009"]
    assert places.epci[2] == epci
    assert pd.isna(places.commune[2])
    assert places.commune[3] == "59350"
    assert places.dep[3] == "59"
    assert pd.isna(places.commune[4])
    assert places.dep[4] == "80"
    assert places.reg[4] == "32"
    assert list(places.famille[:4].fillna("-")) == ["association", "-", "-", "SIAE"]
    assert (places.attribuant_dep.drop(5) == "80").all()
    assert places.dep[8] == "80"
    assert pd.isna(places.dep[5])


@pytest.mark.parametrize(
    ("siren", "nom", "departement", "attendu"),
    [
        # Soissons' SIREN number (695) is not its INSEE number (722): the name decides.
        ("210206959", "COMMUNE  DE SOISSONS", None, "02722"),
        # No SIREN: the only commune of that name in the grantor's département.
        (None, "COMMUNE NIORT", "79", "79191"),
        (None, "COMMUNE DE ST JORY", "31", "31490"),
        ("219711173", "COMMUNE DU MOULE", "971", "97117"),  # overseas SIREN, « du » is « Le »
        ("212002471", "COMMUNE DE PORTO VECCHIO", None, "2A247"),  # Corsica's SIREN says 20
        ("200076578", "COMMUNE DE DINAN", "22", "22050"),  # a commune nouvelle's 200… SIREN
        ("210206959", "COM DE SOISSONS", None, "02722"),
        # Nothing guessed: several Saint-Médard, no Malaga in France, an association's SIREN.
        (None, "COMMUNE SAINT MEDARD", "79", None),
        (None, "COMMUNE DE MALAGA", "31", None),
        ("480201748", "COMMUNE LIBRE SAINTE OPPORTUNE", "44", None),
        (None, "Club de foot de Niort", "79", None),
        (None, "COMMUNE NIORT", None, None),
    ],
)
def test_a_commune_is_told_by_its_siren_or_its_name_in_the_departement(
    referentiel, siren, nom, departement, attendu
):
    assert subventions.commune_designee(siren, nom, departement, referentiel) == attendu


def test_a_commune_named_without_its_siren_receives_its_subsidy(referentiel):
    deux_sevres = {"attribuant_id": None, "attribuant_nom": "Département Deux-Sèvres"}
    table = pd.DataFrame(
        [
            _ligne(beneficiaire_nom="COMMUNE NIORT", **deux_sevres),
            _ligne(beneficiaire_nom="COMMUNE SAINT MEDARD", **deux_sevres),
            _ligne(beneficiaire_nom="COMMUNE LIBRE DU MARAIS", beneficiaire_siren="480201748", **deux_sevres),
        ]
    )
    places = subventions.placer(
        table, referentiel, pd.DataFrame(columns=["siret", "siren", "commune", "famille"])
    )
    assert list(places.placement) == ["commune_nommee", "territoire_attribuant", "territoire_attribuant"]
    assert places.commune[0] == "79191"
    assert pd.isna(places.commune[1])
    assert (places.attrs["communes_nommees"], places.attrs["communes_nommees_non_reconnues"]) == (1, 1)
    # Counted at Niort, not at the département's level only.
    donnees = subventions.DonneesSubventions(Path("/nonexistent"), {}, places, [])
    assert len(donnees.recues(TerritoireId("commune", "79191"))) == 1


def test_years_covered_are_those_of_the_files_that_concern_the_territory(referentiel):
    somme = {"attribuant_id": "22800001400016", "attribuant_nom": "Département de la Somme"}
    table = pd.DataFrame(
        [
            _ligne(beneficiaire_nom="Club", annee=2017, **somme),
            _ligne(beneficiaire_siren="218000099", annee=2031, **somme),  # Ailly-le-Haut-Clocher
            _ligne(beneficiaire_nom="Club", annee=2022, attribuant_nom="Toulouse Métropole"),
        ]
    )
    places = subventions.placer(
        table, referentiel, pd.DataFrame(columns=["siret", "siren", "commune", "famille"])
    )
    donnees = subventions.DonneesSubventions(Path("/nonexistent"), {}, places, [])
    # The Somme's file covers every commune of the Somme, from its data (2031 is no real year).
    assert donnees.annees_couvertes(referentiel, TerritoireId("commune", "80021")) == [2017, 2031]
    assert donnees.annees_couvertes(referentiel, TerritoireId("departement", "80")) == [2017, 2031]
    assert donnees.annees_couvertes(referentiel, TerritoireId("epci", "240200477")) == []
    assert donnees.annees_couvertes(referentiel, None) == [2017, 2022, 2031]
    # No file at all, or none that year: unknown, said so; a covered year says nothing.
    assert "inconnues, pas nulles" in subventions.sans_couverture({2021: ["Ci.Ville"]}, None)
    couverture = {2017: [subventions.SOURCE_COURTE], 2018: [subventions.SOURCE_COURTE]}
    assert subventions.sans_couverture(couverture, 2019).startswith("Aucune source pour 2019")
    assert "2017–2018" in subventions.sans_couverture(couverture, 2019)
    assert subventions.sans_couverture(couverture, 2018) is None


@pytest.fixture(scope="module")
def donnees_miroir(referentiel, cache_miroir):
    """The subsidies as the session's mirror build placed them (over its register of structures)."""
    return subventions.charger(referentiel, cache_miroir)


@pytest.mark.miroir
def test_every_mirror_file_has_its_counts_in_the_manifest(donnees_miroir):
    manifeste = donnees_miroir.manifeste
    fichiers = manifeste["fichiers"]
    assert len(fichiers) == len(scdl_publies.FICHIERS_PUBLIES)
    for fichier in fichiers:
        assert fichier["lignes_lues"] == fichier["lignes_gardees"] + fichier["lignes_refusees"]
    nombres = manifeste["nombres"]
    assert nombres["lignes_refusees"] == sum(f["lignes_refusees"] for f in fichiers)
    assert nombres["lignes_refusees"] >= 238 - 1  # the Vendée monthly files, at least
    assert nombres["placements"].get("aucun", 0) == 0
    anomalies = " ".join(manifeste["anomalies"])
    assert "virgule décimale non protégée" in anomalies
    assert "3,26E+13" in anomalies
    assert "seul SIREN" in anomalies
    table = donnees_miroir.table
    assert set(table.columns) == set(subventions.COLONNES)
    assert table.montant_eur.notna().all()


@pytest.mark.miroir
def test_somme_per_year_agreements_totals_and_placements(donnees_miroir):
    bloc = subventions.bloc(donnees_miroir, TerritoireId("departement", "80"))
    accordees = bloc["accordees_par_les_collectivites_du_territoire"]
    assert accordees["conventions"] == 52
    assert accordees["par_annee"]["2017"]["conventions"] == 41
    assert accordees["par_annee"]["2017"]["total_eur"] == 3201952.64
    assert accordees["par_annee"]["2018"]["conventions"] == 11
    assert accordees["par_annee"]["2018"]["total_eur"] == 2493742.0
    recues = bloc["recues"]
    annee = recues["par_annee"]["2017"]
    assert sum(annee["conventions_par_placement"].values()) == annee["conventions"]
    assert annee["beneficiaires_places"]["par_leur_identifiant"] > 0
    assert recues["structures_ess"]["total_eur"] > 0
    assert recues["structures_ess"]["part_pct"] < 100
    assert {f["fichier"] for f in bloc["fichiers"]} == {
        "DEP_Somme_TB_20180302_DONNEES_CONVENTIONS.csv",
        "DEP_Somme_TB_20180330_DONNEES_CONVENTIONS.csv",
    }
    assert bloc["lignes_refusees"] == 0
    # A year chosen: only that year.
    seule = subventions.bloc(donnees_miroir, TerritoireId("departement", "80"), 2018)
    assert list(seule["accordees_par_les_collectivites_du_territoire"]["par_annee"]) == ["2018"]


@pytest.mark.miroir
def test_refused_rows_count_for_the_territory_of_the_body_that_published_them(donnees_miroir):
    vendee = subventions.bloc(donnees_miroir, TerritoireId("departement", "85"))
    fichiers = {f["fichier"]: f for f in vendee["fichiers"]}
    assert fichiers["2017_Publication_données_Open_data_Subventions_Conventions.csv"]["lignes_refusees"] == 23
    assert vendee["lignes_refusees"] >= 238
    france = subventions.bloc(donnees_miroir, None)
    assert france["lignes_refusees"] == donnees_miroir.manifeste["nombres"]["lignes_refusees"]
    assert len(france["fichiers"]) == len(scdl_publies.FICHIERS_PUBLIES)


@pytest.mark.miroir
def test_a_commune_receives_its_own_subsidy_and_toulouse_metropole_grants(donnees_miroir):
    # The Somme gives Ailly-sur-Noye a SIREN whose number is another commune's INSEE code.
    ailly = donnees_miroir.recues(TerritoireId("commune", "80010"))
    assert set(ailly.placement.astype(str)) == {"commune_beneficiaire"}
    assert 26956.0 in set(ailly.montant_eur)
    assert donnees_miroir.recues(TerritoireId("commune", "80009")).empty
    communes = donnees_miroir.table[donnees_miroir.table.placement == "commune_beneficiaire"]
    assert len(communes) >= 6
    assert any("école, service" in a for a in donnees_miroir.manifeste["anomalies"])
    toulouse = donnees_miroir.accordees(TerritoireId("epci", "243100518"))
    assert len(toulouse) == 396 + 551
    assert set(toulouse.annee) == {2022, 2023}


def test_report_gives_the_somme_subsidies(capsys):
    assert report.main(["departement:80", "--json"]) == 0
    resultat = json.loads(capsys.readouterr().out)
    bloc = resultat["financements"]["subventions"]
    assert bloc["disponible"]
    par_annee = bloc["accordees_par_les_collectivites_du_territoire"]["par_annee"]
    assert set(par_annee) == {"2017", "2018"}
    assert {"conventions", "total_eur", "beneficiaires", "beneficiaires_places"} <= set(par_annee["2017"])
    assert bloc["source"].startswith("Conventions de subvention")


def _page_somme(**parametres):
    from tests.test_pages import _relancer
    from tests.test_pages_emplois import _ouvrir

    return _ouvrir("pages/emplois.py", "departement:80", **parametres), _relancer


def _valeur(at, libelle: str) -> str:
    return next(m.value for m in at.metric if m.label == libelle)


def test_jobs_and_funding_page_shows_the_somme_subsidies():
    at, relancer = _page_somme()
    assert _valeur(at, "Conventions") == "51"
    assert _valeur(at, "Montant accordé") == "5\u202f666\u202f975 €"
    tableau = tableaux_de_page(at)[-1].value
    assert len(tableau) == 51
    assert set(tableau["Attribuant"]) == {"Département de la Somme"}
    assert "Placé par" in tableau.columns
    # Granted by the Somme's public bodies: one more, placed on its beneficiary elsewhere.
    at.radio(key="sens_subventions").set_value("accordees")
    relancer(at)
    assert _valeur(at, "Conventions") == "52"
    # The keyboard twin of a click on a bar narrows the table.
    at.selectbox(key="filtre_sub_groupe").set_value("fonctionnement")
    relancer(at)
    tableau = tableaux_de_page(at)[-1].value
    assert 0 < len(tableau) < 52
    assert set(tableau["Type d'aide"]) == {"fonctionnement"}
    assert at.query_params["sub_groupe"] == "fonctionnement"
    assert at.query_params["sub_sens"] == "accordees"
    # Opening that link shows the same selection.
    lien, _ = _page_somme(sub_sens="accordees", sub_groupe="fonctionnement")
    assert lien.selectbox(key="filtre_sub_groupe").value == "fonctionnement"
    assert len(tableaux_de_page(lien)[-1].value) == len(tableau)
    # A group that does not exist is dropped, not shown as an empty table.
    faux, _ = _page_somme(sub_groupe="<b>inconnu</b>")
    assert len(tableaux_de_page(faux)[-1].value) == 51
    assert "sub_groupe" not in faux.query_params


def test_the_page_year_selector_applies_to_the_subsidies():
    at, _ = _page_somme(annee="2018")
    assert _valeur(at, "Conventions") == "11"
    assert set(tableaux_de_page(at)[-1].value["Année"]) == {"2018"}
    assert any(re.search(r"\d+ lignes? refusées? dans", c.value) for c in at.caption)


@pytest.mark.miroir
def test_import_of_a_published_file_is_kept_and_read_with_the_table(
    referentiel, miroir, donnees_miroir, cache_structures_miroir, tmp_path
):
    from geo.donnees import subventions_import

    somme = next((miroir / "financements" / "scdl" / "publies").glob("DEP_Somme_TB_20180302*"))
    rapport = subventions_import.importer(somme.read_bytes(), "../../Somme 2017.csv", tmp_path)
    assert rapport.conventions == 41
    assert rapport.resume().startswith("Somme 2017.csv importé : 41 conventions, ")
    assert any("AAAA/MM/JJ" in r for r in rapport.remarques)
    gardes = subventions_import.fichiers_importes(tmp_path)
    assert [p.parent for p in gardes] == [tmp_path / "subventions_importees"]
    assert gardes[0].read_bytes() == somme.read_bytes()
    with pytest.raises(subventions_import.ImportSubventionsRefuse, match="déjà été importé"):
        subventions_import.importer(somme.read_bytes(), "Somme 2017.csv", tmp_path)
    avec = subventions.charger(referentiel, cache_structures_miroir, tmp_path)
    importees = avec.table[avec.table.source.astype(str).str.startswith("import:")]
    assert len(importees) == 41
    assert set(importees.attribuant_dep) == {"80"}
    assert len(avec.table) == len(donnees_miroir.table) + 41
    bloc = subventions.bloc(avec, TerritoireId("departement", "80"), 2017)
    assert any(f["producteur"].startswith("fichier publié, importé") for f in bloc["fichiers"])


@pytest.mark.miroir
def test_import_is_all_or_nothing_with_french_messages(miroir, tmp_path):
    from geo.donnees import subventions_import

    vendee = next((miroir / "financements" / "scdl" / "publies").rglob("2017_Publication*"))
    with pytest.raises(subventions_import.ImportSubventionsRefuse) as refus:
        subventions_import.importer(vendee.read_bytes(), vendee.name, tmp_path)
    messages = refus.value.messages
    assert messages[0].startswith("Rien n'a été importé : 23 lignes sur 23 ne peuvent pas être lues")
    assert "ligne 2 : 15 cellules pour 14 colonnes" in messages[1]
    assert subventions_import.fichiers_importes(tmp_path) == []
    for contenu, nom, attendu in (
        (b"code;nom\n1;a\n", "liste.csv", "aucune colonne de montant"),
        (b"", "vide.csv", "fichier vide"),
        (b"MZ\x90\x00", "programme.exe", "format non reconnu"),
    ):
        with pytest.raises(subventions_import.ImportSubventionsRefuse, match=attendu):
            subventions_import.importer(contenu, nom, tmp_path)
    assert subventions_import.fichiers_importes(tmp_path) == []


@pytest.mark.miroir
def test_fiche_of_the_somme_has_the_subsidies_chart_figure_and_sources(referentiel, donnees_miroir):
    from geo.rendu import fiche
    from tests.test_fiche import _texte

    bloc_financements = {
        "total_eur": 0.0,
        "par_annee": {},
        "donnees_ouvertes": {},
        "subventions": subventions.bloc(donnees_miroir, TerritoireId("departement", "80")),
    }
    contenu = fiche.pdf(referentiel, TerritoireId("departement", "80"), bloc_financements=bloc_financements)
    pages, texte = _texte(contenu)
    assert pages == 1
    assert "Subventions publiées reçues par année" in texte
    assert "51 conventions, 5\u202f666\u202f975 €" in texte
    assert "Subventions publiées reçues" in texte
    assert "Département de la Somme" in texte


def test_map_overlay_draws_placed_beneficiaries_at_their_commune_and_escapes_names(referentiel, tmp_path):
    import folium

    from geo.rendu import surcouches

    somme = {"attribuant_id": "22800001400016", "attribuant_nom": "Département de la Somme"}
    table = pd.DataFrame(
        [
            _ligne(beneficiaire_siret="73282932000074", beneficiaire_nom="<script>x</script> Asso", **somme),
            _ligne(beneficiaire_siret="73282932000074", beneficiaire_nom="<script>x</script> Asso", **somme),
            _ligne(beneficiaire_nom="Club sans identifiant", **somme),
        ]
    )
    registre = pd.DataFrame(
        {
            "siret": ["73282932000074"],
            "siren": ["732829320"],
            "commune": ["80021"],
            "famille": ["association"],
        }
    )
    donnees = subventions.DonneesSubventions(
        tmp_path, {"disponible": False}, subventions.placer(table, referentiel, registre)
    )
    communes = surcouches.subventions.par_commune(donnees, TerritoireId("departement", "80"))
    assert list(communes.commune) == ["80021"]
    assert communes.conventions[0] == 2
    assert communes.montant_eur[0] == 60000.0
    surcouche = surcouches.subventions.surcouche(referentiel, donnees, TerritoireId("departement", "80"))
    libelles = [libelle for _, libelle in surcouche.legende]
    assert libelles[0].startswith("Bénéficiaires de subventions publiées, à leur commune (1 commune ;")
    assert libelles[1] == "1 subvention sans commune du bénéficiaire, non dessinée"
    carte = folium.Map()
    surcouche.creer().add_to(carte)
    html = carte.get_root().render()
    assert "<script>x</script>" not in html
    assert "Amiens" in html
    assert "60\u202f000 €" in html or "60\\u202f000 \\u20ac" in html
    export = surcouches.subventions.couches_export(referentiel, donnees, TerritoireId("departement", "80"))
    couche = export["subventions_par_commune"]
    assert list(couche.nom) == ["Amiens"]
    assert couche.geometry.iloc[0].within(referentiel.communes.loc["80021"].geometry)


def test_map_page_draws_the_subsidies_layer_for_the_somme():
    from tests.test_pages_emplois import _ouvrir

    at = _ouvrir("pages/carte.py", "departement:80", couches="subventions")
    assert at.toggle(key="couche-subventions").value
    assert not any("Aucun fichier de subventions" in i.value for i in at.info)


def test_sources_page_lists_the_published_files_and_their_defects():
    from tests.test_page_sources import tableau as tableau_de
    from tests.test_pages_emplois import _ouvrir

    at = _ouvrir("pages/sources.py")
    tableau = tableau_de(at, "Producteur")
    titres = set(tableau["Jeu de données"])
    assert "Subventions attribuées, Département de la Somme (2017), format SCDL" in titres
    # One line per published file, each title telling it apart.
    assert sum(t.startswith("Subventions attribuées") for t in titres) == len(scdl_publies.FICHIERS_PUBLIES)
    texte = " ".join(m.value for m in at.markdown)
    assert "virgule décimale non protégée" in texte
