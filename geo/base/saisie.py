"""Entering records: CSV and Excel import with a template, per-row validation, export.

Five tables (sheets of the Excel template, or one CSV file each, told apart by
their columns): ``ptce``, ``projets``, ``structures``, ``emplois``,
``financements``. Rows refer to each other by name (a job names its project, a
project its PTCE), so that a file written by hand needs no ids; names are
compared without case or accents.

Every problem is reported as an :class:`Erreur` naming the sheet, the line (as
the spreadsheet numbers it: header on line 1), the column and what is wrong, in
French. An import either writes every row or nothing (one transaction), and
says how many rows it wrote, and how many it skipped when asked to skip rows
already in the store.

French ways of writing are understood: amounts such as « 1 200,50 € » (with
ordinary, non-breaking or narrow spaces), dates 01/06/2016, files in UTF-8 (with
or without BOM) or Latin-1 / Windows-1252, separated by ``;`` or ``,``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from geo.base import store
from geo.outils import csv_souple, siret
from geo.outils.text import accorder, cle_recherche, nombre_fr

# Columns per table, in template order; the starred ones are required.
COLONNES: dict[str, tuple[str, ...]] = {
    "ptce": ("nom*", "perimetre", "membres", "annee_creation", "description", "source"),
    "projets": ("nom*", "ptce", "etape", "date_debut", "date_fin", "secteur", "territoire", "source"),
    "structures": ("nom*", "siret", "forme", "commune", "ptce", "projet", "source"),
    "emplois": ("projet*", "annee", "nature*", "nombre*", "source"),
    "financements": (
        "projet",
        "ptce",
        "siret",
        "territoire",
        "financeur",
        "dispositif",
        "montant_eur",
        "annee_debut",
        "annee_fin",
        "note",
        "source",
    ),
}
# Tables are written in this order: a row may refer to rows of earlier tables.
ORDRE = ("ptce", "projets", "structures", "emplois", "financements")
AIDE_COLONNES: dict[str, str] = {
    "nom": "nom, unique (sans tenir compte des majuscules ni des accents)",
    "perimetre": "territoires séparés par des virgules : epci:SIREN, commune:INSEE, departement:CODE "
    "ou codes seuls (5 caractères : commune, 9 chiffres : EPCI, 2 ou 3 : département)",
    "membres": "membres séparés par « ; »",
    "annee_creation": "année sur 4 chiffres",
    "description": "texte libre",
    "source": "document, fichier ou « saisie » ; vide : le nom du fichier importé",
    "ptce": "nom d'un PTCE déjà saisi ou présent dans le même fichier",
    "projet": "nom d'un projet déjà saisi ou présent dans le même fichier",
    "etape": "une des six étapes : " + ", ".join(store.ETAPES_PROJET) + " (ou leur numéro 1 à 6)",
    "date_debut": "date JJ/MM/AAAA ou AAAA-MM-JJ",
    "date_fin": "date JJ/MM/AAAA ou AAAA-MM-JJ",
    "secteur": "secteur d'activité",
    "territoire": "un ou plusieurs territoires, écrits comme pour le périmètre",
    "siret": "14 chiffres (les espaces sont acceptés)",
    "forme": "forme (association, SCOP, entreprise d'insertion…)",
    "commune": "code INSEE de la commune (5 caractères)",
    "annee": "année sur 4 chiffres ; vide si inconnue",
    "nature": "insertion, encadrement ou autre",
    "nombre": "nombre entier d'emplois créés",
    "financeur": "qui finance",
    "dispositif": "programme, appel à projets ou dispositif",
    "montant_eur": "montant en euros, « 1 200,50 € » ou 1200.50 ; vide si inconnu",
    "annee_debut": "première année du financement",
    "annee_fin": "dernière année du financement",
    "note": "précision libre",
}
# How each column is headed on screen (files keep the model's column names above).
ENTETES: dict[str, str] = {
    "nom": "Nom",
    "perimetre": "Périmètre",
    "membres": "Membres",
    "annee_creation": "Année de création",
    "description": "Description",
    "source": "Source",
    "ptce": "PTCE",
    "projet": "Projet",
    "etape": "Étape",
    "date_debut": "Début",
    "date_fin": "Fin",
    "secteur": "Secteur",
    "territoire": "Territoire",
    "siret": "SIRET",
    "forme": "Forme",
    "commune": "Commune",
    "annee": "Année",
    "nature": "Nature",
    "nombre": "Nombre",
    "financeur": "Financeur",
    "dispositif": "Dispositif",
    "montant_eur": "Montant (€)",
    "annee_debut": "Première année",
    "annee_fin": "Dernière année",
    "note": "Note",
}
SYNONYMES_NATURE = {"supervision": "encadrement", "encadrant": "encadrement", "insertion": "insertion"}


def colonnes(table: str) -> list[str]:
    return [c.rstrip("*") for c in COLONNES[table]]


def requises(table: str) -> list[str]:
    return [c.rstrip("*") for c in COLONNES[table] if c.endswith("*")]


@dataclass(frozen=True)
class Erreur:
    feuille: str
    ligne: int | None
    colonne: str | None
    message: str

    def __str__(self) -> str:
        lieu = [f"« {self.feuille} »"] if self.feuille else []
        if self.ligne is not None:
            lieu.append(f"ligne {self.ligne}")
        if self.colonne:
            lieu.append(f"colonne « {self.colonne} »")
        return (", ".join(lieu) + " : " if lieu else "") + self.message


class ImportRefuse(ValueError):
    """The file has errors: nothing was written. ``erreurs`` lists them all."""

    def __init__(self, erreurs: list[Erreur]) -> None:
        self.erreurs = erreurs
        super().__init__(
            f"Import refusé, rien n'a été enregistré : {accorder(len(erreurs), 'erreur')}. "
            + " ; ".join(str(e) for e in erreurs[:5])
            + (" …" if len(erreurs) > 5 else "")
        )


@dataclass
class RapportImport:
    ecrites: dict[str, int] = field(default_factory=dict)
    ignorees: dict[str, int] = field(default_factory=dict)
    remarques: list[str] = field(default_factory=list)
    # The journal's lot of this import (geo.base.journal): how an administrator undoes it.
    lot: str | None = None

    @property
    def total(self) -> int:
        return sum(self.ecrites.values())

    def resume(self) -> str:
        morceaux = [f"{t} {n}" for t, n in self.ecrites.items() if n]
        texte = "Import réussi, lignes enregistrées : " + (", ".join(morceaux) or "aucune") + "."
        deja = [f"{t} {n}" for t, n in self.ignorees.items() if n]
        if deja:
            texte += " Lignes déjà présentes, non réécrites : " + ", ".join(deja) + "."
        return texte


# Reading files ----------------------------------------------------------------


# What one import may hold: a spreadsheet of a PTCE's records is far below these, and a
# file beyond them (or a small zip that expands to hundreds of MB) is refused before it is
# read into memory. Streamlit's own upload limit (.streamlit/config.toml) says the same.
TAILLE_MAXIMALE_FICHIER = 10 * 1024 * 1024
TAILLE_MAXIMALE_DECOMPRESSEE = 50 * 1024 * 1024
LIGNES_MAXIMALES = 100_000
LIMITES = (
    f"{nombre_fr(LIGNES_MAXIMALES)} lignes au plus par import ; fichier de 10 Mo au plus, 50 Mo une fois "
    "décompressé (archive .zip de fichiers CSV ou classeur .xlsx) : compressez un gros fichier CSV en .zip."
)

LIBELLES_ENCODAGES = {
    "utf-8-sig": "UTF-8 avec BOM",
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252 (Latin-1)",
    "latin-1": "Latin-1",
    "utf-16": "UTF-16 (Texte Unicode)",
    "utf-16-le": "UTF-16 LE sans BOM",
    "utf-16-be": "UTF-16 BE sans BOM",
}


def _encodage_utf16(contenu: bytes) -> str | None:
    """``utf-16`` (with a BOM), ``utf-16-le`` / ``utf-16-be`` (ASCII-looking text with every
    other byte zero), else None. Excel's « Texte Unicode » is UTF-16 LE with a BOM."""
    if contenu[:2] in {b"\xff\xfe", b"\xfe\xff"}:
        return "utf-16"
    debut = contenu[:2000]
    if len(debut) >= 4 and b"\x00" in debut:
        pairs, impairs = debut[0::2], debut[1::2]
        if impairs.count(0) > 0.9 * len(impairs) and pairs.count(0) < 0.1 * len(pairs):
            return "utf-16-le"
        if pairs.count(0) > 0.9 * len(pairs) and impairs.count(0) < 0.1 * len(impairs):
            return "utf-16-be"
    return None


