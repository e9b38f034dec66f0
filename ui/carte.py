"""Maps on a page: the territory's map rendered once, its overlays sent on their own.

``st_folium`` renders the whole folium map on every run (about 0.25 s at France scale), and
sends its script again each time; a switched layer gave a new script, so the browser redrew
the whole map. Here the base map (the territory's outlines, which the browser fetches from
``static/cartes/`` and keeps) is rendered once per territory and server, each cached overlay
once, and they reach streamlit-folium's component as its ``feature_group`` argument: the
component adds and removes those without redrawing the map.

The component's own helpers are private functions of streamlit-folium (pinned in
requirements.txt); ``tests/test_carte_ui.py`` fails if an upgrade changes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import folium
import streamlit as st
import streamlit_folium as sf

from geo.outils import assets, config
from geo.outils.text import texte_brut
from geo.rendu import carte_territoire
from geo.territoires.referentiel import TerritoireId
from ui import donnees, etat

# The component loads its scripts once, when it mounts: a page whose switches may add an
# overlay needing a library (the structures' clusters) names it, so the map has it from the start.
STRUCTURES = ("markercluster",)
# « Passer la carte »: hidden until focused, the first Tab stop of every map (RGAA 12.7).
LIEN_PASSER_CARTE = '<a href="#" class="ess-passer-carte">Passer la carte</a>'


@dataclass(frozen=True)
class FondRendu:
    """What the component needs of a base map, computed once."""

    script: str
    entete: str
    html: str
    identifiant: str
    css: tuple[str, ...]
    js: tuple[str, ...]
    defauts: dict
    # The rendered map, read (never changed) to name its layers in the layer control.
    carte: folium.Map
    empreinte: str


def _publier(texte: str) -> str | None:
    nom = assets.publier(texte)
    if nom is None:
        return None
    return f"{assets.url_cartes(st.get_option('server.baseUrlPath') or '')}/{nom}"


def rendre_fond(carte: folium.Map) -> FondRendu:
    """Render ``carte`` as ``st_folium`` would (same helpers, same order), once."""
    carte.get_root().render()
    carte.render()
    html = sf._get_html(carte)
    entete = sf._get_header(carte)
    script = sf._get_map_string(carte)
    js, css = [], []
    for element in _elements(carte):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    try:
        limites = carte.get_bounds()
    except AttributeError:
        limites = [[None, None], [None, None]]
    (sud, ouest), (nord, est) = limites
    defauts = {
        "bounds": {"_southWest": {"lat": sud, "lng": ouest}, "_northEast": {"lat": nord, "lng": est}},
        "zoom": carte.options.get("zoom"),
        "last_clicked": None,
        "last_object_clicked": None,
        "last_object_clicked_count": None,
    }
    return FondRendu(
        script=script,
        entete=entete,
        html=html,
        identifiant=sf.get_full_id(carte),
        css=tuple(dict.fromkeys(css)),
        js=tuple(dict.fromkeys(js)),
        defauts=defauts,
        carte=carte,
        empreinte=hashlib.sha256(script.encode("utf-8")).hexdigest(),
    )


def _elements(element):
    yield element
    for enfant in getattr(element, "_children", {}).values():
        yield from _elements(enfant)


@st.cache_resource(show_spinner=False, max_entries=64)
def _fond(
    dossier: str,
    territoire_id: str,
    point: tuple[float, float] | None,
    base_ressources: str,
    bibliotheques: tuple[str, ...],
) -> FondRendu:
    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    carte = carte_territoire.dessiner_fond(
        donnees.carte_preparee(tid),
        base_ressources,
        point=point,
        publier=_publier,
        bibliotheques=bibliotheques,
    )
    return rendre_fond(carte)


def fond(
    tid: TerritoireId | None, point: tuple[float, float] | None = None, bibliotheques: Sequence[str] = ()
) -> FondRendu:
    """The rendered base map of a territory (cached per territory, opening point and libraries)."""
    return _fond(
        str(config.dossier_territoires()),
        str(tid or ""),
        point,
        donnees.ressources_statiques(),
        tuple(sorted(set(bibliotheques))),
    )


def script_calque(groupe: folium.FeatureGroup, rang: int) -> str:
    """The component's script for one overlay group at ``rang`` (its variable is named by rank)."""
    # A throwaway map: streamlit-folium adds the group to the map it is given.
    return sf._get_feature_group_string(groupe, folium.Map(tiles=None), idx=rang)


