"""Downloads made from a table: made once per content, made again when a cell changes."""

from __future__ import annotations

import pandas as pd

from geo.outils.tableaux import empreinte
from ui import telechargement


def test_a_file_from_a_table_is_made_once_per_content():
    appels = []

    def fabriquer(tableau: pd.DataFrame) -> bytes:
        appels.append(len(tableau))
        return tableau.to_csv(index=False).encode()

    tableau = pd.DataFrame({"commune": ["Soissons", "Laon"], "emplois": [3, None]})
    digest = empreinte(tableau)
    premier = telechargement._octets_memorises(digest, "essai", tableau, fabriquer)
    # The same cells in another frame: the file already made.
    assert telechargement._octets_memorises(empreinte(tableau.copy()), "essai", tableau, fabriquer) == premier
    assert appels == [2]
    change = tableau.assign(emplois=[3, 4])
    assert empreinte(change) != digest
    assert b"4" in telechargement._octets_memorises(empreinte(change), "essai", change, fabriquer)
    assert appels == [2, 2]


def test_a_layer_digest_follows_its_shapes_and_crs():
    import geopandas as gpd
    from shapely.geometry import Point

    couche = gpd.GeoDataFrame({"nom": ["a", "b"]}, geometry=[Point(3.3, 49.4), Point(3.4, 49.5)], crs=4326)
    assert empreinte(couche) == empreinte(couche.copy())
    deplacee = couche.set_geometry([Point(3.3, 49.4), Point(3.4, 49.500001)], crs=4326)
    assert empreinte(deplacee) != empreinte(couche)
    assert empreinte(couche.set_crs(2154, allow_override=True)) != empreinte(couche)


def _page_de_telechargement(lignes: int):
    from streamlit.testing.v1 import AppTest

    def page(lignes: int) -> None:
        import pandas as pd

        from ui import telechargement

        tableau = pd.DataFrame({"code": ["02245"] * lignes, "population": [4447] * lignes})
        telechargement.csv("Télécharger la liste (CSV)", tableau, "liste.csv", "liste")

    return AppTest.from_function(page, kwargs={"lignes": lignes}, default_timeout=30).run()


def test_every_csv_download_has_an_xlsx_beside_it():
    import io

    import openpyxl

    at = _page_de_telechargement(3)
    assert not at.exception
    boutons = {b.label: b for b in at.get("download_button")}
    assert set(boutons) == {"Télécharger la liste (CSV)", "Télécharger la liste (.xlsx)"}
    xlsx = boutons["Télécharger la liste (.xlsx)"].proto
    assert xlsx.deferred_file_id == ""  # eager bytes, as the CSV's
    contenu = telechargement._xlsx_memorise(
        empreinte(pd.DataFrame({"code": ["02245"] * 3, "population": [4447] * 3})),
        ((), (), ()),
        pd.DataFrame({"code": ["02245"] * 3, "population": [4447] * 3}),
    )
    feuille = openpyxl.load_workbook(io.BytesIO(contenu)).active
    assert [c.value for c in feuille[2]] == ["02245", 4447]


def test_a_large_table_makes_its_xlsx_on_request():
    at = _page_de_telechargement(telechargement.CELLULES_XLSX_IMMEDIAT)
    assert {b.label for b in at.get("download_button")} == {"Télécharger la liste (CSV)"}
    assert [b.label for b in at.button] == ["Préparer : Télécharger la liste (.xlsx)"]
    at.button[0].click().run()
    assert {b.label for b in at.get("download_button")} == {
        "Télécharger la liste (CSV)",
        "Télécharger la liste (.xlsx)",
    }
