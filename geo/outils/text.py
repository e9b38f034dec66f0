"""Text helpers: accent-free search keys, French number formatting, HTML escaping."""

from __future__ import annotations

import datetime as dt
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


# What Markdown (CommonMark with GitHub's extensions, as Streamlit renders it) could turn into
# a link, an image, HTML, emphasis, math (`$`), a directive (`:red[…]`, whose `:red` alone would
# vanish) or an icon (`:material/home:`, `:smile:`); any ASCII punctuation may be backslash-escaped.
_MARKDOWN_ACTIF = re.compile(r"([\\`*_\[\]<>!$~&@|]|:(?=[\w+\-]))")
# Bare addresses (`https://…`, `www.…`, `nom@domaine.fr`, `mailto:…`) are links in GFM, and a
# backslash does not stop them: remark finds them again in the text once escapes are resolved.
# A word joiner (invisible, and no letter, digit or punctuation to Markdown) splits each one.
_ADRESSE_NUE = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)")
JOINTURE = "\u2060"
# At the start of a line: headings, quotes, lists.
_DEBUT_DE_BLOC = re.compile(r"^(\s*\d*)([#>+\-=.)])")
_CONTROLES = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def texte_brut(texte: object) -> str:
    """Text shown as it is by Streamlit's Markdown (warnings, captions, titles): no link,
    image, HTML, math or directive can come out of it, not even from a bare address.

    Line breaks and control characters become one space (a new line could start a
    heading or a list). The reader sees every character given; an address reads the same
    but carries an invisible word joiner (:data:`JOINTURE`) after « : », « www » and « @ ».

    >>> print(texte_brut("[ici](x.fr) $x$"))
    \\[ici\\](x.fr) \\$x\\$
    >>> texte_brut("https://x.fr ou www.x.fr").split(JOINTURE)
    ['https:', '//x.fr ou www', '.x.fr']
    """
    if texte is None:
        return ""
    brut = _ADRESSE_NUE.sub(JOINTURE, _CONTROLES.sub(" ", str(texte)))
    brut = _MARKDOWN_ACTIF.sub(r"\\\1", brut)
    return _DEBUT_DE_BLOC.sub(lambda m: m.group(1) + "\\" + m.group(2), brut)


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


def accorder(
    nombre: float | int | None, singulier: str, pluriel: str | None = None, *, avec_nombre: bool = True
) -> str:
    """« 1 commune », « 0 commune », « 2 communes »: the number (French format) and the agreeing words.

    French rule: 0 and 1 take the singular, 2 and more the plural (so does 1,5). The plural
    defaults to the word plus « s » (acronyms such as « QPV » and words ending in s, x or z do
    not change); a group of words must give its plural (« quartier prioritaire »), since only
    some of its words agree. ``avec_nombre=False`` returns the words alone, for an agreement
    that follows the number elsewhere in the sentence.

    >>> accorder(1, "commune"), accorder(0, "commune"), accorder(1234, "QPV")
    ('1 commune', '0 commune', '1\u202f234 QPV')
    >>> accorder(3, "jeu gardé", "jeux gardés"), accorder(2, "refusée", avec_nombre=False)
    ('3 jeux gardés', 'refusées')
    """
    if pluriel is None:
        if " " in singulier:
            raise ValueError(f"« {singulier} » : donner le pluriel d'un groupe de mots")
        invariable = singulier.isupper() or singulier.endswith(("s", "x", "z"))
        pluriel = singulier if invariable else singulier + "s"
    if nombre is None or nombre != nombre:  # unknown or NaN
        return ("nombre inconnu de " if avec_nombre else "") + pluriel
    mots = pluriel if abs(nombre) >= 2 else singulier
    if not avec_nombre:
        return mots
    return f"{nombre_fr(nombre, 0 if float(nombre).is_integer() else 1)} {mots}"


def date_fr(iso: str | None) -> str:
    """``2026-12-02T18:40:00`` → ``02/12/2026`` (``?`` when unknown)."""
    if not iso:
        return "?"
    try:
        return dt.datetime.fromisoformat(str(iso)).strftime("%d/%m/%Y")
    except ValueError:
        return str(iso)


MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def date_heure_fr(iso: str | None) -> str:
    """``2026-12-07T12:05:47`` → ``7 décembre 2026 à 12 h 05`` (a date alone: ``7 décembre 2026``).

    ``inconnue`` when there is no date; never the raw timestamp.
    """
    try:
        moment = dt.datetime.fromisoformat(str(iso))
    except (TypeError, ValueError):
        return "inconnue"
    jour = "1er" if moment.day == 1 else str(moment.day)
    texte = f"{jour} {MOIS[moment.month - 1]} {moment.year}"
    if "T" in str(iso) or " " in str(iso).strip():
        texte += f" à {moment.hour} h {moment.minute:02d}"
    return texte


def plages(annees) -> str:
    """Years as ranges in plain French: « 2008–2018, 2020–2025 », « aucune »."""
    annees = sorted(set(annees))
    morceaux: list[list[int]] = []
    for annee in annees:
        if morceaux and annee == morceaux[-1][-1] + 1:
            morceaux[-1].append(annee)
        else:
            morceaux.append([annee])
    return ", ".join(str(m[0]) if len(m) == 1 else f"{m[0]}–{m[-1]}" for m in morceaux) or "aucune"
