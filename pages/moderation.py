"""Modération : propositions de structures et signalements d'erreurs en attente, journal.

Contributors moderate their territories and PTCE, administrators everywhere (ui.acces);
the page is tied to no territory. Every action goes through geo.base.contributions, which
checks the right again, journals it, and undoes it on request.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.base import comptes, contributions
from geo.outils.text import accorder, texte_brut
from ui import acces, donnees, page, tableaux, telechargement

# Pending contributions drawn at once, oldest first: the rest wait for the next ones to be done.
EN_ATTENTE_AFFICHEES = 30

ref = donnees.referentiel()
st.set_page_config(page_title="Modération – ESS & territoires")
st.title("Modération des contributions")
st.caption(
    "Les propositions de structures et les signalements d'erreurs envoyés par le public attendent ici "
    "qu'un modérateur du territoire les vérifie : rien n'est publié avant. Chaque décision est notée au "
    "journal et peut être annulée."
)

depot, utilisateur = acces.ouvrir_ecriture(obligatoire=True)
dans = comptes.dans_referentiel(ref)
donnees_structures = donnees.donnees_structures()
registre = donnees_structures.registre if donnees_structures.disponible else None


# Actions run as callbacks: the account is asked again (disabled or logged out meanwhile), and
# the outcome is shown once by the run that follows.
def _agir(action, message: str) -> None:
    moderateur = None if comptes.lecture_seule() else acces.utilisateur_connecte()
    if moderateur is None:
        st.session_state["_moderation_refus"] = (
            comptes.MESSAGE_LECTURE_SEULE
            if comptes.lecture_seule()
            else "Connectez-vous avec un compte qui a ce droit."
        )
        return
    try:
        action(moderateur)
    except (contributions.ModerationImpossible, PermissionError) as refus:
        st.session_state["_moderation_refus"] = str(refus)
    else:
        st.session_state["_moderation_message"] = message


def _valeur(cle: str) -> str:
    return str(st.session_state.get(cle) or "").strip()


def _modifications(contribution_id: int, noms: list[str]) -> dict[str, object]:
    """The moderator's edits: the fields they changed."""
    return {nom: _valeur(f"edition_{contribution_id}_{nom}") for nom in noms}


def _accepter(contribution_id: int, noms: list[str]) -> None:
    _agir(
        lambda moderateur: contributions.accepter(
            depot,
            contribution_id,
            moderateur,
            modifications=_modifications(contribution_id, noms),
            communes_aux_points=donnees.commune_au_point,
            dans=dans,
        ),
        "Contribution acceptée : elle est publiée (annulable depuis le journal).",
    )


def _refuser(contribution_id: int) -> None:
    motif = _valeur(f"refus_{contribution_id}")
    if not motif:
        st.session_state["_moderation_refus"] = "Donnez la raison du refus (elle n'est notée qu'au journal)."
        return
    _agir(
        lambda moderateur: contributions.refuser(depot, contribution_id, moderateur, motif, dans=dans),
        "Contribution refusée : la raison est notée au journal.",
    )


def _fusionner(
    contribution_id: int, cle_cible: str, siret_cible: str | None, commune_cible: str | None
) -> None:
    _agir(
        lambda moderateur: contributions.fusionner(
            depot,
            contribution_id,
            cle_cible,
            moderateur,
            siret_cible=siret_cible,
            dans=dans,
            commune_cible=commune_cible,
        ),
        "Proposition fusionnée avec la structure officielle : elle complète ce qui lui manquait.",
    )


def _masquer() -> None:
    cle = _valeur("masquer_cle")
    motif = _valeur("masquer_motif")
    structure = _structure(cle)
    if structure is None:
        st.session_state["_moderation_refus"] = "Aucune structure du registre n'a cet identifiant."
        return
    if not motif:
        st.session_state["_moderation_refus"] = (
            "Donnez la raison du masquage (par exemple : fermée depuis 2025)."
        )
        return
    _agir(
        lambda moderateur: contributions.masquer(
            depot, cle, structure.get("commune"), motif, moderateur, nom=structure.get("nom"), dans=dans
        ),
        "Structure masquée ici (les données officielles ne changent pas ; annulable depuis le journal).",
    )


