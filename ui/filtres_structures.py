"""Filters of the ESS structures (family, activity, size) and their place in the URL.

``?familles=SIAE,ESAT&activites=Q&tailles=1 à 9 salariés``: the map overlay and
the Structures page read the same parameters, so that a shared link shows the
same selection.
"""

from __future__ import annotations

import streamlit as st

from geo.outils import nomenclature
from ui import etat

CLES = {"familles": "familles", "sections": "activites", "tailles": "tailles"}
OPTIONS = {
    "familles": list(nomenclature.FAMILLES),
    "sections": list(nomenclature.SECTIONS_NAF),
    "tailles": [*nomenclature.CLASSES_TAILLE, nomenclature.TAILLE_INCONNUE],
}
LIBELLES = {
    "familles": lambda f: nomenclature.LIBELLES_FAMILLES.get(f, f),
    "sections": lambda s: f"{s} — {nomenclature.SECTIONS_NAF.get(s, s)}",
    "tailles": str,
}
TITRES = {"familles": "Familles", "sections": "Activités (section NAF)", "tailles": "Taille (salariés)"}


def lire() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(families, sections, size classes) chosen in the URL; unknown values are dropped."""
    return tuple(tuple(etat.liste(parametre, OPTIONS[cle])) for cle, parametre in CLES.items())


def _changer(cle: str) -> None:
    etat.definir_liste(CLES[cle], st.session_state.get(f"filtre-{cle}") or [])


def choisir(conteneur=None) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Three multiselects bound to the URL; returns the chosen filters."""
    conteneur = conteneur or st
    actuels = lire()
    colonnes = conteneur.columns(3)
    for colonne, (cle, valeurs) in zip(colonnes, zip(CLES, actuels, strict=True), strict=True):
        st.session_state[f"filtre-{cle}"] = list(valeurs)
        colonne.multiselect(
            TITRES[cle],
            OPTIONS[cle],
            key=f"filtre-{cle}",
            format_func=LIBELLES[cle],
            placeholder="Toutes",
            on_change=_changer,
            args=(cle,),
        )
    return lire()
