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


def contexte() -> Contexte:
    """Load the territories and read the URL; stop the page with a French message on failure."""
    try:
        ref = donnees.referentiel()
    except SourceIndisponible as erreur:
        st.error(f"Les territoires ne peuvent pas être chargés. {erreur}", icon=":material/cloud_off:")
        st.stop()
    tid = etat.territoire_courant(ref)
    return Contexte(ref, tid, ref.territoire(tid))
