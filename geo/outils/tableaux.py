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


# The French header of every column the app lets people download, in one place: files carry
# words, never code names (« cle », « tranche_effectif_libelle »). A column not here keeps its
# own name with a capital (tables already named in French: « Montant (€) »); a test lists every
# exported table and finds each of its columns here.
ENTETES: dict[str, str] = {
    # Territories
    "code": "Code",
    "nom": "Nom",
    "niveau": "Niveau",
    "population": "Population",
    "millesime_population": "Millésime de la population",
    "superficie_km2": "Superficie (km²)",
    "nb_communes": "Nombre de communes",
    "communes_population_inconnue": "Communes sans population connue",
    "dep": "Code du département",
    "epci": "Code de l'EPCI (SIREN)",
    "reg": "Code de la région",
    "commune": "Code de la commune",
    "code_commune": "Code de la commune",
    "nom_commune": "Commune",
    "communes": "Codes des communes",
    "noms_communes": "Communes",
    # Shops (BPE)
    "distance_km": "Distance au plus proche commerce (km)",
    "plus_proche_code": "Code de la commune la plus proche qui en a",
    "plus_proche_nom": "Commune la plus proche qui en a",
    "definition": "Définition des commerces",
    "millesime_bpe": "Millésime de la BPE",
    # Priority neighbourhoods
    "code_qp": "Code du quartier",
    "generation": "Géographie prioritaire",
    "codes_qpv_2024": "Codes des QPV 2024",
    "noms_qpv_2024": "QPV 2024",
    # ESS structures
    "cle": "Identifiant dans le registre",
    "siret": "SIRET",
    "siren": "SIREN",
    "famille": "Famille",
    "sous_type": "Type",
    "categorie_juridique": "Catégorie juridique (code INSEE)",
    "forme_juridique": "Forme juridique",
    "naf": "Code NAF",
    "section_naf": "Section NAF",
    "activite": "Activité",
    "tranche_effectif": "Tranche d'effectif (code INSEE)",
    "tranche_effectif_libelle": "Tranche d'effectif salarié",
    "emplois_estimes": "Emplois (estimation)",
    "taille": "Taille",
    "lon": "Longitude",
    "lat": "Latitude",
    "precision": "Précision de la position",
    "adresse": "Adresse",
    "code_postal": "Code postal",
    "capacite": "Capacité (places)",
    "sources": "Sources",
    "millesimes": "Millésimes",
    # Opportunities
    "rang": "Rang",
    "distance_commerce_km": "Commerce le plus proche (km)",
    "commerce_proche_nom": "Commune la plus proche qui a un commerce",
    "score": "Score (habitants × km)",
    "distance_structure_km": "Structure de l'ESS la plus proche (km)",
    "structure_proche": "Structure de l'ESS la plus proche",
    "famille_proche": "Famille de la structure la plus proche",
    "perimetre": "Périmètre",
    "structures_dedans": "Structures dans le quartier",
    "structures_autour": "Structures à proximité",
    "structures_non_situees": "Structures non situées (au centre de la commune)",
    "structures_pour_1000": "Structures de l'ESS pour 1 000 habitants",
    "exemples": "Exemples",
    "population_sans_commerce": "Population sans commerce",
    "population_qpv": "Population en QPV",
    # « oui » when the population of every QPV of the territory is published.
    "population_qpv_connue": "Population de tous ses QPV connue",
    "qpv_sans_population": "QPV sans population connue",
    "population_qpv_minimum": "Population en QPV (au moins)",
    "nb_qpv": "Nombre de QPV 2024",
    "structures": "Structures de l'ESS",
    "structures_sans_effectif": "Structures sans effectif connu",
    "besoin_pour_1000": "Besoin pour 1 000 habitants",
    "besoin_minimum_pour_1000": "Besoin pour 1 000 habitants (au moins)",
    "raison_besoin_inconnu": "Pourquoi le besoin est inconnu",
    "emplois_pour_1000": "Emplois de l'ESS estimés pour 1 000 habitants",
    "situation": "Situation",
    "valeur": "Valeur",
    "classe": "Classe",
    # Funding and subsidies
    "origine": "Origine",
    "annee": "Année",
    "dispositif": "Dispositif",
    "financeur": "Financeur",
    "beneficiaire": "Bénéficiaire",
    "montant_eur": "Montant (€)",
    "comparable": "Comparable d'une année à l'autre",
    "rattachement": "Rattachement au territoire",
    "precisions": "Précisions",
    "source": "Source",
    "membres": "Membres",
    "noms": "Bénéficiaires",
    "nombre": "Nombre",
    "part_pct": "Part (%)",
}


# Units at the end of a code name, in words: what a column missing from ENTETES falls back on.
_UNITES = (
    ("_pct", " (%)"),
    ("_km2", " (km²)"),
    ("_km", " (km)"),
    ("_eur", " (€)"),
    ("_pour_1000", " pour 1 000"),
)


def entete(colonne: object) -> str:
    """The French header of a column in a downloaded file (:data:`ENTETES`).

    A column missing there reads as its name in words (« part_pct » → « Part (%) »).

    >>> entete("tranche_effectif_libelle"), entete("part_pct"), entete("Montant (€)")
    ("Tranche d'effectif salarié", 'Part (%)', 'Montant (€)')
    """
    nom = str(colonne)
    if nom in ENTETES:
        return ENTETES[nom]
    for fin, unite in _UNITES:
        if nom.endswith(fin):
            nom = nom.removesuffix(fin) + unite
            break
    return majuscule(nom.replace("_", " "))


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
