"""What every page starts from: the data, the chosen territory, the error banner."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from geo.outils.text import texte_brut
from geo.rendu import carte_territoire
from geo.rendu.leaflet import COULEUR_FOCUS, json_pour_script
from geo.sources import SourceIndisponible
from geo.territoires.referentiel import Referentiel, Territoire, TerritoireId, titre_document
from ui import donnees, etat

# Every selectbox's placeholder (Streamlit's is « Choose an option »).
CHOISIR = "Choisir une option"


@dataclass(frozen=True)
class Contexte:
    ref: Referentiel
    tid: TerritoireId | None
    territoire: Territoire


def _quitter_le_mode_dossier_pages() -> None:
    """Make sure the page runs inside app.py's navigation.

    Streamlit decides once per server, on its first script run, whether the app
    is an old-style "pages/ directory" app. When that first run is a link to a
    page other than the home page (a permalink such as ``/qpv?territoire=…``),
    it runs the page file alone, without app.py, its navigation or its sidebar,
    and stays in that mode. Leaving it and rerunning sends the same URL through
    app.py's ``st.navigation`` (Streamlit 1.67).
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


# Closes Streamlit's English « Page not found » dialog as soon as it is drawn (see page_inconnue).
_FERMER_DIALOGUE_ANGLAIS = """
<script>
(() => {
  const fermer = () => {
    for (const dialogue of document.querySelectorAll('[role="dialog"]')) {
      if (!dialogue.textContent.includes("Page not found")) continue;
      dialogue.style.visibility = "hidden";
      const bouton = dialogue.querySelector('button[aria-label="Close"]');
      if (bouton) bouton.click();
    }
  };
  fermer();
  const observateur = new MutationObserver(fermer);
  observateur.observe(document.body, { childList: true, subtree: true });
  setTimeout(() => observateur.disconnect(), 20000);
})();
</script>
"""
_CLE_DIALOGUE = "_fermer_dialogue_page_inconnue"


def page_inconnue(chemins: set[str]) -> None:
    """An address naming no page opens the map with a French message, not Streamlit's English dialog.

    ``st.navigation`` answers an unknown path by sending « Page not found … Running the app's
    main page. » to the browser. Before it runs, an unknown path is turned into a request for
    the default page (Streamlit 1.67's pages manager), and the page says what happened.

    On the very first run of a server, Streamlit is still in its "pages/ directory" mode (see
    ``_quitter_le_mode_dossier_pages``) and has already sent that dialog before app.py runs:
    nothing on the server can take it back, so the page closes it in the browser, on this run
    and on the rerun that follows.
    """
    import re

    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if st.session_state.pop(_CLE_DIALOGUE, False):
        st.html(_FERMER_DIALOGUE_ANGLAIS, unsafe_allow_javascript=True)
    ctx = get_script_run_ctx()
    gestion = getattr(ctx, "pages_manager", None)
    if gestion is None or gestion.intended_page_script_hash:
        return
    demande = (gestion.intended_page_name or "").strip("/")
    if not demande or demande in chemins:
        return
    if PagesManager.uses_pages_directory:
        st.html(_FERMER_DIALOGUE_ANGLAIS, unsafe_allow_javascript=True)
        st.session_state[_CLE_DIALOGUE] = True
    # Only letters, digits and dashes of the address are shown back (plain text, nothing read into it).
    montre = re.sub(r"[^\w\-]", "", demande)[:60] or "?"
    etat.signaler(
        f"La page « {montre} » n'existe pas dans ce tableau de bord : voici la carte. "
        "Les autres pages sont dans la barre latérale."
    )
    gestion.set_script_intent("", "")


def contexte() -> Contexte:
    """Load the territories and read the URL; stop the page with a French message on failure."""
    _quitter_le_mode_dossier_pages()
    try:
        ref = donnees.referentiel()
    except SourceIndisponible as erreur:
        st.error(
            texte_brut(f"Les territoires ne peuvent pas être chargés. {erreur}"), icon=":material/cloud_off:"
        )
        st.stop()
    tid = etat.territoire_courant(ref)
    return Contexte(ref, tid, ref.territoire(tid))


