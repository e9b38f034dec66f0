"""Checking a SCDL file against the official table schema of its version (frictionless), in French."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from geo.outils import config
from geo.outils.text import accorder
from geo.sources.scdl_lecture import (
    CHAMPS,
    EXTRAS,
    NOMS_1_0,
    FichierScdlInvalide,
    TableBrute,
    cle_colonne,
    correspondances,
    extrait,
)

DERNIERE_VERSION = "2.1.1"
SCHEMA_DOSSIER = Path("financements") / "scdl" / "schemas"
MAX_MESSAGES = 200


def dossier_schemas() -> Path | None:
    """Where the official schemas are (the mirror), or None."""
    miroir = config.dossier_miroir()
    if miroir is None:
        return None
    dossier = miroir / SCHEMA_DOSSIER
    return dossier if dossier.is_dir() else None


def charger_schema(version: str, dossier: Path | None = None) -> dict:
    """The official table schema of a version, cleaned of what frictionless refuses.

    1.0.0 carries empty ``pattern`` constraints and a ``default`` format that
    frictionless 5 rejects; the non-standard ``custom_checks`` are run here instead
    (:func:`_verifier_sirets`).
    """
    dossier = dossier or dossier_schemas()
    if dossier is None:
        raise FichierScdlInvalide(
            "Schémas SCDL introuvables : désignez le dossier miroir par ESS_DATA_MIRROR "
            f"(il doit contenir {SCHEMA_DOSSIER})."
        )
    chemin = dossier / f"scdl-subventions-{version}" / "schema.json"
    if not chemin.is_file():
        raise FichierScdlInvalide(f"Schéma SCDL {version} introuvable ({chemin}).")
    brut = json.loads(chemin.read_text(encoding="utf-8"))
    champs = []
    for champ in brut["fields"]:
        propre = {
            k: v for k, v in champ.items() if k in {"name", "type", "format", "trueValues", "falseValues"}
        }
        if propre.get("format") == "default":
            propre.pop("format")
        contraintes = {k: v for k, v in (champ.get("constraints") or {}).items() if v not in ("", None)}
        if contraintes:
            propre["constraints"] = contraintes
        champs.append(propre)
    return {"fields": champs, "missingValues": brut.get("missingValues", [""])}


_TYPES_FR = {
    "number": "un nombre (chiffres, point décimal)",
    "integer": "un nombre entier",
    "date": "une date AAAA-MM-JJ",
    "boolean": "« oui » ou « non »",
    "string": "du texte",
}
_FORMATS_FR = {
    "idAttribuant": "14 chiffres du SIRET",
    "idBeneficiaire": "14 chiffres du SIRET",
    "rnaBeneficiaire": "W suivi de 9 chiffres",
    "datesPeriodeVersement": "AAAA-MM-JJ ou AAAA-MM-JJ/AAAA-MM-JJ",
}


def _message_frictionless(erreur, champs_type: dict[str, str], schema: dict) -> tuple[str, str]:
    """(kind of defect for counting, French sentence) for one frictionless error."""
    champ = getattr(erreur, "field_name", None)
    cellule = getattr(erreur, "cell", None)
    note = getattr(erreur, "note", "") or ""
    if erreur.type == "type-error":
        attendu = _TYPES_FR.get(champs_type.get(champ, ""), champs_type.get(champ, ""))
        return f"{champ} : type", f"« {extrait(cellule)} » n'est pas {attendu}"
    if erreur.type == "constraint-error":
        contrainte = re.search(r'constraint "(\w+)"', note)
        nom = contrainte.group(1) if contrainte else ""
        if nom == "required":
            return f"{champ} : obligatoire", "valeur obligatoire absente"
        if nom == "pattern":
            attendu = _FORMATS_FR.get(champ, "le format du schéma")
            return (
                f"{champ} : format",
                f"« {extrait(cellule)} » ne respecte pas le format attendu ({attendu})",
            )
        if nom == "enum":
            valeurs = next(
                (f.get("constraints", {}).get("enum") for f in schema["fields"] if f["name"] == champ), []
            )
            return f"{champ} : liste", (
                f"« {extrait(cellule)} » n'est pas une valeur permise ("
                + " ; ".join(f"« {v} »" for v in valeurs)
                + ")"
            )
        if nom == "maxLength":
            return f"{champ} : longueur", f"texte trop long ({len(str(cellule))} caractères)"
        if nom in {"minimum", "maximum"}:
            return f"{champ} : bornes", f"« {extrait(cellule)} » est hors des bornes du schéma ({note})"
        return f"{champ} : contrainte", f"« {extrait(cellule)} » ne respecte pas la contrainte {nom}"
    if erreur.type == "extra-cell":
        return "cellule en trop", "cellule en trop par rapport à l'en-tête"
    if erreur.type == "missing-cell":
        return "cellule manquante", "cellule manquante par rapport à l'en-tête"
    if erreur.type == "blank-row":
        return "ligne vide", "ligne vide"
    if erreur.type in {"duplicate-label", "blank-label"}:
        return "en-tête", "nom de colonne vide ou en double"
    return erreur.type, f"défaut « {erreur.type} »"


@dataclass
class Validation:
    """What the official schema says of a file: French messages and counts per kind of defect."""

    version: str
    messages: list[str] = field(default_factory=list)
    par_defaut: Counter = field(default_factory=Counter)
    exemples: dict[str, str] = field(default_factory=dict)
    nombre: int = 0

    @property
    def valide(self) -> bool:
        return self.nombre == 0

    def ajouter(self, genre: str, message: str) -> None:
        self.nombre += 1
        self.par_defaut[genre] += 1
        self.exemples.setdefault(genre, message)
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(message)

    def resume(self) -> list[str]:
        """One French sentence per kind of defect, with its count and first occurrence."""
        return [
            f"{accorder(n, 'défaut')} « {genre} », par exemple {self.exemples[genre]}"
            for genre, n in self.par_defaut.most_common()
        ]


def valider(
    brut: TableBrute, nom: str, version: str | None, dossier_schemas_: Path | None = None
) -> Validation:
    """Check the file against the official schema of its version (the latest for home-made layouts)."""
    import frictionless

    reference = version or DERNIERE_VERSION
    validation = Validation(reference)
    try:
        schema = charger_schema(reference, dossier_schemas_)
    except FichierScdlInvalide as erreur:  # the rows are still read; the check is said to be missing
        validation.ajouter("schéma introuvable", f"{nom} : non vérifié, {erreur}")
        return validation
    champs, _ = correspondances(brut.entetes)
    par_nom_schema = {f["name"]: f for f in schema["fields"]}
    # The columns the schema knows, under their official name for this version.
    colonnes: list[tuple[int, dict]] = []
    for position, champ in sorted(champs.items()):
        nom_schema = (
            next((k for k, v in NOMS_1_0.items() if v == champ), champ) if reference == "1.0.0" else champ
        )
        if nom_schema in par_nom_schema:
            colonnes.append((position, par_nom_schema[nom_schema]))
    renommees = [
        f"« {brut.entetes[p].strip()} » lue comme « {f['name']} »"
        for p, f in colonnes
        if brut.entetes[p].strip().lstrip("\ufeff") != f["name"]
    ]
    if version is None:
        validation.ajouter(
            "colonnes hors schéma",
            f"{nom} : en-tête hors du format SCDL ; colonnes reconnues par leur intitulé et vérifiées "
            f"contre la version {reference}",
        )
    elif renommees:
        validation.ajouter(
            "nom de colonne",
            f"{nom} : "
            + accorder(
                len(renommees),
                "nom de colonne différent",
                "noms de colonne différents",
                avec_nombre=False,
            )
            + f" du schéma {reference} : "
            + " ; ".join(renommees[:6]),
        )
    presents = {f["name"] for _, f in colonnes}
    for nom_schema, champ in par_nom_schema.items():
        if nom_schema not in presents and (champ.get("constraints") or {}).get("required"):
            validation.ajouter("colonne absente", f"{nom} : colonne obligatoire « {nom_schema} » absente")
    connues = {cle_colonne(c) for c in CHAMPS} | {cle_colonne(c) for c in NOMS_1_0}
    doubles = [e for i, e in enumerate(brut.entetes) if i not in champs and cle_colonne(e) in connues]
    for double in doubles:
        validation.ajouter("colonne en double", f"{nom} : colonne « {extrait(double)} » en double")
    inconnues = [
        e
        for i, e in enumerate(brut.entetes)
        if i not in champs and e.strip(" ;") and cle_colonne(e) not in EXTRAS and e not in doubles
    ]
    ordre_schema = [f["name"] for f in schema["fields"]]
    ordre_fichier = [f["name"] for _, f in colonnes]
    if version is not None and ordre_fichier != [n for n in ordre_schema if n in ordre_fichier]:
        validation.ajouter(
            "ordre des colonnes",
            f"{nom} : colonnes dans un autre ordre que celui du schéma {reference} "
            f"(le schéma commence par « {ordre_schema[0]} », le fichier par « {ordre_fichier[0]} »)",
        )
    if inconnues and version is not None:
        validation.ajouter(
            "colonne en plus",
            f"{nom} : {accorder(len(inconnues), 'colonne', avec_nombre=False)} hors du schéma : "
            + ", ".join(f"« {extrait(e)} »" for e in inconnues[:6]),
        )
    if not colonnes:
        return validation
    descripteur = {"fields": [f for _, f in colonnes], "missingValues": schema.get("missingValues", [""])}
    largeur = len(brut.entetes)
    donnees = [[f["name"] for _, f in colonnes]]
    numeros = []
    for ligne, numero in zip(brut.lignes, brut.numeros, strict=True):
        if not any(c.strip() for c in ligne):
            continue
        # A row longer or shorter than the header is reported by the reader (see normaliser).
        donnees.append(
            [(ligne[p] if p < len(ligne) else "") if len(ligne) == largeur else "" for p, _ in colonnes]
        )
        numeros.append((numero, len(ligne) == largeur))
    types = {f["name"]: f.get("type", "string") for _, f in colonnes}
    ressource = frictionless.Resource(
        data=donnees,
        schema=frictionless.Schema.from_descriptor(descripteur),
        detector=frictionless.Detector(sample_size=0),
    )
    rapport = ressource.validate(limit_errors=10_000_000)
    for tache in rapport.tasks:
        for erreur in tache.errors:
            rang = getattr(erreur, "row_number", None)
            if rang is None:
                genre, texte = _message_frictionless(erreur, types, schema)
                validation.ajouter(genre, f"{nom} : {texte}")
                continue
            numero, entiere = numeros[rang - 2]
            if not entiere:
                continue
            genre, texte = _message_frictionless(erreur, types, schema)
            champ = getattr(erreur, "field_name", None)
            validation.ajouter(
                genre, f"{nom}, ligne {numero}" + (f", colonne « {champ} »" if champ else "") + f" : {texte}"
            )
    return validation
