"""Subsidies published by local authorities (SCDL « subventions »), placed on the map's territories.

The build step (:data:`ETAPE`) reads every published file of the mirror with
:mod:`geo.sources.scdl` and writes ``data/cache/subventions/subventions.parquet``,
one row per agreement, with only the columns the app reads:

- the grantor (``attribuant_nom``, ``attribuant_id``) and its territory when it
  is itself a public body (``attribuant_niveau``/``attribuant_code`` and the
  ``attribuant_commune/epci/dep/reg`` it belongs to), told by its SIREN (a
  commune's is ``21`` + département + ``0`` + commune number, a département's
  ``22`` + its number, an EPCI's is in the territory tables) or else by its name;
- the beneficiary (name, SIRET or SIREN only, ESS family when the register of
  ESS structures knows it), amount, date and year, nature, kind of aid
  (fonctionnement / investissement, from the words of the object), object;
- where the subsidy is counted (``commune, epci, dep, reg``) and how
  (``placement``, see :data:`PLACEMENTS`): the beneficiary's commune when its
  SIRET or SIREN is in the register, a commune or EPCI that is itself the
  beneficiary (by its SIREN, or by a name such as « Commune de Niort » that only one
  commune of the grantor's département bears), otherwise the grantor's territory.

The register is read from the ``structures`` step built beside this one (it
comes first in :data:`geo.build.construction.MODULES_ETAPES`); rebuild this step with
``--force`` after the register changes.
"""

from __future__ import annotations

import copy
import re
from functools import cached_property
from pathlib import Path

import pandas as pd

from geo.build import etapes
from geo.donnees import structures, subventions_import
from geo.outils import config
from geo.outils.codes import parmi
from geo.outils.text import accorder, cle_recherche, nombre_fr, plages
from geo.sources import Localisation, scdl, scdl_lignes, scdl_publies
from geo.sources import source as source_declaree
from geo.territoires.referentiel import Referentiel, TerritoireId

PLACEMENTS = {
    "siret_registre": "SIRET du bénéficiaire (registre des structures de l'ESS)",
    "siren_registre": "SIREN du bénéficiaire (registre des structures de l'ESS, une seule commune)",
    "siret_contribution": "SIRET du bénéficiaire, placé grâce à une contribution vérifiée (structure "
    "proposée par le public et acceptée par un modérateur, pas une donnée officielle)",
    "commune_beneficiaire": "le bénéficiaire est une commune",
    "commune_nommee": "le bénéficiaire est une commune, reconnue par son nom dans le département de "
    "l'attribuant",
    "epci_beneficiaire": "le bénéficiaire est un EPCI",
    "territoire_attribuant": "territoire de la collectivité qui attribue (bénéficiaire non localisé)",
    "aucun": "non placé (ni bénéficiaire ni attribuant localisés)",
}
SOURCE = (
    "Conventions de subvention publiées par les collectivités au format SCDL « subventions » "
    "(décret n° 2017-779), Licence Ouverte"
)
NOTE_PERIMETRE = (
    "Seuls les fichiers publiés présents dans le miroir de données sont comptés : une collectivité "
    "absente n'a pas « zéro » subvention, elle n'est pas connue ici."
)
# The short name of this source beside the others (year selector, coverage lines).
SOURCE_COURTE = "subventions publiées"
NOTE_ESS = (
    "Part minimale : seuls les bénéficiaires retrouvés par leur SIRET ou SIREN dans le registre des "
    "structures de l'ESS comptent comme structures de l'ESS."
)
# A subsidy the official data count at the grantor's territory, or nowhere, has no beneficiary's
# commune: only these may be placed by an accepted contribution (official placements always win).
SANS_COMMUNE_DU_BENEFICIAIRE = ("territoire_attribuant", "aucun")
PAR_CONTRIBUTION = "siret_contribution"
NOTE_CONTRIBUTION = (
    "grâce à une contribution vérifiée : le SIRET du bénéficiaire n'est connu que d'une structure proposée "
    "par le public et acceptée par un modérateur, pas des données officielles, qui ne situent que la "
    "collectivité qui attribue, ou rien (colonne « Placé par »)"
)
COLONNES = [
    "source",
    "ligne",
    "annee",
    "date",
    "montant_eur",
    "attribuant_nom",
    "attribuant_id",
    "attribuant_niveau",
    "attribuant_code",
    "attribuant_commune",
    "attribuant_epci",
    "attribuant_dep",
    "attribuant_reg",
    "beneficiaire_nom",
    "beneficiaire_siret",
    "beneficiaire_siren",
    "famille",
    "nature",
    "type_aide",
    "objet",
    "commune",
    "epci",
    "dep",
    "reg",
    "placement",
]
_COMMUNE_SIREN = re.compile(r"^21(\d{2})0(\d{3})\d$")
_DEPARTEMENT_SIREN = re.compile(r"^22(\d{2})\d{5}$")


# Where public bodies are ------------------------------------------------------------------------