def _annuler() -> None:
    lot = st.session_state.get("lot_a_annuler_moderation")
    if not lot:
        st.session_state["_moderation_refus"] = "Choisissez d'abord l'action à annuler."
        return
    _agir(
        lambda moderateur: contributions.annuler(depot, lot, moderateur, dans=dans),
        "Action annulée : tout est revenu comme avant, et l'annulation est notée au journal.",
    )


def _effacer_personne() -> None:
    contact = _valeur("rgpd_contact")
    if not st.session_state.get("rgpd_confirmer"):
        st.session_state["_moderation_refus"] = "Cochez la confirmation avant d'effacer."
        return
    moderateur = acces.utilisateur_connecte()
    if moderateur is None or not moderateur.est_administrateur:
        st.session_state["_moderation_refus"] = "Réservé aux administrateurs."
        return
    try:
        nombre = contributions.effacer_personne(depot, contact, moderateur)
    except (contributions.ModerationImpossible, PermissionError) as refus:
        st.session_state["_moderation_refus"] = str(refus)
    else:
        st.session_state["_moderation_message"] = (
            f"{accorder(nombre, 'contribution effacée', 'contributions effacées')} pour ce contact."
        )
        st.session_state["rgpd_confirmer"] = False


def _structure(cle: str | None) -> dict | None:
    if registre is None or not cle:
        return None
    lignes = registre[registre.cle == cle]
    return None if lignes.empty else lignes.iloc[0].to_dict()


def _date(valeur: object) -> str:
    return (
        "date inconnue"
        if valeur is None or pd.isna(valeur)
        else pd.Timestamp(valeur).strftime("%d/%m/%Y à %H:%M")
    )


def _texte(valeur: object) -> str:
    """The value as it was typed, « — » when unknown: escaped once, where Markdown shows it."""
    return "—" if valeur is None or (not isinstance(valeur, str) and pd.isna(valeur)) else str(valeur)


# Always there, message or not: the tabs below keep their place on the page, so the tab open
# stays open from one run to the next.
with st.container(key="moderation-annonce"):
    message = st.session_state.pop("_moderation_message", None)
    if message:
        st.success(texte_brut(message), icon=":material/check_circle:")
    refus = st.session_state.pop("_moderation_refus", None)
    if refus:
        st.error(texte_brut(refus), icon=":material/error:")

noms_onglets = {"attente": "En attente", "masquer": "Masquer une structure", "journal": "Journal"}
if utilisateur.est_administrateur:
    noms_onglets["rgpd"] = "Données personnelles (RGPD)"
onglets = dict(zip(noms_onglets, st.tabs(list(noms_onglets.values())), strict=True))

# The reasons whose acceptance hides the structure, by key or as the list of pending ones says them.
MOTIFS_QUI_MASQUENT = {
    *contributions.MOTIFS_QUI_MASQUENT,
    *(contributions.MOTIFS_SIGNALEMENT[motif] for motif in contributions.MOTIFS_QUI_MASQUENT),
}
CHAMPS_EDITABLES = ["nom", "famille", "activite", "adresse", "site_web", "description"]

