"""Checking an import's rows against each other and the store: values to write, or every error."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from sqlalchemy import select

from geo.base import store
from geo.base.saisie_cellules import (
    LONGUEURS_MAXIMALES,
    NOMBRE_EMPLOIS_MAXIMUM,
    colonnes_a_normaliser,
    est_vide,
    lire_annee,
    lire_date,
    lire_entier,
    lire_etape,
    lire_nature,
    lire_siret,
    montant_fr,
    normaliser_ligne,
    territoires,
    texte_cellule,
)
from geo.base.saisie_modele import ORDRE, Erreur, RapportImport
from geo.outils.text import cle_recherche, nombre_fr


@dataclass
class Index:
    """Names already in the store or earlier in the file, by search key."""

    ptce: dict[str, object] = field(default_factory=dict)
    projets: dict[str, object] = field(default_factory=dict)
    structures: dict[str, object] = field(default_factory=dict)
    sirets: dict[str, object] = field(default_factory=dict)
    emplois: set = field(default_factory=set)
    financements: set = field(default_factory=set)


# The names of an import repeat (a funder on every line): their search keys are kept, up to a
# bound that holds memory to a few MB.
_cle = functools.lru_cache(maxsize=16_384)(cle_recherche)


def _cle_financement(projet, ptce, siret, territoire, financeur, dispositif, debut, fin, montant) -> tuple:
    """The duplicate key of a funding line, for a stored line and a row of the file alike.

    ``projet`` and ``ptce`` are what identifies them where the key is used (the store's ids,
    or the objects of this import); names compare as search keys, amounts by their value.
    """
    return (
        projet,
        ptce,
        siret,
        territoire,
        _cle(financeur or ""),
        _cle(dispositif or ""),
        debut,
        fin,
        None if montant is None else Decimal(montant).normalize(),
    )


def _index_existant(session) -> Index:
    index = Index()
    for p in session.scalars(select(store.PTCE)):
        index.ptce[cle_recherche(p.nom)] = p
    for p in session.scalars(select(store.Projet)):
        index.projets[cle_recherche(p.nom)] = p
    # Structures, jobs and funding lines are only looked up, never referred to: their columns
    # are enough, without an ORM object for each of tens of thousands of stored rows.
    for nom, numero_siret in session.execute(select(store.Structure.nom, store.Structure.siret)):
        index.structures[cle_recherche(nom)] = nom
        if numero_siret:
            index.sirets[numero_siret] = nom
    for e in session.execute(select(store.Emploi.projet_id, store.Emploi.annee, store.Emploi.nature)):
        index.emplois.add((e.projet_id, e.annee, e.nature))
    colonnes_financement = [c for c in store.Financement.__table__.columns if c.key != "id"]
    for f in session.execute(select(*colonnes_financement)):
        index.financements.add(
            _cle_financement(
                f.projet_id,
                f.ptce_id,
                f.siret,
                f.territoire,
                f.financeur,
                f.dispositif,
                f.annee_debut,
                f.annee_fin,
                f.montant_eur,
            )
        )
    return index


@dataclass
class Ligne:
    """A row being read: its cells, where it is in the file, and the problems found so far."""

    feuille: str
    numero: int
    # Plain dicts, not pandas rows: an import of 100 000 lines spent most of its time in pandas.
    cellules: dict
    index: Index
    connu: Callable[[str], bool] | None
    problemes: list[Erreur] = field(default_factory=list)
    # (column, cell) → (value, refusal) of the cells of this sheet already parsed: years,
    # funders, territories repeat from row to row, and each parser depends on the cell alone.
    analyses: dict = field(default_factory=dict)

    def texte(self, colonne: str) -> str | None:
        return texte_cellule(self.cellules.get(colonne))

    def erreur(self, colonne: str | None, message: str) -> None:
        self.problemes.append(Erreur(self.feuille, self.numero, colonne, message))

    def lire(self, colonne: str, analyse: Callable):
        """The cell parsed by ``analyse``; its ``ValueError`` becomes the row's problem."""
        cellule = self.cellules.get(colonne)
        # The type is part of the key: 1, 1.0 and True are equal keys of a dict.
        cle = (colonne, type(cellule), cellule)
        try:
            valeur, refus = self.analyses[cle]
        except (KeyError, TypeError):  # not parsed yet, or not hashable
            try:
                valeur, refus = analyse(cellule), None
            except ValueError as erreur:
                valeur, refus = None, str(erreur)
            with contextlib.suppress(TypeError):
                self.analyses[cle] = valeur, refus
        if refus is not None:
            self.erreur(colonne, refus)
        return valeur

    def obligatoire(self, colonne: str, valeur) -> None:
        if valeur is None:
            self.erreur(colonne, "valeur obligatoire manquante.")

    def territoires(self, colonne: str):
        return self.lire(colonne, lambda v: territoires(v, self.connu))

    def reference(self, colonne: str, valeurs: dict, quoi: str):
        """The PTCE or project the cell names, entered before (in the store or above in the file)."""
        nom = self.texte(colonne)
        if nom is None:
            return None
        objet = valeurs.get(_cle(nom))
        if objet is None:
            self.erreur(colonne, f"{quoi} « {nom} » inconnu : saisissez-le d'abord.")
        return objet


