"""Public funding per territory (Ci.Ville) and the weight of the ESS in salaried jobs.

The build step (:data:`ETAPE`) writes two tables under ``data/cache/financements/``:

- ``postes.parquet``: one row per adulte-relais or FONJEP post and year, placed
  on a territory by its contrat de ville (the contract's EPCI, or its commune), or on
  the commune that employs it (« COMMUNE DE SOISSONS », told by its SIRET or its name),
  else by its département (``rattachement`` says which); the 2025 adultes-relais
  rows are flagged ``comparable = False`` (flat 7 164 € per post);
- ``part_ess.parquet``: share of the ESS in private salaried jobs by
  département and région (2008, 2014, 2015).

At run time, a post whose employer's SIRET is that of a structure entered in
the store with its commune is placed on that commune (``SIRET``), the most
precise attachment. A post placed only on a département is not split between
that département's EPCI or communes: the figures of an EPCI or a commune say
how many such posts their département holds.
"""

from __future__ import annotations

import copy
import re
from functools import cached_property
from pathlib import Path

import pandas as pd

from geo.base import semences, store
from geo.build import etapes
from geo.donnees import emplois, structures, subventions
from geo.outils import config
from geo.outils.codes import parmi
from geo.outils.text import accorder, de_nom, nombre_fr, plages
from geo.sources import Localisation
from geo.sources import civille as sources_civille
from geo.sources import emploi_ess as sources_emploi
from geo.territoires.referentiel import Referentiel, TerritoireId

RATTACHEMENTS = {
    "siret": "SIRET de l'employeur (structure saisie)",
    "siret_registre": "SIRET de l'employeur (registre des structures de l'ESS)",
    "siret_contribution": "SIRET de l'employeur, placé grâce à une contribution vérifiée (structure "
    "proposée par le public et acceptée par un modérateur, pas une donnée officielle)",
    "commune_employeur": "l'employeur est la commune (son SIRET ou son nom)",
    "cv_commune": "contrat de ville (commune)",
    "cv_epci": "contrat de ville (EPCI)",
    "cv_point": "contrat de ville (EPCI actuel au point du contrat)",
    "departement": "département",
    "aucun": "non rattaché",
}
PAR_CONTRIBUTION = "siret_contribution"
# Official attachments that leave a post without a commune, and the column of the territory they
# name: an accepted contribution may place such a post on a commune of that territory, never
# elsewhere, and never moves a post the official data place on a commune.
SANS_COMMUNE = {"aucun": None, "departement": "dep", "cv_epci": "epci", "cv_point": "epci"}
# The funding sources by their short names (year selector, coverage lines).
CIVILLE = "Ci.Ville"
SUBVENTIONS = subventions.SOURCE_COURTE
SAISIES = "financements saisis"
SANS_PRECISION = "aucune précision donnée"
SOURCE_CIVILLE = "ANCT, Ci.Ville (adultes-relais et postes FONJEP), Licence Ouverte 2.0"
SOURCE_PART_ESS = "INSEE, Clap (indicateurs territoriaux de développement durable), Licence Ouverte 2.0"


# Build ---------------------------------------------------------------------------


def _lire_postes(localisations: dict[str, Localisation], anomalies: list[str]) -> pd.DataFrame:
    tables = []
    for source in sources_civille.POSTES_ANNUELS.values():
        if source.id not in localisations:
            continue
        try:
            tables.append(sources_civille.lire_postes(localisations[source.id].chemin))
        except sources_civille.DonneesCivilleInvalides as erreur:
            anomalies.append(etapes.fichier_refuse(erreur))
    if not tables and sources_civille.POSTES_EMPILES.id in localisations:
        try:
            tables.append(
                sources_civille.lire_postes(localisations[sources_civille.POSTES_EMPILES.id].chemin)
            )
        except sources_civille.DonneesCivilleInvalides as erreur:
            anomalies.append(etapes.fichier_refuse(erreur))
    if not tables:
        return pd.DataFrame(columns=sources_civille.COLONNES_POSTES)
    postes = pd.concat(tables, ignore_index=True)
    identiques = postes.duplicated()
    if identiques.any():
        n = int(identiques.sum())
        anomalies.append(
            f"{accorder(n, 'ligne répétée', 'lignes répétées')} à l'identique, "
            f"{accorder(n, 'comptée', avec_nombre=False)} une fois."
        )
    postes = postes[~identiques]
    # The same post, year and amount under two establishments (SIRET) of one employer.
    meme_poste = postes.duplicated(["dispositif", "annee", "id_poste", "montant_eur"])
    if meme_poste.any():
        n = int(meme_poste.sum())
        anomalies.append(
            f"{accorder(n, 'poste listé', 'postes listés')} deux fois la même année pour le même montant "
            f"sous deux établissements (SIRET) : {accorder(n, 'compté', avec_nombre=False)} une fois, "
            "au premier établissement."
        )
    return postes[~meme_poste]


