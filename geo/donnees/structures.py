"""One register of ESS structures per territory, merged from several official sources.

The build step (:data:`ETAPE`) reads every list it can find (SIRENE ESS legal
units and their active establishments, the SIAE lists, the FINESS list of ESAT,
the ANCT Fabriques de territoire, the SIRENE extract of the digital sector) and
writes ``data/cache/structures/``:

- ``structures.parquet``: one row per structure. The same SIRET found in several
  sources is **one** structure listing all its sources. Columns: ``cle, siret,
  siren, nom, famille, sous_type, categorie_juridique, forme_juridique, naf,
  section_naf, activite, tranche_effectif, tranche_effectif_libelle,
  emplois_estimes, taille, commune, lon, lat, precision, adresse, code_postal,
  capacite, sources, millesimes``;
- ``siret_invalides.parquet``: rows whose SIRET fails its checksum, with their
  source and line: they are reported, never mapped.

Where a structure is: its coordinates when a source gives its address geocoded
(``precision = "adresse"``, commune found by point in polygon), otherwise the
centre of its commune (``"centroïde de la commune"``; commune from its INSEE code
brought to the current geography, or from its name within its département for
the 2019 SIAE list). Legal units known only by their SIREN have no place: they
count for France as a whole, never for a territory.

Family: :mod:`geo.outils.nomenclature` (source first, then legal category).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.base import contributions, store
from geo.build import etapes
from geo.outils import config, nomenclature
from geo.outils import siret as siret_mod
from geo.outils.codes import parmi
from geo.outils.text import accorder, cle_recherche, nombre_fr
from geo.sources import Localisation, esat, fabriques, siae, sirene
from geo.sources import ess_commun as commun
from geo.sources import source as source_declaree
from geo.sources.recherche_entreprises import ClientRechercheEntreprises
from geo.territoires.referentiel import Referentiel, TerritoireId

# Sources in the order that decides names, sub-types and forms (labelled lists first).
ORDRE_SOURCES = (
    siae.SIAE_2021.id,
    siae.SIAE_2019.id,
    esat.ESAT_FINESS.id,
    fabriques.FABRIQUES.id,
    sirene.ETABLISSEMENTS.id,
    sirene.UL_ESS_NUMERIQUE.id,
)
_RANG_SOURCE = {s: i for i, s in enumerate(ORDRE_SOURCES)}
_RANG_PRECISION = {commun.PRECISION_ADRESSE: 0, commun.PRECISION_CENTROIDE: 1}
COLONNES = [
    "cle",
    "siret",
    "siren",
    "nom",
    "famille",
    "sous_type",
    "categorie_juridique",
    "forme_juridique",
    "naf",
    "section_naf",
    "activite",
    "tranche_effectif",
    "tranche_effectif_libelle",
    "emplois_estimes",
    "taille",
    "commune",
    "lon",
    "lat",
    "precision",
    "adresse",
    "code_postal",
    "capacite",
    "sources",
    "millesimes",
]
_ABREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


# Build ----------------------------------------------------------------------


def _non_cartographiees(nombre: int) -> str:
    return accorder(nombre, "structure non cartographiée", "structures non cartographiées", avec_nombre=False)


def _cle_nom_commune(nom: object) -> str | None:
    if not isinstance(nom, str) or not nom.strip():
        return None
    mots = [_ABREVIATIONS.get(m, m) for m in cle_recherche(nom).split()]
    # « MARSEILLE 3E », « LYON CEDEX 07 », « PARIS 13 » → the commune.
    while mots and (mots[-1].isdigit() or mots[-1] in {"cedex", "er", "e", "eme"} or mots[-1][:-1].isdigit()):
        mots.pop()
    return " ".join(mots) or None


def _lire_sources(
    localisations: dict[str, Localisation],
    ref: Referentiel,
    anomalies: list[str],
    comptes: dict | None = None,
) -> pd.DataFrame:
    lecteurs = {
        siae.SIAE_2021.id: siae.lire_2021,
        siae.SIAE_2019.id: siae.lire_2019,
        esat.ESAT_FINESS.id: esat.lire,
        esat.EXTRACTION_FINESS.id: esat.lire_extraction,
        fabriques.FABRIQUES.id: fabriques.lire,
        sirene.UL_ESS_NUMERIQUE.id: sirene.lire_ul_ess_numerique,
    }
    tables = []
    for source_id, lecteur in lecteurs.items():
        if source_id not in localisations:
            continue
        try:
            tableau, remarques = lecteur(localisations[source_id].chemin)
        except commun.DonneesStructuresInvalides as erreur:
            anomalies.append(etapes.fichier_refuse(erreur))
            continue
        anomalies.extend(remarques)
        tables.append(tableau)
    if sirene.UNITES_LEGALES.id in localisations and sirene.ETABLISSEMENTS.id in localisations:
        try:
            tables.append(_lire_sirene(localisations, ref, comptes if comptes is not None else {}))
        except commun.DonneesStructuresInvalides as erreur:
            anomalies.append(etapes.fichier_refuse(erreur))
    tables = [t for t in tables if len(t)]
    return pd.concat(tables, ignore_index=True) if tables else commun.vide()


def _lire_sirene(localisations: dict[str, Localisation], ref: Referentiel, comptes: dict) -> pd.DataFrame:
    unites = sirene.lire_unites_legales(localisations[sirene.UNITES_LEGALES.id].chemin)
    comptes["sirene_unites_legales_ess_actives"] = len(unites)
    # Only the communes built (old codes included): ``--departements`` builds a part of France.
    gardees = set(ref.communes.index) | set(ref.passage_codes.code_ancien)
    etablissements = sirene.lire_etablissements(
        localisations[sirene.ETABLISSEMENTS.id].chemin, unites, communes_gardees=gardees
    )
    if sirene.GEOLOCALISATION.id in localisations and len(etablissements):
        positions = sirene.lire_geolocalisation(
            localisations[sirene.GEOLOCALISATION.id].chemin, etablissements.siret.dropna()
        ).set_index("siret")
        sans = etablissements.lon.isna()
        trouvees = etablissements.siret.map(positions.lon)
        etablissements.loc[sans, "lon"] = trouvees[sans].astype("Float64")
        etablissements.loc[sans, "lat"] = etablissements.siret.map(positions.lat)[sans].astype("Float64")
        etablissements.loc[etablissements.lon.notna(), "precision"] = commun.PRECISION_ADRESSE
    comptes["sirene_etablissements_actifs_gardes"] = len(etablissements)
    return etablissements


def _exemples(valeurs: pd.Series, n: int = 5) -> str:
    liste = [str(v) for v in valeurs.head(n)]
    return ", ".join(liste) + (" …" if len(valeurs) > n else "")


def _verifier_sirets(lignes: pd.DataFrame, anomalies: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into (rows to keep, rows with an invalid SIRET) and report the latter per source."""
    donne = lignes.siret_brut.notna()
    valide = siret_mod.sirets_valides(lignes.siret)
    invalides = lignes[donne & ~valide]
    for source_id, groupe in invalides.groupby("source", sort=True):
        nom_fichier = source_declaree(source_id).fichier
        exemples = _exemples(groupe.siret_brut + " (ligne " + groupe.ligne.astype("string") + ")")
        anomalies.append(
            f"{nom_fichier} : {accorder(len(groupe), 'SIRET invalide', 'SIRET invalides')} "
            "(clé de contrôle fausse ou numéro mal formé), "
            f"{_non_cartographiees(len(groupe))} : {exemples}."
        )
    gardees = lignes[~(donne & ~valide)].copy()
    return gardees, invalides[["source", "ligne", "siret_brut", "nom", "commune", "nom_commune"]].copy()


