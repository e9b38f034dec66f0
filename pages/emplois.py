"""Emplois et financements : emplois créés par les projets et financements reçus par le territoire."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.base.store import ETAPE_INCONNUE, ETAPES_PROJET, BaseInaccessible, message_indisponible
from geo.donnees import emplois, financements, subventions
from geo.outils.text import accorder, nombre_fr, texte_brut
from geo.rendu import charts, surcouches, vue_emplois
from ui import carte as carte_ui
from ui import donnees, etat, graphiques, page, sections, tableaux, telechargement

CLE_ANNEE = "annee"
# Streamlit shows a placeholder, not format_func(None), for a None value: sentinels instead.
TOUTES = "toutes"
TOUS = "tous"

contexte = page.contexte()
ref, tid, territoire = contexte.ref, contexte.tid, contexte.territoire

st.title("Emplois et financements")
st.caption(f"{territoire.nom} · {territoire.libelle_niveau}")

try:
    saisies = donnees.saisies()
except BaseInaccessible as erreur:  # the open data still shows
    st.error(message_indisponible(erreur), icon=":material/database_off:")
    saisies = None
donnees_fin = donnees.donnees_financements()
if not donnees_fin.disponible:
    st.info(
        "Les financements publics en données ouvertes (ANCT Ci.Ville) ne sont pas disponibles sur ce "
        "serveur : voir la page Sources pour les fichiers à fournir.",
        icon=":material/cloud_off:",
    )


# Year: in the URL (?annee=2022), applied to every chart and figure of the page.
donnees_sub = donnees.donnees_subventions()
annees = vue_emplois.annees_disponibles(saisies, donnees_fin, donnees_sub)
annee_url = etat.annee(annees)
st.session_state[CLE_ANNEE] = TOUTES if annee_url is None else annee_url


def _annee_choisie() -> None:
    valeur = st.session_state.get(CLE_ANNEE)
    etat.choisir_annee(None if valeur == TOUTES else valeur)


# Each year says which funding sources cover it here (from their data): a year none covers is unknown.
couverture = donnees.couverture_annees(tid, avec_saisies=saisies is not None)
annee = st.selectbox(
    "Année",
    [TOUTES, *annees],
    format_func=lambda a: "Toutes les années" if a == TOUTES else financements.libelle_annee(a, couverture),
    key=CLE_ANNEE,
    placeholder=page.CHOISIR,
    on_change=_annee_choisie,
    help="S'applique à tous les chiffres, graphiques et tableaux de la page. Chaque année dit quelles "
    "sources de financement la couvrent pour ce territoire.",
)
annee = None if annee == TOUTES else annee

# Computed once per (territory, year, store counter, builds): the page only draws.
vue = donnees.vue_emplois(tid, annee, avec_saisies=saisies is not None)
bloc_emplois, bloc_fin, lignes_fin = vue.bloc_emplois, vue.bloc_fin, vue.lignes_fin
part = bloc_fin["part_ess_emploi_salarie"]

colonnes = st.columns(4)
if bloc_emplois is not None:
    colonnes[0].metric(
        "Emplois créés (saisis)",
        emplois.valeur_emplois_crees(bloc_emplois),
        help=f"{emplois.texte_natures(bloc_emplois)}. Projets saisis dont le périmètre est dans le "
        "territoire.",
    )
    if emplois.precision_emplois_crees(bloc_emplois):
        colonnes[0].caption(emplois.precision_emplois_crees(bloc_emplois))
sections.financements_recus(colonnes[1], bloc_fin)
colonnes[2].metric(
    "dont données ouvertes (Ci.Ville)",
    financements.texte_ouvertes(bloc_fin),
    help=f"{accorder(bloc_fin['donnees_ouvertes']['postes'], 'poste')} d'adultes-relais et FONJEP.",
)
if part and part.get("part_pct") is not None:
    colonnes[3].metric(
        f"Part de l'ESS dans l'emploi salarié ({part['annee']})",
        f"{nombre_fr(part['part_pct'], 1)} %",
        help=(part.get("note", "") + " — " if part.get("note") else "") + financements.SOURCE_PART_ESS,
    )
else:
    colonnes[3].metric(
        "Part de l'ESS dans l'emploi salarié",
        "inconnue",
        help=(part or {}).get("raison", "Publiée par département et région seulement."),
    )

if part and part.get("note") and part.get("part_pct") is not None:
    st.caption(f"Part de l'ESS : {nombre_fr(part['part_pct'], 1)} %, {part['note']}.")
sections.constats_de_la_page(contexte, ("part_ess_emploi_pct", "cooperatives"))
remarques = vue.remarques
for remarque in remarques:
    st.info(remarque, icon=":material/info:")


def graphique(fig, cle: str, au_clic) -> None:
    """Draw a chart whose click (a new one, not the same selection again) calls ``au_clic(valeur)``,
    ``valeur`` being what the bar clicked stands for (:func:`geo.rendu.charts.valeur_cliquee`)."""
    evenement = graphiques.afficher(
        fig,
        cle,
        lieu=contexte.territoire.nom,
        on_select="rerun",
        width="stretch",
    )
    valeur = charts.valeur_cliquee(fig, evenement)
    memo = f"_dernier_{cle}"
    if repr(valeur) != st.session_state.get(memo, repr(None)):
        st.session_state[memo] = repr(valeur)
        au_clic(valeur)


def _filtrer(cle: str):
    def _appliquer(valeur) -> None:
        st.session_state[cle] = TOUS if valeur is None else valeur

    return _appliquer


# Filters chosen by a click or a list live in the URL too, so that a shared link shows them.
FILTRES_URL = {
    "filtre_projet": "projet",
    "filtre_etape": "etape",
    "filtre_annee_fin": "annee_fin",
    "filtre_dispositif": "dispositif",
    "filtre_financeur": "financeur",
}


def _filtre_vers_url(cle: str) -> None:
    etat.definir_parametre(FILTRES_URL[cle], str(st.session_state.get(cle, TOUS)), TOUS)


# The URL wins at the start of a run: list changes write it at once (on_change), clicks below.
for _cle, _parametre in FILTRES_URL.items():
    st.session_state[_cle] = etat.parametre(_parametre, TOUS)


# Jobs ------------------------------------------------------------------------------------

texte_annees_fin = vue.texte_annees_fin

st.header("Emplois créés")
if saisies is not None:
    graphique(vue.figures["emplois"], "clic_emplois", _filtrer("filtre_projet"))
    graphique(vue.figures["etapes"], "clic_etapes", _filtrer("filtre_etape"))
    graphique(vue.figures["ratio"], "clic_ratio", lambda _valeur: None)

    # The table the clicks filter (the filters are plain widgets too: keyboard users choose here).
    tableau = vue.projets
    filtres = st.columns(2)
    projets_options = [TOUS, *sorted(tableau.projet)]
    if st.session_state.get("filtre_projet") not in projets_options:
        st.session_state["filtre_projet"] = TOUS
    filtre_projet = filtres[0].selectbox(
        "Projet (ou cliquez sur une barre)",
        projets_options,
        format_func=lambda p: "Tous les projets" if p == TOUS else p,
        key="filtre_projet",
        placeholder=page.CHOISIR,
        on_change=_filtre_vers_url,
        args=("filtre_projet",),
    )
    etapes_options = [TOUS, *ETAPES_PROJET, ETAPE_INCONNUE]
    if st.session_state.get("filtre_etape") not in etapes_options:
        st.session_state["filtre_etape"] = TOUS
    filtre_etape = filtres[1].selectbox(
        "Étape (ou cliquez sur une barre)",
        etapes_options,
        format_func=lambda e: "Toutes les étapes" if e == TOUS else e,
        key="filtre_etape",
        placeholder=page.CHOISIR,
        on_change=_filtre_vers_url,
        args=("filtre_etape",),
    )
    projet_choisi = None if filtre_projet == TOUS else filtre_projet
    etape_choisie = None if filtre_etape == TOUS else filtre_etape
    tableau = tableau[emplois.projets_choisis(tableau, projet_choisi, etape_choisie)]
    tableaux.afficher(
        tableau[["projet", "ptce", "etape", "secteur", "insertion", "encadrement", "autre", "source"]],
        raison_inconnu="non dit par la source (projet saisi ou document de terrain) : jamais remplacé par "
        "zéro.",
        column_config={
            "projet": st.column_config.TextColumn("Projet"),
            "ptce": st.column_config.TextColumn("PTCE"),
            "etape": st.column_config.TextColumn("Étape"),
            "secteur": st.column_config.TextColumn("Secteur"),
            "insertion": st.column_config.NumberColumn("Insertion"),
            "encadrement": st.column_config.NumberColumn("Encadrement"),
            "autre": st.column_config.NumberColumn("Autre"),
            "source": st.column_config.TextColumn("Source", width="large"),
        },
        key="tableau_projets",
    )
    # The same selection on the map: the chosen project's PTCE perimeter and structures.
    choisies = saisies.restreindre(projet_choisi, etape_choisie)
    selection = choisies is not saisies
    # Drawn only once opened (issue 33): closed, its map frame cost the page's opening a tenth of
    # a second of the browser's time for nothing seen. A selection opens it: a key of its own.
    boite_carte = st.expander(
        "Carte des PTCE et de leurs structures" + (" (sélection)" if selection else ""),
        expanded=selection,
        icon=":material/map:",
        key="carte_ptce_selection" if selection else "carte_ptce",
        on_change="rerun",
    )
    with boite_carte:
        if boite_carte.open:
            carte_ui.afficher(
                tid,
                [surcouches.ptce.surcouche(ref, choisies, tid)],
                cle="carte-ptce",
                hauteur=420,
                page_courante="emplois",
            )
        st.caption(
            "Périmètres déclarés des PTCE et structures saisies (point au centre de leur commune). "
            "Source : données saisies et documents de terrain."
        )
    st.page_link(
        "pages/saisie.py",
        label="Saisir ou importer des projets, emplois et financements",
        icon=":material/edit_note:",
        query_params=etat.parametres(),
    )


# Funding ----------------------------------------------------------------------------------

st.header("Financements reçus")
# One chart per row: long labels stay readable, on phones too.
graphique(
    vue.figures["financements_annees"],
    "clic_annees",
    lambda valeur: st.session_state.update(
        filtre_annee_fin=valeur[0] if valeur else TOUS, filtre_dispositif=valeur[1] if valeur else TOUS
    ),
)
regroupement = st.radio(
    "Regrouper par", ["dispositif", "financeur"], horizontal=True, key="regroupement_financements"
)
graphique(
    vue.figures[f"financements_{regroupement}"],
    "clic_dispositifs",
    lambda valeur: st.session_state.update(
        filtre_dispositif=valeur if valeur and regroupement == "dispositif" else TOUS,
        filtre_financeur=valeur if valeur and regroupement == "financeur" else TOUS,
    ),
)

filtres = st.columns(3)
options_annees = [TOUS, *sorted(lignes_fin.annee.unique())]
options_dispositifs = [TOUS, *sorted(lignes_fin.dispositif.dropna().unique())]
options_financeurs = [TOUS, *sorted(lignes_fin.financeur.dropna().unique())]
for cle, options in (
    ("filtre_annee_fin", options_annees),
    ("filtre_dispositif", options_dispositifs),
    ("filtre_financeur", options_financeurs),
):
    if st.session_state.get(cle) not in options:
        st.session_state[cle] = TOUS
filtre_annee_fin = filtres[0].selectbox(
    "Année du financement",
    options_annees,
    format_func=lambda a: "Toutes" if a == TOUS else a,
    key="filtre_annee_fin",
    placeholder=page.CHOISIR,
    on_change=_filtre_vers_url,
    args=("filtre_annee_fin",),
)
filtre_dispositif = filtres[1].selectbox(
    "Dispositif",
    options_dispositifs,
    format_func=lambda d: "Tous" if d == TOUS else d,
    key="filtre_dispositif",
    placeholder=page.CHOISIR,
    on_change=_filtre_vers_url,
    args=("filtre_dispositif",),
)
filtre_financeur = filtres[2].selectbox(
    "Financeur",
    options_financeurs,
    format_func=lambda f: "Tous" if f == TOUS else f,
    key="filtre_financeur",
    placeholder=page.CHOISIR,
    on_change=_filtre_vers_url,
    args=("filtre_financeur",),
)
for _cle in FILTRES_URL:
    _filtre_vers_url(_cle)
tableau_fin = vue_emplois.financements_choisis(
    lignes_fin, *(None if f == TOUS else f for f in (filtre_annee_fin, filtre_dispositif, filtre_financeur))
)
st.caption(vue_emplois.resume_financements(tableau_fin, lignes_fin))
tableaux.afficher(
    tableau_fin,
    decimales={"montant_eur": 0},
    raison_inconnu="non dit par la source (montant, année, financeur ou dispositif non donnés).",
    column_config={
        "origine": st.column_config.TextColumn("Origine"),
        "annee": st.column_config.TextColumn("Année"),
        "dispositif": st.column_config.TextColumn("Dispositif"),
        "financeur": st.column_config.TextColumn("Financeur"),
        "beneficiaire": st.column_config.TextColumn("Bénéficiaire"),
        "montant_eur": st.column_config.NumberColumn("Montant (€)"),
        "comparable": st.column_config.CheckboxColumn(
            "Comparable", help=financements.sources_civille.NOTE_2025
        ),
        "rattachement": st.column_config.TextColumn("Rattachement au territoire"),
        "precisions": st.column_config.TextColumn("Précisions"),
        "source": st.column_config.TextColumn("Source"),
    },
    key="tableau_financements",
)
# What a scheme's label means, in its source's words (entered text: shown as plain text).
for phrase in financements.legende_dispositifs(tableau_fin):
    st.caption(texte_brut(phrase))
telechargement.csv(
    "Télécharger les financements (CSV)",
    tableau_fin,
    f"financements_{territoire.code or 'france'}{'_' + str(annee) if annee else ''}.csv",
    "telecharger-financements",
)


# The seed territories side by side -------------------------------------------------------------

st.header("Territoires des documents de terrain, côte à côte")
comparaison = vue.comparaison


def _ouvrir_territoire(valeur) -> None:
    st.session_state["territoire_compare"] = valeur


graphique(
    vue.figures["comparaison"],
    "clic_comparaison",
    _ouvrir_territoire,
)
choisi = st.session_state.get("territoire_compare")
if choisi:
    ligne = comparaison[comparaison.nom == choisi]
    if len(ligne):
        st.button(
            f"Afficher {choisi}",
            icon=":material/arrow_forward:",
            on_click=etat.choisir_territoire,
            args=(ligne.id.iloc[0],),
        )


# Subsidies published by local authorities (SCDL) -----------------------------------------------

st.header("Subventions publiées par les collectivités", anchor=surcouches.subventions.ANCRE_TABLEAU)
if not donnees_sub.disponible:
    st.info(
        "Aucun fichier de subventions publié au format SCDL n'est disponible sur ce serveur : voir la "
        "page Sources.",
        icon=":material/cloud_off:",
    )
else:
    SENS = {
        "recues": "reçues par les bénéficiaires du territoire",
        "accordees": "accordées par les collectivités du territoire",
    }
    # The section's choices live in the URL too (a shared link shows the same selection).
    FILTRES_SUB_URL = {
        "sens_subventions": ("sub_sens", "recues", SENS),
        "regroupement_subventions": ("sub_par", "type_aide", subventions.GROUPEMENTS),
        "filtre_sub_annee": ("sub_annee", TOUS, None),
        "filtre_sub_groupe": ("sub_groupe", TOUS, None),
    }

    def _sub_vers_url(cle: str) -> None:
        parametre, defaut, _permises = FILTRES_SUB_URL[cle]
        etat.definir_parametre(parametre, str(st.session_state.get(cle, defaut)), defaut)

    for _cle, (_parametre, _defaut, _permises) in FILTRES_SUB_URL.items():
        st.session_state[_cle] = etat.parametre(_parametre, _defaut, _permises)
    sens = st.radio(
        "Subventions",
        list(SENS),
        format_func=SENS.get,
        horizontal=True,
        key="sens_subventions",
        on_change=_sub_vers_url,
        args=("sens_subventions",),
        help="Reçues : placées au territoire par le bénéficiaire (SIRET ou SIREN), sinon par la "
        "collectivité qui attribue. Accordées : attribuées par une commune, un EPCI, le département "
        "ou la région du territoire.",
    )
    regroupement_sub = st.session_state["regroupement_subventions"]
    vue_sub = donnees.vue_subventions(tid, annee, sens, regroupement_sub)
    table_sub, resume_sub = vue_sub.table, vue_sub.resume
    places = resume_sub["beneficiaires_places"]
    ess = resume_sub["structures_ess"]
    # No published file concerns the territory (that year): « — », never 0 €.
    inconnues = subventions.sans_couverture(couverture, annee)
    if inconnues:
        st.info(inconnues, icon=":material/help:")
    cases = st.columns(4)
    cases[0].metric("Conventions", "—" if inconnues else nombre_fr(resume_sub["conventions"]))
    cases[1].metric("Montant accordé", "—" if inconnues else f"{nombre_fr(resume_sub['total_eur'])} €")
    cases[2].metric(
        "Bénéficiaires",
        "—" if inconnues else nombre_fr(resume_sub["beneficiaires"]),
        help="Placés par leur identifiant dans les données officielles (ou une commune par son nom) : "
        f"{nombre_fr(places['par_leur_identifiant'])} · placés grâce à une contribution vérifiée : "
        f"{nombre_fr(places['par_une_contribution'])} · comptés au territoire de la collectivité qui "
        f"attribue : {nombre_fr(places['au_territoire_de_l_attribuant'])}.",
    )
    cases[3].metric(
        "Part aux structures de l'ESS (au moins)",
        "inconnue" if inconnues or ess["part_pct"] is None else f"{nombre_fr(ess['part_pct'], 1)} %",
        help=ess["note"],
    )
    # Placed by a structure the public proposed, not by official data: said beside the figures.
    par_contribution = None if inconnues else subventions.texte_contributions(resume_sub)
    if par_contribution:
        st.info(par_contribution, icon=":material/verified_user:")
    st.caption(subventions.NOTE_PERIMETRE)
    regroupement_sub = st.radio(
        "Regrouper par",
        list(subventions.GROUPEMENTS),
        format_func=subventions.GROUPEMENTS.get,
        horizontal=True,
        key="regroupement_subventions",
        on_change=_sub_vers_url,
        args=("regroupement_subventions",),
    )
    graphique(
        vue_sub.figure,
        "clic_subventions",
        lambda valeur: st.session_state.update(
            filtre_sub_annee=str(valeur[0]) if valeur else TOUS,
            filtre_sub_groupe=valeur[1] if valeur else TOUS,
        ),
    )
    groupes_sub, annees_sub = vue_sub.groupes, vue_sub.annees
    options_sub_annees = [TOUS, *sorted(annees_sub.unique())]
    options_sub_groupes = [TOUS, *sorted(groupes_sub.dropna().unique())]
    for cle, options in (
        ("filtre_sub_annee", options_sub_annees),
        ("filtre_sub_groupe", options_sub_groupes),
    ):
        if st.session_state.get(cle) not in options:
            st.session_state[cle] = TOUS
    filtres_sub = st.columns(2)
    filtre_sub_annee = filtres_sub[0].selectbox(
        "Année de la convention (ou cliquez sur une barre)",
        options_sub_annees,
        format_func=lambda a: "Toutes" if a == TOUS else a,
        key="filtre_sub_annee",
        placeholder=page.CHOISIR,
        on_change=_sub_vers_url,
        args=("filtre_sub_annee",),
    )
    filtre_sub_groupe = filtres_sub[1].selectbox(
        subventions.GROUPEMENTS[regroupement_sub].capitalize(),
        options_sub_groupes,
        format_func=lambda g: "Tous" if g == TOUS else g,
        key="filtre_sub_groupe",
        placeholder=page.CHOISIR,
        on_change=_sub_vers_url,
        args=("filtre_sub_groupe",),
    )
    for _cle in FILTRES_SUB_URL:
        _sub_vers_url(_cle)
    choix = pd.Series(True, index=table_sub.index)
    if filtre_sub_annee != TOUS:
        choix &= annees_sub == filtre_sub_annee
    if filtre_sub_groupe != TOUS:
        choix &= groupes_sub == filtre_sub_groupe
    tableau_sub = subventions.tableau(table_sub[choix.fillna(False).astype(bool)])
    bloc_sub = vue_sub.bloc
    st.caption(
        f"{accorder(len(tableau_sub), 'convention')} sur {nombre_fr(len(table_sub))} · "
        f"{nombre_fr(float(tableau_sub['Montant (€)'].sum()))} € · "
        f"{accorder(bloc_sub['lignes_refusees'], 'ligne refusée', 'lignes refusées')} "
        "dans les fichiers publiés de ce "
        "territoire (défauts détaillés sur la page Sources)"
    )
    tableaux.afficher(
        tableau_sub,
        decimales={"Montant (€)": 2},
        raison_inconnu="absent du fichier publié.",
        vide="Aucune subvention publiée pour cette sélection.",
        key="tableau_subventions",
    )
    telechargement.csv(
        "Télécharger les subventions (CSV)",
        tableau_sub,
        f"subventions_{territoire.code or 'france'}{'_' + str(annee) if annee else ''}.csv",
        "telecharger-subventions-csv",
        decimales={"Montant (€)": 2},
    )
