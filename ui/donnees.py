"""Cached access to the built data, keyed on small hashable arguments."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo import assets, config, etapes, layers, qpv
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


@st.cache_resource(show_spinner="Chargement des quartiers prioritaires…")
def _donnees_qpv(dossier_cache: str, construit_le: str) -> qpv.DonneesQPV:
    return qpv.charger(referentiel(), Path(dossier_cache))


def donnees_qpv() -> qpv.DonneesQPV:
    """QPV tables; a rebuild (new manifest date) invalidates the cache."""
    manifeste = etapes.lire_manifeste(qpv.ETAPE.nom) or {}
    return _donnees_qpv(str(config.dossier_cache()), manifeste.get("construit_le", ""))


@st.cache_resource(show_spinner="Préparation de la couche des QPV…", max_entries=64)
def _surcouche_qpv(dossier_cache: str, construit_le: str, territoire_id: str) -> layers.Surcouche:
    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    return layers.surcouche_qpv(referentiel(), _donnees_qpv(dossier_cache, construit_le), tid)


def surcouche_qpv(tid: TerritoireId | None) -> layers.Surcouche:
    manifeste = etapes.lire_manifeste(qpv.ETAPE.nom) or {}
    return _surcouche_qpv(str(config.dossier_cache()), manifeste.get("construit_le", ""), str(tid or ""))


# Jobs and funding: the store of entered records, and the open-data funding tables.


@st.cache_resource(show_spinner="Ouverture de la base de saisie…")
def _depot(url: str):
    from geo import emplois

    return emplois.depot_pret(url)


def depot():
    """The store (``DATABASE_URL`` or data/saisie.sqlite3), seeded with the field documents on first use."""
    from geo import store

    return _depot(store.url_par_defaut())


def saisies():
    """The store's records as tables; read on every run (a few hundred rows) so entries show at once."""
    from geo import emplois

    return emplois.charger(depot())


@st.cache_resource(show_spinner="Chargement des financements publics…")
def _donnees_financements(dossier_cache: str, construit_le: str):
    from geo import financements

    return financements.charger(referentiel(), Path(dossier_cache))


def donnees_financements():
    """Ci.Ville posts and ESS share of jobs; a rebuild (new manifest date) invalidates the cache."""
    from geo import financements

    manifeste = etapes.lire_manifeste(financements.ETAPE.nom) or {}
    return _donnees_financements(str(config.dossier_cache()), manifeste.get("construit_le", ""))