def _signaler_doublons_internes(lignes: pd.DataFrame, anomalies: list[str]) -> None:
    """Rows of one list sharing a SIRET become one structure: say so, with examples."""
    avec = lignes[lignes.siret.notna()]
    doublons = avec[avec.duplicated(["source", "siret"], keep=False)]
    for source_id, groupe in doublons.groupby("source", sort=True):
        exemples = _exemples(groupe.drop_duplicates("siret").siret)
        anomalies.append(
            f"{source_declaree(source_id).fichier} : {len(groupe)} lignes partagent un même SIRET avec une "
            f"autre ligne du fichier ({groupe.siret.nunique()} SIRET, par exemple {exemples}) : une seule "
            "structure par SIRET, placée à l'adresse la plus précise."
        )


def _placer(lignes: pd.DataFrame, ref: Referentiel, anomalies: list[str]) -> pd.DataFrame:
    """Current commune code of every row; a point for each (address, else commune centre)."""
    lignes = lignes.copy()
    # 1. A commune code from the source, brought to the current geography.
    donnes = lignes.commune.notna()
    actuels = ref.codes_actuels(lignes.commune)
    inconnus = donnes & actuels.isna()
    if inconnus.any():
        for source_id, groupe in lignes[inconnus].groupby("source"):
            anomalies.append(
                f"{source_declaree(source_id).fichier} : {accorder(len(groupe), 'code')} commune "
                f"{accorder(len(groupe), 'inconnu', avec_nombre=False)} du "
                f"référentiel des communes ({_exemples(groupe.commune)}) : "
                f"{_non_cartographiees(len(groupe))}."
            )
    lignes["commune"] = actuels

    # 2. Coordinates: the commune holding the point (when the source gave no code).
    avec_point = lignes.lon.notna() & lignes.lat.notna()
    a_chercher = avec_point & lignes.commune.isna()
    if a_chercher.any():
        trouvees = ref.communes_aux_points(
            lignes.loc[a_chercher, "lon"].to_numpy(dtype=float),
            lignes.loc[a_chercher, "lat"].to_numpy(dtype=float),
        )
        lignes.loc[a_chercher, "commune"] = pd.array(trouvees, dtype="string")
        hors = a_chercher & lignes.commune.isna()
        if hors.any():
            for source_id, groupe in lignes[hors].groupby("source"):
                anomalies.append(
                    f"{source_declaree(source_id).fichier} : {accorder(len(groupe), 'point')} "
                    f"hors de toute commune ({accorder(len(groupe), 'ligne', avec_nombre=False)} "
                    f"{_exemples(groupe.ligne)}) : coordonnées ignorées."
                )
            lignes.loc[hors, ["lon", "lat"]] = pd.NA
            lignes.loc[hors, "precision"] = pd.NA

    # 3. Neither code nor point: the commune's name in its département (2019 SIAE list),
    # the département of the list or the one of the postcode (they differ at times).
    par_nom = ~donnes & lignes.commune.isna() & lignes.nom_commune.notna()
    if par_nom.any():
        communes = ref.communes[["code", "nom", "dep"]].copy()
        communes["cle"] = communes.nom.map(_cle_nom_commune)
        uniques = (
            communes.drop_duplicates(["dep", "cle"], keep=False).set_index(["dep", "cle"]).code.to_dict()
        )
        cles_noms = lignes.loc[par_nom, "nom_commune"].map(_cle_nom_commune)
        postaux = lignes.loc[par_nom, "code_postal"].fillna("")
        deps_postaux = postaux.str[:3].where(postaux.str.startswith("97"), postaux.str[:2])
        trouvees = []
        for cle, dep, dep_postal in zip(cles_noms, lignes.loc[par_nom, "dep"], deps_postaux, strict=True):
            candidats = [dep, dep_postal] + (["2A", "2B"] if dep_postal == "20" else [])
            trouvees.append(next((uniques[(d, cle)] for d in candidats if (d, cle) in uniques), None))
        lignes.loc[par_nom, "commune"] = pd.array(trouvees, dtype="string")
        restees = par_nom & lignes.commune.isna()
        if restees.any():
            for source_id, groupe in lignes[restees].groupby("source"):
                exemples = _exemples(groupe.nom_commune + " (" + groupe.code_postal.fillna("?") + ")")
                anomalies.append(
                    f"{source_declaree(source_id).fichier} : {accorder(len(groupe), 'structure')} "
                    f"dont la commune n'a pas été reconnue par son nom ({exemples}) : "
                    f"non {accorder(len(groupe), 'cartographiée', avec_nombre=False)}."
                )

    # 4. A commune but no point: the commune's centre (a point inside it).
    au_centre = lignes.commune.notna() & (lignes.lon.isna() | lignes.lat.isna())
    if au_centre.any():
        codes = lignes.loc[au_centre, "commune"]
        geometries = ref.communes.geometry.reindex(codes.unique())
        centres = gpd.GeoSeries(geometries, crs=ref.communes.crs).representative_point()
        lignes.loc[au_centre, "lon"] = codes.map(centres.x).astype("Float64").round(5)
        lignes.loc[au_centre, "lat"] = codes.map(centres.y).astype("Float64").round(5)
        lignes.loc[au_centre & lignes.lon.notna(), "precision"] = commun.PRECISION_CENTROIDE
    return lignes


