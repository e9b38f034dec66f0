"""AppTest of the « Emplois et financements » and « Saisie » pages, and of the new sections."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geo.base import comptes, contributions, store
from geo.donnees import emplois, financements
from tests.conftest import RACINE, composants_de_page, tableaux_de_page
from tests.test_pages import _relancer
from ui.acces import CLE_COMPTE

APP = str(RACINE / "app.py")
DELAI = 180


@pytest.fixture(autouse=True)
def _base_neuve(referentiel, tmp_path, monkeypatch):
    """Each test starts from a store holding the seed pack only (loaded on first use)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'saisie.sqlite3'}")


def _ouvrir(page: str, territoire: str | None = None, **parametres) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=DELAI)
    if page == "pages/saisie.py":
        # Writing needs an account: these tests write as an administrator (tests/test_page_acces.py
        # covers logging in and the contributors' limits).
        at.session_state[CLE_COMPTE] = _administrateur()
    if territoire:
        at.query_params["territoire"] = territoire
    for cle, valeur in parametres.items():
        at.query_params[cle] = valeur
    at.switch_page(page)  # straight to the page, as a shared link opens it
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _administrateur() -> int:
    depot = store.ouvrir()
    try:
        existant = comptes.par_identifiant(depot, "admin-essai")
        if existant is not None:
            return existant.id
        return comptes.creer(depot, "admin-essai", "administrateur", "mot de passe des essais").id
    finally:
        depot.fermer()


def _metrique(at: AppTest, debut: str):
    return next(m for m in at.metric if m.label.startswith(debut))


def test_jobs_page_for_the_soissonnais():
    at = _ouvrir("pages/emplois.py", "epci:240200477")
    assert at.title[0].value == "Emplois et financements"
    assert _metrique(at, "Emplois créés").value == "42"
    financements = _metrique(at, "Financements reçus").value
    assert financements.endswith("€")
    assert financements != "0 €"
    assert _metrique(at, "Part de l'ESS").value == "11,1 %"
    # The projects table lists the three ALISS structures' projects.
    projets = tableaux_de_page(at)[0].value
    assert {"Réaliss (régie de quartier)", "Axo'Meca (garage solidaire)"} <= set(projets.projet)
    assert int(projets.insertion.sum()) == 35
    # Two projects have no stage in their document: the grid draws such a cell with the
    # placeholder, whatever the Styler says (« None » without it, as Chromium showed).
    assert projets.etape.isna().sum() == 2
    assert tableaux_de_page(at)[0].proto.placeholder == "—"
    # Charts are drawn (Vega-Lite elements are not inspectable by AppTest beyond their presence).
    assert len(at.get("vega_lite_chart")) >= 6


def test_porte_du_hainaut_jobs_read_unknown_with_the_projects_that_lack_a_figure():
    """Its two projects give no job count: « inconnu », not 0; their table cells read « — »."""
    at = _ouvrir("pages/emplois.py", "epci:200042190")
    assert _metrique(at, "Emplois créés").value == "inconnu"
    assert "2 projets sans chiffre d'emplois" in [c.value for c in at.caption]
    projets = tableaux_de_page(at)[0]
    assert len(projets.value) == 2
    assert projets.value[["insertion", "encadrement", "autre"]].isna().all().all()
    # The grid draws a missing cell with the placeholder, not the Styler's text (« None » without
    # it, as Chromium showed), and the caption says what « — » means.
    assert projets.proto.placeholder == "—"
    assert any(c.value.startswith("« — » : non dit par la source") for c in at.caption)


def test_territory_page_of_porte_du_hainaut_says_its_jobs_are_unknown():
    at = _ouvrir("pages/territoire.py", "epci:200042190")
    assert _metrique(at, "Emplois créés").value == "inconnu"
    assert "2 projets sans chiffre d'emplois" in [c.value for c in at.caption]


