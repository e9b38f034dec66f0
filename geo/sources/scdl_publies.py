"""The SCDL subsidies files of the mirror, each declared as a source (producer, vintage, origin)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from geo.outils.text import cle_recherche
from geo.sources import Source, declarer

_ORIGINES = {
    "betagouv": (
        "https://github.com/betagouv/SCDL-Subvention-DataSubvention",
        "copie des fichiers d'exemple réels du dépôt SCDL-Subvention-DataSubvention (beta.gouv.fr)",
    ),
    "pdl": (
        "https://github.com/etalab/hackathon_associations",
        "copie des fichiers des départements des Pays de la Loire réunis par Etalab (hackathon associations)",
    ),
    "toulouse": (
        "https://github.com/greytrey05/SUBVENTIONS-VERSEES-A-DES-ORGANISMES",
        "copie des fichiers de Toulouse Métropole",
    ),
}
_LICENCE = "Licence Ouverte (telle que publiée par la collectivité)"


@dataclass(frozen=True)
class FichierPublie:
    """One published file of the mirror, and what its content does not say itself."""

    fichier: str
    producteur: str
    millesime: str
    origine: str
    # The grantor, for the layouts that leave it implicit (Pyrénées-Orientales).
    attribuant: str | None = None


FICHIERS_PUBLIES: tuple[FichierPublie, ...] = (
    FichierPublie(
        "DEP_Somme_TB_20180302_DONNEES_CONVENTIONS.csv", "Département de la Somme", "2017", "betagouv"
    ),
    FichierPublie(
        "DEP_Somme_TB_20180330_DONNEES_CONVENTIONS.csv", "Département de la Somme", "2018", "betagouv"
    ),
    FichierPublie(
        "SCDL_DEP_Haute Garonne_datalocale-subvention.csv",
        "Commune de Roques et communauté d'agglomération du Sicoval (Haute-Garonne)",
        "2015–2017",
        "betagouv",
    ),
    FichierPublie(
        "DEP_Lot_Subventions_2017_DONNEES.xlsx_pour_exemple.csv", "Département du Lot", "2017", "betagouv"
    ),
    FichierPublie(
        "DEP_Pyrénées Orientales_recensement_conventions_DEFINITIF_pour_publication_.ods",
        "Département des Pyrénées-Orientales",
        "2017",
        "betagouv",
        attribuant="Département des Pyrénées-Orientales",
    ),
    FichierPublie(
        "DEP_Charente Maritime_donnees-conventions-subventions.xlsx",
        "Département de la Charente-Maritime",
        "2016–2018",
        "betagouv",
    ),
    FichierPublie(
        "DEP_Deux Sèvres_Convention_de_subventions_-_CD79.xls",
        "Département des Deux-Sèvres",
        "2015–2017",
        "betagouv",
    ),
    FichierPublie(
        "DEP_Aube_Donnees_essentielles_conventions_subvention.xlsx",
        "Département de l'Aube",
        "2017",
        "betagouv",
    ),
    FichierPublie(
        "DEP_Vendée_Publication_données_Open_data_Subventions_Conventions.xlsx",
        "Département de la Vendée",
        "janvier 2018, classeur",
        "betagouv",
    ),
    FichierPublie(
        "DEP_Nièvre_CD58_SUBVENTIONS_2016_LISTE.csv", "Département de la Nièvre", "2016", "betagouv"
    ),
    FichierPublie(
        "SCDL_COM_Poitiers_citoyennete-subventions-directes-attribuees-aux-associations-2017-ville-de-poiti.csv",
        "Ville de Poitiers",
        "2017",
        "betagouv",
    ),
    FichierPublie(
        "224400028_subventions-aux-associations-du-departement-de-loire-atlantique.csv",
        "Département de Loire-Atlantique",
        "2008–2018",
        "pdl",
    ),
    FichierPublie(
        "224900019_conventions-de-subventions-du-departement-de-maine-et-loire.csv",
        "Département de Maine-et-Loire",
        "2017–2019",
        "pdl",
    ),
    FichierPublie("data.gouv-cd53-21-12-2018.xlsx", "Département de la Mayenne", "2015–2018", "pdl"),
    FichierPublie("data.gouv-cd53-14-10-2019-.xlsx", "Département de la Mayenne", "2019", "pdl"),
    *(
        FichierPublie(
            f"{mois}_Publication_données_Open_data_Subventions_Conventions.csv",
            "Département de la Vendée",
            periode,
            "pdl",
        )
        for mois, periode in (
            ("2017", "2017"),
            ("2018", "2018"),
            ("201901", "janvier 2019"),
            ("201903", "mars 2019"),
            ("201904", "avril 2019"),
            ("201905", "mai 2019"),
            ("201906", "juin 2019"),
            ("201907", "juillet 2019"),
        )
    ),
    FichierPublie("subventions-toulouse_2022.csv", "Toulouse Métropole", "2022", "toulouse"),
    FichierPublie("subventions-toulouse_2023.csv", "Toulouse Métropole", "2023", "toulouse"),
)


def _identifiant(fichier: str) -> str:
    return "scdl_" + re.sub(r"[^a-z0-9]+", "_", cle_recherche(Path(fichier).stem))[:60].strip("_")


def _declarer(publie: FichierPublie) -> Source:
    page, provenance = _ORIGINES[publie.origine]
    return declarer(
        Source(
            id=_identifiant(publie.fichier),
            titre=f"Subventions attribuées, {publie.producteur} ({publie.millesime}), format SCDL",
            producteur=publie.producteur,
            licence=_LICENCE,
            millesime=publie.millesime,
            page=page,
            fichier=publie.fichier,
            description=(
                "Conventions de subvention de plus de 23 000 € publiées au titre du décret n° 2017-779 "
                f"(format SCDL « subventions » d'OpenDataFrance) ; {provenance}."
            ),
            limites=("Fichier tel que publié : ses défauts sont comptés à la construction (page Sources).",),
        )
    )


SOURCES: dict[str, Source] = {s.id: s for s in map(_declarer, FICHIERS_PUBLIES)}
PUBLIES_PAR_SOURCE: dict[str, FichierPublie] = {_identifiant(p.fichier): p for p in FICHIERS_PUBLIES}