def fusionner(lignes: pd.DataFrame) -> pd.DataFrame:
    """One row per structure: same SIRET = same structure; SIREN-only rows join their establishments.

    Names, sub-types and forms come from the first source of :data:`ORDRE_SOURCES`
    that has them; the place from the most precise one; the family from all.
    """
    lignes = lignes.copy()
    rang_source = lignes.source.map(_RANG_SOURCE).fillna(len(ORDRE_SOURCES)).astype(int)
    sans_siret_sans_siren = lignes.siret.isna() & lignes.siren.isna()
    lignes["cle"] = lignes.siret.fillna("siren:" + lignes.siren.fillna(""))
    lignes.loc[sans_siret_sans_siren, "cle"] = (
        lignes.source + ":" + lignes.id_source.fillna(lignes.ligne.astype("string"))
    )
    # A legal unit known by its SIREN only enriches its establishments and disappears into them.
    seulement_siren = lignes.siret.isna() & lignes.siren.notna()
    sirens_etablis = set(lignes.loc[lignes.siret.notna(), "siren"])
    rattachees = seulement_siren & parmi(lignes.siren, sirens_etablis)
    if rattachees.any():
        unites = lignes[rattachees].drop_duplicates("siren").set_index("siren")
        cibles = lignes.siret.notna() & parmi(lignes.siren, unites.index)
        for colonne in ("categorie_juridique", "naf"):
            lignes.loc[cibles, colonne] = lignes.loc[cibles, colonne].fillna(
                lignes.loc[cibles, "siren"].map(unites[colonne])
            )
        # The unit's source is a source of each of its establishments.
        supplement = lignes[cibles].copy()
        supplement["source"] = lignes.loc[rattachees].source.iloc[0]
        supplement["millesime"] = lignes.loc[rattachees].millesime.iloc[0]
        lignes = pd.concat(
            [lignes[~rattachees], supplement[["cle", "source", "millesime"]]], ignore_index=True
        )
        rang_source = lignes.source.map(_RANG_SOURCE).fillna(len(ORDRE_SOURCES)).astype(int)

    lignes["_rang_source"] = rang_source
    lignes["_rang_precision"] = lignes.precision.map(_RANG_PRECISION).fillna(9).astype(int)
    par_source = lignes.sort_values(["_rang_source", "ligne"], kind="stable")
    attributs = par_source.groupby("cle", sort=False).agg(
        dict.fromkeys(
            (
                "siret",
                "siren",
                "nom",
                "sous_type",
                "categorie_juridique",
                "forme_juridique",
                "naf",
                "tranche_effectif",
                "tranche_effectif_ul",
                "adresse",
                "code_postal",
                "capacite",
            ),
            "first",
        )
    )
    lieux = (
        lignes[lignes.lon.notna()]
        .sort_values(["_rang_precision", "_rang_source"], kind="stable")
        .drop_duplicates("cle")
        .set_index("cle")[["commune", "lon", "lat", "precision"]]
    )
    sans_lieu = lignes[lignes.lon.isna() & lignes.commune.notna()].drop_duplicates("cle").set_index("cle")
    lieux = pd.concat(
        [lieux, sans_lieu.loc[~parmi(sans_lieu.index, lieux.index), ["commune", "lon", "lat", "precision"]]]
    )
    # Most structures come from one row: only the others need a per-group computation.
    multiples = par_source.cle.duplicated(keep=False)
    seules, plusieurs = par_source[~multiples].set_index("cle"), par_source[multiples]
    groupes = plusieurs.groupby("cle", sort=False)
    familles_sources = pd.concat(
        [
            seules.famille_source.map(lambda f: [f] if isinstance(f, str) else []),
            groupes.famille_source.agg(lambda s: [f for f in s if isinstance(f, str)]),
        ]
    )
    sources = pd.concat([seules.source, groupes.source.agg(lambda s: ", ".join(dict.fromkeys(s)))])
    etiquettes = par_source.source + " : " + par_source.millesime.fillna("millésime inconnu")
    millesimes = pd.concat(
        [
            etiquettes[~multiples.to_numpy()].set_axis(seules.index),
            etiquettes[multiples.to_numpy()]
            .groupby(plusieurs.cle.to_numpy(), sort=False)
            .agg(lambda s: " ; ".join(dict.fromkeys(s))),
        ]
    )
    resultat = attributs.join(lieux, how="left")
    # A legal unit's band describes one structure only when the unit has no other one here,
    # and never when the unit is a public body (SIREN starting with 1 or 2: a commune, a
    # département, a CCAS carrying an ACI), whose headcount is the whole administration's.
    seules = resultat.siren.map(resultat.siren.value_counts()).eq(1).fillna(False)
    publique = parmi(resultat.siren.astype("string").str[0], ["1", "2"]).fillna(False)
    bandes_ul = resultat.tranche_effectif_ul.where(seules & ~publique)
    resultat["tranche_effectif"] = resultat.tranche_effectif.fillna(bandes_ul)
    familles_juridiques = nomenclature.par_valeur(
        resultat.categorie_juridique, lambda c: nomenclature.famille_juridique(c)[0]
    )
    resultat["famille"] = [
        nomenclature.choisir_famille([*fs, fj])
        for fs, fj in zip(familles_sources.reindex(resultat.index), familles_juridiques, strict=True)
    ]
    sous_types_juridiques = nomenclature.par_valeur(
        resultat.categorie_juridique, lambda c: nomenclature.famille_juridique(c)[1]
    )
    resultat["sous_type"] = resultat.sous_type.fillna(sous_types_juridiques.astype("string"))
    resultat["sources"] = sources.reindex(resultat.index).astype("string")
    resultat["millesimes"] = millesimes.reindex(resultat.index).astype("string")
    resultat = resultat.join(
        nomenclature.colonnes_activite_taille(resultat.naf, resultat.tranche_effectif), how="left"
    )
    resultat.index.name = "cle"
    resultat = resultat.reset_index()
    for colonne in COLONNES:
        if colonne not in resultat:
            resultat[colonne] = pd.NA
    resultat = resultat[COLONNES]
    typage = {c: "string" for c in COLONNES if c not in ("lon", "lat", "emplois_estimes", "capacite")}
    return resultat.astype({**typage, "lon": "Float64", "lat": "Float64", "capacite": "Int64"})


