"""The public forms of contributions: « Proposer une structure » and « Signaler une erreur ».

No account: anyone may send; :mod:`geo.base.contributions` checks and stores « en attente »,
and nothing is shown publicly before a moderator accepts it (page Modération). Each refused
field gets its French message right under it, and what was typed stays in the fields. The
form's hidden field (:data:`geo.base.contributions.CHAMP_PIEGE`) is out of sight, out of the
keyboard's path and out of screen readers' reach (:func:`cacher_piege`).
"""

from __future__ import annotations

import streamlit as st

from geo.base import comptes, contributions
from geo.base.store import BaseInaccessible, message_indisponible
from geo.outils import geocodage
from geo.outils.reseau import adresse_emettrice
from geo.outils.text import nombre_fr, texte_brut
from geo.territoires.referentiel import Referentiel, TerritoireId
from ui import carte as carte_ui
from ui import donnees, page, telechargement

MERCI_PROPOSITION = (
    "Merci : votre proposition sera publiée après vérification par un modérateur du territoire. "
    "D'ici là, elle n'apparaît nulle part."
)
MERCI_SIGNALEMENT = (
    "Merci : votre signalement sera examiné par un modérateur du territoire. La structure reste "
    "affichée telle quelle tant qu'il n'a pas été vérifié."
)
# Beyond this many communes the list would be long to send and to read: the point says the commune.
COMMUNES_EN_LISTE_MAX = 1_000
# An id read from the address is shown (as plain text) at most this long.
LONGUEUR_CLE_AFFICHEE = 60

_CHAMPS = {c.nom: c for c in contributions.CHAMPS_PROPOSITION}
_CHAMPS_SIGNALEMENT = {c.nom: c for c in contributions.CHAMPS_SIGNALEMENT}

# Off-screen, invisible, and (by the script) out of the tab order and of the accessibility tree.
_PIEGE = """
<style>
.st-key-__CLE__ { position: absolute !important; left: -10000px !important; top: auto !important;
  width: 1px !important; height: 1px !important; overflow: hidden !important; visibility: hidden; }
</style>
<script>
(() => {
  const cacher = () => {
    for (const bloc of document.querySelectorAll(".st-key-__CLE__")) {
      bloc.setAttribute("aria-hidden", "true");
      for (const champ of bloc.querySelectorAll("input, textarea, button")) {
        if (champ.getAttribute("tabindex") !== "-1") champ.setAttribute("tabindex", "-1");
        champ.setAttribute("autocomplete", "off");
      }
    }
  };
  cacher();
  new MutationObserver(cacher).observe(document.body, {childList: true, subtree: true});
})();
</script>
"""


def cacher_piege(cle: str) -> None:
    """Hide the honeypot widget keyed ``cle`` from people (sight, keyboard, screen readers)."""
    st.html(_PIEGE.replace("__CLE__", cle), unsafe_allow_javascript=True)


