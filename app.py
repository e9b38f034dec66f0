"""Tableau de bord de l'ESS dans les territoires — point d'entrée Streamlit.

Lancer avec ``make run`` (ou ``streamlit run app.py`` dans l'environnement).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import barre_laterale, demarrage, donnees, etat, page

# The page's title, « page – territoire – ESS & territoires », is set once the territory is known.
st.set_page_config(
    page_icon=str(Path(__file__).parent / "ui" / "icone.png"),
    layout="wide",
    # "auto": open on a computer, closed on a phone (Streamlit collapses it under 768 px wide).
    initial_sidebar_state="auto",
)

PAGES = [
    # The default page lives at the root URL ("/"): it has no path of its own.
    st.Page("pages/carte.py", title="Carte", icon=":material/map:", default=True),
    st.Page("pages/territoire.py", title="Territoire", icon=":material/analytics:", url_path="territoire"),
    st.Page("pages/comparer.py", title="Comparer", icon=":material/compare_arrows:", url_path="comparer"),
    st.Page("pages/qpv.py", title="Quartiers prioritaires", icon=":material/location_city:", url_path="qpv"),
    st.Page("pages/commerces.py", title="Commerces", icon=":material/storefront:", url_path="commerces"),
    st.Page(
        "pages/structures.py",
        title="Structures de l'ESS",
        icon=":material/diversity_3:",
        url_path="structures",
    ),
    st.Page("pages/emplois.py", title="Emplois et financements", icon=":material/work:", url_path="emplois"),
    st.Page(
        "pages/opportunites.py", title="Opportunités", icon=":material/lightbulb:", url_path="opportunites"
    ),
    st.Page("pages/saisie.py", title="Saisie", icon=":material/edit_note:", url_path="saisie"),
    st.Page("pages/moderation.py", title="Modération", icon=":material/fact_check:", url_path="moderation"),
    st.Page("pages/sources.py", title="Sources", icon=":material/menu_book:", url_path="sources"),
    PAGE_ACCESSIBILITE := st.Page(
        "pages/accessibilite.py",
        title="Déclaration d'accessibilité",
        icon=":material/accessibility_new:",
        url_path="accessibilite",
    ),
]

# The sidebar draws its own page links so that they carry the URL's parameters.
page.page_inconnue({p.url_path for p in PAGES})
navigation = st.navigation(PAGES, position="hidden")
donnees.ressources_statiques()
if (raison_carte := donnees.carte_impossible()) is not None:
    st.warning(raison_carte, icon=":material/map:")
contexte = page.contexte()
# The declaration is the same for every territory: its title does not name one.
page.en_francais(
    navigation.title, contexte.territoire, avec_territoire=navigation.url_path != PAGE_ACCESSIBILITE.url_path
)
page.lisibilite()
# The map's page is the deck (ui.presentation): its title line holds the button that leaves it.
if not page.mode_presentation(bouton_quitter=navigation.url_path != PAGES[0].url_path):
    barre_laterale.afficher(contexte.ref, contexte.territoire, PAGES, declaration=PAGE_ACCESSIBILITE)
etat.afficher_erreur_url()
try:
    navigation.run()
finally:
    demarrage.premiere_page_finie.set()
