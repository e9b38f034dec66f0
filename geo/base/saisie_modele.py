"""The five tables of entered data, their columns, and how an import reports errors and what it wrote."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.base import store
from geo.outils.text import accorder

# Five tables (sheets of the Excel template, or one CSV file each, told apart by their columns).
# Rows refer to each other by name (a job names its project, a project its PTCE), so that a file
# written by hand needs no ids; names are compared without case or accents.
# Columns per table, in template order; the starred ones are required.
COLONNES: dict[str, tuple[str, ...]] = {
    "ptce": ("nom*", "perimetre", "membres", "annee_creation", "description", "source"),
    "projets": ("nom*", "ptce", "etape", "date_debut", "date_fin", "secteur", "territoire", "source"),
    "structures": ("nom*", "siret", "forme", "commune", "ptce", "projet", "source"),
    "emplois": ("projet*", "annee", "nature*", "nombre*", "source"),
    "financements": (
        "projet",
        "ptce",
        "siret",
        "territoire",
        "financeur",
        "dispositif",
        "montant_eur",
        "annee_debut",
        "annee_fin",
        "note",
        "source",
    ),
}
# Tables are written in this order: a row may refer to rows of earlier tables.
ORDRE = ("ptce", "projets", "structures", "emplois", "financements")
AIDE_COLONNES: dict[str, str] = {
    "nom": "nom, unique (sans tenir compte des majuscules ni des accents)",
    "perimetre": "territoires séparés par des virgules : epci:SIREN, commune:INSEE, departement:CODE "
    "ou codes seuls (5 caractères : commune, 9 chiffres : EPCI, 2 ou 3 : département)",
    "membres": "membres séparés par « ; »",
    "annee_creation": "année sur 4 chiffres",
    "description": "texte libre",
    "source": "document, fichier ou « saisie » ; vide : le nom du fichier importé",
    "ptce": "nom d'un PTCE déjà saisi ou présent dans le même fichier",
    "projet": "nom d'un projet déjà saisi ou présent dans le même fichier",
    "etape": "une des six étapes : " + ", ".join(store.ETAPES_PROJET) + " (ou leur numéro 1 à 6)",
    "date_debut": "date JJ/MM/AAAA ou AAAA-MM-JJ",
    "date_fin": "date JJ/MM/AAAA ou AAAA-MM-JJ",
    "secteur": "secteur d'activité",
    "territoire": "un ou plusieurs territoires, écrits comme pour le périmètre",
    "siret": "14 chiffres (les espaces sont acceptés)",
    "forme": "forme (association, SCOP, entreprise d'insertion…)",
    "commune": "code INSEE de la commune (5 caractères)",
    "annee": "année sur 4 chiffres ; vide si inconnue",
    "nature": "insertion, encadrement ou autre",
    "nombre": "nombre entier d'emplois créés",
    "financeur": "qui finance",
    "dispositif": "programme, appel à projets ou dispositif",
    "montant_eur": "montant en euros, « 1 200,50 € » ou 1200.50 ; vide si inconnu",
    "annee_debut": "première année du financement",
    "annee_fin": "dernière année du financement",
    "note": "précision libre",
}
# How each column is headed on screen (files keep the model's column names above).
ENTETES: dict[str, str] = {
    "nom": "Nom",
    "perimetre": "Périmètre",
    "membres": "Membres",
    "annee_creation": "Année de création",
    "description": "Description",
    "source": "Source",
    "ptce": "PTCE",
    "projet": "Projet",
    "etape": "Étape",
    "date_debut": "Début",
    "date_fin": "Fin",
    "secteur": "Secteur",
    "territoire": "Territoire",
    "siret": "SIRET",
    "forme": "Forme",
    "commune": "Commune",
    "annee": "Année",
    "nature": "Nature",
    "nombre": "Nombre",
    "financeur": "Financeur",
    "dispositif": "Dispositif",
    "montant_eur": "Montant (€)",
    "annee_debut": "Première année",
    "annee_fin": "Dernière année",
    "note": "Note",
}


def colonnes(table: str) -> list[str]:
    return [c.rstrip("*") for c in COLONNES[table]]


def requises(table: str) -> list[str]:
    return [c.rstrip("*") for c in COLONNES[table] if c.endswith("*")]


@dataclass(frozen=True)
class Erreur:
    """One problem of an import: sheet, line as the spreadsheet numbers it (header on line 1),
    column, and what is wrong, in French."""

    feuille: str
    ligne: int | None
    colonne: str | None
    message: str

    def __str__(self) -> str:
        lieu = [f"« {self.feuille} »"] if self.feuille else []
        if self.ligne is not None:
            lieu.append(f"ligne {self.ligne}")
        if self.colonne:
            lieu.append(f"colonne « {self.colonne} »")
        return (", ".join(lieu) + " : " if lieu else "") + self.message


class ImportRefuse(ValueError):
    """The file has errors: nothing was written. ``erreurs`` lists them all."""

    def __init__(self, erreurs: list[Erreur]) -> None:
        self.erreurs = erreurs
        super().__init__(
            f"Import refusé, rien n'a été enregistré : {accorder(len(erreurs), 'erreur')}. "
            + " ; ".join(str(e) for e in erreurs[:5])
            + (" …" if len(erreurs) > 5 else "")
        )


@dataclass
class RapportImport:
    ecrites: dict[str, int] = field(default_factory=dict)
    ignorees: dict[str, int] = field(default_factory=dict)
    remarques: list[str] = field(default_factory=list)
    # The journal's lot of this import (geo.base.journal): how an administrator undoes it.
    lot: str | None = None

    @property
    def total(self) -> int:
        return sum(self.ecrites.values())

    def resume(self) -> str:
        morceaux = [f"{t} {n}" for t, n in self.ecrites.items() if n]
        texte = "Import réussi, lignes enregistrées : " + (", ".join(morceaux) or "aucune") + "."
        deja = [f"{t} {n}" for t, n in self.ignorees.items() if n]
        if deja:
            texte += " Lignes déjà présentes, non réécrites : " + ", ".join(deja) + "."
        return texte