def emetteur() -> contributions.Emetteur:
    """Who sends, for the rate limits: the browser session, and the network address (the one the
    deployment's proxy saw, ``X-Real-IP``, when the connection comes from that proxy; else the
    connection's: geo.outils.reseau)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    contexte = get_script_run_ctx()
    session = contexte.session_id if contexte is not None else ""
    try:
        adresse = adresse_emettrice(st.context.ip_address, st.context.headers.get("X-Real-IP"))
    except Exception:  # no request behind this run (tests)
        adresse = None
    # Unknown (a browser on this machine, a proxy that passes no address, AppTest): the limits of
    # all unknown addresses, shared (geo.base.contributions.ADRESSE_INCONNUE).
    return contributions.Emetteur(
        session=str(session or ""), adresse=adresse if isinstance(adresse, str) and adresse else None
    )


def limite(champ: contributions.Champ) -> str:
    """« 150 caractères au plus », said before typing."""
    return f"{nombre_fr(champ.longueur_max)} caractères au plus"


def _aide(champ: contributions.Champ) -> str:
    return f"{champ.aide} {limite(champ).capitalize()}." if champ.aide else f"{limite(champ).capitalize()}."


def _libelle(champ: contributions.Champ) -> str:
    return f"{champ.libelle}{' *' if champ.obligatoire else ''}"


def _refus(erreurs: dict[str, str], *noms: str) -> None:
    """The French messages of these refused fields, right under them (plain text)."""
    for nom in noms:
        if nom in erreurs:
            st.error(texte_brut(erreurs[nom]), icon=":material/error:")


# Propose a structure ---------------------------------------------------------------------

_CLE_ENVOI = "_proposition_envoi"
# The messages drawn under their field; any other is said at the top of the form.
_DESSINES = {*_CHAMPS, "lieu", "envoi"}
_CLE_MERCI = "_proposition_merci"
_CLE_POINT = "proposition_point"


def _cle(nom: str) -> str:
    return f"proposition_{nom}"


def _lire_point(texte: str) -> tuple[tuple[float, float] | None, str | None]:
    if not (texte or "").strip():
        return None, None
    try:
        return geocodage.lire_coordonnees(texte), None
    except ValueError as erreur:
        return None, str(erreur)


def _envoyer_proposition() -> None:
    point, _erreur = _lire_point(st.session_state.get(_CLE_POINT, ""))
    valeurs: dict[str, object] = {
        nom: st.session_state.get(_cle(nom)) or "" for nom in _CHAMPS if nom not in ("lon", "lat")
    }
    valeurs["lon"], valeurs["lat"] = (f"{point[0]:.6f}", f"{point[1]:.6f}") if point else ("", "")
    valeurs[contributions.CHAMP_PIEGE] = st.session_state.get(_cle(contributions.CHAMP_PIEGE)) or ""
    try:
        envoi = contributions.proposer(
            donnees.depot(),
            valeurs,
            emetteur(),
            donnees.commune_au_point,
            donnees.donnees_structures().siret_connu,
        )
    except BaseInaccessible as erreur:
        envoi = contributions.Envoi(erreurs={"envoi": message_indisponible(erreur)})
    if envoi.accepte:
        st.session_state[_CLE_MERCI] = True
        st.session_state.pop(_CLE_ENVOI, None)
        for nom in (*_CHAMPS, contributions.CHAMP_PIEGE):
            st.session_state.pop(_cle(nom), None)
        st.session_state.pop(_CLE_POINT, None)
    else:
        st.session_state[_CLE_ENVOI] = envoi.erreurs


def _chercher_adresse() -> None:
    texte = st.session_state.get(_cle("adresse")) or ""
    commune = st.session_state.get(_cle("commune")) or ""
    try:
        trouvees = geocodage.chercher_adresse(f"{texte} {commune}".strip() if texte else "")
    except (ValueError, geocodage.GeocodageIndisponible) as erreur:
        st.session_state["_proposition_adresse_info"] = str(erreur)
        return
    if not trouvees:
        st.session_state["_proposition_adresse_info"] = (
            "Aucune adresse trouvée : précisez-la, ou cliquez sur la carte, ou saisissez les coordonnées."
        )
        return
    meilleure = trouvees[0]
    st.session_state[_CLE_POINT] = f"{meilleure.lat:.5f}, {meilleure.lon:.5f}"
    st.session_state["_proposition_adresse_info"] = f"Adresse retenue : {meilleure.libelle}."


def formulaire_proposition(ref: Referentiel, tid: TerritoireId | None, ouvert: bool = False) -> None:
    """« Proposer une structure » (``ouvert``: unfolded, as a link from the map asks)."""
    with st.expander("Proposer une structure", expanded=ouvert, icon=":material/add_location_alt:"):
        if comptes.lecture_seule():
            # Said before anything is typed: the store would refuse the send anyway.
            st.info(comptes.MESSAGE_LECTURE_SEULE, icon=":material/lock:")
            return
        if st.session_state.pop(_CLE_MERCI, False):
            st.success(MERCI_PROPOSITION, icon=":material/check_circle:")
        st.markdown(
            "Une structure de l'ESS manque ? Proposez-la : elle sera publiée, avec la source « "
            f"{contributions.LIBELLE_SOURCE} », après vérification par un modérateur du territoire. Pas "
            "besoin de compte. Les champs marqués * sont obligatoires."
        )
        st.caption(contributions.TEXTE_RGPD)
        erreurs: dict[str, str] = st.session_state.get(_CLE_ENVOI) or {}
        if erreurs:
            st.error(
                "Rien n'a été envoyé : corrigez les champs signalés ci-dessous (ce que vous avez saisi est "
                "gardé).",
                icon=":material/error:",
            )
            _refus(erreurs, "envoi", *(nom for nom in erreurs if nom not in _DESSINES))
        _choisir_commune(ref, tid)
        _refus(erreurs, "commune")
        _placer(ref, erreurs)
        with st.form("proposition", border=False, enter_to_submit=False):
            for nom in ("nom", "siret"):
                champ = _CHAMPS[nom]
                st.text_input(_libelle(champ), key=_cle(nom), help=_aide(champ))
                _refus(erreurs, nom)
            famille = _CHAMPS["famille"]
            st.selectbox(
                _libelle(famille),
                contributions.FAMILLES,
                index=None,
                format_func=contributions.LIBELLES_FAMILLES.get,
                placeholder=page.CHOISIR,
                key=_cle("famille"),
            )
            _refus(erreurs, "famille")
            for nom in ("activite", "site_web"):
                champ = _CHAMPS[nom]
                st.text_input(_libelle(champ), key=_cle(nom), help=_aide(champ))
                _refus(erreurs, nom)
            for nom in ("description", "contact"):
                champ = _CHAMPS[nom]
                if nom == "description":
                    st.text_area(_libelle(champ), key=_cle(nom), help=_aide(champ), height=100)
                else:
                    st.text_input(_libelle(champ), key=_cle(nom), help=_aide(champ), autocomplete="email")
                st.caption(limite(champ).capitalize() + (f" : {champ.aide}" if nom == "contact" else "."))
                _refus(erreurs, nom)
            st.text_input(contributions.LIBELLE_CHAMP_PIEGE, key=_cle(contributions.CHAMP_PIEGE))
            st.form_submit_button(
                "Envoyer la proposition", icon=":material/send:", on_click=_envoyer_proposition
            )
        cacher_piege(_cle(contributions.CHAMP_PIEGE))


def _choisir_commune(ref: Referentiel, tid: TerritoireId | None) -> None:
    champ = _CHAMPS["commune"]
    if tid is not None and tid.niveau == "commune":
        st.session_state[_cle("commune")] = tid.code
        st.markdown(texte_brut(f"Commune : {ref.communes.nom.get(tid.code, tid.code)} ({tid.code})"))
        return
    communes = ref.communes_de(tid)
    if len(communes) <= COMMUNES_EN_LISTE_MAX:
        noms = communes.nom.to_dict()
        st.selectbox(
            _libelle(champ),
            sorted(noms, key=lambda code: (noms[code], code)),
            index=None,
            format_func=lambda code: f"{noms.get(code, code)} ({code})",
            placeholder=page.CHOISIR,
            help=champ.aide,
            key=_cle("commune"),
        )
        return
    # Too many to list: the commune is the one under the point given below.
    point, _ = _lire_point(st.session_state.get(_CLE_POINT, ""))
    code = donnees.commune_au_point(*point) if point else None
    st.session_state[_cle("commune")] = code or ""
    st.markdown(
        texte_brut(f"Commune : {ref.communes.nom.get(code, code)} ({code}), celle du point donné.")
        if code
        else "Commune : celle du point donné ci-dessous (ou choisissez d'abord un département, un EPCI ou "
        "une commune dans la barre latérale)."
    )


def _placer(ref: Referentiel, erreurs: dict[str, str]) -> None:
    """The place: an address looked up, a click on the commune's map, or coordinates typed."""
    st.markdown(
        "**Emplacement \\*** : cherchez l'adresse, cliquez sur la carte de la commune, ou saisissez "
        "les coordonnées."
    )
    adresse = _CHAMPS["adresse"]
    colonnes = st.columns([3, 1], vertical_alignment="bottom")
    colonnes[0].text_input(_libelle(adresse), key=_cle("adresse"), help=_aide(adresse))
    colonnes[1].button("Chercher l'adresse", key="proposition_chercher_adresse", on_click=_chercher_adresse)
    info = st.session_state.pop("_proposition_adresse_info", None)
    if info:
        st.caption(texte_brut(info))
    _refus(erreurs, "adresse")
    commune = st.session_state.get(_cle("commune")) or ""
    if commune and st.toggle("Choisir le point sur la carte de la commune", key="proposition_sur_carte"):
        clic = carte_ui.afficher(
            TerritoireId("commune", commune),
            [],
            cle="carte-proposition",
            hauteur=360,
            retours=carte_ui.RETOURS_CLIC,
            texte_dessous=False,
        )
        point = carte_ui.point_clique(clic, "_proposition_dernier_clic")
        if point is not None:
            st.session_state[_CLE_POINT] = f"{point[1]:.5f}, {point[0]:.5f}"
    st.text_input(
        "Coordonnées (latitude, longitude) *",
        key=_CLE_POINT,
        placeholder="50.3236, 3.3969",
        help="Remplies par la recherche d'adresse ou un clic sur la carte ; le point doit être dans la "
        "commune.",
    )
    point, erreur_point = _lire_point(st.session_state.get(_CLE_POINT, ""))
    if erreur_point:
        st.error(texte_brut(erreur_point), icon=":material/error:")
    elif point:
        code = donnees.commune_au_point(*point)
        nom = ref.communes.nom.get(code) if code else None
        st.caption(
            texte_brut(f"Point dans la commune : {nom} ({code})." if nom else "Point hors de toute commune.")
        )
    _refus(erreurs, "lieu", "lon", "lat")


