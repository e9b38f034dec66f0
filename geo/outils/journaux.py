"""One logging setup for the app processes and the commands.

``ESS_JOURNAUX=json`` (production): one JSON object per line on stderr, with ``moment``,
``niveau``, ``journal`` (the logger's name), ``message`` and the record's own fields (``extra=``),
for a log collector. Otherwise readable text. Either way:

- libraries' chatter (alembic, urllib3, the web server's access log…) stays at WARNING: the
  server's access log would write every address with its query string (which territory, what was
  searched);
- what reaches the log is cleaned of what must never be kept (:func:`expurger`): query strings,
  e-mail addresses, a database password in an address.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys

VARIABLE = "ESS_JOURNAUX"
BIBLIOTHEQUES = (
    "alembic",
    "urllib3",
    "requests",
    "httpx",
    "httpcore",
    "sqlalchemy",
    "tornado",
    "tornado.access",
    "uvicorn",
    "uvicorn.access",
    "websockets",
    "asyncio",
    "fiona",
    "pyogrio",
    "matplotlib",
    "PIL",
    "fontTools",
    "watchdog",
    "kaleido",
    "choreographer",
)
# The attributes every LogRecord has: the others were given with ``extra=``.
_ATTRIBUTS_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

_REQUETE = re.compile(r"(?<=[\w/.\-])\?[^\s\"'<>]*")
_COURRIEL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_MOT_DE_PASSE = re.compile(r"(\w+://[^\s:/@]+:)[^\s@/]+@")


def expurger(texte: str) -> str:
    """``texte`` without query strings, e-mail addresses nor passwords in addresses.

    >>> expurger("GET /carte?territoire=epci:200042190 de jean.dupont@exemple.fr")
    'GET /carte?… de [courriel]'
    >>> expurger("postgresql://ess:secret@db:5432/ess injoignable")
    'postgresql://ess:***@db:5432/ess injoignable'
    """
    texte = _MOT_DE_PASSE.sub(r"\1***@", texte)
    texte = _COURRIEL.sub("[courriel]", texte)
    return _REQUETE.sub("?…", texte)


class Expurgation(logging.Filter):
    """Cleans each record's message (and its exception text) before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = expurger(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = expurger(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class FormatJSON(logging.Formatter):
    """One JSON object per line: moment, niveau, journal, message, then the record's own fields."""

    def format(self, record: logging.LogRecord) -> str:
        ligne = {
            "moment": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "niveau": record.levelname,
            "journal": record.name,
            "message": expurger(record.getMessage()),
        }
        for cle, valeur in vars(record).items():
            if cle not in _ATTRIBUTS_STANDARD and not cle.startswith("_") and cle not in ligne:
                ligne[cle] = expurger(valeur) if isinstance(valeur, str) else valeur
        if record.exc_info:
            record.exc_text = record.exc_text or self.formatException(record.exc_info)
        if record.exc_text:
            ligne["exception"] = expurger(record.exc_text)
        return json.dumps(ligne, ensure_ascii=False, default=str)


class SortieErreurs(logging.StreamHandler):
    """stderr as it is when a record is written (a test may have swapped it since the setup)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _valeur) -> None:
        pass


def en_json() -> bool:
    return os.environ.get(VARIABLE, "").strip().lower() == "json"


def formateur() -> logging.Formatter:
    """The formatter of this process's logs (JSON lines or text, from ``ESS_JOURNAUX``)."""
    if en_json():
        return FormatJSON()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s : %(message)s", "%Y-%m-%d %H:%M:%S")


def configurer(niveau: int = logging.INFO, texte_brut: bool = False, forcer: bool = False) -> None:
    """Send this process's logs to stderr, as ``ESS_JOURNAUX`` says; idempotent.

    ``texte_brut``: in text mode, only the message (commands whose log is their progress). As
    :func:`logging.basicConfig`, nothing is changed when someone else already handles the root
    logger (pytest, a host program), unless ``forcer``.
    """
    racine = logging.getLogger()
    if not forcer and any(not getattr(h, "_ess", False) for h in racine.handlers):
        return
    for ancien in [h for h in racine.handlers if getattr(h, "_ess", False)]:
        racine.removeHandler(ancien)
    sortie = SortieErreurs()
    sortie._ess = True  # type: ignore[attr-defined]
    sortie.setFormatter(logging.Formatter("%(message)s") if texte_brut and not en_json() else formateur())
    sortie.addFilter(Expurgation())
    racine.addHandler(sortie)
    racine.setLevel(niveau)
    for nom in BIBLIOTHEQUES:
        logging.getLogger(nom).setLevel(logging.WARNING)
