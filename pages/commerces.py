"""Commerces : les communes sans commerce du territoire (BPE de l'INSEE)."""

from __future__ import annotations

import streamlit as st

from geo.donnees import commerces
from geo.outils.text import accorder, texte_brut
from geo.rendu import exports
from geo.rendu.surcouches.commerces import ANCRE_LISTE
from ui import carte as carte_ui
from ui import commerces as commerces_ui
from ui import donnees, etat, page, sections, tableaux, telechargement

contexte = page.contexte()
territoire = contexte.territoire

st.title("Communes sans commerce")
st.caption(f"{territoire.nom} · {territoire.libelle_niveau}")

donnees_commerces = donnees.donnees_commerces()
if not donnees_commerces.disponible:
    st.warning(
        "La base permanente des équipements (BPE) de l'INSEE n'est pas disponible sur ce serveur. "
        "La page Sources indique le fichier à fournir.",
        icon=":material/cloud_off:",
    )
    for anomalie in donnees_commerces.manifeste.get("anomalies", []):
        st.caption(texte_brut(anomalie))
    st.stop()

definition = commerces_ui.definition_courante(donnees_commerces)
nomenclature = donnees_commerces.nomenclature
CLES = list(commerces.LIBELLES_DEFINITIONS)


def _changer_cle() -> None:
    cle = st.session_state["definition-cle"]
    if cle == "personnalisee":
        # A custom set starts from the food shops, which users most often narrow down.
        types = commerces.ALIMENTAIRES[definition.millesime]
        etat.choisir_definition(",".join(types))
    else:
        etat.choisir_definition(cle)


def _changer_types() -> None:
    types = st.session_state["definition-types"]
    etat.choisir_definition(",".join(types) if types else "tous")


# The URL wins over stale widget state (permalink opened, back button).
st.session_state["definition-cle"] = definition.cle
st.radio(
    "Définition",
    CLES,
    format_func=commerces.LIBELLES_DEFINITIONS.get,
    key="definition-cle",
    horizontal=True,
    on_change=_changer_cle,
)
if definition.cle == "personnalisee":
    st.session_state["definition-types"] = list(definition.types)
    st.multiselect(
        f"Types de commerces (nomenclature BPE {definition.millesime})",
        list(nomenclature),
        format_func=lambda code: f"{code} — {nomenclature[code]}",
        key="definition-types",
        on_change=_changer_types,
    )
st.info(definition.en_mots(), icon=":material/storefront:")

bloc = donnees.bloc_commerces(contexte.tid, definition.parametre())
commerces_ui.chiffres(bloc, territoire.population)
sections.constats_de_la_page(contexte, ("communes_sans_commerce",))

constat = commerces.CONSTATS_DE_TERRAIN.get(str(contexte.tid))
if constat:
    st.markdown(
        f"**Constat de terrain**, à comparer avec le comptage de l'INSEE : {constat['texte']}  \n"
        f"*Source : {constat['source']}.*"
    )

surcouche = donnees.surcouche_commerces(contexte.tid, definition.parametre())
carte_ui.afficher(contexte.tid, [surcouche], cle="carte-commerces", hauteur=520, page_courante="commerces")

sans = donnees.communes_sans_commerce(contexte.tid, definition.parametre())
st.header(f"{definition.libelle} : {accorder(len(sans), 'commune')}", anchor=ANCRE_LISTE)
if sans.empty:
    st.success("Toutes les communes du territoire en ont au moins un.", icon=":material/check_circle:")
else:
    tableaux.afficher(
        sans[["nom", "code", "population", "distance_km", "plus_proche_nom"]],
        decimales={"distance_km": 1},
        raison_inconnu="population absente de la source, ou aucune commune avec ce commerce à portée.",
        column_config={
            "nom": st.column_config.TextColumn("Commune"),
            "code": st.column_config.TextColumn("Code INSEE"),
            "population": st.column_config.NumberColumn(f"Population ({contexte.ref.millesime_population})"),
            "distance_km": st.column_config.NumberColumn(
                "Distance (km)",
                help="À vol d'oiseau, du centre de la commune à celui de la commune la plus proche qui en a.",
            ),
            "plus_proche_nom": st.column_config.TextColumn("Commune la plus proche qui en a"),
        },
    )
    # The same file as the map's export of this layer (geo.rendu.exports).
    export = commerces.tableau_export(donnees_commerces, sans, definition)
    telechargement.csv(
        "Télécharger la liste (CSV)",
        export,
        f"communes_sans_commerce_{territoire.code or 'france'}_{definition.cle}.csv",
        "telecharger-communes-sans-commerce",
        entetes=exports.entetes_couche(contexte.ref, "communes_sans_commerce"),
        sources=exports.sources_couche(contexte.ref, "communes_sans_commerce", export),
    )

anciens = bloc["codes_anciens_rattaches"]
inconnus = bloc["codes_non_rattaches"]
if anciens or inconnus["nombre"]:
    with st.expander("Codes communes de la BPE rattachés ou non rattachés"):
        if anciens:
            st.markdown(
                accorder(len(anciens), "code de commune", "codes de communes")
                + (" qui n'existe plus, rattaché" if len(anciens) < 2 else " qui n'existent plus, rattachés")
                + " à leur commune actuelle : "
                + ", ".join(f"{c['depcom']} → {c['commune']}" for c in anciens)
            )
        if inconnus["nombre"]:
            st.markdown(
                accorder(inconnus["nombre"], "code", "codes")
                + f" de la BPE {bloc['millesime']} "
                + accorder(inconnus["nombre"], "absent", avec_nombre=False)
                + " du référentiel des communes, "
                + accorder(inconnus["nombre"], "non rattaché", "non rattachés", avec_nombre=False)
                + f" à un territoire (France entière) : {', '.join(inconnus['codes'])}"
            )

manifeste = donnees_commerces.manifeste
st.caption(
    f"Source : INSEE, base permanente des équipements {bloc['millesime']} "
    f"({manifeste.get('disposition_libelle', '')}), Licence Ouverte 2.0 · "
    f"population municipale {contexte.ref.millesime_population} (INSEE) · un commerce absent des répertoires "
    "(marché, tournée) n'est pas compté. Détails : page Sources."
)