# Report an error ---------------------------------------------------------------------------

_CLE_ENVOI_SIGNALEMENT = "_signalement_envoi"
_CLE_MERCI_SIGNALEMENT = "_signalement_merci"


def _cle_signalement(nom: str) -> str:
    return f"signalement_{nom}"


def cle_affichee(cle: str) -> str:
    """An id read from the address, as plain text, cut to :data:`LONGUEUR_CLE_AFFICHEE`."""
    cle = str(cle)
    coupee = cle if len(cle) <= LONGUEUR_CLE_AFFICHEE else cle[:LONGUEUR_CLE_AFFICHEE] + "…"
    return texte_brut(coupee)


def _envoyer_signalement(cle: str, commune: str | None, nom: str) -> None:
    valeurs: dict[str, object] = {
        n: st.session_state.get(_cle_signalement(n)) or "" for n in _CHAMPS_SIGNALEMENT
    }
    valeurs[contributions.CHAMP_PIEGE] = (
        st.session_state.get(_cle_signalement(contributions.CHAMP_PIEGE)) or ""
    )
    try:
        envoi = contributions.signaler(donnees.depot(), cle, commune, nom, valeurs, emetteur())
    except BaseInaccessible as erreur:
        envoi = contributions.Envoi(erreurs={"envoi": message_indisponible(erreur)})
    if envoi.accepte:
        st.session_state[_CLE_MERCI_SIGNALEMENT] = True
        st.session_state.pop(_CLE_ENVOI_SIGNALEMENT, None)
        for n in (*_CHAMPS_SIGNALEMENT, contributions.CHAMP_PIEGE):
            st.session_state.pop(_cle_signalement(n), None)
    else:
        st.session_state[_CLE_ENVOI_SIGNALEMENT] = envoi.erreurs


