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

from geo.outils import nomenclature
from geo.outils.text import accorder
from geo.sources import Source, declarer, lecteur
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


@lecteur
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


# The official monthly extraction ----------------------------------------------------

EXTRACTION_FINESS = declarer(
    Source(
        id="esat_finess_extraction",
        titre="FINESS : extraction des établissements géolocalisés (ESAT retenus)",
        producteur="Ministère chargé des affaires sociales (DREES), répertoire FINESS",
        licence="Licence Ouverte 2.0",
        millesime="Extraction mensuelle (date du fichier téléchargé)",
        page="https://www.data.gouv.fr/fr/datasets/finess-extraction-du-fichier-des-etablissements/",
        fichier="etalab-cs1100507-stock.csv",
        # The file is renamed every month: the latest resource of the dataset is taken.
        jeu_datagouv="finess-extraction-du-fichier-des-etablissements",
        ressource=r"cs1100507",
        remplace=("esat_finess",),
        description=(
            "Extraction officielle de tous les établissements FINESS ; seuls les ESAT (catégorie 246) "
            "sont gardés, placés au centre de leur commune."
        ),
    )
)
CATEGORIE_ESAT = "246"
# Positions in a ``structureet`` line of the extraction (no header row in the file).
_CHAMPS_ETABLISSEMENT = {
    "finess": 1,
    "nom": 3,
    "numvoie": 7,
    "typvoie": 8,
    "voie": 9,
    "commune": 12,
    "departement": 13,
    "acheminement": 15,
    "categorie": 18,
    "siret": 22,
}
# Overseas départements are written 9A…9F, and the commune field holds the third digit.
_DEPARTEMENTS_OUTRE_MER = {"9A": "97", "9B": "97", "9C": "97", "9D": "97", "9E": "97", "9F": "97"}


def _decoder(donnees: bytes) -> str:
    for encodage in ("utf-8-sig", "cp1252"):
        try:
            return donnees.decode(encodage)
        except UnicodeDecodeError:
            continue
    return donnees.decode("latin-1")


@lecteur
def lire_extraction(chemin: Path | str) -> tuple[pd.DataFrame, list[str]]:
    """The official FINESS extraction (``etalab-cs1100507-stock-….csv``) → ESAT, standard table."""
    import csv
    import io

    chemin = Path(chemin)
    texte = _decoder(chemin.read_bytes())
    lignes = csv.reader(io.StringIO(texte), delimiter=";")
    entete = next(lignes, None)
    if not entete or entete[:2] != ["finess", "etalab"]:
        raise commun.DonneesStructuresInvalides(
            f"{chemin.name} : ce n'est pas une extraction FINESS (première ligne « finess;etalab;… » "
            "attendue)."
        )
    gardees, numeros = [], []
    courtes = 0
    for numero, champs in enumerate(lignes, start=2):
        if not champs or champs[0] != "structureet":
            continue
        if len(champs) <= _CHAMPS_ETABLISSEMENT["siret"]:
            courtes += 1
            continue
        if champs[_CHAMPS_ETABLISSEMENT["categorie"]].strip() != CATEGORIE_ESAT:
            continue
        gardees.append({nom: champs[i].strip() for nom, i in _CHAMPS_ETABLISSEMENT.items()})
        numeros.append(numero)
    if not gardees:
        raise commun.DonneesStructuresInvalides(
            f"{chemin.name} : aucun ESAT (catégorie 246) dans l'extraction."
        )
    brut = pd.DataFrame(gardees).replace("", pd.NA)
    departements = brut.departement.fillna("")
    prefixes = departements.map(_DEPARTEMENTS_OUTRE_MER).fillna(departements)
    communes = commun.code_commune(prefixes + brut.commune.fillna(""))
    code_postal = brut.acheminement.str.extract(r"^(\d{5})")[0]
    adresse = brut.numvoie.fillna("") + " " + brut.typvoie.fillna("") + " " + brut.voie.fillna("")
    tableau = commun.tableau_standard(
        EXTRACTION_FINESS.id,
        EXTRACTION_FINESS.millesime,
        id_source=brut.finess,
        siret_brut=brut.siret,
        nom=brut.nom,
        famille_source=pd.Series(nomenclature.ESAT, index=brut.index),
        sous_type=pd.Series("ESAT", index=brut.index),
        commune=communes,
        adresse=adresse.str.replace(r"\s+", " ", regex=True).str.strip().replace("", pd.NA),
        code_postal=commun.code_postal(code_postal),
        nom_commune=brut.acheminement.str.replace(r"^\d{5}\s*", "", regex=True),
        dep=commun.code_departement(prefixes.where(prefixes != "97", prefixes + brut.commune.str[:1])),
        ligne=pd.Series(numeros, index=brut.index),
    )
    anomalies = []
    if courtes:
        anomalies.append(
            f"{chemin.name} : {accorder(courtes, 'ligne')} d'établissement "
            f"{accorder(courtes, 'incomplète', avec_nombre=False)}, "
            f"{accorder(courtes, 'ignorée', avec_nombre=False)}."
        )
    return tableau, anomalies
