"""Key figures of a territory, computed from the territory tables."""

from __future__ import annotations

import pandas as pd

from geo.sources.data_france import MILLESIME_POPULATION
from geo.territories import Referentiel, Territoire, TerritoireId


def densite(territoire: Territoire) -> float | None:
    """Inhabitants per km², or None when the population is unknown."""
    if territoire.population is None or not territoire.superficie_km2:
        return None
    return territoire.population / territoire.superficie_km2


def bloc_territoire(ref: Referentiel, tid: TerritoireId | None) -> dict:
    """The ``territoire`` block of the report."""
    territoire = ref.territoire(tid)
    bloc = territoire.en_dict()
    valeur_densite = densite(territoire)
    bloc["densite_hab_km2"] = round(valeur_densite, 1) if valeur_densite is not None else None
    bloc["millesime_population"] = MILLESIME_POPULATION
    return bloc


_SOUS_NIVEAU = {None: "region", "region": "departement", "departement": "epci", "epci": "commune"}


def sous_territoires(ref: Referentiel, tid: TerritoireId | None) -> pd.DataFrame:
    """The territories one level down (régions of France, … communes of an EPCI).

    A département lists its communes rather than its EPCI, which may cross its
    border; a commune has none.
    """
    niveau = _SOUS_NIVEAU.get(tid.niveau if tid else None)
    if tid is not None and tid.niveau == "departement":
        niveau = "commune"
    if niveau is None:
        return pd.DataFrame(columns=["id", "nom", "code", "population", "superficie_km2"])
    if niveau == "commune":
        table = ref.communes_de(tid)
    elif niveau == "departement":
        table = ref.departements[ref.departements.reg == tid.code]
    else:
        table = ref.regions
    resultat = pd.DataFrame(
        {
            "id": niveau + ":" + table.code,
            "nom": table.nom,
            "code": table.code,
            "population": table.population.astype("Int64"),
            "superficie_km2": table.superficie_km2.round(1),
        }
    )
    return resultat.sort_values("population", ascending=False, na_position="last").reset_index(drop=True)