_PREFIXE_COMMUNE = re.compile(r"^(commune|com|ville|mairie)( de| d| du| des)? ")
# « Commune du Moule » is Le Moule, « Commune des Abymes » Les Abymes.
_ARTICLES = {" du": "le ", " des": "les "}
_SAINT = re.compile(r"\b(st|ste)\b")


def _cles_du_nom(nom: str | None) -> list[str]:
    """Name keys a body's name may designate a commune by (« COMMUNE DU MOULE »: le moule, moule)."""
    cle = cle_recherche(nom) if isinstance(nom, str) else ""
    trouve = _PREFIXE_COMMUNE.match(cle)
    if not trouve:
        return [cle] if cle else []
    # « ST JORY » is Saint-Jory: the abbreviations of the published files are written out.
    reste = _SAINT.sub(lambda m: "saint" if m.group(1) == "st" else "sainte", cle[trouve.end() :])
    article = _ARTICLES.get(trouve.group(2) or "")
    return [article + reste, reste] if article else [reste]


def commune_du_siren(siren: str | None, ref: Referentiel, nom: str | None = None) -> str | None:
    """The INSEE code of a commune that is the holder of ``siren`` (its name checks it), or None.

    A commune's SIREN is ``21`` + its département + a number + a key. The number is
    the commune's INSEE number only for communes never renumbered (Poitiers
    218601946 is 86194; in the Somme, Vignacourt's 218007441 is not 80744; Soissons'
    210206959 is not 02695 but 02722), so the name decides: the commune of that number
    when the name is its name, else the only commune of the département bearing that
    name. Without a name, the number is taken as it is.
    """
    trouve = _COMMUNE_SIREN.match(siren or "")
    if not trouve:
        return None
    departement = trouve.group(1)
    code = departement + trouve.group(2)
    actuel = ref.codes_actuels(pd.Series([code], dtype="string")).iloc[0]
    actuel = None if pd.isna(actuel) else str(actuel)
    cles = _cles_du_nom(nom)
    if not cles:
        return actuel
    if actuel is not None and cle_recherche(ref.communes.nom[actuel]) in cles:
        return actuel
    return _commune_de_nom(ref, departement, cles)


def _commune_de_nom(ref: Referentiel, departement: str, cles: list[str]) -> str | None:
    noms = _communes_par_nom(ref)
    # A Corsican commune's SIREN says « 20 », its département 2A or 2B.
    departements = ["2A", "2B"] if departement == "20" else [departement]
    return next((noms[(d, c)] for d in departements for c in cles if (d, c) in noms), None)


def commune_designee(
    siren: str | None, nom: str | None, departement: str | None, ref: Referentiel
) -> str | None:
    """The commune a beneficiary or an employer is, by its SIREN or else by its name, or None.

    A commune's SIREN (``21…``) is read by :func:`commune_du_siren`. Without one (not
    published, or the ``200…`` SIREN of a commune nouvelle or the ``219…`` of an overseas
    commune), a name that reads as a commune (« Commune de Soissons », « COM DE TERGNIER »,
    « Ville d'Amiens », « Mairie de Rémire-Montjoly ») designates the only commune of ``departement`` bearing
    that name. A SIREN that is not a public body's (« Commune libre Saint-Joseph », an
    association) designates no commune.
    """
    siren = siren[:9] if isinstance(siren, str) else ""
    if _COMMUNE_SIREN.match(siren):
        return commune_du_siren(siren, ref, nom)
    if siren and not siren.startswith("2"):
        return None
    if not isinstance(departement, str) or not isinstance(nom, str):
        return None
    if not _PREFIXE_COMMUNE.match(cle_recherche(nom)):
        return None
    return _commune_de_nom(ref, departement, _cles_du_nom(nom))


def nomme_une_commune(nom: str | None) -> bool:
    """Whether a name reads as a commune's (« Commune de … », « Ville de … », « Mairie de … »)."""
    return isinstance(nom, str) and bool(_PREFIXE_COMMUNE.match(cle_recherche(nom)))


def _communes_par_nom(ref: Referentiel) -> dict[tuple[str, str], str]:
    """(département, name key) → INSEE code, for names borne by one commune only in their département."""
    table = getattr(ref, "_communes_par_nom", None)
    if table is None:
        cles = pd.DataFrame({"dep": ref.communes.dep, "cle": ref.communes.nom.map(cle_recherche)})
        uniques = cles[~cles.duplicated(["dep", "cle"], keep=False)]
        table = {(d, c): code for code, d, c in zip(uniques.index, uniques.dep, uniques.cle, strict=True)}
        ref._communes_par_nom = table  # computed once per set of territory tables
    return table


def _nom_dans(cle: str, noms: dict[str, str]) -> str | None:
    """The code whose name appears as whole words in ``cle`` (the longest name wins)."""
    trouves = [(len(nom), code) for nom, code in noms.items() if re.search(rf"\b{re.escape(nom)}\b", cle)]
    return max(trouves)[1] if trouves else None