def construire(dossier: Path, ref: Referentiel, localisations: dict[str, Localisation]) -> dict:
    """Build step: the merged register (see the module docstring)."""
    anomalies: list[str] = []
    comptes: dict[str, int] = {}
    lignes = _lire_sources(localisations, ref, anomalies, comptes)
    if lignes.empty:
        vide = pd.DataFrame({c: pd.Series(dtype="string") for c in COLONNES})
        vide.to_parquet(dossier / "structures.parquet")
        return {"nombres": {"structures": 0}, "anomalies": anomalies, "disponible": False}
    par_source = lignes.groupby("source").size().to_dict()
    lignes, invalides = _verifier_sirets(lignes, anomalies)
    _signaler_doublons_internes(lignes, anomalies)
    lignes = _placer(lignes, ref, anomalies)
    registre = fusionner(lignes)
    registre.to_parquet(dossier / "structures.parquet", index=False)
    invalides.reset_index(drop=True).to_parquet(dossier / "siret_invalides.parquet", index=False)
    doublons = int(lignes.siret.notna().sum() - registre.siret.notna().sum())
    nombres = {
        "structures": len(registre),
        "lignes_lues": {k: int(v) for k, v in par_source.items()},
        "siret_invalides": len(invalides),
        "fusionnees": max(doublons, 0),
        "localisees_adresse": int((registre.precision == commun.PRECISION_ADRESSE).sum()),
        "localisees_commune": int((registre.precision == commun.PRECISION_CENTROIDE).sum()),
        "sans_localisation": int(registre.lon.isna().sum()),
        **comptes,
    }
    if nombres["sans_localisation"]:
        anomalies.append(
            f"{accorder(nombres['sans_localisation'], 'structure')} sans adresse ni commune connue "
            "(unités légales connues par leur seul SIREN, par exemple) : "
            f"{accorder(nombres['sans_localisation'], 'comptée', avec_nombre=False)} "
            "pour la France entière, pas sur la carte."
        )
    return {"nombres": nombres, "anomalies": anomalies, "disponible": bool(len(registre))}


ETAPE = etapes.Etape(
    nom="structures",
    titre="Structures de l'ESS",
    module=__name__,
    sources=(
        sirene.UNITES_LEGALES.id,
        sirene.ETABLISSEMENTS.id,
        sirene.GEOLOCALISATION.id,
        sirene.UL_ESS_NUMERIQUE.id,
        siae.SIAE_2021.id,
        siae.SIAE_2019.id,
        esat.ESAT_FINESS.id,
        esat.EXTRACTION_FINESS.id,
        fabriques.FABRIQUES.id,
    ),
    construire=construire,
)


