"""Figures of the ESS structures shown on several pages (Structures, Territoire)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.donnees import structures
from geo.outils import nomenclature
from geo.outils.text import accorder, nombre_fr
from ui import tableaux


def chiffres(bloc: dict, tableau_familles: bool = True) -> None:
    """Total, estimated jobs and the family breakdown of a ``structures`` block."""
    colonnes = st.columns(3)
    colonnes[0].metric("Structures de l'ESS", nombre_fr(bloc["total"]))
    emplois = bloc["emplois_estimes"]
    colonnes[1].metric(
        "Emplois (estimation)",
        f"≈ {nombre_fr(emplois)}" if emplois is not None else "inconnus",
        help=nomenclature.REGLE_EMPLOIS,
    )
    localisation = bloc["localisation"]
    colonnes[2].metric(
        "Situées à l'adresse",
        nombre_fr(localisation["adresse"]),
        help="Les autres sont placées au centre de leur commune (adresse non géocodée dans la source)"
        + (f" ; {nombre_fr(localisation['sans'])} sans lieu connu." if localisation["sans"] else "."),
    )
    # One sentence whose parts add up to the total: the three figures above cannot seem to disagree.
    st.caption(f"Structures de l'ESS : {structures.texte_localisation(bloc)}.")
    if bloc.get("couverture", {}).get("partiel"):
        st.caption(bloc["couverture"]["texte"])
    if emplois is not None and bloc["structures_sans_effectif"]:
        st.caption(
            f"Estimation des emplois sur {accorder(bloc['structures_avec_effectif'], 'structure')} dont la "
            f"tranche d'effectif est connue ; {nombre_fr(bloc['structures_sans_effectif'])} sans tranche "
            "connue ne sont pas comptées."
        )
    elif emplois is None and bloc["total"]:
        st.caption("Aucune tranche d'effectif connue ici : les emplois ne sont pas estimés.")
    if bloc["par_famille"] and not tableau_familles:
        st.markdown(
            " · ".join(
                f"{nomenclature.LIBELLES_FAMILLES.get(f, f)} : **{nombre_fr(n)}**"
                for f, n in bloc["par_famille"].items()
            )
        )
    elif bloc["par_famille"]:
        tableaux.afficher(
            pd.DataFrame(
                {
                    "Famille": [nomenclature.LIBELLES_FAMILLES.get(f, f) for f in bloc["par_famille"]],
                    "Structures": list(bloc["par_famille"].values()),
                }
            ),
            width="content",
        )


def sources(bloc: dict) -> None:
    """The sources of the structures counted, with vintage and licence."""
    if bloc["sources"]:
        st.caption(structures.texte_sources(bloc))


def structure_du_registre(registre: pd.DataFrame, cle: str) -> dict | None:
    """The register's row of ``cle`` (its ``cle`` column), or None: an id read from the address is
    only ever compared, never trusted."""
    if not isinstance(cle, str) or not cle or len(cle) > 200:
        return None
    lignes = registre[registre.cle == cle]
    return None if lignes.empty else lignes.iloc[0].to_dict()


def signaler_depuis_la_liste(liste: pd.DataFrame) -> None:
    """« Signaler une erreur » on a structure of the list: choose it, the report form opens above."""
    if liste.empty:
        return
    noms = dict(
        zip(
            liste.cle,
            (
                f"{nom} — {commune}" if isinstance(commune, str) else str(nom)
                for nom, commune in zip(liste.nom.fillna("(sans nom)"), liste.nom_commune, strict=True)
            ),
            strict=True,
        )
    )
    colonnes = st.columns([4, 1], vertical_alignment="bottom")
    choisie = colonnes[0].selectbox(
        "Signaler une erreur sur une structure de la liste",
        list(noms),
        index=None,
        format_func=noms.get,
        placeholder="Choisir une structure",
        key="structure_a_signaler",
    )
    colonnes[1].button(
        "Signaler une erreur",
        key="signaler_structure",
        icon=":material/flag:",
        disabled=choisie is None,
        on_click=_ouvrir_signalement,
        args=(choisie,),
    )


_CLE_DEPUIS_LISTE = "_signalement_depuis_la_liste"


def _ouvrir_signalement(cle: str | None) -> None:
    if cle:
        st.query_params["signaler"] = cle
        st.session_state[_CLE_DEPUIS_LISTE] = cle


def signalement_depuis_la_liste() -> bool:
    """Whether the report form in the address was opened from the list (not from a map's link)."""
    cle = st.query_params.get("signaler")
    return bool(cle) and st.session_state.get(_CLE_DEPUIS_LISTE) == cle
