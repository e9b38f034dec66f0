"""Import of a published SCDL « subventions » file by a user (Saisie page), all or nothing.

A file that a public body publishes and that is not in the data mirror yet can be
imported: it is read, validated and normalised exactly as the mirror's files
(:func:`geo.sources.scdl.lire`). The import is all or nothing, like the other
imports of the Saisie page: when a single row cannot be read (a row broken by an
unquoted decimal comma, an amount that is not one), nothing is kept and every
such row is listed in French. Defects against the official schema that the
reader repairs or reports without losing the row (a French amount, a date
``AAAA/MM/JJ``, a SIRET destroyed by a spreadsheet) do not block the import:
they are counted in the report.

An accepted file is kept as it was published, under
``<ESS_DATA_DIR>/subventions_importees/``, and read with the built table by
:func:`geo.donnees.subventions.charger` (its rows carry ``source = "import:<file>"``).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.outils import config
from geo.outils.text import accorder, nombre_fr
from geo.sources import scdl, scdl_lignes

NOM_DOSSIER = "subventions_importees"
PREFIXE_SOURCE = "import:"
EXTENSIONS = (".csv", ".txt", ".xlsx", ".xls", ".ods", ".xlsm")
TAILLE_MAX = 50 * 1024 * 1024


class ImportSubventionsRefuse(ValueError):
    """Nothing was imported; ``messages`` say why, in French, row by row."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ; ".join(messages[:3]))
        self.messages = messages


@dataclass
class RapportImportSubventions:
    fichier: str
    conventions: int
    montant_total_eur: float
    version: str | None
    remarques: list[str] = field(default_factory=list)

    def resume(self) -> str:
        return (
            f"{self.fichier} importé : {accorder(self.conventions, 'convention')}, "
            f"{nombre_fr(self.montant_total_eur)} € ("
            + (f"schéma SCDL {self.version}" if self.version else "colonnes hors du format SCDL, reconnues")
            + ")."
        )


def dossier(dossier_donnees: Path | None = None) -> Path:
    return (dossier_donnees or config.dossier_donnees()) / NOM_DOSSIER


def _nom_sur(nom: str) -> str:
    """A file name that cannot leave the folder (no path, no control character)."""
    base = Path(nom.replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .") or "fichier"
    return base[:120]


def lire_import(contenu: bytes, nom_fichier: str) -> scdl_lignes.LectureScdl:
    """Read an uploaded file as the mirror's files are read (raises ``ImportSubventionsRefuse``)."""
    nom = _nom_sur(nom_fichier)
    if not contenu:
        raise ImportSubventionsRefuse([f"{nom} : fichier vide."])
    if len(contenu) > TAILLE_MAX:
        raise ImportSubventionsRefuse([f"{nom} : fichier de plus de 50 Mo, refusé."])
    if not nom.lower().endswith(EXTENSIONS):
        raise ImportSubventionsRefuse(
            [f"{nom} : format non reconnu ; fichiers acceptés : CSV, XLSX, XLS ou ODS."]
        )
    with tempfile.TemporaryDirectory() as temporaire:
        chemin = Path(temporaire) / nom
        chemin.write_bytes(contenu)
        try:
            return scdl.lire(chemin)
        except scdl.FichierScdlInvalide as erreur:
            raise ImportSubventionsRefuse([str(erreur)]) from erreur


def importer(
    contenu: bytes, nom_fichier: str, dossier_donnees: Path | None = None
) -> RapportImportSubventions:
    """Check and keep a published file; nothing is kept unless every row can be read."""
    lecture = lire_import(contenu, nom_fichier)
    if lecture.lignes_refusees:
        n = lecture.lignes_refusees
        messages = [
            f"Rien n'a été importé : {accorder(n, 'ligne')} sur {nombre_fr(lecture.lignes_lues)} "
            f"{accorder(n, 'ne peut pas être lue', 'ne peuvent pas être lues', avec_nombre=False)} sans "
            f"risque ; {accorder(n, 'corrigez-la', 'corrigez-les', avec_nombre=False)} dans le fichier "
            "puis importez-le à nouveau.",
            *lecture.messages_refus,
        ]
        raise ImportSubventionsRefuse(messages)
    if lecture.subventions.empty:
        raise ImportSubventionsRefuse(
            [f"{lecture.fichier} : aucune convention de subvention dans le fichier."]
        )
    cible = dossier(dossier_donnees)
    cible.mkdir(parents=True, exist_ok=True)
    empreinte = hashlib.sha256(contenu).hexdigest()[:10]
    for existant in cible.iterdir():
        if existant.name.startswith(empreinte + "_"):
            raise ImportSubventionsRefuse(
                [f"{lecture.fichier} : ce fichier a déjà été importé ({existant.name})."]
            )
    (cible / f"{empreinte}_{_nom_sur(nom_fichier)}").write_bytes(contenu)
    return RapportImportSubventions(
        fichier=lecture.fichier,
        conventions=len(lecture.subventions),
        montant_total_eur=round(float(lecture.subventions.montant_eur.sum()), 2),
        version=lecture.version,
        remarques=[*lecture.phrases()[1:], *lecture.validation.resume()[:5]],
    )


def fichiers_importes(dossier_donnees: Path | None = None) -> list[Path]:
    chemin = dossier(dossier_donnees)
    return sorted(p for p in chemin.iterdir() if p.is_file()) if chemin.is_dir() else []


def empreinte_imports(dossier_donnees: Path | None = None) -> str:
    """Names and sizes of the imported files: changes when one is added (for caches)."""
    return ";".join(f"{p.name}:{p.stat().st_size}" for p in fichiers_importes(dossier_donnees))


def lire_importes(dossier_donnees: Path | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Rows of every imported file (``source = "import:<file>"``) and their counts."""
    tables, comptes = [], []
    for chemin in fichiers_importes(dossier_donnees):
        source = PREFIXE_SOURCE + chemin.name
        try:
            lecture = scdl.lire(chemin)
        except scdl.FichierScdlInvalide as erreur:  # accepted once; a newer reader may say otherwise
            comptes.append({"source": source, "fichier": chemin.name, "refuse": str(erreur)})
            continue
        comptes.append({"source": source, **lecture.comptes()})
        tables.append(lecture.subventions.assign(source=source))
    if not tables:
        return pd.DataFrame(columns=[*scdl_lignes.COLONNES_SUBVENTIONS, "source"]), comptes
    return pd.concat(tables, ignore_index=True), comptes
