"""ANCT « Fabriques de territoire » (labelled tiers-lieux).

The ANCT map layer gives, for each labelled tiers-lieu, its name and its
commune (INSEE code), with the coordinates of the commune's centre, not of the
place itself: every Fabrique is therefore located « au centre de la commune ».
No SIRET is published.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.outils import nomenclature
from geo.outils.text import accorder
from geo.sources import Source, declarer, lecteur
from geo.sources import ess_commun as commun

FABRIQUES = declarer(
    Source(
        id="fabriques_territoire",
        titre="Fabriques de territoire (tiers-lieux labellisés)",
        producteur="ANCT (Agence nationale de la cohésion des territoires), programme Nouveaux lieux, "
        "nouveaux liens — carte du superposeur ANCT",
        licence="Licence Ouverte 2.0",
        millesime="Janvier 2024",
        page="https://github.com/anct-carto/superposeur-anct",
        fichier="fabriques_de_territoire_2024.csv",
        description="382 tiers-lieux labellisés « Fabrique de territoire », avec leur commune.",
        limites=("Position au centre de la commune, pas à l'adresse du lieu.", "Pas de SIRET publié."),
    )
)

_ALIAS = {
    "id": ("id_fabrique", "id"),
    "nom": ("nom", "name"),
    "commune": ("insee_com", "code_commune", "codgeo"),
    "nom_commune": ("commune", "lib_com"),
    "siret": ("siret",),
}


@lecteur
def lire(chemin: Path | str) -> tuple[pd.DataFrame, list[str]]:
    chemin = Path(chemin)
    brut = commun.lire_csv(chemin, _ALIAS, ("id", "nom", "commune"))
    tableau = commun.tableau_standard(
        FABRIQUES.id,
        FABRIQUES.millesime,
        id_source=brut.id,
        siret_brut=brut.siret,
        nom=brut.nom.str.replace(r"\s+", " ", regex=True),
        famille_source=pd.Series(nomenclature.TIERS_LIEU, index=brut.index),
        sous_type=pd.Series("Fabrique de territoire", index=brut.index),
        commune=commun.code_commune(brut.commune),
        nom_commune=brut.nom_commune,
        ligne=brut.ligne,
    )
    anomalies = []
    sans_commune = tableau.commune.isna()
    if sans_commune.any():
        n = int(sans_commune.sum())
        anomalies.append(
            f"{chemin.name} : {accorder(n, 'Fabrique')} sans code commune lisible "
            f"({accorder(n, 'ligne', avec_nombre=False)} "
            f"{', '.join(str(v) for v in tableau.ligne[sans_commune].head(5))}), "
            f"non {accorder(n, 'cartographiée', avec_nombre=False)}."
        )
    return tableau, anomalies