def test_saisie_page_counts_job_rows_and_the_jobs_they_hold():
    """It said « 6 emplois »: the seed pack's 6 rows of jobs, which hold the 42 jobs of every other page."""
    at = _ouvrir("pages/saisie.py")
    texte = " ".join(m.value for m in at.markdown)
    assert "6 lignes d'emplois (42 emplois créés ; 8 projets sans chiffre d'emplois)" in texte


def test_year_selector_applies_to_every_figure_and_goes_in_the_url():
    at = _ouvrir("pages/emplois.py", "epci:240200477")
    toutes = _metrique(at, "Financements reçus").value
    at.selectbox(key="annee").set_value(2022)
    _relancer(at)
    assert at.query_params["annee"] == "2022"
    assert _metrique(at, "Financements reçus").value != toutes
    # The ALISS jobs have no year: none known in 2022, and the page says why.
    assert _metrique(at, "Emplois créés").value == "inconnu"
    assert any("sans année" in i.value for i in at.info)
    assert set(tableaux_de_page(at)[1].value.annee) == {"2022"}
    # A year the link mistypes, or that no figure covers, is said at each run and reads as every year.
    for ecrite, message in (
        ("202", "année « 202 » illisible"),
        ("1999", "aucun emploi ni financement connu en 1999"),
    ):
        at.query_params["annee"] = ecrite
        _relancer(at)
        assert any(message in w.value for w in at.warning), [w.value for w in at.warning]
        assert _metrique(at, "Financements reçus").value == toutes
        _relancer(at)
        assert sum(message in w.value for w in at.warning) == 1


def test_filters_narrow_the_tables():
    at = _ouvrir("pages/emplois.py", "epci:240200477")
    at.selectbox(key="filtre_projet").set_value("Réaliss (régie de quartier)")
    _relancer(at)
    assert list(tableaux_de_page(at)[0].value.projet) == ["Réaliss (régie de quartier)"]
    at.selectbox(key="filtre_dispositif").set_value("Postes FONJEP (politique de la ville)")
    _relancer(at)
    assert set(tableaux_de_page(at)[1].value.dispositif) == {"Postes FONJEP (politique de la ville)"}


def test_flat_2025_amounts_are_flagged_on_the_page():
    at = _ouvrir("pages/emplois.py", "departement:02", annee="2025")
    assert any("7 164 €" in i.value for i in at.info)


def test_entry_form_adds_jobs_that_the_jobs_page_then_counts():
    at = _ouvrir("pages/saisie.py")
    at.radio(key="table_formulaire").set_value("emplois")
    _relancer(at)
    at.selectbox(key="champ_emplois_projet").set_value("Réaliss (régie de quartier)")
    at.selectbox(key="champ_emplois_nature").set_value("autre")
    at.number_input(key="champ_emplois_nombre").set_value(2)
    at.text_input(key="champ_emplois_annee").set_value("2024")
    at.button(key="FormSubmitter:formulaire_emplois-Enregistrer").click()
    _relancer(at)
    assert any("emplois 1" in s.value for s in at.success), [s.value for s in at.success]
    at.query_params["territoire"] = "epci:240200477"
    at.switch_page("pages/emplois.py").run()
    assert _metrique(at, "Emplois créés").value == "44"
    at.selectbox(key="annee").set_value(2024)
    _relancer(at)
    assert _metrique(at, "Emplois créés").value == "2"


def test_entry_form_refuses_a_bad_row_with_line_and_column():
    at = _ouvrir("pages/saisie.py")
    at.radio(key="table_formulaire").set_value("financements")
    _relancer(at)
    at.text_input(key="champ_financements_montant_eur").set_value("douze euros")
    at.text_input(key="champ_financements_territoire").set_value("epci:240200477")
    at.button(key="FormSubmitter:formulaire_financements-Enregistrer").click()
    _relancer(at)
    assert any("Rien n'a été enregistré" in e.value for e in at.error)
    erreurs = tableaux_de_page(at)[0].value
    assert list(erreurs.Colonne) == ["montant_eur"]
    assert "douze euros" in erreurs["Problème"].iloc[0]