def _decoder(contenu: bytes, nom_fichier: str = "") -> tuple[str, str, str]:
    """Text, the encoding it was read with (in words) and its separator."""
    utf16 = _encodage_utf16(contenu)
    if utf16 is not None:
        try:
            texte = contenu.decode(utf16).lstrip("\ufeff")
        except UnicodeDecodeError as erreur:
            raise ImportRefuse(
                [
                    Erreur(
                        nom_fichier,
                        None,
                        None,
                        f"fichier en {LIBELLES_ENCODAGES[utf16]} illisible (caractère invalide à l'octet "
                        f"{erreur.start}) : enregistrez-le en CSV UTF-8.",
                    )
                ]
            ) from erreur
        premiere = texte.splitlines()[0] if texte.strip() else ""
        return texte, LIBELLES_ENCODAGES[utf16], csv_souple.separateur(premiere) or ";"
    encodage, separateur, _premiere = csv_souple.detecter(contenu)
    return contenu.decode(encodage), LIBELLES_ENCODAGES[encodage], separateur or ";"


def _trop_grand(nom_fichier: str, quoi: str) -> ImportRefuse:
    return ImportRefuse([Erreur(nom_fichier, None, None, f"{quoi} ; limites : {LIMITES}")])


def _verifier_archive(archive: zipfile.ZipFile, nom_fichier: str) -> None:
    """Refuse an archive whose members would expand beyond the limit (a zip bomb)."""
    total = sum(info.file_size for info in archive.infolist())
    if total > TAILLE_MAXIMALE_DECOMPRESSEE:
        raise _trop_grand(nom_fichier, f"l'archive se décompresse en {total // (1024 * 1024)} Mo, c'est trop")


def _lire_membre(archive: zipfile.ZipFile, nom: str, nom_fichier: str) -> bytes:
    # The sizes in a zip's directory may lie: never read more than the limit.
    with archive.open(nom) as flux:
        donnees = flux.read(TAILLE_MAXIMALE_DECOMPRESSEE + 1)
    if len(donnees) > TAILLE_MAXIMALE_DECOMPRESSEE:
        raise _trop_grand(nom_fichier, f"« {nom} » se décompresse au-delà de 50 Mo")
    return donnees


def _normaliser_entete(nom: object) -> str:
    return cle_recherche(str(nom)).replace(" ", "_").rstrip("*")


def _table_des_colonnes(noms: list[str], indice: str = "") -> str | None:
    """Which table a header belongs to: required columns present, most columns in common."""
    candidates = []
    for table in ORDRE:
        attendues = set(colonnes(table))
        if set(requises(table)) <= set(noms) and (requises(table) or len(attendues & set(noms)) >= 3):
            candidates.append((len(attendues & set(noms)) - len(set(noms) - attendues), table))
    if not candidates:
        return None
    candidates.sort(reverse=True)
    for _, table in candidates:
        if table in cle_recherche(indice):
            return table
    return candidates[0][1]


def _membres_csv(contenu: bytes, nom_fichier: str = "") -> dict[str, bytes] | None:
    """The CSV files of a zip archive (None when it is not a zip of CSV files, e.g. a workbook)."""
    try:
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            noms = [n for n in archive.namelist() if n.lower().endswith(".csv") and not n.endswith("/")]
            if not noms or "[Content_Types].xml" in archive.namelist():
                return None
            _verifier_archive(archive, nom_fichier)
            membres, total = {}, 0
            for n in noms:
                membres[Path(n).name] = donnees = _lire_membre(archive, n, nom_fichier)
                total += len(donnees)
                if total > TAILLE_MAXIMALE_DECOMPRESSEE:
                    raise _trop_grand(nom_fichier, "l'archive se décompresse au-delà de 50 Mo")
            return membres
    except zipfile.BadZipFile:
        return None


_NOMS_SEPARATEURS = {";": "« ; »", ",": "« , »", "\t": "tabulation", "|": "« | »"}
# The two halves of a French decimal number cut by a comma separator: « 1 200 » and « 50 € ».
_PARTIE_ENTIERE = re.compile(r"-?\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|-?\d+")
_PARTIE_DECIMALE = re.compile(r"\d+(?:\s*€)?")


def _virgules_decimales(champs: list[str], entete: list[str]) -> list[tuple[str, str]] | None:
    """The (column, number) of each decimal comma that split a number in two, in a comma-separated
    line with too many fields; None when rejoining such numbers does not give the header's count."""
    morceaux = [(champ, False) for champ in champs]
    while len(morceaux) > len(entete):
        candidats = [
            i
            for i in range(len(morceaux) - 1)
            if not morceaux[i][1]
            and _PARTIE_ENTIERE.fullmatch(morceaux[i][0].strip())
            and _PARTIE_DECIMALE.fullmatch(morceaux[i + 1][0].strip())
        ]
        if not candidats:
            return None

        def rang(i: int) -> tuple[bool, bool, int]:
            # An amount column first, then cents (two digits), then the leftmost.
            nom = _normaliser_entete(entete[i]) if i < len(entete) else ""
            centimes = len(morceaux[i + 1][0].strip().rstrip("€").strip()) == 2
            return ("montant" not in nom, not centimes, i)

        i = min(candidats, key=rang)
        morceaux[i : i + 2] = [(f"{morceaux[i][0].strip()},{morceaux[i + 1][0].strip()}", True)]
    return [(entete[i], texte) for i, (texte, recolle) in enumerate(morceaux) if recolle]


def _lire_csv(contenu: bytes, nom_fichier: str) -> tuple[pd.DataFrame, str]:
    texte, encodage, separateur = _decoder(contenu, nom_fichier)
    # Read with the csv module rather than pandas: a row with more fields than the header
    # would otherwise silently become the index and shift every value one column.
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=separateur)
    try:
        lignes = list(lecteur)
    except csv.Error as erreur:
        raise ImportRefuse(
            [
                Erreur(
                    nom_fichier,
                    lecteur.line_num,
                    None,
                    "fichier CSV illisible à cette ligne (guillemet non fermé ou texte de plus de 128 000 "
                    "caractères).",
                )
            ]
        ) from erreur
    if not lignes or not any(c.strip() for c in lignes[0]):
        raise ImportRefuse([Erreur(nom_fichier, 1, None, "fichier CSV vide : la ligne d'en-tête manque.")])
    entete = [c.strip() for c in lignes[0]]
    while entete and not entete[-1]:
        entete.pop()
    vus: dict[str, int] = {}
    for i, nom in enumerate(entete):
        if nom in vus:
            raise ImportRefuse(
                [Erreur(nom_fichier, 1, nom, f"la colonne « {nom} » apparaît deux fois dans l'en-tête.")]
            )
        vus[nom] = i
    erreurs, donnees = [], []
    for numero, champs in enumerate(lignes[1:], start=2):
        # Blank lines are kept so that line numbers in messages match the file; empty rows
        # are skipped when the rows are checked. Trailing empty fields (« a;b;; ») are harmless.
        while len(champs) > len(entete) and not champs[-1].strip():
            champs = champs[:-1]
        coupes = (
            _virgules_decimales(champs, entete) if separateur == "," and len(champs) > len(entete) else None
        )
        if coupes:
            erreurs.extend(
                Erreur(
                    nom_fichier,
                    numero,
                    colonne,
                    f"« {nombre} » coupé en deux par la virgule, qui sépare aussi les colonnes : mettez ce "
                    "nombre entre guillemets ou enregistrez le fichier avec le séparateur « ; » ; rien "
                    "n'est décalé, la ligne est refusée.",
                )
                for colonne, nombre in coupes
            )
            continue
        if len(champs) > len(entete):
            erreurs.append(
                Erreur(
                    nom_fichier,
                    numero,
                    None,
                    f"{len(champs)} valeurs pour {len(entete)} colonnes : un séparateur "
                    f"{_NOMS_SEPARATEURS.get(separateur, separateur)} de trop (mettez entre guillemets un "
                    "texte qui en contient) ; rien n'est décalé, la ligne est refusée.",
                )
            )
            continue
        donnees.append(champs + [""] * (len(entete) - len(champs)))
        if len(donnees) > LIGNES_MAXIMALES:
            raise _trop_grand(nom_fichier, f"plus de {nombre_fr(LIGNES_MAXIMALES)} lignes")
    if erreurs:
        raise ImportRefuse(erreurs)
    table = pd.DataFrame(donnees, columns=entete, dtype=object) if donnees else pd.DataFrame(columns=entete)
    nom_separateur = _NOMS_SEPARATEURS.get(separateur, f"« {separateur} »")
    return table, f"fichier CSV lu en {encodage}, séparateur {nom_separateur}."


