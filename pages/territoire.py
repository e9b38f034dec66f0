"""Territoire : chiffres clés du territoire choisi."""

from __future__ import annotations

import streamlit as st

from geo.base.store import BaseInaccessible, message_indisponible
from geo.donnees import indicators
from geo.outils.text import accorder, nombre_fr
from geo.rendu import fiche, resume
from ui import barre_laterale, donnees, etat, page, sections, tableaux, telechargement
from ui import commerces as commerces_ui

contexte = page.contexte()
territoire = contexte.territoire
millesime = contexte.ref.millesime_population
annee = etat.annee()  # read once: a year the link mistypes is said once

st.title(territoire.nom)
st.caption(territoire.libelle_niveau + (f" · code {territoire.code}" if territoire.code else ""))

# The four layers' blocks, read once: the summary at the top and the sections below draw the same.
donnees_qpv = donnees.donnees_qpv()
bloc_qpv = donnees_qpv.bloc(contexte.ref, contexte.tid) if donnees_qpv.disponible else None
donnees_commerces = donnees.donnees_commerces()
bloc_commerces = None
if donnees_commerces.disponible:
    definition_commerces = commerces_ui.definition_courante(donnees_commerces)
    bloc_commerces = donnees.bloc_commerces(contexte.tid, definition_commerces.parametre())
donnees_structures = donnees.donnees_structures()
bloc_structures = (
    donnees_structures.bloc(contexte.ref, contexte.tid) if donnees_structures.disponible else None
)
erreur_base: BaseInaccessible | None = None
bloc_emplois = bloc_fin = None
try:
    from geo.donnees import financements as _financements

    _saisies = donnees.saisies()
    bloc_emplois = _saisies.bloc(contexte.ref, contexte.tid, annee=annee)
    bloc_fin = _financements.bloc(
        donnees.donnees_financements(), _saisies, contexte.ref, contexte.tid, annee=annee
    )
except BaseInaccessible as _erreur:  # the rest of the page stands
    erreur_base = _erreur

sections.en_bref(
    resume.reperes(
        bloc_qpv,
        bloc_commerces,
        bloc_structures,
        bloc_emplois,
        bloc_fin,
        raisons={
            resume.ANCRE_QPV: "données des quartiers prioritaires non disponibles sur ce serveur",
            resume.ANCRE_COMMERCES: "base permanente des équipements non disponible sur ce serveur",
            resume.ANCRE_STRUCTURES: "registre des structures non disponible sur ce serveur",
            resume.ANCRE_EMPLOIS: message_indisponible(erreur_base) if erreur_base else "",
        },
    )
)
# On a phone the sidebar is folded once the territory is chosen: the view is shared from here.
with st.container(key="partager-en-bref"):
    barre_laterale.partager(territoire, prefixe="en-bref-")

telechargement.sur_demande(
    "Fiche territoire (PDF)",
    lambda: fiche.pdf(
        contexte.ref,
        contexte.tid,
        donnees.donnees_qpv(),
        donnees_commerces=donnees.donnees_commerces(),
        donnees_structures=donnees.donnees_structures(),
        donnees_financements=donnees.donnees_financements(),
        **donnees.blocs_emplois_financements(contexte.tid, annee),
    ),
    f"fiche_{(territoire.code or 'france')}.pdf",
    "application/pdf",
    "fiche-pdf",
    signature=donnees.signature_fiche(contexte.tid, annee),
    icon=":material/picture_as_pdf:",
    help="Une page A4, deux quand les graphiques ne tiennent pas à côté de la carte : chiffres clés, "
    "comparaison, carte du territoire et de ses couches, emplois créés et financements, sources et date.",
)

if territoire.parents:
    st.markdown("Fait partie de : " + " › ".join(f"**{p['nom']}**" for p in territoire.parents))

