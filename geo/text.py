"""Text helpers: accent-free search keys, French number formatting, HTML escaping."""

from __future__ import annotations

import html
import re
import unicodedata

_SEPARATEURS = re.compile(r"[\s\-'’‘`_.,;:/()]+")


def cle_recherche(texte: str) -> str:
    """Lower-case, accent-free, punctuation-free form used to match names.

    >>> cle_recherche("Saint-Étienne-du-Rouvray")
    'saint etienne du rouvray'
    >>> cle_recherche("L'Haÿ-les-Roses")
    'l hay les roses'
    """
    decompose = unicodedata.normalize("NFKD", texte)
    sans_accents = "".join(c for c in decompose if not unicodedata.combining(c))
    # Ligatures do not decompose under NFKD.
    sans_accents = sans_accents.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    sans_accents = sans_accents.replace("Æ", "AE")
    return _SEPARATEURS.sub(" ", sans_accents.lower()).strip()


def echapper(texte: object) -> str:
    """Escape anything that ends up inside HTML (tooltips, popups, legends)."""
    if texte is None:
        return ""
    return html.escape(str(texte), quote=True)


def nombre_fr(valeur: float | int | None, decimales: int = 0, inconnu: str = "inconnue") -> str:
    """French formatting with a narrow no-break space as thousands separator.

    >>> nombre_fr(163421)
    '163\\u202f421'
    >>> nombre_fr(12.345, 1)
    '12,3'
    """
    if valeur is None or valeur != valeur:  # NaN
        return inconnu
    texte = f"{valeur:,.{decimales}f}"
    return texte.replace(",", "\u202f").replace(".", ",")


# INSEE's « type de nom en clair » (TNCC) → how « de » joins the name.
_DE_SELON_TNCC = {"0": "de ", "1": "d'", "2": "du ", "3": "de la ", "4": "des ", "5": "de l'", "6": "des "}


def de_nom(nom: str, type_nom: object = None) -> str:
    """« de l'Aisne », « du Nord », « de la Somme », « des Ardennes » from INSEE's TNCC code.

    >>> de_nom("Aisne", "5"), de_nom("Nord", "2"), de_nom("Ardennes", 4), de_nom("Paris")
    ("de l'Aisne", 'du Nord', 'des Ardennes', 'de Paris')
    """
    code = "" if type_nom is None or type_nom != type_nom else str(type_nom).split(".")[0]
    if code not in _DE_SELON_TNCC:
        return ("d'" if nom[:1] in "AEIOUÉÈÎY" else "de ") + nom
    return _DE_SELON_TNCC[code] + nom