def _formules_sans_valeur(contenu: bytes) -> list[Erreur]:
    """Cells holding a formula whose result was never saved (a workbook written by a program,
    never opened in a spreadsheet): read as empty, they would lose an amount without a word."""
    import openpyxl

    formules = openpyxl.load_workbook(io.BytesIO(contenu), read_only=True, data_only=False)
    valeurs = openpyxl.load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
    erreurs = []
    try:
        for feuille in formules.worksheets:
            if cle_recherche(feuille.title) in {"lisez moi", "aide"}:
                continue
            entete: list[object] = []
            lignes_valeurs = valeurs[feuille.title].iter_rows(values_only=True)
            for numero, (ligne, ligne_valeurs) in enumerate(
                zip(feuille.iter_rows(values_only=True), lignes_valeurs, strict=False), start=1
            ):
                if numero == 1:
                    entete = list(ligne)
                    continue
                for indice, (cellule, valeur) in enumerate(zip(ligne, ligne_valeurs, strict=False)):
                    if isinstance(cellule, str) and cellule.startswith("=") and valeur is None:
                        colonne = entete[indice] if indice < len(entete) and entete[indice] else None
                        erreurs.append(
                            Erreur(
                                feuille.title,
                                numero,
                                str(colonne) if colonne else openpyxl.utils.get_column_letter(indice + 1),
                                f"formule {cellule[:60]} sans résultat enregistré : ouvrez le classeur dans "
                                "un tableur et enregistrez-le, ou écrivez la valeur.",
                            )
                        )
    finally:
        formules.close()
        valeurs.close()
    return erreurs


