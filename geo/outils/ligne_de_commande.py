"""Command lines in French: argparse's own messages (usage, errors, help) translated, a quiet terminal.

argparse writes its errors in English (``the following arguments are required``,
``invalid int value``); the commands of this project are read by French users,
so :class:`AnalyseurFr` says them in French, with the same exit code (2).

Libraries log in English (alembic's « Context impl SQLiteImpl », urllib3's retries):
:func:`journal` keeps their messages, and our own details, out of the terminal unless
``--verbose`` is given, and writes everything to a log file when the command keeps one.
"""

from __future__ import annotations

import argparse
import functools
import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from geo.outils import journaux
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


def _nom_de_commande(prog: str | None) -> str | None:
    # Called through a console script (ess-rapport…), the help names that command.
    lancee = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return lancee if lancee.startswith("ess-") else prog


class AnalyseurFr(argparse.ArgumentParser):
    """An ArgumentParser whose usage, help and errors are in French.

    It has a ``--verbose`` option (``verbeux=False`` for a sub-command's parser) that
    :func:`journal` reads.
    """

    def __init__(self, *args, verbeux: bool = True, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _FormatFr)
        # « --mot-de-passe » must not silently mean « --mot-de-passe-stdin ».
        kwargs.setdefault("allow_abbrev", False)
        if verbeux:
            kwargs["prog"] = _nom_de_commande(kwargs.get("prog"))
        avec_aide = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        if avec_aide:
            self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")
        if verbeux:
            self.add_argument(
                "--verbose",
                action="store_true",
                help="montrer aussi dans le terminal le détail des opérations et les messages "
                "des bibliothèques (en anglais)",
            )

    def add_subparsers(self, **kwargs):
        # A sub-command's own default would overwrite the --verbose given before it.
        kwargs.setdefault("parser_class", functools.partial(AnalyseurFr, verbeux=False))
        return super().add_subparsers(**kwargs)

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


# ``extra`` of a record that belongs in the log file, not in the terminal (each failed
# download, each address tried): the terminal says one line per dataset instead.
DETAIL = {"detail": True}


def _pour_le_terminal(enregistrement: logging.LogRecord) -> bool:
    """Our own lines (loggers ``geo.*``), not their details; anyone's errors."""
    if enregistrement.levelno >= logging.ERROR:
        return True
    notre = enregistrement.name == "geo" or enregistrement.name.startswith("geo.")
    return notre and not getattr(enregistrement, "detail", False)


@contextmanager
def journal(verbeux: bool = False, fichier: Path | None = None) -> Iterator[None]:
    """Logging of one command: our French lines in the terminal, everything in ``fichier``.

    ``verbeux`` (``--verbose``) lets every logger's messages, libraries' included, reach the
    terminal. The file, when given, is rewritten at each run and also gets our debug records
    (a failed step's traceback). Python warnings go through the same channels.
    """
    racine, notre = logging.getLogger(), logging.getLogger("geo")
    niveaux_avant = racine.level, notre.level
    gestionnaires: list[logging.Handler] = []
    terminal = journaux.SortieErreurs()
    terminal.setLevel(logging.INFO)
    if journaux.en_json():
        # production (ESS_JOURNAUX=json): what a log collector reads, cleaned as the servers'
        terminal.setFormatter(journaux.FormatJSON())
        terminal.addFilter(journaux.Expurgation())
    elif verbeux:
        terminal.setFormatter(logging.Formatter("%(name)s : %(message)s"))
    else:
        terminal.setFormatter(logging.Formatter("%(message)s"))
    if not verbeux:
        terminal.addFilter(_pour_le_terminal)
    gestionnaires.append(terminal)
    if fichier is not None:
        fichier.parent.mkdir(parents=True, exist_ok=True)
        ecrit = logging.FileHandler(fichier, mode="w", encoding="utf-8")
        ecrit.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s : %(message)s"))
        gestionnaires.append(ecrit)
        notre.setLevel(logging.DEBUG)
    racine.setLevel(logging.INFO)
    for gestionnaire in gestionnaires:
        racine.addHandler(gestionnaire)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        for gestionnaire in gestionnaires:
            racine.removeHandler(gestionnaire)
            gestionnaire.close()
        racine.setLevel(niveaux_avant[0])
        notre.setLevel(niveaux_avant[1])


__all__ = ["ANNEE_MAXIMUM", "ANNEE_MINIMUM", "DETAIL", "AnalyseurFr", "annee", "journal", "traduire"]