# Per table: from a row, the class of the record, its values and its duplicate key.


def _lire_ptce(ligne: Ligne, source: str) -> tuple[type, dict, object]:
    nom = ligne.texte("nom")
    ligne.obligatoire("nom", nom)
    valeurs = {
        "nom": nom,
        "perimetre": ligne.territoires("perimetre"),
        "membres": ligne.texte("membres"),
        "annee_creation": ligne.lire("annee_creation", lire_annee),
        "description": ligne.texte("description"),
        "source": source,
    }
    return store.PTCE, valeurs, _cle(nom or "")


def _lire_projet(ligne: Ligne, source: str) -> tuple[type, dict, object]:
    nom = ligne.texte("nom")
    ligne.obligatoire("nom", nom)
    valeurs = {
        "nom": nom,
        "ptce": ligne.reference("ptce", ligne.index.ptce, "PTCE"),
        "etape": ligne.lire("etape", lire_etape),
        "date_debut": ligne.lire("date_debut", lire_date),
        "date_fin": ligne.lire("date_fin", lire_date),
        "secteur": ligne.texte("secteur"),
        "territoire": ligne.territoires("territoire"),
        "source": source,
    }
    if valeurs["date_debut"] and valeurs["date_fin"] and valeurs["date_fin"] < valeurs["date_debut"]:
        ligne.erreur("date_fin", "la date de fin précède la date de début.")
    return store.Projet, valeurs, _cle(nom or "")


def _lire_structure(ligne: Ligne, source: str) -> tuple[type, dict, object]:
    nom = ligne.texte("nom")
    ligne.obligatoire("nom", nom)
    commune = ligne.texte("commune")
    if commune is not None:
        commune = ligne.lire(
            "commune", lambda v: territoires(f"commune:{(texte_cellule(v) or '').zfill(5)}", ligne.connu)
        )
        commune = commune.split(":")[1] if commune else None
    valeurs = {
        "nom": nom,
        "siret": ligne.lire("siret", lire_siret),
        "forme": ligne.texte("forme"),
        "commune": commune,
        "ptce": ligne.reference("ptce", ligne.index.ptce, "PTCE"),
        "projet": ligne.reference("projet", ligne.index.projets, "projet"),
        "source": source,
    }
    cle = _cle(nom or "")
    siret = valeurs["siret"]
    if siret and siret in ligne.index.sirets and cle not in ligne.index.structures:
        ligne.erreur("siret", f"SIRET {siret} déjà attribué à une autre structure.")
    return store.Structure, valeurs, cle


def _lire_emploi(ligne: Ligne, source: str) -> tuple[type, dict, object]:
    projet = ligne.reference("projet", ligne.index.projets, "projet")
    if ligne.texte("projet") is None:
        ligne.obligatoire("projet", None)
    nature = ligne.lire("nature", lambda v: None if est_vide(v) else lire_nature(v))
    if nature is None and est_vide(ligne.cellules.get("nature")):
        ligne.obligatoire("nature", None)
    nombre = ligne.lire("nombre", lambda v: lire_entier(v, 0, NOMBRE_EMPLOIS_MAXIMUM))
    if nombre is None and est_vide(ligne.cellules.get("nombre")):
        ligne.obligatoire("nombre", None)
    annee = ligne.lire("annee", lire_annee)
    valeurs = {"projet": projet, "annee": annee, "nature": nature, "nombre": nombre, "source": source}
    return store.Emploi, valeurs, (id(projet), annee, nature)