# Contributions -----------------------------------------------------------------

# geo.base.contributions.SOURCE_CONTRIBUTION, not imported: the pages that only read the register
# do not load the store's SQLAlchemy for a constant (tests/test_contributions.py checks they agree).
SOURCE_CONTRIBUTION = "contribution_verifiee"
LIBELLE_CONTRIBUTION = "Contribution vérifiée"
SOURCE_CONTRIBUTION_DECLAREE = {
    "id": SOURCE_CONTRIBUTION,
    "titre": "Structures proposées par les acteurs du territoire, vérifiées par un modérateur",
    "producteur": "Contributeurs de ce site",
    "millesime": "mise à jour à chaque vérification",
    "licence": "Licence Ouverte 2.0 (Etalab)",
}
_ROLES_MODERATEUR = {"administrateur": "un administrateur", "contributeur": "un contributeur du territoire"}
# What a contribution may fill when the official row lacks it (identity never: name, SIRET, form).
_COMPLETEES = ("famille", "activite", "adresse")
# What an accepted correction of a report replaces (never the identity either).
_CORRIGEES = ("famille", "activite", "adresse", "commune", "lon", "lat")


def _millesime_contribution(ligne) -> str:
    date = ligne.verifiee_le
    quand = f"vérifiée le {date:%d/%m/%Y}" if date is not None and not pd.isna(date) else "vérifiée"
    role = _ROLES_MODERATEUR.get(ligne.role_moderateur)
    return f"{SOURCE_CONTRIBUTION} : {quand}" + (f" par {role}" if role else "")


def _vide(valeur: object) -> bool:
    return valeur is None or valeur is pd.NA or (isinstance(valeur, float) and np.isnan(valeur))


def avec_contributions(registre: pd.DataFrame, acceptees: pd.DataFrame, masquees) -> pd.DataFrame:
    """The register with what moderators accepted (``geo.base.contributions.acceptees``) and
    without what they hid here (``masquees``: register keys).

    A proposal whose SIRET is already in the register, or merged into a structure, completes that
    structure (family, activity, address, and its place when the official one is only its
    commune's centre); official sources keep its identity. Any other proposal is a structure of
    its own (key ``contribution:<id>``). An accepted correction of a report replaces the family,
    activity or place. Each row touched lists the source « contribution vérifiée » with its date
    and the moderator's role. Nothing pending ever reaches this function.
    """
    registre = registre.copy()
    if len(acceptees):
        acceptees = acceptees.assign(
            millesime_contribution=[_millesime_contribution(ligne) for ligne in acceptees.itertuples()]
        )
        propositions = acceptees[acceptees.genre == "proposition"]
        # A structure hidden here (closed…) is no home for a proposal accepted since with its SIRET
        # (reopened): the proposal would complete it and vanish with it.
        visibles = registre[registre.siret.notna() & ~parmi(registre.cle, list(masquees or ())).fillna(False)]
        par_siret = visibles.drop_duplicates("siret").set_index("siret").cle
        cible = propositions.cle_cible.astype("object").where(propositions.cle_cible.notna(), None)
        cible = cible.fillna(propositions.siret.map(par_siret))
        nouvelles = propositions[cible.isna()]
        if len(nouvelles):
            lignes = pd.DataFrame(
                {
                    "cle": nouvelles.cle,
                    "siret": nouvelles.siret,
                    "siren": nouvelles.siret.str[:9],
                    "nom": nouvelles.nom,
                    "famille": nouvelles.famille,
                    "activite": nouvelles.activite,
                    "taille": nomenclature.TAILLE_INCONNUE,
                    "commune": nouvelles.commune,
                    "lon": nouvelles.lon,
                    "lat": nouvelles.lat,
                    "precision": commun.PRECISION_ADRESSE,
                    "adresse": nouvelles.adresse,
                    "sources": SOURCE_CONTRIBUTION,
                    "millesimes": nouvelles.millesime_contribution,
                }
            )
            lignes = lignes.reindex(columns=COLONNES).astype(registre.dtypes.to_dict())
            registre = pd.concat([registre, lignes], ignore_index=True) if len(registre) else lignes
        completes = propositions[cible.notna()].assign(cible=cible[cible.notna()])
        corrections = acceptees[(acceptees.genre != "proposition") & acceptees.cle_cible.notna()]
        corrections = corrections.assign(cible=corrections.cle_cible)
        position = pd.Series(registre.index, index=registre.cle)
        for ligne in pd.concat([completes, corrections]).itertuples():
            if ligne.cible not in position.index:
                continue  # the structure left the official lists since
            i = position[ligne.cible]
            if isinstance(i, pd.Series):
                i = i.iloc[0]
            correction = ligne.genre != "proposition"
            for colonne in _CORRIGEES if correction else _COMPLETEES:
                valeur = getattr(ligne, colonne)
                if not _vide(valeur) and (correction or _vide(registre.at[i, colonne])):
                    registre.at[i, colonne] = valeur
            lieu_officiel_vague = registre.at[i, "precision"] != commun.PRECISION_ADRESSE or _vide(
                registre.at[i, "lon"]
            )
            if not correction and lieu_officiel_vague and not _vide(ligne.lon) and not _vide(ligne.lat):
                registre.loc[i, ["commune", "lon", "lat"]] = [ligne.commune, ligne.lon, ligne.lat]
            if not _vide(ligne.lon) and (correction or lieu_officiel_vague):
                registre.at[i, "precision"] = commun.PRECISION_ADRESSE
            sources = registre.at[i, "sources"]
            if _vide(sources) or SOURCE_CONTRIBUTION not in str(sources).split(", "):
                registre.at[i, "sources"] = (
                    SOURCE_CONTRIBUTION if _vide(sources) else f"{sources}, {SOURCE_CONTRIBUTION}"
                )
                millesimes = registre.at[i, "millesimes"]
                registre.at[i, "millesimes"] = (
                    ligne.millesime_contribution
                    if _vide(millesimes)
                    else f"{millesimes} ; {ligne.millesime_contribution}"
                )
    if masquees:
        registre = registre[~parmi(registre.cle, list(masquees)).fillna(False)]
    return registre.reset_index(drop=True)


