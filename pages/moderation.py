"""Modération : propositions de structures et signalements d'erreurs en attente, journal.

Contributors moderate their territories and PTCE, administrators everywhere (ui.acces);
the page is tied to no territory.
"""

from __future__ import annotations

import streamlit as st

from geo.base.store import BaseInaccessible, message_indisponible
from ui import acces, donnees

st.set_page_config(page_title="Modération – ESS & territoires")
st.title("Modération des contributions")
st.caption(
    "Les propositions de structures et les signalements d'erreurs envoyés par le public attendent ici "
    "qu'un modérateur du territoire les vérifie : rien n'est publié avant. Chaque décision est notée au "
    "journal et peut être annulée."
)

try:
    depot = donnees.depot()
except BaseInaccessible as erreur:
    st.error(message_indisponible(erreur), icon=":material/database_off:")
    st.stop()

utilisateur = acces.exiger_role()
acces.bandeau(utilisateur)
