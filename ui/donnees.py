"""Cached access to the built data, keyed on small hashable arguments."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo import assets, config, layers
from geo.territories import Referentiel, TerritoireId, charger_referentiel


@st.cache_resource(show_spinner="Chargement des territoires (la première fois, construction des données)…")
def _referentiel(dossier: str) -> Referentiel:
    return charger_referentiel(Path(dossier))


def referentiel() -> Referentiel:
    """The territory tables (built on first use if the cache is missing)."""
    return _referentiel(str(config.dossier_territoires()))


@st.cache_resource(show_spinner=False)
def ressources_statiques() -> str:
    """Copy Leaflet into ./static once per server; return its URL prefix."""
    assets.installer()
    return assets.url_base(st.get_option("server.baseUrlPath") or "")


@st.cache_resource(show_spinner="Préparation de la carte…", max_entries=64)
def _carte_preparee(dossier: str, territoire_id: str) -> layers.CarteTerritoire:
    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    return layers.preparer(_referentiel(dossier), tid)


def carte_preparee(tid: TerritoireId | None) -> layers.CarteTerritoire:
    return _carte_preparee(str(config.dossier_territoires()), str(tid) if tid else "")
