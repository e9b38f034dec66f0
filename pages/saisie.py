"""Saisie : formulaire, import CSV ou Excel avec modèle, export de tout ce qui a été saisi.

Writing needs an account (ui.acces); the export stays open to everyone.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo.base import comptes, journal, saisie, saisie_export, saisie_fichiers, saisie_modele, semences
from geo.base.store import ETAPES_PROJET, NATURES_EMPLOI
from geo.donnees import emplois
from geo.outils.text import accorder, texte_brut
from geo.territoires.referentiel import TerritoireId
from ui import acces, donnees, page, tableaux

contexte = page.contexte()
ref = contexte.ref

st.title("Saisie des projets, emplois et financements")
st.caption(
    "Pour les animateurs de PTCE et les collectivités : les projets et leurs six étapes, les structures "
    "créées, les emplois (insertion, encadrement, autre) et les financements reçus. Chaque ligne garde sa "
    "source ; ce qui n'est pas connu reste vide."
)

depot, utilisateur = acces.ouvrir_ecriture()
_dans = comptes.dans_referentiel(ref)


def _connu(identifiant: str) -> bool:
    try:
        return ref.existe(TerritoireId.depuis_texte(identifiant))
    except ValueError:
        return False


def _afficher_refus(erreurs: list[saisie_modele.Erreur]) -> None:
    st.error(
        f"Rien n'a été enregistré : {accorder(len(erreurs), 'erreur')} à corriger.", icon=":material/error:"
    )
    tableaux.afficher(
        pd.DataFrame(
            [
                {"Feuille": e.feuille, "Ligne": e.ligne, "Colonne": e.colonne, "Problème": e.message}
                for e in erreurs
            ]
        )
    )


# Actions run as callbacks, before the page is drawn again: their outcome is kept
# in the session and shown once by the run that follows. Who is writing is asked again
# there: the account may have been disabled, or the session logged out, meanwhile.
def _resultat(action, administrateur: bool = False) -> None:
    auteur = None if comptes.lecture_seule() else acces.utilisateur_connecte()
    if auteur is None or (administrateur and not auteur.est_administrateur):
        st.session_state["_saisie_refus"] = [
            saisie_modele.Erreur(
                "",
                None,
                None,
                comptes.MESSAGE_LECTURE_SEULE
                if comptes.lecture_seule()
                else ("connectez-vous avec un compte qui a ce droit."),
            )
        ]
        return
    try:
        rapport = action(auteur)
    except saisie_modele.ImportRefuse as refus:
        st.session_state["_saisie_refus"] = refus.erreurs
    else:
        st.session_state["_saisie_message"] = " ".join([rapport.resume(), *rapport.remarques])


def _enregistrer_formulaire(table: str) -> None:
    valeurs = {}
    for colonne in saisie_modele.colonnes(table):
        valeur = st.session_state.get(f"champ_{table}_{colonne}")
        if isinstance(valeur, dt.date):
            valeur = valeur.strftime("%d/%m/%Y")
        valeurs[colonne] = valeur
    _resultat(
        lambda auteur: saisie.ajouter(depot, table, valeurs, connu=_connu, utilisateur=auteur, dans=_dans)
    )


def _importer() -> None:
    fichier = st.session_state.get("fichier_import")
    if fichier is None:
        st.session_state["_saisie_refus"] = [
            saisie_modele.Erreur("", None, None, "choisissez d'abord un fichier.")
        ]
        return
    # A file of 100 000 lines takes some seconds (a quarter of a minute on a busy machine): the
    # bar says how far it is.
    barre = st.progress(0.0, text="Import en cours…")
    _resultat(
        lambda auteur: saisie.importer(
            depot,
            fichier.getvalue(),
            fichier.name,
            connu=_connu,
            ignorer_doublons=bool(st.session_state.get("ignorer_doublons")),
            utilisateur=auteur,
            dans=_dans,
            progression=lambda part, texte: barre.progress(part, text=texte),
        )
    )
    barre.empty()


def _recharger_semences() -> None:
    _resultat(lambda auteur: semences.semer(depot, connu=_connu, utilisateur=auteur), administrateur=True)


def _annuler_import() -> None:
    auteur = acces.utilisateur_connecte()
    lot = st.session_state.get("lot_a_annuler")
    if auteur is None or not auteur.est_administrateur or comptes.lecture_seule() or not lot:
        st.session_state["_saisie_refus"] = [
            saisie_modele.Erreur("", None, None, "réservé aux administrateurs.")
        ]
        return
    try:
        nombre = journal.annuler_lot(depot, lot, auteur.identifiant)
    except journal.AnnulationImpossible as refus:
        st.session_state["_saisie_refus"] = [saisie_modele.Erreur("", None, None, str(refus))]
    else:
        st.session_state["_saisie_message"] = (
            f"Import annulé : {accorder(nombre, 'ligne retirée', 'lignes retirées')}, "
            f"{accorder(nombre, 'notée', avec_nombre=False)} au journal."
        )


message = st.session_state.pop("_saisie_message", None)
if message:
    st.success(texte_brut(message), icon=":material/check_circle:")
refus = st.session_state.pop("_saisie_refus", None)
if refus:
    _afficher_refus(refus)

if utilisateur is None:
    onglets = {"export": st.container()}
else:
    noms = {"formulaire": "Formulaire", "import": "Importer un fichier", "export": "Exporter"}
    if utilisateur.est_administrateur:
        noms["historique"] = "Historique"
    onglets = dict(zip(noms, st.tabs(list(noms.values())), strict=True))

saisies = donnees.saisies()
noms_ptce = sorted(saisies.ptce.ptce)
noms_projets = sorted(saisies.projets.projet)


def _champ(widget, table: str, colonne: str, *args, **kwargs):
    if widget is st.selectbox:
        kwargs.setdefault("placeholder", page.CHOISIR)
    return widget(*args, key=f"champ_{table}_{colonne}", **kwargs)


if utilisateur is not None:
    with onglets["formulaire"]:
        table = st.radio(
            "Que saisir ?",
            saisie_modele.ORDRE,
            format_func={
                "ptce": "Un PTCE",
                "projets": "Un projet",
                "structures": "Une structure",
                "emplois": "Des emplois créés",
                "financements": "Un financement",
            }.__getitem__,
            horizontal=True,
            key="table_formulaire",
        )
        with st.form(f"formulaire_{table}", clear_on_submit=False):
            t = table
            if t == "ptce":
                _champ(st.text_input, t, "nom", "Nom du PTCE *")
                _champ(
                    st.text_input,
                    t,
                    "perimetre",
                    "Périmètre",
                    help=saisie_modele.AIDE_COLONNES["perimetre"],
                    placeholder="epci:200042190, commune:59172",
                )
                _champ(st.text_area, t, "membres", "Membres (séparés par « ; »)")
                _champ(st.text_input, t, "annee_creation", "Année de création")
                _champ(st.text_area, t, "description", "Description")
            elif t == "projets":
                _champ(st.text_input, t, "nom", "Nom du projet *")
                _champ(
                    st.selectbox, t, "ptce", "PTCE", [None, *noms_ptce], format_func=lambda n: n or "aucun"
                )
                _champ(
                    st.selectbox,
                    t,
                    "etape",
                    "Étape",
                    [None, *ETAPES_PROJET],
                    format_func=lambda e: e or "inconnue",
                )
                _champ(st.text_input, t, "secteur", "Secteur")
                _champ(st.text_input, t, "territoire", "Territoire (si plus précis que le PTCE)")
                _champ(st.date_input, t, "date_debut", "Date de début", value=None, format="DD/MM/YYYY")
                _champ(st.date_input, t, "date_fin", "Date de fin", value=None, format="DD/MM/YYYY")
            elif t == "structures":
                _champ(st.text_input, t, "nom", "Nom de la structure *")
                _champ(st.text_input, t, "siret", "SIRET")
                _champ(st.text_input, t, "forme", "Forme (association, SCOP…)")
                _champ(st.text_input, t, "commune", "Code INSEE de la commune")
                _champ(
                    st.selectbox, t, "ptce", "PTCE", [None, *noms_ptce], format_func=lambda n: n or "aucun"
                )
                _champ(
                    st.selectbox,
                    t,
                    "projet",
                    "Projet qui l'a créée",
                    [None, *noms_projets],
                    format_func=lambda n: n or "aucun",
                )
            elif t == "emplois":
                _champ(
                    st.selectbox,
                    t,
                    "projet",
                    "Projet *",
                    [None, *noms_projets],
                    format_func=lambda n: n or "—",
                )
                _champ(st.selectbox, t, "nature", "Nature *", NATURES_EMPLOI)
                _champ(
                    st.number_input, t, "nombre", "Nombre d'emplois créés *", min_value=0, step=1, value=None
                )
                _champ(st.text_input, t, "annee", "Année (vide si inconnue)")
            else:
                _champ(
                    st.selectbox, t, "projet", "Projet", [None, *noms_projets], format_func=lambda n: n or "—"
                )
                _champ(st.selectbox, t, "ptce", "PTCE", [None, *noms_ptce], format_func=lambda n: n or "—")
                _champ(st.text_input, t, "siret", "SIRET de la structure")
                _champ(st.text_input, t, "territoire", "ou territoire bénéficiaire")
                _champ(st.text_input, t, "financeur", "Financeur")
                _champ(st.text_input, t, "dispositif", "Programme ou dispositif")
                _champ(st.text_input, t, "montant_eur", "Montant (€)", placeholder="1 200,50 €")
                _champ(st.text_input, t, "annee_debut", "Première année")
                _champ(st.text_input, t, "annee_fin", "Dernière année")
                _champ(st.text_input, t, "note", "Note")
            _champ(
                st.text_input,
                t,
                "source",
                "Source",
                value="saisie",
                help="Document ou personne dont vient l'information.",
            )
            st.form_submit_button(
                "Enregistrer", icon=":material/save:", on_click=_enregistrer_formulaire, args=(table,)
            )

    with onglets["import"]:
        st.markdown(
            "Un classeur Excel (une feuille par table) ou un fichier CSV par table, en UTF-8, Latin-1 ou "
            "UTF-16 (« Texte Unicode » d'Excel), séparé par « ; », « , » ou des tabulations. Montants à la "
            "française acceptés (« 1 200,50 € »). **Un import réussit en entier ou ne change rien.**"
        )
        st.caption(saisie_fichiers.LIMITES)
        modeles = st.columns(2)
        modeles[0].download_button(
            "Modèle Excel (.xlsx)",
            saisie_export.modele_excel(),
            file_name="modele_saisie_ess.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table:",
            on_click="ignore",
        )
        modeles[1].download_button(
            "Modèles CSV (.zip)",
            saisie_export.modele_csv(),
            file_name="modeles_saisie_ess_csv.zip",
            mime="application/zip",
            icon=":material/folder_zip:",
            on_click="ignore",
        )
        fichier = st.file_uploader(
            "Fichier à importer", type=["csv", "xlsx", "txt", "zip"], key="fichier_import"
        )
        st.checkbox(
            "Ignorer les lignes déjà présentes (réimport d'un fichier)",
            key="ignorer_doublons",
            help="Sinon, une ligne déjà saisie est signalée comme doublon et l'import est refusé.",
        )
        st.button(
            "Importer", icon=":material/upload:", disabled=fichier is None, key="importer", on_click=_importer
        )
        with st.expander("Colonnes attendues"):
            tableaux.afficher(saisie_export.aide_colonnes())
        if utilisateur.est_administrateur:
            st.button(
                "Recharger le pack des documents de terrain",
                key="semences",
                icon=":material/restart_alt:",
                on_click=_recharger_semences,
                help="Ajoute les lignes du pack qui manquent (les lignes déjà présentes ne sont pas "
                "réécrites).",
            )

with onglets["export"]:
    tables = saisie_export.exporter(depot)
    st.markdown(
        emplois.resume_tables_saisies(tables)
        + " — tout ce qui a été saisi, dans les colonnes du modèle (réimportable)."
    )
    exports = st.columns(2)
    exports[0].download_button(
        "Tout exporter (Excel)",
        saisie_export.classeur_excel(tables, avec_aide=False),
        file_name=f"saisie_ess_{dt.date.today().isoformat()}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
    )
    exports[1].download_button(
        "Tout exporter (CSV, .zip)",
        saisie_export.archive_csv(tables),
        file_name=f"saisie_ess_{dt.date.today().isoformat()}_csv.zip",
        mime="application/zip",
        icon=":material/download:",
        on_click="ignore",
    )
    table_vue = st.selectbox(
        "Voir la table", saisie_modele.ORDRE, key="table_export", placeholder=page.CHOISIR
    )
    # On screen, French headers; the file's column name is in each header's tooltip.
    tableaux.afficher(
        tables[table_vue],
        column_config={
            c: st.column_config.Column(saisie_modele.ENTETES.get(c, c), help=f"Colonne « {c} » des fichiers")
            for c in tables[table_vue].columns
        },
        decimales={"montant_eur": 2},
    )

if "historique" in onglets:
    with onglets["historique"]:
        st.header("Imports et saisies")
        lots = journal.imports(depot)
        if lots.empty:
            st.caption("Aucune modification enregistrée pour l'instant.")
        else:
            tableaux.afficher(lots.drop(columns="lot"))
            annulables = lots[lots["encore présentes"] > 0]
            if not annulables.empty:
                libelles = {
                    r.lot: f"{r[1]} · {r.qui} · {r.quoi} ({accorder(r[5], 'ligne')})"
                    for r in annulables.itertuples(index=False)
                }
                st.selectbox(
                    "Import à annuler",
                    list(libelles),
                    format_func=libelles.__getitem__,
                    key="lot_a_annuler",
                    placeholder=page.CHOISIR,
                )
                st.button(
                    "Annuler cet import",
                    icon=":material/undo:",
                    key="annuler_import",
                    on_click=_annuler_import,
                    help="Retire toutes les lignes ajoutées par cet import, en une fois ; le retrait est "
                    "noté au journal.",
                )
        st.header("Historique d'une ligne")
        table_historique = st.selectbox(
            "Table", saisie_modele.ORDRE, key="historique_table", placeholder=page.CHOISIR
        )
        lignes_historique = journal.lignes_journalisees(depot, table_historique)
        if not lignes_historique:
            st.caption("Aucune ligne de cette table n'a d'historique.")
        else:
            libelles_lignes = dict(lignes_historique)
            ligne_historique = st.selectbox(
                "Ligne",
                list(libelles_lignes),
                format_func=libelles_lignes.__getitem__,
                key="historique_ligne",
                placeholder=page.CHOISIR,
            )
            tableaux.afficher(journal.historique(depot, table_historique, ligne_historique))

# A subsidies file published by a public body (SCDL « subventions »), all or nothing:
# it changes published figures, so administrators only.
if utilisateur is not None and utilisateur.est_administrateur:
    # A subsidies file published by a public body (SCDL « subventions »), all or nothing.
    st.header("Importer un fichier de subventions publié (format SCDL)")
    st.caption(
        "Fichier publié par une collectivité au titre du décret n° 2017-779 (CSV, XLSX, XLS ou ODS, "
        "toute version du format SCDL « subventions »). Si une seule ligne ne peut pas être lue, rien "
        "n'est importé "
        "et chaque ligne en cause est citée. Les subventions importées s'affichent sur la page Emplois et "
        "financements."
    )

    def _importer_subventions() -> None:
        from geo.donnees import subventions_import

        fichier = st.session_state.get("fichier_subventions")
        if fichier is None:
            st.session_state["_subventions_refus"] = ["Choisissez d'abord un fichier."]
            return
        try:
            rapport = subventions_import.importer(fichier.getvalue(), fichier.name)
        except subventions_import.ImportSubventionsRefuse as refus_import:
            st.session_state["_subventions_refus"] = refus_import.messages
        else:
            st.session_state["_subventions_message"] = rapport.resume()
            st.session_state["_subventions_remarques"] = rapport.remarques

    message_sub = st.session_state.pop("_subventions_message", None)
    if message_sub:
        st.success(texte_brut(message_sub), icon=":material/check_circle:")
        for remarque in st.session_state.pop("_subventions_remarques", []):
            st.text(remarque)
    refus_sub = st.session_state.pop("_subventions_refus", None)
    if refus_sub:
        st.error(texte_brut(refus_sub[0]), icon=":material/error:")
        if len(refus_sub) > 1:
            tableaux.afficher(pd.DataFrame({"Problème": refus_sub[1:]}))
    st.file_uploader(
        "Fichier de subventions",
        type=["csv", "txt", "xlsx", "xls", "ods"],
        key="fichier_subventions",
    )
    st.button(
        "Importer les subventions",
        key="importer_subventions",
        icon=":material/upload_file:",
        on_click=_importer_subventions,
    )

    with st.expander(
        "Chercher les fichiers déclarés sur data.gouv.fr (en ligne)", icon=":material/travel_explore:"
    ):
        from geo.sources import scdl_datagouv

        st.caption(
            "Jeux de données déclarés au schéma « scdl/subventions » sur data.gouv.fr, pour le nom d'une "
            "collectivité. Le fichier choisi est importé comme ci-dessus (tout ou rien)."
        )

        def _chercher_datagouv() -> None:
            try:
                st.session_state["_datagouv_resultats"] = scdl_datagouv.lister(
                    st.session_state.get("recherche_datagouv", "")
                )
            except scdl_datagouv.DataGouvIndisponible as erreur:
                st.session_state["_datagouv_resultats"] = []
                st.session_state["_subventions_refus"] = [str(erreur)]

        def _importer_datagouv() -> None:
            from geo.donnees import subventions_import

            resultats = st.session_state.get("_datagouv_resultats") or []
            rang = st.session_state.get("choix_datagouv")
            if rang is None or rang >= len(resultats):
                st.session_state["_subventions_refus"] = ["Choisissez d'abord un fichier dans la liste."]
                return
            ressource = resultats[rang]
            try:
                rapport = subventions_import.importer(
                    scdl_datagouv.telecharger(ressource), ressource.nom_fichier
                )
            except (scdl_datagouv.DataGouvIndisponible, subventions_import.ImportSubventionsRefuse) as erreur:
                st.session_state["_subventions_refus"] = getattr(erreur, "messages", None) or [str(erreur)]
            else:
                st.session_state["_subventions_message"] = rapport.resume()
                st.session_state["_subventions_remarques"] = rapport.remarques

        st.text_input(
            "Collectivité", value=contexte.territoire.nom if contexte.tid else "", key="recherche_datagouv"
        )
        st.button("Chercher", key="chercher_datagouv", on_click=_chercher_datagouv, icon=":material/search:")
        resultats_datagouv = st.session_state.get("_datagouv_resultats")
        if resultats_datagouv:
            st.selectbox(
                "Fichier",
                list(range(len(resultats_datagouv))),
                format_func=lambda i: (
                    f"{resultats_datagouv[i].organisation} — {resultats_datagouv[i].jeu} — "
                    f"{resultats_datagouv[i].titre} ({resultats_datagouv[i].format.upper()})"
                ),
                key="choix_datagouv",
                placeholder=page.CHOISIR,
            )
            st.button("Importer ce fichier", key="importer_datagouv", on_click=_importer_datagouv)
        elif resultats_datagouv is not None:
            st.caption("Aucun fichier déclaré au schéma « scdl/subventions » pour cette recherche.")
