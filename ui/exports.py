"""Download buttons for what is on screen (layers with their filters, the map)."""

from __future__ import annotations

import re
from collections.abc import Callable

import folium
import geopandas as gpd
import streamlit as st

from geo import exports
from geo.territories import Referentiel, TerritoireId
from ui import couches


def _nom_fichier(tid: TerritoireId | None) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(tid)) if tid else "france"


def couches_affichees(ref: Referentiel, tid: TerritoireId | None) -> dict[str, gpd.GeoDataFrame]:
    """The territory layer and the data of every overlay switched on."""
    nom, territoire = exports.couche_territoire(ref, tid)
    resultat = {nom: territoire}
    for couche in couches.couches_actives():
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
    """An expander with CSV, GeoJSON, GeoPackage and standalone-map downloads."""
    with st.expander("Exporter ce qui est affiché", icon=":material/download:"):
        affichees = couches_affichees(ref, tid)
        base = _nom_fichier(tid)
        choix = st.selectbox("Couche", list(affichees), key="export_couche")
        colonnes = st.columns(4)
        colonnes[0].download_button(
            "Tableau (CSV)",
            data=lambda: exports.vers_csv(affichees[choix]),
            file_name=f"{base}_{choix}.csv",
            mime="text/csv",
        )
        colonnes[1].download_button(
            "Couche (GeoJSON)",
            data=lambda: exports.vers_geojson(affichees[choix]),
            file_name=f"{base}_{choix}.geojson",
            mime="application/geo+json",
        )
        colonnes[2].download_button(
            "Toutes les couches (GeoPackage)",
            data=lambda: exports.vers_geopackage(affichees),
            file_name=f"{base}.gpkg",
            mime="application/geopackage+sqlite3",
        )
        colonnes[3].download_button(
            "Carte (HTML autonome)",
            data=lambda: exports.carte_autonome(carte(), base_ressources, titre).encode("utf-8"),
            file_name=f"{base}_carte.html",
            mime="text/html",
        )
        st.caption(
            "CSV au format des tableurs français (séparateur « ; », virgule décimale). La carte HTML "
            "s'ouvre sans serveur ni internet (fond de carte seulement en ligne). Coordonnées en WGS84."
        )