with onglets["attente"]:
    attente = contributions.a_moderer(depot, utilisateur, dans)
    if attente.empty:
        st.info("Rien n'attend de vérification dans vos territoires.", icon=":material/inbox:")
    else:
        st.markdown(f"**{accorder(len(attente), 'contribution')} en attente**, la plus ancienne d'abord.")
        if len(attente) > EN_ATTENTE_AFFICHEES:
            st.caption(f"Les {EN_ATTENTE_AFFICHEES} plus anciennes sont affichées.")
    for ligne in attente.head(EN_ATTENTE_AFFICHEES).to_dict("records"):
        ident = int(ligne["id"])
        commune = ligne.get("commune")
        nom_commune = ref.communes.nom.get(commune) if isinstance(commune, str) else None
        with st.container(border=True, key=f"contribution-{ident}"):
            if ligne["genre"] == contributions.PROPOSITION:
                st.subheader(texte_brut(f"Proposition : {_texte(ligne.get('nom'))}"), anchor=False)
            else:
                motif = contributions.MOTIFS_SIGNALEMENT.get(
                    str(ligne.get("motif")), _texte(ligne.get("motif"))
                )
                st.subheader(
                    texte_brut(f"Signalement « {motif} » : {_texte(ligne.get('nom'))}"), anchor=False
                )
            st.caption(
                texte_brut(
                    f"Reçue le {_date(ligne['cree_le'])} (UTC) · commune : "
                    f"{nom_commune or 'inconnue'}{f' ({commune})' if isinstance(commune, str) else ''}"
                )
            )
            details = {
                "SIRET": ligne.get("siret"),
                "Famille": contributions.LIBELLES_FAMILLES.get(
                    str(ligne.get("famille")), ligne.get("famille")
                ),
                "Activité": ligne.get("activite"),
                "Adresse": ligne.get("adresse"),
                "Site internet": ligne.get("site_web"),
                "Description": ligne.get("description"),
                "Précisions": ligne.get("commentaire"),
                "Contact (pour vous seul)": ligne.get("contact"),
            }
            for libelle, valeur in details.items():
                if (
                    valeur is not None
                    and not (not isinstance(valeur, str) and pd.isna(valeur))
                    and str(valeur)
                ):
                    st.text(f"{libelle} : {valeur}")

            officielle = None if registre is None else contributions.correspondante(ligne, registre)
            meme_siret = (
                officielle is not None
                and isinstance(ligne.get("siret"), str)
                and (officielle.get("siret") == ligne.get("siret"))
            )
            if officielle is not None:
                comparaison = contributions.comparer(ligne, officielle)
                if ligne["genre"] == contributions.PROPOSITION and not meme_siret:
                    st.warning(
                        "Une structure du registre porte le même nom dans la même commune : la proposition "
                        "la répète sans doute. Comparez-les, puis fusionnez ou refusez.",
                        icon=":material/content_copy:",
                    )
                elif (
                    ligne["genre"] == contributions.PROPOSITION
                    and comparaison.get("différent", pd.Series()).eq("oui").any()
                ):
                    st.warning(
                        "La proposition et la structure officielle de même SIRET diffèrent : comparez-les.",
                        icon=":material/compare_arrows:",
                    )
                tableaux.afficher(
                    comparaison,
                    column_config={
                        "champ": "Champ",
                        "officiel": "Officiel",
                        "contribution": "Contribution",
                        "retenu": "Retenu",
                        "différent": "Différent",
                    },
                )

            if ligne["genre"] == contributions.PROPOSITION:
                with st.expander("Accepter, avec vos corrections", icon=":material/edit:"):
                    for nom in CHAMPS_EDITABLES:
                        cle = f"edition_{ident}_{nom}"
                        proposee = "" if pd.isna(ligne.get(nom)) else str(ligne.get(nom) or "")
                        if nom == "famille":
                            # A family the list does not know is left unchosen (the check says so).
                            if proposee in contributions.FAMILLES:
                                st.session_state.setdefault(cle, proposee)
                            st.selectbox(
                                contributions.LIBELLES_CHAMPS[nom],
                                contributions.FAMILLES,
                                index=None,
                                format_func=contributions.LIBELLES_FAMILLES.get,
                                placeholder=page.CHOISIR,
                                key=cle,
                            )
                            continue
                        st.session_state.setdefault(cle, proposee)
                        if nom == "description":
                            st.text_area(contributions.LIBELLES_CHAMPS[nom], key=cle, height=80)
                        else:
                            st.text_input(contributions.LIBELLES_CHAMPS[nom], key=cle)
                    st.button(
                        "Accepter et publier",
                        key=f"accepter_{ident}",
                        icon=":material/check:",
                        type="primary",
                        on_click=_accepter,
                        args=(ident, CHAMPS_EDITABLES),
                    )
                if officielle is not None and contributions.sirets_differents(ligne, officielle):
                    # Same name in the commune, another SIRET: two establishments, never one record.
                    st.caption(
                        texte_brut(
                            f"Fusion impossible avec « {_texte(officielle.get('nom'))} » : SIRET différents "
                            f"({ligne.get('siret')} proposé, {officielle.get('siret')} dans le registre)."
                        )
                    )
                elif officielle is not None:
                    st.button(
                        texte_brut(
                            f"Fusionner avec « {_texte(officielle.get('nom'))} » "
                            + ("(même SIRET)" if meme_siret else "(même nom, même commune)")
                        ),
                        key=f"fusionner_{ident}",
                        icon=":material/merge:",
                        on_click=_fusionner,
                        args=(
                            ident,
                            str(officielle["cle"]),
                            officielle.get("siret"),
                            officielle.get("commune") if isinstance(officielle.get("commune"), str) else None,
                        ),
                    )
            else:
                st.button(
                    "Accepter le signalement"
                    + (" (masque la structure ici)" if ligne.get("motif") in MOTIFS_QUI_MASQUENT else ""),
                    key=f"accepter_{ident}",
                    icon=":material/check:",
                    type="primary",
                    on_click=_accepter,
                    args=(ident, []),
                )
            colonnes = st.columns([4, 1], vertical_alignment="bottom")
            colonnes[0].text_input(
                "Raison du refus (notée au journal seulement)", key=f"refus_{ident}", max_chars=500
            )
            colonnes[1].button(
                "Refuser", key=f"refuser_{ident}", icon=":material/close:", on_click=_refuser, args=(ident,)
            )