def territoire_attribuant(
    identifiant: str | None, nom: str | None, ref: Referentiel
) -> tuple[str | None, str | None]:
    """(level, code) of a grantor that is a commune, EPCI, département or région, else (None, None)."""
    siren = identifiant[:9] if isinstance(identifiant, str) else ""
    nom = nom if isinstance(nom, str) else None
    commune = commune_du_siren(siren, ref)
    if commune is not None:
        return "commune", commune
    if siren in ref.epci.index:
        return "epci", siren
    departement = _DEPARTEMENT_SIREN.match(siren)
    if departement and departement.group(1) in ref.departements.index:
        return "departement", departement.group(1)
    cle = cle_recherche(nom or "")
    if not cle:
        return None, None
    epci_noms = {cle_recherche(n): c for c, n in ref.epci.nom.items()}
    if cle in epci_noms:
        return "epci", epci_noms[cle]
    if re.search(r"\bdepartement|\bdepartemental|\bcd\d", cle):
        code = _nom_dans(cle, {cle_recherche(n): c for c, n in ref.departements.nom.items()})
        if code:
            return "departement", code
    if re.search(r"\bregion|\bregional", cle):
        code = _nom_dans(cle, {cle_recherche(n): c for c, n in ref.regions.nom.items()})
        if code:
            return "region", code
    return None, None


def _rattachements(niveau: pd.Series, code: pd.Series, ref: Referentiel) -> pd.DataFrame:
    """``commune, epci, dep, reg`` a (level, code) belongs to."""
    communes = ref.communes
    resultat = pd.DataFrame(index=niveau.index, columns=["commune", "epci", "dep", "reg"], dtype="string")
    est = niveau == "commune"
    resultat.loc[est, "commune"] = code[est]
    resultat.loc[est, "epci"] = code[est].map(communes.epci)
    resultat.loc[est, "dep"] = code[est].map(communes.dep)
    est = niveau == "epci"
    resultat.loc[est, "epci"] = code[est]
    deps = code[est].map(ref.epci.deps).astype("string")
    resultat.loc[est, "dep"] = deps.where(~deps.str.contains(",", na=True))
    est = niveau == "departement"
    resultat.loc[est, "dep"] = code[est]
    resultat["reg"] = resultat.dep.map(ref.departements.reg).astype("string")
    est = niveau == "region"
    resultat.loc[est, "reg"] = code[est]
    return resultat


# Build -----------------------------------------------------------------------------------------


def _registre(dossier: Path) -> pd.DataFrame:
    chemin = dossier.parent / "structures" / "structures.parquet"
    if not chemin.is_file():
        return pd.DataFrame(columns=["siret", "siren", "commune", "famille"])
    return pd.read_parquet(chemin, columns=["siret", "siren", "commune", "famille"])


def placer(table: pd.DataFrame, ref: Referentiel, registre: pd.DataFrame) -> pd.DataFrame:
    """Grantor territory, beneficiary family and where each subsidy is counted (see module docstring)."""
    table = table.copy()
    paires = table[["attribuant_id", "attribuant_nom"]].drop_duplicates()
    territoires = {
        (i, n): territoire_attribuant(i, n, ref)
        for i, n in zip(paires.attribuant_id, paires.attribuant_nom, strict=True)
    }
    cles = list(zip(table.attribuant_id, table.attribuant_nom, strict=True))
    table["attribuant_niveau"] = pd.Series(
        [territoires[c][0] for c in cles], index=table.index, dtype="string"
    )
    table["attribuant_code"] = pd.Series([territoires[c][1] for c in cles], index=table.index, dtype="string")
    attribuant = _rattachements(table.attribuant_niveau, table.attribuant_code, ref)
    for colonne in attribuant:
        table[f"attribuant_{colonne}"] = attribuant[colonne]

    registre = registre.dropna(subset=["siret"]).drop_duplicates("siret")
    par_siret = registre.set_index("siret")
    communes_par_siren = registre.dropna(subset=["commune"]).groupby("siren").commune.agg(lambda c: set(c))
    familles_par_siren = registre.groupby("siren").famille.first()
    siret = table.beneficiaire_siret.astype("string")
    siren = table.beneficiaire_siren.astype("string")
    table["famille"] = (
        siret.map(par_siret.famille).astype("string").fillna(siren.map(familles_par_siren).astype("string"))
    )

    niveau = pd.Series(pd.NA, index=table.index, dtype="string")
    code = pd.Series(pd.NA, index=table.index, dtype="string")
    placement = pd.Series("aucun", index=table.index, dtype="string")

    def poser(masque: pd.Series, niv: str, valeurs: pd.Series, comment: str) -> None:
        masque = masque & placement.eq("aucun") & valeurs.notna()
        niveau[masque] = niv
        code[masque] = valeurs[masque]
        placement[masque] = comment

    commune_registre = ref.codes_actuels(siret.map(par_siret.commune).astype("string"))
    poser(siret.notna(), "commune", commune_registre, "siret_registre")
    noms = table.beneficiaire_nom.astype("string")
    commune_publique = pd.Series(
        [
            commune_designee(s, n, d, ref)
            for s, n, d in zip(
                siren.fillna(""), noms.fillna(""), table.attribuant_dep.fillna(""), strict=True
            )
        ],
        index=table.index,
        dtype="string",
    )
    siren_de_commune = siren.str.match(_COMMUNE_SIREN.pattern, na=False)
    nom_de_commune = pd.Series([nomme_une_commune(n) for n in noms.fillna("")], index=table.index, dtype=bool)
    # A commune's SIREN whose name designates no single commune of its département: nothing is guessed.
    table.attrs["communes_non_reconnues"] = int((siren_de_commune & commune_publique.isna()).sum())
    poser(siren_de_commune, "commune", commune_publique, "commune_beneficiaire")
    # « Commune de Niort » without a commune's SIREN: the only Niort of the grantor's département.
    par_nom = ~siren_de_commune & nom_de_commune
    a_poser = par_nom & commune_publique.notna() & placement.eq("aucun")
    table.attrs["communes_nommees"] = int(a_poser.sum())
    table.attrs["communes_nommees_non_reconnues"] = int(
        (
            par_nom & commune_publique.isna() & placement.eq("aucun") & ~siren.str.match("^[^2]", na=False)
        ).sum()
    )
    poser(par_nom, "commune", commune_publique, "commune_nommee")
    epci_public = siren.where(parmi(siren, ref.epci.index))
    poser(siren.notna(), "epci", epci_public, "epci_beneficiaire")
    seule = communes_par_siren[communes_par_siren.map(len) == 1].map(lambda c: next(iter(c)))
    commune_siren = ref.codes_actuels(siren.map(seule).astype("string"))
    poser(siren.notna(), "commune", commune_siren, "siren_registre")
    poser(
        table.attribuant_niveau.notna(),
        "attribuant",
        table.attribuant_code,
        "territoire_attribuant",
    )
    rattache = _rattachements(niveau, code, ref)
    par_attribuant = placement == "territoire_attribuant"
    for colonne in ("commune", "epci", "dep", "reg"):
        table[colonne] = rattache[colonne].where(~par_attribuant, table[f"attribuant_{colonne}"])
    table["placement"] = placement
    return table