def _contrats(localisations: dict[str, Localisation], anomalies: list[str]) -> pd.DataFrame:
    tables = []
    for source in (sources_civille.CONTRATS_2015, sources_civille.CONTRATS_2024):
        if source.id in localisations:
            try:
                tables.append(sources_civille.lire_contrats_de_ville(localisations[source.id].chemin))
            except (sources_civille.DonneesCivilleInvalides, ValueError) as erreur:
                anomalies.append(etapes.fichier_refuse(erreur))
    if not tables:
        return pd.DataFrame(columns=["code_cv", "lib_cv", "epci", "commune", "insee_dep", "lon", "lat"])
    return pd.concat(tables, ignore_index=True).drop_duplicates("code_cv")


def rattacher(
    postes: pd.DataFrame, contrats: pd.DataFrame, ref: Referentiel, anomalies: list[str]
) -> pd.DataFrame:
    """Columns ``commune, epci, dep, reg, rattachement, lib_cv`` for each post."""
    # Contracts signed by an EPCI merged since (2015 generation): the current EPCI
    # holding the contract's point is its successor.
    contrats = contrats.copy()
    anciens = contrats.epci.notna() & ~parmi(contrats.epci, ref.epci.index) & contrats.lon.notna()
    contrats["epci_point"] = None
    if anciens.any():
        au_point = ref.communes_aux_points(
            contrats.loc[anciens, "lon"].to_numpy(), contrats.loc[anciens, "lat"].to_numpy()
        )
        contrats.loc[anciens, "epci_point"] = pd.Series(au_point, index=contrats.index[anciens]).map(
            ref.communes.epci
        )
    postes = postes.merge(
        contrats[["code_cv", "lib_cv", "epci", "commune", "epci_point"]], on="code_cv", how="left"
    )
    commune = ref.codes_actuels(postes.commune.astype("string"))
    epci = postes.epci.astype("string").where(parmi(postes.epci, ref.epci.index))
    par_point = epci.isna() & postes.epci_point.notna()
    epci = epci.fillna(postes.epci_point.astype("string"))
    epci_inconnus = postes.epci.notna() & epci.isna()
    if par_point.any():
        n = int(par_point.sum())
        anomalies.append(
            f"{accorder(n, 'poste')} d'un contrat de ville signé par un EPCI qui n'existe plus : "
            f"{accorder(n, 'rattaché', avec_nombre=False)} à l'EPCI actuel qui contient le point du contrat."
        )
    if epci_inconnus.any():
        n = int(epci_inconnus.sum())
        anomalies.append(
            f"{accorder(n, 'poste')} d'un contrat de ville dont l'EPCI n'existe plus "
            f"({', '.join(sorted(set(postes.epci[epci_inconnus]))[:10])}) : "
            f"{accorder(n, 'rattaché', avec_nombre=False)} au département."
        )
    communes = ref.communes
    epci = epci.fillna(commune.map(communes.epci))
    dep = postes.insee_dep.astype("string").where(parmi(postes.insee_dep, ref.departements.index))
    dep = commune.map(communes.dep).astype("string").fillna(dep)
    reg = dep.map(ref.departements.reg).astype("string")
    rattachement = pd.Series("aucun", index=postes.index)
    rattachement[dep.notna()] = "departement"
    rattachement[epci.notna() & postes.epci.notna()] = "cv_epci"
    rattachement[par_point] = "cv_point"
    rattachement[commune.notna()] = "cv_commune"
    cv_inconnus = postes.code_cv.notna() & postes.lib_cv.isna()
    if cv_inconnus.any():
        n = int(cv_inconnus.sum())
        anomalies.append(
            f"{accorder(n, 'poste')} d'un contrat de ville absent des fichiers des contrats "
            f"({accorder(n, 'rattaché', avec_nombre=False)} au département)."
        )
    sans = rattachement == "aucun"
    if sans.any():
        anomalies.append(
            f"{accorder(int(sans.sum()), 'poste')} sans contrat de ville ni département connus "
            f"({nombre_et_montant(postes[sans])}) : "
            f"{accorder(int(sans.sum()), 'compté', avec_nombre=False)} pour la France seulement."
        )
    epci = epci.where(parmi(rattachement, ["cv_epci", "cv_point", "cv_commune"]))
    # A post whose employer is a commune (« COMMUNE DE SOISSONS ») is that commune's, whatever
    # the contract: the contract's EPCI would leave the commune at 0 €.
    employeur = communes_employeurs(postes, ref)
    par_employeur = employeur.notna()
    if par_employeur.any():
        commune = commune.where(~par_employeur, employeur)
        epci = epci.where(~par_employeur, employeur.map(communes.epci))
        dep = dep.where(~par_employeur, employeur.map(communes.dep))
        reg = dep.map(ref.departements.reg).astype("string")
        rattachement[par_employeur] = "commune_employeur"
        n = int(par_employeur.sum())
        anomalies.append(
            f"{accorder(n, 'poste')} dont l'employeur est une commune, reconnue par son SIRET ou par son "
            f"nom dans le département du poste : {accorder(n, 'compté', avec_nombre=False)} à cette commune."
        )
    siret_de_commune = (
        postes.siret.astype("string").str.match(r"^21\d{12}$", na=False) if "siret" in postes else None
    )
    if siret_de_commune is not None and (siret_de_commune & ~par_employeur).any():
        n = int((siret_de_commune & ~par_employeur).sum())
        anomalies.append(
            f"{accorder(n, 'poste')} dont l'employeur a le SIRET d'une commune sans que son nom désigne une "
            f"commune unique de son département (« COM DE CLERMONT FD ») : "
            f"{accorder(n, 'rattaché', avec_nombre=False)} par le contrat de ville."
        )
    return postes.drop(columns=["epci_point"]).assign(
        commune=commune,
        epci=epci,
        dep=dep,
        reg=reg,
        rattachement=rattachement,
    )


