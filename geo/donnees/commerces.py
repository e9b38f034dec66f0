"""Communes without shops, from INSEE's equipment base (BPE).

The build step (:data:`ETAPE`) reads the most recent BPE that can be had and
writes ``data/cache/commerces/comptages.parquet``: the number of shops (domain
B) per current commune and type. Codes of the file's geography are brought to
the current communes (PLM arrondissements to their commune, merged communes to
the new one); codes that cannot be placed are listed in the manifest, never
dropped silently. Communes absent from the BPE have no equipment.

What "without shops" means is a :class:`Definition` the user picks: no shop at
all (domain B), no food shop, or a custom set of types. Types are read in the
nomenclature of the file's vintage (:data:`NOMENCLATURES`): codes change between
vintages (supermarkets are B102 in 2019, B105 from 2024), so a type is never
guessed from another vintage.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.build import etapes
from geo.outils import config, projections
from geo.outils.codes import parmi
from geo.outils.text import accorder, nombre_fr
from geo.sources import FichierInutilisable, Localisation
from geo.sources import bpe as sources_bpe
from geo.territoires.referentiel import Referentiel, TerritoireId

# Domain B ("Commerces") of the BPE, per vintage, as published by INSEE.
_NOMENCLATURE_2019 = {
    "B101": "Hypermarché",
    "B102": "Supermarché",
    "B103": "Grande surface de bricolage",
    "B201": "Supérette",
    "B202": "Épicerie",
    "B203": "Boulangerie",
    "B204": "Boucherie charcuterie",
    "B205": "Produits surgelés",
    "B206": "Poissonnerie",
    "B301": "Librairie papeterie journaux",
    "B302": "Magasin de vêtements",
    "B303": "Magasin d'équipements du foyer",
    "B304": "Magasin de chaussures",
    "B305": "Magasin d'électroménager et de matériel audio-vidéo",
    "B306": "Magasin de meubles",
    "B307": "Magasin d'articles de sports et de loisirs",
    "B308": "Magasin de revêtements murs et sols",
    "B309": "Droguerie quincaillerie bricolage",
    "B310": "Parfumerie",
    "B311": "Horlogerie bijouterie",
    "B312": "Fleuriste",
    "B313": "Magasin d'optique",
    "B315": "Magasin de matériel médical et orthopédique",
    "B316": "Station-service",
}
# BPE 2024 nomenclature (TYPEQU labels published with the 2024 vintage).
_NOMENCLATURE_2024 = {
    "B103": "Grande surface de bricolage",
    "B104": "Hypermarché et grand magasin",
    "B105": "Supermarché et magasin multi-commerce",
    "B201": "Supérette",
    "B202": "Épicerie",
    "B204": "Boucherie charcuterie",
    "B205": "Produits surgelés",
    "B206": "Poissonnerie",
    "B207": "Boulangerie-pâtisserie",
    "B208": "Commerce spécialisé en fruits et légumes",
    "B209": "Commerce de boissons",
    "B210": "Autres commerces alimentaires",
    "B302": "Magasin de vêtements",
    "B303": "Magasin d'équipements du foyer",
    "B304": "Magasin de chaussures",
    "B306": "Magasin de meubles",
    "B307": "Magasin d'articles de sports et de loisirs",
    "B308": "Magasin de revêtements murs et sols",
    "B309": "Droguerie quincaillerie bricolage",
    "B310": "Parfumerie-cosmétique",
    "B311": "Horlogerie-bijouterie",
    "B312": "Fleuriste-jardinerie-animalerie",
    "B313": "Magasin d'optique",
    "B315": "Magasin de matériel médical et orthopédique",
    "B316": "Station-service",
    "B317": "Commerce de tissus et mercerie",
    "B318": "Commerce de jeux et jouets",
    "B319": "Maroquinerie et articles de voyage",
    "B320": "Commerce de combustibles domestiques",
    "B321": "Magasin électroménager, matériel audio vidéo informatique",
    "B322": "Magasin de matériels de télécommunication",
    "B323": "Commerce de biens d'occasion",
    "B324": "Librairie",
    "B325": "Papeterie et presse",
    "B326": "Station de recharge de véhicules électriques",
}
NOMENCLATURES: dict[str, dict[str, str]] = {
    "2019": _NOMENCLATURE_2019,
    "2024": _NOMENCLATURE_2024,
    # Domain B of the TYPEQU_2025 nomenclature keeps the 2024 codes.
    "2025": dict(_NOMENCLATURE_2024),
}
# Food shops: the food sub-domain (B2) and the general food retailers of B1.
ALIMENTAIRES: dict[str, tuple[str, ...]] = {
    "2019": ("B101", "B102", "B201", "B202", "B203", "B204", "B205", "B206"),
    "2024": ("B104", "B105", "B201", "B202", "B204", "B205", "B206", "B207", "B208", "B209", "B210"),
    "2025": ("B104", "B105", "B201", "B202", "B204", "B205", "B206", "B207", "B208", "B209", "B210"),
}

DEFINITION_PAR_DEFAUT = "tous"
LIBELLES_DEFINITIONS = {
    "tous": "Aucun commerce",
    "alimentaire": "Aucun commerce alimentaire",
    "personnalisee": "Aucun commerce des types choisis",
}


class DefinitionInvalide(ValueError):
    """A definition the vintage cannot express (unknown key or type codes)."""


class NomenclatureInconnue(ValueError):
    """A BPE vintage whose shop types the application does not know."""


@dataclass(frozen=True)
class Definition:
    """Which shop types count: a commune "without shops" has none of them."""

    cle: str
    types: tuple[str, ...]
    millesime: str

    @property
    def libelle(self) -> str:
        return LIBELLES_DEFINITIONS[self.cle]

    def en_mots(self) -> str:
        """The definition in plain French, as shown beside the figures."""
        nomenclature = NOMENCLATURES[self.millesime]
        if self.cle == "tous":
            return (
                "Commune où la BPE de l'INSEE ne recense aucun équipement du domaine « Commerces » "
                "(grandes surfaces, commerces alimentaires, équipement de la personne et de la maison, "
                "station-service…)."
            )
        noms = ", ".join(nomenclature.get(t, t).lower() for t in self.types)
        if self.cle == "alimentaire":
            return f"Commune où la BPE de l'INSEE ne recense aucun commerce alimentaire : {noms}."
        return f"Commune où la BPE de l'INSEE ne recense aucun des types choisis : {noms}."

    def parametre(self) -> str:
        """The value of the URL parameter and of ``--definition``."""
        return ",".join(self.types) if self.cle == "personnalisee" else self.cle


def nomenclature(millesime: str) -> dict[str, str]:
    try:
        return NOMENCLATURES[millesime]
    except KeyError:
        raise NomenclatureInconnue(
            f"Les types de commerces de la BPE {millesime} ne sont pas connus de l'application "
            f"(millésimes pris en charge : {', '.join(NOMENCLATURES)})."
        ) from None


def definition(texte: str | None, millesime: str) -> Definition:
    """``tous``, ``alimentaire`` or comma-separated type codes (``B201,B202``).

    >>> definition("alimentaire", "2019").types[:3]
    ('B101', 'B102', 'B201')
    >>> definition("b207, B201", "2024")
    Definition(cle='personnalisee', types=('B201', 'B207'), millesime='2024')
    """
    types_millesime = nomenclature(millesime)
    texte = (texte or DEFINITION_PAR_DEFAUT).strip()
    if texte == "tous":
        return Definition("tous", tuple(types_millesime), millesime)
    if texte == "alimentaire":
        return Definition("alimentaire", ALIMENTAIRES[millesime], millesime)
    codes = sorted({c.strip().upper() for c in texte.split(",") if c.strip()})
    inconnus = [c for c in codes if c not in types_millesime]
    if not codes or inconnus:
        raise DefinitionInvalide(
            f"Définition « {texte} » non reconnue : choisir « tous », « alimentaire » ou des codes de "
            f"types de commerces de la BPE {millesime}"
            + (f" ({', '.join(inconnus)} n'en fait pas partie)." if inconnus else ".")
        )
    return Definition("personnalisee", tuple(codes), millesime)


# Build ----------------------------------------------------------------------


def _rattacher(ref: Referentiel, comptages: pd.DataFrame, millesime: str) -> tuple[pd.DataFrame, dict]:
    """Counts on current communes; which file codes were moved or could not be placed."""
    codes = pd.Series(comptages.depcom.unique(), dtype="string")
    actuels = ref.codes_actuels(codes)
    correspondance = pd.DataFrame({"depcom": codes, "commune": actuels})
    inconnus = sorted(correspondance.loc[correspondance.commune.isna(), "depcom"])
    deplaces = correspondance[
        correspondance.commune.notna() & (correspondance.depcom != correspondance.commune)
    ]
    arrondissements = deplaces.depcom.str.match(r"^(751\d\d|6938\d|132\d\d)$")
    rattaches = comptages.merge(correspondance, on="depcom")
    non_places = rattaches[rattaches.commune.isna()]
    resultat = rattaches.dropna(subset=["commune"]).groupby(["commune", "typequ"], as_index=False).nb.sum()
    details = {
        "codes_inconnus": inconnus,
        "equipements_non_rattaches": int(non_places.nb.sum()),
        "codes_anciens": deplaces[~arrondissements].sort_values("depcom").to_dict("records"),
        "arrondissements_regroupes": int(arrondissements.sum()),
    }
    return resultat, details


def construire(dossier: Path, ref: Referentiel, localisations: dict[str, Localisation]) -> dict:
    anomalies: list[str] = []
    # Newer vintages that could not be read: set aside for an older good one, or refused if none is.
    ecartes: dict[str, str] = {}
    lus = None
    for source_id in sources_bpe.SOURCES_PAR_PREFERENCE:
        if source_id not in localisations:
            continue
        chemin = localisations[source_id].chemin
        try:
            lus = sources_bpe.lire_bpe(chemin)
            nomenclature(lus.millesime)
        except (sources_bpe.DonneesBPEInvalides, NomenclatureInconnue, FichierInutilisable) as erreur:
            raison = str(erreur).rstrip(".")
            ecartes[source_id] = raison if raison.startswith(chemin.name) else f"{chemin.name} : {raison}"
            lus = None
            continue
        source_utilisee = source_id
        break
    if lus is None:
        return {"disponible": False, "anomalies": [etapes.fichier_refuse(e) for e in ecartes.values()]}
    for ecarte in ecartes.values():
        anomalies.append(
            f"Millésime plus récent mis de côté, {ecarte} ; la BPE {lus.millesime} "
            f"({localisations[source_utilisee].chemin.name}) sert à sa place."
        )
    anomalies += lus.anomalies
    types_millesime = nomenclature(lus.millesime)
    hors_nomenclature = lus.comptages[~parmi(lus.comptages.typequ, types_millesime)]
    if len(hors_nomenclature):
        resume = hors_nomenclature.groupby("typequ").nb.sum()
        anomalies.append(
            f"Types de commerces absents de la nomenclature BPE {lus.millesime} : "
            + ", ".join(f"{code} ({nombre_fr(n)} équipements)" for code, n in resume.items())
            + " ; comptés comme commerces, sans libellé."
        )
    comptages, details = _rattacher(ref, lus.comptages, lus.millesime)
    if details["codes_inconnus"]:
        inconnus = details["codes_inconnus"]
        anomalies.append(
            f"{accorder(len(inconnus), 'code')} commune de la BPE {lus.millesime} "
            f"{accorder(len(inconnus), 'inconnu', avec_nombre=False)} du référentiel "
            f"({nombre_fr(details['equipements_non_rattaches'])} commerces non rattachés) : "
            f"{', '.join(inconnus[:20])}{' …' if len(inconnus) > 20 else ''}."
        )
    if details["codes_anciens"]:
        n = len(details["codes_anciens"])
        anomalies.append(
            f"{accorder(n, 'code')} de communes qui n'existent plus (BPE {lus.millesime}) "
            f"{accorder(n, 'rattaché', avec_nombre=False)} à leur commune actuelle."
        )
    comptages.astype({"commune": "string", "typequ": "string", "nb": "int64"}).to_parquet(
        dossier / "comptages.parquet", index=False
    )
    return {
        "source_utilisee": source_utilisee,
        # Newer vintages set aside, and why (the Sources page says they were refused).
        **({"ecartees": ecartes} if ecartes else {}),
        "millesime": lus.millesime,
        "disposition": lus.disposition,
        "disposition_libelle": sources_bpe.LIBELLES_DISPOSITION[lus.disposition],
        "lignes_lues": lus.lignes_lues,
        "nb_commerces": int(comptages.nb.sum()),
        "nb_communes_avec_commerce": int(comptages.commune.nunique()),
        **details,
        "anomalies": anomalies,
    }


ETAPE = etapes.Etape(
    nom="commerces",
    titre="Commerces (BPE)",
    module=__name__,
    sources=sources_bpe.SOURCES_PAR_PREFERENCE,
    construire=construire,
)


# Questions ------------------------------------------------------------------


class DonneesCommerces:
    """The built shop counts, with the questions the pages and the report ask."""

    def __init__(self, dossier: Path, manifeste: dict, ref: Referentiel) -> None:
        self.manifeste = manifeste
        self.ref = ref
        self.disponible = bool(manifeste.get("disponible")) and (dossier / "comptages.parquet").is_file()
        self.millesime: str | None = manifeste.get("millesime") if self.disponible else None
        if self.disponible:
            self.comptages = pd.read_parquet(dossier / "comptages.parquet")
        else:
            self.comptages = pd.DataFrame({"commune": [], "typequ": [], "nb": []})

    @cached_property
    def nomenclature(self) -> dict[str, str]:
        """Shop types of the vintage, plus any code found in the file but not in its nomenclature.

        Computed once: the counts do not change once loaded, and every page asks for it."""
        if not self.millesime:
            return {}
        types = dict(nomenclature(self.millesime))
        for code in sorted(set(self.comptages.typequ) - set(types)):
            types[code] = f"Type {code} (hors nomenclature)"
        return types

    def definition(self, texte: str | None) -> Definition:
        if not self.millesime:
            raise DefinitionInvalide("Les données des commerces ne sont pas disponibles.")
        choisie = definition(texte, self.millesime)
        if choisie.cle == "tous":
            # Codes outside the vintage's table are still shops of domain B.
            return Definition("tous", tuple(self.nomenclature), self.millesime)
        return choisie

    def communes_avec(self, choisie: Definition) -> pd.Index:
        lignes = self.comptages[parmi(self.comptages.typequ, choisie.types) & (self.comptages.nb > 0)]
        return pd.Index(lignes.commune.unique())

    @cached_property
    def _centres(self) -> pd.DataFrame:
        """A point inside each commune, in the metric CRS of its zone."""
        communes = self.ref.communes[self.ref.communes.geometry.notna()]
        centres = communes.geometry.representative_point()
        zones = communes.dep.map(projections.zone).to_numpy(dtype=object)
        x, y = projections.projeter(centres.x.to_numpy(), centres.y.to_numpy(), zones)
        return pd.DataFrame({"zone": zones, "x": x, "y": y}, index=communes.index)

    def distances_plus_proche(self, codes: pd.Index, avec: pd.Index) -> pd.DataFrame:
        """Distance (km, as the crow flies between commune centres) to the nearest commune in ``avec``.

        Searched in the same zone (mainland, or the same overseas département);
        unknown (NA) when the commune has no contour or its zone has no such commune.
        """
        centres = self._centres
        proches = projections.plus_proches(
            centres.loc[codes[parmi(codes, centres.index)]], centres.loc[parmi(centres.index, avec)]
        )
        return pd.DataFrame(
            {
                "distance_km": (proches.distance_m / 1000).round(1).reindex(codes),
                "plus_proche": proches.cible.reindex(codes),
            },
            index=codes,
        )

    def communes_sans_commerce(self, tid: TerritoireId | None, choisie: Definition) -> pd.DataFrame:
        """Communes of the territory without any shop of the definition.

        Columns ``code, nom, population, distance_km, plus_proche_code,
        plus_proche_nom``, largest population first.
        """
        communes = self.ref.communes_de(tid)
        avec = self.communes_avec(choisie)
        sans = communes[~parmi(communes.index, avec)]
        distances = self.distances_plus_proche(sans.index, avec)
        noms = self.ref.communes.nom
        resultat = pd.DataFrame(
            {
                "code": sans.code.astype(str),
                "nom": sans.nom.astype(str),
                "population": sans.population.astype("Int64"),
                "distance_km": distances.distance_km,
                "plus_proche_code": distances.plus_proche.astype("string"),
                "plus_proche_nom": distances.plus_proche.map(noms).astype("string"),
            }
        )
        return resultat.sort_values(
            ["population", "code"], ascending=[False, True], na_position="last"
        ).reset_index(drop=True)

    def part_par_sous_territoire(self, niveau: str, codes: list[str], choisie: Definition) -> pd.DataFrame:
        """Per EPCI or département: communes, communes without shops and their share (%)."""
        colonne = {"epci": "epci", "departements": "dep"}[niveau]
        communes = self.ref.communes[parmi(self.ref.communes[colonne], codes)]
        sans = ~parmi(communes.index, self.communes_avec(choisie))
        groupes = pd.DataFrame({"code": communes[colonne], "sans": sans, "population": communes.population})
        resume = groupes.groupby("code").agg(
            nb_communes=("sans", "size"),
            nb_sans=("sans", "sum"),
        )
        resume["population_concernee"] = groupes[groupes.sans].groupby("code").population.sum()
        resume["population_concernee"] = resume.population_concernee.fillna(0).astype("int64")
        resume["part_pct"] = (100 * resume.nb_sans / resume.nb_communes).round(1)
        return resume.reset_index()

    def codes_anciens_du_territoire(self, tid: TerritoireId | None) -> list[dict]:
        """Codes of communes that no longer exist, moved onto communes of the territory."""
        communes = set(self.ref.communes_de(tid).code)
        return [c for c in self.manifeste.get("codes_anciens", []) if c["commune"] in communes]

    def bloc(self, tid: TerritoireId | None, texte_definition: str | None = None) -> dict:
        """The ``commerces`` block of the report and of the Territoire page."""
        if not self.disponible:
            return {
                "disponible": False,
                "raison": "Base permanente des équipements de l'INSEE non disponible (voir la page Sources).",
            }
        choisie = self.definition(texte_definition)
        sans = self.communes_sans_commerce(tid, choisie)
        population_inconnue = int(sans.population.isna().sum())
        inconnus = self.manifeste.get("codes_inconnus", [])
        return {
            "disponible": True,
            "definition": choisie.parametre(),
            "definition_libelle": choisie.libelle,
            "definition_texte": choisie.en_mots(),
            "types": list(choisie.types),
            "millesime": self.millesime,
            "source": self.manifeste.get("source_utilisee"),
            "nb_communes": int(self.ref.masque_communes(tid).sum()),
            "nb_communes_sans_commerce": len(sans),
            "population_concernee": int(sans.population.sum(skipna=True)),
            "communes_population_inconnue": population_inconnue,
            "communes_sans_commerce": [
                {
                    "code": ligne.code,
                    "nom": ligne.nom,
                    "population": None if pd.isna(ligne.population) else int(ligne.population),
                    "distance_km": None if pd.isna(ligne.distance_km) else float(ligne.distance_km),
                }
                for ligne in sans.itertuples()
            ],
            "codes_anciens_rattaches": self.codes_anciens_du_territoire(tid),
            "codes_non_rattaches": {"nombre": len(inconnus), "codes": inconnus},
        }


def charger(ref: Referentiel, dossier_cache: Path | None = None) -> DonneesCommerces:
    """The built shop counts (built first when missing)."""
    dossier_cache = dossier_cache or config.dossier_cache()
    manifeste = etapes.assurer_etape(ETAPE, ref, dossier_cache)
    return DonneesCommerces(dossier_cache / ETAPE.nom, manifeste, ref)


def bloc_rapport(
    ref: Referentiel, tid: TerritoireId | None, definition: str | None = None, **_options
) -> dict:
    """The ``commerces`` block of ``geo.rendu.report`` (``--definition tous|alimentaire|B201,B202``)."""
    return charger(ref).bloc(tid, definition)


def couche_export(
    donnees: DonneesCommerces, tid: TerritoireId | None, choisie: Definition
) -> gpd.GeoDataFrame:
    """The communes without shops with their contours, for GeoJSON/GeoPackage/CSV exports."""
    sans = tableau_export(donnees, donnees.communes_sans_commerce(tid, choisie), choisie)
    geometries = donnees.ref.communes.geometry.reindex(sans.code).to_numpy()
    couche = gpd.GeoDataFrame(sans, geometry=geometries, crs=donnees.ref.communes.crs)
    couche.attrs = dict(sans.attrs)
    return couche


def tableau_export(donnees: DonneesCommerces, sans: pd.DataFrame, choisie: Definition) -> pd.DataFrame:
    """The communes without shops as every download gives them, from the Commerces page or the
    map: the table of :meth:`DonneesCommerces.communes_sans_commerce`, the definition and the
    BPE's vintage (one layer, one set of columns)."""
    tableau = sans.assign(definition=choisie.libelle, millesime_bpe=donnees.millesime)
    # The BPE file it was counted from, for the « Sources » sheet (geo.rendu.exports.sources_couche).
    tableau.attrs["sources"] = [s for s in (donnees.manifeste.get("source_utilisee"),) if s]
    return tableau


# What the field says, to set beside the official count (never mixed into it).
CONSTATS_DE_TERRAIN = {
    "epci:200042190": {
        "texte": "La communauté d'agglomération indique que six de ses 47 communes n'ont aucun commerce de "
        "proximité, et y envisage des épiceries participatives.",
        "source": "Carenews PRO, « Economie sociale et solidaire dans les territoires : beaucoup de services "
        "sont fournis par l'ESS aux populations », 15 avril 2024 "
        "(document de terrain porte-du-hainaut-ess-carenews-2024)",
    }
}
