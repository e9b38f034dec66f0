"""What the field documents state about a territory, beside the app's own figure for the same thing.

The statements live in the seed pack (``geo/base/semences/constats.csv``), each citing
its document. Neither figure is chosen over the other: both are shown with their
source and vintage (« Document de terrain (2024) : 6 communes sans commerce ·
BPE 2019 : 5 »), and a statement the open data cannot check says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from geo.outils import nomenclature
from geo.outils.codes import parmi
from geo.outils.text import accorder, nombre_fr
from geo.territoires.referentiel import Referentiel, TerritoireId

FICHIER = Path(__file__).resolve().parents[1] / "base" / "semences" / "constats.csv"


@dataclass(frozen=True)
class Constat:
    """One statement of a document and the app's figure for the same thing (None when it has none)."""

    indicateur: str
    texte_document: str
    annee_document: str
    source: str
    valeur_document: float | None
    texte_application: str | None
    valeur_application: float | None

    def _ligne(self, nom_document: str) -> str:
        document = f"{nom_document} ({self.annee_document}) : {self.texte_document}"
        if self.texte_application is None:
            return f"{document} · pas de chiffre correspondant dans les données ouvertes de l'application"
        return f"{document} · {self.texte_application}"

    @property
    def ligne(self) -> str:
        """« Document de terrain (2024) : … · BPE 2019 : 5 », in one line."""
        return self._ligne("Document de terrain")

    @property
    def ligne_citee(self) -> str:
        """The same line naming its document, for a page read away from the app's list of documents
        (the PDF fiche): « porte-du-hainaut-ess-carenews-2024.txt (2024) : … · BPE 2019 : 5 »."""
        return self._ligne(self.document)

    @property
    def document(self) -> str:
        """The document's file name, as cited in the seed pack."""
        return self.source.split(" : ", 1)[0]


@cache
def _tous() -> pd.DataFrame:
    return pd.read_csv(FICHIER, sep=";", dtype=str, encoding="utf-8")


def du_territoire(tid: TerritoireId | None) -> pd.DataFrame:
    """The seed-pack statements about this very territory."""
    table = _tous()
    return table[table.territoire == str(tid)] if tid is not None else table.iloc[0:0]


def _valeur(texte: object) -> float | None:
    try:
        return float(str(texte).replace(",", "."))
    except ValueError:
        return None


def figures_application(
    ref: Referentiel,
    tid: TerritoireId | None,
    donnees_commerces=None,
    donnees_structures=None,
    donnees_financements=None,
) -> dict[str, tuple[float | None, str]]:
    """The app's figure for each kind of statement: (value, text with source and vintage)."""
    territoire = ref.territoire(tid)
    figures: dict[str, tuple[float | None, str]] = {
        "population": (
            territoire.population,
            f"INSEE, population municipale {territoire.millesime_population} : "
            f"{nombre_fr(territoire.population)} habitants",
        ),
        "nb_communes": (territoire.nb_communes, f"COG 2025 : {accorder(territoire.nb_communes, 'commune')}"),
    }
    recensement = ref.chiffres_recensement(tid)
    if recensement is not None and recensement["taux_chomage_pct"] is not None:
        taux = recensement["taux_chomage_pct"]
        figures["taux_chomage_pct"] = (
            taux,
            f"INSEE, recensement 2021 (chômeurs / actifs de 15 à 64 ans) : {nombre_fr(taux, 1)} %",
        )
    if donnees_commerces is not None and donnees_commerces.disponible:
        avec = donnees_commerces.communes_avec(donnees_commerces.definition("tous"))
        codes = ref.communes_de(tid).index
        sans = int((~parmi(codes, avec)).sum())
        figures["communes_sans_commerce"] = (
            sans,
            f"BPE {donnees_commerces.millesime} (INSEE, aucun commerce) : {accorder(sans, 'commune')} "
            f"sur {nombre_fr(len(codes))}",
        )
    if donnees_structures is not None and donnees_structures.disponible:
        structures = donnees_structures.du_territoire(ref, tid)
        cooperatives = int((structures.famille == nomenclature.COOPERATIVE).sum())
        figures["cooperatives"] = (
            cooperatives,
            f"registre des structures de l'ESS (SIRENE, catégories juridiques) : "
            f"{accorder(cooperatives, 'coopérative')} ; les données de ce serveur ne comprennent pas "
            "le stock SIRENE complet",
        )
    if donnees_financements is not None:
        part = donnees_financements.part_ess_du_territoire(ref, tid) or {}
        if part.get("part_pct") is not None:
            echelle = f", {part['note'].split(' (')[0]}" if part.get("note") else ""
            figures["part_ess_emploi_pct"] = (
                part["part_pct"],
                f"INSEE Clap {part['annee']} (emploi salarié privé{echelle}) : "
                f"{nombre_fr(part['part_pct'], 1)} %",
            )
    return figures


def constats(
    ref: Referentiel,
    tid: TerritoireId | None,
    donnees_commerces=None,
    donnees_structures=None,
    donnees_financements=None,
) -> list[Constat]:
    """Every statement of the seed pack about the territory, each beside the app's figure."""
    lignes = du_territoire(tid)
    if lignes.empty:
        return []
    figures = figures_application(ref, tid, donnees_commerces, donnees_structures, donnees_financements)
    resultat = []
    for ligne in lignes.itertuples():
        valeur, texte = figures.get(ligne.indicateur, (None, None))
        resultat.append(
            Constat(
                indicateur=ligne.indicateur,
                texte_document=ligne.texte,
                annee_document=str(ligne.annee),
                source=ligne.source,
                valeur_document=_valeur(ligne.valeur),
                texte_application=texte,
                valeur_application=None if valeur is None or pd.isna(valeur) else float(valeur),
            )
        )
    return resultat