def communes_employeurs(postes: pd.DataFrame, ref: Referentiel) -> pd.Series:
    """The commune each post's employer is (by its SIRET, else its name in the post's département), or NA."""
    vide = pd.Series("", index=postes.index, dtype="string")
    cles = list(
        zip(
            *(
                postes[colonne].astype("string").fillna("") if colonne in postes else vide
                for colonne in ("siret", "raison_sociale", "insee_dep")
            ),
            strict=True,
        )
    )
    trouvees = {c: subventions.commune_designee(*c, ref) for c in dict.fromkeys(cles)}
    return pd.Series([trouvees[c] for c in cles], index=postes.index, dtype="string")


def nombre_et_montant(postes: pd.DataFrame) -> str:
    return f"{accorder(len(postes), 'poste')}, {nombre_fr(float(postes.montant_eur.sum()))} €"


def construire(dossier: Path, ref: Referentiel, localisations: dict[str, Localisation]) -> dict:
    anomalies: list[str] = []
    postes = _lire_postes(localisations, anomalies)
    contrats = _contrats(localisations, anomalies)
    postes = rattacher(postes, contrats, ref, anomalies)
    postes.reset_index(drop=True).to_parquet(dossier / "postes.parquet")

    parts = []
    for source in (sources_emploi.PART_2015, sources_emploi.PART_2008_2014):
        if source.id in localisations:
            try:
                parts.append(sources_emploi.lire_parts(localisations[source.id].chemin))
            except (sources_emploi.DonneesEmploiInvalides, ValueError) as erreur:
                anomalies.append(etapes.fichier_refuse(erreur))
    part_ess = (
        pd.concat(parts, ignore_index=True).drop_duplicates(["niveau", "code", "annee"])
        if parts
        else pd.DataFrame(columns=["niveau", "code", "libelle", "annee", "part_pct"])
    )
    part_ess.to_parquet(dossier / "part_ess.parquet")
    if (~postes.comparable.astype(bool)).any():
        anomalies.append(sources_civille.NOTE_2025)
    return {
        "nombres": {
            "postes": len(postes),
            "montant_total_eur": round(float(postes.montant_eur.sum()), 2),
            "annees": sorted(int(a) for a in postes.annee.dropna().unique()),
            "rattachements": {k: int(v) for k, v in postes.rattachement.value_counts().items()},
            "parts_ess": len(part_ess),
        },
        "anomalies": anomalies,
        "disponible": bool(len(postes) or len(part_ess)),
    }


ETAPE = etapes.Etape(
    nom="financements",
    titre="Financements publics (Ci.Ville) et poids de l'ESS dans l'emploi",
    module=__name__,
    sources=(
        *(s.id for s in sources_civille.POSTES_ANNUELS.values()),
        sources_civille.POSTES_EMPILES.id,
        sources_civille.CONTRATS_2015.id,
        sources_civille.CONTRATS_2024.id,
        sources_emploi.PART_2015.id,
        sources_emploi.PART_2008_2014.id,
    ),
    construire=construire,
)


# Reading ----------------------------------------------------------------------------


