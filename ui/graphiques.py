"""Charts on screen: every Vega-Lite chart with its text alternative (RGAA 4.1, WCAG 2.1 AA 1.1.1).

A screen reader reads a chart's SVG as « 0 0 0 0 0 0 2… »: under each chart, one sentence says
what it shows and an expander holds the table of its values, both read from the figure itself
(:func:`geo.rendu.charts.texte_alternatif`), so that they always match what is drawn.
"""

from __future__ import annotations

import copy

import streamlit as st

from geo.rendu import charts
from ui import tableaux

TITRE_VALEURS = "Valeurs du graphique (tableau)"


def afficher(figure, cle: str, lieu: str | None = None, conteneur=None, **options):
    """Draw ``figure`` (a Vega-Lite spec, ``st.vega_lite_chart`` with ``options``), its summary
    and its values table.

    Returns what ``st.vega_lite_chart`` returns (the selection event when ``on_select`` is given).
    """
    conteneur = conteneur or st
    resume, valeurs = charts.texte_alternatif(figure, lieu)
    # A copy: Streamlit may change the spec it is given, and the pages' charts are cached, shared.
    dessin = copy.deepcopy(figure)
    # The sentence is the SVG's accessible name too (Vega writes the description as aria-label).
    dessin["description"] = resume
    evenement = conteneur.vega_lite_chart(dessin, key=cle, **options)
    conteneur.caption(resume)
    # The table is drawn once its expander opens (issue 33): closed, each one was a data grid
    # the browser built for nothing seen, about 0.2 s of the Emplois page's opening for its four.
    boite = conteneur.expander(
        TITRE_VALEURS, icon=":material/table:", key=cle_valeurs_ouvertes(cle), on_change="rerun"
    )
    if boite.open:
        tableaux.afficher(
            valeurs,
            raison_inconnu="valeur inconnue (« inconnu » sur le graphique), ou aucune valeur de cette "
            "série à cet endroit.",
            vide="Aucune valeur : le graphique est vide.",
            conteneur=boite,
            key=f"{cle}_valeurs",
        )
    return evenement


def cle_valeurs_ouvertes(cle: str) -> str:
    """The state of the values expander of the chart ``cle`` (True: open)."""
    return f"{cle}_valeurs_ouvertes"
