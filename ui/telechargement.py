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


# Up to this many cells a table's .xlsx is made with its CSV; a larger one (France-wide lists)
# is made on request, so that a page's first view does not pay for a workbook nobody asked for.
CELLULES_XLSX_IMMEDIAT = 5_000
AIDE_XLSX = (
    "Classeur Excel (.xlsx) : SIRET, SIREN, codes des communes et codes postaux en texte (zéros "
    "gardés), nombres en nombres, en-têtes en français ; case vide : valeur inconnue."
)


def csv(
    libelle: str,
    tableau: pd.DataFrame,
    nom_fichier: str,
    cle: str,
    conteneur=None,
    decimales: dict[str, int] | None = None,
    entetes: dict[str, str] | None = None,
    sources: list[dict[str, str]] | None = None,
    **options,
) -> None:
    """A table as CSV in the one convention of the app (:func:`geo.outils.formats.vers_csv`),
    and beside it the same table as an .xlsx workbook (:func:`geo.outils.formats.vers_xlsx`).

    ``entetes`` labels a column whose header depends on the view (« Population (2021) »);
    every other header comes from :data:`geo.outils.tableaux.ENTETES`. ``sources`` (one dict a
    source: « Source », « Millésime », « Licence ») fill the workbook's « Sources » sheet.
    """
    options.setdefault("icon", ":material/download:")
    options_xlsx = {**options, "help": AIDE_XLSX, "icon": ":material/table_view:"}
    ligne = (conteneur or st).container(horizontal=True, gap="small")
    reglages = (_tuple(decimales), _tuple(entetes), tuple(tuple(s.items()) for s in sources or ()))
    empreinte = tableaux.empreinte(tableau)
    bouton(libelle, _csv_de(tableau, empreinte, reglages), nom_fichier, "text/csv", cle, ligne, **options)
    libelle_xlsx = libelle.replace("(CSV)", "(.xlsx)") if "(CSV)" in libelle else f"{libelle} (.xlsx)"
    nom_xlsx = nom_fichier.removesuffix(".csv") + ".xlsx"
    if tableau.size <= CELLULES_XLSX_IMMEDIAT or empreinte is None:
        donnees = _xlsx_memorise(empreinte, reglages, tableau) if empreinte else _xlsx(tableau, reglages)
        bouton(libelle_xlsx, donnees, nom_xlsx, MIME_XLSX, f"{cle}-xlsx", ligne, **options_xlsx)
    else:
        sur_demande(
            libelle_xlsx,
            lambda: _xlsx_memorise(empreinte, reglages, tableau),
            nom_xlsx,
            MIME_XLSX,
            f"{cle}-xlsx",
            empreinte + repr(reglages),
            ligne,
            **options_xlsx,
        )


MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _tuple(reglage: dict | None) -> tuple:
    return tuple(sorted((reglage or {}).items()))


def _xlsx(tableau: pd.DataFrame, reglages: tuple) -> bytes:
    decimales, entetes, sources = reglages
    return formats.vers_xlsx(
        tableau, dict(decimales) or None, dict(entetes) or None, [dict(s) for s in sources] or None
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _xlsx_memorise(empreinte: str, reglages: tuple, _tableau: pd.DataFrame) -> bytes:
    return _xlsx(_tableau, reglages)


@st.cache_data(show_spinner=False, max_entries=128)
def _csv_memorise(empreinte: str, reglages: tuple, _tableau: pd.DataFrame) -> bytes:
    decimales, entetes, _ = reglages
    return formats.vers_csv(_tableau, dict(decimales) or None, entetes=dict(entetes) or None)


def _csv_de(tableau: pd.DataFrame, empreinte: str | None, reglages: tuple) -> bytes:
    # The eager bytes are made on every run: hashing the table costs a fraction of writing
    # it (formulas neutralised, French numbers), so a rerun re-sends a file it already made.
    if empreinte is None:
        decimales, entetes, _ = reglages
        return formats.vers_csv(tableau, dict(decimales) or None, entetes=dict(entetes) or None)
    return _csv_memorise(empreinte, reglages, tableau)


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
