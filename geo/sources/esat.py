"""ESAT (établissements et services d'aide par le travail) from the FINESS register.

The FINESS extraction lists each ESAT (``ET-…`` columns) and its managing legal
entity (``EJ-…``): SIRET, legal status, commune code, authorised capacity
(places for disabled workers, not employees). The republished copy holds
zero-padded ``insee_com``, ``dep`` and ``code_postal`` columns because the
original ones lost their leading zeros; both forms are read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo import nomenclature
from geo.sources import Source, declarer
from geo.sources import ess_commun as commun

ESAT_FINESS = declarer(
    Source(
        id="esat_finess",
        titre="ESAT : établissements et services d'aide par le travail (FINESS)",
        producteur="Ministère chargé des affaires sociales (DREES), répertoire FINESS",
        licence="Licence Ouverte 2.0",
        millesime="Extraction FINESS (date non précisée dans la copie disponible)",
        page="https://www.data.gouv.fr/fr/datasets/finess-extraction-du-fichier-des-etablissements/",
        fichier="esat_finess.csv",
        description=(
            "1 504 ESAT avec leur gestionnaire, son statut juridique, le SIRET de l'établissement, "
            "la commune et la capacité autorisée. Sans coordonnées : chaque ESAT est placé au centre "
            "de sa commune."
        ),
        limites=(
            "La capacité autorisée compte des places de travailleurs handicapés, pas des salariés : "
            "elle n'entre pas dans l'estimation des emplois.",
        ),
    )
)

_ALIAS = {
    "finess": ("ET-N°FINESS", "nofinesset", "finess_et"),
    "nom": ("ET-Raison sociale", "rs", "raison_sociale"),
    "gestionnaire": ("EJ-Raison sociale", "rs_ej"),
    "statut": ("EJ-Statut juridique Libellé", "libstatutjuridique"),
    "siret": ("ET-SIRET", "siret"),
    "adresse": ("ET-Adresse", "adresse"),
    "commune_pad": ("insee_com",),
    "commune": ("ET-Commune Code", "commune", "code_commune"),
    "nom_commune": ("ET-Commune Libellé", "libelle_commune"),
    "code_postal_pad": ("code_postal",),
    "code_postal": ("ET-Code Postal",),
    "dep_pad": ("dep",),
    "dep": ("ET-Département Code", "departement"),
    "capacite": ("Capacité autorisée agrégée", "capacite"),
}


def lire(chemin: Path | str) -> tuple[pd.DataFrame, list[str]]:
    """``esat_finess.csv`` → standard table (commune known, point at its centre)."""
    chemin = Path(chemin)
    brut = commun.lire_csv(chemin, _ALIAS, ("finess", "nom"))
    if brut.commune_pad.isna().all() and brut.commune.isna().all():
        raise commun.DonneesStructuresInvalides(
            f"{chemin.name} : colonne du code commune manquante (insee_com ou ET-Commune Code)."
        )
    communes = commun.code_commune(brut.commune_pad.fillna(brut.commune))
    # FINESS writes département and commune separately: a 3-digit commune code lost two zeros.
    capacite = pd.to_numeric(brut.capacite, errors="coerce").round().astype("Int64")
    tableau = commun.tableau_standard(
        ESAT_FINESS.id,
        ESAT_FINESS.millesime,
        id_source=brut.finess,
        siret_brut=brut.siret,
        nom=brut.nom,
        famille_source=pd.Series(nomenclature.ESAT, index=brut.index),
        sous_type=pd.Series("ESAT", index=brut.index),
        forme_juridique=(
            brut.statut.fillna("statut inconnu") + " — gestionnaire : " + brut.gestionnaire
        ).fillna(brut.statut),
        commune=communes,
        adresse=brut.adresse.str.replace(r"\s+", " ", regex=True).str.strip().replace("", pd.NA),
        code_postal=commun.code_postal(brut.code_postal_pad.fillna(brut.code_postal)),
        nom_commune=brut.nom_commune,
        dep=commun.code_departement(brut.dep_pad.fillna(brut.dep)),
        capacite=capacite,
        ligne=brut.ligne,
    )
    anomalies = []
    sans_commune = tableau.commune.isna()
    if sans_commune.any():
        anomalies.append(
            f"{chemin.name} : {int(sans_commune.sum())} ESAT sans code commune lisible (lignes "
            f"{', '.join(str(v) for v in tableau.ligne[sans_commune].head(5))}), non cartographiés."
        )
    return tableau, anomalies
