"""Who is writing: the login form or the identity provider, and the guard of every writing page.

Reading needs no account. A page that writes (Saisie, Modération) starts, under its title,
with::

    depot, utilisateur = acces.ouvrir_ecriture()                  # None: the page goes on, read-only
    depot, utilisateur = acces.ouvrir_ecriture(obligatoire=True)  # nobody may write: the page stops

which stops the page with its message when the store is out of reach, draws the login form
(or the identity provider's button), the read-only notice (``ESS_LECTURE_SEULE=1``) or
« réservé aux administrateurs » when nobody suitable is logged in, and otherwise who is
logged in with the way out. :func:`exiger_role` and :func:`ecrivain` are its guard alone (a
refresh of official data on the Sources page); :func:`utilisateur_connecte` tells without
drawing anything.

When the deployment's ``.streamlit/secrets.toml`` has an ``[auth]`` section,
Streamlit's ``st.login`` (OpenID Connect) says who the user is, and an account with
that e-mail address says what they may write; otherwise built-in accounts log in
with a password.
"""

from __future__ import annotations

import streamlit as st

from geo.base import comptes
from geo.base.comptes import ADMINISTRATEUR, Utilisateur
from geo.base.store import BaseInaccessible, Depot, message_indisponible
from geo.outils.text import texte_brut
from ui import donnees

CLE_COMPTE = "_compte_id"
_CLE_REFUS = "_connexion_refusee"


def fournisseur_identite() -> bool:
    """Whether the deployment configures an identity provider (``[auth]`` in st.secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def utilisateur_connecte() -> Utilisateur | None:
    """The logged-in account, read again on every run (a disabled account stops at once)."""
    depot = donnees.depot()
    if fournisseur_identite():
        if not getattr(st.user, "is_logged_in", False) or not st.user.get("email"):
            return None
        return comptes.par_identifiant(depot, str(st.user.get("email")))
    compte_id = st.session_state.get(CLE_COMPTE)
    return comptes.charger(depot, compte_id) if compte_id is not None else None


def _connecter() -> None:
    identifiant = st.session_state.get("connexion_identifiant", "")
    mot_de_passe = st.session_state.get("connexion_mot_de_passe", "")
    # The password does not stay in the session once tried.
    st.session_state["connexion_mot_de_passe"] = ""
    try:
        utilisateur = comptes.connecter(donnees.depot(), identifiant, mot_de_passe)
    except comptes.ConnexionRefusee as refus:
        st.session_state[_CLE_REFUS] = str(refus)
        st.session_state.pop(CLE_COMPTE, None)
    else:
        st.session_state[CLE_COMPTE] = utilisateur.id
        st.session_state.pop(_CLE_REFUS, None)


def _deconnecter() -> None:
    st.session_state.pop(CLE_COMPTE, None)


def formulaire_connexion() -> None:
    """The identity provider's button, or the built-in login form."""
    if fournisseur_identite():
        if getattr(st.user, "is_logged_in", False):
            st.warning(
                texte_brut(
                    f"Vous êtes connecté comme {st.user.get('email')}, mais aucun compte ne vous donne le "
                    "droit d'écrire : demandez-le à un administrateur."
                ),
                icon=":material/lock:",
            )
            st.button("Se déconnecter", on_click=st.logout, icon=":material/logout:", key="deconnexion_oidc")
        else:
            st.button("Se connecter", on_click=st.login, icon=":material/login:", key="connexion_oidc")
        return
    refus = st.session_state.pop(_CLE_REFUS, None)
    if refus:
        st.error(texte_brut(refus), icon=":material/lock:")
    with st.form("connexion", border=True):
        st.text_input("Identifiant", key="connexion_identifiant", autocomplete="username")
        st.text_input(
            "Mot de passe", type="password", key="connexion_mot_de_passe", autocomplete="current-password"
        )
        st.form_submit_button("Se connecter", icon=":material/login:", on_click=_connecter)


def bandeau(utilisateur: Utilisateur) -> None:
    """Who is logged in, what they may write, and the way out."""
    colonnes = st.columns([4, 1])
    if utilisateur.est_administrateur:
        droits = "administrateur : toutes les données"
    else:
        droits = "contributeur : les données de vos PTCE et territoires"
    colonnes[0].caption(texte_brut(f"Connecté : {utilisateur.libelle} ({droits})."))
    if fournisseur_identite():
        colonnes[1].button("Se déconnecter", on_click=st.logout, icon=":material/logout:", key="deconnexion")
    else:
        colonnes[1].button(
            "Se déconnecter", on_click=_deconnecter, icon=":material/logout:", key="deconnexion"
        )


def ecrivain(role: str | None = None) -> Utilisateur | None:
    """The logged-in account allowed to write (``role``: only that role), or None after drawing
    what stands in the way: the read-only notice, the login form, or « réservé aux
    administrateurs ». The page goes on (to show what anyone may read)."""
    if comptes.lecture_seule():
        st.info(comptes.MESSAGE_LECTURE_SEULE, icon=":material/lock:")
        return None
    utilisateur = utilisateur_connecte()
    if utilisateur is None:
        st.info("Connectez-vous pour saisir ou modifier des données (la lecture reste ouverte à tous).")
        formulaire_connexion()
        return None
    if role == ADMINISTRATEUR and not utilisateur.est_administrateur:
        st.warning("Réservé aux administrateurs.", icon=":material/lock:")
        return None
    return utilisateur


def exiger_role(role: str | None = None) -> Utilisateur:
    """Like :func:`ecrivain`, but the page stops here when nobody suitable is logged in."""
    utilisateur = ecrivain(role)
    if utilisateur is None:
        st.stop()
    return utilisateur


def ouvrir_ecriture(
    role: str | None = None, *, obligatoire: bool = False
) -> tuple[Depot, Utilisateur | None]:
    """The top of a page that writes: the store, and the logged-in account allowed to write.

    The page stops with the store's French message when it is out of reach. Then
    :func:`ecrivain` draws what stands in the way (read-only notice, login form, « réservé aux
    administrateurs »), or the logged-in banner (:func:`bandeau`). ``obligatoire``: the page
    stops when nobody suitable is logged in (Modération); otherwise it goes on with None, to
    show what anyone may read (Saisie's export).
    """
    try:
        depot = donnees.depot()
    except BaseInaccessible as erreur:
        st.error(message_indisponible(erreur), icon=":material/database_off:")
        st.stop()
    utilisateur = exiger_role(role) if obligatoire else ecrivain(role)
    if utilisateur is not None:
        bandeau(utilisateur)
    return depot, utilisateur


__all__ = [
    "bandeau",
    "ecrivain",
    "exiger_role",
    "formulaire_connexion",
    "fournisseur_identite",
    "ouvrir_ecriture",
    "utilisateur_connecte",
]
