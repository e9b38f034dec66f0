"""Shared pieces of the shop pages: the definition in the URL, the big figures."""

from __future__ import annotations

import streamlit as st

from geo.donnees import commerces
from geo.outils.text import accorder, nombre_fr
from ui import etat


def definition_courante(donnees: commerces.DonneesCommerces) -> commerces.Definition:
    """The definition named in the URL; a wrong one is reported and replaced by the default."""
    texte = etat.definition_commerces()
    try:
        return donnees.definition(texte)
    except commerces.DefinitionInvalide as erreur:
        etat.avertir(f"Lien : {erreur} Définition par défaut utilisée.")
        etat.choisir_definition("tous")
        return donnees.definition("tous")


def chiffres(bloc: dict, population_territoire: int | None) -> None:
    """Communes without shops and the people living there, in big type."""
    colonnes = st.columns(3)
    colonnes[0].metric(
        f"Communes : {bloc['definition_libelle'].lower()}",
        f"{nombre_fr(bloc['nb_communes_sans_commerce'])} sur {nombre_fr(bloc['nb_communes'])}",
        help=bloc["definition_texte"] + f" BPE {bloc['millesime']} (INSEE).",
    )
    colonnes[1].metric(
        "Habitants de ces communes",
        nombre_fr(bloc["population_concernee"]),
        help="Population municipale (INSEE) des communes concernées.",
    )
    part = (
        100 * bloc["population_concernee"] / population_territoire
        if population_territoire and not bloc["communes_population_inconnue"]
        else None
    )
    colonnes[2].metric("Part de la population", f"{nombre_fr(part, 1)} %" if part is not None else "inconnue")
    st.caption(
        f"Source : INSEE, base permanente des équipements {bloc['millesime']} (commerces) et population "
        "municipale ; Licence Ouverte 2.0."
    )
    if bloc["communes_population_inconnue"]:
        st.caption(
            f"Population inconnue pour {accorder(bloc['communes_population_inconnue'], 'commune')} : "
            "non comptée dans le total."
        )