def test_unknown_territory_in_the_form_is_refused():
    at = _ouvrir("pages/saisie.py")
    at.text_input(key="champ_ptce_nom").set_value("Pôle X")
    at.text_input(key="champ_ptce_perimetre").set_value("epci:123456789")
    at.button(key="FormSubmitter:formulaire_ptce-Enregistrer").click()
    _relancer(at)
    assert list(tableaux_de_page(at)[0].value.Colonne) == ["perimetre"]


def test_territory_page_has_the_jobs_section():
    at = _ouvrir("pages/territoire.py", "epci:240200477")
    assert "Emplois créés et financements reçus" in [s.value for s in at.header]
    assert _metrique(at, "Emplois créés").value == "42"


def test_filters_live_in_the_link():
    at = _ouvrir("pages/emplois.py", "epci:240200477")
    at.selectbox(key="filtre_projet").set_value("Réaliss (régie de quartier)")
    _relancer(at)
    assert at.query_params["projet"] == "Réaliss (régie de quartier)"
    # Opening that link shows the same selection.
    lien = _ouvrir("pages/emplois.py", "epci:240200477", projet="Réaliss (régie de quartier)")
    assert lien.selectbox(key="filtre_projet").value == "Réaliss (régie de quartier)"
    assert list(tableaux_de_page(lien)[0].value.projet) == ["Réaliss (régie de quartier)"]
    # A project that does not exist here is dropped from the link.
    inconnu = _ouvrir("pages/emplois.py", "epci:240200477", projet="Projet fantôme")
    assert inconnu.selectbox(key="filtre_projet").value == "tous"
    assert "projet" not in inconnu.query_params


def test_a_year_no_source_covers_reads_unknown_and_the_selector_shows_coverage():
    at = _ouvrir("pages/emplois.py", "epci:240200477", annee="2019")
    options = at.selectbox(key="annee").options
    assert "2021 — Ci.Ville" in options
    assert "2019 — aucune source de financement ici" in options
    # Ci.Ville starts in 2020 and ALISS's funding has no year: 2019 is unknown, not 0 €.
    recus = _metrique(at, "Financements reçus")
    assert (recus.value, recus.delta) == ("—", "aucune source pour 2019")
    assert _metrique(at, "dont données ouvertes").value == "—"
    assert any("Aucune source de financement ne couvre 2019" in i.value for i in at.info)
    # No published subsidies file concerns GrandSoissons: « — », and the page says why.
    assert _metrique(at, "Montant accordé").value == "—"
    assert any("ne concerne ce territoire" in i.value for i in at.info)


@pytest.mark.miroir
def test_soissons_counts_the_posts_the_commune_employs_and_labels_are_explained(cache_miroir, monkeypatch):
    # The mirror's own build: the embedded snapshot predates the placement at the employing commune.
    monkeypatch.setenv("ESS_DATA_DIR", str(cache_miroir.parent))
    at = _ouvrir("pages/emplois.py", "commune:02722")
    assert _metrique(at, "Financements reçus").value not in {"0 €", "—"}
    # Found by its columns: Soissons has no project, so no projects table comes before it.
    lignes = next(d.value for d in at.dataframe if "beneficiaire" in d.value.columns)
    communales = lignes[lignes.beneficiaire.str.contains("COMMUNE  DE SOISSONS", regex=False)]
    assert len(communales) == 12
    assert set(communales.rattachement) == {"l'employeur est la commune (son SIRET ou son nom)"}
    # The GrandSoissons table explains « axe 1 « Compétitivité » » from its field document.
    epci = _ouvrir("pages/emplois.py", "epci:240200477")
    assert "precisions" in tableaux_de_page(epci)[1].value.columns
    legendes = [c.value for c in epci.caption if "axe 1" in c.value]
    assert any("aliss-ptce-soissonnais.txt" in c for c in legendes), legendes
    assert any("financeur non nommé" in c for c in legendes)


