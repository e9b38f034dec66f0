"""Sources : d'où vient chaque jeu de données, son millésime et sa licence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.sources import ORIGINES, toutes_les_sources
from ui import page

contexte = page.contexte()
manifeste = contexte.ref.manifeste

st.title("Sources des données")
st.markdown(
    "Chaque chiffre et chaque couche de ce tableau de bord provient de données publiques "
    "ouvertes, citées ici avec leur producteur, leur millésime et leur licence, et l'endroit "
    "d'où elles ont été chargées sur ce serveur."
)

provenance = {s["source"]: s for s in manifeste.get("sources", [])}
lignes = []
for source in toutes_les_sources():
    chargee = provenance.get(source.id, {})
    lignes.append(
        {
            "Jeu de données": source.titre,
            "Producteur": source.producteur,
            "Millésime": source.millesime,
            "Licence": source.licence,
            "Chargé depuis": ORIGINES.get(chargee.get("origine", ""), "non chargé")
            + (f" ({chargee['detail']})" if chargee.get("detail") else ""),
            "Date de récupération": chargee.get("date", ""),
            "Page officielle": source.page,
        }
    )
st.dataframe(
    pd.DataFrame(lignes),
    hide_index=True,
    width="stretch",
    column_config={"Page officielle": st.column_config.LinkColumn("Page officielle")},
)

for source in toutes_les_sources():
    with st.expander(source.titre):
        st.markdown(source.description)
        if source.url:
            st.markdown(f"Fichier officiel : `{source.fichier}` — {source.url}")
        for limite in source.limites:
            st.markdown(f"- {limite}")

st.subheader("Construction des données")
st.markdown(
    f"Données construites le **{manifeste.get('construit_le', '?')}** "
    f"(périmètre : {manifeste.get('perimetre', '?')})."
)
if manifeste.get("anomalies"):
    st.markdown("Anomalies relevées dans les sources, et ce qui en a été fait :")
    for anomalie in manifeste["anomalies"]:
        st.markdown(f"- {anomalie}")

st.subheader("Fonds de carte")
st.markdown(
    "Plan IGN (Géoplateforme, IGN, Licence Ouverte 2.0) ou OpenStreetMap (ODbL). Ils ne "
    "s'affichent que si le navigateur accède à internet ; les couches du tableau de bord, "
    "elles, s'affichent toujours (la bibliothèque Leaflet est servie par l'application)."
)