def formulaire_signalement(structure: dict | None, cle: str) -> None:
    """« Signaler une erreur » on one structure of the register (``structure``: its row, or None
    when ``cle`` names none: said, as plain text)."""
    with st.container(border=True, key="signalement"):
        st.subheader("Signaler une erreur", anchor="signaler-une-erreur")
        if st.session_state.pop(_CLE_MERCI_SIGNALEMENT, False):
            st.success(MERCI_SIGNALEMENT, icon=":material/check_circle:")
            return
        if structure is None:
            st.warning(
                f"Aucune structure du registre n'a l'identifiant « {cle_affichee(cle)} » : vérifiez le "
                "lien, ou choisissez la structure dans la liste.",
                icon=":material/help:",
            )
            return
        if comptes.lecture_seule():
            st.info(comptes.MESSAGE_LECTURE_SEULE, icon=":material/lock:")
            return
        nom = str(structure.get("nom") or "(sans nom)")
        st.markdown(texte_brut(f"Structure : {nom}"))
        st.caption(f"Identifiant : {cle_affichee(cle)} · {contributions.TEXTE_RGPD}")
        erreurs: dict[str, str] = st.session_state.get(_CLE_ENVOI_SIGNALEMENT) or {}
        if erreurs:
            st.error("Rien n'a été envoyé : corrigez ce qui est signalé ci-dessous.", icon=":material/error:")
            _refus(erreurs, "envoi")
        with st.form("signalement_formulaire", border=False, enter_to_submit=False):
            st.radio(
                _libelle(_CHAMPS_SIGNALEMENT["motif"]),
                list(contributions.MOTIFS_SIGNALEMENT),
                index=None,
                format_func=lambda motif: contributions.MOTIFS_SIGNALEMENT[motif].capitalize(),
                key=_cle_signalement("motif"),
            )
            _refus(erreurs, "motif")
            commentaire = _CHAMPS_SIGNALEMENT["commentaire"]
            st.text_area(
                _libelle(commentaire), key=_cle_signalement("commentaire"), help=_aide(commentaire), height=90
            )
            st.caption(f"{limite(commentaire).capitalize()}.")
            _refus(erreurs, "commentaire")
            contact = _CHAMPS_SIGNALEMENT["contact"]
            st.text_input(
                _libelle(contact), key=_cle_signalement("contact"), help=_aide(contact), autocomplete="email"
            )
            st.caption(f"{limite(contact).capitalize()} : {contact.aide}")
            _refus(erreurs, "contact")
            st.text_input(contributions.LIBELLE_CHAMP_PIEGE, key=_cle_signalement(contributions.CHAMP_PIEGE))
            st.form_submit_button(
                "Envoyer le signalement",
                icon=":material/send:",
                on_click=_envoyer_signalement,
                args=(cle, structure.get("commune"), nom),
            )
        cacher_piege(_cle_signalement(contributions.CHAMP_PIEGE))