# Reading --------------------------------------------------------------------


class DonneesStructures:
    """The built register, with the questions the pages, the map and the report ask."""

    def __init__(self, dossier: Path, manifeste: dict) -> None:
        self.manifeste = manifeste
        chemin = dossier / "structures.parquet"
        self.disponible = bool(manifeste.get("disponible")) and chemin.is_file()
        if self.disponible:
            self.registre = pd.read_parquet(chemin)
        else:
            self.registre = pd.DataFrame({c: pd.Series(dtype="string") for c in COLONNES})

    def avec_contributions(self, acceptees: pd.DataFrame, masquees) -> DonneesStructures:
        """A copy whose register holds the accepted contributions and not the structures hidden
        here (:func:`avec_contributions`); this one is left as it is (it may be cached)."""
        copie = copy.copy(self)
        copie.registre = avec_contributions(self.registre, acceptees, masquees)
        copie.disponible = self.disponible or bool(len(copie.registre))
        return copie

    def sirets_des_contributions(self) -> dict[str, str]:
        """SIRET → commune of the structures shown only because a moderator accepted a public
        proposal (key ``contribution:<id>``, not hidden here): what may place a funding line the
        official data leave without its beneficiary's commune. Pending, refused or undone
        proposals and hidden structures are not in this register, so they place nothing; a
        SIRET that two such structures give in different communes places nothing either."""
        registre = self.registre
        proposees = registre[
            registre.cle.astype("string").str.startswith(contributions.PREFIXE_CLE, na=False)
            & registre.siret.notna()
            & registre.commune.notna()
        ]
        communes = proposees.groupby(proposees.siret.astype(str)).commune.agg(
            lambda c: sorted(set(c.astype(str)))
        )
        return {siret: seule[0] for siret, seule in communes.items() if len(seule) == 1}

    def siret_connu(self, siret: str) -> bool:
        """Whether the register (contributions included) has this SIRET: the public form's
        duplicate check (``sirets_du_registre`` of ``geo.base.contributions.proposer``)."""
        return bool(siret) and bool(self.registre.siret.eq(siret).fillna(False).any())

    @property
    def partiel(self) -> bool:
        return couverture_registre(self.manifeste)["partiel"]

    def du_territoire(self, ref: Referentiel, tid: TerritoireId | None) -> pd.DataFrame:
        """Structures of a territory (France: all, those without a place included)."""
        if tid is None:
            return self.registre
        codes = set(ref.communes_de(tid).code)
        return self.registre[parmi(self.registre.commune, codes).fillna(False)]

    def bloc(self, ref: Referentiel, tid: TerritoireId | None) -> dict:
        return resume(self.du_territoire(ref, tid), self.manifeste, self.disponible)

    def couches_export(self, ref: Referentiel, tid: TerritoireId | None) -> dict[str, gpd.GeoDataFrame]:
        tableau = self.du_territoire(ref, tid)
        return (
            {"structures_ess": en_geodataframe(tableau_export(tableau, ref.communes.nom))}
            if len(tableau)
            else {}
        )


def filtrer(
    tableau: pd.DataFrame,
    familles: list[str] | None = None,
    sections: list[str] | None = None,
    tailles: list[str] | None = None,
    texte: str = "",
) -> pd.DataFrame:
    """Structures of the chosen families, activity sections and size classes, whose name matches."""
    garder = pd.Series(True, index=tableau.index)
    if familles:
        garder &= parmi(tableau.famille, familles).fillna(False)
    if sections:
        garder &= parmi(tableau.section_naf, sections).fillna(False)
    if tailles:
        garder &= parmi(tableau.taille, tailles).fillna(False)
    if texte and texte.strip():
        cle = cle_recherche(texte)
        noms = tableau.nom.fillna("").map(cle_recherche)
        garder &= noms.str.contains(cle, regex=False) | tableau.siret.fillna("").str.startswith(
            texte.strip().replace(" ", "")
        )
    return tableau[garder]


SOURCES_SIRENE_COMPLET = frozenset({sirene.UNITES_LEGALES.id, sirene.ETABLISSEMENTS.id})
TEXTE_REGISTRE_PARTIEL = (
    "Registre partiel : SIAE, ESAT, tiers-lieux labellisés et quelques unités SIRENE de l'ESS ; la "
    "plupart des associations, coopératives, mutuelles et fondations n'y sont pas tant que le "
    "répertoire SIRENE n'est pas chargé sur ce serveur (fichier national volumineux, chargé à la "
    "demande de son administrateur : voir la page Sources)."
)