class DonneesFinancements:
    """The built tables, with the per-territory questions of the pages and the report."""

    def __init__(self, dossier: Path, manifeste: dict) -> None:
        self.manifeste = manifeste
        self.dossier = dossier
        # SIRET → commune of the structures accepted contributions add (see avec_contributions).
        self.sirets_contributions: dict[str, str] = {}
        self.disponible = bool(manifeste.get("disponible")) and (dossier / "postes.parquet").is_file()
        if self.disponible:
            self.postes = pd.read_parquet(dossier / "postes.parquet")
            self.part_ess = pd.read_parquet(dossier / "part_ess.parquet")
        else:
            self.postes = pd.DataFrame(
                columns=[
                    *sources_civille.COLONNES_POSTES,
                    "commune",
                    "epci",
                    "dep",
                    "reg",
                    "rattachement",
                    "lib_cv",
                ]
            )
            self.part_ess = pd.DataFrame(columns=["niveau", "code", "libelle", "annee", "part_pct"])

    def annees(self) -> list[int]:
        """The years the Ci.Ville files hold (every post of France, each year they cover)."""
        return sorted(int(a) for a in self.postes.annee.dropna().unique())

    @cached_property
    def sirets_registre(self) -> dict[str, str]:
        """SIRET → commune of the ESS structures register, when it is built beside these tables."""
        chemin = self.dossier.parent / "structures" / "structures.parquet"
        if not chemin.is_file():
            return {}
        registre = pd.read_parquet(chemin, columns=["siret", "commune"]).dropna()
        return dict(zip(registre.siret.astype(str), registre.commune.astype(str), strict=True))

    def avec_contributions(self, sirets_communes: dict[str, str]) -> DonneesFinancements:
        """A copy that also places the posts the official data leave without a commune on the
        commune of the structure an accepted contribution gives their employer's SIRET
        (``sirets_communes``, see :meth:`geo.donnees.structures.DonneesStructures.sirets_des_contributions`);
        this one is left as it is (it may be cached)."""
        copie = copy.copy(self)
        copie.sirets_contributions = dict(sirets_communes)
        copie.__dict__.pop("_postes_places", None)  # placed again, with the contributions
        return copie

    def postes_places(self, ref: Referentiel, sirets_communes: dict[str, str] | None = None) -> pd.DataFrame:
        """Every post, placed on its employer's commune when its SIRET is known.

        The structures entered in the store (``sirets_communes``) take precedence over the
        register of ESS structures, which takes precedence over the contrat de ville.
        Placed once per (referentiel, entered SIRETs): the lookup of current codes costs
        about 0.3 s and every figure of the Emplois page asks for it.
        """
        cle = (id(ref), tuple(sorted((sirets_communes or {}).items())))
        memo = self.__dict__.setdefault("_postes_places", {})
        if cle not in memo:
            if len(memo) >= 8:  # a few store states at once, not an unbounded history
                memo.pop(next(iter(memo)))
            memo[cle] = self._placer(ref, sirets_communes)
        return memo[cle]

    def _placer(self, ref: Referentiel, sirets_communes: dict[str, str] | None) -> pd.DataFrame:
        postes = placer_par_contributions(self.postes, ref, self.sirets_contributions)
        for sirets, rattachement in ((self.sirets_registre, "siret_registre"), (sirets_communes, "siret")):
            if not sirets:
                continue
            connus = parmi(postes.siret, list(sirets))
            if not connus.any():
                continue
            postes = postes.copy()
            communes = postes.loc[connus, "siret"].map(sirets)
            communes = ref.codes_actuels(communes.astype("string"))
            valides = communes.notna()
            index = communes[valides].index
            postes.loc[index, "commune"] = communes[valides]
            postes.loc[index, "epci"] = communes[valides].map(ref.communes.epci)
            postes.loc[index, "dep"] = communes[valides].map(ref.communes.dep)
            postes.loc[index, "reg"] = communes[valides].map(ref.communes.reg)
            postes.loc[index, "rattachement"] = rattachement
        return postes

    def postes_du_territoire(
        self,
        ref: Referentiel,
        tid: TerritoireId | None,
        annee: int | None = None,
        sirets_communes: dict[str, str] | None = None,
    ) -> pd.DataFrame:
        postes = self.postes_places(ref, sirets_communes)
        if tid is not None:
            colonne = {"commune": "commune", "epci": "epci", "departement": "dep", "region": "reg"}[
                tid.niveau
            ]
            postes = postes[postes[colonne] == tid.code]
        if annee is not None:
            postes = postes[postes.annee == annee]
        return postes

    def postes_non_repartis(
        self, ref: Referentiel, tid: TerritoireId | None, sirets_communes: dict[str, str] | None = None
    ) -> pd.DataFrame:
        """Posts of the territory's département(s) known only at a coarser level than the territory."""
        if tid is None or tid.niveau in {"departement", "region"}:
            return self.postes.iloc[0:0]
        postes = self.postes_places(ref, sirets_communes)
        deps = set(ref.communes_de(tid).dep)
        niveaux = ["departement"] if tid.niveau == "epci" else ["departement", "cv_epci", "cv_point"]
        candidats = postes[parmi(postes.dep, deps) & parmi(postes.rattachement, niveaux)]
        if tid.niveau == "commune":
            commune = ref.communes.loc[tid.code]
            candidats = candidats[
                (candidats.rattachement == "departement") | (candidats.epci == commune.epci)
            ]
        return candidats

    def part_ess_du_territoire(self, ref: Referentiel, tid: TerritoireId | None) -> dict | None:
        """Latest share of the ESS in salaried jobs for the territory, or its département's."""
        if tid is None or self.part_ess.empty:
            return None
        if tid.niveau in {"departement", "region"}:
            niveau, code, note = tid.niveau, tid.code, None
        else:
            deps = sorted(set(ref.communes_de(tid).dep))
            if len(deps) != 1:
                return {
                    "part_pct": None,
                    "raison": "territoire à cheval sur plusieurs départements : " + ", ".join(deps),
                }
            niveau, code = "departement", deps[0]
            departement = ref.ligne(TerritoireId("departement", code))
            note = (
                f"valeur du département {de_nom(departement.nom, departement.get('type_nom'))} "
                "(pas de chiffre publié à cette échelle)"
            )
        lignes = self.part_ess[(self.part_ess.niveau == niveau) & (self.part_ess.code == code)]
        if lignes.empty:
            return None
        lignes = lignes.sort_values("annee")
        return {
            "part_pct": round(float(lignes.part_pct.iloc[-1]), 1),
            "annee": int(lignes.annee.iloc[-1]),
            "serie": {int(a): round(float(p), 1) for a, p in zip(lignes.annee, lignes.part_pct, strict=True)},
            "niveau": niveau,
            "code": code,
            **({"note": note} if note else {}),
            "source": SOURCE_PART_ESS,
        }