def lire(contenu: bytes, nom_fichier: str) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Sheets of an Excel workbook, one CSV file or a zip of CSV files, as text cells; remarks.

    Raises :class:`ImportRefuse` when the file cannot be read or a sheet is not recognised.
    """
    remarques: list[str] = []
    feuilles: dict[str, pd.DataFrame] = {}
    suffixe = Path(nom_fichier).suffix.lower()
    if len(contenu) > TAILLE_MAXIMALE_FICHIER:
        raise _trop_grand(nom_fichier, f"fichier de {len(contenu) / 1024 / 1024:.1f} Mo, c'est trop")
    membres_csv = _membres_csv(contenu, nom_fichier) if contenu[:2] == b"PK" else None
    if membres_csv:
        # The CSV export (one file per table, zipped) comes back whole, in one transaction.
        for membre, donnees in membres_csv.items():
            table, remarque = _lire_csv(donnees, membre)
            feuilles[Path(membre).stem] = table
            remarques.append(f"{membre} : {remarque}")
    elif suffixe in {".xlsx", ".xlsm"} or contenu[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
                _verifier_archive(archive, nom_fichier)
            brutes = pd.read_excel(io.BytesIO(contenu), sheet_name=None, dtype=object, engine="openpyxl")
            sans_valeur = _formules_sans_valeur(contenu)
        except (ValueError, OSError, zipfile.BadZipFile, KeyError) as erreur:
            raise ImportRefuse(
                [
                    Erreur(
                        nom_fichier,
                        None,
                        None,
                        "classeur Excel illisible : ce n'est pas un fichier .xlsx valide (ni une archive "
                        "de fichiers CSV).",
                    )
                ]
            ) from erreur
        if sans_valeur:
            raise ImportRefuse(sans_valeur)
        for nom_feuille, table in brutes.items():
            if cle_recherche(str(nom_feuille)) in {"lisez moi", "aide"}:
                continue
            if len(table) > LIGNES_MAXIMALES:
                raise _trop_grand(
                    nom_fichier,
                    f"la feuille « {nom_feuille} » a plus de {nombre_fr(LIGNES_MAXIMALES)} lignes",
                )
            feuilles[str(nom_feuille)] = table
        remarques.append(f"Classeur Excel : {accorder(len(feuilles), 'feuille lue', 'feuilles lues')}.")
    elif suffixe in {".csv", ".txt", ""}:
        table, remarque = _lire_csv(contenu, nom_fichier)
        feuilles[Path(nom_fichier).stem] = table
        remarques.append(remarque)
    else:
        raise ImportRefuse(
            [
                Erreur(
                    nom_fichier,
                    None,
                    None,
                    "format non pris en charge : fournissez un fichier .csv, .xlsx ou une archive .zip "
                    "de fichiers CSV.",
                )
            ]
        )

    reconnues: dict[str, pd.DataFrame] = {}
    erreurs: list[Erreur] = []
    for nom_feuille, table in feuilles.items():
        table = table.rename(columns=_normaliser_entete)
        table = table.loc[:, [c for c in table.columns if not str(c).startswith("unnamed")]]
        if table.dropna(how="all").empty and not len(table.columns):
            continue
        nom_table = _normaliser_entete(nom_feuille)
        if nom_table not in COLONNES:
            nom_table = _table_des_colonnes(list(table.columns), nom_feuille)
        if nom_table is None:
            erreurs.append(
                Erreur(
                    nom_feuille,
                    1,
                    None,
                    "feuille non reconnue : ses colonnes ("
                    + ", ".join(map(str, table.columns))
                    + ") ne correspondent à aucune table du modèle ("
                    + ", ".join(ORDRE)
                    + ").",
                )
            )
            continue
        if nom_table in reconnues:
            erreurs.append(Erreur(nom_feuille, None, None, f"la table « {nom_table} » apparaît deux fois."))
            continue
        inconnues = [c for c in table.columns if c not in colonnes(nom_table)]
        if inconnues:
            erreurs.append(
                Erreur(
                    nom_feuille,
                    1,
                    ", ".join(map(str, inconnues)),
                    accorder(len(inconnues), "colonne inconnue", "colonnes inconnues", avec_nombre=False)
                    + " pour la table « "
                    + nom_table
                    + " » ; colonnes attendues : "
                    + ", ".join(colonnes(nom_table))
                    + ".",
                )
            )
        manquantes = [c for c in requises(nom_table) if c not in table.columns]
        if manquantes:
            erreurs.append(
                Erreur(
                    nom_feuille,
                    1,
                    ", ".join(manquantes),
                    accorder(
                        len(manquantes),
                        "colonne obligatoire absente",
                        "colonnes obligatoires absentes",
                        avec_nombre=False,
                    )
                    + ".",
                )
            )
        reconnues[nom_table] = table.reindex(columns=colonnes(nom_table))
    if erreurs:
        raise ImportRefuse(erreurs)
    if not reconnues:
        raise ImportRefuse([Erreur(nom_fichier, None, None, "le fichier ne contient aucune table.")])
    if sum(len(t) for t in reconnues.values()) > LIGNES_MAXIMALES:
        raise _trop_grand(nom_fichier, f"plus de {nombre_fr(LIGNES_MAXIMALES)} lignes en tout")
    return reconnues, remarques


# Cell parsers: each returns the value or raises ValueError with a French message.


def _vide(valeur: object) -> bool:
    if valeur is None:
        return True
    if isinstance(valeur, float) and valeur != valeur:
        return True
    return isinstance(valeur, str) and not valeur.strip()


_ESPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")


MONTANT_MAXIMUM = Decimal(10) ** 12
# Longest text the store accepts per column (its String(n) types): checked here, so that
# PostgreSQL never refuses a row with a raw error after validation.
LONGUEURS_MAXIMALES = {
    "nom": 200,
    "ptce": 200,
    "projet": 200,
    "secteur": 200,
    "forme": 200,
    "financeur": 300,
    "dispositif": 300,
}


def montant_fr(valeur: object) -> Decimal | None:
    """An amount in euros written the French way (or a number from Excel).

    >>> montant_fr("1 200,50 €")
    Decimal('1200.50')
    >>> montant_fr("120\\u202f000")
    Decimal('120000')
    >>> montant_fr("1.234.567,8")
    Decimal('1234567.8')
    >>> montant_fr(2500.0)
    Decimal('2500.0')
    """
    if _vide(valeur):
        return None
    if isinstance(valeur, int | float | Decimal) and not isinstance(valeur, bool):
        nombre = Decimal(str(valeur))
        if not nombre.is_finite():
            raise ValueError(f"« {valeur} » n'est pas un montant (nombre infini ou indéfini).")
    else:
        texte = str(valeur).strip()
        texte = re.sub(r"(?i)\s*(€|eur|euros?)\s*$", "", texte)
        texte = _ESPACES.sub("", texte)
        if not re.fullmatch(r"-?[\d.,]+", texte or "x"):
            raise ValueError(f"« {valeur} » n'est pas un montant (exemple : 1 200,50 €).")
        virgules, points = texte.count(","), texte.count(".")
        if virgules and points:
            decimal = "," if texte.rfind(",") > texte.rfind(".") else "."
            milliers = "." if decimal == "," else ","
            texte = texte.replace(milliers, "").replace(decimal, ".")
        elif virgules > 1:
            texte = texte.replace(",", "")
        elif virgules == 1:
            texte = texte.replace(",", ".")
        elif points > 1:
            texte = texte.replace(".", "")
        elif points == 1 and re.fullmatch(r"-?\d{1,3}\.\d{3}", texte):
            raise ValueError(
                f"« {valeur} » est ambigu (mille deux cents ou un virgule deux ?) : écrivez 1 200 ou 1,2."
            )
        try:
            nombre = Decimal(texte)
        except InvalidOperation as erreur:
            raise ValueError(f"« {valeur} » n'est pas un montant (exemple : 1 200,50 €).") from erreur
    if nombre < 0:
        raise ValueError(f"montant négatif ({valeur}).")
    # The store keeps 12 digits before the decimal point (Numeric(14, 2)).
    if nombre >= MONTANT_MAXIMUM:
        raise ValueError(f"montant trop grand ({valeur}) : moins de 1 000 milliards d'euros attendus.")
    return nombre


def _entier(valeur: object, minimum: int | None = None, maximum: int | None = None) -> int | None:
    if _vide(valeur):
        return None
    texte = _ESPACES.sub("", str(valeur)).replace(",", ".")
    # Digits and an optional « .0 » (a whole number read by Excel): no exponent, no « inf » or
    # « nan », which float() would take.
    if not re.fullmatch(r"-?[0-9]+(\.0*)?", texte, flags=re.ASCII):
        raise ValueError(f"« {valeur} » n'est pas un nombre entier.")
    nombre = int(texte.split(".")[0])
    if minimum is not None and nombre < minimum:
        raise ValueError(f"{nombre} est inférieur au minimum permis ({minimum}).")
    if maximum is not None and nombre > maximum:
        raise ValueError(f"{nombre} est supérieur au maximum permis ({maximum}).")
    return nombre


ANNEE_MINIMUM, ANNEE_MAXIMUM = 1900, 2100
NOMBRE_EMPLOIS_MAXIMUM = 10_000


def _annee(valeur: object) -> int | None:
    try:
        return _entier(valeur, ANNEE_MINIMUM, ANNEE_MAXIMUM)
    except ValueError as erreur:
        raise ValueError(f"année invalide : {erreur} Écrivez l'année sur 4 chiffres (ex. 2021).") from erreur


def _date(valeur: object) -> dt.date | None:
    date = _date_sans_bornes(valeur)
    # The same bounds as years: a date in 1800 or 3000 is a typing slip.
    if date is not None and not ANNEE_MINIMUM <= date.year <= ANNEE_MAXIMUM:
        raise ValueError(
            f"date « {valeur} » hors des années permises ({ANNEE_MINIMUM} à {ANNEE_MAXIMUM}) : "
            "vérifiez l'année."
        )
    return date


def _date_sans_bornes(valeur: object) -> dt.date | None:
    if _vide(valeur):
        return None
    if isinstance(valeur, dt.datetime):
        return valeur.date()
    if isinstance(valeur, dt.date):
        return valeur
    texte = str(valeur).strip()
    for format_date in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(texte, format_date).date()
        except ValueError:
            continue
    raise ValueError(f"« {valeur} » n'est pas une date (JJ/MM/AAAA, ex. 01/06/2016).")


def _etape(valeur: object) -> str | None:
    if _vide(valeur):
        return None
    texte = cle_recherche(str(valeur))
    par_cle = {cle_recherche(e): e for e in store.ETAPES_PROJET}
    if texte in par_cle:
        return par_cle[texte]
    if texte.isdigit() and 1 <= int(texte) <= len(store.ETAPES_PROJET):
        return store.ETAPES_PROJET[int(texte) - 1]
    raise ValueError(f"étape « {valeur} » inconnue ; étapes permises : {', '.join(store.ETAPES_PROJET)}.")


def _nature(valeur: object) -> str:
    texte = cle_recherche(str(valeur))
    texte = SYNONYMES_NATURE.get(texte, texte)
    if texte not in store.NATURES_EMPLOI:
        raise ValueError(f"nature « {valeur} » inconnue ; natures permises : insertion, encadrement, autre.")
    return texte


def lire_siret(valeur: object) -> str | None:
    """A SIRET cell, normalised to its 14 digits; ``ValueError`` (in French) when it is not one.

    The check is :func:`geo.outils.siret.siret_valide` (Luhn, La Poste's own rule); empty is ``None``.

    >>> lire_siret("732 829 320 00074")
    '73282932000074'
    """
    if _vide(valeur):
        return None
    texte = _ESPACES.sub("", str(valeur))
    if texte.endswith(".0"):  # a number read by Excel
        texte = texte[:-2]
    if not re.fullmatch(r"\d{14}", texte):
        raise ValueError(f"« {valeur} » n'est pas un SIRET (14 chiffres).")
    # The same rule as the structures register (SIREN and SIRET keys, La Poste's exception).
    if not siret.siret_valide(texte):
        raise ValueError(f"SIRET « {valeur} » invalide (clé de contrôle fausse) : vérifiez les chiffres.")
    return texte


def territoires(valeur: object, connu: Callable[[str], bool] | None = None) -> str | None:
    """Comma-separated territory ids, from ids or bare codes.

    >>> territoires("200042190, 02722 ; departement:26")
    'epci:200042190,commune:02722,departement:26'
    """
    if _vide(valeur):
        return None
    ids = []
    # An Excel cell holding a SIREN or a commune code may come as a number.
    for morceau in re.split(r"[,;\n]+", _texte(valeur) or ""):
        morceau = morceau.strip()
        if not morceau:
            continue
        if ":" in morceau:
            niveau, code = (p.strip() for p in morceau.split(":", 1))
            niveau = cle_recherche(niveau)
        elif re.fullmatch(r"\d{9}", morceau):
            niveau, code = "epci", morceau
        elif re.fullmatch(r"(\d[\dAB]\d{3}|\d{4})", morceau, flags=re.IGNORECASE):
            niveau, code = "commune", morceau.upper().zfill(5)
        elif re.fullmatch(r"(\d{1,2}|2[AB]|97\d)", morceau, flags=re.IGNORECASE):
            niveau, code = "departement", morceau.upper().zfill(2)
        else:
            raise ValueError(
                f"territoire « {morceau} » non reconnu (ex. epci:200042190, commune:02722, departement:26)."
            )
        if niveau not in {"commune", "epci", "departement", "region"}:
            raise ValueError(
                f"niveau de territoire « {niveau} » inconnu (commune, epci, departement, region)."
            )
        identifiant = f"{niveau}:{code}"
        if connu is not None and not connu(identifiant):
            raise ValueError(f"territoire « {identifiant} » inconnu du référentiel des territoires.")
        ids.append(identifiant)
    return ",".join(ids) or None


def _texte(valeur: object) -> str | None:
    if _vide(valeur):
        return None
    if isinstance(valeur, float) and valeur.is_integer():
        valeur = int(valeur)
    return str(valeur).strip()


# Cells before parsing ---------------------------------------------------------------

# Control characters break the Excel export (openpyxl refuses them) and every page that
# shows the name; bidirectional overrides make a name read differently from what it is.
_CONTROLES_INTERDITS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_SAUTS_DE_LIGNE = re.compile(r"[\t\n\r\u2028\u2029]")
# Free texts may hold line breaks (Alt+Entrée in Excel); names and codes may not.
COLONNES_MULTILIGNES = {"description", "membres", "note", "source"}
# Codes, numbers and dates: full-width (« １２３ ») or other scripts' digits are read as ASCII
# digits, so that a SIRET cannot be entered twice under two spellings.
COLONNES_CODES = {
    "siret",
    "commune",
    "perimetre",
    "territoire",
    "annee",
    "annee_creation",
    "annee_debut",
    "annee_fin",
    "nombre",
    "montant_eur",
    "date_debut",
    "date_fin",
    "etape",
}
# A cell that a spreadsheet would take for a formula is exported behind an apostrophe
# (geo.outils.formats.neutraliser_formules); the apostrophe is dropped when the file comes back.
_APOSTROPHE_PROTECTRICE = re.compile(r"^'(?=[=+\-@\t\r])")


def chiffres_ascii(texte: str) -> str:
    """Compatibility forms folded (NFKC) and every decimal digit written in ASCII.

    >>> chiffres_ascii("７３２ ８２９ ３２０ ０００７４"), chiffres_ascii("٢٠٢١")
    ('732 829 320 00074', '2021')
    """
    texte = unicodedata.normalize("NFKC", texte)
    return "".join(str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in texte)


# A decimal digit other than 0-9 (Unicode's « Nd » category, as str.isdecimal).
_CHIFFRE_NON_ASCII = re.compile(r"(?![0-9])\d")


def _chiffres_ascii_deja(texte: str) -> bool:
    """Whether :func:`chiffres_ascii` leaves ``texte`` as it is (a « € » does not count)."""
    return texte.isascii() or (
        unicodedata.is_normalized("NFKC", texte) and not _CHIFFRE_NON_ASCII.search(texte)
    )


def _colonnes_a_normaliser(cadre: pd.DataFrame) -> list[str]:
    """The columns where :func:`_normaliser_ligne` may change or refuse a cell; every other
    column is left as it is, without a look at each of its cells.

    A whole column is searched at once, its texts joined: a cell that would be changed or
    refused makes its column listed (a separator may only add a column, never hide one).
    """
    a_normaliser = []
    for colonne in cadre.columns:
        textes = cadre[colonne].tolist()
        if not all(isinstance(v, str) for v in textes):  # numbers and dates of a workbook, gaps
            textes = [v for v in textes if isinstance(v, str)]
        if not textes:
            continue
        lignes = "\n".join(textes)  # « \n » is not refused by _CONTROLES_INTERDITS
        cellules = "\x00".join(textes)  # « \x00 » is neither a line break nor an apostrophe
        if (
            _CONTROLES_INTERDITS.search(lignes)
            or re.search(r"(?:^|\x00)'", cellules)
            or (colonne not in COLONNES_MULTILIGNES and _SAUTS_DE_LIGNE.search(cellules))
            or (colonne in COLONNES_CODES and not _chiffres_ascii_deja(cellules))
        ):
            a_normaliser.append(colonne)
    return a_normaliser


def _normaliser_ligne(
    ligne: dict, feuille: str, numero: int, colonnes: list[str] | None = None
) -> tuple[dict, list[Erreur]]:
    """The row's cells as they will be parsed, and the characters refused in them (in
    ``colonnes`` only, when given: the others need nothing)."""
    ligne = dict(ligne)
    problemes = []
    for colonne, valeur in ligne.items():
        if not isinstance(valeur, str) or (colonnes is not None and colonne not in colonnes):
            continue
        valeur = _APOSTROPHE_PROTECTRICE.sub("", valeur)
        interdit = _CONTROLES_INTERDITS.search(valeur) or (
            None if colonne in COLONNES_MULTILIGNES else _SAUTS_DE_LIGNE.search(valeur.strip())
        )
        if interdit:
            caractere = interdit.group(0)
            quoi = (
                "saut de ligne ou tabulation" if _SAUTS_DE_LIGNE.match(caractere) else "caractère de contrôle"
            )
            problemes.append(
                Erreur(
                    feuille,
                    numero,
                    str(colonne),
                    f"{quoi} interdit (U+{ord(caractere):04X}, position {interdit.start() + 1}) : "
                    "retirez-le.",
                )
            )
        if colonne in COLONNES_CODES:
            valeur = chiffres_ascii(valeur)
        ligne[colonne] = valeur
    return ligne, problemes


# Validation and writing -----------------------------------------------------------


@dataclass
class _Index:
    """Names already in the store or earlier in the file, by search key."""

    ptce: dict[str, object] = field(default_factory=dict)
    projets: dict[str, object] = field(default_factory=dict)
    structures: dict[str, object] = field(default_factory=dict)
    sirets: dict[str, object] = field(default_factory=dict)
    emplois: set = field(default_factory=set)
    financements: set = field(default_factory=set)


# The names of an import repeat (a funder on every line): their search keys are kept, up to a
# bound that holds memory to a few MB.
_cle = functools.lru_cache(maxsize=16_384)(cle_recherche)


def _cle_financement(projet, ptce, siret, territoire, financeur, dispositif, debut, fin, montant) -> tuple:
    """The duplicate key of a funding line, for a stored line and a row of the file alike.

    ``projet`` and ``ptce`` are what identifies them where the key is used (the store's ids,
    or the objects of this import); names compare as search keys, amounts by their value.
    """
    return (
        projet,
        ptce,
        siret,
        territoire,
        _cle(financeur or ""),
        _cle(dispositif or ""),
        debut,
        fin,
        None if montant is None else Decimal(montant).normalize(),
    )


def _index_existant(session) -> _Index:
    index = _Index()
    for p in session.scalars(select(store.PTCE)):
        index.ptce[cle_recherche(p.nom)] = p
    for p in session.scalars(select(store.Projet)):
        index.projets[cle_recherche(p.nom)] = p
    # Structures, jobs and funding lines are only looked up, never referred to: their columns
    # are enough, without an ORM object for each of tens of thousands of stored rows.
    for nom, numero_siret in session.execute(select(store.Structure.nom, store.Structure.siret)):
        index.structures[cle_recherche(nom)] = nom
        if numero_siret:
            index.sirets[numero_siret] = nom
    for e in session.execute(select(store.Emploi.projet_id, store.Emploi.annee, store.Emploi.nature)):
        index.emplois.add((e.projet_id, e.annee, e.nature))
    colonnes_financement = [c for c in store.Financement.__table__.columns if c.key != "id"]
    for f in session.execute(select(*colonnes_financement)):
        index.financements.add(
            _cle_financement(
                f.projet_id,
                f.ptce_id,
                f.siret,
                f.territoire,
                f.financeur,
                f.dispositif,
                f.annee_debut,
                f.annee_fin,
                f.montant_eur,
            )
        )
    return index


@dataclass
class _Ligne:
    """A row being read: its cells, where it is in the file, and the problems found so far."""

    feuille: str
    numero: int
    # Plain dicts, not pandas rows: an import of 100 000 lines spent most of its time in pandas.
    cellules: dict
    index: _Index
    connu: Callable[[str], bool] | None
    problemes: list[Erreur] = field(default_factory=list)
    # (column, cell) → (value, refusal) of the cells of this sheet already parsed: years,
    # funders, territories repeat from row to row, and each parser depends on the cell alone.
    analyses: dict = field(default_factory=dict)

    def texte(self, colonne: str) -> str | None:
        return _texte(self.cellules.get(colonne))

    def erreur(self, colonne: str | None, message: str) -> None:
        self.problemes.append(Erreur(self.feuille, self.numero, colonne, message))

    def lire(self, colonne: str, analyse: Callable):
        """The cell parsed by ``analyse``; its ``ValueError`` becomes the row's problem."""
        cellule = self.cellules.get(colonne)
        # The type is part of the key: 1, 1.0 and True are equal keys of a dict.
        cle = (colonne, type(cellule), cellule)
        try:
            valeur, refus = self.analyses[cle]
        except (KeyError, TypeError):  # not parsed yet, or not hashable
            try:
                valeur, refus = analyse(cellule), None
            except ValueError as erreur:
                valeur, refus = None, str(erreur)
            with contextlib.suppress(TypeError):
                self.analyses[cle] = valeur, refus
        if refus is not None:
            self.erreur(colonne, refus)
        return valeur

    def obligatoire(self, colonne: str, valeur) -> None:
        if valeur is None:
            self.erreur(colonne, "valeur obligatoire manquante.")

    def territoires(self, colonne: str):
        return self.lire(colonne, lambda v: territoires(v, self.connu))

    def reference(self, colonne: str, valeurs: dict, quoi: str):
        """The PTCE or project the cell names, entered before (in the store or above in the file)."""
        nom = self.texte(colonne)
        if nom is None:
            return None
        objet = valeurs.get(_cle(nom))
        if objet is None:
            self.erreur(colonne, f"{quoi} « {nom} » inconnu : saisissez-le d'abord.")
        return objet


