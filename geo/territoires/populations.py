"""Recent census figures per territory: population 2021, change since 2015, unemployment 15–64.

The build step (:data:`ETAPE`) reads INSEE's comparateur de territoires
(:mod:`geo.sources.comparateur`, COG 2024), moves its codes to the current
communes (communes merged since are summed) and writes under
``data/cache/populations/``:

- ``communes.parquet``: ``code, population, population_2015, chomeurs, actifs``
  for every commune of the territory tables (NA where the census has nothing);
- ``niveaux.parquet``: the same summed per EPCI, département, région and France
  (``niveau, code``), with the number of communes whose figure is unknown.

A total sums the known communes and says how many are unknown
(``communes_population_inconnue``, ``communes_chomage_inconnu``); the change
since 2015 and the unemployment rate are computed over the communes where both
terms are known. :class:`geo.territoires.referentiel.Referentiel` reads these tables when
they are built (it sits below the steps, so it reads them itself), so that every population
shown or used is the 2021 one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.build import etapes
from geo.outils.text import accorder
from geo.sources import Localisation
from geo.sources import comparateur as source
from geo.territoires.referentiel import DOSSIER_RECENSEMENT, Referentiel

MILLESIME_POPULATION = source.MILLESIME_POPULATION
NIVEAUX = {"epci": "epci", "departement": "dep", "region": "reg"}


def par_commune(ref: Referentiel, lu: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The file's figures on the current communes (codes of merged communes summed)."""
    anomalies = []
    actuels = ref.codes_actuels(lu.code)
    # Communes merged since the file's geography and not in the code table: placed by their point.
    a_placer = actuels.isna()
    if a_placer.any() and {"lat", "lng"} <= set(lu.columns):
        # Only a point inside an outline counts: the outline of a commune merged in 2025 can miss
        # the absorbed part, and the nearest commune would then be a neighbour.
        places = ref.communes_aux_points(lu.lng[a_placer].to_numpy(float), lu.lat[a_placer].to_numpy(float))
        actuels = actuels.copy()
        actuels[a_placer] = pd.array(places, dtype="string")
        rattaches = sorted(f"{a} → {n}" for a, n in zip(lu.code[a_placer], places, strict=True) if n)
        if rattaches:
            n = len(rattaches)
            anomalies.append(
                f"{accorder(n, 'commune')} du comparateur {accorder(n, 'absente', avec_nombre=False)} "
                f"de la géographie actuelle, {accorder(n, 'rattachée', avec_nombre=False)} à la commune "
                f"qui contient {accorder(n, 'son point', 'leur point', avec_nombre=False)} : "
                f"{', '.join(rattaches[:20])}."
            )
    inconnus = sorted(lu.code[actuels.isna()])
    if inconnus:
        anomalies.append(
            f"{accorder(len(inconnus), 'code')} de commune du comparateur "
            f"{accorder(len(inconnus), 'inconnu', avec_nombre=False)} du référentiel, "
            f"non {accorder(len(inconnus), 'compté', avec_nombre=False)} : "
            f"{', '.join(inconnus[:20])}{' …' if len(inconnus) > 20 else ''}."
        )
    chiffres = ["population", "population_2015", "chomeurs", "actifs"]
    places = lu.assign(code=actuels).dropna(subset=["code"])
    sommes = places.groupby("code")[chiffres].sum(min_count=1)
    # A commune made of several old ones is known only when each of them is (one vectorised
    # test per column: a Python function per commune took 9 s).
    un_inconnu = places[chiffres].isna().groupby(places.code).any()
    sommes = sommes.mask(un_inconnu)
    table = sommes.reindex(ref.communes.code).astype("Float64")
    table.index.name = "code"
    absentes = table.population.isna() & ~ref.communes.code.str.startswith("976").to_numpy()
    if absentes.any():
        anomalies.append(
            f"{accorder(int(absentes.sum()), 'commune')} sans population 2021 dans le comparateur : "
            f"{', '.join(table.index[absentes][:20])}."
        )
    return table.reset_index(), anomalies


def agreger(communes: pd.DataFrame) -> pd.DataFrame:
    """Per group (column ``groupe``): sums of the known communes and the unknown counts."""
    deux = communes.population.notna() & communes.population_2015.notna()
    emploi = communes.chomeurs.notna() & communes.actifs.notna()
    table = communes.assign(
        _p2021=communes.population.where(deux),
        _p2015=communes.population_2015.where(deux),
        _chomeurs=communes.chomeurs.where(emploi),
        _actifs=communes.actifs.where(emploi),
        _pop_inconnue=communes.population.isna(),
        _chomage_inconnu=~emploi,
    )
    groupes = table.groupby("groupe", sort=True)
    resultat = pd.DataFrame(
        {
            "population": groupes.population.sum(min_count=1),
            "communes_population_inconnue": groupes._pop_inconnue.sum(),
            "population_2021_comparable": groupes._p2021.sum(min_count=1),
            "population_2015_comparable": groupes._p2015.sum(min_count=1),
            "chomeurs": groupes._chomeurs.sum(min_count=1),
            "actifs": groupes._actifs.sum(min_count=1),
            "communes_chomage_inconnu": groupes._chomage_inconnu.sum(),
        }
    )
    for colonne in (
        "population",
        "population_2021_comparable",
        "population_2015_comparable",
        "chomeurs",
        "actifs",
    ):
        resultat[colonne] = resultat[colonne].round().astype("Int64")
    for colonne in ("communes_population_inconnue", "communes_chomage_inconnu"):
        resultat[colonne] = resultat[colonne].astype(int)
    return resultat


def niveaux(ref: Referentiel, communes: pd.DataFrame) -> pd.DataFrame:
    """:func:`agreger` for every EPCI, département, région and France, stacked."""
    indexees = communes.set_index("code")
    morceaux = []
    for niveau, colonne in NIVEAUX.items():
        groupes = ref.communes[colonne].reindex(indexees.index)
        choisies = indexees[groupes.notna().to_numpy()].assign(groupe=groupes.dropna().to_numpy())
        morceaux.append(agreger(choisies).rename_axis("code").reset_index().assign(niveau=niveau))
    morceaux.append(
        agreger(indexees.assign(groupe="")).rename_axis("code").reset_index().assign(niveau="france")
    )
    return pd.concat(morceaux, ignore_index=True)


def construire(dossier: Path, ref: Referentiel, localisations: dict[str, Localisation]) -> dict:
    """Build step: per-commune figures and per-level sums (see the module docstring)."""
    try:
        lu = source.lire(localisations[source.COMPARATEUR.id].chemin)
    except source.DonneesComparateurInvalides as erreur:
        return {"disponible": False, "anomalies": [str(erreur)]}
    communes, anomalies = par_commune(ref, lu)
    communes.to_parquet(dossier / "communes.parquet")
    niveaux(ref, communes).to_parquet(dossier / "niveaux.parquet")
    return {
        "anomalies": anomalies,
        "millesime_population": MILLESIME_POPULATION,
        "nombres": {
            "communes_population_connue": int(communes.population.notna().sum()),
            "communes_chomage_connu": int(communes.actifs.notna().sum()),
        },
    }


ETAPE = etapes.Etape(
    nom=DOSSIER_RECENSEMENT,
    titre="Populations 2021 et chômage (recensement)",
    module=__name__,
    sources=(source.COMPARATEUR.id,),
    construire=construire,
    sources_requises=(source.COMPARATEUR.id,),
)
