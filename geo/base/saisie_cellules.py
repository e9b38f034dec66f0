"""Parsing cells written the French way (amounts, years, dates, SIRET, territories); refused characters."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import pandas as pd

from geo.base import store
from geo.base.saisie_modele import Erreur
from geo.outils import siret
from geo.outils.text import cle_recherche

SYNONYMES_NATURE = {"supervision": "encadrement", "encadrant": "encadrement", "insertion": "insertion"}

# Cell parsers: each returns the value or raises ValueError with a French message. French ways
# of writing are understood: « 1 200,50 € » (ordinary, non-breaking or narrow spaces), 01/06/2016.


def est_vide(valeur: object) -> bool:
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
    if est_vide(valeur):
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


def lire_entier(valeur: object, minimum: int | None = None, maximum: int | None = None) -> int | None:
    if est_vide(valeur):
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


def lire_annee(valeur: object) -> int | None:
    try:
        return lire_entier(valeur, ANNEE_MINIMUM, ANNEE_MAXIMUM)
    except ValueError as erreur:
        raise ValueError(f"année invalide : {erreur} Écrivez l'année sur 4 chiffres (ex. 2021).") from erreur


def lire_date(valeur: object) -> dt.date | None:
    date = _date_sans_bornes(valeur)
    # The same bounds as years: a date in 1800 or 3000 is a typing slip.
    if date is not None and not ANNEE_MINIMUM <= date.year <= ANNEE_MAXIMUM:
        raise ValueError(
            f"date « {valeur} » hors des années permises ({ANNEE_MINIMUM} à {ANNEE_MAXIMUM}) : "
            "vérifiez l'année."
        )
    return date


def _date_sans_bornes(valeur: object) -> dt.date | None:
    if est_vide(valeur):
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


def lire_etape(valeur: object) -> str | None:
    if est_vide(valeur):
        return None
    texte = cle_recherche(str(valeur))
    par_cle = {cle_recherche(e): e for e in store.ETAPES_PROJET}
    if texte in par_cle:
        return par_cle[texte]
    if texte.isdigit() and 1 <= int(texte) <= len(store.ETAPES_PROJET):
        return store.ETAPES_PROJET[int(texte) - 1]
    raise ValueError(f"étape « {valeur} » inconnue ; étapes permises : {', '.join(store.ETAPES_PROJET)}.")


def lire_nature(valeur: object) -> str:
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
    if est_vide(valeur):
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
    if est_vide(valeur):
        return None
    ids = []
    # An Excel cell holding a SIREN or a commune code may come as a number.
    for morceau in re.split(r"[,;\n]+", texte_cellule(valeur) or ""):
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


def texte_cellule(valeur: object) -> str | None:
    if est_vide(valeur):
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


def colonnes_a_normaliser(cadre: pd.DataFrame) -> list[str]:
    """The columns where :func:`normaliser_ligne` may change or refuse a cell; every other
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


def normaliser_ligne(
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
