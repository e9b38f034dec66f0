"""The sidebar shared by every page: page links and the territory picker."""

from __future__ import annotations

import streamlit as st

from geo.outils.text import accorder, echapper
from geo.territoires.referentiel import Referentiel, Territoire
from ui import etat

CLE_RECHERCHE = "recherche_territoire"
CLE_CHOIX = "choix_territoire"


def _territoire_choisi() -> None:
    choix = st.session_state.get(CLE_CHOIX)
    if choix:
        etat.choisir_territoire(choix)
        st.session_state[CLE_RECHERCHE] = ""


def _chercher(ref: Referentiel) -> None:
    recherche = st.text_input(
        "Rechercher un territoire",
        key=CLE_RECHERCHE,
        placeholder="porte du hainaut, soissons, 59…",
        help="Une partie du nom (accents facultatifs) ou un code : INSEE pour une commune, "
        "SIREN pour un EPCI, numéro de département ou de région.",
    )
    if not recherche.strip():
        return
    resultats = ref.rechercher(recherche, limite=12)
    if resultats.empty:
        st.info("Aucun territoire ne correspond. Essayez une partie du nom ou un code (INSEE, SIREN).")
        return
    libelles = dict(zip(resultats.id, resultats.libelle, strict=True))
    st.radio(
        f"{accorder(len(resultats), 'résultat')} — cliquez pour afficher",
        options=list(resultats.id),
        format_func=libelles.__getitem__,
        index=None,
        key=CLE_CHOIX,
        on_change=_territoire_choisi,
    )


def afficher(ref: Referentiel, territoire: Territoire, pages: list) -> None:
    with st.sidebar:
        # Not a heading: the page's h1 comes first (the sidebar precedes it in the document).
        st.markdown("**ESS & territoires**")
        for page in pages:
            st.page_link(page, query_params=etat.parametres())
        st.divider()
        st.markdown(f"**{territoire.nom}**")
        st.caption(territoire.libelle_niveau + (f" · {territoire.code}" if territoire.code else ""))
        for parent in territoire.parents:
            st.button(
                f"↑ {parent['nom']}",
                key=f"parent-{parent['id']}",
                on_click=etat.choisir_territoire,
                args=(parent["id"],),
                help="Afficher ce territoire",
            )
        if territoire.id is not None:
            st.button("↑ France entière", key="parent-france", on_click=etat.choisir_territoire, args=(None,))
        _chercher(ref)
        _partager(territoire)


def _partager(territoire: Territoire) -> None:
    lien = etat.lien_permanent()
    if lien is None:
        return
    with st.expander("Partager cette vue", icon=":material/share:"):
        st.caption("Lien vers exactement cette vue (page, territoire, couches, point vérifié) :")
        # st.code shows a copy button.
        st.code(lien, language=None, wrap_lines=True)
        separateur = "&" if "?" in lien else "?"
        st.caption("Pour l'intégrer dans un autre site (iframe) :")
        st.code(
            f'<iframe src="{lien}{separateur}presentation=1&embed=true" width="100%" height="900" '
            f'style="border:0" title="{echapper(territoire.nom)} — ESS &amp; territoires"></iframe>',
            language="html",
            wrap_lines=True,
        )