def test_the_territory_page_says_no_source_covers_the_year():
    at = _ouvrir("pages/territoire.py", "epci:240200477", annee="2019")
    recus = _metrique(at, "Financements reçus")
    assert (recus.value, recus.delta) == ("—", "aucune source pour 2019")
    assert any("Aucune source de financement ne couvre 2019" in i.value for i in at.info)


def _cles_des_graphiques(at: AppTest) -> list[str]:
    """The keys the page gave its charts (Streamlit's element id ends with it)."""
    return [g.proto.id.split("-", 2)[2] for g in at.get("vega_lite_chart")]


def test_every_chart_of_the_jobs_page_has_its_summary_and_its_values_table():
    """RGAA 1.1: a screen reader read the charts as « 0 0 0 0 0 0 2… »; each one now has a
    sentence under it and its values in an expander, read from the figure drawn."""
    from ui.graphiques import TITRE_VALEURS, cle_valeurs_ouvertes

    at = _ouvrir("pages/emplois.py", "epci:240200477")
    graphiques = at.get("vega_lite_chart")
    valeurs = [e for e in at.expander if e.label == TITRE_VALEURS]
    assert len(graphiques) >= 6
    assert len(valeurs) == len(graphiques)
    # Tables are drawn once their expander opens (issue 33): all of them opened here.
    assert not any(e.dataframe for e in valeurs)
    for cle in _cles_des_graphiques(at):
        at.session_state[cle_valeurs_ouvertes(cle)] = True
    _relancer(at)
    valeurs = [e for e in at.expander if e.label == TITRE_VALEURS]
    legendes = [c.value for c in at.caption]
    emplois = next(c for c in legendes if c.startswith("Emplois créés par projet, "))
    assert "42 emplois au total" in emplois
    for expander in valeurs:
        assert expander.dataframe or expander.caption, "un graphique sans tableau ni phrase"
    # The first chart's table: its projects and jobs, as the chart draws them.
    tableau = valeurs[0].dataframe[0].value
    assert "Réaliss (régie de quartier)" in set(tableau.Projet)
    assert int(tableau.drop(columns="Projet").sum().sum()) == 42
    # The territories side by side had no table at all.
    comparaison = next(e for e in valeurs if e.dataframe and "Territoire" in e.dataframe[0].value.columns)
    assert len(comparaison.dataframe[0].value) >= 2


def _accepter_une_proposition(depot, nom: str, siret: str, commune: str, lon: str, lat: str):
    """A public proposal of a structure, accepted by an administrator: (journal lot, administrator)."""
    envoi = contributions.proposer(
        depot,
        {
            "nom": nom,
            "siret": siret,
            "commune": commune,
            "lon": lon,
            "lat": lat,
            "famille": "association",
            "contact": "contact@example.org",
        },
        contributions.Emetteur("session-essai", "192.0.2.80"),
        lambda _lon, _lat: commune,
    )
    assert envoi.accepte, envoi.erreurs
    administrateur = comptes.par_identifiant(depot, "admin-essai") or comptes.creer(
        depot, "admin-essai", "administrateur", "mot de passe des essais"
    )
    return contributions.accepter(depot, envoi.contribution_id, administrateur), administrateur