# Per table: from a row, the class of the record, its values and its duplicate key.


def _lire_ptce(ligne: _Ligne, source: str) -> tuple[type, dict, object]:
    nom = ligne.texte("nom")
    ligne.obligatoire("nom", nom)
    valeurs = {
        "nom": nom,
        "perimetre": ligne.territoires("perimetre"),
        "membres": ligne.texte("membres"),
        "annee_creation": ligne.lire("annee_creation", _annee),
        "description": ligne.texte("description"),
        "source": source,
    }
    return store.PTCE, valeurs, _cle(nom or "")


def _lire_projet(ligne: _Ligne, source: str) -> tuple[type, dict, object]:
    nom = ligne.texte("nom")
    ligne.obligatoire("nom", nom)
    valeurs = {
        "nom": nom,
        "ptce": ligne.reference("ptce", ligne.index.ptce, "PTCE"),
        "etape": ligne.lire("etape", _etape),
        "date_debut": ligne.lire("date_debut", _date),
        "date_fin": ligne.lire("date_fin", _date),
        "secteur": ligne.texte("secteur"),
        "territoire": ligne.territoires("territoire"),
        "source": source,
    }
    if valeurs["date_debut"] and valeurs["date_fin"] and valeurs["date_fin"] < valeurs["date_debut"]:
        ligne.erreur("date_fin", "la date de fin précède la date de début.")
    return store.Projet, valeurs, _cle(nom or "")


