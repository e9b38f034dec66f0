"""The map's meaningful colours stand out 3:1 from what they are drawn on (RGAA 3.3, WCAG 1.4.11),
and the legend shows the colours the map shows (issue 33: orange hatching seen olive)."""

from __future__ import annotations

import json
import re

import folium
import pytest

from geo.outils import nomenclature
from geo.outils.couleurs import composer, contraste, hexa
from geo.rendu import carte_territoire
from geo.rendu.carte_territoire import FONDS, STYLES, surface_vue
from geo.rendu.leaflet import COULEUR_FOCUS, MOTIFS, OPACITE_MOTIF, bord_vu, remplissage_vu
from geo.rendu.surcouches import choroplethe, commerces, ptce, qpv, structures, subventions

SEUIL = 3.0
# Thinner than this, an outline is not what tells a shape from its neighbours.
TRAIT_MIN = 0.8


def se_detache(style: dict, dessous: str) -> float:
    """How much a shape stands out from ``dessous``: by its outline (when drawn) or by its fill."""
    contrastes = []
    if style.get("fill", True):
        contrastes.append(contraste(remplissage_vu(style, dessous), dessous))
    if style.get("weight", 3) >= TRAIT_MIN:
        contrastes.append(contraste(bord_vu(style, dessous), dessous))
    return max(contrastes)


# Everything an overlay draws that means something, drawn over the territory's surface.
STYLES_DES_SURCOUCHES = {
    **{f"qpv {cle}": style for cle, style in qpv.STYLES_QPV.items()},
    "commerces sans_commerce": commerces.STYLES_COMMERCES["sans_commerce"],
    **{f"structures {f}": structures.style_famille(f) for f in nomenclature.FAMILLES},
    **{f"structures {cle}": style for cle, style in structures.STYLES_COMPTES.items()},
    **{f"ptce {cle}": style for cle, style in ptce.STYLES_PTCE.items()},
    "subventions": subventions.STYLE,
    "choroplèthe inconnu": choroplethe.STYLE_INCONNU,
}


def _carte_epci(referentiel, surcouche) -> str:
    """The HTML of the Porte du Hainaut map with this overlay, as a browser receives it."""
    preparee = carte_territoire.preparer(referentiel, carte_territoire.TerritoireId("epci", "200042190"))
    return carte_territoire.dessiner(preparee, "/static", [surcouche]).get_root().render()


@pytest.mark.parametrize("fond", FONDS)
@pytest.mark.parametrize("nom", sorted(STYLES_DES_SURCOUCHES))
def test_every_overlay_shape_stands_out_from_the_territory(nom, fond):
    assert se_detache(STYLES_DES_SURCOUCHES[nom], surface_vue(fond)) >= SEUIL


@pytest.mark.parametrize("fond", FONDS)
def test_the_line_between_two_units_stands_out_from_their_fill(fond):
    # Communes of an EPCI, EPCI of a région, départements of France: told apart by this line.
    assert contraste(bord_vu(STYLES["surface"], surface_vue(fond)), surface_vue(fond)) >= SEUIL


@pytest.mark.parametrize("fond", FONDS)
def test_the_chosen_commune_and_the_territory_outline_stand_out(fond):
    # The chosen commune among the other communes of its EPCI.
    assert se_detache(STYLES["selection"], surface_vue(fond)) >= SEUIL
    assert se_detache(STYLES["contour"], surface_vue(fond)) >= SEUIL
    assert se_detache(STYLES["contour"], fond) >= SEUIL


@pytest.mark.parametrize("fond", FONDS)
@pytest.mark.parametrize("motif", sorted(MOTIFS))
def test_hatching_stripes_stand_out_from_their_background(motif, fond):
    fond_motif, trait, _ = MOTIFS[motif]
    assert contraste(trait, composer(fond_motif, OPACITE_MOTIF, surface_vue(fond))) >= SEUIL


def _separe(classes: list[dict], dessous: str) -> float:
    """The weakest contrast between a class's outline and any class's fill (neighbours differ)."""
    return min(
        contraste(bord_vu(bord, dessous), remplissage_vu(voisine, dessous))
        for bord in classes
        for voisine in classes
    )