def couverture_registre(manifeste: dict | None) -> dict:
    """Whether the register holds the whole SIRENE ESS or only the specialised lists.

    Without SIRENE, counts and ratios undercount associations, cooperatives and
    mutuals by far: every count says so, and jobs per inhabitant are not shown.
    """
    chargees = {s.get("source") for s in (manifeste or {}).get("sources", [])}
    partiel = not chargees >= SOURCES_SIRENE_COMPLET
    return {
        "partiel": partiel,
        "texte": TEXTE_REGISTRE_PARTIEL if partiel else "Registre complet (SIRENE chargé).",
    }


def resume(tableau: pd.DataFrame, manifeste: dict | None = None, disponible: bool = True) -> dict:
    """The ``structures`` block: total, per family, estimated jobs, sources."""
    comptes = tableau.famille.value_counts()
    emplois = tableau.emplois_estimes.dropna()
    sources_comptes: dict[str, int] = {}
    for liste in tableau.sources.dropna():
        for s in liste.split(", "):
            sources_comptes[s] = sources_comptes.get(s, 0) + 1
    sources = []
    for source_id, nombre in sorted(sources_comptes.items(), key=lambda x: _RANG_SOURCE.get(x[0], 99)):
        if source_id == SOURCE_CONTRIBUTION:
            sources.append({**SOURCE_CONTRIBUTION_DECLAREE, "structures": nombre})
            continue
        src = source_declaree(source_id)
        sources.append(
            {
                "id": src.id,
                "titre": src.titre,
                "producteur": src.producteur,
                "millesime": src.millesime,
                "licence": src.licence,
                "structures": nombre,
            }
        )
    return {
        "disponible": disponible,
        "total": len(tableau),
        "par_famille": {f: int(comptes.get(f, 0)) for f in nomenclature.FAMILLES if comptes.get(f, 0)},
        "emplois_estimes": round(float(emplois.sum())) if len(emplois) else None,
        "structures_avec_effectif": len(emplois),
        "structures_sans_effectif": int(tableau.emplois_estimes.isna().sum()),
        "regle_emplois": nomenclature.REGLE_EMPLOIS,
        "localisation": {
            "adresse": int((tableau.precision == commun.PRECISION_ADRESSE).sum()),
            "centroide_commune": int((tableau.precision == commun.PRECISION_CENTROIDE).sum()),
            "sans": int(tableau.lon.isna().sum()),
        },
        "sources": sources,
        "couverture": couverture_registre(manifeste),
        **({"construit_le": manifeste.get("construit_le")} if manifeste else {}),
    }


def texte_sources(bloc: dict) -> str:
    """The sources of a :func:`resume` block, each with its count, and why they add up to more
    than the total when they do (a structure listed by two sources counts once in the total)."""
    lignes = [
        f"{s['producteur']} — {s['titre']} ({s['millesime']}, {s['licence']}) : {nombre_fr(s['structures'])}"
        for s in bloc["sources"]
    ]
    texte = "Sources : " + " · ".join(lignes) + "."
    cumul = sum(s["structures"] for s in bloc["sources"])
    if cumul > bloc["total"]:
        texte += (
            f" Ces nombres font {nombre_fr(cumul)} pour {accorder(bloc['total'], 'structure')} : une "
            "structure citée par plusieurs sources compte dans chacune, une seule fois au total."
        )
    return texte + " Détails : page Sources."


def texte_localisation(bloc: dict) -> str:
    """Where the structures of a :func:`resume` block are, in parts that add up to its total.

    « 12 structures, dont 10 situées à leur adresse et 2 au centre de leur commune (adresse non
    géocodée dans la source), toutes sur la carte » : the headline count, the map and the
    « situées à l'adresse » figure shown beside it agree, or the sentence says why they differ.
    """
    total = bloc["total"]
    localisation = bloc["localisation"]
    if not total:
        return "Aucune structure"
    adresse, centre, sans = localisation["adresse"], localisation["centroide_commune"], localisation["sans"]
    # Placed on the map some other way (no precision given by the source): said, never folded in.
    autres = total - adresse - centre - sans
    geocodage = " (adresse non géocodée dans la source)"
    parties = [
        (n, un, plusieurs)
        for n, un, plusieurs in (
            (adresse, "située à son adresse", "situées à leur adresse"),
            (centre, "au centre de sa commune" + geocodage, "au centre de leur commune" + geocodage),
            (autres, "placée sans précision connue", "placées sans précision connue"),
            (sans, "sans adresse ni commune connue", "sans adresse ni commune connue"),
        )
        if n > 0
    ]
    tete = accorder(total, "structure")
    if len(parties) == 1:
        _, un, plusieurs = parties[0]
        texte = f"{tete}, {'toutes ' + plusieurs if total > 1 else un}"
        if sans:
            return texte + (" : absentes de la carte" if total > 1 else " : absente de la carte")
        return texte + " sur la carte"
    morceaux = [f"{nombre_fr(n)} {un if n < 2 else plusieurs}" for n, un, plusieurs in parties]
    texte = f"{tete}, dont {', '.join(morceaux[:-1])} et {morceaux[-1]}"
    if not sans:
        return texte + ", toutes sur la carte"
    ailleurs = f"les {nombre_fr(sans)} autres n'y sont pas" if sans > 1 else "l'autre n'y est pas"
    return f"{texte} : {nombre_fr(total - sans)} sur la carte, {ailleurs}"


# The columns of every download of structures, from the Structures page or the map (one layer,
# one set of columns): the register's without its internal key, and the commune's name.
COLONNES_EXPORT = [*(c for c in COLONNES if c != "cle"), "nom_commune"]


