"""How a CSV file is written: its encoding and separator, told from its first bytes.

Official and user files come as UTF-8 (with or without BOM), Windows-1252 or
Latin-1, separated by ``;``, ``,``, tabs or ``|``. One function decides, for
every loader and for imports, so that they all accept the same files.
"""

from __future__ import annotations

import codecs

SEPARATEURS = (";", ",", "\t", "|")


def encodage(echantillon: bytes) -> str:
    """``utf-8-sig``, ``utf-8``, ``cp1252`` or ``latin-1``.

    The sample may end in the middle of a UTF-8 character: that does not make it another encoding.

    >>> encodage("Été".encode("utf-8")), encodage("Été".encode("cp1252")), encodage(b"\\xef\\xbb\\xbfa")
    ('utf-8', 'cp1252', 'utf-8-sig')
    >>> encodage("é".encode("utf-8")[:1])
    'utf-8'
    """
    if echantillon.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        echantillon.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as erreur:
        if erreur.reason == "unexpected end of data":
            return "utf-8"
    try:
        echantillon.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def separateur(premiere_ligne: str) -> str | None:
    """The separator used most in the header line, or None when there is none.

    >>> separateur("a;b;c"), separateur("a,b"), separateur("a\\tb"), separateur("seul")
    (';', ',', '\\t', None)
    """
    comptes = {sep: premiere_ligne.count(sep) for sep in SEPARATEURS}
    choisi = max(comptes, key=comptes.get)
    return choisi if comptes[choisi] else None


def detecter(echantillon: bytes) -> tuple[str, str | None, str]:
    """(encoding, separator or None, header line) of a CSV from its first bytes."""
    code = encodage(echantillon)
    texte = echantillon.decode(code, errors="replace").lstrip("\ufeff")
    premiere = texte.splitlines()[0] if texte.strip() else ""
    return code, separateur(premiere), premiere
