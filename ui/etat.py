"""The view's state lives in the URL (``?territoire=epci:200042190``).

Copying the address gives a colleague the same view; page links carry the
same parameters (:func:`parametres`), so switching page keeps the territory.
Every parameter is read with :func:`parametre` (or :func:`liste`) and written with
:func:`definir_parametre` (or :func:`definir_liste`): a value outside what is allowed
reads as the default, a default value is left out of the address.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import streamlit as st

from geo.donnees import lecture_carte
from geo.outils.text import texte_brut
from geo.territoires.referentiel import IdentifiantInvalide, Referentiel, TerritoireId, TerritoireInconnu

CLE_TERRITOIRE = "territoire"
_CLE_ERREUR = "_erreur_url"


def territoire_courant(ref: Referentiel) -> TerritoireId | None:
    """The territory named in the URL, or None (whole country).

    A malformed or unknown id is dropped from the URL and reported once, in
    French, by :func:`afficher_erreur_url`.
    """
    texte = st.query_params.get(CLE_TERRITOIRE)
    if not texte:
        return None
    try:
        tid = TerritoireId.depuis_texte(texte)
        ref.ligne(tid)
    except (IdentifiantInvalide, TerritoireInconnu) as erreur:
        st.session_state[_CLE_ERREUR] = f"Lien invalide : {erreur} La carte montre la France entière."
        del st.query_params[CLE_TERRITOIRE]
        return None
    return tid


def choisir_territoire(tid: TerritoireId | str | None) -> None:
    """Change the territory (used in widget callbacks)."""
    definir_parametre(CLE_TERRITOIRE, str(tid or ""))


def parametres() -> dict[str, str]:
    """Query parameters that describe the current view, for links."""
    return {cle: st.query_params[cle] for cle in st.query_params}


def signaler(message: str) -> None:
    """A French message about the address, shown once at the top of the page."""
    st.session_state[_CLE_ERREUR] = message


def afficher_erreur_url() -> None:
    message = st.session_state.pop(_CLE_ERREUR, None)
    if message:
        avertir(message)


def avertir(message: str) -> None:
    """Say at once, in French and as plain text, that a value of the address could not be used."""
    st.warning(texte_brut(message), icon=":material/link_off:")


CLE_COUCHES = "couches"


def noms_des_surcouches() -> list[str]:
    """Overlay layers switched on in the URL (``?couches=qpv,commerces``); the mission's when it names
    none, none when it says ``?couches=`` (see :func:`geo.donnees.lecture_carte.couches_de_l_adresse`).
    """
    return lecture_carte.couches_de_l_adresse(st.query_params.get(CLE_COUCHES))


def activer_couche(nom: str, active: bool) -> None:
    """Switch an overlay on or off in the URL, keeping a stable order (the mission's: left out)."""
    couches = set(noms_des_surcouches())
    definir_couches(couches | {nom} if active else couches - {nom})


def definir_couches(noms: Iterable[str]) -> None:
    """Write the layers in the URL: the mission's are left out, an empty choice stays (``?couches=``)."""
    texte = lecture_carte.texte_des_couches(noms)
    if texte is None:
        if CLE_COUCHES in st.query_params:
            del st.query_params[CLE_COUCHES]
    else:
        st.query_params[CLE_COUCHES] = texte


CLE_PRESENTATION = "presentation"


def en_presentation() -> bool:
    """Presentation mode (``?presentation=1``): map and figures full width, large type."""
    return parametre(CLE_PRESENTATION, "", ["1"]) == "1"


def presenter(active: bool) -> None:
    definir_parametre(CLE_PRESENTATION, "1" if active else "")
    if not active:
        definir_parametre(CLE_DIAPOSITIVE, "")


CLE_DIAPOSITIVES = "diapos"
CLE_DIAPOSITIVE = "diapo"


def diaporama():
    """The presentation's deck (``?diapos=carte,emplois&diapo=2``, see :mod:`geo.rendu.diaporama`).

    What the address names and cannot be used is said in French, as plain text, at each run
    while it stays in the address.
    """
    from geo.rendu import diaporama as diaporama_geo

    lu = diaporama_geo.lire(st.query_params.get(CLE_DIAPOSITIVES), st.query_params.get(CLE_DIAPOSITIVE))
    for message in lu.messages:
        avertir(message)
    return lu


def aller_a_diapositive(diapos: Iterable[str], rang: int) -> None:
    """Show the slide at ``rang`` (from 1) of the deck ``diapos``.

    The deck is written back as read (what it named and could not be used is left out), and the
    first slide is left out of the address.
    """
    from geo.rendu import diaporama as diaporama_geo

    definir_parametre(CLE_DIAPOSITIVES, diaporama_geo.texte_diapos(list(diapos)))
    definir_parametre(CLE_DIAPOSITIVE, str(rang), "1")


def choisir_diapositives(diapos: Iterable[str]) -> None:
    """Change the deck's slides; the presentation starts again from its first slide."""
    from geo.rendu import diaporama as diaporama_geo

    definir_parametre(CLE_DIAPOSITIVES, diaporama_geo.texte_diapos(list(diapos)))
    definir_parametre(CLE_DIAPOSITIVE, "")


def lien_permanent() -> str | None:
    """The full address of the current view (page and every URL parameter)."""
    from urllib.parse import urlencode

    base = st.context.url
    if not base:
        return None
    parametres_vue = parametres()
    return base + (f"?{urlencode(parametres_vue)}" if parametres_vue else "")


CLE_DEFINITION = "definition"


def definition_commerces() -> str:
    """Which communes count as "without shops" (``?definition=alimentaire``, or type codes)."""
    return parametre(CLE_DEFINITION, "tous")


def choisir_definition(texte: str) -> None:
    definir_parametre(CLE_DEFINITION, texte, "tous")


def parametre(cle: str, defaut: str, permises: Collection[str] | None = None) -> str:
    """A URL parameter of the view; a missing or unknown value reads as the default."""
    valeur = st.query_params.get(cle) or defaut
    return valeur if permises is None or valeur in permises else defaut


def definir_parametre(cle: str, valeur: str, defaut: str = "") -> None:
    """Set a URL parameter; the default value is left out so that links stay short."""
    if valeur and valeur != defaut:
        st.query_params[cle] = valeur
    elif cle in st.query_params:
        del st.query_params[cle]


def liste(cle: str, permises: Collection[str] | None = None) -> list[str]:
    """A comma-separated URL parameter (``?couches=qpv,commerces``); unknown values are dropped."""
    valeurs = [v for v in parametre(cle, "").split(",") if v]
    return [v for v in valeurs if permises is None or v in permises]


def definir_liste(cle: str, valeurs: Iterable[str]) -> None:
    definir_parametre(cle, ",".join(valeurs))


CLE_ANNEE = "annee"


def annee(disponibles: Collection[int] | None = None) -> int | None:
    """The year chosen for jobs and funding (``?annee=2022``), or None for every year.

    A year that is not four digits, or not among ``disponibles`` when given, reads as None and is
    said at each run while it stays in the address: a rerun the page asks for itself (a map
    answering a click) would otherwise take the message away a second after it appeared.
    """
    texte = parametre(CLE_ANNEE, "")
    if not texte:
        return None
    if not (texte.isdigit() and len(texte) == 4):
        probleme = f"année « {texte} » illisible (quatre chiffres attendus, par exemple 2022)"
    elif disponibles is not None and int(texte) not in disponibles:
        probleme = f"aucun emploi ni financement connu en {texte}"
    else:
        return int(texte)
    avertir(f"Lien : {probleme} : toutes les années sont montrées.")
    return None


def choisir_annee(valeur: int | None) -> None:
    definir_parametre(CLE_ANNEE, str(valeur) if valeur is not None else "")