@pytest.mark.parametrize("fond", FONDS)
@pytest.mark.parametrize("k", range(3, 8))
def test_neighbouring_choropleth_classes_are_parted_by_a_line_of_three_to_one(k, fond):
    classes = [
        {"color": choroplethe.SEPARATEUR, "weight": 0.8, "fillColor": c, "fillOpacity": 0.8}
        for c in choroplethe.palette_sequentielle(k)
    ]
    assert all(c["weight"] >= TRAIT_MIN for c in classes)
    assert _separe([*classes, choroplethe.STYLE_INCONNU], surface_vue(fond)) >= SEUIL


def test_the_choropleth_layer_draws_the_audited_separator(referentiel):
    import pandas as pd

    from geo.donnees import opportunites

    valeurs = pd.DataFrame(
        {"code": ["59172", "59205", "59291"], "nom": ["A", "B", "C"], "valeur": [1.0, 2.0, 3.0]}
    )
    classes, bornes = opportunites.classer(valeurs.valeur, "quantiles", 3)
    surcouche = choroplethe.surcouche(referentiel, valeurs, classes, bornes, "communes", "fin", "T", "S")
    html = _carte_epci(referentiel, surcouche)
    couleurs = set(re.findall(r'"classe_\d":\{"color":"(#\w+)"', html))
    assert couleurs == {choroplethe.SEPARATEUR}


@pytest.mark.parametrize("fond", FONDS)
def test_shares_of_shopless_communes_are_parted_by_a_line_of_three_to_one(fond):
    parts = [commerces.STYLES_COMMERCES[style] for _, style, _ in commerces.CLASSES_PART]
    assert _separe(parts, surface_vue(fond)) >= SEUIL


@pytest.mark.parametrize("fond", FONDS)
def test_the_focus_ring_stands_out_from_the_background_and_the_territory(fond):
    assert contraste(COULEUR_FOCUS, fond) >= SEUIL
    assert contraste(COULEUR_FOCUS, surface_vue(fond)) >= SEUIL


def test_markers_drawn_in_the_browser_take_the_audited_outline():
    marqueurs = structures.MarqueursStructures({"familles": []}, [])
    style = json.loads(marqueurs.style)
    attendu = structures.style_famille(nomenclature.TIERS_LIEU)
    assert style == {cle: valeur for cle, valeur in attendu.items() if cle != "fillColor"}


def _chaine_apres(html: str, debut: str) -> str:
    """The JSON string literal written in the script right after ``debut``."""
    position = html.index(debut) + len(debut)
    return json.JSONDecoder().raw_decode(html, position)[0]


def _motif_dessine(html: str, identifiant: str) -> tuple[str, float, str]:
    """(background, its opacity, stripes) of a pattern as the map's SVG draws it."""
    motifs = _chaine_apres(html, "defs.innerHTML = ")
    motif = re.search(rf'<pattern id="{identifiant}".*?</pattern>', motifs).group(0)
    fond, opacite = re.search(r'<rect [^>]*fill="(#\w+)" fill-opacity="([\d.]+)"', motif).groups()
    trait = re.search(r'<line [^>]*stroke="(#\w+)"', motif).group(1)
    return fond, float(opacite), trait


@pytest.mark.parametrize(
    ("motif", "style"),
    [
        ("hachures-commerces", commerces.STYLES_COMMERCES["sans_commerce"]),
        ("hachures-qpv", qpv.STYLES_QPV["commune_qpv"]),
    ],
)
def test_the_legend_shows_the_hatching_in_the_colours_the_map_shows(referentiel, motif, style):
    surcouche = carte_territoire.Surcouche(lambda: folium.FeatureGroup("Vide"), [(style, "Hachurée")])
    html = _carte_epci(referentiel, surcouche)
    fond, opacite, trait = _motif_dessine(html, motif)
    # On the map, the pattern's background is seen over the territory's surface.
    vu = hexa(composer(fond, opacite, surface_vue()))
    legende = _chaine_apres(html, "Légende</summary>'\n                + ")
    (ligne,) = [morceau for morceau in legende.split("<div>") if "Hachurée" in morceau]
    assert f"{trait} 0 2px,{vu} 2px 5px" in ligne