# Large type and no chrome, for a projector in a meeting room.
_STYLE_PRESENTATION = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 1.2rem 2.5rem !important; }
/* Projectors are wide; phones keep the normal sizes. */
@media (min-width: 900px) {
  html { font-size: 20px; }
  [data-testid="stMainBlockContainer"] { padding-top: 0.6rem !important; }
  h1 { font-size: 2.4rem !important; padding-top: 0.3rem !important; }
  /* The figures sit beside the map, two to a row: sized on the screen's width so that
     « 67 402 921 » fits its column at 1400 px as at 1920 px. */
  [data-testid="stMetricValue"] { font-size: clamp(1.8rem, 2.4vw, 3rem) !important; }
  [data-testid="stMetricLabel"] p { font-size: 1.15rem !important; }
  [data-testid="stCaptionContainer"] { font-size: 1rem !important; }
  /* A name filling its line would push the heading's link icon, and the map, one line down. */
  [data-testid="stHeaderActionElements"] { display: none !important; }
}
</style>
"""


# Streamlit's captions are light grey, and drawn at 60 % opacity over their own colour
# (3.0:1 on white); small text needs 4.5:1 (RGAA 3.2). Every focus is a dark blue ring,
# 8.6:1 on white (RGAA 10.7; Streamlit's is 1.1:1 on page links and switches).
_STYLE_LISIBILITE = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
  color: #4a4a4a !important; opacity: 1 !important;
}
a:focus-visible, button:focus-visible, summary:focus-visible, [role="button"]:focus-visible,
[role="link"]:focus-visible, [role="tab"]:focus-visible, input:focus-visible, textarea:focus-visible,
[data-baseweb="select"]:focus-within, label:has(input:is([type="checkbox"], [type="radio"]):focus-visible),
[data-testid="stSidebarNavLink"]:focus-visible, iframe:focus-visible {
  outline: 2px solid __FOCUS__ !important; outline-offset: 2px !important;
}
/* Visible only when focused, above the map it skips. */
[data-testid="stElementContainer"]:has(> [data-testid="stHtml"] .ess-passer-carte) {
  position: absolute; z-index: 1000;
}
.ess-passer-carte:not(:focus) {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap;
}
.ess-passer-carte:focus {
  display: inline-block; padding: 0.3rem 0.6rem; background: #fff; color: __FOCUS__;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); border-radius: 4px;
}
/* Streamlit cuts a page link's label with an ellipsis (« Accessibilité : partiellement confor… »). */
[data-testid="stPageLink-NavLink"] span:has(> [data-testid="stMarkdownContainer"]),
[data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"], [data-testid="stPageLink-NavLink"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
/* Streamlit cuts a metric's label with an ellipsis (« Quartiers prior… »): it wraps instead. */
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"], [data-testid="stMetricLabel"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stMetricLabel"] { height: auto !important; min-height: 1.5rem; }
/* Long territory names must not break inside words on a phone. */
@media (max-width: 640px) { h1 { font-size: 1.9rem !important; overflow-wrap: normal; } }
</style>
"""


def lisibilite() -> None:
    st.html(_STYLE_LISIBILITE.replace("__FOCUS__", COULEUR_FOCUS))


