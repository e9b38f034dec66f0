"""Weight of the ESS in private salaried employment, by département and région (INSEE Clap).

Two files of the territorial sustainable-development indicators (ITDD):
``part_ess_emploi_salarie_2015.csv`` (``niveau, code, libelle,
part_ess_emploi_salarie_2015_pct``; regions and départements, whose overseas
codes 01–06 overlap: the ``niveau`` column tells them apart) and
``part_ess_emploi_salarie_2008_2014.csv`` (départements, 2008 and 2014).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from geo.sources import Source, declarer, lecteur

_INSEE = (
    "INSEE, Clap (connaissance locale de l'appareil productif), "
    "indicateurs territoriaux de développement durable"
)

PART_2015 = declarer(
    Source(
        id="part_ess_emploi_2015",
        titre="Part de l'ESS dans l'emploi salarié privé, 2015 (départements et régions)",
        producteur=_INSEE,
        licence="Licence Ouverte 2.0",
        millesime="2015",
        page="https://www.insee.fr/",
        fichier="part_ess_emploi_salarie_2015.csv",
        description=(
            "Part des emplois salariés de l'économie sociale et solidaire dans l'emploi salarié privé."
        ),
    )
)
PART_2008_2014 = declarer(
    Source(
        id="part_ess_emploi_2008_2014",
        titre="Part de l'ESS dans l'emploi salarié privé, 2008 et 2014 (départements)",
        producteur=_INSEE,
        licence="Licence Ouverte 2.0",
        millesime="2008 et 2014",
        page="https://www.insee.fr/",
        fichier="part_ess_emploi_salarie_2008_2014.csv",
        description="Même indicateur, par département, pour 2008 et 2014.",
    )
)


class DonneesEmploiInvalides(ValueError):
    """An ESS-employment file cannot be used; the message says why, in French."""


def _code(valeur: object, niveau: str) -> str:
    texte = str(valeur).strip().upper()
    if texte.isdigit() and len(texte) == 1:
        texte = "0" + texte
    return texte


@lecteur
def lire_parts(chemin: Path) -> pd.DataFrame:
    """Long table ``niveau, code, libelle, annee, part_pct`` (one row per territory and year)."""
    table = pd.read_csv(chemin, dtype=str, encoding="utf-8-sig")
    colonnes_parts = [c for c in table.columns if re.fullmatch(r"part_ess_emploi_salarie_(\d{4})_pct", c)]
    if not colonnes_parts:
        raise DonneesEmploiInvalides(
            f"{chemin.name} : aucune colonne part_ess_emploi_salarie_AAAA_pct ; fichier INSEE attendu."
        )
    if "niveau" not in table.columns:
        if "dep" not in table.columns:
            raise DonneesEmploiInvalides(f"{chemin.name} : colonnes « niveau, code » ou « dep » attendues.")
        table = table.rename(columns={"dep": "code", "nom_dep": "libelle"}).assign(niveau="departement")
    morceaux = []
    for colonne in colonnes_parts:
        annee = int(re.search(r"\d{4}", colonne).group())
        morceau = table[["niveau", "code", "libelle", colonne]].rename(columns={colonne: "part_pct"})
        morceaux.append(morceau.assign(annee=annee))
    resultat = pd.concat(morceaux, ignore_index=True)
    resultat["niveau"] = resultat.niveau.str.strip().str.lower()
    resultat["code"] = [_code(c, n) for c, n in zip(resultat.code, resultat.niveau, strict=True)]
    resultat["part_pct"] = pd.to_numeric(resultat.part_pct.str.replace(",", "."), errors="coerce")
    return resultat[["niveau", "code", "libelle", "annee", "part_pct"]].dropna(subset=["part_pct"])