def placer_par_contributions(
    table: pd.DataFrame, ref: Referentiel, sirets_communes: dict[str, str]
) -> pd.DataFrame:
    """The subsidies whose beneficiary the official data do not place (counted at the grantor's
    territory, or nowhere), placed on the commune of the structure an accepted contribution gives
    their SIRET (``sirets_communes``, see
    :meth:`geo.donnees.structures.DonneesStructures.sirets_des_contributions`), placement
    ``siret_contribution``. A placement by official data is never changed; ``table`` is left as it is."""
    if not sirets_communes or table.empty:
        return table
    siret = table.beneficiaire_siret.astype("string")
    candidates = parmi(table.placement.astype("string"), SANS_COMMUNE_DU_BENEFICIAIRE) & parmi(
        siret, list(sirets_communes)
    ).fillna(False)
    if not candidates.any():
        return table
    # Current codes of the few candidates only: the whole table would cost half a second.
    commune = ref.codes_actuels(siret[candidates].map(sirets_communes).astype("string"))
    commune = commune.reindex(table.index)
    a_placer = candidates & commune.notna()
    if not a_placer.any():
        return table
    table = table.copy()
    rattache = _rattachements(
        pd.Series("commune", index=table.index[a_placer], dtype="string"), commune[a_placer], ref
    )
    for colonne in ("commune", "epci", "dep", "reg"):
        table[colonne] = table[colonne].astype("string")
        table.loc[a_placer, colonne] = rattache[colonne]
    placement = table.placement.astype("string")
    placement[a_placer] = PAR_CONTRIBUTION
    table["placement"] = placement.astype("category")
    return table


def _territoire_producteur(publie: scdl_publies.FichierPublie | None, ref: Referentiel) -> dict[str, str]:
    """``commune, epci, dep, reg`` of the body that published a file, so that a file whose rows were all
    refused still counts its refused rows for its territory."""
    if publie is None:
        return {}
    niveau, code = territoire_attribuant(None, publie.attribuant or publie.producteur, ref)
    if niveau is None:
        return {}
    rattache = _rattachements(pd.Series([niveau], dtype="string"), pd.Series([code], dtype="string"), ref)
    return {k: v for k, v in rattache.iloc[0].items() if isinstance(v, str)}