# Open data ---------------------------------------------------------------------------------


def telechargements_ouverts(cle: str, conteneur=None) -> dict | None:
    """The accepted contributions as open data, for anyone: their licence (and why it), the CSV
    and the GeoJSON. Never a contact, never a pending or refused proposal
    (:func:`geo.base.contributions.publiees`). Returns the dataset's description
    (:func:`geo.base.contributions.jeu_de_donnees`), or None when the store cannot be reached:
    said in French, and the rest of the page stands."""
    conteneur = conteneur or st.container()
    try:
        publiees, jeu = donnees.contributions_ouvertes()
    except BaseInaccessible as erreur:
        conteneur.warning(
            "Les contributions vérifiées ne peuvent pas être téléchargées pour le moment. "
            + message_indisponible(erreur),
            icon=":material/database:",
        )
        return None
    conteneur.markdown(
        f"Structures proposées par les acteurs du territoire et vérifiées par un modérateur : "
        f"**{nombre_fr(jeu['nombre'])}**, sous [{contributions.LICENCE}]({contributions.URL_LICENCE}) "
        "(sans aucun contact)."
    )
    conteneur.caption(contributions.POURQUOI_LICENCE)
    boutons = conteneur.columns(2)
    telechargement.fichier(
        "Contributions vérifiées (CSV)",
        publiees,
        contributions.csv_ouvert,
        "csv-contributions-ouvertes",
        "contributions_verifiees.csv",
        "text/csv",
        f"{cle}-csv",
        boutons[0],
        icon=":material/download:",
        help="Séparateur point-virgule, virgule décimale, UTF-8 avec BOM (tableurs français) ; une "
        f"colonne « Licence ». {contributions.NOTE_FORMULES_CSV}",
    )
    telechargement.fichier(
        "Contributions vérifiées (GeoJSON)",
        publiees,
        contributions.geojson_ouvert,
        "geojson-contributions-ouvertes",
        "contributions_verifiees.geojson",
        "application/geo+json",
        f"{cle}-geojson",
        boutons[1],
        icon=":material/download:",
        help="Points en longitude/latitude WGS84 ; la licence est dans le fichier.",
    )
    return jeu


__all__ = [
    "MERCI_PROPOSITION",
    "MERCI_SIGNALEMENT",
    "cacher_piege",
    "cle_affichee",
    "emetteur",
    "formulaire_proposition",
    "formulaire_signalement",
    "limite",
    "telechargements_ouverts",
]