def _lire_financement(ligne: Ligne, source: str) -> tuple[type, dict, object]:
    valeurs = {
        "projet": ligne.reference("projet", ligne.index.projets, "projet"),
        "ptce": ligne.reference("ptce", ligne.index.ptce, "PTCE"),
        "siret": ligne.lire("siret", lire_siret),
        "territoire": ligne.territoires("territoire"),
        "financeur": ligne.texte("financeur"),
        "dispositif": ligne.texte("dispositif"),
        "montant_eur": ligne.lire("montant_eur", montant_fr),
        "annee_debut": ligne.lire("annee_debut", lire_annee),
        "annee_fin": ligne.lire("annee_fin", lire_annee),
        "note": ligne.texte("note"),
        "source": source,
    }
    if not any(ligne.texte(c) for c in ("projet", "ptce", "siret", "territoire")):
        ligne.erreur(
            "projet, ptce, siret, territoire",
            "bénéficiaire manquant : indiquez un projet, un PTCE, un SIRET ou un territoire.",
        )
    if valeurs["annee_debut"] and valeurs["annee_fin"] and valeurs["annee_fin"] < valeurs["annee_debut"]:
        ligne.erreur("annee_fin", "l'année de fin précède l'année de début.")
    cle = _cle_financement(
        id(valeurs["projet"]) if valeurs["projet"] else None,
        id(valeurs["ptce"]) if valeurs["ptce"] else None,
        valeurs["siret"],
        valeurs["territoire"],
        valeurs["financeur"],
        valeurs["dispositif"],
        valeurs["annee_debut"],
        valeurs["annee_fin"],
        valeurs["montant_eur"],
    )
    return store.Financement, valeurs, cle


_LECTEURS: dict[str, Callable[[Ligne, str], tuple[type, dict, object]]] = {
    "ptce": _lire_ptce,
    "projets": _lire_projet,
    "structures": _lire_structure,
    "emplois": _lire_emploi,
    "financements": _lire_financement,
}


# A progress bar moves every this many rows (a redraw per row would cost more than the row).
PAS_PROGRESSION = 1_000
# Rows that later rows of the same import may name (a PTCE, a project) become ORM objects;
# the others are plain values, inserted in batches by geo.base.saisie (an ORM object per row
# made an import of 100 000 funding lines take a minute and 780 MB).
TABLES_EN_LOTS = ("structures", "emplois", "financements")