densite = indicators.densite(territoire)
recensement = contexte.ref.chiffres_recensement(contexte.tid)
colonnes = st.columns(4)
colonnes[0].metric(
    f"Population ({millesime})",
    nombre_fr(territoire.population),
    help=f"Population municipale {millesime} (INSEE)."
    + (
        " Somme des communes dont la population est connue."
        if territoire.communes_population_inconnue
        else ""
    ),
)
colonnes[1].metric("Communes", nombre_fr(territoire.nb_communes))
colonnes[2].metric(
    "Superficie",
    f"{nombre_fr(territoire.superficie_km2)} km²",
    help="Calculée à partir des contours (projection à surfaces équivalentes).",
)
colonnes[3].metric("Densité", f"{nombre_fr(densite)} hab./km²" if densite is not None else "inconnue")
if recensement is not None:
    colonnes = st.columns(4)
    evolution = recensement["evolution_population_pct"]
    colonnes[0].metric(
        "Évolution depuis 2015",
        f"{'+' if evolution and evolution > 0 else ''}{nombre_fr(evolution, 1)} %"
        if evolution is not None
        else "inconnue",
        help="Population municipale 2021 comparée à 2015, sur les communes connues aux deux dates (INSEE).",
    )
    taux = recensement["taux_chomage_pct"]
    colonnes[1].metric(
        "Chômage des 15–64 ans (2021)",
        f"{nombre_fr(taux, 1)} %" if taux is not None else "inconnu",
        help="Chômeurs / actifs de 15 à 64 ans au sens du recensement 2021 (INSEE), sommés sur les "
        "communes ; différent du taux localisé au sens du BIT.",
    )
    if recensement["communes_chomage_inconnu"] and taux is not None:
        st.caption(
            "Chômage : "
            + accorder(recensement["communes_chomage_inconnu"], "commune", "communes")
            + " sans chiffre du recensement, non comptées dans le taux."
        )
if territoire.note_population:
    st.info(territoire.note_population, icon=":material/info:")
st.caption("Sources : " + indicators.source_population(contexte.ref))

sections.constats_de_terrain(contexte)
sections.comparaison(contexte)

sous_territoires = indicators.sous_territoires(contexte.ref, contexte.tid)
if not sous_territoires.empty:
    titres = {"region": "Régions", "departement": "Départements", "commune": "Communes"}
    niveau = sous_territoires.id.iloc[0].split(":")[0]
    st.header(f"{titres[niveau]} ({len(sous_territoires)})")
    affiche = sous_territoires.drop(columns=["id"])
    if "communes_population_inconnue" in affiche and not affiche.communes_population_inconnue.any():
        affiche = affiche.drop(columns=["communes_population_inconnue"])
    tableaux.afficher(
        affiche,
        column_config={
            "nom": st.column_config.TextColumn("Nom"),
            "code": st.column_config.TextColumn("Code"),
            "population": st.column_config.NumberColumn(f"Population ({millesime})"),
            "superficie_km2": st.column_config.NumberColumn("Superficie (km²)"),
            "communes_population_inconnue": st.column_config.NumberColumn("Communes sans population connue"),
        },
        decimales={"superficie_km2": 1},
        raison_inconnu="population absente de la source (Mayotte : pas de recensement exhaustif ; commune "
        "créée depuis le recensement).",
    )
    telechargement.csv(
        "Télécharger le tableau (CSV)",
        affiche,
        f"{(territoire.code or 'france')}_{niveau}s.csv",
        "telecharger-sous-territoires",
        entetes={"population": f"Population ({millesime})"},
    )

st.header("Quartiers prioritaires", anchor=resume.ANCRE_QPV)
if bloc_qpv is not None:
    sections.chiffres_qpv(bloc_qpv)
    st.page_link(
        "pages/qpv.py",
        label="Liste des quartiers et « Est-ce en QPV ? »",
        icon=":material/arrow_forward:",
        query_params=etat.parametres(),
    )
else:
    st.caption("Données des quartiers prioritaires non disponibles sur ce serveur (voir Sources).")

st.header("Commerces", anchor=resume.ANCRE_COMMERCES)
if bloc_commerces is not None:
    commerces_ui.chiffres(bloc_commerces, territoire.population)
    st.page_link(
        "pages/commerces.py",
        # Short enough for one line at 390 px (Streamlit cuts a longer label with « … »).
        label="Liste, définitions et carte",
        icon=":material/arrow_forward:",
        query_params=etat.parametres(),
    )
else:
    st.caption("Base permanente des équipements de l'INSEE non disponible sur ce serveur (voir Sources).")

st.header("Structures de l'ESS", anchor=resume.ANCRE_STRUCTURES)
if bloc_structures is not None:
    from ui import sections_structures

    sections_structures.chiffres(bloc_structures)
    sections_structures.sources(bloc_structures)
    st.page_link(
        "pages/structures.py",
        label="Carte et liste des structures",
        icon=":material/arrow_forward:",
        query_params=etat.parametres(),
    )
else:
    st.caption("Données des structures de l'ESS non disponibles sur ce serveur (voir Sources).")

st.header(
    "Emplois créés et financements reçus" + (f" en {annee}" if annee else ""), anchor=resume.ANCRE_EMPLOIS
)
if erreur_base is not None:
    st.caption(message_indisponible(erreur_base))
else:
    sections.emplois_financements(bloc_emplois, bloc_fin)
    st.page_link(
        "pages/emplois.py",
        label="Graphiques des emplois et des financements",
        icon=":material/arrow_forward:",
        query_params=etat.parametres(),
    )
