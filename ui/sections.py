"""Blocks of figures shown on several pages (one function each, not pasted per page)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from geo.outils.text import nombre_fr, texte_brut
from geo.rendu import resume

# Big figures, two cards to a row on a phone (st.columns would stack them one per screen line),
# four on a computer; each card is a link to its section.
_STYLE_EN_BREF = """
<style>
.ess-reperes { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 0.5rem; }
.ess-repere {
  display: flex; flex-direction: column; gap: 0.15rem; padding: 0.6rem 0.75rem; border-radius: 0.5rem;
  border: 1px solid rgba(49, 51, 63, 0.2); color: inherit !important; text-decoration: none !important;
}
.ess-repere:hover { border-color: #1c62b9; }
.ess-repere-valeur { font-size: 2rem; font-weight: 600; line-height: 1.15; }
.ess-repere-libelle { font-weight: 600; }
.ess-repere-detail { font-size: 0.875rem; color: #4a4a4a; }
/* The sidebar's own « Partager cette vue » is at hand on a computer: this copy is for phones. */
@media (min-width: 768px) { .st-key-partager-en-bref { display: none; } }
</style>
"""


# Under 640 px the grid (a column per territory) showed only the names: a list instead.
_STYLE_COMPARAISON_ETROITE = """
<style>
@media (max-width: 640px) { .st-key-comparaison-large { display: none; } }
@media (min-width: 641px) { .st-key-comparaison-etroite { display: none; } }
.ess-comparaison-etroite { width: 100%; border-collapse: collapse; font-size: 0.95rem; }
.ess-comparaison-etroite th[scope=colgroup] { text-align: left; padding: 0.7rem 0 0.2rem; }
.ess-comparaison-etroite th[scope=row] {
  text-align: left; font-weight: normal; padding: 0.15rem 0.5rem 0.15rem 0;
}
.ess-comparaison-etroite td { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.ess-comparaison-etroite tr:has(> td) { border-bottom: 1px solid rgba(49, 51, 63, 0.1); }
.ess-comparaison-note { font-size: 0.875rem; color: #4a4a4a; }
</style>
"""


def en_bref(reperes: list) -> None:
    """The Territoire page's summary (geo.rendu.resume): each layer's figure, a link to its section."""
    st.html(_STYLE_EN_BREF + resume.html(reperes))


def chiffres_qpv(bloc: dict) -> None:
    """Three big figures for the QPV block of a territory (see geo.donnees.qpv.DonneesQPV.bloc)."""
    colonnes = st.columns(3)
    colonnes[0].metric(
        "Quartiers prioritaires (2024)", nombre_fr(bloc["nombre"]), help=bloc.get("note_total_national")
    )
    colonnes[1].metric(
        "Habitants en QPV",
        nombre_fr(bloc["population"]),
        help=f"Population : {bloc['millesime_population'] or 'non disponible pour les QPV 2024'}.",
    )
    part = bloc["part_population_pct"]
    colonnes[2].metric(
        "Part de la population",
        f"{nombre_fr(part, 1)} %" if part is not None else "inconnue",
        help=bloc.get("raison_part_inconnue"),
    )
    if bloc.get("note_total_national"):
        # The national total is never shown without the QPV of the official file it leaves out.
        st.caption(bloc["note_total_national"])
    if bloc["population"] is None and bloc["nombre"]:
        st.caption(
            "Population des QPV 2024 inconnue ici : fichier de l'INSEE « population de référence "
            "QPV 2024 » non disponible (voir Sources). Elle n'est pas estimée."
        )


@dataclass(frozen=True)
class ChiffreCle:
    libelle: str
    valeur: str
    aide: str | None = None
    # Said under the figure ("sur 47 communes"), not inside a value a narrow column would cut.
    detail: str | None = None


def _communes(nombre: int | None) -> str:
    return f"{nombre_fr(nombre)} commune" + ("" if nombre is not None and nombre <= 1 else "s")


def figures_cles(contexte) -> list[ChiffreCle]:
    """The territory's key figures (presentation mode), in display order."""
    from geo.donnees import indicators, qpv
    from ui import donnees

    territoire = contexte.territoire
    figures = [
        ChiffreCle(
            "Habitants",
            nombre_fr(territoire.population),
            f"Population municipale {territoire.millesime_population} (INSEE)"
            + (f". {territoire.note_population}" if territoire.note_population else ""),
        ),
        ChiffreCle("Communes", nombre_fr(territoire.nb_communes)),
        ChiffreCle("Habitants au km²", nombre_fr(indicators.densite(territoire))),
    ]
    recensement = contexte.ref.chiffres_recensement(contexte.tid)
    if recensement is not None and recensement["taux_chomage_pct"] is not None:
        figures.append(
            ChiffreCle(
                "Chômage des 15–64 ans",
                f"{nombre_fr(recensement['taux_chomage_pct'], 1)} %",
                "Recensement 2021 (INSEE) : chômeurs / actifs de 15 à 64 ans",
            )
        )
    donnees_qpv = donnees.donnees_qpv()
    if donnees_qpv.disponible:
        bloc = donnees_qpv.bloc(contexte.ref, contexte.tid)
        figures.append(
            ChiffreCle(
                "Quartiers prioritaires",
                nombre_fr(bloc["nombre"]),
                "Géographie prioritaire 2024 (ANCT)",
                qpv.note_legende_nationale(bloc["nombre"], bloc.get("qpv_2024_non_comptes") or {}),
            )
        )
    donnees_commerces = donnees.donnees_commerces()
    if donnees_commerces.disponible:
        bloc = donnees.bloc_commerces(contexte.tid, "tous")
        figures.append(
            ChiffreCle(
                "Communes sans aucun commerce",
                nombre_fr(bloc["nb_communes_sans_commerce"]),
                f"BPE {bloc['millesime']} (INSEE)",
                detail=f"sur {_communes(bloc['nb_communes'])}",
            )
        )
    donnees_structures = donnees.donnees_structures()
    if donnees_structures.disponible:
        bloc = donnees_structures.bloc(contexte.ref, contexte.tid)
        figures.append(
            ChiffreCle(
                "Structures de l'ESS",
                nombre_fr(bloc["total"]),
                "Registre des structures (SIRENE, ASP, FINESS, ANCT)",
            )
        )
    return figures


def chiffres_cles(contexte, par_ligne: int = 4) -> None:
    """The territory's key figures in big type, ``par_ligne`` to a row (presentation mode)."""
    figures = figures_cles(contexte)
    for debut in range(0, len(figures), par_ligne):
        # Every row has the same columns, so that a figure keeps its width on the last row.
        colonnes = st.columns(par_ligne)
        for colonne, figure in zip(colonnes, figures[debut : debut + par_ligne], strict=False):
            colonne.metric(figure.libelle, figure.valeur, help=figure.aide)
            if figure.detail:
                colonne.caption(figure.detail)


def constats_de_terrain(contexte) -> None:
    """What the field documents state about the territory, each beside the open-data figure."""
    from geo.donnees import constats
    from ui import donnees

    liste = constats.constats(
        contexte.ref,
        contexte.tid,
        donnees.donnees_commerces(),
        donnees.donnees_structures(),
        donnees.donnees_financements(),
    )
    if not liste:
        return
    st.header("Ce que disent les documents de terrain")
    st.caption(
        "Chaque affirmation d'un document est placée à côté du chiffre des données ouvertes pour la même "
        "chose, avec sa source et son année : aucune des deux n'est retenue à la place de l'autre."
    )
    for constat in liste:
        st.markdown(f"- {texte_brut(constat.ligne)}")
    documents = sorted({c.document for c in liste})
    st.caption(texte_brut("Documents : " + ", ".join(documents) + " (pack de semences, page Sources)."))


# Tables of figures by territory: the pinned first column says what each row is, narrow enough
# that a phone shows a territory beside it (a wide screen gives it the room left over).
LARGEUR_INDICATEUR = 200


def comparaison(contexte) -> None:
    """Key figures beside the département, région and France: same indicators, same vintages."""
    from ui import donnees, etat, tableaux

    if contexte.tid is None:
        return
    table = donnees.comparaison(contexte.tid)
    if table.empty or len(table.columns) <= 3:
        return
    from geo.donnees import indicators

    st.header("Comparaison avec les territoires englobants")
    raison = (
        "chiffre non publié à cette échelle (la part de l'ESS dans l'emploi est publiée par "
        "département et région) ou donnée absente."
    )
    # Figures as rows and territories as columns: every territory shows at 1 400 px, the first
    # column saying what each row is (territories as rows hid figures behind a scroll). Both this
    # grid and a list are drawn, one shown by the screen's width (the server does not know it):
    # on a phone, one indicator after another.
    affiche = indicators.comparaison_a_lire(table)
    territoires = [c for c in affiche.columns if c != "Indicateur"]
    with st.container(key="comparaison-large"):
        tableaux.afficher(
            affiche,
            column_config={
                "Indicateur": st.column_config.TextColumn(
                    "Indicateur", pinned=True, width=LARGEUR_INDICATEUR
                ),
                **{
                    nom: st.column_config.TextColumn(
                        contexte.territoire.nom_court if nom == contexte.territoire.nom else nom, width=120
                    )
                    for nom in territoires
                },
            },
        )
        if (affiche[territoires] == "—").to_numpy().any():
            st.caption(f"« — » : {raison}")
    with st.container(key="comparaison-etroite"):
        st.html(_STYLE_COMPARAISON_ETROITE + resume.comparaison_html(table, raison))
    from geo.donnees import comparateur

    # The comparator opens on this territory and those that contain it; the reader adds others.
    st.page_link(
        "pages/comparer.py",
        label="Comparer avec d'autres territoires",
        icon=":material/compare_arrows:",
        # The view's parameters too, as every page link: the sidebar keeps the territory.
        query_params={
            **etat.parametres(),
            comparateur.CLE_URL: comparateur.texte_territoires(
                comparateur.pour_comparer(contexte.ref, contexte.tid)
            ),
        },
    )
    st.caption(
        "Mêmes indicateurs et mêmes millésimes pour chaque territoire : population et chômage INSEE "
        "(recensement 2021), commerces BPE (INSEE), structures du registre de l'application, part de l'ESS "
        "INSEE Clap (dernier millésime publié). "
        + (
            ""
            if contexte.ref.recensement is not None
            else "Recensement 2021 non disponible sur ce serveur : évolution et chômage inconnus."
        )
    )


def financements_recus(colonne, bloc_fin: dict) -> None:
    """The « Financements reçus » figure, or « — » with « aucune source pour 2019 » under it."""
    from geo.donnees import financements

    colonne.metric(
        "Financements reçus",
        financements.texte_total(bloc_fin),
        financements.raison_total(bloc_fin),
        delta_color="off",
        delta_arrow="off",
        help="Adultes-relais et postes FONJEP (ANCT Ci.Ville) et financements saisis au montant connu. "
        f"Années couvertes : {financements.texte_couverture(bloc_fin)}.",
    )


def emplois_financements(bloc_emplois: dict, bloc_fin: dict) -> None:
    """Jobs created and funding received, with what a zero leaves out and values borrowed from above."""
    from geo.donnees import emplois, financements

    colonnes = st.columns(3)
    colonnes[0].metric(
        "Emplois créés (saisis)",
        emplois.valeur_emplois_crees(bloc_emplois),
        help=f"{emplois.texte_natures(bloc_emplois)} ; projets saisis et pack des documents de terrain.",
    )
    if emplois.precision_emplois_crees(bloc_emplois):
        colonnes[0].caption(emplois.precision_emplois_crees(bloc_emplois))
    financements_recus(colonnes[1], bloc_fin)
    part = bloc_fin["part_ess_emploi_salarie"]
    colonnes[2].metric(
        "Part de l'ESS dans l'emploi salarié" + (f" ({part['annee']})" if part and part.get("annee") else ""),
        f"{nombre_fr(part['part_pct'], 1)} %" if part and part.get("part_pct") is not None else "inconnue",
        help=(part or {}).get("note") or (part or {}).get("raison") or "INSEE, Clap.",
    )
    if part and part.get("note") and part.get("part_pct") is not None:
        st.caption(f"Part de l'ESS : {nombre_fr(part['part_pct'], 1)} %, {part['note']}.")
    for remarque in financements.remarques(bloc_emplois, bloc_fin):
        st.info(remarque, icon=":material/info:")


def constats_de_la_page(contexte, indicateurs: tuple[str, ...]) -> None:
    """The field statements about this page's figures, beside the open-data figure (one line each)."""
    from ui import donnees

    liste = [c for c in donnees.constats_du_territoire(contexte.tid) if c.indicateur in indicateurs]
    for constat in liste:
        st.caption(texte_brut(constat.ligne) + f" (source du document : {texte_brut(constat.document)}).")
