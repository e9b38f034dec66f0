"""Tables on screen: French numbers and « — » for unknown values, with the reason in a caption."""

from __future__ import annotations

import threading

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from geo.outils import tableaux
from geo.outils.text import nombre_fr

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
    vide: str = "Aucune ligne pour cette sélection.",
    **options,
) -> None:
    """``st.dataframe`` of ``tableau`` formatted in French; says what « — » means when one shows.

    A table with no row is said in words (``vide``): the grid would draw « empty », in English.

    The formatting of a table is made once per content (:func:`style`): a rerun that shows
    the same table again costs a digest of its cells, not a new rendering.
    """
    conteneur = conteneur or st
    if tableau.empty:
        conteneur.caption(vide)
        return
    # The grid draws a missing cell itself, ignoring the Styler's display value: without
    # this it reads « None » where the legend promises « — ».
    options.setdefault("placeholder", tableaux.INCONNU)
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    lignes_max = min(LIGNES_MAX, max(1, CELLULES_MAX // max(1, len(tableau.columns))))
    montre = tableau.head(lignes_max)
    conteneur.dataframe(style(montre, decimales), column_config=entetes(tableau, column_config), **options)
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


def style(tableau: pd.DataFrame, decimales: dict[str, int] | None = None) -> Styler:
    """:func:`geo.outils.tableaux.style_fr` of ``tableau``, the same object for the same cells.

    Streamlit re-marshals a Styler on every rerun (pandas renders every cell, then every
    display value is rebuilt: ~40 ms for 500 rows); a table whose cells did not change gets
    back the Styler of the first run, which did that work once (:class:`Fige`). A table
    whose cells cannot be hashed (lists) is styled anew each time.
    """
    empreinte = tableaux.empreinte(tableau)
    if empreinte is None:
        return tableaux.style_fr(tableau, decimales)
    return _style_memorise(empreinte, tuple(sorted((decimales or {}).items())), tableau)


@st.cache_resource(show_spinner=False, max_entries=64)
def _style_memorise(empreinte: str, decimales: tuple, _tableau: pd.DataFrame) -> Styler:
    # The uuid (CSS ids of the cells) follows the content, so the same table gives the same
    # element from one run, or one server, to the next.
    styler = Styler(_tableau, uuid=empreinte[:12]).format(tableaux.formats_fr(_tableau, dict(decimales)))
    Fige(styler)
    return styler


class Fige:
    """What is kept of a cached Styler, whose table no longer changes (``styler.fige_ess``).

    Streamlit asks pandas to render every cell (``Styler._translate``) on every rerun: the
    Styler's ``_translate`` is replaced by one that renders once and keeps it. Where
    Streamlit's own marshalling can be reused (:func:`_brancher_marshalling`), the finished
    proto is kept instead, and the rendering, ~2 MB for 500 rows, let go. (The Styler stays a
    plain ``Styler``: Streamlit recognises one by its exact type.)
    """

    def __init__(self, styler: Styler):
        self.verrou = threading.RLock()
        self.marshalle = None  # the ArrowData proto Streamlit made of this Styler, once made
        self.rendus: dict = {}
        traduire = styler._translate

        def _translate(*args, **kwargs):
            cle = (args, tuple(sorted(kwargs.items())))
            with self.verrou:
                if cle not in self.rendus:
                    self.rendus[cle] = traduire(*args, **kwargs)
                return self.rendus[cle]

        styler._translate = _translate
        styler.fige_ess = self

    def oublier_rendus(self) -> None:
        with self.verrou:
            self.rendus.clear()


def _brancher_marshalling() -> bool:
    """Reuse what Streamlit made of a cached Styler (a Streamlit internal; False if absent).

    No public API of ``st.dataframe`` takes display values already made: every rerun, even
    with pandas' rendering kept, Streamlit rebuilds them cell by cell (~10 ms for 500 rows).
    So ``marshall_styler``, the function of ``streamlit.elements.arrow`` that fills the
    Styler part of the proto, is wrapped: for a Styler with a :class:`Fige` it runs once and
    its result is copied afterwards; any other Styler goes to Streamlit's function unchanged.
    If the internal is gone (another Streamlit), nothing is wrapped: tables take the plain
    path, with pandas' rendering still kept by :class:`Fige`.
    """
    try:
        from streamlit.elements import arrow
    except ImportError:
        return False
    origine = getattr(arrow, "marshall_styler", None)
    # Streamlit's own function, not the wrapper of an earlier import of this module (a
    # reloaded module has a new Fige class, that the old wrapper would not know).
    origine = getattr(origine, "origine_ess", origine)
    if not callable(origine):
        return False

    def marshall_styler(proto, styler, default_uuid):
        fige = getattr(styler, "fige_ess", None)
        if not isinstance(fige, Fige):
            return origine(proto, styler, default_uuid)
        with fige.verrou:
            if fige.marshalle is None:
                origine(proto, styler, default_uuid)
                fige.marshalle = type(proto)()
                fige.marshalle.CopyFrom(proto)
                fige.oublier_rendus()
                return None
        proto.MergeFrom(fige.marshalle)
        return None

    marshall_styler.origine_ess = origine
    arrow.marshall_styler = marshall_styler
    return True


MARSHALLING_MEMORISE = _brancher_marshalling()
