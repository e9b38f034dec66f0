"""INSEE's Base permanente des équipements (BPE): equipment counts per commune.

Two official layouts exist and both are read, zipped or not, the layout being
told by the header, never by the file name:

- the count files per commune and IRIS (2019 "ensemble":
  ``REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP``), one row per (IRIS, type);
- the point-level files (BPE 2021 onwards: one row per equipment with
  ``TYPEQU``, ``DEPCOM``, ``LAMBERT_X``, ``LAMBERT_Y``, ``LATITUDE`` …).

National files hold about a million rows (the 2025 one, 1.5 GB unzipped): they
are streamed in chunks and only the requested domains are kept. Separators
(``;``, ``,``, tab), encodings (UTF-8, BOM, Latin-1) are detected; bad rows are
counted and reported with their line numbers, never silently dropped. Errors
that make the file unusable are :class:`DonneesBPEInvalides` with a French
message.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.outils import csv_souple
from geo.outils.codes import parmi
from geo.outils.text import accorder
from geo.sources import Source, declarer, lecteur
from geo.sources.lecture import defaut_csv, defaut_evident

_PAGE_BPE = "https://www.insee.fr/fr/statistiques/8217525"

BPE_ACTUELLE = declarer(
    Source(
        id="bpe",
        titre="Base permanente des équipements 2025 (équipements géolocalisés)",
        producteur="INSEE",
        licence="Licence Ouverte 2.0",
        millesime="BPE 2025",
        page=_PAGE_BPE,
        fichier="BPE25.zip",
        url="https://www.insee.fr/fr/statistiques/fichier/8217525/BPE25.zip",
        autres_noms=("BPE25.csv",),
        remplace=("bpe_2024", "bpe_2019"),
        description=(
            "Un enregistrement par équipement ou service ouvert au public (commerces, services, "
            "santé, enseignement…), avec sa commune et ses coordonnées."
        ),
        limites=(
            "Un commerce absent des répertoires administratifs (marché, tournée, dépôt de pain) "
            "n'est pas compté.",
        ),
    )
)
BPE_2024 = declarer(
    Source(
        id="bpe_2024",
        titre="Base permanente des équipements 2024 (équipements géolocalisés)",
        producteur="INSEE",
        licence="Licence Ouverte 2.0",
        millesime="BPE 2024",
        page=_PAGE_BPE,
        fichier="BPE24.zip",
        url="https://www.insee.fr/fr/statistiques/fichier/8217525/BPE24.zip",
        autres_noms=("BPE24.csv",),
        remplace=("bpe_2019",),
        description=(
            "Millésime précédent du fichier par équipement ; la BPE 2024 a renuméroté les types "
            "d'équipements (nomenclature 2024)."
        ),
    )
)
BPE_2019 = declarer(
    Source(
        id="bpe_2019",
        titre="Base permanente des équipements 2019 (nombre d'équipements par commune et IRIS)",
        producteur="INSEE",
        licence="Licence Ouverte 2.0",
        millesime="BPE 2019 (géographie communale 2019)",
        page="https://www.insee.fr/fr/statistiques/3568629",
        fichier="bpe19_ensemble_csv.zip",
        url="https://www.insee.fr/fr/statistiques/fichier/3568629/bpe19_ensemble_csv.zip",
        autres_noms=("bpe19_ensemble.csv",),
        description=(
            "Nombre d'équipements par type, commune et IRIS. Utilisé quand le millésime récent "
            "n'est pas disponible."
        ),
        limites=(
            "Codes communes de 2019 : les communes fusionnées depuis sont rattachées à leur "
            "commune actuelle.",
            "Les communes sans aucun équipement sont absentes du fichier.",
        ),
    )
)

# Sources in order of preference: the most recent vintage that can be had.
SOURCES_PAR_PREFERENCE = (BPE_ACTUELLE.id, BPE_2024.id, BPE_2019.id)

DISPOSITION_COMPTAGES = "comptages"
DISPOSITION_POINTS = "points"
LIBELLES_DISPOSITION = {
    DISPOSITION_COMPTAGES: "nombre d'équipements par commune et IRIS",
    DISPOSITION_POINTS: "un enregistrement par équipement (géolocalisé)",
}
_COLONNES_POINTS = ("LAMBERT_X", "LAMBERT_Y", "LATITUDE", "LONGITUDE")
_CODE_COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3}|97\d{3})$")
_CODE_TYPE = re.compile(r"^[A-G]\d{3}$")
_MILLESIME_DANS_NOM = re.compile(r"bpe_?(\d{2})(?:\D|$)", re.IGNORECASE)
TAILLE_PAQUET = 400_000
MAX_EXEMPLES = 10


class DonneesBPEInvalides(ValueError):
    """A BPE file that cannot be used, with a French message saying why."""


@dataclass
class ComptagesBPE:
    """Equipment counts per (commune code as written in the file, type)."""

    comptages: pd.DataFrame  # depcom, typequ, nb
    millesime: str
    disposition: str
    lignes_lues: int
    anomalies: list[str] = field(default_factory=list)


@contextmanager
def _ouvrir(chemin: Path) -> Iterator[tuple[io.BufferedIOBase, str]]:
    """A binary stream of the CSV, inside a zip or not, and its name."""
    if zipfile.is_zipfile(chemin):
        with zipfile.ZipFile(chemin) as archive:
            membres = [
                m
                for m in archive.infolist()
                if m.filename.lower().endswith((".csv", ".txt")) and not m.is_dir()
            ]
            # Official zips also hold the variable dictionaries (varmod): the data is the largest file.
            membres = [m for m in membres if "varmod" not in m.filename.lower()] or membres
            if not membres:
                raise DonneesBPEInvalides(f"{chemin.name} : l'archive ne contient aucun fichier CSV.")
            membre = max(membres, key=lambda m: m.file_size)
            with archive.open(membre) as flux:
                yield flux, f"{chemin.name}/{membre.filename}"
    else:
        with open(chemin, "rb") as flux:
            yield flux, chemin.name


def _entete(echantillon: bytes, nom: str) -> tuple[str, list[str], str]:
    """(encoding, header columns upper-cased, separator) of a BPE file."""
    encodage, separateur, premiere = csv_souple.detecter(echantillon)
    if not premiere:
        raise DonneesBPEInvalides(f"{nom} : fichier vide.")
    separateur = separateur or ";"  # one column only: disposition() names what is missing
    colonnes = [c.strip().strip('"').strip().upper() for c in premiere.split(separateur)]
    return encodage, colonnes, separateur


def disposition(colonnes: list[str], nom: str = "fichier") -> str:
    """``comptages`` or ``points`` from a header; French error naming what is missing.

    >>> disposition(["REG", "DEP", "DEPCOM", "DCIRIS", "AN", "TYPEQU", "NB_EQUIP"])
    'comptages'
    >>> disposition(["AN", "DEPCOM", "TYPEQU", "LAMBERT_X", "LAMBERT_Y"])
    'points'
    """
    manquantes = [c for c in ("DEPCOM", "TYPEQU") if c not in colonnes]
    if manquantes:
        raise DonneesBPEInvalides(
            f"{nom} : {accorder(len(manquantes), 'colonne', avec_nombre=False)} {', '.join(manquantes)} "
            f"{accorder(len(manquantes), 'absente', avec_nombre=False)}. Colonnes trouvées : "
            f"{', '.join(colonnes[:12]) or 'aucune'}. Attendu : un fichier de la BPE de l'INSEE, "
            "soit par commune (REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP), soit par équipement "
            "(TYPEQU, DEPCOM, LAMBERT_X, LAMBERT_Y…)."
        )
    if "NB_EQUIP" in colonnes:
        return DISPOSITION_COMPTAGES
    if any(c in colonnes for c in _COLONNES_POINTS) or "AN" in colonnes:
        return DISPOSITION_POINTS
    raise DonneesBPEInvalides(
        f"{nom} : ni colonne NB_EQUIP (fichier par commune) ni coordonnées (fichier par "
        "équipement) : disposition de la BPE non reconnue."
    )


def _lignes(masque: pd.Series, debut: int) -> list[int]:
    # Line numbers as a spreadsheet shows them: the header is line 1.
    return [int(i) + debut + 2 for i in masque[masque].index[:MAX_EXEMPLES]]


def _texte_lignes(lignes: list[int], total: int) -> str:
    return ", ".join(map(str, lignes)) + (" …" if total > len(lignes) else "")


@lecteur
def lire_bpe(chemin: Path, domaines: tuple[str, ...] = ("B",), millesime: str | None = None) -> ComptagesBPE:
    """Counts per (commune code, type) for the given domains (first letter of TYPEQU).

    ``millesime`` is used when the file has no ``AN`` column; otherwise the
    file's own year wins.
    """
    # A server's error page saved under the archive's name: say so, not « columns missing ».
    evident = defaut_evident(Path(chemin))
    if evident:
        raise DonneesBPEInvalides(f"{Path(chemin).name} : {evident}.")
    with _ouvrir(chemin) as (flux, nom):
        echantillon = flux.read(1 << 16)
        encodage, colonnes, separateur = _entete(echantillon, nom)
        forme = disposition(colonnes, nom)
        utiles = [c for c in ("DEPCOM", "TYPEQU", "AN", "NB_EQUIP") if c in colonnes]
        flux_complet = io.BufferedReader(_Recoller(echantillon, flux))
        try:
            paquets = pd.read_csv(
                flux_complet,
                sep=separateur,
                encoding=encodage,
                dtype=str,
                keep_default_na=False,
                chunksize=TAILLE_PAQUET,
                # Headers are matched case-insensitively, stripped of spaces and quotes.
                usecols=lambda c: c.strip().strip('"').strip().upper() in utiles,
            )
            return _agreger(paquets, forme, nom, domaines, millesime or millesime_du_nom(chemin.name))
        except pd.errors.ParserError as erreur:
            raise DonneesBPEInvalides(f"{nom} : fichier CSV mal formé, {defaut_csv(erreur)}.") from erreur
        except UnicodeDecodeError as erreur:
            raise DonneesBPEInvalides(
                f"{nom} : encodage illisible vers l'octet {erreur.start} (attendu UTF-8 ou Latin-1)."
            ) from erreur


class _Recoller(io.RawIOBase):
    """The sample already read, then the rest of the stream (zip members cannot seek)."""

    def __init__(self, debut: bytes, suite: io.BufferedIOBase) -> None:
        self._debut = io.BytesIO(debut)
        self._suite = suite

    def readable(self) -> bool:
        return True

    def readinto(self, tampon) -> int:
        lus = self._debut.readinto(tampon)
        if lus:
            return lus
        donnees = self._suite.read(len(tampon))
        tampon[: len(donnees)] = donnees
        return len(donnees)


def millesime_du_nom(nom: str) -> str | None:
    """The vintage written in an official file name (``bpe19_ensemble.csv`` → 2019).

    >>> millesime_du_nom("BPE25.zip"), millesime_du_nom("bpe19_ensemble_csv.zip"), millesime_du_nom("x.csv")
    ('2025', '2019', None)
    """
    trouve = _MILLESIME_DANS_NOM.search(nom)
    return f"20{trouve.group(1)}" if trouve else None


def _agreger(
    paquets, forme: str, nom: str, domaines: tuple[str, ...], millesime_defaut: str | None
) -> ComptagesBPE:
    tables, annees = [], {}
    anomalies: list[str] = []
    codes_invalides, types_invalides, nombres_invalides = [], [], []
    n_codes, n_types, n_nombres = 0, 0, 0
    lignes_lues = 0
    for paquet in paquets:
        paquet.columns = [c.strip().strip('"').strip().upper() for c in paquet.columns]
        debut = lignes_lues
        lignes_lues += len(paquet)
        paquet.index = range(len(paquet))
        typequ = paquet["TYPEQU"].str.strip().str.upper()
        depcom = paquet["DEPCOM"].str.strip().str.upper()
        # Spreadsheets drop the leading zero of Ain…Ardèche codes ("1001" for 01001).
        depcom = depcom.where(depcom.str.len() != 4, "0" + depcom)
        if "AN" in paquet:
            for annee, n in paquet["AN"].str.strip().value_counts().items():
                annees[annee] = annees.get(annee, 0) + n
        mauvais_type = ~typequ.str.match(_CODE_TYPE)
        n_types += int(mauvais_type.sum())
        types_invalides += _lignes(mauvais_type, debut)
        garder = parmi(typequ.str[0], domaines) & ~mauvais_type
        mauvais_code = garder & ~depcom.str.match(_CODE_COMMUNE)
        n_codes += int(mauvais_code.sum())
        codes_invalides += _lignes(mauvais_code, debut)
        garder &= ~mauvais_code
        if forme == DISPOSITION_COMPTAGES:
            nombres = pd.to_numeric(paquet["NB_EQUIP"].str.strip().str.replace(",", "."), errors="coerce")
            mauvais_nombre = garder & (nombres.isna() | (nombres < 0) | (nombres % 1 != 0))
            n_nombres += int(mauvais_nombre.sum())
            nombres_invalides += _lignes(mauvais_nombre, debut)
            garder &= ~mauvais_nombre
        else:
            nombres = pd.Series(1, index=paquet.index)
        tables.append(
            pd.DataFrame(
                {"depcom": depcom[garder], "typequ": typequ[garder], "nb": nombres[garder].astype("int64")}
            )
            .groupby(["depcom", "typequ"], as_index=False)
            .nb.sum()
        )
    if lignes_lues == 0:
        raise DonneesBPEInvalides(f"{nom} : aucune ligne de données.")
    for n, lignes, quoi in (
        (n_types, types_invalides, "type d'équipement (TYPEQU) illisible"),
        (n_codes, codes_invalides, "code commune (DEPCOM) invalide"),
        (n_nombres, nombres_invalides, "nombre d'équipements (NB_EQUIP) illisible"),
    ):
        if n:
            anomalies.append(
                f"{nom} : {accorder(n, 'ligne ignorée', 'lignes ignorées')}, {quoi} "
                f"({accorder(n, 'ligne', avec_nombre=False)} {_texte_lignes(lignes[:MAX_EXEMPLES], n)})."
            )
    if annees:
        millesime = max(annees, key=annees.get)
        if len(annees) > 1:
            anomalies.append(f"{nom} : plusieurs années dans la colonne AN ({', '.join(sorted(annees))}).")
    elif millesime_defaut:
        millesime = millesime_defaut
    else:
        raise DonneesBPEInvalides(
            f"{nom} : millésime inconnu (pas de colonne AN ni d'année dans le nom du fichier)."
        )
    comptages = (
        pd.concat(tables, ignore_index=True).groupby(["depcom", "typequ"], as_index=False).nb.sum()
        if tables
        else pd.DataFrame({"depcom": [], "typequ": [], "nb": []})
    )
    return ComptagesBPE(comptages, str(millesime), forme, lignes_lues, anomalies)