def controler(
    session,
    feuilles: dict[str, pd.DataFrame],
    source_par_defaut: str,
    connu: Callable[[str], bool] | None,
    ignorer_doublons: bool,
    noms_feuilles: dict[str, str] | None = None,
    regle: Callable[[str, dict], str | None] | None = None,
    crees: list | None = None,
    progression: Callable[[float, str], None] | None = None,
    a_inserer: dict[str, list[dict]] | None = None,
) -> tuple[RapportImport, list[Erreur]]:
    """Validate every row and add it to the session or to ``a_inserer``; errors are collected,
    never raised.

    ``regle`` (geo.base.comptes.regle_ecriture) refuses the rows the user may not write; the
    objects added are appended to ``crees`` for the journal. The values of the rows of
    :data:`TABLES_EN_LOTS` go to ``a_inserer`` (by table), inserted in batches by geo.base.saisie.
    """
    index = _index_existant(session)
    # Rows already in the store before this import (a re-import may skip them).
    existants = {
        "ptce": set(index.ptce),
        "projets": set(index.projets),
        "structures": set(index.structures),
        "emplois": set(index.emplois),
        "financements": set(index.financements),
    }
    # Names entered by this import, that later rows may refer to.
    par_nom = {"ptce": index.ptce, "projets": index.projets, "structures": index.structures}
    rapport = RapportImport()
    erreurs: list[Erreur] = []
    vus_fichier: dict[str, dict] = {t: {} for t in ORDRE}
    noms_feuilles = noms_feuilles or {}
    a_inserer = {} if a_inserer is None else a_inserer
    total = sum(len(feuilles[t]) for t in ORDRE if t in feuilles)
    faites = 0

    for table in ORDRE:
        if table not in feuilles:
            continue
        feuille = noms_feuilles.get(table, table)
        rapport.ecrites[table] = 0
        rapport.ignorees[table] = 0
        cadre = feuilles[table]
        a_normaliser = colonnes_a_normaliser(cadre)
        # Texts too long for the store, by column: the others need no look at each row.
        trop_longs = {
            colonne: maxi
            for colonne, maxi in LONGUEURS_MAXIMALES.items()
            if colonne in cadre
            and any(isinstance(texte, str) and len(texte.strip()) > maxi for texte in cadre[colonne])
        }
        analyses: dict = {}
        # One row's dict at a time (to_dict("records") made them all at once).
        noms_colonnes = list(cadre.columns)
        rangees = (dict(zip(noms_colonnes, rangee, strict=True)) for rangee in cadre.itertuples(False, None))
        for position, cellules in enumerate(rangees):
            numero = position + 2  # the header is line 1
            faites += 1
            if progression is not None and faites % PAS_PROGRESSION == 0:
                # Checking is most of the work; writing is the last tenth.
                progression(
                    0.9 * faites / total,
                    f"Vérification des lignes : {nombre_fr(faites)} sur {nombre_fr(total)}…",
                )
            if all(est_vide(v) for v in cellules.values()):
                continue
            problemes = []
            if a_normaliser:
                cellules, problemes = normaliser_ligne(cellules, feuille, numero, a_normaliser)
            ligne = Ligne(feuille, numero, cellules, index, connu, problemes, analyses)
            for colonne, maxi in trop_longs.items():
                if isinstance(texte := cellules.get(colonne), str) and len(texte.strip()) > maxi:
                    ligne.erreur(colonne, f"texte trop long ({len(texte)} caractères, {maxi} au plus).")
            source = ligne.texte("source") or source_par_defaut
            # The ORM object is only made for a row that is kept: a discarded object tied
            # to stored rows by a relationship would be flushed with them.
            classe, valeurs, cle_doublon = _LECTEURS[table](ligne, source)

            # Duplicates: twice in the file, or already in the store.
            if not ligne.problemes:
                if cle_doublon in vus_fichier[table]:
                    premiere = vus_fichier[table][cle_doublon]
                    ligne.erreur(None, f"doublon de la ligne {premiere} de ce fichier.")
                else:
                    vus_fichier[table][cle_doublon] = numero
                    deja = _deja_en_base(table, valeurs, cle_doublon, existants)
                    if deja and ignorer_doublons:
                        rapport.ignorees[table] += 1
                        continue
                    if deja:
                        ligne.erreur(
                            None,
                            "cette ligne existe déjà dans les données saisies (doublon) ; "
                            "cochez « ignorer les lignes déjà présentes » pour réimporter un fichier.",
                        )
            if regle is not None and not ligne.problemes and (refus := regle(table, valeurs)):
                ligne.erreur(None, refus)
            if ligne.problemes:
                erreurs.extend(ligne.problemes)
                continue
            if table in TABLES_EN_LOTS:
                a_inserer.setdefault(table, []).append(valeurs)
                objet = valeurs
            else:
                objet = classe(**valeurs)
                session.add(objet)
                if crees is not None:
                    crees.append(objet)
            rapport.ecrites[table] += 1
            if table in par_nom:
                par_nom[table][cle_doublon] = objet
            if table == "structures" and valeurs["siret"]:
                index.sirets[valeurs["siret"]] = objet
    return rapport, erreurs


def _deja_en_base(table: str, valeurs: dict, cle, existants: dict) -> bool:
    """Whether the row repeats one stored before this import."""
    if table in {"ptce", "projets", "structures"}:
        return cle in existants[table]
    projet, ptce = valeurs.get("projet"), valeurs.get("ptce")
    # A row of a project or PTCE created by this very import cannot be stored yet.
    if (projet is not None and projet.id is None) or (ptce is not None and ptce.id is None):
        return False
    if table == "emplois":
        return projet is not None and (projet.id, valeurs["annee"], valeurs["nature"]) in existants[table]
    if table == "financements":
        return (projet.id if projet else None, ptce.id if ptce else None, *cle[2:]) in existants[table]
    return False
