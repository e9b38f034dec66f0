"""A table that did not change is not styled again on a rerun, and reads exactly the same.

``ui.tableaux.afficher`` keeps, per table content, the Styler of the first run and what
Streamlit made of it; these tests compare what is sent to the browser with the plain path
(``st.dataframe(style_fr(…))``) and count what is computed again.
"""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.io.formats.style import Styler
from streamlit import dataframe_util
from streamlit.elements import arrow
from streamlit.elements.lib import pandas_styler_utils
from streamlit.testing.v1 import AppTest

from geo.outils.tableaux import empreinte
from ui import tableaux

DECIMALES = {"distance_km": 2}


def _tableau(lignes: int = 600) -> pd.DataFrame:
    """Unknown values of every kind, booleans, years, decimals; longer than a screen's table."""
    base = pd.DataFrame(
        {
            "nom": ["Soissons", None, "Laon", "Château-Thierry"],
            "population": pd.array([28530, None, 24000, 1234567], dtype="Int64"),
            "part": [12.345, float("nan"), 0.5, 100.0],
            "distance_km": [1.25, 3.0, None, 12.5],
            "annee": [2019, 2020, 2021, 2024],
            "perimetre": [True, False, True, False],
        }
    )
    tableau = pd.concat([base] * (lignes // len(base) + 1), ignore_index=True).head(lignes)
    tableau["population"] = tableau["population"] + pd.array(range(lignes), dtype="Int64")
    return tableau


def _page_double(tableau, decimales):
    import streamlit as st

    from geo.outils import tableaux as gt
    from ui import tableaux

    tableaux.afficher(tableau, decimales=decimales)
    st.dataframe(gt.style_fr(tableau.head(tableaux.LIGNES_MAX), decimales), hide_index=True)


def _page(tableau, decimales):
    from ui import tableaux

    tableaux.afficher(tableau, decimales=decimales)


@pytest.fixture(autouse=True)
def _cache_vide():
    tableaux._style_memorise.clear()
    yield
    tableaux._style_memorise.clear()


def _envoye(element) -> dict:
    """What the browser gets of a table: cells, display values, styles (not the random uuid)."""
    donnees = element.proto.arrow_data
    return {
        "cellules": dataframe_util.convert_arrow_bytes_to_pandas_df(donnees.data),
        "affichees": dataframe_util.convert_arrow_bytes_to_pandas_df(donnees.styler.display_values),
        "styles": donnees.styler.styles,
        "legende": donnees.styler.caption,
    }


def _identiques(a: dict, b: dict) -> None:
    pd.testing.assert_frame_equal(a["cellules"], b["cellules"])
    pd.testing.assert_frame_equal(a["affichees"], b["affichees"])
    assert (a["styles"], a["legende"]) == (b["styles"], b["legende"])


def test_the_wrapped_streamlit_internal_is_there():
    # False means another Streamlit moved ``marshall_styler``: tables still read the same,
    # but every rerun rebuilds their display values (~10 ms per 500 rows instead of ~0).
    assert tableaux.MARSHALLING_MEMORISE
    assert arrow.marshall_styler.origine_ess is pandas_styler_utils.marshall_styler


def test_a_reloaded_module_wraps_streamlit_once_with_its_own_class(monkeypatch):
    monkeypatch.setattr(arrow, "marshall_styler", arrow.marshall_styler)
    avant = arrow.marshall_styler
    assert tableaux._brancher_marshalling()
    assert arrow.marshall_styler is not avant
    assert arrow.marshall_styler.origine_ess is pandas_styler_utils.marshall_styler


def test_kept_table_sends_exactly_what_the_plain_path_sends_run_after_run():
    at = AppTest.from_function(_page_double, args=(_tableau(), DECIMALES), default_timeout=30)
    envois = []
    for _ in range(3):
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        memorise, simple = at.dataframe
        envois.append(_envoye(memorise))
        _identiques(envois[-1], _envoye(simple))
        # The uuid follows the content: the same element from one run to the next.
        assert memorise.proto.arrow_data.styler.uuid == at.dataframe[0].proto.arrow_data.styler.uuid
    affichees = envois[-1]["affichees"]
    assert len(affichees) == tableaux.LIGNES_MAX
    assert affichees.iloc[0].tolist() == ["Soissons", "28\u202f530", "12,3", "1,25", "2019", "oui"]
    assert affichees.iloc[1].tolist() == ["—", "—", "—", "3,00", "2020", "non"]
    assert affichees.iloc[2, 3] == "—"
    # Numbers stay numbers underneath: a click on a header sorts them as numbers.
    assert pd.api.types.is_numeric_dtype(envois[-1]["cellules"]["population"])
    assert pd.api.types.is_numeric_dtype(envois[-1]["cellules"]["part"])
    assert "600" in at.caption[0].value


def _compter(monkeypatch) -> dict:
    comptes = {"rendus": 0, "valeurs": 0, "formats": 0}
    rendre, valeurs, formats = (
        Styler._translate,
        pandas_styler_utils._use_display_values,
        tableaux.tableaux.formats_fr,
    )

    def compte(cle, fonction):
        def compteur(*args, **kwargs):
            comptes[cle] += 1
            return fonction(*args, **kwargs)

        return compteur

    monkeypatch.setattr(Styler, "_translate", compte("rendus", rendre))
    monkeypatch.setattr(pandas_styler_utils, "_use_display_values", compte("valeurs", valeurs))
    monkeypatch.setattr(tableaux.tableaux, "formats_fr", compte("formats", formats))
    return comptes


def test_a_rerun_of_an_unchanged_table_computes_nothing_again(monkeypatch):
    comptes = _compter(monkeypatch)
    at = AppTest.from_function(_page, args=(_tableau(), DECIMALES), default_timeout=30)
    for _ in range(3):
        at.run()
        assert not at.exception, [e.message for e in at.exception]
    assert comptes == {"rendus": 1, "valeurs": 1, "formats": 1}


def test_without_the_internal_the_rendering_is_still_kept_and_the_table_reads_the_same(monkeypatch):
    monkeypatch.setattr(arrow, "marshall_styler", pandas_styler_utils.marshall_styler)
    comptes = _compter(monkeypatch)
    at = AppTest.from_function(_page_double, args=(_tableau(), DECIMALES), default_timeout=30)
    for _ in range(3):
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        _identiques(_envoye(at.dataframe[0]), _envoye(at.dataframe[1]))
    # One rendering of the kept Styler, plus one per run for the plain table beside it.
    assert comptes["rendus"] == 1 + 3
    assert comptes["formats"] == 1 + 3


def test_a_changed_cell_is_a_new_table():
    tableau = _tableau(8)
    autre = tableau.copy()
    autre.loc[0, "part"] = 12.355
    assert empreinte(tableau) == empreinte(tableau.copy())
    assert empreinte(tableau) != empreinte(autre)
    assert empreinte(tableau) != empreinte(tableau.rename(columns={"nom": "Nom"}))
    assert empreinte(tableau) != empreinte(tableau.set_axis(range(1, 9)))
    # The same text, not the same display: True reads « oui », "True" reads « True ».
    vrai = pd.DataFrame({"x": pd.Series([True, None], dtype=object)})
    texte = pd.DataFrame({"x": pd.Series(["True", None], dtype=object)})
    assert empreinte(vrai) != empreinte(texte)
    assert tableaux.style(tableau).data.equals(tableau)
    assert tableaux.style(autre).data.equals(autre)
    assert tableaux.style(tableau) is tableaux.style(tableau.copy())


def test_cells_that_cannot_be_hashed_are_styled_each_time():
    tableau = pd.DataFrame({"sources": [["siae", "finess"], ["sirene"]], "nombre": [1, 2]})
    assert empreinte(tableau) is None
    assert tableaux.style(tableau) is not tableaux.style(tableau)
    at = AppTest.from_function(_page, args=(tableau, None), default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert _envoye(at.dataframe[0])["affichees"].sources.tolist() == ["siae, finess", "sirene"]


def test_a_layer_s_digest_follows_its_shapes_and_crs():
    import geopandas as gpd
    import shapely

    couche = gpd.GeoDataFrame(
        {"code": ["a", "b", "c"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), None],
        crs="EPSG:4326",
    )
    deplacee = couche.copy()
    deplacee.loc[1, "geometry"] = shapely.box(1, 0, 2, 1.0001)
    vide = couche.copy()
    vide.loc[2, "geometry"] = shapely.Polygon()
    assert empreinte(couche) == empreinte(couche.copy())
    assert empreinte(couche) != empreinte(deplacee)
    assert empreinte(couche) != empreinte(vide)  # no shape is not an empty shape
    assert empreinte(couche) != empreinte(couche.to_crs("EPSG:2154"))
    assert empreinte(couche) != empreinte(couche.set_crs("EPSG:3857", allow_override=True))
    # The same shapes in other rows: another layer.
    permutee = couche.assign(geometry=couche.geometry.iloc[[1, 0, 2]].to_numpy())
    assert empreinte(couche) != empreinte(permutee)
    assert empreinte(couche) != empreinte(pd.DataFrame(couche.drop(columns="geometry")))
