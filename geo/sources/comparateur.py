"""Census figures per commune: INSEE's « base du comparateur de territoires » (edition 2024).

``communes_comparateur_insee_2024.csv`` (COG 2024) holds one row per commune
*and per postal code*, plus the delegated communes (``COMD``) repeating their
parent's figures, and the Paris/Lyon/Marseille arrondissements (``ARM``) instead
of the three communes. :func:`lire` returns one row per commune code of the
file: ``COM`` rows once each, arrondissements summed into their commune. Zeros
where the census did not count (Mayotte, communes created after it) are unknown,
not zero.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.outils import csv_souple
from geo.outils.codes import parmi
from geo.outils.text import accorder
from geo.sources import Source, declarer, lecteur

MILLESIME_POPULATION = "2021"
MILLESIME_EVOLUTION = "2015"

COMPARATEUR = declarer(
    Source(
        id="insee_comparateur_communes",
        titre="Populations et chômage par commune (recensement 2021)",
        producteur="INSEE, base du comparateur de territoires (édition du 27/06/2024), COG 2024",
        licence="Licence Ouverte 2.0",
        millesime="population municipale 2021 et 2015 ; actifs et chômeurs de 15 à 64 ans, recensement 2021",
        page="https://www.insee.fr/fr/statistiques/2521169",
        fichier="communes_comparateur_insee_2024.csv",
        # The edition date INSEE gives the comparateur's base.
        date_publication="2024-06-27",
        description=(
            "Population municipale 2021 et 2015, actifs et chômeurs de 15 à 64 ans au sens du recensement, "
            "par commune. Les arrondissements de Paris, Lyon et Marseille sont additionnés ; les communes "
            "déléguées, qui répètent les chiffres de leur commune, sont ignorées."
        ),
        limites=(
            "Mayotte : pas de recensement exhaustif, chiffres absents (affichés « inconnu »).",
            "Taux de chômage au sens du recensement (déclaratif), différent du taux localisé du BIT.",
        ),
    )
)

COLONNES = {
    "population_2021": "population",
    "population_2015": "population_2015",
    "pop_15_64_chomage_2021": "chomeurs",
    "pop_15_64_active_2021": "actifs",
}


class DonneesComparateurInvalides(ValueError):
    """The file cannot be used; the message names the file and what is wrong, in French."""


@lecteur
def lire(chemin: Path) -> pd.DataFrame:
    """One row per commune code: ``code, population, population_2015, chomeurs, actifs, lat, lng``.

    Figures are Float64, NA when unknown.
    """
    code, separateur, _ = csv_souple.detecter(chemin.read_bytes()[:4096])
    brut = pd.read_csv(chemin, sep=separateur or ",", encoding=code, dtype=str)
    attendues = {"insee_com", "commune_type", "insee_parente", *COLONNES}
    manquantes = sorted(attendues - set(brut.columns))
    if manquantes:
        mots = accorder(len(manquantes), "colonne manquante", "colonnes manquantes", avec_nombre=False)
        raise DonneesComparateurInvalides(
            f"{chemin.name} : {mots} "
            f"{', '.join(manquantes)} "
            "(fichier du comparateur de territoires de l'INSEE attendu)."
        )
    brut = brut[parmi(brut.commune_type, ["COM", "ARM"])].copy()
    brut["code"] = brut.insee_com.str.strip().str.zfill(5)
    arrondissement = brut.commune_type == "ARM"
    brut.loc[arrondissement, "code"] = brut.loc[arrondissement, "insee_parente"].str.strip().str.zfill(5)
    # A commune repeats once per postal code: keep one row per (code, arrondissement) before summing.
    brut = brut.drop_duplicates(["insee_com", "commune_type"])
    for colonne in COLONNES:
        brut[colonne] = pd.to_numeric(brut[colonne].str.replace(",", "."), errors="coerce")
    groupes = brut.groupby("code")
    table = groupes[list(COLONNES)].sum(min_count=1).rename(columns=COLONNES).astype("Float64")
    # Where the commune is, for codes that the current geography no longer knows.
    for colonne in ("lat", "lng"):
        if colonne in brut:
            table[colonne] = pd.to_numeric(groupes[colonne].first(), errors="coerce")
    # Mayotte has no exhaustive census: its zeros mean "not counted". Elsewhere a zero is
    # real (the villages of the Meuse destroyed in 1916 have no inhabitants).
    sans_recensement = table.index.str.startswith("976")
    table.loc[sans_recensement, list(COLONNES.values())] = pd.NA
    # Inhabitants but no working-age figures (communes created since): unemployment unknown.
    table.loc[table.actifs.fillna(0) <= 0, ["chomeurs", "actifs"]] = pd.NA
    return table.reset_index()
