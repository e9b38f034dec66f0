"""Download buttons for what is on screen (layers with their filters, the map)."""

from __future__ import annotations

import re
from collections.abc import Callable

import folium
import geopandas as gpd
import streamlit as st

from geo.outils import formats
from geo.rendu import exports
from geo.territoires.referentiel import Referentiel, TerritoireId
from ui import etat, page, surcouches_disponibles, telechargement

CLE_PANNEAU = "panneau-exports"


def _nom_fichier(tid: TerritoireId | None) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(tid)) if tid else "france"


def couches_affichees(ref: Referentiel, tid: TerritoireId | None) -> dict[str, gpd.GeoDataFrame]:
    """The territory layer and the data of every overlay switched on."""
    nom, territoire = exports.couche_territoire(ref, tid)
    resultat = {nom: territoire}
    for couche in surcouches_disponibles.surcouches_actives(tid):
        if couche.exporter is not None:
            resultat.update(couche.exporter(tid))
    return resultat


def proposer(
    ref: Referentiel,
    tid: TerritoireId | None,
    titre: str,
    carte: Callable[[], folium.Map],
    base_ressources: str,
) -> None:
    """An expander with CSV, GeoJSON, GeoPackage and standalone-map downloads.

    Its buttons exist only while it is open: Streamlit's browser fetches the whole file of
    every download button as soon as it is drawn (to check its address), which was the
    territory's outlines (1.4 MB at France scale) on every visit to the map.
    """
    panneau = st.expander(
        "Exporter ce qui est affiché", icon=":material/download:", key=CLE_PANNEAU, on_change="rerun"
    )
    if not panneau.open:
        return
    with panneau:
        affichees = couches_affichees(ref, tid)
        base = _nom_fichier(tid)
        choix = st.selectbox(
            "Couche",
            list(affichees),
            key="export_couche",
            format_func=exports.nom_couche,
            placeholder=page.CHOISIR,
        )
        nom = formats.nom_fichier(exports.nom_couche(choix))
        # The same view (territory, layers on, filters) makes the same files.
        signature = "|".join([base, *sorted(affichees), str(sorted(etat.parametres().items()))])
        if affichees[choix].attrs.get("note"):
            st.caption(affichees[choix].attrs["note"])
        colonnes = st.columns(4)
        telechargement.csv(
            "Tableau (CSV)",
            affichees[choix],
            f"{base}_{nom}.csv",
            "export-csv",
            colonnes[0],
            entetes=exports.entetes_couche(ref, choix),
            sources=exports.sources_couche(ref, choix, affichees[choix]),
        )
        telechargement.fichier(
            "Couche (GeoJSON)",
            affichees[choix],
            formats.vers_geojson,
            "geojson",
            f"{base}_{nom}.geojson",
            "application/geo+json",
            "export-geojson",
            colonnes[1],
        )
        telechargement.sur_demande(
            "Toutes les couches (GeoPackage)",
            lambda: formats.vers_geopackage({exports.nom_couche(c): t for c, t in affichees.items()}),
            f"{base}.gpkg",
            "application/geopackage+sqlite3",
            "export-gpkg",
            signature,
            colonnes[2],
        )
        telechargement.sur_demande(
            "Carte (HTML autonome)",
            lambda: exports.carte_autonome(carte(), base_ressources, titre).encode("utf-8"),
            f"{base}_carte.html",
            "text/html",
            "export-html",
            signature,
            colonnes[3],
        )
        st.caption(
            "CSV au format des tableurs français (séparateur « ; », virgule décimale, UTF-8 avec BOM, "
            "valeurs arrondies ; case vide : valeur inconnue) ; le classeur .xlsx garde les codes et "
            "les SIRET en texte. La carte HTML s'ouvre sans serveur ni internet (fond de carte "
            "seulement en ligne). Coordonnées en WGS84."
        )
