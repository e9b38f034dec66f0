"""The map component's pieces (ui.carte): base map once, overlays apart, outlines as files."""

from __future__ import annotations

import json
from pathlib import Path

import folium
import pytest
from streamlit.testing.v1 import AppTest

from geo.outils import assets
from geo.rendu import carte_territoire
from geo.territoires.referentiel import TerritoireId
from tests.conftest import RACINE, composants_de_page
from ui import carte as carte_ui

APP = str(RACINE / "app.py")
SOISSONNAIS = TerritoireId("epci", "200071991")


def test_base_map_fetches_its_outlines_from_files_written_once(referentiel, tmp_path):
    preparee = carte_territoire.preparer(referentiel, SOISSONNAIS)
    publies: dict[str, str] = {}

    def publier(texte: str) -> str:
        nom = assets.publier(texte, tmp_path)
        publies[nom] = texte
        return f"/app/static/cartes/{nom}"

    fond = carte_territoire.dessiner_fond(preparee, "/app/static/vendor", publier=publier)
    rendu = carte_ui.rendre_fond(fond)
    # Every layer's GeoJSON went to a file the script fetches, none stayed inline.
    assert len(publies) == len(preparee.donnees)
    for nom, texte in publies.items():
        assert (tmp_path / "cartes" / nom).read_text(encoding="utf-8") == texte
        assert f"/app/static/cartes/{nom}" in rendu.script
        assert texte not in rendu.script
    assert len(rendu.script) < 20_000
    # No legend and no layer control in the base: they come with the overlays.
    assert "Légende" not in rendu.script
    assert "L.control.layers" not in rendu.script
    assert rendu.js == ("/app/static/vendor/leaflet/leaflet.js",)


def test_a_file_is_named_by_its_content_and_written_once(tmp_path):
    premier = assets.publier('{"type":"FeatureCollection","features":[]}', tmp_path)
    chemin = tmp_path / "cartes" / premier
    avant = chemin.stat().st_ino
    assert assets.publier('{"type":"FeatureCollection","features":[]}', tmp_path) == premier
    assert chemin.stat().st_ino == avant
    assert assets.publier('{"type":"FeatureCollection","features":[{}]}', tmp_path) != premier


def test_publication_falls_back_to_inline_when_the_folder_cannot_be_written(referentiel, tmp_path):
    bloque = tmp_path / "lecture-seule"
    bloque.write_text("un fichier, pas un dossier")
    assert assets.publier("{}", bloque) is None
    preparee = carte_territoire.preparer(referentiel, SOISSONNAIS)
    rendu = carte_ui.rendre_fond(
        carte_territoire.dessiner_fond(preparee, "/s", publier=lambda texte: assets.publier(texte, bloque))
    )
    assert preparee.donnees[0] in rendu.script
    assert "fetch(" not in rendu.script


def test_old_map_files_are_removed_and_recent_ones_kept(tmp_path):
    import os

    ancien = assets.publier("ancien", tmp_path)
    recent = assets.publier("récent", tmp_path)
    os.utime(tmp_path / "cartes" / ancien, (1, 1))
    assert assets.nettoyer_cartes(tmp_path, age_max_s=3600) == 1
    assert sorted(p.name for p in (tmp_path / "cartes").iterdir()) == [recent]


def test_overlay_script_is_the_same_every_time(referentiel):
    preparee = carte_territoire.preparer(referentiel, SOISSONNAIS)
    surcouche = carte_territoire.Surcouche(
        lambda: carte_territoire.CoucheContours(preparee.donnees[0], "Essai", carte_territoire.STYLES),
        [(carte_territoire.STYLES["surface"], "x")],
    )
    premier = carte_ui.script_calque(carte_territoire.en_groupe(surcouche.creer()), 0)
    assert premier == carte_ui.script_calque(carte_territoire.en_groupe(surcouche.creer()), 0)
    assert "feature_group_feature_group_0" in premier
    assert "map_div.addLayer(feature_group_feature_group_0)" in premier


def test_layer_control_names_the_base_layers_and_the_overlays(referentiel):
    preparee = carte_territoire.preparer(referentiel, SOISSONNAIS)
    rendu = carte_ui.rendre_fond(carte_territoire.dessiner_fond(preparee, "/s"))
    script = carte_territoire.controle_des_couches(
        rendu.carte, [("feature_group_feature_group_0", "Quartiers <QPV>")]
    )
    assert script.startswith("window.layer_control = L.control.layers(")
    assert ".addTo(map_div)" in script
    for nom in carte_territoire.FONDS_DE_CARTE:
        assert json.dumps(nom, ensure_ascii=False) in script
    assert '"Quartiers \\u003cQPV\\u003e": feature_group_feature_group_0' in script
    # Every variable the control names is defined by the base script.
    for variable in [v.split(":")[-1].strip(" })") for v in script.split(",") if "tile_layer" in v]:
        assert f"var {variable} " in rendu.script


def _composant(at: AppTest) -> dict:
    (composant,) = composants_de_page(at)
    return {"cle": composant.proto.id, **json.loads(composant.proto.json_args)}


@pytest.fixture
def avec_qpv(cache_qpv_miroir, monkeypatch):
    monkeypatch.setenv("ESS_DATA_DIR", str(cache_qpv_miroir.parent))


def test_switching_a_layer_keeps_the_map_and_sends_the_overlay(avec_qpv):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["territoire"] = "epci:200042190"
    at.query_params["couches"] = ""
    at.run()
    assert not at.exception
    avant = _composant(at)
    at.toggle(key="couche-qpv").set_value(True).run()
    assert not at.exception
    apres = _composant(at)
    # The structures' clusters may be switched on later: their library is loaded from the start.
    assert any("leaflet.markercluster.js" in lien for lien in avant["js_links"])
    # Same base script, same component: the browser keeps its map and adds the overlay.
    assert apres["script"] == avant["script"]
    assert apres["cle"] == avant["cle"]
    assert "Quartiers prioritaires (QPV)" not in avant["feature_group"]
    assert "Quartiers prioritaires (QPV)" in apres["layer_control"]
    assert "Quartiers prioritaires 2024 (13)" in apres["feature_group"]
    # The outlines travel as files, not in the script sent on every run.
    assert len(apres["script"]) < 20_000
    for url in [morceau.split('"')[0] for morceau in apres["script"].split('fetch("')[1:]]:
        assert (Path(assets.DOSSIER_STATIQUE).parent / url.removeprefix("/app/")).is_file()
    # A rerun with nothing changed sends the very same overlays (the browser re-runs nothing).
    at.run()
    assert _composant(at)["feature_group"] == apres["feature_group"]


def test_overlay_groups_removed_with_their_legend():
    """The legend is a layer of its group: removing the group (a switched layer) removes it."""
    groupe = folium.FeatureGroup(name="Légende", control=False)
    carte_territoire.Legende([(carte_territoire.STYLES["surface"], "Communes")]).add_to(groupe)
    script = carte_ui.script_calque(groupe, 3)
    assert "onRemove: function (carte) { carte.removeControl(" in script
    assert "feature_group_feature_group_3.addLayer(" in script
