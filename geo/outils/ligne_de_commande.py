"""Command lines in French: argparse's own messages (usage, errors, help) translated.

argparse writes its errors in English (``the following arguments are required``,
``invalid int value``); the commands of this project are read by French users,
so :class:`AnalyseurFr` says them in French, with the same exit code (2).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import NoReturn

from geo.outils.text import accorder

ANNEE_MINIMUM, ANNEE_MAXIMUM = 1900, 2100


def _requis(trouve: re.Match) -> str:
    manquants = trouve.group(1)
    mots = accorder(
        len(manquants.split(", ")),
        "argument obligatoire manquant",
        "arguments obligatoires manquants",
        avec_nombre=False,
    )
    return f"{mots} : {manquants}"


def _valeurs_attendues(trouve: re.Match) -> str:
    return f"l'option {trouve.group(1)} attend {accorder(int(trouve.group(2)), 'valeur')}"


# argparse's messages (Python 3.11 to 3.13), in the order they are tried.
_TRADUCTIONS: tuple[tuple[str, str | Callable[[re.Match], str]], ...] = (
    (r"the following arguments are required: (.*)", _requis),
    (r"one of the arguments (.*) is required", r"l'un des arguments \1 est obligatoire"),
    (r"ambiguous option: (\S+) could match (.*)", r"option ambiguë : \1 peut désigner \2"),
    (r"argument (.+?): expected one argument", r"l'option \1 attend une valeur"),
    (r"argument (.+?): expected at most one argument", r"l'option \1 attend au plus une valeur"),
    (r"argument (.+?): expected at least one argument", r"l'option \1 attend au moins une valeur"),
    (r"argument (.+?): expected (\d+) arguments?", _valeurs_attendues),
    (
        r"argument (.+?): invalid choice: (.*?) \(choose from (.*)\)",
        r"argument \1 : valeur \2 non permise (valeurs permises : \3)",
    ),
    (r"argument (.+?): invalid (\S+) value: (.*)", r"argument \1 : valeur \3 invalide"),
    (r"argument (.+?): not allowed with argument (.*)", r"l'option \1 ne peut pas être donnée avec \2"),
    (r"argument (.+?): ignored explicit argument (.*)", r"l'option \1 ne prend pas de valeur (\2)"),
    (r"argument (.+?): (.*)", r"argument \1 : \2"),
)


def _non_reconnus(valeurs: str) -> str:
    # Options are named; other words are only counted: a password typed where it should
    # not be must not be printed back (nor land in a log).
    mots = valeurs.split()
    options = [m for m in mots if m.startswith("-")]
    autres = len(mots) - len(options)
    texte = ", ".join(options)
    if autres:
        cachees = accorder(autres, "valeur non affichée", "valeurs non affichées")
        texte += (" et " if options else "") + cachees
    nombre = len(options) + autres
    mots = accorder(nombre, "argument non reconnu", "arguments non reconnus", avec_nombre=False)
    return f"{mots} : {texte}"


def traduire(message: str) -> str:
    """argparse's English error message in French (left as is when unknown)."""
    if (non_reconnus := re.fullmatch(r"unrecognized arguments: (.*)", message, flags=re.DOTALL)) is not None:
        return _non_reconnus(non_reconnus.group(1))
    for motif, traduction in _TRADUCTIONS:
        if re.fullmatch(motif, message, flags=re.DOTALL):
            return re.sub(motif, traduction, message, count=1, flags=re.DOTALL)
    return message


class _FormatFr(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, prefix="utilisation : " if prefix is None else prefix)


class AnalyseurFr(argparse.ArgumentParser):
    """An ArgumentParser whose usage, help and errors are in French."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _FormatFr)
        # « --mot-de-passe » must not silently mean « --mot-de-passe-stdin ».
        kwargs.setdefault("allow_abbrev", False)
        avec_aide = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        if avec_aide:
            self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {traduire(message)}\n")


def annee(texte: str) -> int:
    """A year on four digits between 1900 and 2100 (argparse ``type``), the bounds of the store."""
    valeur = texte.strip()
    if not re.fullmatch(r"\d{4}", valeur) or not ANNEE_MINIMUM <= int(valeur) <= ANNEE_MAXIMUM:
        raise argparse.ArgumentTypeError(
            f"année « {texte} » invalide : écrivez l'année sur 4 chiffres, entre {ANNEE_MINIMUM} "
            f"et {ANNEE_MAXIMUM} (par exemple 2022)."
        )
    return int(valeur)


__all__ = ["ANNEE_MAXIMUM", "ANNEE_MINIMUM", "AnalyseurFr", "annee", "traduire"]