def placer_par_contributions(
    postes: pd.DataFrame, ref: Referentiel, sirets_communes: dict[str, str]
) -> pd.DataFrame:
    """The posts the official data leave without a commune (:data:`SANS_COMMUNE`) placed on the
    commune of the structure an accepted contribution gives their employer's SIRET, when that
    commune lies in the territory the official data name (its département, its contract's EPCI);
    attachment ``siret_contribution``. ``postes`` is left as it is."""
    if not sirets_communes or postes.empty or "siret" not in postes:
        return postes
    rattachement = postes.rattachement.astype("string")
    siret = postes.siret.astype("string")
    candidats = parmi(rattachement, list(SANS_COMMUNE)) & parmi(siret, list(sirets_communes)).fillna(False)
    if not candidats.any():
        return postes
    # Current codes of the few candidates only: every post would cost seconds.
    commune = ref.codes_actuels(siret[candidats].map(sirets_communes).astype("string")).reindex(postes.index)
    a_placer = candidats & commune.notna()
    for officiel, colonne in SANS_COMMUNE.items():
        if colonne is not None:
            hors = (rattachement == officiel) & (commune.map(ref.communes[colonne]) != postes[colonne])
            a_placer &= ~hors.fillna(True)
    if not a_placer.any():
        return postes
    postes = postes.copy()
    communes = commune[a_placer]
    postes.loc[a_placer, "commune"] = communes
    for colonne in ("epci", "dep", "reg"):
        postes.loc[a_placer, colonne] = communes.map(ref.communes[colonne])
    postes.loc[a_placer, "rattachement"] = PAR_CONTRIBUTION
    return postes


def remarques(bloc_emplois: dict | None, bloc_financements: dict | None) -> list[str]:
    """What a zero or a partial figure leaves out, in plain French (Emplois, Territoire, PDF)."""
    lignes = []
    couverte = remarque_couverture(bloc_financements or {})
    if couverte:
        lignes.append(couverte)
    ouvertes = (bloc_financements or {}).get("donnees_ouvertes", {})
    if ouvertes.get("non_comparables", {}).get("note"):
        lignes.append(ouvertes["non_comparables"]["note"])
    if "places_par_contribution" in ouvertes:
        places = ouvertes["places_par_contribution"]
        lignes.append(
            f"Dont {accorder(places['postes'], 'poste')} d'adultes-relais ou FONJEP "
            f"({nombre_fr(places['total_eur'])} €) {accorder(places['postes'], 'placé', avec_nombre=False)} "
            "ici grâce à une contribution vérifiée : le SIRET de l'employeur n'est connu que d'une structure "
            "proposée par le public et acceptée par un modérateur, pas des données officielles, qui ne "
            "situent que son département ou son contrat de ville (colonne « Rattachement au territoire »)."
        )
    if "non_repartis" in ouvertes:
        non_repartis = ouvertes["non_repartis"]
        lignes.append(
            f"{accorder(non_repartis['postes'], 'poste')} d'adultes-relais ou FONJEP "
            f"({nombre_fr(non_repartis['total_eur'])} €) ne sont connus qu'à l'échelle "
            f"{non_repartis['echelle']} : ils ne sont pas comptés ici."
        )
    if bloc_emplois and bloc_emplois.get("non_comptes_debordants"):
        lignes.append(
            f"{accorder(bloc_emplois['non_comptes_debordants'], 'emploi')} de projets dont le périmètre "
            "déborde ce territoire (comptés à l'EPCI ou au département) ne sont pas comptés ici."
        )
    return lignes


def charger(ref: Referentiel, dossier_cache: Path | None = None) -> DonneesFinancements:
    """The built funding tables (built first when missing)."""
    dossier_cache = dossier_cache or config.dossier_cache()
    manifeste = etapes.assurer_etape(ETAPE, ref, dossier_cache)
    return DonneesFinancements(dossier_cache / ETAPE.nom, manifeste)


def _somme(valeurs) -> float:
    return round(float(pd.Series(valeurs, dtype=float).sum()), 2)