def _lire_structure(ligne: _Ligne, source: str) -> tuple[type, dict, object]:
    nom = ligne.texte("nom")
    ligne.obligatoire("nom", nom)
    commune = ligne.texte("commune")
    if commune is not None:
        commune = ligne.lire(
            "commune", lambda v: territoires(f"commune:{(_texte(v) or '').zfill(5)}", ligne.connu)
        )
        commune = commune.split(":")[1] if commune else None
    valeurs = {
        "nom": nom,
        "siret": ligne.lire("siret", lire_siret),
        "forme": ligne.texte("forme"),
        "commune": commune,
        "ptce": ligne.reference("ptce", ligne.index.ptce, "PTCE"),
        "projet": ligne.reference("projet", ligne.index.projets, "projet"),
        "source": source,
    }
    cle = _cle(nom or "")
    siret = valeurs["siret"]
    if siret and siret in ligne.index.sirets and cle not in ligne.index.structures:
        ligne.erreur("siret", f"SIRET {siret} déjà attribué à une autre structure.")
    return store.Structure, valeurs, cle


def _lire_emploi(ligne: _Ligne, source: str) -> tuple[type, dict, object]:
    projet = ligne.reference("projet", ligne.index.projets, "projet")
    if ligne.texte("projet") is None:
        ligne.obligatoire("projet", None)
    nature = ligne.lire("nature", lambda v: None if _vide(v) else _nature(v))
    if nature is None and _vide(ligne.cellules.get("nature")):
        ligne.obligatoire("nature", None)
    nombre = ligne.lire("nombre", lambda v: _entier(v, 0, NOMBRE_EMPLOIS_MAXIMUM))
    if nombre is None and _vide(ligne.cellules.get("nombre")):
        ligne.obligatoire("nombre", None)
    annee = ligne.lire("annee", _annee)
    valeurs = {"projet": projet, "annee": annee, "nature": nature, "nombre": nombre, "source": source}
    return store.Emploi, valeurs, (id(projet), annee, nature)


def _lire_financement(ligne: _Ligne, source: str) -> tuple[type, dict, object]:
    valeurs = {
        "projet": ligne.reference("projet", ligne.index.projets, "projet"),
        "ptce": ligne.reference("ptce", ligne.index.ptce, "PTCE"),
        "siret": ligne.lire("siret", lire_siret),
        "territoire": ligne.territoires("territoire"),
        "financeur": ligne.texte("financeur"),
        "dispositif": ligne.texte("dispositif"),
        "montant_eur": ligne.lire("montant_eur", montant_fr),
        "annee_debut": ligne.lire("annee_debut", _annee),
        "annee_fin": ligne.lire("annee_fin", _annee),
        "note": ligne.texte("note"),
        "source": source,
    }
    if not any(ligne.texte(c) for c in ("projet", "ptce", "siret", "territoire")):
        ligne.erreur(
            "projet, ptce, siret, territoire",
            "bénéficiaire manquant : indiquez un projet, un PTCE, un SIRET ou un territoire.",
        )
    if valeurs["annee_debut"] and valeurs["annee_fin"] and valeurs["annee_fin"] < valeurs["annee_debut"]:
        ligne.erreur("annee_fin", "l'année de fin précède l'année de début.")
    cle = _cle_financement(
        id(valeurs["projet"]) if valeurs["projet"] else None,
        id(valeurs["ptce"]) if valeurs["ptce"] else None,
        valeurs["siret"],
        valeurs["territoire"],
        valeurs["financeur"],
        valeurs["dispositif"],
        valeurs["annee_debut"],
        valeurs["annee_fin"],
        valeurs["montant_eur"],
    )
    return store.Financement, valeurs, cle


_LECTEURS: dict[str, Callable[[_Ligne, str], tuple[type, dict, object]]] = {
    "ptce": _lire_ptce,
    "projets": _lire_projet,
    "structures": _lire_structure,
    "emplois": _lire_emploi,
    "financements": _lire_financement,
}


