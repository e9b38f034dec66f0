"""Overlay layers the map page can switch on, one entry per dataset.

Each entry knows how to build its :class:`geo.layers.Surcouche` for a territory
(cached on the territory id), or says in French why it cannot (dataset not
built, not available offline, territory too large…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import streamlit as st

from geo.layers import Surcouche
from geo.territories import TerritoireId
from ui import etat
from ui.donnees import donnees_qpv, referentiel, surcouche_qpv


@dataclass(frozen=True)
class CoucheDisponible:
    nom: str
    libelle: str
    aide: str
    # Returns the overlay, or a French sentence saying why it cannot be drawn.
    construire: Callable[[TerritoireId | None], Surcouche | str]
    # The overlay's data for the territory, as named layers to download.
    exporter: Callable[[TerritoireId | None], dict[str, gpd.GeoDataFrame]] | None = None


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
        exporter=lambda tid: (
            donnees_qpv().couches_export(referentiel(), tid) if donnees_qpv().disponible else {}
        ),
    ),
]


def _ptce(tid: TerritoireId | None) -> Surcouche | str:
    from geo import couche_ptce
    from ui.donnees import saisies

    try:
        donnees = saisies()
    except Exception as erreur:  # an unreachable database must not break the map
        return f"La base de saisie des PTCE est inaccessible ({erreur})."
    return couche_ptce.surcouche_ptce(referentiel(), donnees, tid)


SURCOUCHES.append(
    CoucheDisponible(
        "ptce",
        "PTCE et structures",
        "Pôles territoriaux de coopération économique saisis (périmètres en tirets) et leurs structures "
        "placées au centre de leur commune. Données saisies et pack des documents de terrain.",
        _ptce,
        exporter=lambda tid: _exporter_ptce(tid),
    )
)


def _exporter_ptce(tid: TerritoireId | None) -> dict[str, gpd.GeoDataFrame]:
    from geo import couche_ptce
    from ui.donnees import saisies

    return couche_ptce.couches_export(referentiel(), saisies(), tid)


def _basculer(nom: str) -> None:
    etat.activer_couche(nom, bool(st.session_state.get(f"couche-{nom}")))


def couches_actives() -> list[CoucheDisponible]:
    """The overlays switched on in the URL, in display order."""
    noms = set(etat.couches_actives())
    return [couche for couche in SURCOUCHES if couche.nom in noms]


def choisir_et_construire(tid: TerritoireId | None, avec_boutons: bool = True) -> list[Surcouche]:
    """Toggles for the overlays (state in the URL); the overlays switched on.

    Without buttons (presentation mode), the overlays named in the URL are drawn.
    """
    if not SURCOUCHES:
        return []
    actives = set(etat.couches_actives())
    colonnes = st.columns(len(SURCOUCHES)) if avec_boutons else [None] * len(SURCOUCHES)
    surcouches = []
    for colonne, couche in zip(colonnes, SURCOUCHES, strict=True):
        cle = f"couche-{couche.nom}"
        if colonne is not None:
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
