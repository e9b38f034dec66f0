"""What the map ships: which outlines at each level, how heavy, nothing unescaped or from a CDN."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely

from geo.outils import assets
from geo.rendu import carte_territoire, leaflet, surcouches
from geo.territoires import niveaux
from geo.territoires.referentiel import TerritoireId

BASE = "/app/static/vendor"


def _features(donnees: str) -> list[dict]:
    return json.loads(donnees)["features"]


def test_json_for_scripts_cannot_close_the_script_element():
    texte = carte_territoire.json_pour_script({"nom": "</script><script>alert(1)</script>"})
    assert "</script>" not in texte
    assert json.loads(texte) == {"nom": "</script><script>alert(1)</script>"}


def test_geojson_collection_skips_missing_geometries():
    donnees = carte_territoire.collection_geojson(
        [shapely.box(0, 0, 1, 1), None, shapely.Polygon()], [{"_s": "a"}, {"_s": "b"}, {"_s": "c"}]
    )
    assert [f["properties"]["_s"] for f in _features(donnees)] == ["a"]


def test_tooltip_shows_a_hostile_name_as_text(referentiel, monkeypatch):
    communes = referentiel.communes.copy()
    communes.loc["02722", "nom"] = '<script>alert("x")</script>'
    monkeypatch.setattr(referentiel, "communes", communes)
    couche = carte_territoire.Couche(
        "communes", "fin", ["02722"], "Communes", "surface", True, "territoire-commune"
    )

    infobulle = _features(carte_territoire.donnees_couche(referentiel, couche))[0]["properties"]["_t"]

    assert "<script>" not in infobulle
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in infobulle


@pytest.mark.parametrize(
    ("tid", "premiere_couche", "nombre", "communes"),
    [
        (None, "departements", 101, False),
        (TerritoireId("region", "32"), "epci", None, False),
        (TerritoireId("departement", "59"), "communes", 647, True),
        (TerritoireId("epci", "200042190"), "communes", 47, True),
    ],
)
def test_plan_shows_communes_only_below_the_region(referentiel, tid, premiere_couche, nombre, communes):
    plan = carte_territoire.plan_de_carte(referentiel, tid)
    assert plan.couches[0].table == premiere_couche
    if nombre is not None:
        assert len(plan.couches[0].codes) == nombre
    assert any(c.table == "communes" for c in plan.couches) is communes


def test_commune_is_highlighted_among_its_epci(referentiel):
    preparee = carte_territoire.preparer(referentiel, TerritoireId("commune", "02722"))
    styles = {f["properties"]["_s"] for f in _features(preparee.donnees[0])}
    assert styles == {"surface", "selection"}
    assert sum(f["properties"]["_s"] == "selection" for f in _features(preparee.donnees[0])) == 1


def test_epci_tooltips_name_each_commune_with_code_and_population(referentiel):
    preparee = carte_territoire.preparer(referentiel, TerritoireId("epci", "200042190"))
    features = _features(preparee.donnees[0])
    assert len(features) == 47
    denain = next(f for f in features if "Code INSEE : 59172" in f["properties"]["_t"])
    assert "<b>Denain</b>" in denain["properties"]["_t"]
    millesime = re.escape(referentiel.millesime_population)
    assert re.search(rf"Population : [\d\u202f]+ hab\. \({millesime}\)", denain["properties"]["_t"])


@pytest.mark.parametrize(
    ("tid", "plafond"),
    [
        (None, 1_000_000),
        (TerritoireId("region", "76"), 1_200_000),
        (TerritoireId("epci", "200042190"), 150_000),
    ],
)
def test_map_payload_stays_small(referentiel, tid, plafond):
    """A naive map of all communes is ~50 MB; the national view must stay well under 1 MB."""
    assert carte_territoire.taille_html(carte_territoire.carte(referentiel, tid, BASE)) < plafond


def test_map_loads_leaflet_from_the_app_and_nothing_from_a_cdn(referentiel):
    html = carte_territoire.carte(referentiel, TerritoireId("epci", "200042190"), BASE).get_root().render()
    assert f'<script src="{BASE}/leaflet/leaflet.js"></script>' in html
    externes = set(re.findall(r'(?:src|href)="(https?://[^"]+)"', html))
    assert externes == set()
    # Tiles are the only remote resources, and only as tile templates.
    assert set(re.findall(r"https?://([a-z.]+)/", html)) <= {
        "data.geopf.fr",
        "tile.openstreetmap.org",
        "www.ign.fr",
        "www.openstreetmap.org",
    }


def test_offline_assets_are_copied_from_xstatic(tmp_path):
    cible = assets.installer(tmp_path)
    assert (cible / "leaflet" / "leaflet.js").stat().st_size > 100_000
    assert (cible / "leaflet" / "images" / "layers.png").is_file()
    assert (cible / "leaflet_markercluster" / "leaflet.markercluster.js").is_file()
    assert assets.url_base("") == "/app/static/vendor"
    assert assets.url_base("/ess/") == "/ess/app/static/vendor"


def test_legend_escapes_labels():
    legende = carte_territoire.Legende([(carte_territoire.STYLES["surface"], "<b>gras</b>")])
    html = json.loads(legende.html)
    assert "<b>" not in html
    assert "&lt;b&gt;gras&lt;/b&gt;" in html


def test_display_layer_codes_match_the_tables(referentiel):
    affichage: gpd.GeoDataFrame = referentiel.affichage("communes", "fin")
    assert set(affichage.code) == set(referentiel.communes.code)


def test_qpv_overlay_escapes_names_and_scales_with_the_territory(referentiel, tmp_path, monkeypatch):
    import geopandas as gpd

    from geo.build import etapes
    from geo.donnees import qpv

    miroir = tmp_path / "miroir"
    miroir.mkdir()
    gpd.GeoDataFrame(
        {"code_qp": ["QN05901M"], "lib_qp": ["<script>alert(1)</script>"], "insee_com": ["59172"]},
        geometry=[shapely.box(3.385, 50.325, 3.390, 50.329)],
        crs="EPSG:4326",
    ).to_file(miroir / "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson", driver="GeoJSON")
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    manifeste = etapes.construire_etape(qpv.ETAPE, referentiel, tmp_path / "cache")
    donnees = qpv.DonneesQPV(tmp_path / "cache" / "qpv", manifeste)

    proche = surcouches.qpv.surcouche(referentiel, donnees, TerritoireId("epci", "200042190"))
    html = carte_territoire.dessiner(
        carte_territoire.preparer(referentiel, TerritoireId("epci", "200042190")), BASE, [proche]
    )
    rendu = html.get_root().render()
    assert "<script>alert(1)</script>" not in rendu
    assert "qpv-2024" in rendu
    assert any("Quartiers prioritaires 2024" in libelle for _, libelle in proche.legende)

    loin = surcouches.qpv.surcouche(referentiel, donnees, None)
    rendu_national = (
        carte_territoire.dessiner(carte_territoire.preparer(referentiel, None), BASE, [loin])
        .get_root()
        .render()
    )
    assert "qpv-point" in rendu_national
    assert "qpv-2024" not in rendu_national


def test_missing_leaflet_files_are_named(tmp_path):
    from geo.outils import assets

    assert "leaflet/leaflet.js" in assets.manquants(tmp_path)
    assets.installer(tmp_path)
    assert assets.manquants(tmp_path) == []
    (tmp_path / "vendor" / "leaflet" / "leaflet.js").unlink()
    assert assets.manquants(tmp_path) == ["leaflet/leaflet.js"]


# What a France-scale page sends (issue 15: at most 1.5 MB per page) --------------------------

# The map's share of the 1.5 MB a page may send at France scale; the rest is the page's tables
# (500 rows at most on screen, see ui.tableaux.LIGNES_MAX) and widgets, about 0.3 MB.
POIDS_CARTE_FRANCE_MAX = 1_200_000


def test_the_france_opportunities_map_stays_under_its_share_of_1_5_mb(referentiel, cache_miroir):
    from geo.donnees import opportunites

    entrees = opportunites.charger_entrees(referentiel, cache_miroir)
    valeurs = opportunites.valeurs_indicateur(entrees, None, "epci", "besoin_pour_1000")
    classes, bornes = opportunites.classer(valeurs.valeur, "quantiles", 5)
    surcouche = surcouches.choroplethe.surcouche(
        referentiel, valeurs, classes, bornes, "epci", niveaux.ECHELLE_NATIONALE, "Besoin", "source"
    )
    carte = carte_territoire.dessiner(
        carte_territoire.preparer(referentiel, None), "/app/static/vendor", [surcouche]
    )
    poids = carte_territoire.poids_envoye(carte)
    # Every EPCI is drawn: a lighter map that lost them would pass for the wrong reason.
    assert (
        carte.get_root().render().count('"_s":"classe_') + carte.get_root().render().count('"_s":"inconnu"')
        >= 1200
    )
    assert poids <= POIDS_CARTE_FRANCE_MAX, f"{poids / 1e6:.2f} Mo"


def test_the_france_shops_map_stays_under_its_share_of_1_5_mb(referentiel, cache_miroir):
    from geo.donnees import commerces

    donnees = commerces.charger(referentiel, cache_miroir)
    surcouche = surcouches.commerces.surcouche(referentiel, donnees, None, None)
    carte = carte_territoire.dessiner(
        carte_territoire.preparer(referentiel, None), "/app/static/vendor", [surcouche]
    )
    assert carte.get_root().render().count('"_s":"part_') >= 96
    assert carte_territoire.poids_envoye(carte) <= POIDS_CARTE_FRANCE_MAX


def test_the_national_scale_is_coarser_than_the_coarse_one_and_keeps_shared_borders(referentiel):
    grossier = referentiel.affichage("epci", "grossier")
    national = referentiel.affichage("epci", niveaux.ECHELLE_NATIONALE)
    assert list(national.index) == list(grossier.index)
    points = shapely.get_num_coordinates(national.geometry.to_numpy()).sum()
    assert points < 0.7 * shapely.get_num_coordinates(grossier.geometry.to_numpy()).sum()
    # Coordinates kept to 3 decimals (about 100 m, under a pixel of the national frame).
    xy = shapely.get_coordinates(national.geometry.to_numpy())
    assert (abs(xy * 1000 - (xy * 1000).round()) < 1e-6).all()


# Commune scale (issue 16: Soissons cropped and coarse) ---------------------------------------

SOISSONS = TerritoireId("commune", "02722")
GRAND_SOISSONS = TerritoireId("epci", "240200477")


def _formes_de_la_premiere_couche(ref, tid):
    couche = carte_territoire.plan_de_carte(ref, tid).couches[0]
    return carte_territoire.geometries_affichage(ref, couche.table, couche.echelle, couche.codes)


def test_the_commune_scale_draws_finer_than_the_epci_scale(referentiel):
    a_la_commune = _formes_de_la_premiere_couche(referentiel, SOISSONS)
    a_l_epci = _formes_de_la_premiere_couche(referentiel, GRAND_SOISSONS)
    # Same communes (a commune is shown among its EPCI's), drawn at two precisions.
    assert set(a_la_commune.index) == set(a_l_epci.index)
    codes = list(a_l_epci.index)
    source = referentiel.communes.loc[codes].geometry.to_numpy()
    fines, grosses = a_la_commune.loc[codes].to_numpy(), a_l_epci.loc[codes].to_numpy()
    assert shapely.get_num_coordinates(fines).sum() > shapely.get_num_coordinates(grosses).sum()
    assert shapely.hausdorff_distance(fines, source).max() < shapely.hausdorff_distance(grosses, source).max()
    # The commune itself: never coarser than at the EPCI scale, and within a metre of its source.
    soissons = a_la_commune.loc["02722"]
    assert shapely.get_num_coordinates(soissons) >= shapely.get_num_coordinates(a_l_epci.loc["02722"])
    assert shapely.hausdorff_distance(soissons, referentiel.communes.loc["02722"].geometry) < 1e-5


def test_the_epci_outline_lies_on_its_communes_at_the_epci_scale(referentiel):
    couches = carte_territoire.plan_de_carte(referentiel, GRAND_SOISSONS).couches
    communes = carte_territoire.geometries_affichage(
        referentiel, "communes", couches[0].echelle, couches[0].codes
    )
    contour = carte_territoire.geometries_affichage(referentiel, "epci", couches[1].echelle, couches[1].codes)
    assert shapely.union_all(communes.to_numpy()).symmetric_difference(contour.iloc[0]).area < 1e-9


def test_the_commune_is_framed_inside_the_map_with_a_margin(referentiel):
    carte = carte_territoire.carte(referentiel, SOISSONS, "/app/static/vendor")
    html = carte.get_root().render()
    trouve = re.search(r"var limites = (\[\[.*?\]\]);\s*var marge = (\d+);", html)
    assert trouve, "no framing script"
    (sud, ouest), (nord, est) = json.loads(trouve.group(1))
    minx, miny, maxx, maxy = referentiel.communes.loc["02722"].geometry.bounds
    assert ouest <= minx
    assert sud <= miny
    assert est >= maxx
    assert nord >= maxy
    assert int(trouve.group(2)) >= 16
    # The open legend's width is kept free on the left, beside the territory.
    assert "paddingTopLeft: [gauche, marge]" in html
    assert "legende.offsetWidth" in html
    # Framed again once the box has its final size (the cause of the cropping).
    assert "ResizeObserver" in html
    assert "fitBounds(limites, options())" in html
    assert "Date.now() - debut < 5000) { cadrer(); }" in html
    assert "var point = null;" in html


def test_a_map_opened_on_a_point_shows_the_point_not_the_whole_territory(referentiel):
    """A shared « Est-ce en QPV ? » link: the frame is the point, at a street-level zoom."""
    preparee = carte_territoire.preparer(referentiel, SOISSONS)
    html = carte_territoire.dessiner(preparee, "/static", point=(49.38, 3.32)).get_root().render()
    assert "var point = [49.38, 3.32];" in html
    assert f"carte.setView(point, {leaflet.ZOOM_POINT_VERIFIE})" in html


def test_zones_without_a_commune_outline_are_drawn_neutral_and_named_in_the_legend(referentiel):
    """The Jura holds two such zones: light grey, with a tooltip, and one legend line."""
    jura = TerritoireId("departement", "39")
    zones = referentiel.zones_sans_commune_de(jura)
    assert len(zones) == 2
    assert len(referentiel.zones_sans_commune_de(None)) == len(referentiel.zones_sans_commune) >= 2
    # The département's outline no longer rings them (they drew as dark blobs).
    contour = referentiel.departements.loc["39"].geometry
    assert all(contour.covers(z) for z in zones.geometry)

    preparee = carte_territoire.preparer(referentiel, jura)
    assert preparee.nombre_zones_sans_commune == 2
    html = carte_territoire.dessiner(preparee, "/static").get_root().render()
    assert "zone-sans-commune" in html
    assert "Zones sans contour communal (2)" in html
    assert "Aucune commune de la source" in html
    # At national scale the départements cover them: nothing to draw or explain.
    nationale = carte_territoire.preparer(referentiel, None)
    assert nationale.zones_sans_commune is None
    assert (
        "Zones sans contour communal"
        not in carte_territoire.dessiner(nationale, "/static").get_root().render()
    )


@pytest.mark.parametrize(
    "tid",
    [
        None,
        TerritoireId("region", "32"),
        TerritoireId("departement", "59"),
        TerritoireId("epci", "200042190"),
        TerritoireId("commune", "02722"),
    ],
)
def test_the_map_of_each_level_draws_what_its_row_says(referentiel, tid):
    """geo.territoires.niveaux is the one table: the base map follows its scale and its communes-or-not."""
    trace = niveaux.dessin(tid)
    plan = carte_territoire.plan_de_carte(referentiel, tid)
    assert {c.echelle for c in plan.couches} == {trace.echelle}
    assert (plan.couches[0].table == "communes") is trace.communes


def test_the_map_says_it_is_french_and_names_its_territory_in_its_title(referentiel):
    """The map's script titles its document, says it is French and makes Leaflet's words French."""
    preparee = carte_territoire.preparer(referentiel, TerritoireId("epci", "200042190"))
    script = carte_territoire.dessiner_fond(preparee, BASE).get_root().render()
    assert 'var titre = "Carte : Communauté d\'agglomération de la Porte du Hainaut";' in script
    assert 'document.documentElement.lang = "fr";' in script
    assert "document.title = titre;" in script
    libelles = json.loads(re.search(r"var libelles = (\{.*?\});", script).group(1))
    assert libelles[".leaflet-control-zoom-in"] == "Zoom avant"
    assert libelles[".leaflet-control-zoom-out"] == "Zoom arrière"
    assert libelles[".leaflet-control-layers-toggle"] == "Couches"
    assert carte_territoire.titre_carte(referentiel.territoire(None).nom) == "Carte : France entière"


def test_the_map_takes_its_shapes_out_of_the_tab_order_and_is_named(referentiel):
    """Shapes, markers and attribution links get tabindex -1, overlays added later too; the map
    itself stays focusable, named after its territory, with a focus ring of 3:1 at least."""
    preparee = carte_territoire.preparer(referentiel, TerritoireId("epci", "200042190"))
    script = carte_territoire.dessiner_fond(preparee, BASE).get_root().render()
    assert (
        'conteneur.setAttribute("aria-label", "Carte : Communauté d\'agglomération de la Porte du Hainaut");'
        in script
    )
    selecteur = json.loads(re.search(r"conteneur\.querySelectorAll\((\".*?\")\)", script).group(1))
    assert {s.strip() for s in selecteur.split(",")} == {
        ".leaflet-pane .leaflet-interactive",
        ".leaflet-marker-icon",
        ".leaflet-control-attribution a",
    }
    assert 'element.setAttribute("tabindex", "-1")' in script
    # Shapes fetched or overlays added after the script ran are caught by the observer.
    assert "new MutationObserver(hors_tab).observe(conteneur, {childList: true, subtree: true});" in script
    assert f".leaflet-container:focus-visible {{ outline: 3px solid {leaflet.COULEUR_FOCUS}" in script


def test_the_focus_colour_stands_out_three_to_one_on_white():
    def canal(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    rouge, vert, bleu = (int(leaflet.COULEUR_FOCUS[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * canal(rouge) + 0.7152 * canal(vert) + 0.0722 * canal(bleu)
    assert 1.05 / (luminance + 0.05) >= 3


def test_a_hostile_territory_name_cannot_leave_the_map_label():
    rendu = leaflet.AccesClavier(carte_territoire.titre_carte("</script><script>alert(1)</script>"))
    assert "</script>" not in rendu.titre
    assert json.loads(rendu.titre) == "Carte : </script><script>alert(1)</script>"


def test_a_hostile_territory_name_cannot_leave_the_map_title():
    rendu = leaflet.EnFrancais(carte_territoire.titre_carte("</script><script>alert(1)</script>"))
    assert "</script>" not in rendu.titre
    assert json.loads(rendu.titre) == "Carte : </script><script>alert(1)</script>"
