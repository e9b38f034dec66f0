"""What the loaders of ESS structure lists share: reading CSV files whatever their form.

Official lists come as ``;`` or ``,`` separated text, in UTF-8 (with or without
BOM) or Latin-1/Windows-1252, with codes that lost their leading zeros. The
loaders read them through :func:`lire_csv` (small files) or :func:`lire_csv_par_morceaux`
(national files, streamed) and return one table with the columns of
:data:`COLONNES` (``STANDARD``), so that :mod:`geo.donnees.structures` merges them.

Errors are :class:`DonneesStructuresInvalides` with a French message naming the
file, and the column or line at fault.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from geo.outils import csv_souple
from geo.outils import siret as siret_mod
from geo.outils.text import accorder
from geo.sources.lecture import defaut_csv

# One row per (source, structure) as loaders return it.
COLONNES = {
    "source": "string",
    "id_source": "string",
    "siret_brut": "string",
    "siret": "string",
    "siren": "string",
    "nom": "string",
    "famille_source": "string",
    "sous_type": "string",
    "categorie_juridique": "string",
    "forme_juridique": "string",
    "naf": "string",
    "tranche_effectif": "string",
    # Band of the whole legal unit, when a list gives only that (used for a lone establishment).
    "tranche_effectif_ul": "string",
    "commune": "string",
    "lon": "Float64",
    "lat": "Float64",
    "precision": "string",
    "adresse": "string",
    "code_postal": "string",
    "nom_commune": "string",
    "dep": "string",
    "capacite": "Int64",
    "millesime": "string",
    "ligne": "Int64",
}
PRECISION_ADRESSE = "adresse"
PRECISION_CENTROIDE = "centroïde de la commune"


class DonneesStructuresInvalides(ValueError):
    """A list of structures cannot be read; the message says why, in French."""


def _octets_debut(chemin: Path, taille: int = 1 << 20) -> bytes:
    if zipfile.is_zipfile(chemin):
        with zipfile.ZipFile(chemin) as archive:
            membre = _membre_csv(archive, chemin.name)
            with archive.open(membre) as lu:
                return lu.read(taille)
    with chemin.open("rb") as lu:
        return lu.read(taille)


def _membre_csv(archive: zipfile.ZipFile, nom: str) -> str:
    membres = [n for n in archive.namelist() if n.lower().endswith((".csv", ".txt"))]
    if not membres:
        raise DonneesStructuresInvalides(f"{nom} : l'archive ne contient aucun fichier CSV.")
    return membres[0]


def detecter_format(donnees: bytes, nom: str) -> tuple[str, str]:
    """(encoding, separator) of a CSV from its first bytes.

    >>> detecter_format("siret;nom\\n1;Été".encode("cp1252"), "x.csv")
    ('cp1252', ';')
    >>> detecter_format("\\ufeffsiret,nom\\n".encode("utf-8"), "x.csv")
    ('utf-8-sig', ',')
    """
    if not donnees.strip():
        raise DonneesStructuresInvalides(f"{nom} : fichier vide.")
    encodage, separateur, premiere = csv_souple.detecter(donnees)
    if separateur is None:
        raise DonneesStructuresInvalides(
            f"{nom} : séparateur de colonnes introuvable dans la première ligne (« {premiere[:80]} »)."
        )
    return encodage, separateur


def _ouvrir(chemin: Path):
    if zipfile.is_zipfile(chemin):
        archive = zipfile.ZipFile(chemin)
        return archive.open(_membre_csv(archive, chemin.name))
    return chemin.open("rb")


def trouver_colonnes(
    colonnes: list[str], alias: dict[str, tuple[str, ...]], requises: tuple[str, ...], nom: str
) -> dict[str, str | None]:
    """Column of each role (case and spaces ignored); French error naming what is missing."""
    normalisees = {re.sub(r"[\s_\-]", "", c.lower().lstrip("\ufeff")): c for c in colonnes}
    trouvees: dict[str, str | None] = {}
    for role, noms in alias.items():
        trouvees[role] = next(
            (normalisees[cle] for n in noms if (cle := re.sub(r"[\s_\-]", "", n.lower())) in normalisees),
            None,
        )
    manquantes = [f"{role} ({' ou '.join(alias[role])})" for role in requises if trouvees[role] is None]
    if manquantes:
        mots = accorder(len(manquantes), "colonne manquante", "colonnes manquantes", avec_nombre=False)
        raise DonneesStructuresInvalides(
            f"{nom} : {mots} : {', '.join(manquantes)}. "
            f"Colonnes trouvées : {', '.join(colonnes) or 'aucune'}."
        )
    return trouvees


def lire_csv(
    chemin: Path | str, alias: dict[str, tuple[str, ...]], requises: tuple[str, ...]
) -> pd.DataFrame:
    """A whole small CSV as text, columns renamed to their roles, plus ``ligne`` (file line number)."""
    chemin = Path(chemin)
    encodage, separateur = detecter_format(_octets_debut(chemin), chemin.name)
    with _ouvrir(chemin) as flux:
        try:
            tableau = pd.read_csv(
                io.TextIOWrapper(flux, encoding=encodage, newline=""),
                sep=separateur,
                dtype=str,
                keep_default_na=False,
            )
        except (pd.errors.ParserError, UnicodeDecodeError) as erreur:
            raise DonneesStructuresInvalides(
                f"{chemin.name} : fichier CSV mal formé, {defaut_csv(erreur)}."
            ) from erreur
    return _renommer(tableau, alias, requises, chemin.name)


def _renommer(tableau: pd.DataFrame, alias, requises, nom: str) -> pd.DataFrame:
    roles = trouver_colonnes(list(tableau.columns), alias, requises, nom)
    resultat = pd.DataFrame(index=tableau.index)
    for role, colonne in roles.items():
        resultat[role] = tableau[colonne].str.strip() if colonne else pd.Series(pd.NA, index=tableau.index)
    resultat = resultat.replace("", pd.NA).astype("string")
    # Line 1 is the header; quoted multi-line cells shift this by their extra lines.
    resultat["ligne"] = tableau.index.to_numpy() + 2
    return resultat


def lire_csv_par_morceaux(
    chemin: Path | str,
    alias: dict[str, tuple[str, ...]],
    requises: tuple[str, ...],
    taille: int = 200_000,
) -> Iterator[pd.DataFrame]:
    """Stream a large CSV (plain or zipped): only the wanted columns, ``taille`` rows at a time."""
    chemin = Path(chemin)
    encodage, separateur = detecter_format(_octets_debut(chemin), chemin.name)
    with _ouvrir(chemin) as flux:
        texte = io.TextIOWrapper(flux, encoding=encodage, errors="replace", newline="")
        entete = [
            c.strip().lstrip("\ufeff") for c in next(csv.reader([texte.readline()], delimiter=separateur))
        ]
        roles = trouver_colonnes(list(entete), alias, requises, chemin.name)
        voulues = [c for c in roles.values() if c]
        debut = 0
        try:
            for morceau in pd.read_csv(
                texte,
                sep=separateur,
                dtype=str,
                keep_default_na=False,
                header=None,
                names=entete,
                usecols=voulues,
                chunksize=taille,
            ):
                morceau.index = np.arange(debut, debut + len(morceau))
                debut += len(morceau)
                yield _renommer(morceau, {r: (c,) for r, c in roles.items() if c}, (), chemin.name).assign(
                    **{
                        r: pd.Series(pd.NA, index=morceau.index, dtype="string")
                        for r, c in roles.items()
                        if not c
                    }
                )
        except pd.errors.ParserError as erreur:
            raise DonneesStructuresInvalides(
                f"{chemin.name} : fichier CSV mal formé après la ligne {debut + 1}, {defaut_csv(erreur)}."
            ) from erreur


def code_commune(valeurs: pd.Series) -> pd.Series:
    """INSEE commune codes with their leading zero back (``1047`` → ``01047``); NA when malformed.

    >>> list(code_commune(pd.Series(["1047", "2A004", "75113", "x", None])))
    ['01047', '2A004', '75113', <NA>, <NA>]
    """
    texte = valeurs.astype("string").str.strip().str.upper().str.replace(r"\.0$", "", regex=True)
    texte = texte.where(~texte.str.fullmatch(r"\d{4}").fillna(False), "0" + texte)
    return texte.where(texte.str.fullmatch(r"\d[\dAB]\d{3}").fillna(False)).astype("string")


def code_siren(valeurs: pd.Series) -> pd.Series:
    """9-digit SIREN numbers (leading zeros back), NA when not a number."""
    return siret_mod.normaliser_serie(valeurs, 9)


def code_departement(valeurs: pd.Series) -> pd.Series:
    """Département codes: ``002`` → ``02``, ``59L`` → ``59``, ``02A`` → ``2A``, ``1`` → ``01``.

    >>> list(code_departement(pd.Series(["002", "59L", "02A", "1", "971", "75"])))
    ['02', '59', '2A', '01', '971', '75']
    """
    texte = valeurs.astype("string").str.strip().str.upper()
    texte = texte.str.replace(r"^(\d\d)[LV]$", r"\1", regex=True)  # Nord split in two by the ASP
    texte = texte.str.replace(r"^0(\d[\dAB])$", r"\1", regex=True)
    return texte.where(~texte.str.fullmatch(r"\d").fillna(False), "0" + texte).astype("string")


def code_postal(valeurs: pd.Series) -> pd.Series:
    texte = valeurs.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    return texte.where(~texte.str.fullmatch(r"\d{4}").fillna(False), "0" + texte).astype("string")


def coordonnees(
    lon: pd.Series, lat: pd.Series, lignes: pd.Series, nom: str, anomalies: list[str]
) -> tuple[pd.Series, pd.Series]:
    """Numeric lon/lat (comma decimals accepted); unreadable or out-of-range values → NA, reported."""

    def nombre(serie: pd.Series) -> pd.Series:
        return pd.to_numeric(serie.astype("string").str.replace(",", ".", regex=False), errors="coerce")

    x, y = nombre(lon), nombre(lat)
    donnees = lon.notna() | lat.notna()
    mauvaises = donnees & (x.isna() | y.isna() | ~x.between(-180, 180) | ~y.between(-90, 90))
    if mauvaises.any():
        exemples = ", ".join(str(v) for v in lignes[mauvaises].head(5))
        n = int(mauvaises.sum())
        anomalies.append(
            f"{nom} : {accorder(n, 'coordonnée illisible', 'coordonnées illisibles')} ou hors limites "
            f"({accorder(n, 'ligne', avec_nombre=False)} {exemples}{' …' if n > 5 else ''}) : "
            f"{accorder(n, 'structure placée', 'structures placées', avec_nombre=False)} par "
            f"{accorder(n, 'sa', 'leur', avec_nombre=False)} commune quand elle est connue."
        )
    x, y = x.where(~mauvaises), y.where(~mauvaises)
    return x.astype("Float64"), y.astype("Float64")


def tableau_standard(source: str, millesime: str, **colonnes) -> pd.DataFrame:
    """A loader's result with every standard column, in order and typed."""
    index = next(iter(colonnes.values())).index
    tableau = pd.DataFrame(index=index)
    for nom, type_ in COLONNES.items():
        if nom == "source":
            tableau[nom] = pd.Series(source, index=index, dtype="string")
        elif nom == "millesime":
            tableau[nom] = pd.Series(millesime, index=index, dtype="string")
        elif nom in colonnes and colonnes[nom] is not None:
            valeur = colonnes[nom]
            tableau[nom] = (
                valeur if isinstance(valeur, pd.Series) else pd.Series(valeur, index=index)
            ).astype(type_)
        else:
            tableau[nom] = pd.Series(pd.NA, index=index, dtype=type_)
    if "siret" not in colonnes:
        tableau["siret"] = siret_mod.normaliser_serie(tableau.siret_brut)
    if "siren" not in colonnes:
        tableau["siren"] = tableau.siret.str[:9]
    return tableau.reset_index(drop=True)


def vide() -> pd.DataFrame:
    return pd.DataFrame({nom: pd.Series(dtype=type_) for nom, type_ in COLONNES.items()})
