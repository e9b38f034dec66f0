"""Comparer : deux à six territoires côte à côte, mêmes indicateurs, mêmes millésimes.

The choice lives in the address (``?territoires=departement:02,departement:59``), so that
« Aisne et Nord » is one link; every figure comes from :mod:`geo.donnees.comparateur`.
"""

from __future__ import annotations

import streamlit as st

from geo.donnees import comparateur
from geo.outils.text import texte_brut
from geo.rendu import charts
from ui import donnees, etat, graphiques, page, sections, tableaux, telechargement

# Not about one territory: the tab says the page and the app only.
st.set_page_config(page_title="Comparer – ESS & territoires")
contexte = page.contexte()
ref = contexte.ref

st.title("Comparer des territoires")
st.caption(
    f"De {comparateur.MINIMUM} à {comparateur.MAXIMUM} territoires de tout niveau (communes, EPCI, "
    "départements, régions, France), avec les mêmes indicateurs et les mêmes millésimes."
)

texte = st.query_params.get(comparateur.CLE_URL)
# Emptied by the reader (the address then has no parameter): not filled again behind their back.
CLE_VIDE = "comparer-vide"
if texte is None and contexte.tid is not None and not st.session_state.get(CLE_VIDE):
    # Opened from a territory: it and the territories that contain it.
    choisis, messages = comparateur.pour_comparer(ref, contexte.tid), []
else:
    choisis, messages = comparateur.lire_territoires(texte, ref)
for message in messages:
    etat.avertir(message)
# The address keeps only what is shown: the ids dropped above are said once, then gone.
etat.definir_parametre(comparateur.CLE_URL, comparateur.texte_territoires(choisis))
noms = comparateur.libelles(ref, choisis)
ids = [comparateur.texte_territoires([t]) for t in choisis]
cle_choix = f"comparer-choix-{','.join(ids)}"


def _choix_modifie() -> None:
    st.session_state[CLE_VIDE] = not st.session_state[cle_choix]
    etat.definir_parametre(comparateur.CLE_URL, ",".join(st.session_state[cle_choix]))


def _ajouter() -> None:
    ajout = st.session_state.get("comparer-ajout")
    st.session_state[CLE_VIDE] = False
    if ajout and ajout not in ids:
        etat.definir_parametre(comparateur.CLE_URL, ",".join([*ids, ajout]))
    st.session_state["comparer-recherche"] = ""


st.multiselect(
    "Territoires comparés",
    options=ids,
    default=ids,
    format_func=dict(zip(ids, noms, strict=True)).get,
    key=cle_choix,
    on_change=_choix_modifie,
    placeholder="Aucun territoire : ajoutez-en ci-dessous.",
    help="Retirez un territoire avec sa croix ; l'adresse de la page garde le choix.",
)
if len(choisis) < comparateur.MAXIMUM:
    recherche = st.text_input(
        "Ajouter un territoire",
        key="comparer-recherche",
        placeholder="aisne, nord, porte du hainaut, 59…",
        help="Une partie du nom ou un code : INSEE pour une commune, SIREN pour un EPCI, numéro de "
        "département ou de région ; « France » pour le pays entier.",
    )
    if recherche.strip():
        resultats = ref.rechercher(recherche, limite=12)
        options = list(resultats.id)
        libelles = dict(zip(resultats.id, resultats.libelle, strict=True))
        if "france".startswith(recherche.strip().lower()):
            options.insert(0, comparateur.FRANCE)
            libelles[comparateur.FRANCE] = "France entière"
        if options:
            st.selectbox(
                "Territoire à ajouter",
                options=options,
                format_func=libelles.__getitem__,
                index=None,
                key="comparer-ajout",
                on_change=_ajouter,
                placeholder="Choisissez dans la liste",
            )
        else:
            st.info("Aucun territoire ne correspond. Essayez une partie du nom ou un code (INSEE, SIREN).")

if len(choisis) < comparateur.MINIMUM:
    st.info(
        f"Choisissez au moins {comparateur.MINIMUM} territoires. Exemple : l'Aisne et le Nord.",
        icon=":material/compare_arrows:",
    )
    st.page_link(
        "pages/comparer.py",
        label="Comparer l'Aisne et le Nord",
        icon=":material/compare_arrows:",
        query_params={comparateur.CLE_URL: "departement:02,departement:59"},
    )
    st.stop()

colonnes = {nom: donnees.chiffres_comparateur(tid) for nom, tid in zip(noms, choisis, strict=True)}
indicateurs = donnees.indicateurs_comparateur()
tableau, notes = comparateur.tableau(colonnes, indicateurs)

st.header("Les chiffres")
tableaux.afficher(
    tableau,
    column_config={
        # Sized so that six territories fit beside the indicator at 1 400 px, without scrolling.
        "Indicateur": st.column_config.TextColumn(
            "Indicateur et millésime", pinned=True, width=sections.LARGEUR_INDICATEUR
        ),
        **{nom: st.column_config.TextColumn(nom, width=110) for nom in noms},
    },
)
st.caption(
    "« — » : chiffre inconnu, jamais compté comme zéro ; un numéro entre parenthèses renvoie à la note "
    "qui dit pourquoi, ou d'où vient un chiffre emprunté à un territoire plus grand."
)
for note in notes:
    st.caption(texte_brut(note))

long = comparateur.tableau_long(colonnes, indicateurs)
telechargement.csv(
    "Télécharger la comparaison (CSV)",
    long,
    f"comparaison_{'_'.join(i.replace(':', '-') for i in ids)}.csv",
    "telecharger-comparaison",
    sources=comparateur.sources(indicateurs),
)

st.header("En graphique")
graphiques.afficher(
    charts.comparateur(long, indicateurs),
    "graphique-comparaison",
    width="stretch",
)

with st.expander("Sources et millésimes", icon=":material/menu_book:"):
    for indicateur in indicateurs:
        st.markdown(
            texte_brut(
                f"{indicateur.libelle} : {indicateur.source}, {indicateur.millesime}, {indicateur.licence}."
            )
        )
