"""Sources : d'où vient chaque jeu de données, son millésime et sa licence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.base import comptes, contributions
from geo.base.store import BaseInaccessible, message_indisponible
from geo.build import actualisation, actualisation_des_jeux, bilan, construction, etapes
from geo.donnees import emplois
from geo.outils import config
from geo.outils.text import accorder, date_heure_fr, texte_brut
from geo.sources import qpv as sources_qpv
from geo.sources import toutes_les_sources
from ui import acces, donnees, page, tableaux
from ui import contributions as contributions_ui

contexte = page.contexte()
manifeste = contexte.ref.manifeste
etat_sources = etapes.etat_des_sources(config.dossier_cache())
utilisees, autres = etapes.tableau_des_sources(config.dossier_cache())

st.title("Sources des données")
st.markdown(
    "Chaque chiffre et chaque couche de ce tableau de bord provient de données publiques "
    "ouvertes, citées ici avec leur producteur, le millésime utilisé, sa date de publication, sa "
    "licence, et la façon dont ce serveur l'a obtenu (téléchargement, dossier miroir, paquet, ou "
    "l'instantané embarqué dans l'application quand aucun fichier officiel n'est là)."
)

try:
    _utilisateur = None if comptes.lecture_seule() else acces.utilisateur_connecte()
except BaseInaccessible:  # reading stays possible
    _utilisateur = None
_administrateur = _utilisateur is not None and _utilisateur.est_administrateur

# What a reader needs first: which data are in place and when they were refreshed. Filled at the
# end of the run: a refresh started below shows here at once.
_bloc_en_place = st.container()

# Which file was refused and why is for administrators; everyone sees the data in use below.
if _administrateur:
    for _refus in [j["refus"] for j in etapes.provenance_jeux(config.dossier_cache()) if j.get("refus")]:
        st.warning(texte_brut(_refus), icon=":material/block:")

# The sources whose description cites the official file's count of 2024 QPV.
_PERIMETRES_QPV_2024 = {sources_qpv.PERIMETRES_2024.id, sources_qpv.PERIMETRES_2024_REPUBLICATION.id}
_liens = {"Page officielle": st.column_config.LinkColumn("Page officielle")}
st.header("Données utilisées")
tableaux.afficher(pd.DataFrame(utilisees), column_config=_liens)
# The national QPV total the other pages show, and the official file's count this page cites.
_note_qpv = donnees.donnees_qpv().bloc(contexte.ref, None).get("note_total_national")
if _note_qpv:
    st.caption(f"Quartiers prioritaires : {_note_qpv}")

if autres:
    st.header("Autres fichiers connus, non utilisés ici")
    tableaux.afficher(pd.DataFrame(autres), column_config=_liens)

st.header("Détail par jeu de données")
for source in toutes_les_sources():
    decrit = etat_sources.get(source.id, {})
    with st.expander(f"{source.titre} — {etapes.libelle_etat_source(source.id, etat_sources)}"):
        st.markdown(
            f"**Producteur** : {source.producteur}  \n**Millésime** : {source.millesime}  \n"
            f"**Licence** : {source.licence}  \n**Page officielle** : {source.page}"
        )
        if source.description:
            st.markdown(source.description)
        if _note_qpv and source.id in _PERIMETRES_QPV_2024:
            st.markdown(_note_qpv)
        if source.url:
            st.markdown(f"Fichier officiel : `{source.fichier}` — {source.url}")
        if source.jeu_datagouv:
            st.markdown(
                f"Adresse à jour cherchée dans le jeu data.gouv.fr « {source.jeu_datagouv} » "
                "(dernière ressource correspondante) avant chaque téléchargement."
            )
        if not source.telechargeable:
            st.markdown(
                f"Pas d'adresse de téléchargement automatique connue : fichier `{source.fichier}` à placer "
                "dans le miroir ou le cache ; sans lui, l'instantané embarqué sert."
            )
        # Where to put the missing file on this server (a folder, a variable): for administrators;
        # everyone reads why it is not used in the heading.
        message = (decrit.get("introuvable") or {}).get("message")
        if _administrateur and message and decrit.get("titre_etape"):
            st.caption(texte_brut(message))
        for limite in source.limites:
            st.markdown(f"- {limite}")

st.header("Données saisies et documents de terrain")
st.markdown(
    "Les projets, emplois créés et financements des PTCE ne sont pas dans les données publiques : ils "
    "viennent des documents de terrain (pack de semences, chaque ligne citant son document), des "
    "fichiers importés et du formulaire de la page Saisie. Chargé depuis : **saisie des utilisateurs**."
)
try:
    _depot = donnees.depot()
    _provenance = emplois.provenance_saisies(donnees.saisies())
except BaseInaccessible as _erreur:  # the rest of the page stands
    st.warning(message_indisponible(_erreur), icon=":material/database:")
else:
    if _provenance.empty:
        st.caption("Aucune donnée saisie pour l'instant.")
    else:
        # Through ui.tableaux: one column per table, headed « Projets », not « projets ».
        tableaux.afficher(
            _provenance,
            column_config={
                "origine": st.column_config.TextColumn("Origine"),
                "source": st.column_config.TextColumn("Document ou fichier"),
                "total": st.column_config.NumberColumn("Lignes"),
            },
        )

st.header(contributions.TITRE_JEU)
st.markdown(
    "Les structures que les acteurs du territoire proposent sur la page Structures sont publiées "
    "une fois vérifiées par un modérateur, comme un jeu de données ouvert, téléchargeable par tous."
)
_ligne_contributions = st.container()
_jeu_contributions = contributions_ui.telechargements_ouverts("sources-contributions")
if _jeu_contributions is not None:
    with _ligne_contributions:
        tableaux.afficher(pd.DataFrame([contributions.ligne_du_jeu(_jeu_contributions)]))

st.header("Construction des données")
st.markdown(
    f"Territoires construits le **{date_heure_fr(manifeste.get('construit_le'))}** "
    f"(périmètre : {manifeste.get('perimetre', 'inconnu')})."
)
# About 230 remarks, 198 of them for the published subsidies: folded by dataset, each with its count.
_groupes = bilan.remarques_par_jeu(construction.manifestes_en_place(config.dossier_cache()))
if _groupes:
    st.markdown("Remarques relevées dans les sources, et ce qui en a été fait, par jeu de données :")
    for _groupe in _groupes:
        with st.expander(_groupe.libelle):
            # Remarks quote what official files hold: shown as text.
            st.markdown("\n".join(f"- {texte_brut(texte)}" for texte in _groupe.textes))

st.header("Actualiser depuis les sites officiels")
st.markdown(
    "L'actualisation télécharge à nouveau chaque jeu depuis son adresse officielle, le "
    "reconstruit à côté et le vérifie : un fichier refusé (page d'erreur, archive tronquée, "
    f"colonnes changées, plus de {round(etapes.SEUIL_PERTE * 100)} % de lignes perdues) laisse "
    "les données en place. En ligne de commande : `ess-construire --actualiser`."
)
if comptes.lecture_seule():
    st.caption("Ce serveur est en lecture seule : aucune actualisation depuis cette page.")
elif not _administrateur:
    st.caption("Réservé aux administrateurs : connectez-vous sur la page Saisie.")
else:
    # A callback, not the button's return value: the request survives the page's rerun.
    st.button(
        "Actualiser les données officielles",
        icon=":material/sync:",
        key="actualiser_donnees",
        on_click=lambda: st.session_state.update(_actualisation_demandee=True),
    )
if _administrateur and st.session_state.pop("_actualisation_demandee", False):
    with st.status("Actualisation des données officielles…", expanded=True) as statut:
        try:
            _tentative = actualisation_des_jeux.actualiser_les_jeux(
                "bouton", attendre=False, avant_chaque_jeu=st.write
            )
        except actualisation.ActualisationEnCours as _en_cours:
            statut.update(label="Actualisation non lancée", state="error")
            st.warning(str(_en_cours), icon=":material/hourglass:")
        else:
            for _manifeste in _tentative["manifestes"]:
                for _ligne in _manifeste.get("actualisation", []):
                    st.caption(f"{_manifeste['titre']} : {texte_brut(_ligne)}")
            refusees = sum(j["resultat"] == "refuse" for j in _tentative["jeux"])
            gardes = accorder(refusees, "jeu gardé tel quel", "jeux gardés tels quels")
            statut.update(
                label="Actualisation terminée" + (f" : {gardes}" if refusees else ""),
                state="error" if refusees else "complete",
            )

with _bloc_en_place:
    st.header("Données en place")
    _derniere = actualisation.derniere_tentative()
    # Nothing tried yet is a note; an attempt's result is news.
    (st.caption if _derniere is None else st.markdown)(
        texte_brut(bilan.libelle_derniere_tentative(_derniere))
    )
    tableaux.afficher(
        pd.DataFrame(
            bilan.donnees_en_place(
                construction.manifestes_en_place(config.dossier_cache()),
                etapes.etat_des_sources(config.dossier_cache()),
                _derniere,
                _administrateur,
            )
        )
    )
    if _derniere is not None and _administrateur:
        for _refus in actualisation.tableau_tentative(_derniere, True, config.dossier_cache())[1]:
            st.warning(texte_brut(_refus), icon=":material/block:")

st.header("Fonds de carte")
st.markdown(
    "Plan IGN (Géoplateforme, IGN, Licence Ouverte 2.0) ou OpenStreetMap (ODbL). Ils ne "
    "s'affichent que si le navigateur accède à internet ; les couches du tableau de bord, "
    "elles, s'affichent toujours (la bibliothèque Leaflet est servie par l'application)."
)