def construire(dossier: Path, ref: Referentiel, localisations: dict[str, Localisation]) -> dict:
    anomalies: list[str] = []
    fichiers: list[dict] = []
    tables = []
    for source_id, localisation in sorted(localisations.items()):
        publie = scdl_publies.PUBLIES_PAR_SOURCE.get(source_id)
        try:
            lecture = scdl.lire(localisation.chemin, publie=publie)
        except scdl.FichierScdlInvalide as erreur:
            anomalies.append(f"Fichier illisible, écarté (les autres fichiers sont lus) : {erreur}")
            fichiers.append({"source": source_id, "fichier": localisation.chemin.name, "refuse": str(erreur)})
            continue
        anomalies.extend(lecture.phrases())
        anomalies.extend(lecture.validation.resume()[:8])
        fichiers.append(
            {
                "source": source_id,
                **lecture.comptes(),
                "territoire_producteur": _territoire_producteur(publie, ref),
            }
        )
        if len(lecture.subventions):
            tables.append(lecture.subventions.assign(source=source_id))
    if tables:
        table = pd.concat(tables, ignore_index=True)
    else:
        table = pd.DataFrame(columns=[*scdl_lignes.COLONNES_SUBVENTIONS, "source"])
    # The same agreement published in two files (a monthly file and the yearly one).
    cle = ["attribuant_id", "attribuant_nom", "beneficiaire_nom", "montant_eur", "date", "objet"]
    doublons = table.duplicated(cle) & table.date.notna()
    if doublons.any():
        n = int(doublons.sum())
        anomalies.append(
            f"{accorder(n, 'convention publiée', 'conventions publiées')} dans deux fichiers "
            f"(même attribuant, bénéficiaire, montant, date et objet) : "
            f"{accorder(n, 'comptée', avec_nombre=False)} une fois."
        )
    table = placer(table[~doublons].reset_index(drop=True), ref, _registre(dossier))
    if table.attrs.get("communes_non_reconnues"):
        n = table.attrs["communes_non_reconnues"]
        anomalies.append(
            f"{accorder(n, 'bénéficiaire')} au SIREN de commune dont le nom ne désigne aucune commune "
            f"unique de son département (école, service…) : {accorder(n, 'compté', avec_nombre=False)} "
            "au territoire de l'attribuant."
        )
    if table.attrs.get("communes_nommees"):
        n = table.attrs["communes_nommees"]
        anomalies.append(
            f"{accorder(n, 'subvention')} à une commune nommée sans son SIREN de commune (« Commune de "
            f"Niort ») : {accorder(n, 'comptée', avec_nombre=False)} à la seule commune de ce nom du "
            "département de l'attribuant."
        )
    if table.attrs.get("communes_nommees_non_reconnues"):
        n = table.attrs["communes_nommees_non_reconnues"]
        anomalies.append(
            f"{accorder(n, 'subvention')} à un bénéficiaire nommé comme une commune (« Commune de … ») "
            "dont aucune commune unique du département de l'attribuant ne porte le nom (commune "
            f"fusionnée depuis, nom ambigu) : {accorder(n, 'comptée', avec_nombre=False)} au territoire "
            "de l'attribuant."
        )
    sans = table.placement == "aucun"
    if sans.any():
        n = int(sans.sum())
        anomalies.append(
            f"{accorder(n, 'subvention rattachée', 'subventions rattachées')} à un territoire "
            f"ni par {accorder(n, 'son', 'leur', avec_nombre=False)} bénéficiaire "
            f"ni par {accorder(n, 'son', 'leur', avec_nombre=False)} attribuant "
            f"({nombre_fr(float(table.montant_eur[sans].sum()))} €) : "
            f"{accorder(n, 'comptée', avec_nombre=False)} pour la France seulement."
        )
    table = table[COLONNES]
    for colonne in (
        "source",
        "attribuant_nom",
        "attribuant_niveau",
        "famille",
        "nature",
        "type_aide",
        "placement",
    ):
        table[colonne] = table[colonne].astype("category")
    table.to_parquet(dossier / "subventions.parquet", compression="zstd")
    return {
        "nombres": {
            "subventions": len(table),
            "montant_total_eur": round(float(table.montant_eur.sum()), 2),
            "fichiers": len(fichiers),
            "fichiers_refuses": sum(1 for f in fichiers if "refuse" in f),
            "lignes_lues": sum(f.get("lignes_lues", 0) for f in fichiers),
            "lignes_refusees": sum(f.get("lignes_refusees", 0) for f in fichiers),
            "placements": {k: int(v) for k, v in table.placement.value_counts().items() if v},
            "annees": sorted(int(a) for a in table.annee.dropna().unique()),
        },
        "fichiers": fichiers,
        "anomalies": anomalies,
        "disponible": bool(len(table)),
    }


ETAPE = etapes.Etape(
    nom="subventions",
    titre="Subventions publiées par les collectivités (SCDL « subventions »)",
    module=__name__,
    sources=tuple(scdl_publies.SOURCES),
    construire=construire,
)


# Reading ---------------------------------------------------------------------------------------

_COLONNE_NIVEAU = {"commune": "commune", "epci": "epci", "departement": "dep", "region": "reg"}


