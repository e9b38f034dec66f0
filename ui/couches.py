"""Overlay layers the map page can switch on, one entry per dataset.

Each entry knows how to build its :class:`geo.layers.Surcouche` for a territory
(cached on the territory id), or says in French why it cannot (dataset not
built, not available offline, territory too large…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from geo.layers import Surcouche
from geo.territories import TerritoireId
from ui import etat
from ui.donnees import donnees_qpv, surcouche_qpv


@dataclass(frozen=True)
class CoucheDisponible:
    nom: str
    libelle: str
    aide: str
    # Returns the overlay, or a French sentence saying why it cannot be drawn.
    construire: Callable[[TerritoireId | None], Surcouche | str]


def _qpv(tid: TerritoireId | None) -> Surcouche | str:
    donnees = donnees_qpv()
    if not donnees.disponible:
        return (
            "Les quartiers prioritaires ne sont pas disponibles sur ce serveur : voir la page "
            "Sources pour les fichiers à fournir."
        )
    return surcouche_qpv(tid)


SURCOUCHES: list[CoucheDisponible] = [
    CoucheDisponible(
        "qpv",
        "Quartiers prioritaires (QPV)",
        "Quartiers prioritaires de la politique de la ville (ANCT) : périmètres quand ils sont "
        "disponibles, sinon les communes qui en comprennent.",
        _qpv,
    ),
]


def _basculer(nom: str) -> None:
    etat.activer_couche(nom, bool(st.session_state.get(f"couche-{nom}")))


def choisir_et_construire(tid: TerritoireId | None) -> list[Surcouche]:
    """Toggles for the overlays (state in the URL); the overlays switched on."""
    if not SURCOUCHES:
        return []
    actives = set(etat.couches_actives())
    colonnes = st.columns(len(SURCOUCHES))
    surcouches = []
    for colonne, couche in zip(colonnes, SURCOUCHES, strict=True):
        cle = f"couche-{couche.nom}"
        # The URL wins over a stale widget state (permalink opened, back button).
        st.session_state[cle] = couche.nom in actives
        colonne.toggle(couche.libelle, key=cle, help=couche.aide, on_change=_basculer, args=(couche.nom,))
        if couche.nom in actives:
            resultat = couche.construire(tid)
            if isinstance(resultat, str):
                st.info(resultat, icon=":material/layers_clear:")
            else:
                surcouches.append(resultat)
    return surcouches
