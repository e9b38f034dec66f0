"""How a table reads on screen: French numbers (« 1 234,5 »), « — » where a value is unknown.

The table keeps its numbers (sorting stays numeric); only what is displayed is
formatted, through a pandas ``Styler`` that Streamlit draws as it is.
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd
from pandas.io.formats.style import Styler

from geo.outils.text import nombre_fr

INCONNU = "—"
# A column of years (« annee_debut », « Année ») reads « 2024 », not « 2 024 ».
_ANNEE = re.compile(r"(?i)ann[ée]e")


def _format(decimales: int, suffixe: str = "", annee: bool = False):
    def formater(valeur) -> str:
        if valeur is None or (not isinstance(valeur, str) and pd.isna(valeur)):
            return INCONNU
        if annee:
            return f"{float(valeur):.0f}" + suffixe
        return nombre_fr(float(valeur), decimales) + suffixe

    return formater


def style_fr(
    tableau: pd.DataFrame, decimales: dict[str, int] | None = None, suffixes: dict[str, str] | None = None
) -> Styler:
    """French display of every number column; unknown values (any column) as « — ».

    ``decimales`` gives the decimals per column (0 by default for whole numbers, 1 otherwise).
    """
    return tableau.style.format(formats_fr(tableau, decimales, suffixes))


def formats_fr(
    tableau: pd.DataFrame, decimales: dict[str, int] | None = None, suffixes: dict[str, str] | None = None
) -> dict:
    """The formatter of each column that :func:`style_fr` applies (for a Styler made elsewhere)."""
    decimales = decimales or {}
    suffixes = suffixes or {}
    formats = {}
    for colonne in tableau.columns:
        valeurs = tableau[colonne]
        if pd.api.types.is_bool_dtype(valeurs):
            formats[colonne] = lambda v: INCONNU if pd.isna(v) else ("oui" if v else "non")
        elif pd.api.types.is_numeric_dtype(valeurs):
            connues = valeurs.dropna()
            entier = bool(len(connues)) and bool(
                (connues.astype(float) == connues.astype(float).round()).all()
            )
            formats[colonne] = _format(
                decimales.get(colonne, 0 if entier else 1),
                suffixes.get(colonne, ""),
                annee=entier and bool(_ANNEE.match(str(colonne))),
            )
        else:
            formats[colonne] = _texte
    return formats


def majuscule(entete: str) -> str:
    """A header as a French table starts it: with a capital (« quand (UTC) » → « Quand (UTC) »)."""
    return entete[:1].upper() + entete[1:]


def _texte(valeur) -> str:
    if valeur is None or (not isinstance(valeur, list | tuple) and pd.isna(valeur)):
        return INCONNU
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, list | tuple):
        return ", ".join(map(str, valeur))
    return valeur


def empreinte(tableau: pd.DataFrame) -> str | None:
    """A digest of what a table holds and shows; ``None`` when a cell cannot be hashed (a list).

    Cells, index, headers and types. Object columns add the type of each cell (the hash of
    a cell is the hash of its text, and ``True`` reads « oui » where ``"True"`` does not);
    a layer's shapes count by their WKB and its CRS. What caches of tables and files made
    from tables (``ui.tableaux``, ``ui.telechargement``) are keyed on.
    """
    crs, formes = "", b""
    types = [(str(c), str(t)) for c, t in tableau.dtypes.items()]
    geometrie = getattr(tableau, "_geometry_column_name", None)
    if geometrie is not None and geometrie in tableau.columns:
        import shapely

        crs = str(tableau.crs)
        # The shapes' WKB straight into the digest: pandas' hash of them as text took 0.2 s
        # for an EPCI's detailed communes, on every first view of a map page.
        condense = hashlib.blake2b(digest_size=16)
        for forme in shapely.to_wkb(tableau[geometrie].values):
            condense.update(b"\xff" * 8 if forme is None else len(forme).to_bytes(8, "little") + forme)
        formes = condense.digest()
        tableau = pd.DataFrame(tableau).drop(columns=geometrie)
    try:
        cellules = pd.util.hash_pandas_object(tableau, index=True).to_numpy().tobytes()
    except TypeError:
        return None
    objets = [
        tuple(type(v).__name__ for v in tableau.iloc[:, i])
        for i, t in enumerate(tableau.dtypes)
        if pd.api.types.is_object_dtype(t)
    ]
    entete = repr(
        (
            crs,
            types,
            objets,
            [str(n) for n in tableau.index.names],
            str(tableau.index.dtype),
        )
    ).encode()
    return hashlib.blake2b(entete + formes + cellules, digest_size=16).hexdigest()