def bloc(
    donnees: DonneesFinancements,
    saisies,
    ref: Referentiel,
    tid: TerritoireId | None,
    annee: int | None = None,
) -> dict:
    """Funding received in the territory: open data (Ci.Ville) plus the rows entered."""
    sirets = saisies.sirets_communes() if saisies is not None else {}
    postes = donnees.postes_du_territoire(ref, tid, annee, sirets)
    saisis = saisies.financements_du_territoire(ref, tid, annee) if saisies is not None else pd.DataFrame()
    annees_civille = donnees.annees()
    annees_saisies = annees_des_saisies(saisies, ref, tid)
    montants_saisis = saisis.montant_eur.dropna() if len(saisis) else pd.Series(dtype=float)

    par_annee: dict[str, float] = {}
    for cle, valeur in postes.groupby("annee").montant_eur.sum().items():
        par_annee[str(int(cle))] = round(float(valeur), 2)
    if len(saisis):
        # With a year chosen, every row counts for that year (multi-year rows by their share).
        periodes = saisis.periode if annee is None else pd.Series(str(annee), index=saisis.index)
        connus = saisis.montant_eur.notna()
        for cle, valeur in saisis[connus].groupby(periodes[connus]).montant_eur.sum().items():
            par_annee[cle] = round(par_annee.get(cle, 0.0) + float(valeur), 2)
    par_dispositif: dict[str, float] = {}
    for cle, valeur in postes.groupby("dispositif").montant_eur.sum().items():
        par_dispositif[sources_civille.DISPOSITIFS[cle]] = round(float(valeur), 2)
    if len(saisis):
        nommes = saisis.dropna(subset=["montant_eur"]).assign(
            dispositif=lambda t: t.dispositif.fillna("dispositif non précisé")
        )
        for cle, valeur in nommes.groupby("dispositif").montant_eur.sum().items():
            par_dispositif[cle] = round(par_dispositif.get(cle, 0.0) + float(valeur), 2)
    non_comparables = postes[~postes.comparable.astype(bool)]
    par_contribution = postes.rattachement.astype("string").eq(PAR_CONTRIBUTION).fillna(False)
    non_repartis = donnees.postes_non_repartis(ref, tid, sirets)
    # An EPCI's posts left out are its département's; a commune's, its département's or its EPCI's.
    echelle_non_repartis = (
        "du département" if tid is not None and tid.niveau == "epci" else "du département ou de l'EPCI"
    )
    if annee is not None:
        non_repartis = non_repartis[non_repartis.annee == annee]
    return {
        "disponible": donnees.disponible or saisies is not None,
        "annee": annee,
        "total_eur": round(_somme(postes.montant_eur) + _somme(montants_saisis), 2),
        # Years each source covers: a year none covers is unknown, not 0 €.
        "couverture": {CIVILLE: annees_civille, SAISIES: annees_saisies},
        "sans_source": annee is not None and annee not in annees_civille and not len(saisis),
        "par_annee": dict(sorted(par_annee.items())),
        "par_dispositif": dict(sorted(par_dispositif.items(), key=lambda kv: -kv[1])),
        "donnees_ouvertes": {
            "postes": len(postes),
            "total_eur": _somme(postes.montant_eur),
            "par_rattachement": {
                RATTACHEMENTS[k]: int(v) for k, v in postes.rattachement.value_counts().sort_index().items()
            },
            "source": SOURCE_CIVILLE,
            "annees": sorted(int(a) for a in postes.annee.dropna().unique()),
            **(
                {
                    "places_par_contribution": {
                        "postes": int(par_contribution.sum()),
                        "total_eur": _somme(postes.montant_eur[par_contribution]),
                    }
                }
                if par_contribution.any()
                else {}
            ),
            **(
                {
                    "non_comparables": {
                        "postes": len(non_comparables),
                        "total_eur": _somme(non_comparables.montant_eur),
                        "note": sources_civille.NOTE_2025,
                    }
                }
                if len(non_comparables)
                else {}
            ),
            **(
                {
                    "non_repartis": {
                        "postes": len(non_repartis),
                        "total_eur": _somme(non_repartis.montant_eur),
                        "echelle": echelle_non_repartis,
                        "note": f"postes connus seulement à l'échelle {echelle_non_repartis}, "
                        "non comptés ici",
                    }
                }
                if len(non_repartis)
                else {}
            ),
        },
        "saisis": {
            "lignes": len(saisis),
            "total_eur": _somme(montants_saisis),
            "montant_inconnu": int(saisis.montant_eur.isna().sum()) if len(saisis) else 0,
            **(
                {
                    "repartis_sur_plusieurs_annees": int(saisis.reparti_sur_annees.sum()),
                    "note_repartition": "un financement pluriannuel compte pour l'année choisie à parts "
                    "égales entre ses années",
                }
                if annee is not None
                and len(saisis)
                and "reparti_sur_annees" in saisis
                and saisis.reparti_sur_annees.any()
                else {}
            ),
            "source": "données saisies et pack de semences",
        },
        "part_ess_emploi_salarie": donnees.part_ess_du_territoire(ref, tid),
    }


def annees_des_saisies(saisies, ref: Referentiel, tid: TerritoireId | None) -> list[int]:
    """The years the territory's entered funding lines cover (a line over 2018–2020 covers three)."""
    if saisies is None:
        return []
    lignes = saisies.financements_du_territoire(ref, tid)
    annees: set[int] = set()
    for debut, fin in zip(lignes.annee_debut, lignes.annee_fin, strict=True):
        if pd.notna(debut) or pd.notna(fin):
            debut, fin = (
                (int(debut) if pd.notna(debut) else int(fin)),
                (int(fin) if pd.notna(fin) else int(debut)),
            )
            annees |= set(range(debut, fin + 1))
    return sorted(annees)


def texte_total(bloc_financements: dict) -> str:
    """The « Financements reçus » figure: « 12 345 € », or « — » when no source covers the chosen
    year (an unknown, never 0 €; :func:`raison_total` says why)."""
    if bloc_financements.get("sans_source"):
        return "—"
    return f"{nombre_fr(bloc_financements['total_eur'])} €"