class DonneesSubventions:
    """The built table, with the per-territory questions of the pages and the report."""

    def __init__(
        self,
        dossier: Path,
        manifeste: dict,
        importees: pd.DataFrame | None = None,
        comptes_importes: list[dict] | None = None,
    ) -> None:
        self.manifeste = manifeste
        chemin = dossier / "subventions.parquet"
        construite = bool(manifeste.get("disponible")) and chemin.is_file()
        self.table = pd.read_parquet(chemin) if construite else pd.DataFrame(columns=COLONNES)
        self.comptes_importes = comptes_importes or []
        if importees is not None and len(importees):
            morceaux = [t for t in (self.table, importees[COLONNES]) if len(t)]
            self.table = pd.concat([t.astype(object) for t in morceaux], ignore_index=True)
            self.table["annee"] = self.table.annee.astype("Int64")
            self.table["montant_eur"] = self.table.montant_eur.astype(float)
        self.disponible = bool(len(self.table))

    def avec_contributions(self, ref: Referentiel, sirets_communes: dict[str, str]) -> DonneesSubventions:
        """A copy whose subsidies are also placed by the structures accepted contributions give
        (:func:`placer_par_contributions`); this one is left as it is (it may be cached)."""
        copie = copy.copy(self)
        copie.table = placer_par_contributions(self.table, ref, sirets_communes)
        return copie

    @cached_property
    def fichiers(self) -> dict[str, dict]:
        return {f["source"]: f for f in [*self.manifeste.get("fichiers", []), *self.comptes_importes]}

    def annees(self) -> list[int]:
        return sorted(int(a) for a in self.table.annee.dropna().unique())

    def annees_couvertes(self, ref: Referentiel, tid: TerritoireId | None) -> list[int]:
        """Years of the published subsidies that concern the territory.

        A subsidy concerns it when it is received in it, granted by one of its bodies, or
        granted by a body whose territory contains it (its EPCI, département, région): that
        body's file lists what it granted there, a zero included. A year no such file covers
        is unknown here, never a zero.
        """
        if tid is None:
            return self.annees()
        table = self.table
        colonne = _COLONNE_NIVEAU[tid.niveau]
        concerne = (table[colonne] == tid.code) | (table[f"attribuant_{colonne}"] == tid.code)
        communes = ref.communes_de(tid)
        niveaux = list(_COLONNE_NIVEAU)
        for niveau in niveaux[niveaux.index(tid.niveau) + 1 :]:
            codes = set(communes[_COLONNE_NIVEAU[niveau]].dropna().astype(str))
            concerne |= (table.attribuant_niveau == niveau) & parmi(table.attribuant_code, codes)
        return sorted(int(a) for a in table.annee[concerne.fillna(False).astype(bool)].dropna().unique())

    def recues(self, tid: TerritoireId | None, annee: int | None = None) -> pd.DataFrame:
        """Subsidies counted in the territory (placed there, see ``placement``)."""
        table = self.table
        if tid is not None:
            table = table[table[_COLONNE_NIVEAU[tid.niveau]] == tid.code]
        return table if annee is None else table[table.annee == annee]

    def accordees(self, tid: TerritoireId | None, annee: int | None = None) -> pd.DataFrame:
        """Subsidies granted by the territory's public bodies (its communes, EPCI, département, région)."""
        table = self.table[self.table.attribuant_niveau.notna()]
        if tid is not None:
            table = table[table[f"attribuant_{_COLONNE_NIVEAU[tid.niveau]}"] == tid.code]
        return table if annee is None else table[table.annee == annee]


def charger(
    ref: Referentiel, dossier_cache: Path | None = None, dossier_donnees: Path | None = None
) -> DonneesSubventions:
    """The built subsidies table (built first when missing), plus the files imported by users."""
    dossier_cache = dossier_cache or config.dossier_cache()
    manifeste = etapes.assurer_etape(ETAPE, ref, dossier_cache)
    importees, comptes = subventions_import.lire_importes(dossier_donnees)
    if len(importees):
        importees = placer(importees, ref, _registre(dossier_cache / ETAPE.nom))
    return DonneesSubventions(dossier_cache / ETAPE.nom, manifeste, importees, comptes)


def decrire_source(source_id: str) -> dict[str, str]:
    """Producer, vintage and licence of a source of subsidies (a mirror file or a user's import)."""
    if source_id.startswith(subventions_import.PREFIXE_SOURCE):
        return {
            "producteur": "fichier publié, importé par un utilisateur ("
            + source_id.removeprefix(subventions_import.PREFIXE_SOURCE)
            + ")",
            "millesime": "tel que publié",
            "licence": "telle que publiée par la collectivité",
        }
    try:
        declaree = source_declaree(source_id)
    except KeyError:  # a source no longer declared: named as it is, nothing invented
        return {"producteur": source_id, "millesime": "inconnu", "licence": "inconnue"}
    return {"producteur": declaree.producteur, "millesime": declaree.millesime, "licence": declaree.licence}


def _somme(valeurs: pd.Series) -> float:
    return round(float(pd.to_numeric(valeurs, errors="coerce").sum()), 2)


def _beneficiaires(table: pd.DataFrame) -> int:
    """Distinct beneficiaries: by SIRET, else SIREN, else name."""
    cle = table.beneficiaire_siret.astype("string").fillna(table.beneficiaire_siren.astype("string"))
    cle = cle.fillna(table.beneficiaire_nom.astype("string").str.upper().str.strip())
    return int(cle.nunique())