# A progress bar moves every this many rows (a redraw per row would cost more than the row).
PAS_PROGRESSION = 1_000
# Rows that later rows of the same import may name (a PTCE, a project) become ORM objects;
# the others are plain values, inserted TAILLE_LOT at a time (an ORM object per row made an
# import of 100 000 funding lines take a minute and 780 MB).
TABLES_EN_LOTS = ("structures", "emplois", "financements")
TAILLE_LOT = 5_000


def _ecrire(
    session,
    feuilles: dict[str, pd.DataFrame],
    source_par_defaut: str,
    connu: Callable[[str], bool] | None,
    ignorer_doublons: bool,
    noms_feuilles: dict[str, str] | None = None,
    regle: Callable[[str, dict], str | None] | None = None,
    crees: list | None = None,
    progression: Callable[[float, str], None] | None = None,
    a_inserer: dict[str, list[dict]] | None = None,
) -> tuple[RapportImport, list[Erreur]]:
    """Validate every row and add it to the session or to ``a_inserer``; errors are collected,
    never raised.

    ``regle`` (geo.base.comptes.regle_ecriture) refuses the rows the user may not write; the
    objects added are appended to ``crees`` for the journal. The values of the rows of
    :data:`TABLES_EN_LOTS` go to ``a_inserer`` (by table), for :func:`_inserer`.
    """
    index = _index_existant(session)
    # Rows already in the store before this import (a re-import may skip them).
    existants = {
        "ptce": set(index.ptce),
        "projets": set(index.projets),
        "structures": set(index.structures),
        "emplois": set(index.emplois),
        "financements": set(index.financements),
    }
    # Names entered by this import, that later rows may refer to.
    par_nom = {"ptce": index.ptce, "projets": index.projets, "structures": index.structures}
    rapport = RapportImport()
    erreurs: list[Erreur] = []
    vus_fichier: dict[str, dict] = {t: {} for t in ORDRE}
    noms_feuilles = noms_feuilles or {}
    a_inserer = {} if a_inserer is None else a_inserer
    total = sum(len(feuilles[t]) for t in ORDRE if t in feuilles)
    faites = 0

    for table in ORDRE:
        if table not in feuilles:
            continue
        feuille = noms_feuilles.get(table, table)
        rapport.ecrites[table] = 0
        rapport.ignorees[table] = 0
        cadre = feuilles[table]
        a_normaliser = _colonnes_a_normaliser(cadre)
        # Texts too long for the store, by column: the others need no look at each row.
        trop_longs = {
            colonne: maxi
            for colonne, maxi in LONGUEURS_MAXIMALES.items()
            if colonne in cadre
            and any(isinstance(texte, str) and len(texte.strip()) > maxi for texte in cadre[colonne])
        }
        analyses: dict = {}
        # One row's dict at a time (to_dict("records") made them all at once).
        noms_colonnes = list(cadre.columns)
        rangees = (dict(zip(noms_colonnes, rangee, strict=True)) for rangee in cadre.itertuples(False, None))
        for position, cellules in enumerate(rangees):
            numero = position + 2  # the header is line 1
            faites += 1
            if progression is not None and faites % PAS_PROGRESSION == 0:
                # Checking is most of the work; writing is the last tenth.
                progression(
                    0.9 * faites / total,
                    f"Vérification des lignes : {nombre_fr(faites)} sur {nombre_fr(total)}…",
                )
            if all(_vide(v) for v in cellules.values()):
                continue
            problemes = []
            if a_normaliser:
                cellules, problemes = _normaliser_ligne(cellules, feuille, numero, a_normaliser)
            ligne = _Ligne(feuille, numero, cellules, index, connu, problemes, analyses)
            for colonne, maxi in trop_longs.items():
                if isinstance(texte := cellules.get(colonne), str) and len(texte.strip()) > maxi:
                    ligne.erreur(colonne, f"texte trop long ({len(texte)} caractères, {maxi} au plus).")
            source = ligne.texte("source") or source_par_defaut
            # The ORM object is only made for a row that is kept: a discarded object tied
            # to stored rows by a relationship would be flushed with them.
            classe, valeurs, cle_doublon = _LECTEURS[table](ligne, source)

            # Duplicates: twice in the file, or already in the store.
            if not ligne.problemes:
                if cle_doublon in vus_fichier[table]:
                    premiere = vus_fichier[table][cle_doublon]
                    ligne.erreur(None, f"doublon de la ligne {premiere} de ce fichier.")
                else:
                    vus_fichier[table][cle_doublon] = numero
                    deja = _deja_en_base(table, valeurs, cle_doublon, existants)
                    if deja and ignorer_doublons:
                        rapport.ignorees[table] += 1
                        continue
                    if deja:
                        ligne.erreur(
                            None,
                            "cette ligne existe déjà dans les données saisies (doublon) ; "
                            "cochez « ignorer les lignes déjà présentes » pour réimporter un fichier.",
                        )
            if regle is not None and not ligne.problemes and (refus := regle(table, valeurs)):
                ligne.erreur(None, refus)
            if ligne.problemes:
                erreurs.extend(ligne.problemes)
                continue
            if table in TABLES_EN_LOTS:
                a_inserer.setdefault(table, []).append(valeurs)
                objet = valeurs
            else:
                objet = classe(**valeurs)
                session.add(objet)
                if crees is not None:
                    crees.append(objet)
            rapport.ecrites[table] += 1
            if table in par_nom:
                par_nom[table][cle_doublon] = objet
            if table == "structures" and valeurs["siret"]:
                index.sirets[valeurs["siret"]] = objet
    return rapport, erreurs


def _inserer(
    session, table: str, lignes: list[dict], qui: str, lot: str | None, detail: str, instant: dt.datetime
) -> None:
    """Insert validated rows TAILLE_LOT at a time, each batch with its journal entries.

    The PTCE and projects they name are flushed before: their ids are known.
    """
    from geo.base import journal

    # The table, not the ORM class: ORM bulk inserts cost a third more for nothing here.
    tableau = journal.MODELES[table].__table__
    requete = insert(tableau).returning(tableau.c.id, sort_by_parameter_order=True)
    for debut in range(0, len(lignes), TAILLE_LOT):
        colonnes_lot = [
            {
                (f"{cle}_id" if cle in {"projet", "ptce"} else cle): (
                    (None if valeur is None else valeur.id) if cle in {"projet", "ptce"} else valeur
                )
                for cle, valeur in valeurs.items()
            }
            for valeurs in lignes[debut : debut + TAILLE_LOT]
        ]
        identifiants = session.scalars(requete, colonnes_lot).all()
        ecrites = [{**ligne, "id": i} for ligne, i in zip(colonnes_lot, identifiants, strict=True)]
        journal.noter_ajouts(
            session,
            qui,
            table,
            ecrites,
            lot,
            detail,
            instant,
        )


def _deja_en_base(table: str, valeurs: dict, cle, existants: dict) -> bool:
    """Whether the row repeats one stored before this import."""
    if table in {"ptce", "projets", "structures"}:
        return cle in existants[table]
    projet, ptce = valeurs.get("projet"), valeurs.get("ptce")
    # A row of a project or PTCE created by this very import cannot be stored yet.
    if (projet is not None and projet.id is None) or (ptce is not None and ptce.id is None):
        return False
    if table == "emplois":
        return projet is not None and (projet.id, valeurs["annee"], valeurs["nature"]) in existants[table]
    if table == "financements":
        return (projet.id if projet else None, ptce.id if ptce else None, *cle[2:]) in existants[table]
    return False


