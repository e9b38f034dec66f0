"""Tables on screen: French numbers and « — » for unknown values, with the reason in a caption."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import tableaux


def afficher(
    tableau: pd.DataFrame,
    column_config: dict | None = None,
    decimales: dict[str, int] | None = None,
    raison_inconnu: str | None = None,
    conteneur=None,
    **options,
) -> None:
    """``st.dataframe`` of ``tableau`` formatted in French; says what « — » means when one shows."""
    conteneur = conteneur or st
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    conteneur.dataframe(tableaux.style_fr(tableau, decimales), column_config=column_config, **options)
    visibles = [c for c in tableau.columns if not column_config or column_config.get(c, True) is not None]
    if raison_inconnu and tableau[visibles].isna().to_numpy().any():
        conteneur.caption(f"« {tableaux.INCONNU} » : {raison_inconnu}")
