"""Download buttons that work on every click.

A deferred download (``data=`` a callable) is registered as a media file that the
next rerun revokes: a click landing just after a rerun fetched a file already gone
(``MediaFileStorageError: Deferred file … not found``) and did nothing. Here the
bytes are passed eagerly and the click does not rerun the app
(``on_click="ignore"``, Streamlit 1.67), so the file stays served until the page
changes. Files that are costly to make (PDF, GeoPackage, standalone map) are
made on request, by a first button, and kept in the session for that view.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from geo.outils import formats, tableaux


def bouton(
    libelle: str,
    donnees: bytes | str,
    nom_fichier: str,
    mime: str,
    cle: str,
    conteneur=None,
    **options,
) -> None:
    """A download of bytes already made; clicking it does not rerun the page."""
    (conteneur or st).download_button(
        libelle,
        data=donnees,
        file_name=nom_fichier,
        mime=mime,
        key=cle,
        on_click="ignore",
        **options,
    )


def csv(
    libelle: str,
    tableau: pd.DataFrame,
    nom_fichier: str,
    cle: str,
    conteneur=None,
    decimales: dict[str, int] | None = None,
    **options,
) -> None:
    """A table as CSV in the one convention of the app (:func:`geo.outils.formats.vers_csv`)."""
    options.setdefault("icon", ":material/download:")
    bouton(libelle, _csv_de(tableau, decimales), nom_fichier, "text/csv", cle, conteneur, **options)


@st.cache_data(show_spinner=False, max_entries=128)
def _csv_memorise(empreinte: str, decimales: tuple, _tableau: pd.DataFrame) -> bytes:
    return formats.vers_csv(_tableau, dict(decimales) or None)


def _csv_de(tableau: pd.DataFrame, decimales: dict[str, int] | None) -> bytes:
    # The eager bytes are made on every run: hashing the table costs a fraction of writing
    # it (formulas neutralised, French numbers), so a rerun re-sends a file it already made.
    empreinte = tableaux.empreinte(tableau)
    if empreinte is None:
        return formats.vers_csv(tableau, decimales)
    return _csv_memorise(empreinte, tuple(sorted((decimales or {}).items())), tableau)


@st.cache_data(show_spinner=False, max_entries=64)
def _octets_memorises(empreinte: str, sorte: str, _tableau: pd.DataFrame, _fabriquer) -> bytes:
    return _fabriquer(_tableau)


def fichier(
    libelle: str,
    tableau: pd.DataFrame,
    fabriquer: Callable[[pd.DataFrame], bytes],
    sorte: str,
    nom_fichier: str,
    mime: str,
    cle: str,
    conteneur=None,
    **options,
) -> None:
    """A file made from ``tableau`` by ``fabriquer``, made once per table content.

    ``sorte`` names what ``fabriquer`` makes (« geojson-structures »): with the table's digest,
    it is what the memory of files is keyed on.
    """
    empreinte = tableaux.empreinte(tableau)
    if empreinte is None:
        donnees = fabriquer(tableau)
    else:
        donnees = _octets_memorises(empreinte, sorte, tableau, fabriquer)
    bouton(libelle, donnees, nom_fichier, mime, cle, conteneur, **options)


def sur_demande(
    libelle: str,
    fabriquer: Callable[[], bytes],
    nom_fichier: str,
    mime: str,
    cle: str,
    signature: str,
    conteneur=None,
    **options,
) -> None:
    """A costly file: « Préparer … » makes it once for this view (``signature``), then a download."""
    conteneur = conteneur or st
    etat = f"_fichier_{cle}"
    deja = st.session_state.get(etat)
    if deja is not None and deja[0] == signature:
        bouton(libelle, deja[1], nom_fichier, mime, cle, conteneur, **options)
        return

    def _preparer() -> None:
        st.session_state[etat] = (signature, fabriquer())

    aide = options.pop("help", None)
    conteneur.button(
        f"Préparer : {libelle}",
        key=f"preparer-{cle}",
        on_click=_preparer,
        icon=options.get("icon"),
        help=(aide + " " if aide else "") + "Le fichier est préparé puis proposé au téléchargement.",
    )
