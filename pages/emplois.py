"""Emplois et financements : emplois créés par les projets et financements reçus par le territoire."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import charts, couche_ptce, emplois, financements, layers, subventions
from geo.store import ETAPES_PROJET, message_indisponible
from geo.text import accorder, nombre_fr
from ui import donnees, etat, page, sections, tableaux, telechargement

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
except Exception as erreur:  # an unreachable database: the open data still shows
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
annees = sorted(
    set(saisies.annees() if saisies is not None else [])
    | {int(a) for a in donnees_fin.postes.annee.dropna().unique()}
    | set(donnees_sub.annees()),
    reverse=True,
)
texte_annee = st.query_params.get(CLE_ANNEE, "")
annee_url = int(texte_annee) if texte_annee.isdigit() and int(texte_annee) in annees else None
st.session_state[CLE_ANNEE] = TOUTES if annee_url is None else annee_url


def _annee_choisie() -> None:
    valeur = st.session_state.get(CLE_ANNEE)
    if valeur == TOUTES:
        if CLE_ANNEE in st.query_params:
            del st.query_params[CLE_ANNEE]
    else:
        st.query_params[CLE_ANNEE] = str(valeur)


annee = st.selectbox(
    "Année",
    [TOUTES, *annees],
    format_func=lambda a: "Toutes les années" if a == TOUTES else str(a),
    key=CLE_ANNEE,
    on_change=_annee_choisie,
    help="S'applique à tous les chiffres, graphiques et tableaux de la page.",
)
annee = None if annee == TOUTES else annee

if saisies is not None:
    # Computed once per (territory, year, store counter): the page only draws.
    calculs = donnees.calculs_emplois(tid, annee)
    bloc_emplois, bloc_fin, lignes_fin = calculs["bloc_emplois"], calculs["bloc_fin"], calculs["lignes_fin"]
else:
    calculs = None
    bloc_emplois = None
    bloc_fin = financements.bloc(donnees_fin, saisies, ref, tid, annee)
    lignes_fin = financements.lignes_financements(donnees_fin, saisies, ref, tid, annee)
part = bloc_fin["part_ess_emploi_salarie"]

colonnes = st.columns(4)
if bloc_emplois is not None:
    colonnes[0].metric(
        "Emplois créés (saisis)",
        nombre_fr(bloc_emplois["crees_total"]),
        help=f"Insertion : {bloc_emplois['insertion']} · encadrement : {bloc_emplois['encadrement']} · "
        f"autre : {bloc_emplois['autre']}. Projets saisis dont le périmètre est dans le territoire.",
    )
colonnes[1].metric(
    "Financements reçus",
    f"{nombre_fr(bloc_fin['total_eur'])} €",
    help="Adultes-relais et postes FONJEP (ANCT Ci.Ville) et financements saisis au montant connu.",
)
colonnes[2].metric(
    "dont données ouvertes (Ci.Ville)",
    f"{nombre_fr(bloc_fin['donnees_ouvertes']['total_eur'])} €",
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
remarques = financements.remarques(bloc_emplois, bloc_fin)
if annee is not None and saisies is not None:
    sans_annee = int(saisies.emplois_du_territoire(ref, tid).annee.isna().sum())
    if sans_annee:
        remarques.append(
            f"{accorder(sans_annee, 'ligne')} d'emplois sans année "
            + ("n'est comptée" if sans_annee < 2 else "ne sont comptées")
            + " que dans « Toutes les années »."
        )
for remarque in remarques:
    st.info(remarque, icon=":material/info:")


def _point(evenement) -> object | None:
    """The ``customdata`` of the bar clicked, if any."""
    if not evenement:
        return None
    points = (evenement.get("selection") or {}).get("points") or []
    return points[0].get("customdata") if points else None


def graphique(fig, cle: str, au_clic) -> None:
    """Draw a chart whose click (a new one, not the same selection again) calls ``au_clic(customdata)``."""
    evenement = st.plotly_chart(
        fig,
        key=cle,
        on_select="rerun",
        selection_mode="points",
        width="stretch",
        config=charts.configuration_affichage(f"{cle}_{contexte.territoire.code or 'france'}"),
    )
    valeur = _point(evenement)
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
    st.session_state[_cle] = st.query_params.get(_parametre, TOUS)


# Jobs ------------------------------------------------------------------------------------

emplois_lignes = saisies.emplois_du_territoire(ref, tid, annee) if saisies is not None else None
documents = sorted({s.split(" : ")[0] for s in emplois_lignes.source}) if emplois_lignes is not None else []
source_emplois = "données saisies" + (f" ; documents : {', '.join(documents)}" if documents else "")
texte_annees_emplois = (
    str(annee)
    if annee is not None
    else charts.texte_annees(
        [int(a) for a in emplois_lignes.annee.dropna()] if emplois_lignes is not None else [],
        int(emplois_lignes.annee.isna().sum()) if emplois_lignes is not None else 0,
    )
)
source_fin = "ANCT Ci.Ville (adultes-relais, FONJEP), Licence Ouverte 2.0 ; données saisies"


def _annees_des_libelles(libelles) -> str:
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


texte_annees_fin = str(annee) if annee is not None else _annees_des_libelles(lignes_fin.annee)

st.subheader("Emplois créés")
if saisies is not None:
    graphique(
        charts.emplois_empiles(
            emplois_lignes,
            "projet",
            "Emplois créés par projet",
            source_emplois,
            texte_annees_emplois,
        ),
        "clic_emplois",
        _filtrer("filtre_projet"),
    )
    projets_territoire = saisies.projets_du_territoire(ref, tid)
    graphique(
        charts.pipeline(projets_territoire, "Projets par étape", "données saisies"),
        "clic_etapes",
        _filtrer("filtre_etape"),
    )
    graphique(
        charts.emplois_pour_100k(
            emplois.table_ratio(saisies, ref, tid, annee),
            "Emplois créés pour 100 000 € reçus (projets et PTCE saisis)",
            "données saisies",
            texte_annees_emplois,
        ),
        "clic_ratio",
        lambda _valeur: None,
    )

    # The table the clicks filter (the filters are plain widgets too: keyboard users choose here).
    tableau = projets_territoire.merge(
        (
            emplois_lignes.pivot_table(
                index="projet_id", columns="nature", values="nombre", aggfunc="sum", fill_value=0
            )
            if len(emplois_lignes)
            else pd.DataFrame(columns=["insertion", "encadrement", "autre"])
        ),
        left_on="projet_id",
        right_index=True,
        how="left",
    )
    for nature in ("insertion", "encadrement", "autre"):
        if nature not in tableau:
            tableau[nature] = 0
    filtres = st.columns(2)
    projets_options = [TOUS, *sorted(tableau.projet)]
    if st.session_state.get("filtre_projet") not in projets_options:
        st.session_state["filtre_projet"] = TOUS
    filtre_projet = filtres[0].selectbox(
        "Projet (ou cliquez sur une barre)",
        projets_options,
        format_func=lambda p: "Tous les projets" if p == TOUS else p,
        key="filtre_projet",
        on_change=_filtre_vers_url,
        args=("filtre_projet",),
    )
    etapes_options = [TOUS, *ETAPES_PROJET, "étape inconnue"]
    if st.session_state.get("filtre_etape") not in etapes_options:
        st.session_state["filtre_etape"] = TOUS
    filtre_etape = filtres[1].selectbox(
        "Étape (ou cliquez sur une barre)",
        etapes_options,
        format_func=lambda e: "Toutes les étapes" if e == TOUS else e,
        key="filtre_etape",
        on_change=_filtre_vers_url,
        args=("filtre_etape",),
    )
    if filtre_projet != TOUS:
        tableau = tableau[tableau.projet == filtre_projet]
    if filtre_etape != TOUS:
        tableau = tableau[tableau.etape.fillna("étape inconnue") == filtre_etape]
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
    choisies = saisies.restreindre(
        None if filtre_projet == TOUS else filtre_projet, None if filtre_etape == TOUS else filtre_etape
    )
    with st.expander(
        "Carte des PTCE et de leurs structures" + (" (sélection)" if choisies is not saisies else ""),
        expanded=choisies is not saisies,
        icon=":material/map:",
    ):
        st_folium(
            layers.dessiner(
                donnees.carte_preparee(tid),
                donnees.ressources_statiques(),
                [couche_ptce.surcouche_ptce(ref, choisies, tid)],
            ),
            key=f"carte-ptce-{tid or 'france'}-{filtre_projet}-{filtre_etape}",
            height=420,
            use_container_width=True,
            returned_objects=[],
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

st.subheader("Financements reçus")
# One chart per row: long labels stay readable, on phones too.
graphique(
    charts.financements_par_annee(
        lignes_fin,
        "Financements par année et par dispositif",
        source_fin,
        texte_annees_fin,
        remarque=financements.sources_civille.NOTE_2025
        if "non_comparables" in bloc_fin["donnees_ouvertes"]
        else None,
    ),
    "clic_annees",
    lambda valeur: st.session_state.update(
        filtre_annee_fin=valeur[0] if valeur else TOUS, filtre_dispositif=valeur[1] if valeur else TOUS
    ),
)
regroupement = st.radio(
    "Regrouper par", ["dispositif", "financeur"], horizontal=True, key="regroupement_financements"
)
graphique(
    charts.financements_par_dispositif(
        lignes_fin,
        regroupement,
        f"Financements par {regroupement}",
        source_fin,
        texte_annees_fin,
    ),
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
    on_change=_filtre_vers_url,
    args=("filtre_annee_fin",),
)
filtre_dispositif = filtres[1].selectbox(
    "Dispositif",
    options_dispositifs,
    format_func=lambda d: "Tous" if d == TOUS else d,
    key="filtre_dispositif",
    on_change=_filtre_vers_url,
    args=("filtre_dispositif",),
)
filtre_financeur = filtres[2].selectbox(
    "Financeur",
    options_financeurs,
    format_func=lambda f: "Tous" if f == TOUS else f,
    key="filtre_financeur",
    on_change=_filtre_vers_url,
    args=("filtre_financeur",),
)
for _cle in FILTRES_URL:
    _filtre_vers_url(_cle)
tableau_fin = lignes_fin
if filtre_annee_fin != TOUS:
    tableau_fin = tableau_fin[tableau_fin.annee == filtre_annee_fin]
if filtre_dispositif != TOUS:
    tableau_fin = tableau_fin[tableau_fin.dispositif == filtre_dispositif]
if filtre_financeur != TOUS:
    tableau_fin = tableau_fin[tableau_fin.financeur == filtre_financeur]
st.caption(
    f"{accorder(len(tableau_fin), 'ligne')} sur {nombre_fr(len(lignes_fin))} · "
    f"{nombre_fr(float(tableau_fin.montant_eur.sum()))} € au montant connu"
)
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
        "source": st.column_config.TextColumn("Source"),
    },
    key="tableau_financements",
)
telechargement.csv(
    "Télécharger les financements (CSV)",
    tableau_fin,
    f"financements_{territoire.code or 'france'}{'_' + str(annee) if annee else ''}.csv",
    "telecharger-financements",
)


# The seed territories side by side -------------------------------------------------------------

st.subheader("Territoires des documents de terrain, côte à côte")
if calculs is not None:
    comparaison = calculs["comparaison"]
else:
    ids_semences = financements.territoires_semences()
    # The territory on screen is compared with them too.
    ids_compares = ids_semences if tid is None or str(tid) in ids_semences else [*ids_semences, str(tid)]
    comparaison = financements.comparaison(donnees_fin, saisies, ref, ids_compares, annee)


def _ouvrir_territoire(valeur) -> None:
    st.session_state["territoire_compare"] = valeur


graphique(
    charts.territoires_cote_a_cote(
        comparaison,
        "Emplois saisis, financements reçus et poids de l'ESS",
        "données saisies ; ANCT Ci.Ville ; INSEE Clap (part de l'ESS, valeur du département pour un EPCI "
        "ou une commune)",
        (str(annee) if annee is not None else texte_annees_fin) + " ; part de l'ESS : dernière année publiée",
    ),
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

st.subheader("Subventions publiées par les collectivités")
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
        "sens_subventions": ("sub_sens", "recues"),
        "regroupement_subventions": ("sub_par", "type_aide"),
        "filtre_sub_annee": ("sub_annee", TOUS),
        "filtre_sub_groupe": ("sub_groupe", TOUS),
    }

    def _sub_vers_url(cle: str) -> None:
        parametre, defaut = FILTRES_SUB_URL[cle]
        etat.definir_parametre(parametre, str(st.session_state.get(cle, defaut)), defaut)

    for _cle, (_parametre, _defaut) in FILTRES_SUB_URL.items():
        st.session_state[_cle] = st.query_params.get(_parametre, _defaut)
    if st.session_state["sens_subventions"] not in SENS:
        st.session_state["sens_subventions"] = "recues"
    if st.session_state["regroupement_subventions"] not in subventions.GROUPEMENTS:
        st.session_state["regroupement_subventions"] = "type_aide"
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
    table_sub = donnees_sub.recues(tid, annee) if sens == "recues" else donnees_sub.accordees(tid, annee)
    resume_sub = subventions.resume(table_sub)
    places = resume_sub["beneficiaires_places"]
    ess = resume_sub["structures_ess"]
    cases = st.columns(4)
    cases[0].metric("Conventions", nombre_fr(resume_sub["conventions"]))
    cases[1].metric("Montant accordé", f"{nombre_fr(resume_sub['total_eur'])} €")
    cases[2].metric(
        "Bénéficiaires",
        nombre_fr(resume_sub["beneficiaires"]),
        help=f"Placés par leur identifiant : {nombre_fr(places['par_leur_identifiant'])} · comptés au "
        f"territoire de la collectivité qui attribue : {nombre_fr(places['au_territoire_de_l_attribuant'])}.",
    )
    cases[3].metric(
        "Part aux structures de l'ESS (au moins)",
        "inconnue" if ess["part_pct"] is None else f"{nombre_fr(ess['part_pct'], 1)} %",
        help=ess["note"],
    )
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
    sans_annee_sub = int(table_sub.annee.isna().sum())
    graphique(
        charts.subventions_par_annee(
            subventions.par_annee(table_sub, regroupement_sub),
            f"Subventions publiées par année et par {subventions.GROUPEMENTS[regroupement_sub]}",
            subventions.texte_source(table_sub),
            str(annee)
            if annee is not None
            else charts.texte_annees([int(a) for a in table_sub.annee.dropna()], sans_annee_sub),
        ),
        "clic_subventions",
        lambda valeur: st.session_state.update(
            filtre_sub_annee=str(valeur[0]) if valeur else TOUS,
            filtre_sub_groupe=valeur[1] if valeur else TOUS,
        ),
    )
    groupes_sub = subventions.groupes(table_sub, regroupement_sub)
    annees_sub = table_sub.annee.astype("Int64").astype("string").fillna("année inconnue")
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
        on_change=_sub_vers_url,
        args=("filtre_sub_annee",),
    )
    filtre_sub_groupe = filtres_sub[1].selectbox(
        subventions.GROUPEMENTS[regroupement_sub].capitalize(),
        options_sub_groupes,
        format_func=lambda g: "Tous" if g == TOUS else g,
        key="filtre_sub_groupe",
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
    bloc_sub = subventions.bloc(donnees_sub, tid, annee)
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
        key="tableau_subventions",
    )
    st.download_button(
        "Télécharger les subventions (CSV)",
        tableau_sub.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig"),
        file_name=f"subventions_{territoire.code or 'france'}{'_' + str(annee) if annee else ''}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