def test_a_subsidy_placed_by_an_accepted_contribution_follows_moderation_and_says_so():
    """Issue 31: « Journées cinéma Amiens » (Somme's 2017 file) is counted at the département: its
    SIRET is in no official register. A proposal of that structure in Amiens, once accepted, places
    the subsidy in Amiens, said as such; undone, it goes away, without restarting the app."""
    at = _ouvrir("pages/emplois.py", "commune:80021")
    conventions, montant = _metrique(at, "Conventions").value, _metrique(at, "Montant accordé").value
    depot = emplois.depot_pret()
    try:
        lot, administrateur = _accepter_une_proposition(
            depot, "Journées cinéma Amiens", "318 132 842 00028", "80021", "2,30", "49,89"
        )
        _relancer(at)
        assert int(_metrique(at, "Conventions").value) == int(conventions) + 1
        assert _metrique(at, "Montant accordé").value != montant
        dit = [i.value for i in at.info if "contribution vérifiée" in i.value]
        assert dit == [
            "Dont 1 convention (30\u202f000 €) placée grâce à une contribution vérifiée : le SIRET du "
            "bénéficiaire n'est connu que d'une structure proposée par le public et acceptée par un "
            "modérateur, pas des données officielles, qui ne situent que la collectivité qui attribue, ou "
            "rien (colonne « Placé par »)."
        ]
        tableau = tableaux_de_page(at)[-1].value.set_index("Bénéficiaire")
        assert "placé grâce à une contribution vérifiée" in tableau.loc["JOURNEES CINEMA AMIENS", "Placé par"]
        contributions.annuler(depot, lot, administrateur)
        _relancer(at)
        assert _metrique(at, "Conventions").value == conventions
        assert _metrique(at, "Montant accordé").value == montant
        assert not [i for i in at.info if "contribution vérifiée" in i.value]
    finally:
        depot.fermer()


def test_adultes_relais_posts_placed_by_an_accepted_contribution_are_counted_and_said():
    """The Maisons de quartier de Raismes' adultes-relais posts are known only by the Porte du
    Hainaut contract (EPCI): a proposal of that structure in Raismes, accepted, counts them in
    Raismes, with the remark and the attachment column saying how; undone, they leave."""
    at = _ouvrir("pages/emplois.py", "commune:59491")
    ouvertes = _metrique(at, "dont données ouvertes").value
    depot = emplois.depot_pret()
    try:
        lot, administrateur = _accepter_une_proposition(
            depot, "Maisons de quartier de Raismes", "41539765200025", "59491", "3,48", "50,39"
        )
        _relancer(at)
        assert _metrique(at, "dont données ouvertes").value != ouvertes
        dit = [i.value for i in at.info if "contribution vérifiée" in i.value]
        assert len(dit) == 1
        assert dit[0].startswith("Dont 6 postes d'adultes-relais ou FONJEP (")
        assert "placés ici grâce à une contribution vérifiée" in dit[0]
        lignes = tableaux_de_page(at)
        rattachements = next(t.value for t in lignes if "rattachement" in t.value.columns).rattachement
        assert (rattachements == financements.RATTACHEMENTS["siret_contribution"]).sum() == 6
        contributions.annuler(depot, lot, administrateur)
        _relancer(at)
        assert _metrique(at, "dont données ouvertes").value == ouvertes
        assert not [i for i in at.info if "contribution vérifiée" in i.value]
    finally:
        depot.fermer()


def _cartes(at: AppTest) -> list:
    """The map components drawn on the page (``st_folium``'s frame)."""
    return composants_de_page(at)


def test_the_ptce_map_is_drawn_once_its_expander_opens():
    """Issue 33: closed, the PTCE map was drawn anyway (a map frame the browser loaded for
    nothing seen); it is drawn when a selection opens its expander, with the selection's PTCE."""
    at = _ouvrir("pages/emplois.py", "epci:240200477")
    (boite,) = [e for e in at.expander if e.label.startswith("Carte des PTCE")]
    assert boite.label == "Carte des PTCE et de leurs structures"
    assert not _cartes(at)
    # Its source is said even closed.
    assert any(c.value.startswith("Périmètres déclarés des PTCE") for c in boite.caption)
    at.selectbox(key="filtre_projet").set_value("Réaliss (régie de quartier)")
    _relancer(at)
    (boite,) = [e for e in at.expander if e.label.startswith("Carte des PTCE")]
    assert boite.label == "Carte des PTCE et de leurs structures (sélection)"
    (carte,) = _cartes(at)
    assert "ptce" in carte.proto.json_args