def _par(table: pd.DataFrame, colonne: str, libelles: dict | None = None) -> dict[str, dict]:
    resultat = {}
    groupes = table.groupby(table[colonne].astype("string").fillna("non précisé"), observed=True)
    for cle, groupe in groupes:
        resultat[(libelles or {}).get(cle, cle)] = {
            "conventions": len(groupe),
            "total_eur": _somme(groupe.montant_eur),
        }
    return dict(sorted(resultat.items(), key=lambda kv: -kv[1]["total_eur"]))


PAR_IDENTIFIANT = (
    "siret_registre",
    "siren_registre",
    "commune_beneficiaire",
    "commune_nommee",
    "epci_beneficiaire",
)


def _places(table: pd.DataFrame) -> dict[str, int]:
    """Distinct beneficiaries placed by their own identifier, counted at the grantor's, or not placed."""
    placement = table.placement.astype("string")
    return {
        "par_leur_identifiant": _beneficiaires(table[parmi(placement, PAR_IDENTIFIANT)]),
        "au_territoire_de_l_attribuant": _beneficiaires(table[placement == "territoire_attribuant"]),
        "par_une_contribution": _beneficiaires(table[placement == PAR_CONTRIBUTION]),
        "non_places": _beneficiaires(table[placement == "aucun"]),
    }


def texte_contributions(resume_subventions: dict) -> str | None:
    """« 2 conventions (45 000 €) placées grâce à une contribution vérifiée : … », or None when the
    official data alone placed every subsidy counted here."""
    par_contribution = resume_subventions.get("placees_par_contribution", {})
    n = par_contribution.get("conventions", 0)
    if not n:
        return None
    return (
        f"Dont {accorder(n, 'convention')} ({nombre_fr(par_contribution['total_eur'])} €) "
        f"{accorder(n, 'placée', avec_nombre=False)} {NOTE_CONTRIBUTION}."
    )


def resume(table: pd.DataFrame) -> dict:
    """Counts and totals of a set of subsidies, per year, placement, grantor, nature, kind and family."""
    ess = table.famille.notna()
    total = _somme(table.montant_eur)
    par_annee = {}
    for annee, groupe in table.groupby(table.annee.astype("Int64").astype("string").fillna("année inconnue")):
        par_annee[annee] = {
            "conventions": len(groupe),
            "total_eur": _somme(groupe.montant_eur),
            "beneficiaires": _beneficiaires(groupe),
            "beneficiaires_places": _places(groupe),
            "conventions_par_placement": {
                PLACEMENTS[k]: int(v) for k, v in groupe.placement.value_counts().items() if v
            },
            "total_ess_eur": _somme(groupe.montant_eur[groupe.famille.notna()]),
        }
    return {
        "conventions": len(table),
        "total_eur": total,
        "beneficiaires": _beneficiaires(table),
        "beneficiaires_places": _places(table),
        "par_annee": dict(sorted(par_annee.items())),
        "par_placement": {PLACEMENTS[k]: int(v) for k, v in table.placement.value_counts().items() if v},
        "placees_par_contribution": {
            "conventions": int((table.placement.astype("string") == PAR_CONTRIBUTION).sum()),
            "total_eur": _somme(table.montant_eur[(table.placement.astype("string") == PAR_CONTRIBUTION)]),
        },
        "par_attribuant": _par(table, "attribuant_nom"),
        "par_type_aide": _par(table, "type_aide"),
        "par_nature": _par(table, "nature"),
        "par_famille": _par(table[ess], "famille"),
        "structures_ess": {
            "conventions": int(ess.sum()),
            "total_eur": _somme(table.montant_eur[ess]),
            "part_pct": round(100 * _somme(table.montant_eur[ess]) / total, 1) if total else None,
            "note": NOTE_ESS,
        },
    }


def bloc(donnees: DonneesSubventions, tid: TerritoireId | None, annee: int | None = None) -> dict:
    """The ``subventions`` part of the report: received in and granted by the territory, with sources."""
    recues = donnees.recues(tid, annee)
    accordees = donnees.accordees(tid, annee)
    sources = set(recues.source.astype(str)) | set(accordees.source.astype(str))
    # Files of the territory's bodies whose rows were all refused still say so.
    for source_id, fichier in donnees.fichiers.items():
        territoire = fichier.get("territoire_producteur") or {}
        if tid is None or territoire.get(_COLONNE_NIVEAU[tid.niveau]) == tid.code:
            sources.add(source_id)
    sources = sorted(sources)
    fichiers = [
        {
            k: v
            for k, v in donnees.fichiers.get(s, {"source": s}).items()
            if k
            in {
                "fichier",
                "version",
                "lignes_lues",
                "lignes_gardees",
                "lignes_refusees",
                "refus",
                "identifiants_refuses",
                "reparations",
                "defauts_schema",
            }
        }
        for s in sources
    ]
    return {
        "disponible": donnees.disponible,
        "annee": annee,
        "recues": resume(recues),
        "accordees_par_les_collectivites_du_territoire": resume(accordees),
        "source": SOURCE,
        "fichiers": [{**f, **decrire_source(s)} for s, f in zip(sources, fichiers, strict=True)],
        "lignes_refusees": sum(f.get("lignes_refusees", 0) for f in fichiers),
        "annees_disponibles": donnees.annees(),
        "note": NOTE_PERIMETRE,
        **(
            {"fichiers_refuses": [f for f in donnees.manifeste.get("fichiers", []) if "refuse" in f]}
            if any("refuse" in f for f in donnees.manifeste.get("fichiers", []))
            else {}
        ),
    }


