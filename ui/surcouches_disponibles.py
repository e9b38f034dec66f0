"""Overlay layers the map page can switch on, one entry per dataset.

Each entry knows how to build its :class:`geo.rendu.carte_territoire.Surcouche` for a territory
(cached on the territory id), or says in French why it cannot (dataset not
built, not available offline, territory too large…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import streamlit as st

from geo.donnees.commerces import DefinitionInvalide, couche_export
from geo.outils.text import texte_brut
from geo.rendu import surcouches
from geo.rendu.carte_territoire import Surcouche
from geo.territoires.referentiel import TerritoireId
from ui import etat
from ui.donnees import (
    donnees_commerces,
    donnees_qpv,
    referentiel,
    surcouche_commerces,
    surcouche_qpv,
)


@dataclass(frozen=True)
class SurcoucheDisponible:
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


def _qpv_2015(tid: TerritoireId | None) -> Surcouche | str:
    donnees = donnees_qpv()
    if not donnees.disponible or not (donnees.perimetres.generation == "2015").any():
        return "Les périmètres des anciens QPV 2015 ne sont pas disponibles sur ce serveur."
    return surcouche_qpv(tid, "2015")


def _commerces(tid: TerritoireId | None) -> Surcouche | str:
    donnees = donnees_commerces()
    if not donnees.disponible:
        return (
            "Les commerces (base permanente des équipements de l'INSEE) ne sont pas disponibles sur ce "
            "serveur : voir la page Sources."
        )
    try:
        definition = donnees.definition(etat.definition_commerces())
    except DefinitionInvalide as erreur:
        return str(erreur)
    return surcouche_commerces(tid, definition.parametre())


def _exporter_commerces(tid: TerritoireId | None) -> dict[str, gpd.GeoDataFrame]:
    donnees = donnees_commerces()
    if not donnees.disponible:
        return {}
    try:
        definition = donnees.definition(etat.definition_commerces())
    except DefinitionInvalide:
        return {}
    return {"communes_sans_commerce": couche_export(donnees, tid, definition)}


SURCOUCHES: list[SurcoucheDisponible] = [
    SurcoucheDisponible(
        "qpv",
        "Quartiers prioritaires (QPV)",
        "Quartiers prioritaires de la politique de la ville (ANCT), géographie 2024 : périmètres quand "
        "ils sont disponibles, sinon les communes qui en comprennent.",
        _qpv,
        exporter=lambda tid: (
            donnees_qpv().couches_export(referentiel(), tid) if donnees_qpv().disponible else {}
        ),
    ),
    SurcoucheDisponible(
        "qpv_2015",
        "Anciens QPV 2015 (Occitanie)",
        "Ancienne géographie prioritaire 2015, remplacée en 2024. Seuls les périmètres d'Occitanie "
        "sont disponibles en données ouvertes ici : ce n'est pas une carte nationale.",
        _qpv_2015,
        exporter=lambda tid: (
            donnees_qpv().couches_export(referentiel(), tid, "2015") if donnees_qpv().disponible else {}
        ),
    ),
    SurcoucheDisponible(
        "commerces",
        "Communes sans commerce",
        "Communes où la base permanente des équipements de l'INSEE ne recense aucun commerce "
        "(ou aucun commerce alimentaire, selon la définition choisie sur la page Commerces).",
        _commerces,
        exporter=_exporter_commerces,
    ),
    SurcoucheDisponible(
        "structures",
        "Structures de l'ESS",
        "Associations, coopératives, mutuelles, fondations, SIAE, ESAT et tiers-lieux (SIRENE, ASP, "
        "FINESS, ANCT), colorés par famille ; comptés par commune ou par EPCI à grande échelle. "
        "Filtres : page Structures de l'ESS.",
        lambda tid: _structures(tid),
        exporter=lambda tid: _exporter_structures(tid),
    ),
]


def _ptce(tid: TerritoireId | None) -> Surcouche | str:
    from geo.base import store
    from ui.donnees import saisies

    try:
        donnees = saisies()
    except store.BaseInaccessible as erreur:  # a store out of reach must not break the map
        return store.message_indisponible(erreur)
    return surcouches.ptce.surcouche(referentiel(), donnees, tid)


SURCOUCHES.append(
    SurcoucheDisponible(
        "ptce",
        "PTCE et structures",
        "Pôles territoriaux de coopération économique saisis (périmètres en tirets) et leurs structures "
        "placées au centre de leur commune. Données saisies et pack des documents de terrain.",
        _ptce,
        exporter=lambda tid: _exporter_ptce(tid),
    )
)


def _exporter_ptce(tid: TerritoireId | None) -> dict[str, gpd.GeoDataFrame]:
    from geo.base import store
    from ui.donnees import saisies

    try:
        donnees = saisies()
    except store.BaseInaccessible:  # the layer already says so on the map
        return {}
    return surcouches.ptce.couches_export(referentiel(), donnees, tid)


def _part_ess(tid: TerritoireId | None) -> Surcouche | str:
    from ui.donnees import surcouche_part_ess

    return surcouche_part_ess()


SURCOUCHES.append(
    SurcoucheDisponible(
        "part_ess",
        "Part de l'ESS dans l'emploi (départements)",
        "Part des emplois salariés de l'économie sociale et solidaire dans l'emploi salarié privé, par "
        "département (INSEE, Clap, dernier millésime publié) : carte de la France entière.",
        _part_ess,
    )
)


def _basculer(nom: str) -> None:
    etat.activer_couche(nom, bool(st.session_state.get(f"couche-{nom}")))


def offertes(tid: TerritoireId | None) -> list[SurcoucheDisponible]:
    """The overlays worth a switch in the territory (see geo.donnees.lecture_carte.couches_offertes)."""
    from ui.donnees import couches_offertes

    noms = set(couches_offertes(tid, tuple(couche.nom for couche in SURCOUCHES)))
    return [couche for couche in SURCOUCHES if couche.nom in noms]


def surcouches_actives(tid: TerritoireId | None = None) -> list[SurcoucheDisponible]:
    """The overlays switched on in the URL and offered in the territory, in display order."""
    noms = set(etat.noms_des_surcouches())
    return [couche for couche in offertes(tid) if couche.nom in noms]


def choisir_et_construire(tid: TerritoireId | None, avec_boutons: bool = True) -> list[Surcouche]:
    """Toggles for the overlays offered in the territory (state in the URL); the overlays switched on.

    Without buttons (presentation mode), the overlays named in the URL are drawn.
    """
    proposees = offertes(tid)
    if not proposees:
        return []
    actives = set(etat.noms_des_surcouches())
    if avec_boutons:
        # Three switches a row: six in one row cut their labels (« Quartiers p… ») on a desk screen.
        par_ligne = 3
        colonnes = [
            colonne for _ in range(-(-len(proposees) // par_ligne)) for colonne in st.columns(par_ligne)
        ][: len(proposees)]
    else:
        colonnes = [None] * len(proposees)
    surcouches = []
    for colonne, couche in zip(colonnes, proposees, strict=True):
        cle = f"couche-{couche.nom}"
        if colonne is not None:
            # The URL wins over a stale widget state (permalink opened, back button).
            st.session_state[cle] = couche.nom in actives
            colonne.toggle(couche.libelle, key=cle, help=couche.aide, on_change=_basculer, args=(couche.nom,))
        if couche.nom in actives:
            resultat = couche.construire(tid)
            if isinstance(resultat, str):
                st.info(texte_brut(resultat), icon=":material/layers_clear:")
            else:
                surcouches.append(resultat)
    return surcouches


def _structures(tid: TerritoireId | None) -> Surcouche | str:
    from ui import donnees, filtres_structures

    if not donnees.donnees_structures().disponible:
        return (
            "Les structures de l'ESS ne sont pas disponibles sur ce serveur : voir la page Sources "
            "pour les fichiers à fournir."
        )
    return donnees.surcouche_structures(tid, filtres_structures.lire())


def _exporter_structures(tid: TerritoireId | None) -> dict[str, gpd.GeoDataFrame]:
    from geo.donnees import structures
    from ui import donnees, filtres_structures

    if not donnees.donnees_structures().disponible:
        return {}
    tableau = donnees.structures_filtrees(tid, filtres_structures.lire())
    if not len(tableau):
        return {}
    return {
        "structures_ess": structures.en_geodataframe(
            structures.tableau_export(tableau, referentiel().communes.nom)
        )
    }


def _subventions(tid: TerritoireId | None) -> Surcouche | str:
    from ui.donnees import donnees_subventions

    donnees = donnees_subventions()
    if not donnees.disponible:
        return "Aucun fichier de subventions publié (format SCDL) n'est disponible sur ce serveur."
    return surcouches.subventions.surcouche(referentiel(), donnees, tid)


def _exporter_subventions(tid: TerritoireId | None) -> dict[str, gpd.GeoDataFrame]:
    from ui.donnees import donnees_subventions

    donnees = donnees_subventions()
    return surcouches.subventions.couches_export(referentiel(), donnees, tid) if donnees.disponible else {}


SURCOUCHES.append(
    SurcoucheDisponible(
        "subventions",
        "Subventions publiées reçues",
        "Subventions de plus de 23 000 € publiées par les collectivités (format SCDL) : un cercle par "
        "commune des bénéficiaires retrouvés par leur SIRET ou SIREN, proportionnel au montant.",
        _subventions,
        exporter=_exporter_subventions,
    )
)
