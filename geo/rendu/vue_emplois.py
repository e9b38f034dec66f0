"""What the Emplois et financements page shows for one territory and year, computed in one place.

The page only draws: every figure, table and chart below is computed once per (territory,
year, store counter, builds) and cached by the UI layer, so that a click on a chart or a
filter costs the drawing only. Filters (project, stage, funding year…) act on the tables
returned here, not on the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geo.donnees import emplois, financements, subventions
from geo.outils.text import accorder, nombre_fr
from geo.rendu import charts
from geo.territoires.referentiel import Referentiel, TerritoireId

SOURCE_FINANCEMENTS = "ANCT Ci.Ville (adultes-relais, FONJEP), Licence Ouverte 2.0 ; données saisies"
SOURCE_COMPARAISON = (
    "données saisies ; ANCT Ci.Ville ; INSEE Clap (part de l'ESS, valeur du département pour un EPCI "
    "ou une commune)"
)
NATURES = ("insertion", "encadrement", "autre")


def annees_des_libelles(libelles) -> str:
    """Years of funding labels (« 2021 », « 2018–2019 », « année inconnue ») in plain French."""
    annees_vues: set[int] = set()
    inconnues = 0
    for libelle in libelles:
        bornes = [int(b) for b in str(libelle).split("–") if b.isdigit()]
        if bornes:
            annees_vues |= set(range(bornes[0], bornes[-1] + 1))
        else:
            inconnues += 1
    return charts.texte_annees(sorted(annees_vues), inconnues)


def annees_disponibles(saisies, donnees_fin, donnees_sub) -> list[int]:
    """Every year some entered or published figure names, newest first."""
    return sorted(
        set(saisies.annees() if saisies is not None else [])
        | {int(a) for a in donnees_fin.postes.annee.dropna().unique()}
        | set(donnees_sub.annees()),
        reverse=True,
    )


@dataclass
class VueEmplois:
    bloc_emplois: dict | None
    bloc_fin: dict
    lignes_fin: pd.DataFrame
    comparaison: pd.DataFrame
    remarques: list[str]
    texte_annees_fin: str
    # Charts by name; « dispositif » and « financeur » groupings both ready.
    figures: dict = field(default_factory=dict)
    # Entered data only (None when the store is unreachable).
    projets: pd.DataFrame | None = None


def _tableau_projets(projets: pd.DataFrame, lignes: pd.DataFrame) -> pd.DataFrame:
    par_nature = (
        lignes.pivot_table(index="projet_id", columns="nature", values="nombre", aggfunc="sum", fill_value=0)
        if len(lignes)
        else pd.DataFrame(columns=list(NATURES))
    )
    tableau = projets.merge(par_nature, left_on="projet_id", right_index=True, how="left")
    for nature in NATURES:
        if nature not in tableau:
            tableau[nature] = 0
    return tableau


def _remarque_sans_chiffre(projets_sans_emplois: int) -> str | None:
    if not projets_sans_emplois:
        return None
    absents = accorder(projets_sans_emplois, "absent", avec_nombre=False)
    comptes = accorder(projets_sans_emplois, "compté", avec_nombre=False)
    return (
        f"{accorder(projets_sans_emplois, 'projet', 'projets')} sans chiffre d'emplois : {absents} du "
        f"graphique, jamais {comptes} pour zéro."
    )


def financements_choisis(
    lignes: pd.DataFrame, annee=None, dispositif: str | None = None, financeur: str | None = None
) -> pd.DataFrame:
    """The funding lines of one year, one scheme and one funder (``None``: every one)."""
    garder = pd.Series(True, index=lignes.index)
    for colonne, valeur in (("annee", annee), ("dispositif", dispositif), ("financeur", financeur)):
        if valeur is not None:
            garder &= lignes[colonne] == valeur
    return lignes[garder]


def resume_financements(choisies: pd.DataFrame, toutes: pd.DataFrame) -> str:
    """« 3 lignes sur 12 · 45 000 € au montant connu »: unknown amounts are not counted as zero."""
    return (
        f"{accorder(len(choisies), 'ligne')} sur {nombre_fr(len(toutes))} · "
        f"{nombre_fr(float(choisies.montant_eur.sum()))} € au montant connu"
    )


def calculer(
    ref: Referentiel,
    donnees_fin,
    saisies: emplois.DonneesSaisies | None,
    tid: TerritoireId | None,
    annee: int | None,
) -> VueEmplois:
    """Figures, tables and charts of the page for a territory and a year (``None``: all years)."""
    bloc_emplois = saisies.bloc(ref, tid, annee) if saisies is not None else None
    bloc_fin = financements.bloc(donnees_fin, saisies, ref, tid, annee)
    lignes_fin = financements.lignes_financements(donnees_fin, saisies, ref, tid, annee)
    ids_semences = financements.territoires_semences()
    # The territory on screen is compared with them too.
    ids_compares = ids_semences if tid is None or str(tid) in ids_semences else [*ids_semences, str(tid)]
    comparaison = financements.comparaison(donnees_fin, saisies, ref, ids_compares, annee)

    remarques = financements.remarques(bloc_emplois, bloc_fin)
    if annee is not None and saisies is not None:
        sans_annee = int(saisies.emplois_du_territoire(ref, tid).annee.isna().sum())
        if sans_annee:
            remarques.append(
                f"{accorder(sans_annee, 'ligne')} d'emplois sans année "
                + ("n'est comptée" if sans_annee < 2 else "ne sont comptées")
                + " que dans « Toutes les années »."
            )

    texte_annees_fin = str(annee) if annee is not None else annees_des_libelles(lignes_fin.annee)
    vue = VueEmplois(bloc_emplois, bloc_fin, lignes_fin, comparaison, remarques, texte_annees_fin)

    if saisies is not None:
        lignes = saisies.emplois_du_territoire(ref, tid, annee)
        documents = sorted({s.split(" : ")[0] for s in lignes.source})
        source_emplois = "données saisies" + (f" ; documents : {', '.join(documents)}" if documents else "")
        texte_annees_emplois = (
            str(annee)
            if annee is not None
            else charts.texte_annees([int(a) for a in lignes.annee.dropna()], int(lignes.annee.isna().sum()))
        )
        projets = saisies.projets_du_territoire(ref, tid)
        vue.projets = _tableau_projets(projets, lignes)
        vue.figures["emplois"] = charts.emplois_empiles(
            lignes,
            "projet",
            "Emplois créés par projet",
            source_emplois,
            texte_annees_emplois,
            remarque=_remarque_sans_chiffre(bloc_emplois["projets_sans_emplois"]),
        )
        vue.figures["etapes"] = charts.pipeline(projets, "Projets par étape", "données saisies")
        vue.figures["ratio"] = charts.emplois_pour_100k(
            emplois.table_ratio(saisies, ref, tid, annee),
            "Emplois créés pour 100 000 € reçus (projets et PTCE saisis)",
            "données saisies",
            texte_annees_emplois,
        )

    vue.figures["financements_annees"] = charts.financements_par_annee(
        lignes_fin,
        "Financements par année et par dispositif",
        SOURCE_FINANCEMENTS,
        texte_annees_fin,
        remarque=financements.sources_civille.NOTE_2025
        if "non_comparables" in bloc_fin["donnees_ouvertes"]
        else None,
    )
    for regroupement in ("dispositif", "financeur"):
        vue.figures[f"financements_{regroupement}"] = charts.financements_par_dispositif(
            lignes_fin,
            regroupement,
            f"Financements par {regroupement}",
            SOURCE_FINANCEMENTS,
            texte_annees_fin,
        )
    vue.figures["comparaison"] = charts.territoires_cote_a_cote(
        comparaison,
        "Emplois saisis, financements reçus et poids de l'ESS",
        SOURCE_COMPARAISON,
        (str(annee) if annee is not None else texte_annees_fin) + " ; part de l'ESS : dernière année publiée",
    )
    return vue


@dataclass
class VueSubventions:
    table: pd.DataFrame
    resume: dict
    bloc: dict
    groupes: pd.Series
    annees: pd.Series  # « 2021 » or « année inconnue » per convention
    figure: object


def subventions_du_territoire(
    donnees_sub, tid: TerritoireId | None, annee: int | None, sens: str, regroupement: str
) -> VueSubventions:
    """Published subsidies received (``sens="recues"``) or granted by the territory, grouped."""
    table = donnees_sub.recues(tid, annee) if sens == "recues" else donnees_sub.accordees(tid, annee)
    sans_annee = int(table.annee.isna().sum())
    annees_vues = [int(a) for a in table.annee.dropna()]
    figure = charts.subventions_par_annee(
        subventions.par_annee(table, regroupement),
        f"Subventions publiées par année et par {subventions.GROUPEMENTS[regroupement]}",
        subventions.texte_source(table),
        str(annee) if annee is not None else charts.texte_annees(annees_vues, sans_annee),
    )
    return VueSubventions(
        table=table,
        resume=subventions.resume(table),
        bloc=subventions.bloc(donnees_sub, tid, annee),
        groupes=subventions.groupes(table, regroupement),
        annees=table.annee.astype("Int64").astype("string").fillna("année inconnue"),
        figure=figure,
    )
