"""Leaflet plumbing: the map elements folium lacks or that the app draws its own way.

GeoJSON layers styled by precomputed properties (one small JavaScript function, not a
``style_function`` compiled into a switch over thousands of features), the legend, the
panes that keep neighbourhoods above hatched communes, SVG fill patterns, the metric scale,
the framing of a territory or a point, and a map whose Leaflet files come from the app.
"""

from __future__ import annotations

import json

import folium
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.outils import assets
from geo.outils.couleurs import composer, hexa
from geo.outils.text import echapper

# Where « Est-ce en QPV ? » brings its point: streets and the neighbourhood both readable.
ZOOM_POINT_VERIFIE = 15


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
                + "font:{{ this.taille }}px/1.4 sans-serif;color:#1b1b1b;box-shadow:0 1px 4px rgba(0,0,0,.3);"
                + "max-width:min({{ this.largeur }}px,70vw);max-height:{{ this.hauteur }}vh;overflow:auto";
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

    def __init__(
        self, entrees: list[tuple[dict, str]], dessous: list[str] | None = None, grande: bool = False
    ) -> None:
        """``entrees``: (Leaflet path style, label) pairs; ``dessous``: the colour each is drawn
        over on the map (white by default), so that its swatch shows the colour seen there.
        ``grande``: type read from the back of a meeting room (presentation on a projector)."""
        super().__init__()
        self._name = "Legende"
        self.taille, self.largeur, self.hauteur = (22, 520, 70) if grande else (13, 280, 45)
        case = 24 if grande else 14
        lignes = []
        dessous = dessous or ["#ffffff"] * len(entrees)
        for (style, libelle), sous in zip(entrees, dessous, strict=True):
            if style.get("motif"):
                fond, trait = couleurs_motif_vues(style["motif"], sous)
                angle = style["motif"][2]
                # CSS gradients turn clockwise from the top, SVG rotations from the x axis.
                echantillon = (
                    f"background:repeating-linear-gradient({90 - angle}deg,{trait} 0 2px,{fond} 2px 5px);"
                    f"border:1px solid {style['color']}"
                )
            elif style.get("radius"):
                echantillon = (
                    f"background:{remplissage_vu(style, sous)};border:1px solid {style['color']};"
                    "border-radius:50%"
                )
            elif style.get("fill", True):
                echantillon = f"background:{remplissage_vu(style, sous)};border:1px solid {style['color']}"
            else:
                trait = "dashed" if style.get("dashArray") else "solid"
                echantillon = f"border:{max(1, round(style['weight']))}px {trait} {style['color']}"
            lignes.append(
                f'<div><span style="display:inline-block;width:{case}px;height:{case}px;margin-right:6px;'
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
                f'<rect width="8" height="8" fill="{fond}" fill-opacity="{OPACITE_MOTIF}"/>'
                f'<line x1="0" y1="0" x2="0" y2="8" stroke="{trait}" stroke-width="2.5"/></pattern>'
            )
        self.motifs = json_pour_script("".join(motifs))


# Fill patterns: id → (background colour, stripe colour, stripe angle). Different
# angles keep two hatched layers apart where they overlap.
MOTIFS = {"hachures-qpv": ("#CC79A7", "#6b2d5c", 45), "hachures-commerces": ("#E69F00", "#7a4f00", -45)}
# A pattern's background lets the map under it show through (streets, names): over the
# territory's blue, the shops' orange is seen as olive, and the legend shows it so.
OPACITE_MOTIF = 0.45


def couleurs_motif_vues(motif: tuple[str, str, float], dessous: str) -> tuple[str, str]:
    """(background, stripes) of a fill pattern as seen over ``dessous``: the map's and the legend's."""
    fond, trait, _angle = motif
    return hexa(composer(fond, OPACITE_MOTIF, dessous)), hexa(trait)


def remplissage_vu(style: dict, dessous: str) -> str:
    """The fill of a Leaflet path style as seen over ``dessous`` (its opacity applied)."""
    if style.get("motif"):
        return couleurs_motif_vues(style["motif"], dessous)[0]
    return hexa(composer(style["fillColor"], style.get("fillOpacity", 0.2), dessous))


def bord_vu(style: dict, dessous: str) -> str:
    """The outline of a Leaflet path style as seen over ``dessous``."""
    return hexa(composer(style["color"], style.get("opacity", 1.0), dessous))


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


# Leaflet's own words on its controls (title and aria-label), in French.
LIBELLES_CONTROLES = {
    ".leaflet-control-zoom-in": "Zoom avant",
    ".leaflet-control-zoom-out": "Zoom arrière",
    ".leaflet-control-layers-toggle": "Couches",
    ".leaflet-popup-close-button": "Fermer la bulle",
    '.leaflet-control-attribution a[href="https://leafletjs.com"]': (
        "Leaflet, bibliothèque JavaScript de cartes interactives"
    ),
}


