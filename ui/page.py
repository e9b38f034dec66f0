"""What every page starts from: the data, the chosen territory, the error banner."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from geo.sources import SourceIndisponible
from geo.territories import Referentiel, Territoire, TerritoireId
from ui import donnees, etat


@dataclass(frozen=True)
class Contexte:
    ref: Referentiel
    tid: TerritoireId | None
    territoire: Territoire


def _quitter_le_mode_dossier_pages() -> None:
    """Make sure the page runs inside app.py's navigation.

    Streamlit decides once per server, on its first script run, whether the app
    is an old-style "pages/ directory" app. When that first run is a link to a
    page other than the home page (a permalink such as ``/qpv?territoire=…``),
    it runs the page file alone, without app.py, its navigation or its sidebar,
    and stays in that mode. Leaving it and rerunning sends the same URL through
    app.py's ``st.navigation`` (Streamlit 1.67).
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def contexte() -> Contexte:
    """Load the territories and read the URL; stop the page with a French message on failure."""
    _quitter_le_mode_dossier_pages()
    try:
        ref = donnees.referentiel()
    except SourceIndisponible as erreur:
        st.error(f"Les territoires ne peuvent pas être chargés. {erreur}", icon=":material/cloud_off:")
        st.stop()
    tid = etat.territoire_courant(ref)
    return Contexte(ref, tid, ref.territoire(tid))