def bloc_rapport(ref: Referentiel, tid: TerritoireId | None, annee: int | None = None, **_options) -> dict:
    """The ``subventions`` block of ``geo.rendu.report``, placed with the contributions accepted in the
    store too (official placements only when it is out of reach)."""
    registre, _remarque = structures.avec_le_depot(ref)
    return bloc(charger(ref).avec_contributions(ref, registre.sirets_des_contributions()), tid, annee)


def sans_couverture(couverture: dict[int, list[str]], annee: int | None) -> str | None:
    """Why the territory's published subsidies are unknown rather than zero (no file concerns it, or
    none in the chosen year), or None. ``couverture``: :func:`geo.donnees.financements.couverture`."""
    annees = [a for a, sources in couverture.items() if SOURCE_COURTE in sources]
    if not annees:
        return (
            "Aucun fichier de subventions publié présent ici ne concerne ce territoire (ni ses "
            "collectivités, ni celles qui l'englobent) : ses subventions sont inconnues, pas nulles."
        )
    if annee is not None and annee not in annees:
        return (
            f"Aucune source pour {annee} : les fichiers de subventions publiés qui concernent ce territoire "
            f"couvrent {plages(annees)}. Les subventions de {annee} sont inconnues, pas nulles."
        )
    return None


# Tables for the page ---------------------------------------------------------------------------

COLONNES_TABLEAU = {
    "annee": "Année",
    "attribuant_nom": "Attribuant",
    "beneficiaire_nom": "Bénéficiaire",
    "montant_eur": "Montant (€)",
    "type_aide": "Type d'aide",
    "famille": "Famille (ESS)",
    "objet": "Objet",
    "placement": "Placé par",
}


def tableau(table: pd.DataFrame) -> pd.DataFrame:
    """The rows as shown on the page: French column names, words instead of codes."""
    sortie = table[list(COLONNES_TABLEAU)].copy()
    sortie["annee"] = sortie.annee.astype("Int64").astype("string").fillna("année inconnue")
    sortie["placement"] = sortie.placement.astype("string").map(PLACEMENTS)
    sortie["famille"] = sortie.famille.astype("string").fillna("hors registre de l'ESS")
    for colonne in ("attribuant_nom", "beneficiaire_nom", "objet", "type_aide"):
        sortie[colonne] = sortie[colonne].astype("string").fillna("non précisé")
    return sortie.rename(columns=COLONNES_TABLEAU).sort_values(
        ["Année", "Montant (€)"], ascending=[True, False]
    )


GROUPEMENTS = {
    "type_aide": "type d'aide",
    "attribuant_nom": "attribuant",
    "famille": "famille de l'ESS",
    "placement": "placement du bénéficiaire",
}


def groupes(table: pd.DataFrame, par: str) -> pd.Series:
    """The label of each row's group for ``par`` (one of :data:`GROUPEMENTS`), in words."""
    valeurs = table[par].astype("string")
    if par == "placement":
        return valeurs.map(PLACEMENTS).astype("string")
    if par == "famille":
        return valeurs.fillna("hors registre de l'ESS")
    return valeurs.fillna("non précisé")


def par_annee(table: pd.DataFrame, par: str = "type_aide") -> pd.DataFrame:
    """``annee, groupe, montant_eur, conventions`` for the chart (``par``: one of :data:`GROUPEMENTS`)."""
    if table.empty or table.annee.dropna().empty:
        return pd.DataFrame(columns=["annee", "groupe", "montant_eur", "conventions"])
    connus = table[table.annee.notna()]
    sortie = (
        connus.assign(groupe=groupes(connus, par), annee=connus.annee.astype(int))
        .groupby(["annee", "groupe"], observed=True)
        .agg(montant_eur=("montant_eur", "sum"), conventions=("montant_eur", "size"))
        .reset_index()
    )
    return sortie


def texte_source(table: pd.DataFrame) -> str:
    """The producers of the files behind a set of subsidies, for a chart's source line."""
    producteurs = sorted({decrire_source(s)["producteur"] for s in table.source.astype(str).unique()})
    debut = "conventions de subvention publiées au format SCDL « subventions »"
    if not producteurs:
        return debut + ", Licence Ouverte"
    return f"{debut} par {', '.join(producteurs)} ; Licence Ouverte"