def raison_total(bloc_financements: dict) -> str | None:
    """« aucune source pour 2019 » under a « — » figure, None when the figure is known."""
    if bloc_financements.get("sans_source"):
        return f"aucune source pour {bloc_financements['annee']}"
    return None


def texte_ouvertes(bloc_financements: dict) -> str:
    """The Ci.Ville part: « 80 000 € », or « — » for a year the Ci.Ville files do not cover."""
    annee = bloc_financements.get("annee")
    if annee is not None and annee not in bloc_financements.get("couverture", {}).get(CIVILLE, [annee]):
        return "—"
    return f"{nombre_fr(bloc_financements['donnees_ouvertes']['total_eur'])} €"


def remarque_couverture(bloc_financements: dict) -> str | None:
    """What a chosen year leaves unknown: no source at all, or no Ci.Ville file (None otherwise)."""
    annee = bloc_financements.get("annee")
    couverture_sources = bloc_financements.get("couverture")
    if annee is None or not couverture_sources:
        return None
    if bloc_financements.get("sans_source"):
        return (
            f"Aucune source de financement ne couvre {annee} pour ce territoire "
            f"({texte_couverture(bloc_financements)}) : le montant de {annee} est inconnu, pas nul."
        )
    if annee not in couverture_sources.get(CIVILLE, []):
        return (
            f"Les fichiers Ci.Ville couvrent {plages(couverture_sources[CIVILLE])}, pas {annee} : seuls les "
            "financements saisis sont comptés cette année-là."
        )
    return None


def texte_couverture(bloc_financements: dict) -> str:
    """Which years each funding source covers for the territory, in one line."""
    couverture = bloc_financements.get("couverture", {})
    return " ; ".join(f"{source} : {plages(annees)}" for source, annees in couverture.items())


def couverture(
    donnees: DonneesFinancements,
    saisies,
    donnees_sub,
    ref: Referentiel,
    tid: TerritoireId | None,
) -> dict[int, list[str]]:
    """For each year, the funding sources that cover it for the territory (known from their data).

    Ci.Ville covers the years its files hold, for all of France; the entered lines the
    years they name for the territory; the published subsidies the years of a published
    file that concerns it (:meth:`geo.donnees.subventions.DonneesSubventions.annees_couvertes`).
    """
    par_source = {
        CIVILLE: donnees.annees(),
        SUBVENTIONS: donnees_sub.annees_couvertes(ref, tid) if donnees_sub is not None else [],
        SAISIES: annees_des_saisies(saisies, ref, tid),
    }
    resultat: dict[int, list[str]] = {}
    for source, annees in par_source.items():
        for annee in annees:
            resultat.setdefault(annee, []).append(source)
    return dict(sorted(resultat.items()))


def libelle_annee(annee: int, couverture_annees: dict[int, list[str]]) -> str:
    """« 2021 — Ci.Ville, subventions publiées », « 2019 — aucune source de financement ici »."""
    sources = couverture_annees.get(annee)
    return f"{annee} — {', '.join(sources) if sources else 'aucune source de financement ici'}"


def bloc_rapport(ref: Referentiel, tid: TerritoireId | None, annee: int | None = None, **_options) -> dict:
    """The ``financements`` block of ``geo.rendu.report``."""
    try:
        saisies = emplois.charger()
    except store.BaseInaccessible:  # the open data still answers without the store
        saisies = None
    registre, _remarque = structures.avec_le_depot(ref)
    donnees = charger(ref).avec_contributions(registre.sirets_des_contributions())
    resultat = bloc(donnees, saisies, ref, tid, annee)
    resultat["subventions"] = subventions.bloc_rapport(ref, tid, annee)
    return resultat


# Tables for the charts and the page ------------------------------------------------------


COLONNES_LIGNES = [
    "origine",
    "annee",
    "dispositif",
    "financeur",
    "beneficiaire",
    "montant_eur",
    "comparable",
    "rattachement",
    "precisions",
    "source",
]