with onglets["masquer"]:
    st.markdown(
        "Masquer ici une structure officielle (par exemple fermée depuis 2025) : elle disparaît des cartes, "
        "listes et comptes de ce tableau de bord ; les données officielles ne changent pas, et le journal "
        "permet de la remontrer."
    )
    st.text_input(
        "Identifiant de la structure (SIRET, ou clé affichée sur la page Structures)",
        key="masquer_cle",
        max_chars=200,
    )
    cible = _structure(_valeur("masquer_cle"))
    if _valeur("masquer_cle"):
        if cible is None:
            st.warning("Aucune structure du registre n'a cet identifiant.", icon=":material/help:")
        else:
            nom_commune = (
                ref.communes.nom.get(cible.get("commune")) if isinstance(cible.get("commune"), str) else None
            )
            st.text(f"Structure : {_texte(cible.get('nom'))} — {nom_commune or 'commune inconnue'}")
    st.text_input("Raison (par exemple : fermée depuis 2025)", key="masquer_motif", max_chars=500)
    st.button("Masquer cette structure", key="masquer", icon=":material/visibility_off:", on_click=_masquer)

with onglets["journal"]:
    journal = contributions.actions(depot, utilisateur, dans)
    if journal.empty:
        st.caption("Aucune action de modération pour l'instant.")
    else:
        tableaux.afficher(journal.drop(columns=["lot"]), column_config={"quand (UTC)": "Quand (UTC)"})
        annulables = journal[journal["annulée"] == "non"]
        libelles = {
            str(action["lot"]): f"{action['action']} — {action['structure']} ({action['quand (UTC)']})"
            for action in annulables.to_dict("records")
        }
        st.selectbox(
            "Action à annuler",
            list(libelles),
            index=None,
            # A select box shows its options as plain text (no Markdown to escape).
            format_func=libelles.__getitem__,
            placeholder=page.CHOISIR,
            key="lot_a_annuler_moderation",
        )
        st.button("Annuler cette action", key="annuler_moderation", icon=":material/undo:", on_click=_annuler)

if "rgpd" in onglets:
    with onglets["rgpd"]:
        st.markdown(
            "À la demande d'une personne : exporter ou effacer les propositions qu'elle a envoyées, "
            "d'après le contact qu'elle a donné (majuscules et espaces ignorés). Les contacts sont de "
            f"toute façon effacés {contributions.JOURS_CONSERVATION_CONTACT} jours après la décision."
        )
        st.text_input("Contact de la personne (courriel ou téléphone)", key="rgpd_contact", max_chars=200)
        contact = _valeur("rgpd_contact")
        if contact:
            export = contributions.exporter_personne(depot, contact, utilisateur)
            # Dates as the person reads them (the workbook writer takes text or numbers).
            export = export.apply(
                lambda colonne: (
                    colonne.dt.strftime("%d/%m/%Y %H:%M")
                    if pd.api.types.is_datetime64_any_dtype(colonne)
                    else colonne
                )
            )
            st.markdown(f"**{accorder(len(export), 'contribution')}** envoyées avec ce contact.")
            if not export.empty:
                telechargement.csv(
                    "Exporter ses contributions (CSV)",
                    export,
                    "contributions_personne.csv",
                    "rgpd_export",
                )
                st.checkbox("Je confirme l'effacement de ces contributions", key="rgpd_confirmer")
                st.button(
                    "Effacer ses contributions",
                    key="rgpd_effacer",
                    icon=":material/delete:",
                    on_click=_effacer_personne,
                )