# Streamlit's page is `lang="en"`, its « Skip to main content » link is English, and it titles
# the map's frame « streamlit_folium.st_folium » until the map's own script renames it (never,
# when Leaflet cannot load). Its buttons are named in English for screen readers (« Main menu »,
# « Collapse sidebar », « Help for Population », « Download as CSV »…: RGAA 8.7, a French voice
# reads them as French). All French once this has run, and kept so: the observer puts them
# back whenever Streamlit draws them again. The map's title changes with the territory.
NOMS_FRANCAIS = {
    "Sidebar": "Barre latérale",
    "Collapse sidebar": "Replier la barre latérale",
    "Expand sidebar": "Déplier la barre latérale",
    "Main menu": "Menu principal",
    "Link to heading": "Lien vers ce titre",
    "Open": "Ouvrir la liste",
    "Close": "Fermer",
    "Clear all": "Tout effacer",
    "Clear value": "Effacer",
    "Download as CSV": "Télécharger en CSV",
    "Search": "Rechercher dans le tableau",
    "Show/hide columns": "Afficher ou masquer des colonnes",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Exit fullscreen": "Quitter le plein écran",
    "Show password": "Afficher le mot de passe",
    "Hide password": "Masquer le mot de passe",
    # The toolbar of a Vega-Lite chart.
    "Show data": "Afficher les données",
    "Show chart": "Afficher le graphique",
    "Download as PNG": "Télécharger en PNG",
    "Copy Vega-Lite spec": "Copier la description Vega-Lite",
    "Copied!": "Copié",
    # The data grid's search bar.
    "Previous Result": "Résultat précédent",
    "Next Result": "Résultat suivant",
    "Close Search": "Fermer la recherche",
    # A column's menu (« ⋮ » of a grid's header), its « Statistics » and « Format » panels.
    "Dataframe column menu": "Menu de la colonne",
    "Copy column name": "Copier le nom de la colonne",
    "number": "nombre",
    "text": "texte",
    "Sort ascending": "Trier par ordre croissant",
    "Sort descending": "Trier par ordre décroissant",
    "Statistics": "Statistiques",
    "Autosize": "Ajuster la largeur",
    "Pin column": "Figer la colonne",
    "Unpin column": "Libérer la colonne",
    "Hide column": "Masquer la colonne",
    "Values": "Valeurs",
    "Empty": "Vides",
    "Distinct": "Distinctes",
    "Average": "Moyenne",
    "Standard deviation": "Écart type",
    "25th percentile": "1er quartile",
    "Median": "Médiane",
    "75th percentile": "3e quartile",
    "Sum": "Somme",
    "Minimum length": "Longueur minimale",
    "Maximum length": "Longueur maximale",
    "Average length": "Longueur moyenne",
    "Based on sample": "Sur un échantillon",
    "Distribution histogram": "Histogramme de répartition",
    "Top values frequency chart": "Valeurs les plus fréquentes",
    "True/false distribution chart": "Répartition vrai / faux",
    "Vega visualization": "Histogramme",
    "True": "Vrai",
    "False": "Faux",
    "No data": "Aucune donnée",
    "Automatic": "Automatique",
    "Localized": "À la française",
    "Plain": "Brut",
    "Percent": "Pourcentage",
    "Scientific": "Scientifique",
    "Accounting": "Comptable",
    "Duration": "Durée",
    # The « Show/hide columns » panel.
    "Select all": "Tout sélectionner",
    "(index)": "(numéro de ligne)",
    "over 1000": "plus de 1 000",
}
# « Help for Population (2021) » names the « ? » of a field or figure.
PREFIXES_FRANCAIS = {"Help for ": "Aide : "}
_EN_FRANCAIS = """
<script>
(() => {
  window.essTitreCarte = __TITRE_CARTE__;
  if (!window.essFranciser) {
    const noms = __NOMS__;
    const prefixes = __PREFIXES__;
    const selecteur = [
      ...Object.keys(noms).map((nom) => `[aria-label="${nom}"], [title="${nom}"]`),
      ...Object.keys(prefixes).map((debut) => `[aria-label^="${debut}"]`),
    ].join(", ");
    const traduire = (texte) => {
      if (Object.hasOwn(noms, texte)) return noms[texte];
      for (const [debut, francais] of Object.entries(prefixes)) {
        if (texte.startsWith(debut)) return francais + texte.slice(debut.length);
      }
      // The grid's search count (« 3 of 12 results ») and a bar of a column's histogram.
      let morceaux = texte.match(/^(\\d+) of (.+)$/);
      if (morceaux) return `${morceaux[1]} sur ${traduire(morceaux[2])}`;
      morceaux = texte.match(/^(\\d+) results?$/);
      if (morceaux) return `${morceaux[1]} résultat${Number(morceaux[1]) > 1 ? "s" : ""}`;
      morceaux = texte.match(/^binStart: .*; Range: (.*); Count: (\\d+)$/);
      if (morceaux) return `de ${morceaux[1].replace(" – ", " à ")} : ${morceaux[2]}`;
      return texte;
    };
    // Where Streamlit writes English as text: tooltips (« Download as PNG » over the toolbar's
    // button, whose name is French already), the grid's column menu, its panels and search bar.
    const bulles = '[data-testid="stTooltipContent"], [data-testid="stTooltipErrorContent"], '
      + '#portal, [data-testid="stDataFrameColumnMenu"], .gdg-search-bar';
    const franciserTextes = () => {
      for (const racine of document.querySelectorAll(bulles)) {
        const parcours = document.createTreeWalker(racine, NodeFilter.SHOW_TEXT);
        for (let noeud = parcours.nextNode(); noeud; noeud = parcours.nextNode()) {
          const texte = noeud.data.trim();
          // An icon is a word (« download ») drawn by the icon font: it must stay as it is.
          if (!texte || noeud.parentElement.closest('[data-testid="stIconMaterial"]')) continue;
          const francais = traduire(texte);
          if (francais !== texte) noeud.data = noeud.data.replace(texte, francais);
        }
        for (const element of racine.querySelectorAll('[aria-label^="binStart: "]')) {
          element.setAttribute("aria-label", traduire(element.getAttribute("aria-label")));
        }
      }
    };
    // Streamlit names a chart's PNG « 2026-12-07T23-05_chart.png »: the chart's title names it.
    let nomPng = null;
    document.addEventListener("click", (evenement) => {
      const cible = evenement.target;
      const bouton = cible.closest && cible.closest('[data-testid="stElementToolbarButton"] button');
      if (bouton) {
        const graphique = bouton.closest('[data-testid="stElementContainer"]');
        const titre = graphique && graphique.querySelector(".role-title-text");
        // A long title is drawn one line a tspan, with no space between them.
        const lignes = titre ? [...titre.querySelectorAll("tspan")].map((ligne) => ligne.textContent) : [];
        nomPng = titre ? nomFichier(lignes.join(" ") || titre.textContent) : null;
        return;
      }
      if (cible instanceof HTMLAnchorElement && /_chart\\.png$/.test(cible.download) && nomPng) {
        cible.download = nomPng + ".png";
      }
    }, true);
    // « Passer la carte » (ui.carte): the focus goes to what can take it after the map's frame.
    document.addEventListener("click", (evenement) => {
      const lien = evenement.target.closest && evenement.target.closest("a.ess-passer-carte");
      if (!lien) return;
      evenement.preventDefault();
      const cadre = [...document.querySelectorAll("iframe")].find(
        (element) => lien.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING);
      if (!cadre) return;
      const candidats = document.querySelectorAll(
        'a[href], button, input, select, textarea, summary, iframe, [tabindex]:not([tabindex="-1"])');
      for (const element of candidats) {
        if (element === cadre || element.disabled || !element.getClientRects().length) continue;
        if (cadre.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING) {
          element.focus();
          return;
        }
      }
    });
    // As geo.outils.formats.nom_fichier: ASCII words joined by underscores.
    const nomFichier = (texte) => texte.normalize("NFKD").replace(/[\\u0300-\\u036f]/g, "")
      .replace(/œ/g, "oe").replace(/Œ/g, "OE").replace(/æ/g, "ae").replace(/Æ/g, "AE").toLowerCase()
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 100) || "graphique";
    window.essFranciser = () => {
      if (document.documentElement.lang !== "fr") document.documentElement.lang = "fr";
      const lien = document.querySelector('[data-testid="stSkipToContent"]');
      const texte = "Aller au contenu principal";
      if (lien && lien.textContent !== texte) lien.textContent = texte;
      // Every map frame, not only a new one: after a change of territory React may keep the
      // frame, or draw the new one before this script has the new title.
      for (const cadre of document.querySelectorAll('iframe[src*="streamlit_folium.st_folium"]')) {
        const titre = window.essTitreCarte;
        if (cadre.getAttribute("title") !== titre) cadre.setAttribute("title", titre);
      }
      for (const element of document.querySelectorAll(selecteur)) {
        for (const attribut of ["aria-label", "title"]) {
          const texte = element.getAttribute(attribut);
          if (texte && traduire(texte) !== texte) element.setAttribute(attribut, traduire(texte));
        }
      }
      franciserTextes();
    };
    // Attributes too: React renames a button in place (« Collapse sidebar » once it is folded),
    // and texts: it rewrites a text in place (« Copied! », « 2 results »).
    new MutationObserver(window.essFranciser).observe(document.body, {
      childList: true, subtree: true, characterData: true,
      attributes: true, attributeFilter: ["aria-label", "title"],
    });
  }
  window.essFranciser();
})();
</script>
"""
# The script's element would leave an empty line at the top of the page. Only a block that is
# nothing but a script: the share panel's fields come with their own script, and must show.
_STYLE_EN_FRANCAIS = """
<style>
[data-testid="stElementContainer"]:has(> [data-testid="stHtml"] script):not(:has(.ess-copie)) {
  display: none;
}
</style>
"""


