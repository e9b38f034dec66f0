"""Structures d'insertion par l'activité économique (SIAE): two official lists.

- ``siae_2021_points.csv``: the SIAE known to the « marché de l'inclusion »
  (GIP Plateforme de l'inclusion) early 2021, from the ASP lists, with SIRET,
  kind (ACI, EI, AI, ETTI, GEIQ, EA), NAF, address and WGS84 coordinates
  (geocoded addresses), no INSEE commune code;
- ``liste_siae_2019_07.csv``: the ASP national list of July 2019, one row per
  SIAE and measure (``MESURE``), département on 3 characters (``002``, Nord split
  into ``59L``/``59V``), no coordinates.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.outils import nomenclature
from geo.sources import Source, declarer, lecteur
from geo.sources import ess_commun as commun

SIAE_2021 = declarer(
    Source(
        id="siae_2021",
        titre="Structures d'insertion par l'activité économique (SIAE), avec coordonnées",
        producteur="ASP et GIP Plateforme de l'inclusion (le marché de l'inclusion)",
        licence="Licence Ouverte 2.0",
        millesime="Début 2021",
        page="https://github.com/gip-inclusion/le-marche",
        fichier="siae_2021_points.csv",
        description=(
            "3 853 SIAE (ateliers et chantiers d'insertion, entreprises d'insertion, associations "
            "intermédiaires, ETTI, GEIQ, entreprises adaptées) avec SIRET, activité, adresse et "
            "coordonnées géocodées."
        ),
        limites=("Liste de début 2021 : des structures ont fermé ou ouvert depuis.",),
    )
)
SIAE_2019 = declarer(
    Source(
        id="siae_2019",
        titre="Liste nationale des SIAE conventionnées (ASP)",
        producteur="Agence de services et de paiement (ASP)",
        licence="Licence Ouverte 2.0",
        millesime="Juillet 2019",
        page="https://www.data.gouv.fr/fr/datasets/liste-des-structures-de-linsertion-par-lactivite-economique-siae/",
        fichier="liste_siae_2019_07.csv",
        description=(
            "Une ligne par SIAE et par mesure (ACI, AI, EI, ETTI), avec SIRET, activité, forme "
            "juridique et adresse, sans coordonnées : ces structures sont placées au centre de "
            "leur commune, reconnue par son nom dans son département."
        ),
        limites=("Liste de juillet 2019.", "Sans coordonnées : position au centre de la commune."),
    )
)

_ALIAS_2021 = {
    "siret": ("siret",),
    "nom": ("name", "nom", "raison_sociale"),
    "enseigne": ("brand", "enseigne"),
    "type": ("kind", "type", "mesure"),
    "naf": ("naf", "code_naf"),
    "adresse": ("address", "adresse"),
    "code_postal": ("post_code", "code_postal"),
    "ville": ("city", "commune", "ville"),
    "dep": ("department", "departement", "dep"),
    "lon": ("longitude", "lon", "lng"),
    "lat": ("latitude", "lat"),
    "effectif": ("api_entreprise_employees", "tranche_effectif", "employees"),
}
_ALIAS_2019 = {
    "mesure": ("MESURE",),
    "dep": ("CODE_DEPARTEMENT",),
    "code_postal": ("CODE_POSTAL", "CODE_POST_COM"),
    "ville": ("LIB_COM", "COMMUNE"),
    "naf": ("CODE_NAF2", "CODE_NAF"),
    "nature": ("NATURE_JURIDIQUE",),
    "siret": ("SIRET",),
    "nom": ("DENOMINATION_SOCIALE", "RAISON_SOCIALE"),
    "num": ("NUM_RUE",),
    "rue": ("NOM_RUE",),
}


def _sous_type(types: pd.Series) -> pd.Series:
    codes = types.astype("string").str.strip().str.upper()
    return codes.map(lambda c: nomenclature.SOUS_TYPES_SIAE.get(c, c) if isinstance(c, str) else pd.NA)


@lecteur
def lire_2021(chemin: Path | str) -> tuple[pd.DataFrame, list[str]]:
    """``siae_2021_points.csv`` → standard table (precision « adresse » where located)."""
    chemin = Path(chemin)
    brut = commun.lire_csv(chemin, _ALIAS_2021, ("siret", "nom", "type", "lon", "lat"))
    anomalies: list[str] = []
    lon, lat = commun.coordonnees(brut.lon, brut.lat, brut.ligne, chemin.name, anomalies)
    localisees = lon.notna() & lat.notna()
    tableau = commun.tableau_standard(
        SIAE_2021.id,
        SIAE_2021.millesime,
        id_source=brut.siret,
        siret_brut=brut.siret,
        nom=brut.nom,
        famille_source=pd.Series(nomenclature.SIAE, index=brut.index),
        sous_type=_sous_type(brut.type),
        naf=brut.naf.map(nomenclature.normaliser_naf),
        # API Entreprise's headcount is the legal unit's, not the establishment's.
        tranche_effectif_ul=brut.effectif.map(nomenclature.normaliser_tranche),
        lon=lon,
        lat=lat,
        precision=pd.Series(commun.PRECISION_ADRESSE, index=brut.index).where(localisees),
        adresse=brut.adresse,
        code_postal=commun.code_postal(brut.code_postal),
        nom_commune=brut.ville,
        dep=commun.code_departement(brut.dep),
        ligne=brut.ligne,
    )
    return tableau, anomalies


@lecteur
def lire_2019(chemin: Path | str) -> tuple[pd.DataFrame, list[str]]:
    """``liste_siae_2019_07.csv`` → standard table, one row per SIRET (its measures joined)."""
    chemin = Path(chemin)
    brut = commun.lire_csv(chemin, _ALIAS_2019, ("mesure", "siret", "nom", "dep"))
    adresse = (brut.num.fillna("") + " " + brut.rue.fillna("")).str.strip().replace("", pd.NA)
    tableau = commun.tableau_standard(
        SIAE_2019.id,
        SIAE_2019.millesime,
        id_source=brut.siret,
        siret_brut=brut.siret,
        nom=brut.nom,
        famille_source=pd.Series(nomenclature.SIAE, index=brut.index),
        sous_type=_sous_type(brut.mesure),
        forme_juridique=brut.nature,
        naf=brut.naf.map(nomenclature.normaliser_naf),
        adresse=adresse,
        code_postal=commun.code_postal(brut.code_postal),
        nom_commune=brut.ville,
        dep=commun.code_departement(brut.dep),
        ligne=brut.ligne,
    )
    # One SIAE holding several measures is one structure.
    avec_siret = tableau[tableau.siret_brut.notna()]
    sans_siret = tableau[tableau.siret_brut.isna()]
    mesures = avec_siret.groupby("siret_brut").sous_type.agg(lambda s: " ; ".join(sorted(set(s.dropna()))))
    premieres = avec_siret.drop_duplicates("siret_brut").set_index("siret_brut", drop=False)
    premieres["sous_type"] = mesures.reindex(premieres.index).astype("string")
    return pd.concat([premieres.reset_index(drop=True), sans_siret], ignore_index=True), []
