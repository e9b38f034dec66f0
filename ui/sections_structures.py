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