def lignes_financements(
    donnees: DonneesFinancements,
    saisies,
    ref: Referentiel,
    tid: TerritoireId | None,
    annee: int | None = None,
) -> pd.DataFrame:
    """One table of every funding line of the territory: open-data posts and rows entered.

    ``annee`` is text (« 2021 », « 2018–2019 », « année inconnue ») so that
    multi-year and undated rows keep their own label instead of being spread.
    """
    sirets = saisies.sirets_communes() if saisies is not None else {}
    postes = donnees.postes_du_territoire(ref, tid, annee, sirets)
    ouvertes = pd.DataFrame(
        {
            "origine": "données ouvertes",
            "annee": postes.annee.astype("Int64").astype(str).to_numpy(),
            "dispositif": postes.dispositif.map(sources_civille.DISPOSITIFS).to_numpy(),
            "financeur": "État (politique de la ville)",
            "beneficiaire": postes.raison_sociale.to_numpy(),
            "montant_eur": postes.montant_eur.astype(float).to_numpy(),
            "comparable": postes.comparable.astype(bool).to_numpy(),
            "rattachement": postes.rattachement.map(RATTACHEMENTS).to_numpy(),
            "precisions": _precisions_postes(postes).to_numpy(),
            "source": ("ANCT Ci.Ville, " + postes.fichier.astype(str)).to_numpy(),
        },
        columns=COLONNES_LIGNES,
    )
    if saisies is None:
        return ouvertes
    saisis = saisies.financements_du_territoire(ref, tid, annee)
    beneficiaires = saisis.projet.fillna(saisis.ptce).fillna(saisis.siret).fillna(saisis.territoire)
    entrees = pd.DataFrame(
        {
            "origine": "saisie",
            "annee": saisis.periode.to_numpy(),
            "dispositif": saisis.dispositif.fillna("dispositif non précisé").to_numpy(),
            "financeur": saisis.financeur.fillna("financeur non précisé").to_numpy(),
            "beneficiaire": beneficiaires.to_numpy(),
            "montant_eur": saisis.montant_eur.astype(float).to_numpy(),
            "comparable": True,
            "rattachement": "saisie",
            "precisions": saisis.note.fillna(SANS_PRECISION).to_numpy(),
            "source": saisis.source.to_numpy(),
        },
        columns=COLONNES_LIGNES,
    )
    morceaux = [t for t in (ouvertes, entrees) if len(t)]
    if not morceaux:
        return ouvertes.iloc[0:0]
    return pd.concat(morceaux, ignore_index=True)


def _precisions_postes(postes: pd.DataFrame) -> pd.Series:
    """« poste 00218R000100, contrat de ville CA du Soissonnais » for each Ci.Ville post."""
    contrat = postes.lib_cv.astype("string") if "lib_cv" in postes else pd.Series(pd.NA, index=postes.index)
    texte = "poste " + postes.id_poste.astype("string").fillna("sans numéro")
    return (texte + (", contrat de ville " + contrat).fillna("")).astype(object)


def legende_dispositifs(lignes: pd.DataFrame) -> list[str]:
    """What each scheme named by an entered line is, in the words of its source (one line each).

    A label such as « axe 1 « Compétitivité » » is the one the field document gives: the
    line says what the data knows of it (its note and its source), nothing more.
    """
    saisies = lignes[lignes.origine == "saisie"]
    phrases = []
    for dispositif, groupe in saisies.groupby("dispositif", sort=True):
        if dispositif == "dispositif non précisé":
            continue
        ligne = groupe.iloc[0]
        beneficiaires = ", ".join(dict.fromkeys(str(b) for b in groupe.beneficiaire.dropna()))
        phrases.append(
            f"« {dispositif} »"
            + (f" ({beneficiaires})" if beneficiaires else "")
            + f" : intitulé donné par la source ({ligne.source})"
            + (f" ; {ligne.precisions}" if ligne.precisions != SANS_PRECISION else "")
            + "."
        )
    if any(re.match(r"axe\b", str(d), re.IGNORECASE) for d in saisies.dispositif):
        phrases.append(
            "Un « axe » est une des priorités d'un programme de financement public : la source ne nomme "
            "pas toujours le programme ni le financeur (« financeur non précisé »)."
        )
    return phrases


def territoires_semences() -> list[str]:
    """The single territories named by the seed pack (PTCE perimeters, project places, funding)."""
    tables = semences.tables()
    valeurs = [
        *tables["ptce"].perimetre.dropna(),
        *tables["projets"].territoire.dropna(),
        *tables["financements"].territoire.dropna(),
    ]
    ids: list[str] = []
    for valeur in valeurs:
        if "," not in valeur and valeur not in ids:
            ids.append(valeur)
    return ids


def comparaison(
    donnees: DonneesFinancements,
    saisies,
    ref: Referentiel,
    ids: list[str],
    annee: int | None = None,
) -> pd.DataFrame:
    """``id, nom, emplois, financement_eur, part_ess_pct`` for each territory, side by side.

    A chosen year that neither the Ci.Ville files nor a territory's entered lines cover leaves
    its funding unknown (None, « inconnu » on the chart), not 0 €; a territory with no job line
    entered has its jobs unknown the same way.
    """
    civille_couvre = annee is None or annee in donnees.annees()
    lignes = []
    for texte in ids:
        tid = TerritoireId.depuis_texte(texte)
        if not ref.existe(tid):
            continue
        emplois = saisies.emplois_du_territoire(ref, tid, annee) if saisies is not None else pd.DataFrame()
        financements = lignes_financements(donnees, saisies, ref, tid, annee)
        part = donnees.part_ess_du_territoire(ref, tid)
        lignes.append(
            {
                "id": texte,
                "nom": ref.territoire(tid).nom,
                # No job line entered for the territory: unknown, not « 0 emploi créé ».
                "emplois": int(emplois.nombre.sum()) if len(emplois) else None,
                "financement_eur": round(float(financements.montant_eur.sum()), 2)
                if civille_couvre or (financements.origine == "saisie").any()
                else None,
                "part_ess_pct": part.get("part_pct") if part else None,
            }
        )
    return pd.DataFrame(lignes, columns=["id", "nom", "emplois", "financement_eur", "part_ess_pct"])
