"""SIRENE (INSEE): legal units of the ESS and their active establishments.

Three national stock files, several gigabytes together, are **streamed** in
chunks and filtered as they are read; nothing national is held in memory but
the SIREN numbers of the ESS legal units:

1. ``StockUniteLegale_utf8.zip``: keep legal units flagged
   ``economieSocialeSolidaireUniteLegale = O`` and active (``etatAdministratif = A``);
2. ``StockEtablissement_utf8.zip``: keep the active establishments of those
   units, in the communes of the territories built (``--departements`` builds
   only some départements: the establishments elsewhere are skipped);
3. ``GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.zip``:
   coordinates of those establishments (address geocoded by INSEE).

The stock files are not downloaded automatically (too large for a dashboard
build): download them from the official page and put them in the mirror or the
download cache. ``unites_legales_ess_numerique.csv`` (ESS legal units of the
digital sector, no location) is read the same way as the legal-unit stock.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj

from geo.outils import nomenclature, projections
from geo.sources import COMMANDE_SIRENE, Source, declarer, lecteur
from geo.sources import ess_commun as commun

_PAGE_SIRENE = (
    "https://www.data.gouv.fr/fr/datasets/base-sirene-des-entreprises-et-de-leurs-etablissements-siren-siret/"
)
_INSEE = "INSEE, répertoire SIRENE"

UNITES_LEGALES = declarer(
    Source(
        id="sirene_unites_legales",
        titre="SIRENE : stock des unités légales",
        producteur=_INSEE,
        licence="Licence Ouverte 2.0",
        millesime="Stock mensuel (date du fichier fourni)",
        page=_PAGE_SIRENE,
        fichier="StockUniteLegale_utf8.zip",
        url="https://object.files.data.gouv.fr/data-pipeline-open/siren/stock/StockUniteLegale_utf8.zip",
        volumineux=True,
        remplace=("sirene_ul_ess_numerique",),
        autres_noms=("StockUniteLegale_utf8.csv", "StockUniteLegale.csv"),
        description=(
            "Toutes les unités légales ; seules celles marquées « économie sociale et solidaire » "
            "(economieSocialeSolidaireUniteLegale = O) et actives sont gardées. Fichier national de "
            "plusieurs centaines de Mo, téléchargé seulement à la demande "
            f"(commande {COMMANDE_SIRENE}), ou à placer dans le dossier miroir ou le cache."
        ),
    )
)
ETABLISSEMENTS = declarer(
    Source(
        id="sirene_etablissements",
        titre="SIRENE : stock des établissements",
        producteur=_INSEE,
        licence="Licence Ouverte 2.0",
        millesime="Stock mensuel (date du fichier fourni)",
        page=_PAGE_SIRENE,
        fichier="StockEtablissement_utf8.zip",
        url="https://object.files.data.gouv.fr/data-pipeline-open/siren/stock/StockEtablissement_utf8.zip",
        volumineux=True,
        autres_noms=("StockEtablissement_utf8.csv", "StockEtablissement.csv"),
        description=(
            "Tous les établissements ; seuls les établissements actifs des unités légales de l'ESS "
            "sont gardés. Fichier national de plusieurs Go, téléchargé seulement à la demande "
            f"(commande {COMMANDE_SIRENE}), ou à placer dans le dossier miroir ou le cache."
        ),
    )
)
GEOLOCALISATION = declarer(
    Source(
        id="sirene_geolocalisation",
        titre="SIRENE : géolocalisation des établissements",
        producteur=_INSEE,
        licence="Licence Ouverte 2.0",
        millesime="Mensuel (date du fichier fourni)",
        page="https://www.data.gouv.fr/fr/datasets/"
        "geolocalisation-des-etablissements-du-repertoire-sirene-pour-les-etudes-statistiques/",
        fichier="GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.zip",
        url="https://files.data.gouv.fr/insee-sirene-geo/"
        "GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.zip",
        volumineux=True,
        autres_noms=("GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.csv",),
        description=(
            "Coordonnées des établissements (adresse géocodée par l'INSEE), en Lambert-93 ou dans la "
            "projection de chaque département d'outre-mer, et en longitude/latitude."
        ),
    )
)
UL_ESS_NUMERIQUE = declarer(
    Source(
        id="sirene_ul_ess_numerique",
        titre="SIRENE : unités légales de l'ESS du numérique (extrait)",
        producteur=_INSEE + " (extrait republié)",
        licence="Licence Ouverte 2.0",
        millesime="Extrait du stock SIRENE (date non précisée dans la copie disponible)",
        page=_PAGE_SIRENE,
        fichier="unites_legales_ess_numerique.csv",
        description=(
            "3 375 unités légales marquées ESS dont l'activité principale relève du numérique, avec "
            "catégorie juridique et tranche d'effectif. Sans adresse : elles complètent les autres "
            "sources (même SIREN) et sont comptées à part quand aucun établissement ne les situe."
        ),
        limites=("Pas de localisation : non cartographiées seules.",),
    )
)

_ALIAS_UL = {
    "siren": ("siren",),
    "etat": ("etatAdministratifUniteLegale",),
    "ess": ("economieSocialeSolidaireUniteLegale",),
    "categorie": ("categorieJuridiqueUniteLegale",),
    "denomination": ("denominationUniteLegale",),
    "sigle": ("sigleUniteLegale",),
    "nom_personne": ("nomUniteLegale",),
    "prenom": ("prenomUsuelUniteLegale", "prenom1UniteLegale"),
    "naf": ("activitePrincipaleUniteLegale",),
    "tranche": ("trancheEffectifsUniteLegale",),
}
_ALIAS_ETAB = {
    "siret": ("siret",),
    "siren": ("siren",),
    "etat": ("etatAdministratifEtablissement",),
    "commune": ("codeCommuneEtablissement",),
    "naf": ("activitePrincipaleEtablissement",),
    "tranche": ("trancheEffectifsEtablissement",),
    "enseigne": ("enseigne1Etablissement",),
    "denomination_usuelle": ("denominationUsuelleEtablissement",),
    "numero": ("numeroVoieEtablissement",),
    "type_voie": ("typeVoieEtablissement",),
    "voie": ("libelleVoieEtablissement",),
    "code_postal": ("codePostalEtablissement",),
    "nom_commune": ("libelleCommuneEtablissement",),
    "x": ("coordonneeLambertAbscisseEtablissement",),
    "y": ("coordonneeLambertOrdonneeEtablissement",),
}
_ALIAS_GEO = {
    "siret": ("siret",),
    "lon": ("x_longitude", "longitude"),
    "lat": ("y_latitude", "latitude"),
    "x": ("x",),
    "y": ("y",),
    "epsg": ("epsg",),
}


@lecteur
def lire_unites_legales(chemin: Path | str, taille: int = 200_000) -> pd.DataFrame:
    """Active ESS legal units (streamed): ``siren, nom, categorie_juridique, naf, tranche_effectif``."""
    morceaux = []
    for morceau in commun.lire_csv_par_morceaux(chemin, _ALIAS_UL, ("siren", "ess"), taille):
        garder = morceau.ess.str.upper().eq("O").fillna(False)
        if morceau.etat.notna().any():
            garder &= morceau.etat.fillna("A").eq("A")
        morceau = morceau[garder]
        if morceau.empty:
            continue
        personne = (morceau.prenom.fillna("") + " " + morceau.nom_personne.fillna("")).str.strip()
        nom = morceau.denomination.fillna(personne.replace("", pd.NA)).fillna(morceau.sigle)
        morceaux.append(
            pd.DataFrame(
                {
                    "siren": commun.code_siren(morceau.siren),
                    "nom": nom.replace("[ND]", pd.NA),
                    "categorie_juridique": nomenclature.par_valeur(
                        morceau.categorie, nomenclature.normaliser_categorie
                    ),
                    "naf": nomenclature.par_valeur(morceau.naf, nomenclature.normaliser_naf),
                    "tranche_effectif": nomenclature.par_valeur(
                        morceau.tranche, nomenclature.normaliser_tranche
                    ),
                    "ligne": morceau.ligne,
                }
            ).astype({"nom": "string", "categorie_juridique": "string", "naf": "string"})
        )
    if not morceaux:
        return pd.DataFrame(
            columns=["siren", "nom", "categorie_juridique", "naf", "tranche_effectif", "ligne"],
            dtype="string",
        )
    return pd.concat(morceaux, ignore_index=True).drop_duplicates("siren")


def _lambert_en_lonlat(x: pd.Series, y: pd.Series, deps: pd.Series) -> tuple[pd.Series, pd.Series]:
    """SIRENE's projected coordinates (Lambert-93, or the overseas département's CRS) → WGS84."""
    xs = pd.to_numeric(x, errors="coerce").astype(float)
    ys = pd.to_numeric(y, errors="coerce").astype(float)
    lon = pd.Series(np.nan, index=x.index)
    lat = pd.Series(np.nan, index=x.index)
    zones = deps.fillna("").map(projections.zone)
    for zone in zones.unique():
        choix = (zones == zone) & xs.notna() & ys.notna()
        if not choix.any():
            continue
        transformation = pyproj.Transformer.from_crs(
            projections.crs_metrique(zone), "EPSG:4326", always_xy=True
        )
        lo, la = transformation.transform(xs[choix].to_numpy(), ys[choix].to_numpy())
        lon[choix], lat[choix] = lo, la
    return lon.astype("Float64"), lat.astype("Float64")


@lecteur
def lire_etablissements(
    chemin: Path | str,
    unites: pd.DataFrame,
    communes_gardees: Iterable[str] | None = None,
    taille: int = 200_000,
) -> pd.DataFrame:
    """Active establishments of ``unites`` (streamed), as a standard table.

    ``communes_gardees``: commune codes to keep (the territories built); None keeps all.
    """
    chemin = Path(chemin)
    sirens = pd.Index(unites.siren.astype(object).unique())
    gardees = pd.Index(list(communes_gardees), dtype=object) if communes_gardees is not None else None
    par_siren = unites.set_index("siren")
    morceaux = []
    for morceau in commun.lire_csv_par_morceaux(chemin, _ALIAS_ETAB, ("siret", "commune"), taille):
        siret = commun.siret_mod.normaliser_serie(morceau.siret)
        siren = commun.code_siren(morceau.siren) if morceau.siren.notna().any() else siret.str[:9]
        garder = pd.Series(sirens.get_indexer(siren.astype(object)) >= 0, index=morceau.index)
        if morceau.etat.notna().any():
            garder &= morceau.etat.fillna("A").eq("A")
        communes = commun.code_commune(morceau.commune)
        if gardees is not None:
            garder &= gardees.get_indexer(communes.astype(object)) >= 0
        if not garder.any():
            continue
        morceau, siren, communes = morceau[garder], siren[garder], communes[garder]
        ul = par_siren.reindex(siren.to_numpy())
        ul.index = morceau.index
        enseigne = morceau.enseigne.fillna(morceau.denomination_usuelle)
        nom = ul.nom.where(enseigne.isna(), ul.nom.fillna("") + " — " + enseigne.fillna("")).str.strip(" —")
        adresse = (
            (morceau.numero.fillna("") + " " + morceau.type_voie.fillna("") + " " + morceau.voie.fillna(""))
            .str.replace(r"\s+", " ", regex=True)
            .str.strip()
            .replace("", pd.NA)
        )
        deps = communes.str[:3].where(communes.str.startswith("97"), communes.str[:2])
        lon, lat = _lambert_en_lonlat(morceau.x, morceau.y, deps)
        tranche = nomenclature.par_valeur(morceau.tranche, nomenclature.normaliser_tranche)
        naf = nomenclature.par_valeur(morceau.naf, nomenclature.normaliser_naf)
        familles = nomenclature.par_valeur(
            ul.categorie_juridique, lambda c: nomenclature.famille_juridique(c)[0]
        )
        morceaux.append(
            commun.tableau_standard(
                ETABLISSEMENTS.id,
                ETABLISSEMENTS.millesime,
                id_source=morceau.siret,
                siret_brut=morceau.siret,
                siren=siren,
                nom=nom.replace("", pd.NA),
                famille_source=familles.fillna(nomenclature.ENTREPRISE_ESS),
                sous_type=nomenclature.par_valeur(
                    ul.categorie_juridique, lambda c: nomenclature.famille_juridique(c)[1]
                ),
                categorie_juridique=ul.categorie_juridique,
                naf=naf.fillna(ul.naf),
                tranche_effectif=tranche,
                commune=communes,
                lon=lon,
                lat=lat,
                precision=pd.Series(commun.PRECISION_ADRESSE, index=morceau.index).where(lon.notna()),
                adresse=adresse,
                code_postal=commun.code_postal(morceau.code_postal),
                nom_commune=morceau.nom_commune,
                dep=deps,
                ligne=morceau.ligne,
            )
        )
    if not morceaux:
        return commun.vide()
    return pd.concat(morceaux, ignore_index=True)


@lecteur
def lire_geolocalisation(chemin: Path | str, sirets: Iterable[str], taille: int = 500_000) -> pd.DataFrame:
    """``siret, lon, lat`` of the given establishments (streamed)."""
    voulus = pd.Index(pd.unique(pd.Series(list(sirets), dtype=object)))
    morceaux = []
    for morceau in commun.lire_csv_par_morceaux(chemin, _ALIAS_GEO, ("siret",), taille):
        siret = commun.siret_mod.normaliser_serie(morceau.siret)
        garder = pd.Series(voulus.get_indexer(siret.astype(object)) >= 0, index=morceau.index)
        if not garder.any():
            continue
        morceau, siret = morceau[garder], siret[garder]
        lon = pd.to_numeric(morceau.lon, errors="coerce")
        lat = pd.to_numeric(morceau.lat, errors="coerce")
        manquantes = lon.isna() | lat.isna()
        if manquantes.any() and morceau.x.notna().any():
            # Older files: projected x/y with their EPSG code only.
            for epsg in morceau.epsg[manquantes].dropna().unique():
                choix = manquantes & (morceau.epsg == epsg)
                transformation = pyproj.Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
                lo, la = transformation.transform(
                    pd.to_numeric(morceau.x[choix], errors="coerce").to_numpy(),
                    pd.to_numeric(morceau.y[choix], errors="coerce").to_numpy(),
                )
                lon[choix], lat[choix] = lo, la
        morceaux.append(pd.DataFrame({"siret": siret, "lon": lon, "lat": lat}))
    if not morceaux:
        return pd.DataFrame({"siret": pd.Series(dtype="string"), "lon": [], "lat": []})
    resultat = pd.concat(morceaux, ignore_index=True).dropna(subset=["lon", "lat"])
    return resultat.drop_duplicates("siret")


@lecteur
def lire_ul_ess_numerique(chemin: Path | str) -> tuple[pd.DataFrame, list[str]]:
    """The digital-sector extract: one row per legal unit, no location (standard table)."""
    unites = lire_unites_legales(chemin)
    familles = unites.categorie_juridique.map(lambda c: nomenclature.famille_juridique(c)[0])
    sous_types = unites.categorie_juridique.map(lambda c: nomenclature.famille_juridique(c)[1])
    tableau = commun.tableau_standard(
        UL_ESS_NUMERIQUE.id,
        UL_ESS_NUMERIQUE.millesime,
        id_source=unites.siren,
        siren=unites.siren,
        siret=pd.Series(pd.NA, index=unites.index, dtype="string"),
        nom=unites.nom,
        famille_source=familles.fillna(nomenclature.ENTREPRISE_ESS),
        sous_type=sous_types,
        categorie_juridique=unites.categorie_juridique,
        naf=unites.naf,
        tranche_effectif=unites.tranche_effectif,
        ligne=unites.ligne,
    )
    return tableau, []
