"""Public funding of the politique de la ville: ANCT Ci.Ville posts of adultes-relais and FONJEP.

One record per funded post and year: ``id_poste``, ``code_tiers`` (the employer's
SIRET for adultes-relais, its name for FONJEP), ``raison_sociale``, ``annee``,
``montant`` (€), ``code_cv`` (contrat de ville: ``CVnnn`` until 2023, ``CN…``
from 2024), ``insee_dep``, ``insee_reg``. Official form: one JSON file per
programme and year (``adulte-relais-2021.json``, ``postes-fonjep-2021.json``);
a stacked CSV of all years (``dispositif`` and ``source_file`` columns added) is
read too.

The contrat-de-ville points (``contrats_de_ville_*_centroides.geojson``) give
each contract's EPCI SIREN (or commune code, for a few contracts signed by one
commune) in ``codgeo``.

Caveat from the producer's data: in 2025 the adultes-relais posts are booked at
a flat 7 164 € each, so their 2025 total is not comparable with earlier years;
:func:`lire_postes` flags those rows (``comparable`` is False).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from geo.outils.text import accorder
from geo.sources import FichierInutilisable, Source, declarer, defaut_fichier, lecteur
from geo.sources.lecture import defaut_geojson

_ANCT = "ANCT (Agence nationale de la cohésion des territoires), application Ci.Ville"
_PAGE = "https://www.data.gouv.fr/fr/organizations/agence-nationale-de-la-cohesion-des-territoires/"
ANNEES = tuple(range(2020, 2026))
DISPOSITIFS = {"adulte-relais": "Adultes-relais", "fonjep": "Postes FONJEP (politique de la ville)"}
MONTANT_FORFAITAIRE_2025 = 7164.0
NOTE_2025 = (
    "Adultes-relais 2025 : montants comptés au forfait de 7 164 € par poste, non comparables "
    "aux années précédentes."
)


class DonneesCivilleInvalides(ValueError):
    """A Ci.Ville file cannot be used; the message says why, in French."""


def _source_annuelle(dispositif: str, annee: int) -> Source:
    prefixe = "adulte-relais" if dispositif == "adulte-relais" else "postes-fonjep"
    limites = (NOTE_2025,) if (dispositif, annee) == ("adulte-relais", 2025) else ()
    return declarer(
        Source(
            id=f"civille_{dispositif.replace('-', '_')}_{annee}",
            titre=f"{DISPOSITIFS[dispositif]} financés en {annee} (Ci.Ville)",
            producteur=_ANCT,
            licence="Licence Ouverte 2.0",
            millesime=str(annee),
            page="https://www.data.gouv.fr/fr/datasets/subventions-politique-de-la-ville/",
            fichier=f"{prefixe}-{annee}.json",
            # The ANCT dataset's resource titles are not known here: the file name is matched.
            jeu_datagouv="subventions-politique-de-la-ville",
            ressource=rf"{prefixe}-{annee}\.json",
            description=(
                "Un enregistrement par poste financé : employeur (SIRET pour les adultes-relais, nom "
                "pour le FONJEP), montant, contrat de ville, département."
            ),
            limites=limites,
        )
    )


POSTES_ANNUELS: dict[tuple[str, int], Source] = {
    (dispositif, annee): _source_annuelle(dispositif, annee) for dispositif in DISPOSITIFS for annee in ANNEES
}
POSTES_EMPILES = declarer(
    Source(
        id="civille_postes_2020_2025",
        titre="Adultes-relais et postes FONJEP 2020–2025, toutes années (Ci.Ville)",
        producteur=_ANCT,
        licence="Licence Ouverte 2.0",
        millesime="2020–2025",
        page=_PAGE,
        fichier="civille_fonjep_adultes_relais_2020_2025_long.csv",
        description="Les fichiers annuels Ci.Ville empilés (utilisé quand les fichiers annuels manquent).",
        limites=(NOTE_2025,),
    )
)
CONTRATS_2015 = declarer(
    Source(
        id="contrats_de_ville_2015_2023",
        titre="Contrats de ville 2015–2023 (point et EPCI signataire)",
        producteur="ANCT, SIG Ville",
        licence="Licence Ouverte 2.0",
        millesime="Contrats de ville 2015–2023",
        page=_PAGE,
        fichier="contrats_de_ville_2015_2023_centroides.geojson",
        description=(
            "Un point par contrat de ville (codes CVnnn) avec le SIREN de l'EPCI ou le code de la commune."
        ),
    )
)
CONTRATS_2024 = declarer(
    Source(
        id="contrats_de_ville_2024",
        titre="Contrats de ville 2024–2030 « Engagements Quartiers 2030 » (point et EPCI signataire)",
        producteur="ANCT, SIG Ville",
        licence="Licence Ouverte 2.0",
        millesime="Contrats de ville 2024",
        page=_PAGE,
        fichier="contrats_de_ville_2024_centroides.geojson",
        description=(
            "Un point par contrat de ville (codes CN…) avec le SIREN de l'EPCI ou le code de la commune."
        ),
    )
)

COLONNES_POSTES = [
    "dispositif",
    "annee",
    "id_poste",
    "siret",
    "raison_sociale",
    "montant_eur",
    "code_cv",
    "insee_dep",
    "insee_reg",
    "comparable",
    "fichier",
]


def _code_departement(valeur) -> str | None:
    if valeur is None or (isinstance(valeur, float) and valeur != valeur):
        return None
    texte = str(valeur).strip().upper()
    if not texte:
        return None
    if texte.isdigit() and len(texte) == 1:
        texte = "0" + texte
    return texte


def _normaliser(table: pd.DataFrame, dispositif: str | None, fichier: str) -> pd.DataFrame:
    attendues = {"id_poste", "annee", "montant", "code_cv", "insee_dep"}
    manquantes = attendues - set(table.columns)
    if manquantes:
        raise DonneesCivilleInvalides(
            f"{fichier} : {accorder(len(manquantes), 'colonne', avec_nombre=False)} "
            f"{', '.join(sorted(manquantes))} {accorder(len(manquantes), 'absente', avec_nombre=False)} ; "
            "fichier Ci.Ville attendu."
        )
    if dispositif is None:
        if "dispositif" not in table.columns:
            raise DonneesCivilleInvalides(f"{fichier} : colonne « dispositif » absente.")
        dispositifs = table["dispositif"].astype(str).str.strip().str.lower()
    else:
        dispositifs = pd.Series(dispositif, index=table.index)
    tiers = table.get("code_tiers", pd.Series(None, index=table.index)).astype("string").str.strip()
    siret = tiers.where(tiers.str.fullmatch(r"\d{14}", na=False))
    resultat = pd.DataFrame(
        {
            "dispositif": dispositifs.to_numpy(),
            "annee": pd.to_numeric(table["annee"], errors="coerce").astype("Int64").to_numpy(),
            "id_poste": table["id_poste"].astype("string").to_numpy(),
            "siret": siret.to_numpy(),
            "raison_sociale": table.get("raison_sociale", tiers).astype("string").to_numpy(),
            "montant_eur": pd.to_numeric(table["montant"], errors="coerce").to_numpy(),
            "code_cv": table["code_cv"].astype("string").str.strip().replace("", pd.NA).to_numpy(),
            "insee_dep": table["insee_dep"].map(_code_departement).astype("string").to_numpy(),
            "insee_reg": table.get("insee_reg", pd.Series(None, index=table.index))
            .map(_code_departement)
            .astype("string")
            .to_numpy(),
            "fichier": table["source_file"].astype("string").to_numpy()
            if "source_file" in table
            else fichier,
        }
    )
    inconnus = set(resultat.dispositif) - set(DISPOSITIFS)
    if inconnus:
        raise DonneesCivilleInvalides(
            f"{fichier} : "
            f"{accorder(len(inconnus), 'dispositif inconnu', 'dispositifs inconnus', avec_nombre=False)} : "
            f"{', '.join(sorted(inconnus))}."
        )
    resultat["comparable"] = ~((resultat.dispositif == "adulte-relais") & (resultat.annee == 2025))
    return resultat[COLONNES_POSTES]


def dispositif_du_fichier(nom: str) -> str:
    """``adulte-relais`` or ``fonjep`` from an official file name."""
    if re.match(r"adultes?-relais", nom):
        return "adulte-relais"
    if "fonjep" in nom:
        return "fonjep"
    raise DonneesCivilleInvalides(f"Fichier Ci.Ville non reconnu : {nom}.")


@lecteur
def lire_postes(chemin: Path) -> pd.DataFrame:
    """Posts of one official JSON file, or of the stacked CSV, normalised (see module docstring)."""
    if chemin.suffix.lower() == ".json":
        try:
            enregistrements = json.loads(chemin.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as erreur:
            raise DonneesCivilleInvalides(f"{chemin.name} : {defaut_fichier(chemin, erreur)}.") from erreur
        if isinstance(enregistrements, dict):  # some exports wrap the list
            enregistrements = enregistrements.get("data") or enregistrements.get("records") or []
        table = pd.DataFrame.from_records(enregistrements)
        return _normaliser(table, dispositif_du_fichier(chemin.name), chemin.name)
    table = pd.read_csv(chemin, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table = table.replace("", None)
    return _normaliser(table, None, chemin.name)


@lecteur
def lire_contrats_de_ville(chemin: Path) -> pd.DataFrame:
    """``code_cv, lib_cv, epci, commune, insee_dep, lon, lat`` of each contract point (WGS84)."""
    donnees = json.loads(chemin.read_text(encoding="utf-8"))
    defaut = defaut_geojson(donnees)
    if defaut:
        raise FichierInutilisable(chemin.name, defaut)
    lignes = []
    for entite in donnees.get("features", []):
        proprietes = entite.get("properties") or {}
        codgeo = str(proprietes.get("codgeo") or "").strip()
        coordonnees = (entite.get("geometry") or {}).get("coordinates") or [None, None]
        lignes.append(
            {
                "code_cv": str(proprietes.get("code_cv") or "").strip(),
                "lib_cv": proprietes.get("lib_cv"),
                "epci": codgeo if re.fullmatch(r"\d{9}", codgeo) else None,
                "commune": codgeo if re.fullmatch(r"\d[\dAB]\d{3}", codgeo) else None,
                "insee_dep": _code_departement(proprietes.get("insee_dep")),
                "lon": coordonnees[0],
                "lat": coordonnees[1],
            }
        )
    table = pd.DataFrame(lignes, columns=["code_cv", "lib_cv", "epci", "commune", "insee_dep", "lon", "lat"])
    if table.empty:
        raise DonneesCivilleInvalides(f"{chemin.name} : aucun contrat de ville.")
    return table[table.code_cv != ""].drop_duplicates("code_cv")
