"""Subsidy agreements published by public bodies in the SCDL « subventions » format.

Since décret n° 2017-779 every commune, EPCI, département and région over
3 500 inhabitants publishes its subsidies over 23 000 € in one format, the
Socle commun des données locales (OpenDataFrance). Real files differ from the
format in ways these modules know:

- **containers**: CSV in any separator and encoding (including a UTF-8 BOM in
  front of a Windows-1252 body, which no single codec reads), XLSX, XLS and
  ODS (read by ``python-calamine``), a header row below title rows;
- **versions**: 1.0.0's upper-case names (``ATTRIBUANT_NOM``), the camelCase
  names of 1.1 to 2.1.1, and home-made layouts (French labels, ``COLL_NOM``…)
  matched by their labels. :func:`~geo.sources.scdl_lecture.detecter_version` tells them
  apart;
- **defects**: each file is validated with ``frictionless`` against the official
  table schema of its version (``schemas/scdl-subventions-*/schema.json`` of the
  mirror) and every defect becomes a French sentence naming row and column.

Then each row is normalised. Safe repairs are made and counted (dates written
``AAAA/MM/JJ`` or ``JJ/MM/AAAA``, amounts written the French way ``26 956,00``,
SIRETs with spaces); what cannot be repaired is refused and counted: a SIRET a
spreadsheet turned into ``3,26E+13`` (its digits are gone), a row with more
cells than the header (an unquoted decimal comma in a comma-separated file
shifts every column after it), a row without a readable amount. A beneficiary
given by its 9-digit SIREN is kept at that level, never guessed to an
establishment.

:func:`lire` does all of it, one job per module: :mod:`~geo.sources.scdl_publies` (the mirror's
files, declared as sources), :mod:`~geo.sources.scdl_lecture` (the container, the columns, the
version), :mod:`~geo.sources.scdl_validation` (the official schema) and
:mod:`~geo.sources.scdl_lignes` (each row normalised, repairs and refusals counted).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.outils.text import accorder
from geo.sources import lecteur
from geo.sources.scdl_lecture import FichierScdlInvalide, correspondances, detecter_version, lire_brut
from geo.sources.scdl_lignes import COLONNES_SUBVENTIONS, LectureScdl, normaliser
from geo.sources.scdl_publies import FichierPublie
from geo.sources.scdl_validation import valider


@lecteur
def lire(
    chemin: Path,
    version: str | None = None,
    publie: FichierPublie | None = None,
    dossier_schemas_: Path | None = None,
    octets: bytes | None = None,
) -> LectureScdl:
    """Read, validate and normalise one published file.

    ``version`` forces the schema version (otherwise told from the columns).

    Raises
    ------
    FichierScdlInvalide
        When the file cannot be read at all or has no SCDL column (French message).
    """
    brut = lire_brut(chemin, octets)
    positions, _ = correspondances(brut.entetes)
    if "montant" not in positions.values():
        raise FichierScdlInvalide(
            f"{chemin.name} : aucune colonne de montant (« montant ») dans l'en-tête ; "
            "ce n'est pas un fichier de subventions au format SCDL."
        )
    version = version or detecter_version(brut.entetes)
    validation = valider(brut, chemin.name, version, dossier_schemas_)
    lecture = LectureScdl(
        fichier=chemin.name,
        format=brut.format,
        version=version,
        validation=validation,
        subventions=pd.DataFrame(columns=COLONNES_SUBVENTIONS),
        encodage=brut.encodage,
        separateur=brut.separateur,
    )
    lecture.subventions = normaliser(brut, publie, lecture)
    # SIRET checksum: the schemas' custom check, which frictionless does not run.
    if lecture.identifiants_refuses.get("cle_fausse"):
        validation.ajouter(
            "idBeneficiaire : clé de contrôle",
            f"{chemin.name} : "
            + accorder(
                lecture.identifiants_refuses["cle_fausse"],
                "identifiant de bénéficiaire",
                "identifiants de bénéficiaire",
            )
            + " à la clé de contrôle (Luhn) fausse",
        )
    return lecture
