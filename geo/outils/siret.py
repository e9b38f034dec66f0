"""SIREN and SIRET numbers: cleaning and checksum.

A SIREN has 9 digits, a SIRET 14 (SIREN + 5-digit NIC). Both carry a Luhn
checksum, except the establishments of La Poste (SIREN 356000000), too many for
Luhn: one of them is valid when Luhn holds or when the sum of its 14 digits is
a multiple of 5.

Files lose leading zeros (spreadsheets), add spaces or dots, or write the
number as ``="…"`` or as a float (``7.7554456201361e+13``): :func:`normaliser`
undoes that. A number that fails its checksum is *invalid*: it is reported, not
mapped, because it points to no establishment for sure.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

SIREN_LA_POSTE = "356000000"
_NON_CHIFFRES = re.compile(r"[\s.\-\u00a0\u202f=\"']")


def normaliser(valeur: object, longueur: int = 14) -> str | None:
    """Digits of a SIREN (``longueur=9``) or SIRET (14), zero-padded; None when empty or not a number.

    >>> normaliser("775 544 562 01361")
    '77554456201361'
    >>> normaliser('="05520135000012"')
    '05520135000012'
    >>> normaliser("5520135000012")  # leading zero lost by a spreadsheet
    '05520135000012'
    >>> normaliser(77554456201361.0), normaliser("77554456201361.0")
    ('77554456201361', '77554456201361')
    >>> normaliser("") is None, normaliser("inconnu") is None
    (True, True)
    """
    if valeur is None or (isinstance(valeur, float) and np.isnan(valeur)):
        return None
    if isinstance(valeur, float):
        if not valeur.is_integer():
            return None
        valeur = str(int(valeur))
    texte = _NON_CHIFFRES.sub("", re.sub(r"\.0+$", "", str(valeur).strip()))
    if not texte or not texte.isdigit() or len(texte) > longueur:
        return None
    # Up to two zeros lost in front; more means a truncated number, not a padding loss.
    if len(texte) < longueur - 2:
        return None
    return texte.zfill(longueur)


def luhn(chiffres: str) -> bool:
    """Luhn checksum (every second digit from the right doubled).

    >>> luhn("732829320"), luhn("732829321")
    (True, False)
    """
    total = 0
    for rang, caractere in enumerate(reversed(chiffres)):
        chiffre = int(caractere)
        if rang % 2 == 1:
            chiffre *= 2
            if chiffre > 9:
                chiffre -= 9
        total += chiffre
    return total % 10 == 0


def siren_valide(siren: str | None) -> bool:
    """9 digits with a valid Luhn checksum.

    >>> siren_valide("356000000"), siren_valide("35600000"), siren_valide(None)
    (True, False, False)
    """
    return bool(siren) and len(siren) == 9 and siren.isdigit() and luhn(siren)


def siret_valide(siret: str | None) -> bool:
    """14 digits, valid SIREN and Luhn over the 14 digits (sum multiple of 5 for La Poste).

    >>> siret_valide("73282932000074")
    True
    >>> siret_valide("73282932000075")
    False
    >>> siret_valide("35600000049837")  # La Poste: fails Luhn, digit sum 50 is a multiple of 5
    True
    >>> siret_valide("35600000012345")
    False
    """
    if not siret or len(siret) != 14 or not siret.isdigit():
        return False
    if luhn(siret[:9]) and luhn(siret):
        return True
    return siret.startswith(SIREN_LA_POSTE) and sum(int(c) for c in siret) % 5 == 0


def _luhn_tableau(chiffres: np.ndarray) -> np.ndarray:
    """Luhn over the rows of an (n, k) digit array."""
    k = chiffres.shape[1]
    doubles = (k - 1 - np.arange(k)) % 2 == 1
    valeurs = chiffres.copy()
    valeurs[:, doubles] *= 2
    valeurs[valeurs > 9] -= 9
    return valeurs.sum(axis=1) % 10 == 0


def sirets_valides(sirets: pd.Series) -> pd.Series:
    """Vectorised :func:`siret_valide` over a Series of normalised SIRETs (None → False)."""
    texte = sirets.astype("string")
    bien_formes = texte.str.fullmatch(r"\d{14}").fillna(False).astype(bool)
    resultat = pd.Series(False, index=sirets.index)
    if not bien_formes.any():
        return resultat
    valeurs = texte[bien_formes].to_numpy(dtype=str)
    chiffres = (np.frombuffer("".join(valeurs).encode("ascii"), dtype=np.uint8) - 48).reshape(-1, 14)
    chiffres = chiffres.astype(np.int16)
    valide = _luhn_tableau(chiffres[:, :9]) & _luhn_tableau(chiffres)
    la_poste = np.char.startswith(valeurs.astype("U14"), SIREN_LA_POSTE)
    valide |= la_poste & (chiffres.sum(axis=1) % 5 == 0)
    resultat[bien_formes] = valide
    return resultat


def normaliser_serie(valeurs: pd.Series, longueur: int = 14) -> pd.Series:
    """:func:`normaliser` over a Series (string dtype, NA when not a number), vectorised.

    >>> exemples = ["775 544 562 01361", "5520135000012", "x", None, "7.755445620136e+13", "77554456201361.0"]
    >>> list(normaliser_serie(pd.Series(exemples)))
    ['77554456201361', '05520135000012', <NA>, <NA>, '77554456201360', '77554456201361']
    """
    if valeurs.dtype.kind == "f":
        return valeurs.map(lambda v: normaliser(v, longueur)).astype("string")
    texte = valeurs.astype("string")
    # Floats written as text (« 7.7554456201361e+13 ») are rare: the scalar function reads them.
    scientifiques = texte.str.contains(r"\d[eE]\+?\d", regex=True).fillna(False)
    texte = texte.str.strip().str.replace(r"\.0+$", "", regex=True)
    texte = texte.str.replace(r'[\s.\-\u00a0\u202f="\']', "", regex=True)
    longueurs = texte.str.len()
    bons = texte.str.fullmatch(r"\d+").fillna(False) & longueurs.between(longueur - 2, longueur).fillna(False)
    resultat = texte.where(bons).str.zfill(longueur)
    if scientifiques.any():
        resultat[scientifiques] = [normaliser(float(v), longueur) for v in valeurs[scientifiques]]
    return resultat.astype("string")