def _script_surcouche(surcouche: carte_territoire.Surcouche, rang: int) -> tuple[str, str, bool]:
    """(script, label, in the layer control) of an overlay; cached on the overlay, itself cached."""
    deja = surcouche.rendus.get(rang)
    if deja is None:
        groupe = carte_territoire.en_groupe(surcouche.creer())
        deja = (script_calque(groupe, rang), groupe.layer_name, bool(groupe.control))
        surcouche.rendus[rang] = deja
    return deja


def calques(
    rendu: FondRendu,
    preparee: carte_territoire.CarteTerritoire,
    surcouches: Sequence[carte_territoire.Surcouche],
    autres: Sequence[folium.FeatureGroup] = (),
    grande_legende: bool = False,
) -> tuple[str, str]:
    """(feature groups, layer control) scripts: the overlays, then ``autres``, then the legend."""
    morceaux, controle = [], []
    for rang, surcouche in enumerate(surcouches):
        script, libelle, dans_le_controle = _script_surcouche(surcouche, rang)
        morceaux.append(script)
        if dans_le_controle:
            controle.append((f"feature_group_feature_group_{rang}", libelle))
    rang = len(surcouches)
    for groupe in autres:
        morceaux.append(script_calque(groupe, rang))
        if groupe.control:
            controle.append((f"feature_group_feature_group_{rang}", groupe.layer_name))
        rang += 1
    legende = folium.FeatureGroup(name="Légende", control=False)
    # streamlit-folium names every element by its rank: the same legend gives the same script,
    # which the component does not run again.
    carte_territoire.legende_de(preparee, surcouches, grande_legende).add_to(legende)
    morceaux.append(script_calque(legende, rang))
    # The rendered base map is already named « map_div », the component's name for it.
    script_controle = carte_territoire.controle_des_couches(rendu.carte, controle)
    return "".join(morceaux), script_controle


def afficher(
    tid: TerritoireId | None,
    surcouches: Sequence[carte_territoire.Surcouche],
    cle: str,
    hauteur: int,
    point: tuple[float, float] | None = None,
    autres: Sequence[folium.FeatureGroup] = (),
    retours: Sequence[str] = (),
    centre: tuple[float, float] | None = None,
    zoom: int | None = None,
    bibliotheques: Sequence[str] = (),
    page_courante: str = "",
    grande_legende: bool = False,
    texte_dessous: bool = True,
) -> dict:
    """Draw the territory's map with these overlays, the text of what it shows under it; what the
    component returns (``retours``).

    ``cle`` names the map on the page: the same ``cle`` and territory keep the map in the
    browser, and only the overlays change. ``point`` opens it on a point (see
    :func:`geo.rendu.carte_territoire.dessiner_fond`); ``centre``/``zoom`` move it later without redrawing.
    ``bibliotheques``: libraries an overlay switched on later may need (see :data:`STRUCTURES`).
    ``page_courante``: the page's address path, whose own tables the text links to by anchor.
    ``grande_legende``: the legend in type read from the back of a room (presentation mode).
    ``texte_dessous``: False for a map that only takes a click (a form's point: its field says it).
    """
    rendu = fond(tid, point, (*bibliotheques, *carte_territoire.bibliotheques_de(surcouches)))
    scripts, controle = calques(rendu, donnees.carte_preparee(tid), surcouches, autres, grande_legende)
    retours = list(retours)
    cle_composant = hashlib.sha256(f"{rendu.empreinte}|{cle}".encode()).hexdigest()
    # Before the map's frame: Enter on it brings the focus past the map (ui.page.en_francais).
    st.html(LIEN_PASSER_CARTE)
    retour = sf._component_func(
        script=rendu.script,
        header=rendu.entete,
        html=rendu.html,
        id=rendu.identifiant,
        key=cle_composant,
        height=hauteur,
        width=None,
        returned_objects=retours,
        default={k: v for k, v in rendu.defauts.items() if k in retours},
        zoom=zoom,
        center=centre,
        feature_group=scripts,
        return_on_hover=False,
        layer_control=controle,
        pixelated=False,
        css_links=list(rendu.css),
        js_links=list(rendu.js),
        wrap_longitude=False,
    )
    if texte_dessous:
        decrire(surcouches, page_courante)
    return retour