class EnFrancais(MacroElement):
    """The map's document says it is French, bears a title, and its controls speak French.

    Leaflet writes « Zoom in », « Layers », « Close popup » in its controls, with no option
    for some of them (the layer control's button, the popup's close button): the words are
    replaced as the controls appear, the layer control (added later by the app) and popups
    included. In the app the map lives in streamlit-folium's frame, whose document says
    ``lang="en"``: the map gives it its own language and title (RGAA 8.3, 8.5); the frame
    element itself is titled by the page (``ui.page.en_francais``).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var carte = {{ this._parent.get_name() }};
            var titre = {{ this.titre }};
            var libelles = {{ this.libelles }};
            document.documentElement.lang = "fr";
            document.title = titre;
            var franciser = function () {
                Object.keys(libelles).forEach(function (selecteur) {
                    carte.getContainer().querySelectorAll(selecteur).forEach(function (element) {
                        if (element.getAttribute("aria-label") !== libelles[selecteur]) {
                            element.setAttribute("title", libelles[selecteur]);
                            element.setAttribute("aria-label", libelles[selecteur]);
                        }
                    });
                });
            };
            franciser();
            var observateur = new MutationObserver(franciser);
            [".leaflet-control-container", ".leaflet-popup-pane"].forEach(function (selecteur) {
                var boite = carte.getContainer().querySelector(selecteur);
                if (boite) { observateur.observe(boite, {childList: true, subtree: true}); }
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, titre: str) -> None:
        super().__init__()
        self._name = "EnFrancais"
        self.titre = json_pour_script(titre)
        self.libelles = json_pour_script(LIBELLES_CONTROLES)


STYLE_ATTRIBUTION = "<style>.leaflet-control-attribution a { text-decoration: underline; }</style>"

# The map's focus ring: dark blue, 8.6:1 on white and 3:1 at least on the IGN plan's colours.
COULEUR_FOCUS = "#1a4f8b"

# What Tab never stops on inside a map: every shape and marker (reachable through the table or
# list beside the map), and the attribution's links (the Sources page names the same sources).
SANS_ARRET_TAB = ".leaflet-pane .leaflet-interactive, .leaflet-marker-icon, .leaflet-control-attribution a"


class AccesClavier(MacroElement):
    """A map crossed in a few Tab stops, with a visible focus (RGAA 10.7, 12.8, 12.13).

    Leaflet makes each marker a Tab stop, and Chromium each shape with a tooltip (Leaflet
    listens to its focus): a France map was 107 to 1,360 Tab presses. Shapes, markers and
    attribution links get ``tabindex="-1"``, those of overlays added later too (an observer
    on the map panes). What is left: the map itself (named « Carte : … », moved with the
    arrow keys), zoom, layers and the legend, each with a focus ring of 3:1 at least.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var carte = {{ this._parent.get_name() }};
            var conteneur = carte.getContainer();
            conteneur.setAttribute("role", "region");
            conteneur.setAttribute("aria-label", {{ this.titre }});
            var style = document.createElement("style");
            style.textContent = {{ this.css }};
            document.head.appendChild(style);
            var hors_tab = function () {
                conteneur.querySelectorAll({{ this.selecteur }}).forEach(function (element) {
                    if (element.getAttribute("tabindex") !== "-1") { element.setAttribute("tabindex", "-1"); }
                });
            };
            hors_tab();
            new MutationObserver(hors_tab).observe(conteneur, {childList: true, subtree: true});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, titre: str) -> None:
        super().__init__()
        self._name = "AccesClavier"
        self.titre = json_pour_script(titre)
        self.selecteur = json_pour_script(SANS_ARRET_TAB)
        # Inside the frame an outer outline would be cut off: the map's ring is drawn inside it.
        self.css = json_pour_script(
            f".leaflet-container:focus-visible {{ outline: 3px solid {COULEUR_FOCUS} !important; "
            "outline-offset: -3px; }"
            f".leaflet-container a:focus-visible, .leaflet-container summary:focus-visible, "
            f".leaflet-container input:focus-visible {{ outline: 2px solid {COULEUR_FOCUS} !important; "
            "outline-offset: 1px; }"
        )


class CarteHorsLigne(folium.Map):
    """A folium map whose Leaflet files come from the app, not from a CDN."""

    def __init__(self, base_ressources: str, **options) -> None:
        super().__init__(**options)
        liens = assets.liens(base_ressources)["leaflet"]
        self.default_js = liens["js"]
        self.default_css = liens["css"]
        # Leaflet tells its attribution links from the text around them by colour alone
        # (WCAG 1.4.1, axe « link-in-text-block »): they are underlined.
        self.get_root().header.add_child(Element(STYLE_ATTRIBUTION), name="style_attribution")
