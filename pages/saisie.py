"""Saisie : formulaire, import CSV ou Excel avec modèle, export de tout ce qui a été saisi."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo import saisie, semences
from geo.store import ETAPES_PROJET, NATURES_EMPLOI
from geo.territories import TerritoireId
from ui import donnees, page

contexte = page.contexte()
ref = contexte.ref

st.title("Saisie des projets, emplois et financements")
st.caption(
    "Pour les animateurs de PTCE et les collectivités : les projets et leurs six étapes, les structures "
    "créées, les emplois (insertion, encadrement, autre) et les financements reçus. Chaque ligne garde sa "
    "source ; ce qui n'est pas connu reste vide."
)

try:
    depot = donnees.depot()
except Exception as erreur:
    st.error(f"La base de saisie est inaccessible : {erreur}", icon=":material/database_off:")
    st.stop()
st.caption(f"Base : `{depot.url_affichee}`")


def _connu(identifiant: str) -> bool:
    try:
        return ref.existe(TerritoireId.depuis_texte(identifiant))
    except ValueError:
        return False


def _afficher_refus(erreurs: list[saisie.Erreur]) -> None:
    st.error(f"Rien n'a été enregistré : {len(erreurs)} erreur(s) à corriger.", icon=":material/error:")
    st.dataframe(
        pd.DataFrame(
            [
                {"Feuille": e.feuille, "Ligne": e.ligne, "Colonne": e.colonne, "Problème": e.message}
                for e in erreurs
            ]
        ),
        hide_index=True,
        width="stretch",
    )


# Actions run as callbacks, before the page is drawn again: their outcome is kept
# in the session and shown once by the run that follows.
def _resultat(action) -> None:
    try:
        rapport = action()
    except saisie.ImportRefuse as refus:
        st.session_state["_saisie_refus"] = refus.erreurs
    else:
        st.session_state["_saisie_message"] = " ".join([rapport.resume(), *rapport.remarques])


def _enregistrer_formulaire(table: str) -> None:
    valeurs = {}
    for colonne in saisie.colonnes(table):
        valeur = st.session_state.get(f"champ_{table}_{colonne}")
        if isinstance(valeur, dt.date):
            valeur = valeur.strftime("%d/%m/%Y")
        valeurs[colonne] = valeur
    _resultat(lambda: saisie.ajouter(depot, table, valeurs, connu=_connu))


def _importer() -> None:
    fichier = st.session_state.get("fichier_import")
    if fichier is None:
        st.session_state["_saisie_refus"] = [saisie.Erreur("", None, None, "choisissez d'abord un fichier.")]
        return
    _resultat(
        lambda: saisie.importer(
            depot,
            fichier.getvalue(),
            fichier.name,
            connu=_connu,
            ignorer_doublons=bool(st.session_state.get("ignorer_doublons")),
        )
    )


def _recharger_semences() -> None:
    _resultat(lambda: semences.charger(depot, connu=_connu))


message = st.session_state.pop("_saisie_message", None)
if message:
    st.success(message, icon=":material/check_circle:")
refus = st.session_state.pop("_saisie_refus", None)
if refus:
    _afficher_refus(refus)

onglet_formulaire, onglet_import, onglet_export = st.tabs(["Formulaire", "Importer un fichier", "Exporter"])

saisies = donnees.saisies()
noms_ptce = sorted(saisies.ptce.ptce)
noms_projets = sorted(saisies.projets.projet)


def _champ(widget, table: str, colonne: str, *args, **kwargs):
    return widget(*args, key=f"champ_{table}_{colonne}", **kwargs)


with onglet_formulaire:
    table = st.radio(
        "Que saisir ?",
        saisie.ORDRE,
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
                help=saisie.AIDE_COLONNES["perimetre"],
                placeholder="epci:200042190, commune:59172",
            )
            _champ(st.text_area, t, "membres", "Membres (séparés par « ; »)")
            _champ(st.text_input, t, "annee_creation", "Année de création")
            _champ(st.text_area, t, "description", "Description")
        elif t == "projets":
            _champ(st.text_input, t, "nom", "Nom du projet *")
            _champ(st.selectbox, t, "ptce", "PTCE", [None, *noms_ptce], format_func=lambda n: n or "aucun")
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
            _champ(st.selectbox, t, "ptce", "PTCE", [None, *noms_ptce], format_func=lambda n: n or "aucun")
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
                st.selectbox, t, "projet", "Projet *", [None, *noms_projets], format_func=lambda n: n or "—"
            )
            _champ(st.selectbox, t, "nature", "Nature *", NATURES_EMPLOI)
            _champ(st.number_input, t, "nombre", "Nombre d'emplois créés *", min_value=0, step=1, value=None)
            _champ(st.text_input, t, "annee", "Année (vide si inconnue)")
        else:
            _champ(st.selectbox, t, "projet", "Projet", [None, *noms_projets], format_func=lambda n: n or "—")
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

with onglet_import:
    st.markdown(
        "Un classeur Excel (une feuille par table) ou un fichier CSV par table, en UTF-8 ou Latin-1, "
        "séparé par « ; » ou « , ». Montants à la française acceptés (« 1 200,50 € »). "
        "**Un import réussit en entier ou ne change rien.**"
    )
    modeles = st.columns(2)
    modeles[0].download_button(
        "Modèle Excel (.xlsx)",
        saisie.modele_excel(),
        file_name="modele_saisie_ess.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table:",
        on_click="ignore",
    )
    modeles[1].download_button(
        "Modèles CSV (.zip)",
        saisie.modele_csv(),
        file_name="modeles_saisie_ess_csv.zip",
        mime="application/zip",
        icon=":material/folder_zip:",
        on_click="ignore",
    )
    fichier = st.file_uploader("Fichier à importer", type=["csv", "xlsx", "txt", "zip"], key="fichier_import")
    st.checkbox(
        "Ignorer les lignes déjà présentes (réimport d'un fichier)",
        key="ignorer_doublons",
        help="Sinon, une ligne déjà saisie est signalée comme doublon et l'import est refusé.",
    )
    st.button(
        "Importer", icon=":material/upload:", disabled=fichier is None, key="importer", on_click=_importer
    )
    with st.expander("Colonnes attendues"):
        st.dataframe(saisie.aide_colonnes(), hide_index=True, width="stretch")
    st.button(
        "Recharger le pack des documents de terrain",
        key="semences",
        icon=":material/restart_alt:",
        on_click=_recharger_semences,
        help="Ajoute les lignes du pack qui manquent (les lignes déjà présentes ne sont pas réécrites).",
    )

with onglet_export:
    tables = saisie.exporter(depot)
    st.markdown(
        " · ".join(f"**{len(tables[t])}** {t}" for t in saisie.ORDRE)
        + " — tout ce qui a été saisi, dans les colonnes du modèle (réimportable)."
    )
    exports = st.columns(2)
    exports[0].download_button(
        "Tout exporter (Excel)",
        saisie.classeur_excel(tables, avec_aide=False),
        file_name=f"saisie_ess_{dt.date.today().isoformat()}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
    )
    exports[1].download_button(
        "Tout exporter (CSV, .zip)",
        saisie.archive_csv(tables),
        file_name=f"saisie_ess_{dt.date.today().isoformat()}_csv.zip",
        mime="application/zip",
        icon=":material/download:",
        on_click="ignore",
    )
    table_vue = st.selectbox("Voir la table", saisie.ORDRE, key="table_export")
    st.dataframe(tables[table_vue], hide_index=True, width="stretch")
