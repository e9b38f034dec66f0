"""The sidebar shared by every page: page links and the territory picker."""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from geo.outils.text import accorder, echapper
from geo.rendu import accessibilite
from geo.territoires.referentiel import Referentiel, Territoire
from ui import etat

CLE_RECHERCHE = "recherche_territoire"
CLE_CHOIX = "choix_territoire"
# Set by a choice of territory, read by the next run: on a phone, the sidebar then folds.
CLE_REPLIER = "_replier_barre_laterale"
CLE_NOMBRE_CHOIX = "_nombre_choix_territoire"

# On a phone the sidebar covers the page: once a territory is chosen, it folds (Streamlit has no
# API for this, and folds it by itself only after a page link). Its own button does it, so that
# Streamlit knows it is folded and its « Déplier » button brings it back. Under 768 px, where
# Streamlit itself opens the page with the sidebar folded. The run number makes each choice's
# script new to React, which would not run the same element twice.
_SCRIPT_REPLIER = """
<script>
(() => {
  // choix n° __NUMERO__
  if (!window.matchMedia("(max-width: 767.98px)").matches) return;
  const replier = (essais) => {
    const barre = document.querySelector('[data-testid="stSidebar"]');
    const bouton = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (barre && bouton && barre.dataset.collapsed !== "true") {
      bouton.click();
      return;
    }
    if (essais > 0) setTimeout(() => replier(essais - 1), 100);
  };
  replier(30);
})();
</script>
"""


def _choisir(tid) -> None:
    etat.choisir_territoire(tid)
    st.session_state[CLE_NOMBRE_CHOIX] = st.session_state.get(CLE_NOMBRE_CHOIX, 0) + 1
    st.session_state[CLE_REPLIER] = True


def _territoire_choisi() -> None:
    choix = st.session_state.get(CLE_CHOIX)
    if choix:
        _choisir(choix)
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


def afficher(
    ref: Referentiel, territoire: Territoire, pages: list, declaration: StreamlitPage | None = None
) -> None:
    """The sidebar; ``declaration`` is the accessibility declaration's page, linked at the bottom
    with the app's conformity state, as French public sites do (« Accessibilité : partiellement
    conforme »)."""
    with st.sidebar:
        if st.session_state.pop(CLE_REPLIER, False):
            numero = str(st.session_state[CLE_NOMBRE_CHOIX])
            st.html(_SCRIPT_REPLIER.replace("__NUMERO__", numero), unsafe_allow_javascript=True)
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
                on_click=_choisir,
                args=(parent["id"],),
                help="Afficher ce territoire",
            )
        if territoire.id is not None:
            st.button("↑ France entière", key="parent-france", on_click=_choisir, args=(None,))
        _chercher(ref)
        partager(territoire)
        if declaration is not None:
            st.divider()
            st.page_link(
                declaration,
                label=f"Accessibilité : {accessibilite.audit_du_projet().etat}",
                query_params=etat.parametres(),
            )


# One listener for every « Copier » button of the page, set once: a rerun redraws the fields.
# The clipboard API needs a secure page (https or this machine); an intranet address in plain
# http falls back to copying the selected field.
_SCRIPT_COPIE = """
<script>
(() => {
  if (window.__essCopie) return;
  window.__essCopie = true;
  document.addEventListener("click", async (evenement) => {
    const bouton = evenement.target.closest("[data-ess-copier]");
    if (!bouton) return;
    const bloc = bouton.closest(".ess-copie");
    const champ = bloc.querySelector("textarea");
    const etat = bloc.querySelector("[role=status]");
    let copie = false;
    try {
      await navigator.clipboard.writeText(champ.value);
      copie = true;
    } catch (erreur) {
      champ.focus();
      champ.select();
      copie = document.execCommand("copy");
    }
    etat.textContent = copie ? "Copié." : "Copie impossible : sélectionnez le texte et copiez-le (Ctrl+C).";
  });
})();
</script>
"""

# Streamlit's look (sizes in rem, its grey border), without its code block and the 1.5 MB
# syntax highlighter that st.code loads.
_STYLE_COPIE = """
<style>
.ess-copie { margin: 0 0 0.75rem 0; }
.ess-copie label { display: block; font-size: 0.875rem; color: #4a4a4a; margin-bottom: 0.25rem; }
.ess-copie textarea {
  box-sizing: border-box; width: 100%; font: 0.8rem/1.4 monospace; color: inherit; background: #f0f2f6;
  border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.4rem 0.5rem;
  resize: vertical; word-break: break-all;
}
.ess-copie button {
  font: inherit; font-size: 0.875rem; color: inherit; background: #fff; cursor: pointer;
  border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.35rem 0.6rem;
}
.ess-copie button:hover { border-color: #ff4b4b; color: #ff4b4b; }
.ess-copie :focus-visible { outline: 2px solid #1c62b9; outline-offset: 1px; }
.ess-copie [role=status] { font-size: 0.8rem; margin-left: 0.5rem; }
</style>
"""


def _champ_a_copier(cle: str, libelle: str, texte: str, bouton: str, lignes: int) -> str:
    """A read-only field holding ``texte`` exactly (wrapped, all of it) and a button that copies it."""
    identifiant = f"ess-copie-{cle}"
    return (
        f'<div class="ess-copie"><label for="{identifiant}">{echapper(libelle)}</label>'
        f'<textarea id="{identifiant}" rows="{lignes}" readonly>{echapper(texte)}</textarea>'
        f'<button type="button" data-ess-copier>{echapper(bouton)}</button>'
        '<span role="status" aria-live="polite"></span></div>'
    )


def partager(territoire: Territoire, prefixe: str = "") -> None:
    """The « Partager cette vue » panel; ``prefixe`` keeps its fields' ids apart from another copy's."""
    lien = etat.lien_permanent()
    if lien is None:
        return
    separateur = "&" if "?" in lien else "?"
    iframe = (
        f'<iframe src="{lien}{separateur}presentation=1&embed=true" width="100%" height="900" '
        f'style="border:0" title="{echapper(territoire.nom)} — ESS &amp; territoires"></iframe>'
    )
    libelle_lien = "Lien vers exactement cette vue (page, territoire, couches, point vérifié) :"
    libelle_iframe = "Pour l'intégrer dans un autre site (iframe) :"
    champs = _champ_a_copier(
        f"{prefixe}lien", libelle_lien, lien, "Copier le lien", lignes=3
    ) + _champ_a_copier(f"{prefixe}iframe", libelle_iframe, iframe, "Copier le code", lignes=5)
    with st.expander("Partager cette vue", icon=":material/share:"):
        st.html(_STYLE_COPIE + champs + _SCRIPT_COPIE, unsafe_allow_javascript=True)