def decrire(surcouches: Sequence[carte_territoire.Surcouche], page_courante: str = "") -> None:
    """Under the map, what its visible layers show, in words, with links to the tables listing them.

    The sentences hold names from files: plain text. A table on this page is reached by its
    anchor; one on another page by a link that keeps the territory and the view.
    """
    phrases = carte_territoire.resume_carte(surcouches)
    lignes, autres_pages = [], {}
    for phrase in phrases:
        ligne = f"- {texte_brut(phrase.texte)}"
        if phrase.page == page_courante and phrase.ancre:
            ligne += f" ([{texte_brut(phrase.lien)}](#{phrase.ancre}))"
        elif phrase.page and phrase.page != page_courante:
            autres_pages.setdefault(phrase.page, phrase.lien)
        lignes.append(ligne)
    with st.container(key="texte-sous-carte"):
        st.markdown("**Ce que montre la carte**\n\n" + "\n".join(lignes))
        for page, lien in autres_pages.items():
            st.page_link(
                f"pages/{page}.py", label=lien, icon=":material/table_view:", query_params=etat.parametres()
            )


def commune_cliquee(clic: dict | None, cle: str) -> str | None:
    """The commune last clicked on the map (kept in the session under ``cle``), or None.

    The component returns its last click on every run: only a new one (another point, or a higher
    counter of clicks on objects) changes the commune.
    """
    clic = clic or {}
    signature = (clic.get("last_clicked"), clic.get("last_object_clicked_count"))
    ancienne, code = st.session_state.get(cle, ((None, None), None))
    point = None
    if signature[1] and signature[1] != ancienne[1]:
        point = clic.get("last_object_clicked")
    elif signature[0] and signature[0] != ancienne[0]:
        point = clic.get("last_clicked")
    if point:
        code = donnees.commune_au_point(point["lng"], point["lat"]) or code
    st.session_state[cle] = (signature, code)
    return code


# What a map returns for its clicks: a click on a shape (a commune) opens its popup and stops the
# map's own click event, so clicks on objects come back apart, with a counter.
RETOURS_CLIC = ("last_clicked", "last_object_clicked", "last_object_clicked_count")


def point_clique(clic: dict | None, cle: str) -> tuple[float, float] | None:
    """The (lon, lat) of a new click on the map (one not seen by an earlier run, kept under ``cle``
    in the session), or None. The map must return :data:`RETOURS_CLIC`."""
    clic = clic or {}
    signature = (clic.get("last_clicked"), clic.get("last_object_clicked_count"))
    ancienne = st.session_state.get(cle, (None, None))
    st.session_state[cle] = signature
    point = None
    if signature[1] and signature[1] != ancienne[1]:
        point = clic.get("last_object_clicked")
    elif signature[0] and signature[0] != ancienne[0]:
        point = clic.get("last_clicked")
    return (float(point["lng"]), float(point["lat"])) if point else None


def fiche_commune(fiche) -> None:
    """A clicked commune's key figures under the map, as plain text, and a link to its page."""
    with st.container(key="commune-cliquee", border=True):
        st.subheader(texte_brut(fiche.nom), anchor=False)
        # Row by row, so that a screen reader meets the figures in the order the eye does.
        for debut in range(0, len(fiche.chiffres), 3):
            for colonne, chiffre in zip(st.columns(3), fiche.chiffres[debut : debut + 3], strict=False):
                colonne.metric(texte_brut(chiffre.libelle), texte_brut(chiffre.valeur))
                if chiffre.detail:
                    colonne.caption(texte_brut(chiffre.detail))
        st.page_link(
            "pages/territoire.py",
            label=f"Page Territoire de {texte_brut(fiche.nom)}",
            icon=":material/arrow_forward:",
            query_params={"territoire": f"commune:{fiche.code}"},
        )
        # The register is partial: whoever knows a structure here may propose it (moderated).
        st.page_link(
            "pages/structures.py",
            label=f"Proposer une structure de l'ESS à {texte_brut(fiche.nom)}",
            icon=":material/add_location_alt:",
            query_params={"territoire": f"commune:{fiche.code}", "proposer": "1"},
        )