def importer_tables(
    depot: store.Depot,
    feuilles: dict[str, pd.DataFrame],
    source_par_defaut: str,
    connu: Callable[[str], bool] | None = None,
    ignorer_doublons: bool = False,
    utilisateur=None,
    dans: Callable[[str, str], bool] | None = None,
    detail: str | None = None,
    progression: Callable[[float, str], None] | None = None,
) -> RapportImport:
    """Write validated rows in one transaction; raise :class:`ImportRefuse` (nothing written) on any error.

    ``utilisateur`` (geo.base.comptes.Utilisateur; None: the command line) may write only its own
    records; every row written is recorded in the journal, in the same transaction.
    """
    from geo.base import comptes, journal

    if comptes.lecture_seule():
        raise ImportRefuse([Erreur("", None, None, comptes.MESSAGE_LECTURE_SEULE)])
    regle = comptes.regle_ecriture(utilisateur, dans)
    crees: list = []
    a_inserer: dict[str, list[dict]] = {}
    # Nothing is flushed before every row is validated (no autoflush), and the
    # transaction is rolled back on the first error of any kind.
    try:
        with depot._sessions() as session, session.no_autoflush, session.begin():
            rapport, erreurs = _ecrire(
                session,
                feuilles,
                source_par_defaut,
                connu,
                ignorer_doublons,
                regle=regle,
                crees=crees,
                progression=progression,
                a_inserer=a_inserer,
            )
            if erreurs:
                raise ImportRefuse(erreurs)
            if progression is not None:
                progression(0.9, f"Enregistrement de {accorder(rapport.total, 'ligne')}…")
            session.flush()
            if rapport.total:
                rapport.lot = journal.nouveau_lot()
                qui = utilisateur.identifiant if utilisateur is not None else journal.SYSTEME
                instant = comptes.maintenant()
                for objet in crees:
                    journal.noter(
                        session,
                        qui,
                        "ajout",
                        objet,
                        None,
                        journal.instantane(objet),
                        rapport.lot,
                        detail or source_par_defaut,
                        instant,
                    )
                # Their journal entries first: the journal's order is the order of the writes,
                # which an undo reverses.
                session.flush()
                for table in TABLES_EN_LOTS:
                    _inserer(
                        session,
                        table,
                        a_inserer.get(table, []),
                        qui,
                        rapport.lot,
                        detail or source_par_defaut,
                        instant,
                    )
    except SQLAlchemyError as erreur:
        # A refusal the checks did not foresee: rolled back too, and said in French.
        raise ImportRefuse(
            [
                Erreur(
                    "base",
                    None,
                    None,
                    f"la base de saisie a refusé l'enregistrement ({type(erreur.orig or erreur).__name__}).",
                )
            ]
        ) from erreur
    return rapport


def importer(
    depot: store.Depot,
    contenu: bytes,
    nom_fichier: str,
    connu: Callable[[str], bool] | None = None,
    ignorer_doublons: bool = False,
    utilisateur=None,
    dans: Callable[[str, str], bool] | None = None,
    progression: Callable[[float, str], None] | None = None,
) -> RapportImport:
    """Read a CSV or Excel file and import it whole, or raise :class:`ImportRefuse`.

    ``progression(part, texte)`` (a progress bar) is called as the work goes on, ``part``
    from 0 to 1, ``texte`` in French.
    """
    from geo.base import comptes

    if comptes.lecture_seule():
        raise ImportRefuse([Erreur("", None, None, comptes.MESSAGE_LECTURE_SEULE)])
    if progression is not None:
        progression(0.0, "Lecture du fichier…")
    feuilles, remarques = lire(contenu, nom_fichier)
    rapport = importer_tables(
        depot,
        feuilles,
        f"import : {Path(nom_fichier).name}",
        connu,
        ignorer_doublons,
        utilisateur=utilisateur,
        dans=dans,
        progression=progression,
    )
    if progression is not None:
        progression(1.0, "Import terminé.")
    rapport.remarques = remarques
    return rapport


def ajouter(
    depot: store.Depot,
    table: str,
    valeurs: dict,
    connu: Callable[[str], bool] | None = None,
    utilisateur=None,
    dans: Callable[[str, str], bool] | None = None,
) -> RapportImport:
    """One row from the in-app form, with the same checks as an import (source « saisie »)."""
    ligne = pd.DataFrame([{c: valeurs.get(c) for c in colonnes(table)}], dtype=object)
    return importer_tables(
        depot,
        {table: ligne},
        store.SOURCE_SAISIE,
        connu,
        utilisateur=utilisateur,
        dans=dans,
        detail="formulaire",
    )


# Export and template -------------------------------------------------------------------


def exporter(depot: store.Depot) -> dict[str, pd.DataFrame]:
    """Everything entered, one table per sheet, in the template's columns (re-importable)."""
    tables = store.lire_tables(depot)
    for colonne in ("date_debut", "date_fin"):
        dates = tables["projets"][colonne]
        tables["projets"][colonne] = [d.strftime("%d/%m/%Y") if d else None for d in dates]
    resultat = {}
    for nom, table in tables.items():
        cadre = table[list(colonnes(nom))].copy()
        for colonne in ("annee", "annee_creation", "annee_debut", "annee_fin", "nombre"):
            if colonne in cadre:
                cadre[colonne] = cadre[colonne].astype("Int64")
        resultat[nom] = cadre
    return resultat


def aide_colonnes() -> pd.DataFrame:
    lignes = []
    for table in ORDRE:
        for colonne in COLONNES[table]:
            nom = colonne.rstrip("*")
            lignes.append(
                {
                    "feuille": table,
                    "colonne": nom,
                    "obligatoire": "oui" if colonne.endswith("*") else "non",
                    "contenu": AIDE_COLONNES.get(nom, ""),
                }
            )
    return pd.DataFrame(lignes)


def classeur_excel(tables: dict[str, pd.DataFrame], avec_aide: bool = True) -> bytes:
    """An .xlsx workbook: one sheet per table (and a « lisez-moi » sheet)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def lisible(valeur: object) -> object:
        # Rows stored before control characters were refused must not break the export.
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", valeur) if isinstance(valeur, str) else valeur

    tampon = io.BytesIO()
    with pd.ExcelWriter(tampon, engine="openpyxl") as classeur:
        for nom in ORDRE:
            cadre = tables.get(nom, pd.DataFrame(columns=colonnes(nom)))
            cadre = cadre.apply(
                lambda colonne: (
                    colonne.map(lisible)
                    if colonne.dtype == object or pd.api.types.is_string_dtype(colonne)
                    else colonne
                )
            )
            cadre.to_excel(classeur, sheet_name=nom, index=False)
            feuille = classeur.sheets[nom]
            # openpyxl stores a text starting with « = » as a formula: keep every text a text.
            for ligne in feuille.iter_rows(min_row=2):
                for cellule in ligne:
                    if cellule.data_type == "f":
                        cellule.data_type = "s"
            for indice, colonne in enumerate(colonnes(nom)):
                feuille.column_dimensions[chr(ord("A") + indice)].width = max(14, len(colonne) + 4)
        if avec_aide:
            aide_colonnes().to_excel(classeur, sheet_name="lisez-moi", index=False)
    return tampon.getvalue()


def archive_csv(tables: dict[str, pd.DataFrame]) -> bytes:
    """A zip of one CSV per table, `;`-separated UTF-8 with BOM (French spreadsheets open it as is)."""
    from geo.outils import formats  # geopandas: only when a CSV export is asked for

    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as archive:
        for nom in ORDRE:
            cadre = tables.get(nom, pd.DataFrame(columns=colonnes(nom)))
            archive.writestr(f"{nom}.csv", formats.vers_csv(cadre, decimal="."))
    return tampon.getvalue()


def modele_excel() -> bytes:
    """The empty template: the five sheets with their headers, and the help sheet."""
    return classeur_excel({})


def modele_csv() -> bytes:
    return archive_csv({})


__all__ = [
    "COLONNES",
    "ORDRE",
    "Erreur",
    "ImportRefuse",
    "RapportImport",
    "ajouter",
    "archive_csv",
    "classeur_excel",
    "exporter",
    "importer",
    "importer_tables",
    "lire",
    "lire_siret",
    "modele_csv",
    "modele_excel",
    "montant_fr",
    "territoires",
]