def en_francais(nom_page: str, territoire: Territoire, avec_territoire: bool = True) -> None:
    """Page in French, titled « page – territoire – ESS & territoires » (RGAA 8.3, 8.5, 8.6), or
    « page – ESS & territoires » for a page that does not depend on the territory.

    ``st.set_page_config`` may be called again during a run: its title wins over the
    navigation's page title, on every page and after every change of territory.
    """
    st.set_page_config(page_title=titre_document(nom_page, territoire if avec_territoire else None))
    st.html(_STYLE_EN_FRANCAIS)
    titre_carte = json_pour_script(carte_territoire.titre_carte(territoire.nom))
    script = (
        _EN_FRANCAIS.replace("__TITRE_CARTE__", titre_carte)
        .replace("__NOMS__", json_pour_script(NOMS_FRANCAIS))
        .replace("__PREFIXES__", json_pour_script(PREFIXES_FRANCAIS))
    )
    st.html(script, unsafe_allow_javascript=True)


def mode_presentation(bouton_quitter: bool = True) -> bool:
    """Apply presentation mode when the URL asks for it; one click brings the controls back.

    ``bouton_quitter=False``: the page draws that button itself (the deck's title line, ui.presentation).
    """
    from ui import etat

    if not etat.en_presentation():
        return False
    st.html(_STYLE_PRESENTATION)
    if not bouton_quitter:
        return True
    st.button(
        "Quitter la présentation",
        icon=":material/close_fullscreen:",
        on_click=etat.presenter,
        args=(False,),
        key="quitter_presentation",
    )
    return True
