"""The Comparer page through ``AppTest``: the address chooses the territories, bad ids are said."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import RACINE, tableaux_de_page

APP = str(RACINE / "app.py")


def _ouvrir(page: str, **parametres: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for cle, valeur in parametres.items():
        at.query_params[cle] = valeur
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_address_gives_aisne_and_nord_side_by_side_and_drops_a_bad_id():
    at = _ouvrir("pages/comparer.py", territoires="departement:02,departement:59,bidule:1")
    tableau = tableaux_de_page(at)[0].value
    assert list(tableau.columns) == ["Indicateur", "Aisne (02)", "Nord (59)"]
    population = tableau.set_index("Indicateur").loc[tableau.Indicateur.iloc[0]]
    assert population["Aisne (02)"] == "527\u202f349"
    assert population["Nord (59)"] == "2\u202f611\u202f293"
    # No « None », « nan » or 0 for an unknown.
    assert not tableau.isna().to_numpy().any()
    assert not tableau.apply(lambda c: c.astype(str).str.contains("None|nan")).to_numpy().any()
    avertissements = [w.value for w in at.warning]
    assert any("bidule" in a and "Territoire ignoré" in a for a in avertissements), avertissements
    # The address keeps only what is shown.
    assert at.query_params["territoires"] == "departement:02,departement:59"
    boutons = {b.label for b in at.get("download_button")}
    assert {"Télécharger la comparaison (CSV)", "Télécharger la comparaison (.xlsx)"} <= boutons
    assert at.get("vega_lite_chart")


def test_fewer_than_two_territories_asks_for_more():
    at = _ouvrir("pages/comparer.py", territoires="departement:02")
    assert any("au moins 2 territoires" in i.value for i in at.info)
    assert not at.get("download_button")


def test_the_territoire_page_links_to_the_comparator_with_its_parents():
    at = _ouvrir("pages/territoire.py", territoire="commune:02691")
    liens = [lien for lien in at.get("page_link") if "Comparer" in lien.proto.label]
    assert liens, "lien vers le comparateur absent"
    assert (
        liens[0].proto.query_string
        == "territoire=commune%3A02691&territoires=commune%3A02691%2Cdepartement%3A02%2Cregion%3A32%2Cfrance"
    )


def test_removing_and_adding_a_territory_keeps_the_address_in_step():
    at = _ouvrir("pages/comparer.py", territoires="departement:02,departement:59,region:32")
    choix = at.multiselect[0]
    assert choix.value == ["departement:02", "departement:59", "region:32"]
    choix.unselect("region:32").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.query_params["territoires"] == "departement:02,departement:59"
    assert list(tableaux_de_page(at)[0].value.columns) == ["Indicateur", "Aisne (02)", "Nord (59)"]
    at.text_input(key="comparer-recherche").input("somme").run()
    at.selectbox(key="comparer-ajout").select("departement:80").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.query_params["territoires"] == "departement:02,departement:59,departement:80"
    assert "Somme (80)" in tableaux_de_page(at)[0].value.columns


def test_opened_from_a_territory_it_starts_with_its_parents_and_stays_empty_once_emptied():
    at = _ouvrir("pages/comparer.py", territoire="commune:02691")
    choix = at.multiselect[0]
    assert choix.value == ["commune:02691", "departement:02", "region:32", "france"]
    assert at.query_params["territoires"] == "commune:02691,departement:02,region:32,france"
    for identifiant in list(choix.value):
        at.multiselect[0].unselect(identifiant).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "territoires" not in at.query_params
    assert at.multiselect[0].value == []
    assert any("au moins 2 territoires" in i.value for i in at.info)


def test_a_link_in_the_address_is_said_as_plain_text_never_a_link():
    at = _ouvrir("pages/comparer.py", territoires="[ici](https://exemple.org),departement:02,departement:59")
    avertissement = next(w.value for w in at.warning if "Territoire ignoré" in w.value)
    # Escaped for Markdown: drawn as the characters typed, not as a link.
    assert "\\[ici\\]" in avertissement
    assert "https://" not in avertissement
    assert at.query_params["territoires"] == "departement:02,departement:59"
