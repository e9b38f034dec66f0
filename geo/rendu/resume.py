"""The compact summary that opens the Territoire page: one card per layer, each linking to its section.

On a phone the page is several thousand pixels tall: its four answers (QPV, communes without
shops, ESS structures, jobs and funding) come first, read from the very blocks the sections
below draw (no second computation). An unknown reads « — » with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.donnees import emplois, financements
from geo.outils.text import accorder, echapper, nombre_fr

# The sections' anchors on the Territoire page (``st.header(..., anchor=...)``).
ANCRE_QPV = "quartiers-prioritaires"
ANCRE_COMMERCES = "commerces"
ANCRE_STRUCTURES = "structures-ess"
ANCRE_EMPLOIS = "emplois-financements"

# Beyond this many names, the card says how many more the section lists.
NOMS_MONTRES = 8


@dataclass(frozen=True)
class Repere:
    ancre: str
    valeur: str
    libelle: str
    # Lines under the figure: what it counts, or why it is unknown.
    details: tuple[str, ...] = ()


def _qpv(bloc: dict | None, raison: str) -> Repere:
    if bloc is None:
        return Repere(ANCRE_QPV, "—", "quartiers prioritaires", (raison,))
    habitants = (
        f"{nombre_fr(bloc['population'])} habitants en QPV"
        if bloc.get("population") is not None
        else "habitants en QPV : — (population de référence des QPV 2024 non disponible)"
    )
    return Repere(
        ANCRE_QPV, nombre_fr(bloc["nombre"], inconnu="—"), "quartiers prioritaires (2024)", (habitants,)
    )


def _commerces(bloc: dict | None, raison: str) -> Repere:
    if bloc is None:
        return Repere(ANCRE_COMMERCES, "—", "communes sans aucun commerce", (raison,))
    communes = bloc.get("communes_sans_commerce") or []
    noms = [c["nom"] for c in communes[:NOMS_MONTRES]]
    reste = len(communes) - len(noms)
    details = [f"sur {accorder(bloc['nb_communes'], 'commune')} (BPE {bloc['millesime']})"]
    if noms:
        details.append(", ".join(noms) + (f" et {accorder(reste, 'autre')}" if reste else ""))
    return Repere(
        ANCRE_COMMERCES,
        nombre_fr(bloc["nb_communes_sans_commerce"], inconnu="—"),
        f"communes : {bloc['definition_libelle'].lower()}",
        tuple(details),
    )


def _structures(bloc: dict | None, raison: str) -> Repere:
    if bloc is None:
        return Repere(ANCRE_STRUCTURES, "—", "structures de l'ESS", (raison,))
    emplois_estimes = bloc.get("emplois_estimes")
    detail = (
        f"≈ {nombre_fr(emplois_estimes)} emplois (estimation par tranche d'effectif)"
        if emplois_estimes is not None
        else "emplois : — (effectifs inconnus dans la source)"
    )
    return Repere(ANCRE_STRUCTURES, nombre_fr(bloc["total"], inconnu="—"), "structures de l'ESS", (detail,))


def _emplois(bloc_emplois: dict | None, bloc_fin: dict | None, raison: str) -> Repere:
    if bloc_emplois is None or bloc_fin is None:
        return Repere(ANCRE_EMPLOIS, "—", "emplois créés (saisis)", (raison,))
    total = bloc_emplois.get("crees_total")
    details = []
    if total is None or emplois.precision_emplois_crees(bloc_emplois):
        details.append(emplois.precision_emplois_crees(bloc_emplois))
    financement = financements.texte_total(bloc_fin)
    raison_financement = financements.raison_total(bloc_fin)
    details.append(
        f"financements reçus : {financement}" + (f" ({raison_financement})" if raison_financement else "")
    )
    part = bloc_fin.get("part_ess_emploi_salarie") or {}
    if part.get("part_pct") is not None:
        details.append(
            f"part de l'ESS dans l'emploi salarié : {nombre_fr(part['part_pct'], 1)} %"
            + (f" ({part['annee']})" if part.get("annee") else "")
            + (f", {part['note']}" if part.get("note") else "")
        )
    return Repere(
        ANCRE_EMPLOIS,
        nombre_fr(total, inconnu="—"),
        "emplois créés (saisis)",
        tuple(d for d in details if d),
    )


def reperes(
    bloc_qpv: dict | None,
    bloc_commerces: dict | None,
    bloc_structures: dict | None,
    bloc_emplois: dict | None,
    bloc_fin: dict | None,
    raisons: dict[str, str],
) -> list[Repere]:
    """The four cards, in the sections' order; a ``None`` block is unknown, for ``raisons[ancre]``."""
    return [
        _qpv(bloc_qpv, raisons.get(ANCRE_QPV, "données non disponibles")),
        _commerces(bloc_commerces, raisons.get(ANCRE_COMMERCES, "données non disponibles")),
        _structures(bloc_structures, raisons.get(ANCRE_STRUCTURES, "données non disponibles")),
        _emplois(bloc_emplois, bloc_fin, raisons.get(ANCRE_EMPLOIS, "données non disponibles")),
    ]


def html(liste: list[Repere]) -> str:
    """The cards as HTML links to their sections (every text escaped): two to a row, even on a phone."""
    cartes = "".join(
        f'<a class="ess-repere" href="#{r.ancre}">'
        f'<span class="ess-repere-valeur">{echapper(r.valeur)}</span>'
        f'<span class="ess-repere-libelle">{echapper(r.libelle)}</span>'
        + "".join(f'<span class="ess-repere-detail">{echapper(d)}</span>' for d in r.details)
        + "</a>"
        for r in liste
    )
    return f'<nav class="ess-reperes" aria-label="En bref">{cartes}</nav>'


def comparaison_html(table: pd.DataFrame, raison_inconnu: str) -> str:
    """The comparison with the enclosing territories for a phone: one indicator after the other,
    each territory's value on its own line (a grid of a column per territory shows only the
    names at 390 px). ``table`` as :func:`geo.donnees.indicators.comparaison`; every text escaped.
    """
    territoires = [c for c in table.columns if c not in ("indicateur", "decimales")]
    lignes = []
    inconnu = False
    for _, ligne in table.iterrows():
        lignes.append(f'<tr><th colspan="2" scope="colgroup">{echapper(ligne["indicateur"])}</th></tr>')
        for nom in territoires:
            valeur = ligne[nom]
            inconnu = inconnu or pd.isna(valeur)
            texte = "—" if pd.isna(valeur) else nombre_fr(float(valeur), int(ligne["decimales"]))
            lignes.append(f'<tr><th scope="row">{echapper(nom)}</th><td>{echapper(texte)}</td></tr>')
    note = f'<p class="ess-comparaison-note">« — » : {echapper(raison_inconnu)}</p>' if inconnu else ""
    return f'<table class="ess-comparaison-etroite">{"".join(lignes)}</table>{note}'
