"""Tables on screen: French numbers and « — » for unknown values, with the reason in a caption."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import tableaux
from geo.text import nombre_fr

# Styled tables are rendered cell by cell (pandas refuses beyond 262 144 cells, and the
# browser slows long before): a longer table shows its first rows and says so.
CELLULES_MAX = 200_000
# Every row on screen is sent to the browser on every rerun: the France-wide list of
# candidate communes alone weighed 5 MB. Past this many rows a table is a download, not
# something read on screen (tables are sorted, so the first rows are the ones that matter).
LIGNES_MAX = 500


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
    lignes_max = min(LIGNES_MAX, max(1, CELLULES_MAX // max(1, len(tableau.columns))))
    montre = tableau.head(lignes_max)
    conteneur.dataframe(
        tableaux.style_fr(montre, decimales), column_config=entetes(tableau, column_config), **options
    )
    if len(tableau) > len(montre):
        conteneur.caption(
            f"Les {nombre_fr(len(montre))} premières lignes sur {nombre_fr(len(tableau))} : le "
            "téléchargement donne le tableau entier."
        )
    visibles = [c for c in tableau.columns if not column_config or column_config.get(c, True) is not None]
    if raison_inconnu and tableau[visibles].isna().to_numpy().any():
        conteneur.caption(f"« {tableaux.INCONNU} » : {raison_inconnu}")


def entetes(tableau: pd.DataFrame, column_config: dict | None = None) -> dict:
    """``column_config`` where every shown header starts with a capital (« qui » reads « Qui »).

    Columns the config labels or hides keep what it says.
    """
    config = dict(column_config or {})
    for colonne in tableau.columns:
        nom = str(colonne)
        reglage = config.get(colonne, "")
        if reglage is None or (isinstance(reglage, str) and reglage):
            continue
        if isinstance(reglage, dict):
            if not reglage.get("label"):
                config[colonne] = {**reglage, "label": tableaux.majuscule(nom)}
        elif nom[:1].islower():
            config[colonne] = tableaux.majuscule(nom)
    return config