def _nom_de_source(identifiant: str) -> str:
    if identifiant == SOURCE_CONTRIBUTION:
        return LIBELLE_CONTRIBUTION
    try:
        return source_declaree(identifiant).nom_complet
    except KeyError:
        return identifiant


def _sources_en_mots(sources: str) -> str:
    """« siae_2021, esat_finess » as the titles of those sources (a title may hold a comma: « ; »)."""
    return " ; ".join(_nom_de_source(i.strip()) for i in sources.split(","))


def _millesimes_en_mots(millesimes: str) -> str:
    """« siae_2021 : Début 2021 ; … » with each source's title in place of its id."""
    parties = []
    for partie in millesimes.split(" ; "):
        identifiant, separateur, millesime = partie.partition(" : ")
        parties.append(f"{_nom_de_source(identifiant)}{separateur}{millesime}")
    return " ; ".join(parties)


def _en_mots(valeurs: pd.Series, traduire) -> pd.Series:
    # A few distinct values over thousands of rows: each is translated once.
    distinctes = valeurs.dropna().unique()
    return valeurs.map({v: traduire(v) for v in distinctes}).astype("string")


def tableau_export(tableau: pd.DataFrame, noms_communes: pd.Series) -> pd.DataFrame:
    """Structures as every download gives them (:data:`COLONNES_EXPORT`): sources by their
    producer and title, never by the project's ids."""
    return tableau.assign(
        nom_commune=tableau.commune.map(noms_communes).astype("string"),
        sources=_en_mots(tableau.sources, _sources_en_mots),
        millesimes=_en_mots(tableau.millesimes, _millesimes_en_mots),
    )[COLONNES_EXPORT]


def en_geodataframe(tableau: pd.DataFrame) -> gpd.GeoDataFrame:
    """Located structures as points (WGS84) for GeoJSON and GeoPackage downloads.

    The columns of :data:`COLONNES_EXPORT` that ``tableau`` has (all, from :func:`tableau_export`).
    """
    places = tableau[tableau.lon.notna() & tableau.lat.notna()]
    geometries = shapely.points(places.lon.to_numpy(dtype=float), places.lat.to_numpy(dtype=float))
    colonnes = [c for c in COLONNES_EXPORT if c in places.columns]
    donnees = places[colonnes].copy()
    donnees["emplois_estimes"] = donnees.emplois_estimes.astype(float)
    return gpd.GeoDataFrame(donnees.reset_index(drop=True), geometry=np.asarray(geometries), crs="EPSG:4326")


def geojson_de(tableau: pd.DataFrame) -> bytes:
    """The GeoJSON download of located structures (UTF-8, no feature ids)."""
    return en_geodataframe(tableau).to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


# Levels the Recherche d'entreprises API filters by.
NIVEAUX_DU_JOUR = ("commune", "departement")


@dataclass(frozen=True)
class StructuresDuJour:
    """ESS establishments the Recherche d'entreprises API finds in a territory today."""

    trouvees: pd.DataFrame  # the standard table of geo.sources.ess_commun
    absentes_du_registre: int  # found today, not in the register built from the official files
    remarques: list[str]


def structures_du_jour(donnees: DonneesStructures, tid: TerritoireId, client=None) -> StructuresDuJour:
    """Ask the API about a commune or a département; raises ``SourceIndisponible`` offline."""
    if tid.niveau not in NIVEAUX_DU_JOUR:
        raise ValueError(f"L'API ne filtre que par commune ou département, pas par {tid.niveau}.")

    client = client or ClientRechercheEntreprises()
    critere = {"code_commune": tid.code} if tid.niveau == "commune" else {"departement": tid.code}
    trouvees, remarques = client.structures(**critere, pages_max=40)
    connus = set(donnees.registre.siret.dropna())
    absentes = int((~parmi(trouvees.siret, connus).fillna(False)).sum())
    return StructuresDuJour(trouvees, absentes, remarques)


def charger(ref: Referentiel, dossier_cache: Path | None = None) -> DonneesStructures:
    """The built register (built first when missing)."""
    dossier_cache = dossier_cache or config.dossier_cache()
    manifeste = etapes.assurer_etape(ETAPE, ref, dossier_cache)
    return DonneesStructures(dossier_cache / ETAPE.nom, manifeste)


def contributions_du_depot(donnees: DonneesStructures, depot) -> DonneesStructures:
    """The register with the contributions accepted in the store ``depot`` (a ``geo.base.store.Depot``)."""
    return donnees.avec_contributions(contributions.acceptees(depot), contributions.cles_masquees(depot))


def avec_le_depot(ref: Referentiel) -> tuple[DonneesStructures, str | None]:
    """The register with the contributions accepted in the default store, and None; or, when the
    store is out of reach, the official register and why (in French)."""
    donnees = charger(ref)
    try:
        depot = store.ouvrir()
        try:
            return contributions_du_depot(donnees, depot), None
        finally:
            depot.fermer()
    except store.BaseInaccessible as erreur:  # a store out of reach must not stop the report
        return donnees, store.message_indisponible(erreur)


def bloc_rapport(ref: Referentiel, tid: TerritoireId | None, **_options) -> dict:
    """The ``structures`` block of ``geo.rendu.report``, with the contributions accepted in the store."""
    donnees, remarque = avec_le_depot(ref)
    bloc = donnees.bloc(ref, tid)
    return {**bloc, "remarque_contributions": remarque} if remarque else bloc
