"""Structures proposed and errors reported by the public, moderated per territory.

Anyone may, without an account:

- **propose a structure** (:func:`proposer`): name, optional SIRET, a place (a point given by
  the address search or a click on the map, checked to lie in the commune given), family,
  activity, website, a short description, and a contact for the moderator only;
- **report an error** on any structure of the register, official or contributed
  (:func:`signaler`), with one of :data:`MOTIFS_SIGNALEMENT`.

Both wait « en attente » in the store (tables ``contribution`` and ``masquage``, migration
0004) until a moderator acts (:func:`accepter`, :func:`refuser`, :func:`fusionner`,
:func:`masquer`): a contributor on the proposals and reports of their territories or PTCE, an
administrator everywhere (:func:`peut_moderer`). Each action is one lot of the audit journal
(:mod:`geo.base.journal`) and can be undone (:func:`annuler`). Nothing pending is ever read by
the register: :func:`acceptees` and :func:`cles_masquees` are what
:mod:`geo.donnees.structures` merges into it.

Abuse: every field has a length limit (:data:`CHAMPS_PROPOSITION`), text is plain (no HTML,
no control character), a hidden field (:data:`CHAMP_PIEGE`) must stay empty, one browser
session and one network address may only send so many (:data:`LIMITES`), an address may only
have so many pending proposals, and a form carrying several structures is refused. The address
is never stored: only a keyed hash of it (:func:`empreinte`). When the server cannot see the
sender's address (the app reached from its own machine, or behind a proxy that does not pass it
on), every such sender shares one address, :data:`ADRESSE_INCONNUE`: as strict against a robot
that opens new sessions, said as such in the refusals, and logged once for the operator.

Privacy: the contact is never shown publicly nor exported; it is erased
:data:`JOURS_CONSERVATION_CONTACT` days after moderation (:func:`purger_contacts`, nightly), and
an administrator can export and erase a person's proposals (:func:`exporter_personne`,
:func:`effacer_personne`). The journal never holds a contact.

Open data: accepted contributions under the Licence Ouverte 2.0 (:data:`LICENCE`), as CSV and
GeoJSON (:func:`csv_ouvert`, :func:`geojson_ouvert`), described for the Sources page by
:func:`jeu_de_donnees`.

This module sits below :mod:`geo.donnees` (tests/test_architecture.py): the register's SIRETs
and rows are given to it by the caller, never read here.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import DateTime, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from geo.base import comptes, journal, store
from geo.base.comptes import Utilisateur
from geo.outils import nomenclature
from geo.outils import siret as siret_mod
from geo.outils.codes import parmi
from geo.outils.text import cle_recherche, date_heure_fr

_consignes = logging.getLogger(__name__)

# What the form asks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Champ:
    """One field of the public form: its key, French label, length limit, whether required, help."""

    nom: str
    libelle: str
    longueur_max: int
    obligatoire: bool = False
    aide: str = ""


CHAMPS_PROPOSITION: tuple[Champ, ...] = (
    Champ("nom", "Nom de la structure", 150, True),
    Champ("siret", "SIRET (facultatif)", 20, False, "14 chiffres ; les espaces sont acceptés."),
    Champ("commune", "Commune (code INSEE)", 5, True, "La commune où se trouve la structure."),
    Champ("adresse", "Adresse", 300, False, "Numéro, voie : elle sert à placer la structure."),
    Champ("lon", "Longitude", 20, True, "Donnée par la recherche d'adresse ou un clic sur la carte."),
    Champ("lat", "Latitude", 20, True, "Donnée par la recherche d'adresse ou un clic sur la carte."),
    Champ("famille", "Famille", 40, True),
    Champ("activite", "Activité", 150, False, "Ce que fait la structure, en quelques mots."),
    Champ("site_web", "Site internet", 200, False, "Adresse commençant par https:// ou http://."),
    Champ("description", "Courte description", 1000, False),
    Champ(
        "contact",
        "Votre contact (courriel ou téléphone)",
        200,
        False,
        "Pour que la personne qui vérifie puisse vous joindre : jamais affiché ni exporté.",
    ),
)
CHAMPS_SIGNALEMENT: tuple[Champ, ...] = (
    Champ("motif", "Motif", 40, True),
    Champ("commentaire", "Précisions", 1000, False, "Par exemple : fermée depuis mars 2025."),
    Champ(
        "contact",
        "Votre contact (courriel ou téléphone)",
        200,
        False,
        "Pour que la personne qui vérifie puisse vous joindre : jamais affiché ni exporté.",
    ),
)
LONGUEURS_MAX: dict[str, int] = {c.nom: c.longueur_max for c in (*CHAMPS_PROPOSITION, *CHAMPS_SIGNALEMENT)}
LIBELLES_CHAMPS: dict[str, str] = {c.nom: c.libelle for c in (*CHAMPS_PROPOSITION, *CHAMPS_SIGNALEMENT)}
# The families a proposal may choose, in the register's order, with their French labels.
FAMILLES: tuple[str, ...] = nomenclature.FAMILLES
LIBELLES_FAMILLES: dict[str, str] = nomenclature.LIBELLES_FAMILLES

# Reports: the reason keys, in the form's order, and what a user reads.
FERMEE, DEMENAGEE, MAUVAISE_FAMILLE, HORS_ESS, AUTRE = (
    "fermee",
    "demenagee",
    "mauvaise_famille",
    "hors_ess",
    "autre",
)
MOTIFS_SIGNALEMENT: dict[str, str] = {
    FERMEE: "fermée",
    DEMENAGEE: "a déménagé",
    MAUVAISE_FAMILLE: "mauvaise famille",
    HORS_ESS: "ne relève pas de l'ESS",
    AUTRE: "autre",
}
# Reports whose acceptance hides the structure locally (reversible; official data unchanged).
MOTIFS_QUI_MASQUENT = frozenset({FERMEE, HORS_ESS})

# The hidden field of the form: people never see it (the page hides it), robots fill it.
CHAMP_PIEGE = "champ_controle"
LIBELLE_CHAMP_PIEGE = "Laissez ce champ vide"

# Statuses of a contribution.
EN_ATTENTE, ACCEPTEE, REFUSEE, FUSIONNEE = "en attente", "acceptée", "refusée", "fusionnée"
STATUTS: tuple[str, ...] = (EN_ATTENTE, ACCEPTEE, REFUSEE, FUSIONNEE)
PROPOSITION, SIGNALEMENT = "proposition", "signalement"
GENRES: tuple[str, ...] = (PROPOSITION, SIGNALEMENT)

# The source every accepted contribution carries in the register.
SOURCE_CONTRIBUTION = "contribution_verifiee"
LIBELLE_SOURCE = "contribution vérifiée"
LICENCE = "Licence Ouverte 2.0 (Etalab)"
URL_LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
# Why this licence rather than the ODbL, said beside the downloads.
POURQUOI_LICENCE = (
    "La Licence Ouverte 2.0 est celle des données publiques de ce tableau de bord : chacun peut "
    "réutiliser ces structures, y compris commercialement, en citant la source. Elle est compatible "
    "avec l'ODbL : les cartes des réseaux de l'ESS publiées sous ODbL (GoGoCarto, Transiscope…) peuvent "
    "les reprendre, alors que des données sous ODbL ne pourraient pas rejoindre un jeu sous Licence "
    "Ouverte."
)
# What the open CSV changes in a text typed by anyone (geo.outils.formats.neutraliser_texte), said
# beside the download: a reuser must know the apostrophe is not in the data.
NOTE_FORMULES_CSV = (
    "Un texte qui commence par =, +, - ou @ y est précédé d'une apostrophe, pour qu'un tableur ne "
    "l'exécute pas comme une formule (elle ne fait pas partie des données) ; le GeoJSON garde chaque "
    "texte exact."
)
JOURS_CONSERVATION_CONTACT = 30
# A proposal nobody decided on does not keep its sender's contact for ever.
JOURS_CONSERVATION_SANS_DECISION = 180
# Key of the register rows that come from a contribution: "contribution:<id>".
PREFIXE_CLE = "contribution:"


@dataclass(frozen=True)
class Limite:
    """At most ``nombre`` sends in ``fenetre``."""

    nombre: int
    fenetre: dt.timedelta


# Sends (proposals and reports, refused ones included) per browser session and per address.
LIMITES: dict[str, tuple[Limite, ...]] = {
    "session": (Limite(5, dt.timedelta(minutes=1)), Limite(20, dt.timedelta(hours=1))),
    "adresse": (Limite(10, dt.timedelta(minutes=1)), Limite(60, dt.timedelta(hours=1))),
}
# Pending proposals one address may have at once.
EN_ATTENTE_MAX_PAR_ADRESSE = 20
# The one address of every sender whose address the server does not see: they share its limits.
ADRESSE_INCONNUE = "inconnue"
# In place of the address's hash on a send its own session's limit refused (no hash is 34 letters).
_RETENU_PAR_SA_SESSION = "retenu par la limite de sa session"

TEXTE_RGPD = (
    "Ce que nous gardons : les informations sur la structure (publiées si elles sont acceptées, "
    f"sous {LICENCE}) et, si vous le donnez, votre contact, vu seulement par la personne qui vérifie "
    f"la proposition et effacé {JOURS_CONSERVATION_CONTACT} jours après sa décision (ou "
    f"{JOURS_CONSERVATION_SANS_DECISION} jours après l'envoi si elle attend encore). Votre adresse "
    "réseau n'est pas gardée : seule une empreinte (hachage) l'est, pour limiter les envois abusifs, "
    "et elle est effacée avec le contact. "
    "Pour consulter ou effacer vos propositions, écrivez à l'administrateur du site."
)


# Results ---------------------------------------------------------------------------------


@dataclass
class Envoi:
    """The answer to a proposal or a report: its id when stored, else one French message per field.

    ``erreurs`` maps a field name (:data:`CHAMPS_PROPOSITION`, or ``"envoi"`` for the whole form:
    rate limit, honeypot, bulk) to what is wrong with it. ``valeurs`` holds the cleaned values,
    so that the page can keep what was typed.
    """

    contribution_id: int | None = None
    erreurs: dict[str, str] = field(default_factory=dict)
    valeurs: dict[str, object] = field(default_factory=dict)

    @property
    def accepte(self) -> bool:
        return self.contribution_id is not None and not self.erreurs


class ModerationImpossible(ValueError):
    """A moderation action that cannot be done as asked (French message); nothing was changed."""


@dataclass(frozen=True)
class Emetteur:
    """Who sends, as the rate limit knows them: the browser session's id and the network address
    (both hashed before anything is stored). ``adresse`` None or empty: the server does not see
    it, and the sender shares the limits of :data:`ADRESSE_INCONNUE`."""

    session: str
    adresse: str | None

    @property
    def adresse_connue(self) -> bool:
        return bool((self.adresse or "").strip())


# Checking what the public sends ---------------------------------------------------------------

# HTML or a script, anywhere: « <b », « </ », « <! », « <? », « javascript: ».
_BALISE = re.compile(r"<\s*[/!?a-zA-Z]|javascript\s*:", re.IGNORECASE)
# Control characters (a new line is allowed in the long texts only), C1 ones included (« \x9b » is
# a terminal's CSI: ess-moderation prints these texts), and invisible ones: zero-width spaces and
# joiners, direction marks, byte order mark (a name with one looks like another and passes the
# duplicate check).
_CONTROLES = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_LONG_TEXTES = frozenset({"description", "commentaire"})
_SITE_WEB = re.compile(r"^https?://[^\s<>\"'`]+\.[^\s<>\"'`]+$", re.IGNORECASE)
_COURRIEL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_TELEPHONE = re.compile(r"^\+?[\d .\-()]{10,20}$")
_COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_SUITE_DE_14_CHIFFRES = re.compile(r"(?<!\d)(?:\d[ .\u00a0]?){13}\d(?!\d)")
_ADRESSE_WEB = re.compile(r"https?://|www\.", re.IGNORECASE)
LIBELLES_CHAMPS["lieu"] = "Emplacement"
LIBELLES_CHAMPS["envoi"] = "Envoi"
MESSAGE_PIEGE = (
    f"Envoi refusé : le champ « {LIBELLE_CHAMP_PIEGE} » a été rempli (il est fait pour repérer les "
    "envois automatiques). Rechargez la page et recommencez sans le remplir."
)
MESSAGE_TROP_D_ENVOIS = (
    "Trop d'envois en peu de temps depuis cette connexion : rien n'a été enregistré. "
    "Réessayez dans une heure."
)
MESSAGE_TROP_EN_ATTENTE = (
    f"Cette connexion a déjà {EN_ATTENTE_MAX_PAR_ADRESSE} propositions ou signalements en attente de "
    "vérification : rien n'a été enregistré. Attendez qu'ils soient vérifiés."
)
_ADRESSES_INVISIBLES = (
    "Ce serveur ne voit pas l'adresse réseau de ses visiteurs : tous ceux dans ce cas partagent une "
    "même limite, que quelqu'un d'autre a peut-être atteinte."
)
MESSAGE_TROP_D_ENVOIS_PARTAGES = (
    "Trop d'envois en peu de temps : rien n'a été enregistré. "
    f"{_ADRESSES_INVISIBLES} Réessayez dans une heure ; si cela se répète, prévenez "
    "l'administrateur du site."
)
MESSAGE_TROP_EN_ATTENTE_PARTAGES = (
    f"Déjà {EN_ATTENTE_MAX_PAR_ADRESSE} propositions ou signalements attendent leur vérification : "
    f"rien n'a été enregistré. {_ADRESSES_INVISIBLES} Réessayez quand ils auront été vérifiés ; si "
    "cela se répète, prévenez l'administrateur du site."
)
CONSIGNE_ADRESSE_INCONNUE = (
    "Envoi public sans adresse réseau connue : tous ces envois partagent une même limite "
    f"({LIMITES['adresse'][0].nombre} par minute, {LIMITES['adresse'][1].nombre} par heure, "
    f"{EN_ATTENTE_MAX_PAR_ADRESSE} en attente). Normal pour un essai sur cette machine ; derrière un "
    "proxy, qu'il transmette l'adresse du visiteur (X-Forwarded-For depuis 127.0.0.1, ou X-Real-IP "
    "depuis une adresse privée : README, « Contributions du public »)."
)
MESSAGE_EN_MASSE = (
    "Une seule structure par envoi : ce formulaire ne reçoit pas de listes (plusieurs SIRET, plusieurs "
    "adresses web ou plusieurs noms). Pour proposer une liste, écrivez à l'administrateur du site."
)


def _nombre_fr(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _texte(valeurs: dict[str, object], nom: str, erreurs: dict[str, str]) -> str | None:
    """The field as plain text (trimmed, None when empty), or a message in ``erreurs``."""
    brut = valeurs.get(nom)
    if brut is None or (isinstance(brut, float) and math.isnan(brut)):
        return None
    texte = str(brut).replace("\r\n", "\n").replace("\r", "\n")
    if nom not in _LONG_TEXTES:
        texte = texte.replace("\n", " ").replace("\t", " ")
    texte = _CONTROLES.sub("", texte).strip()
    if not texte:
        return None
    limite = LONGUEURS_MAX.get(nom, 200)
    if len(texte) > limite:
        erreurs[nom] = (
            f"{LIBELLES_CHAMPS.get(nom, nom)} : texte trop long, {_nombre_fr(limite)} caractères au "
            f"plus ({_nombre_fr(len(texte))} saisis)."
        )
        return None
    if _BALISE.search(texte):
        erreurs[nom] = (
            f"{LIBELLES_CHAMPS.get(nom, nom)} : le texte ne peut pas contenir de balises HTML ni de "
            "script (« < » suivi d'une lettre, « javascript: »). Écrivez en texte simple."
        )
        return None
    return texte


def _nombre(texte: str | None) -> float | None:
    if texte is None:
        return None
    try:
        valeur = float(texte.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        return None
    return valeur if math.isfinite(valeur) else None


def _famille(texte: str | None) -> str | None:
    if texte is None:
        return None
    for famille in FAMILLES:
        if texte in (famille, LIBELLES_FAMILLES.get(famille)):
            return famille
    return None


def _en_masse(valeurs: dict[str, object]) -> bool:
    """A list of structures in one form: several SIRETs, several web addresses or a list of names."""
    textes = [str(v) for k, v in valeurs.items() if k != CHAMP_PIEGE and v is not None]
    tout = "\n".join(textes)
    if len(_SUITE_DE_14_CHIFFRES.findall(tout)) > 1:
        return True
    if len(_ADRESSE_WEB.findall(tout)) > 2:
        return True
    nom = str(valeurs.get("nom") or "")
    return sum(nom.count(c) for c in ";|\n\t") >= 2


def _verifier_lieu(
    propre: dict[str, object],
    erreurs: dict[str, str],
    communes_aux_points: Callable[[float, float], str | None] | None,
) -> None:
    commune, lon, lat = propre.get("commune"), propre.get("lon"), propre.get("lat")
    if commune is None or lon is None or lat is None or "commune" in erreurs:
        return
    if communes_aux_points is None:
        return  # a place already checked when it was sent (see accepter)
    trouvee = communes_aux_points(float(lon), float(lat))
    if trouvee is None:
        erreurs["lieu"] = (
            "Le point indiqué n'est dans aucune commune (en mer ou hors de France) : placez la "
            "structure par son adresse ou d'un clic sur la carte, dans sa commune."
        )
    elif trouvee != commune:
        erreurs["lieu"] = (
            f"Le point indiqué est dans une autre commune (code {trouvee}) que celle choisie "
            f"(code {commune}) : corrigez la commune ou l'emplacement."
        )


def _verifier_champs(
    valeurs: dict[str, object],
    communes_aux_points: Callable[[float, float], str | None] | None,
    sirets_du_registre: Callable[[str], bool],
    obligatoires: bool = True,
) -> Envoi:
    erreurs: dict[str, str] = {}
    propre: dict[str, object] = {}
    for champ in CHAMPS_PROPOSITION:
        if not obligatoires and champ.nom not in valeurs:
            continue
        texte = _texte(valeurs, champ.nom, erreurs)
        if champ.nom in erreurs:
            continue
        if texte is None:
            if champ.obligatoire and champ.nom in ("lon", "lat"):
                erreurs["lieu"] = (
                    "Emplacement manquant : cherchez l'adresse ou cliquez sur la carte pour placer "
                    "la structure."
                )
            elif champ.obligatoire:
                erreurs[champ.nom] = f"{champ.libelle} : à remplir."
            propre[champ.nom] = None
            continue
        if champ.nom == "nom" and not any(c.isalpha() for c in texte):
            erreurs["nom"] = "Nom de la structure : il faut au moins une lettre."
        elif champ.nom == "siret":
            numero = siret_mod.normaliser(texte)
            if numero is None or len(re.sub(r"\D", "", texte)) != 14:
                erreurs["siret"] = "SIRET illisible : 14 chiffres attendus (les espaces sont acceptés)."
            elif numero.startswith("000000000"):
                erreurs["siret"] = (
                    "SIRET invalide : aucun SIREN n'est 000 000 000. Laissez le champ vide si vous ne "
                    "connaissez pas le SIRET."
                )
            elif not siret_mod.siret_valide(numero):
                erreurs["siret"] = (
                    "SIRET invalide : sa clé de contrôle est fausse. Vérifiez les 14 chiffres (avis de "
                    "situation au répertoire SIRENE, ou annuaire-entreprises.data.gouv.fr)."
                )
            elif sirets_du_registre(numero):
                erreurs["siret"] = (
                    f"Une structure de SIRET {numero} est déjà dans le registre : pour la corriger, "
                    "utilisez « Signaler une erreur » sur sa ligne ou sur la carte."
                )
            else:
                texte = numero
        elif champ.nom == "commune":
            texte = texte.upper()
            if not _COMMUNE.match(texte):
                erreurs["commune"] = (
                    "Commune : code INSEE à 5 caractères attendu (choisissez-la dans la liste)."
                )
        elif champ.nom in ("lon", "lat"):
            nombre = _nombre(texte)
            borne = 180 if champ.nom == "lon" else 90
            if nombre is None or not -borne <= nombre <= borne:
                erreurs[champ.nom] = (
                    f"{champ.libelle} illisible : un nombre entre -{borne} et {borne} attendu."
                )
                continue
            propre[champ.nom] = round(nombre, 6)
            continue
        elif champ.nom == "famille":
            famille = _famille(texte)
            if famille is None:
                erreurs["famille"] = "Famille inconnue : choisissez-la dans la liste."
            texte = famille
        elif champ.nom == "site_web" and not _SITE_WEB.match(texte):
            erreurs["site_web"] = (
                "Site internet illisible : une adresse complète commençant par https:// (ou http://), "
                "sans espace."
            )
        elif champ.nom == "contact" and not (_COURRIEL.match(texte) or _TELEPHONE.match(texte)):
            erreurs["contact"] = "Contact illisible : un courriel (nom@exemple.fr) ou un numéro de téléphone."
        propre[champ.nom] = texte
    _verifier_lieu(propre, erreurs, communes_aux_points)
    return Envoi(erreurs=erreurs, valeurs=propre)


def verifier_proposition(
    valeurs: dict[str, object],
    communes_aux_points: Callable[[float, float], str | None],
    sirets_du_registre: Callable[[str], bool] = lambda _siret: False,
) -> Envoi:
    """Check a proposal without storing it: cleaned values and one French message per refused field.

    ``communes_aux_points(lon, lat)`` gives the INSEE code of the commune under a point (None at
    sea or abroad: see :func:`communes_aux_points_de`); ``sirets_du_registre(siret)`` says
    whether the register already has that SIRET (a duplicate is refused, with a pointer to
    « Signaler une erreur »). Errors about the place as a whole (a point at sea, in another
    commune, or missing) are under the key ``"lieu"``; about the whole form under ``"envoi"``.
    """
    if str(valeurs.get(CHAMP_PIEGE) or "").strip():
        return Envoi(erreurs={"envoi": MESSAGE_PIEGE})
    if _en_masse(valeurs):
        return Envoi(erreurs={"envoi": MESSAGE_EN_MASSE})
    return _verifier_champs(valeurs, communes_aux_points, sirets_du_registre)


def communes_aux_points_de(ref) -> Callable[[float, float], str | None]:
    """``communes_aux_points(lon, lat)`` from the territories' referential (the commune outlines)."""

    def commune(lon: float, lat: float) -> str | None:
        trouvee = ref.communes_aux_points([lon], [lat])[0]
        return (
            None if trouvee is None or (isinstance(trouvee, float) and math.isnan(trouvee)) else str(trouvee)
        )

    return commune


# Storing what the public sends -------------------------------------------------------------


def _refus_lecture_seule() -> None:
    """A read-only mirror (``ESS_LECTURE_SEULE``) writes nothing, moderation included."""
    if comptes.lecture_seule():
        raise ModerationImpossible(comptes.MESSAGE_LECTURE_SEULE)


def _session_publique(depot: store.Depot) -> Session:
    # Not the depot's sessions: what the public sends does not move the change counter, so that a
    # flood of sends never makes every process read the register again (nothing pending is shown).
    return Session(depot.engine, expire_on_commit=False)


def empreinte(depot: store.Depot, valeur: str) -> str:
    """A keyed hash (HMAC-SHA256, key kept in the store) of a network address or session id."""
    cle = getattr(depot, "_cle_empreintes", None)
    if cle is None:
        with depot.engine.connect() as connexion:
            cle = connexion.scalar(select(store.CleEmpreintes.cle).where(store.CleEmpreintes.id == 1))
        depot._cle_empreintes = cle
    return hmac.new(cle.encode(), (valeur or "").strip().lower().encode(), hashlib.sha256).hexdigest()


def _maintenant() -> dt.datetime:
    # Through the module: tests move the clock with comptes.maintenant.
    return comptes.maintenant()


@functools.cache
def _signaler_adresse_inconnue() -> None:
    # Once per process: the operator learns it from the logs, which it does not flood.
    _consignes.warning(CONSIGNE_ADRESSE_INCONNUE)


def _adresse(emetteur: Emetteur) -> str:
    """The address the limits count: the sender's, or the one all unknown addresses share."""
    if emetteur.adresse_connue:
        return str(emetteur.adresse).strip()
    _signaler_adresse_inconnue()
    return ADRESSE_INCONNUE


def _depasse(session: Session, qui: str, empreinte_: str, instant: dt.datetime) -> bool:
    """Whether the sends of this session or address (``qui``) go past one of its :data:`LIMITES`."""
    colonne = getattr(store.EnvoiContribution, f"empreinte_{qui}")
    return any(
        session.scalar(
            select(func.count())
            .select_from(store.EnvoiContribution)
            .where(colonne == empreinte_, store.EnvoiContribution.quand > instant - limite.fenetre)
        )
        > limite.nombre
        for limite in LIMITES[qui]
    )


def _noter_envoi(depot: store.Depot, emetteur: Emetteur, instant: dt.datetime) -> tuple[str, str, str | None]:
    """Record the send and check the rate limits: (address hash, session hash, refusal or None).

    A send refused by its own session's limit stays counted for that session (it stays held
    back), not for the address: one browser over its limit does not use up what the others
    behind the same address (or all unknown ones) share. A robot opening a new session for each
    send meets the address's limit as before."""
    adresse, session_ = empreinte(depot, _adresse(emetteur)), empreinte(depot, emetteur.session)
    with _session_publique(depot) as session, session.begin():
        envoi = store.EnvoiContribution(quand=instant, empreinte_adresse=adresse, empreinte_session=session_)
        session.add(envoi)
        session.flush()
        if _depasse(session, "session", session_, instant):
            envoi.empreinte_adresse = _RETENU_PAR_SA_SESSION
            return adresse, session_, MESSAGE_TROP_D_ENVOIS
        if _depasse(session, "adresse", adresse, instant):
            refus = MESSAGE_TROP_D_ENVOIS if emetteur.adresse_connue else MESSAGE_TROP_D_ENVOIS_PARTAGES
            return adresse, session_, refus
        # Older sends are of no use to any limit: the table stays small.
        plus_longue = max(limite.fenetre for limites in LIMITES.values() for limite in limites)
        session.execute(
            delete(store.EnvoiContribution).where(store.EnvoiContribution.quand < instant - plus_longue)
        )
    return adresse, session_, None


def _trop_en_attente(emetteur: Emetteur) -> str:
    return MESSAGE_TROP_EN_ATTENTE if emetteur.adresse_connue else MESSAGE_TROP_EN_ATTENTE_PARTAGES


def _en_attente_de(session: Session, adresse: str) -> int:
    return session.scalar(
        select(func.count())
        .select_from(store.Contribution)
        .where(store.Contribution.empreinte_adresse == adresse, store.Contribution.statut == EN_ATTENTE)
    )


def proposer(
    depot: store.Depot,
    valeurs: dict[str, object],
    emetteur: Emetteur,
    communes_aux_points: Callable[[float, float], str | None],
    sirets_du_registre: Callable[[str], bool] = lambda _siret: False,
    instant: dt.datetime | None = None,
) -> Envoi:
    """Check and store a proposal « en attente » (honeypot, rate limits, pending cap, bulk,
    fields). Nothing is stored when anything is refused, except the send itself (rate limit);
    nothing at all on a read-only mirror (``ESS_LECTURE_SEULE``)."""
    if comptes.lecture_seule():
        return Envoi(erreurs={"envoi": comptes.MESSAGE_LECTURE_SEULE})
    instant = instant or _maintenant()
    adresse, session_, refus = _noter_envoi(depot, emetteur, instant)
    if refus:
        return Envoi(erreurs={"envoi": refus})
    envoi = verifier_proposition(valeurs, communes_aux_points, sirets_du_registre)
    if envoi.erreurs:
        return envoi
    propre = envoi.valeurs
    with _session_publique(depot) as session, session.begin():
        if _en_attente_de(session, adresse) >= EN_ATTENTE_MAX_PAR_ADRESSE:
            return Envoi(erreurs={"envoi": _trop_en_attente(emetteur)}, valeurs=propre)
        deja = select(store.Contribution.id).where(
            store.Contribution.genre == PROPOSITION, store.Contribution.statut == EN_ATTENTE
        )
        meme_siret = propre.get("siret") and session.scalar(
            deja.where(store.Contribution.siret == propre["siret"]).limit(1)
        )
        memes_noms = session.scalars(
            select(store.Contribution.nom).where(
                store.Contribution.genre == PROPOSITION,
                store.Contribution.statut == EN_ATTENTE,
                store.Contribution.commune == propre["commune"],
            )
        ).all()
        if meme_siret or cle_recherche(str(propre["nom"])) in {cle_recherche(n or "") for n in memes_noms}:
            return Envoi(
                erreurs={
                    "envoi": "Cette structure a déjà été proposée et attend sa vérification : inutile de "
                    "la proposer à nouveau."
                },
                valeurs=propre,
            )
        contribution = store.Contribution(
            genre=PROPOSITION,
            statut=EN_ATTENTE,
            cree_le=instant,
            empreinte_adresse=adresse,
            empreinte_session=session_,
            **{k: propre.get(k) for k in _CHAMPS_STRUCTURE},
        )
        session.add(contribution)
        session.flush()
        return Envoi(contribution_id=contribution.id, valeurs=propre)


_CHAMPS_STRUCTURE = (
    "nom",
    "siret",
    "commune",
    "adresse",
    "lon",
    "lat",
    "famille",
    "activite",
    "site_web",
    "description",
    "contact",
)


def _motif(texte: str | None) -> str | None:
    if texte is None:
        return None
    for cle, libelle in MOTIFS_SIGNALEMENT.items():
        if texte in (cle, libelle):
            return cle
    return None


def signaler(
    depot: store.Depot,
    cle: str,
    commune: str | None,
    nom: str,
    valeurs: dict[str, object],
    emetteur: Emetteur,
    instant: dt.datetime | None = None,
) -> Envoi:
    """Store a report « en attente » on the register's structure ``cle`` (its ``cle`` column:
    an official SIRET, or ``contribution:<id>``), in ``commune`` (moderation scope), named ``nom``
    (for the moderator's list). ``valeurs``: :data:`CHAMPS_SIGNALEMENT` (and the honeypot).
    Nothing is stored on a read-only mirror (``ESS_LECTURE_SEULE``)."""
    if comptes.lecture_seule():
        return Envoi(erreurs={"envoi": comptes.MESSAGE_LECTURE_SEULE})
    instant = instant or _maintenant()
    adresse, session_, refus = _noter_envoi(depot, emetteur, instant)
    if refus:
        return Envoi(erreurs={"envoi": refus})
    if str(valeurs.get(CHAMP_PIEGE) or "").strip():
        return Envoi(erreurs={"envoi": MESSAGE_PIEGE})
    if _en_masse(valeurs):
        return Envoi(erreurs={"envoi": MESSAGE_EN_MASSE})
    erreurs: dict[str, str] = {}
    propre: dict[str, object] = {}
    for champ in CHAMPS_SIGNALEMENT:
        propre[champ.nom] = _texte(valeurs, champ.nom, erreurs)
    if "motif" not in erreurs:
        propre["motif"] = _motif(propre["motif"])
        if propre["motif"] is None:
            erreurs["motif"] = "Motif : choisissez-le dans la liste."
        elif propre["motif"] == AUTRE and not propre.get("commentaire") and "commentaire" not in erreurs:
            erreurs["commentaire"] = "Précisions : dites ce qui est faux (motif « autre »)."
    contact = propre.get("contact")
    if contact and not (_COURRIEL.match(contact) or _TELEPHONE.match(contact)):
        erreurs["contact"] = "Contact illisible : un courriel (nom@exemple.fr) ou un numéro de téléphone."
    cle = str(cle or "").strip()
    if not cle or len(cle) > 80:
        erreurs["envoi"] = "Structure inconnue : rechargez la page et signalez depuis sa ligne ou la carte."
    if erreurs:
        return Envoi(erreurs=erreurs, valeurs=propre)
    with _session_publique(depot) as session, session.begin():
        if _en_attente_de(session, adresse) >= EN_ATTENTE_MAX_PAR_ADRESSE:
            return Envoi(erreurs={"envoi": _trop_en_attente(emetteur)}, valeurs=propre)
        deja = session.scalar(
            select(store.Contribution.id)
            .where(
                store.Contribution.genre == SIGNALEMENT,
                store.Contribution.statut == EN_ATTENTE,
                store.Contribution.cle_cible == cle,
                store.Contribution.motif == propre["motif"],
            )
            .limit(1)
        )
        if deja:
            return Envoi(
                erreurs={"envoi": "Cette erreur a déjà été signalée et attend sa vérification : merci."},
                valeurs=propre,
            )
        contribution = store.Contribution(
            genre=SIGNALEMENT,
            statut=EN_ATTENTE,
            cree_le=instant,
            nom=str(nom or "")[:200] or None,
            commune=(str(commune)[:5] if commune else None),
            cle_cible=cle,
            motif=propre["motif"],
            commentaire=propre.get("commentaire"),
            contact=contact,
            empreinte_adresse=adresse,
            empreinte_session=session_,
        )
        session.add(contribution)
        session.flush()
        return Envoi(contribution_id=contribution.id, valeurs=propre)


# Who moderates what -------------------------------------------------------------------------


def _ids(texte: str | None) -> list[str]:
    return [t.strip() for t in (texte or "").split(",") if t.strip()]


def peut_moderer(
    utilisateur: Utilisateur | None,
    commune: str | None,
    dans: Callable[[str, str], bool] | None = None,
    perimetres_ptce: dict[int, str] | None = None,
) -> bool:
    """Whether this account moderates what lies in ``commune``: administrators everywhere; a
    contributor when the commune lies in one of their territories or in the perimeter of one of
    their PTCE (``perimetres_ptce``: PTCE id → comma-separated territory ids). ``dans`` as in
    :func:`geo.base.comptes.regle_ecriture` (:func:`geo.base.comptes.dans_referentiel`)."""
    if utilisateur is None:
        return False
    if utilisateur.est_administrateur:
        return True
    if not commune:
        return False
    dans = dans or (lambda territoire, perimetre: territoire == perimetre)
    territoire = f"commune:{commune}"
    perimetres = set(utilisateur.territoires)
    for ptce_id in utilisateur.ptce_ids:
        perimetres |= set(_ids((perimetres_ptce or {}).get(ptce_id)))
    return any(dans(territoire, p) for p in perimetres)


def _perimetres_ptce(session: Session, utilisateur: Utilisateur) -> dict[int, str]:
    if not utilisateur.ptce_ids:
        return {}
    lignes = session.execute(
        select(store.PTCE.id, store.PTCE.perimetre).where(store.PTCE.id.in_(utilisateur.ptce_ids))
    )
    return {i: p or "" for i, p in lignes}


_COLONNES_MODERATION = [
    "id",
    "genre",
    "statut",
    "cree_le",
    *_CHAMPS_STRUCTURE,
    "cle_cible",
    "motif",
    "commentaire",
    "modere_le",
    "modere_par",
]


def a_moderer(
    depot: store.Depot,
    utilisateur: Utilisateur,
    dans: Callable[[str, str], bool] | None = None,
    statuts: Iterable[str] = (EN_ATTENTE,),
) -> pd.DataFrame:
    """The contributions this account may moderate, oldest first, one row each: ``id, genre,
    statut, cree_le, nom, siret, commune, adresse, lon, lat, famille, activite, site_web,
    description, contact, cle_cible, motif, commentaire, modere_le, modere_par``. The contact is
    here because moderators need it; it is never part of a public table. ``motif`` is the
    report's reason in words (:data:`MOTIFS_SIGNALEMENT`)."""
    with _session_publique(depot) as session:
        perimetres = _perimetres_ptce(session, utilisateur)
        lignes = [
            {c: getattr(objet, c) for c in _COLONNES_MODERATION}
            for objet in session.scalars(
                select(store.Contribution)
                .where(store.Contribution.statut.in_(list(statuts)))
                .order_by(store.Contribution.cree_le, store.Contribution.id)
            )
            if peut_moderer(utilisateur, objet.commune, dans, perimetres)
        ]
    tableau = pd.DataFrame(lignes, columns=_COLONNES_MODERATION)
    tableau["motif"] = tableau.motif.map(lambda m: MOTIFS_SIGNALEMENT.get(m, m) if m else None)
    return tableau


# Moderation actions --------------------------------------------------------------------------

# Never in the journal: the contact (erased after 30 days) and the senders' hashes.
_HORS_JOURNAL = frozenset({"contact", "empreinte_adresse", "empreinte_session"})


def _instantane(objet) -> dict:
    return {k: v for k, v in journal.instantane(objet).items() if k not in _HORS_JOURNAL}


def _detail(action: str, objet) -> str:
    return f"modération : {action} (n° {objet.id}{' · ' + objet.nom if getattr(objet, 'nom', None) else ''})"


def _contribution_a_moderer(
    session: Session,
    contribution_id: int,
    moderateur: Utilisateur,
    dans: Callable[[str, str], bool] | None,
    genre: str | None = None,
) -> store.Contribution:
    objet = session.get(store.Contribution, contribution_id)
    if objet is None:
        raise ModerationImpossible(f"la contribution n° {contribution_id} n'existe pas.")
    if not peut_moderer(moderateur, objet.commune, dans, _perimetres_ptce(session, moderateur)):
        raise ModerationImpossible(
            "cette contribution ne relève pas de vos PTCE ou territoires : demandez à un administrateur."
        )
    if objet.statut != EN_ATTENTE:
        raise ModerationImpossible(
            f"la contribution n° {contribution_id} a déjà été modérée ({objet.statut}) : annulez d'abord "
            "cette décision pour en prendre une autre."
        )
    if genre is not None and objet.genre != genre:
        raise ModerationImpossible(f"la contribution n° {contribution_id} n'est pas une {genre}.")
    return objet


def _noter_moderation(
    session: Session,
    objet: store.Contribution,
    statut: str,
    moderateur: Utilisateur,
    avant: dict,
    lot: str,
    quoi: str,
    instant: dt.datetime,
) -> None:
    """The decision on a contribution (``statut``, when, who, in which role) and its journal
    entry (``avant`` the snapshot before it, ``quoi`` what was decided), in the caller's transaction."""
    objet.statut = statut
    objet.modere_le = instant
    objet.modere_par = moderateur.identifiant
    objet.role_moderateur = moderateur.role
    session.flush()
    journal.noter(
        session, moderateur.identifiant, "modification", objet, avant, _instantane(objet), lot,
        _detail(quoi, objet), instant,
    )  # fmt: skip


def _raison(texte: str, quoi: str = "motif") -> str:
    erreurs: dict[str, str] = {}
    propre = _texte({"commentaire": texte}, "commentaire", erreurs)
    if erreurs:
        raise ModerationImpossible(erreurs["commentaire"].replace("Précisions", quoi.capitalize()))
    if not propre:
        raise ModerationImpossible(f"{quoi} à donner (il reste dans le journal).")
    return propre


_CORRECTIONS = ("famille", "commune", "adresse", "lon", "lat", "activite", "site_web", "description")


def accepter(
    depot: store.Depot,
    contribution_id: int,
    moderateur: Utilisateur,
    modifications: dict[str, object] | None = None,
    communes_aux_points: Callable[[float, float], str | None] | None = None,
    dans: Callable[[str, str], bool] | None = None,
    instant: dt.datetime | None = None,
) -> str:
    """Accept a pending proposal (with the moderator's edits, checked as the form's) or report
    (a « fermée » or « ne relève pas de l'ESS » report hides its structure, see :func:`masquer`;
    others apply the corrections given in ``modifications``: famille, commune, adresse, lon,
    lat, activite, site_web, description). Returns the journal lot (for :func:`annuler`).

    ``communes_aux_points`` is needed when the edits move the structure (the new point is checked
    to lie in its commune)."""
    _refus_lecture_seule()
    instant = instant or _maintenant()
    modifications = dict(modifications or {})
    lot = journal.nouveau_lot()
    with depot.session() as session:
        objet = _contribution_a_moderer(session, contribution_id, moderateur, dans)
        avant = _instantane(objet)
        if objet.genre == SIGNALEMENT and objet.motif in MOTIFS_QUI_MASQUENT:
            _noter_moderation(
                session, objet, ACCEPTEE, moderateur, avant, lot, "acceptation du signalement", instant
            )
            _masquer_dans(
                session, objet.cle_cible, objet.commune, MOTIFS_SIGNALEMENT[objet.motif]
                + (f" : {objet.commentaire}" if objet.commentaire else ""), moderateur, objet.nom,
                objet.id, lot, instant,
            )  # fmt: skip
            return lot
        if objet.genre == SIGNALEMENT:
            inconnues = set(modifications) - set(_CORRECTIONS)
            if inconnues:
                raise ModerationImpossible(
                    "un signalement ne corrige que la famille, l'emplacement, l'activité, le site ou la "
                    f"description, pas : {', '.join(sorted(inconnues))}."
                )
            if not modifications:
                raise ModerationImpossible(
                    "dites quelle correction ce signalement apporte (nouvel emplacement, famille…), ou "
                    "refusez-le."
                )
            valeurs = modifications
            if {"lon", "lat", "commune"} & set(modifications) and not {"lon", "lat", "commune"} <= set(
                modifications
            ):
                raise ModerationImpossible(
                    "un nouvel emplacement se donne entier : commune, longitude et latitude."
                )
        else:
            valeurs = {k: getattr(objet, k) for k in _CHAMPS_STRUCTURE} | modifications
        if {"lon", "lat", "commune"} & set(modifications) and communes_aux_points is None:
            raise ValueError("communes_aux_points est nécessaire pour vérifier un nouvel emplacement")
        verification = _verifier_champs(
            valeurs, communes_aux_points, lambda _siret: False, obligatoires=objet.genre == PROPOSITION
        )
        if verification.erreurs:
            raise ModerationImpossible(" ".join(verification.erreurs.values()))
        nouvelle_commune = verification.valeurs.get("commune") if "commune" in modifications else None
        if nouvelle_commune and not peut_moderer(
            moderateur, str(nouvelle_commune), dans, _perimetres_ptce(session, moderateur)
        ):
            raise ModerationImpossible(
                f"la commune {nouvelle_commune} ne relève pas de vos PTCE ou territoires : vous ne pouvez "
                "pas y placer la structure. Demandez à un administrateur."
            )
        # The journal names the fields the moderator changed, not every field the form sent back.
        changes = sorted(
            nom
            for nom in modifications
            if nom in _CHAMPS_STRUCTURE and verification.valeurs.get(nom) != getattr(objet, nom)
        )
        for nom in changes:
            setattr(objet, nom, verification.valeurs.get(nom))
        quoi = (
            "acceptation de la proposition" if objet.genre == PROPOSITION else "correction signalée acceptée"
        )
        if changes:
            quoi += " modifiée (" + ", ".join(LIBELLES_CHAMPS.get(m, m) for m in changes) + ")"
        _noter_moderation(session, objet, ACCEPTEE, moderateur, avant, lot, quoi, instant)
    return lot


def refuser(
    depot: store.Depot,
    contribution_id: int,
    moderateur: Utilisateur,
    motif: str,
    dans: Callable[[str, str], bool] | None = None,
    instant: dt.datetime | None = None,
) -> str:
    """Refuse a pending contribution; the reason goes to the journal only. Returns the lot."""
    _refus_lecture_seule()
    instant = instant or _maintenant()
    raison = _raison(motif)
    lot = journal.nouveau_lot()
    with depot.session() as session:
        objet = _contribution_a_moderer(session, contribution_id, moderateur, dans)
        avant = _instantane(objet)
        _noter_moderation(
            session, objet, REFUSEE, moderateur, avant, lot, f"refus, motif : {raison}", instant
        )
    return lot


def fusionner(
    depot: store.Depot,
    contribution_id: int,
    cle_cible: str,
    moderateur: Utilisateur,
    siret_cible: str | None = None,
    modifications: dict[str, object] | None = None,
    dans: Callable[[str, str], bool] | None = None,
    instant: dt.datetime | None = None,
    commune_cible: str | None = None,
) -> str:
    """Merge a pending proposal into the register's structure ``cle_cible`` (same SIRET: given
    as ``siret_cible``, refused when they differ): official identity wins, the proposal adds what
    the structure lacks (its place too, when the official one is only its commune's centre).
    Returns the lot. ``commune_cible`` is that structure's commune, which must lie in the
    moderator's perimeter as the proposal's does (an administrator may leave it out)."""
    _refus_lecture_seule()
    instant = instant or _maintenant()
    cle_cible = str(cle_cible or "").strip()
    if not cle_cible or len(cle_cible) > 80:
        raise ModerationImpossible("structure du registre à désigner pour la fusion.")
    lot = journal.nouveau_lot()
    with depot.session() as session:
        objet = _contribution_a_moderer(session, contribution_id, moderateur, dans, genre=PROPOSITION)
        if not peut_moderer(moderateur, commune_cible, dans, _perimetres_ptce(session, moderateur)):
            raise ModerationImpossible(
                "la structure du registre désignée ne relève pas de vos PTCE ou territoires (ou sa commune "
                "n'est pas connue) : demandez à un administrateur."
            )
        if objet.siret and siret_cible and objet.siret != siret_cible:
            raise ModerationImpossible(
                f"SIRET différents ({objet.siret} proposé, {siret_cible} dans le registre) : ce ne "
                "sont pas la même structure. Acceptez ou refusez la proposition."
            )
        avant = _instantane(objet)
        for nom, valeur in (modifications or {}).items():
            if nom in _CORRECTIONS:
                setattr(objet, nom, valeur)
        objet.cle_cible = cle_cible
        objet.siret = objet.siret or siret_cible
        quoi = f"fusion avec la structure {cle_cible}"
        _noter_moderation(session, objet, FUSIONNEE, moderateur, avant, lot, quoi, instant)
    return lot


def _masquer_dans(
    session: Session,
    cle: str,
    commune: str | None,
    motif: str,
    moderateur: Utilisateur,
    nom: str | None,
    contribution_id: int | None,
    lot: str,
    instant: dt.datetime,
) -> None:
    deja = session.scalar(
        select(store.Masquage.id).where(store.Masquage.cle == cle, store.Masquage.actif.is_(True)).limit(1)
    )
    if deja:
        raise ModerationImpossible("cette structure est déjà masquée ici.")
    masquage = store.Masquage(
        cle=cle,
        commune=commune,
        nom=(nom or "")[:200] or None,
        motif=motif,
        actif=True,
        cree_le=instant,
        par=moderateur.identifiant,
        contribution_id=contribution_id,
    )
    session.add(masquage)
    session.flush()
    journal.noter(
        session, moderateur.identifiant, "ajout", masquage, None, _instantane(masquage), lot,
        _detail(f"structure masquée, motif : {motif}", masquage), instant,
    )  # fmt: skip


def masquer(
    depot: store.Depot,
    cle: str,
    commune: str | None,
    motif: str,
    moderateur: Utilisateur,
    nom: str | None = None,
    dans: Callable[[str, str], bool] | None = None,
    instant: dt.datetime | None = None,
) -> str:
    """Hide a structure of the register here (official data unchanged), with a reason. Returns
    the lot; :func:`annuler` shows it again."""
    _refus_lecture_seule()
    instant = instant or _maintenant()
    raison = _raison(motif)
    cle = str(cle or "").strip()
    if not cle or len(cle) > 80:
        raise ModerationImpossible("structure du registre à désigner.")
    lot = journal.nouveau_lot()
    with depot.session() as session:
        if not peut_moderer(moderateur, commune, dans, _perimetres_ptce(session, moderateur)):
            raise ModerationImpossible(
                "cette structure ne relève pas de vos PTCE ou territoires : demandez à un administrateur."
            )
        _masquer_dans(session, cle, commune, raison, moderateur, nom, None, lot, instant)
    return lot


_MODELES = journal.MODELES_MODERATION


def _commune_de(objet) -> str | None:
    return getattr(objet, "commune", None)


def annuler(
    depot: store.Depot,
    lot: str,
    moderateur: Utilisateur,
    dans: Callable[[str, str], bool] | None = None,
    instant: dt.datetime | None = None,
) -> str:
    """Undo one moderation action (its journal lot): every row back as it was before. The undo is
    itself journaled (new lot, returned); refused when a later action changed the same rows
    (undo that one first) or when the action was undone already."""
    _refus_lecture_seule()
    instant = instant or _maintenant()
    nouveau = journal.nouveau_lot()
    marque = f"annulation de l'action {lot}"
    with depot.session() as session:
        entrees = session.scalars(
            select(store.Journal)
            .where(store.Journal.lot == lot, store.Journal.table_nom.in_(list(_MODELES)))
            .order_by(store.Journal.id.desc())
        ).all()
        if not entrees:
            raise ModerationImpossible("cette action de modération n'existe pas.")
        if session.scalar(select(store.Journal.id).where(store.Journal.detail.startswith(marque)).limit(1)):
            raise ModerationImpossible("cette action a déjà été annulée.")
        if any(e.detail == EFFACEMENT_RGPD for e in entrees):
            raise ModerationImpossible("un effacement demandé par la personne ne s'annule pas.")
        perimetres = _perimetres_ptce(session, moderateur)
        for entree in entrees:
            modele = _MODELES[entree.table_nom]
            objet = session.get(modele, entree.ligne_id)
            avant = json.loads(entree.avant) if entree.avant else None
            apres = json.loads(entree.apres) if entree.apres else None
            actuel = _instantane(objet) if objet is not None else None
            if actuel != apres:
                raise ModerationImpossible(
                    "une action plus récente a changé la même contribution ou structure : annulez-la "
                    "d'abord. Rien n'a été annulé."
                )
            # Before and after: an action that moved a structure touched both communes.
            communes = {(etat or {}).get("commune") for etat in (avant, apres) if etat is not None}
            if not all(peut_moderer(moderateur, commune, dans, perimetres) for commune in communes):
                raise ModerationImpossible(
                    "cette action touche une structure hors de vos PTCE ou territoires : demandez à un "
                    "administrateur. Rien n'a été annulé."
                )
            detail = f"{marque} ({entree.detail or entree.action})"
            if avant is None:  # an addition: remove the row
                session.delete(objet)
                session.flush()
                journal.noter(
                    session, moderateur.identifiant, "suppression", objet, actuel, None, nouveau, detail,
                    instant,
                )  # fmt: skip
                continue
            if objet is None:  # a deletion: the row again, as it was
                objet = modele(**_valeurs_modele(modele, avant))
                session.add(objet)
                session.flush()
                journal.noter(
                    session, moderateur.identifiant, "ajout", objet, None, _instantane(objet), nouveau,
                    detail, instant,
                )  # fmt: skip
                continue
            for nom, valeur in _valeurs_modele(modele, avant).items():
                if nom != "id":
                    setattr(objet, nom, valeur)
            session.flush()
            journal.noter(
                session, moderateur.identifiant, "modification", objet, actuel, _instantane(objet),
                nouveau, detail, instant,
            )  # fmt: skip
    return nouveau


def _valeurs_modele(modele, instantane: dict) -> dict:
    """A journal snapshot back to column values (dates were written as ISO text)."""
    valeurs = {}
    for colonne in modele.__table__.columns:
        if colonne.name not in instantane:
            continue
        valeur = instantane[colonne.name]
        if valeur is not None and isinstance(colonne.type, DateTime):
            valeur = dt.datetime.fromisoformat(valeur)
        valeurs[colonne.name] = valeur
    return valeurs


def actions(
    depot: store.Depot, utilisateur: Utilisateur, dans: Callable[[str, str], bool] | None = None
) -> pd.DataFrame:
    """The moderation actions this account may see and undo, newest first: ``lot, quand (UTC),
    qui, action, structure, annulée``."""
    colonnes = ["lot", "quand (UTC)", "qui", "action", "structure", "annulée"]
    with _session_publique(depot) as session:
        perimetres = _perimetres_ptce(session, utilisateur)
        entrees = session.scalars(
            select(store.Journal)
            .where(store.Journal.table_nom.in_(list(_MODELES)), store.Journal.lot.is_not(None))
            .order_by(store.Journal.id)
        ).all()
    annulees = {
        e.detail.removeprefix("annulation de l'action ").split(" ")[0]
        for e in entrees
        if (e.detail or "").startswith("annulation de l'action ")
    }
    lots: dict[str, dict] = {}
    for e in entrees:
        etat = json.loads(e.apres or e.avant or "{}")
        if e.lot in lots:
            continue
        if not peut_moderer(utilisateur, etat.get("commune"), dans, perimetres):
            continue
        lots[e.lot] = {
            "lot": e.lot,
            "quand (UTC)": e.quand.strftime("%d/%m/%Y %H:%M:%S"),
            "qui": e.qui,
            "action": e.detail or e.action,
            "structure": etat.get("nom") or etat.get("cle") or "",
            "annulée": "oui" if e.lot in annulees else "non",
        }
    return pd.DataFrame(list(reversed(lots.values())), columns=colonnes)


# Comparing, publishing ------------------------------------------------------------------------

# Official identity wins; the rest is filled by the contribution when the official row lacks it.
CHAMPS_IDENTITE = ("nom", "siret", "forme_juridique")
_LIBELLES_COMPARAISON = {
    "nom": "Nom",
    "siret": "SIRET",
    "forme_juridique": "Forme juridique",
    "famille": "Famille",
    "activite": "Activité",
    "commune": "Commune (code INSEE)",
    "adresse": "Adresse",
    "lon": "Longitude",
    "lat": "Latitude",
    "site_web": "Site internet",
    "description": "Description",
}


def _vide(valeur: object) -> bool:
    if valeur is None:
        return True
    try:
        if pd.isna(valeur):
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(valeur, str) and not valeur.strip()


def _en_texte(valeur: object) -> str:
    if _vide(valeur):
        return "—"
    if isinstance(valeur, float):
        return f"{valeur:.6f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(valeur)


def comparer(contribution: dict[str, object], officielle: dict[str, object] | None) -> pd.DataFrame:
    """Side by side for the moderator: one row per field (``champ`` in French, ``officiel``,
    ``contribution``, ``retenu``, ``différent``); official identity (name, SIRET, legal form)
    wins, the contribution fills what the official row lacks. Values as text, « — » when
    unknown (the page shows them as plain text)."""
    officielle = officielle or {}
    lignes = []
    for champ, libelle in _LIBELLES_COMPARAISON.items():
        a, b = officielle.get(champ), contribution.get(champ)
        if _vide(a) and _vide(b):
            continue
        if champ == "famille":
            a = LIBELLES_FAMILLES.get(a, a) if not _vide(a) else a
            b = LIBELLES_FAMILLES.get(b, b) if not _vide(b) else b
        retenu = a if not _vide(a) else b
        if champ in CHAMPS_IDENTITE and not _vide(a):
            retenu = a
        differents = not _vide(a) and not _vide(b) and _en_texte(a) != _en_texte(b)
        lignes.append(
            {
                "champ": libelle,
                "officiel": _en_texte(a),
                "contribution": _en_texte(b),
                "retenu": _en_texte(retenu),
                "différent": "oui" if differents else "non",
            }
        )
    return pd.DataFrame(lignes, columns=["champ", "officiel", "contribution", "retenu", "différent"])


def correspondante(contribution: dict[str, object], registre: pd.DataFrame) -> dict[str, object] | None:
    """The register's row a contribution is about (for :func:`comparer`): its ``cle_cible`` (a
    report, a merge), else the structure with the same SIRET, else (a proposal without SIRET, or
    whose SIRET the register lacks) the structure of the same name in the same commune (accents,
    case and punctuation aside): the proposal most likely repeats it. None when there is none."""
    cle, siret = contribution.get("cle_cible"), contribution.get("siret")
    for colonne, valeur in (("cle", cle), ("siret", siret)):
        if _vide(valeur) or colonne not in registre:
            continue
        trouvees = registre[(registre[colonne] == valeur).fillna(False)]
        if len(trouvees):
            return trouvees.iloc[0].to_dict()
    nom, commune = contribution.get("nom"), contribution.get("commune")
    if contribution.get("genre", PROPOSITION) != PROPOSITION or _vide(nom) or _vide(commune):
        return None
    if not {"nom", "commune"} <= set(registre.columns):
        return None
    # The commune first: a few rows to compare by name, never the whole register.
    voisines = registre[(registre.commune == commune).fillna(False)]
    cle_nom = cle_recherche(str(nom))
    memes = voisines[voisines.nom.map(lambda n: not _vide(n) and cle_recherche(str(n)) == cle_nom)]
    return memes.iloc[0].to_dict() if len(memes) else None


COLONNES_ACCEPTEES = [
    "cle",
    "genre",
    "siret",
    "nom",
    "famille",
    "activite",
    "commune",
    "lon",
    "lat",
    "adresse",
    "site_web",
    "description",
    "cle_cible",
    "verifiee_le",
    "role_moderateur",
]


def acceptees(depot: store.Depot) -> pd.DataFrame:
    """What moderators accepted, as the register merges it (never a contact): one row per
    accepted proposal (``cle`` = ``contribution:<id>``; ``cle_cible`` set when it was merged
    into a structure), and per accepted correction of a report (``cle_cible`` the structure, only
    the corrected fields filled). Columns :data:`COLONNES_ACCEPTEES`; ``verifiee_le`` a date."""
    with _session_publique(depot) as session:
        objets = session.scalars(
            select(store.Contribution)
            .where(
                store.Contribution.statut.in_([ACCEPTEE, FUSIONNEE]),
                or_(store.Contribution.motif.is_(None), store.Contribution.motif.not_in(MOTIFS_QUI_MASQUENT)),
            )
            .order_by(store.Contribution.modere_le, store.Contribution.id)
        ).all()
        lignes = [
            {
                "cle": f"{PREFIXE_CLE}{o.id}",
                "genre": o.genre,
                **{c: getattr(o, c) for c in COLONNES_ACCEPTEES if hasattr(store.Contribution, c)},
                "verifiee_le": o.modere_le.date() if o.modere_le else None,
            }
            for o in objets
        ]
    return pd.DataFrame(lignes, columns=COLONNES_ACCEPTEES)


def cles_masquees(depot: store.Depot) -> dict[str, str]:
    """Register keys hidden here, with their reason."""
    with _session_publique(depot) as session:
        requete = select(store.Masquage.cle, store.Masquage.motif).where(store.Masquage.actif.is_(True))
        return dict(session.execute(requete).all())


COLONNES_OUVERTES = [
    "identifiant",
    "nom",
    "siret",
    "famille",
    "activite",
    "commune",
    "adresse",
    "lon",
    "lat",
    "site_web",
    "description",
    "structure_enrichie",
    "verifiee_le",
    "verifiee_par",
    "licence",
]


def publiees(depot: store.Depot) -> pd.DataFrame:
    """The accepted proposals as published (open data): :data:`COLONNES_OUVERTES`, never a
    contact; those hidden since (closed…) are left out. ``structure_enrichie``: the register's
    structure a merged proposal completes."""
    tableau = acceptees(depot)
    tableau = tableau[tableau.genre == PROPOSITION]
    masquees = cles_masquees(depot)
    tableau = tableau[~parmi(tableau.cle, masquees) & ~parmi(tableau.cle_cible, masquees)]
    roles = {"administrateur": "un administrateur", "contributeur": "un contributeur du territoire"}
    return pd.DataFrame(
        {
            "identifiant": tableau.cle,
            "nom": tableau.nom,
            "siret": tableau.siret,
            "famille": tableau.famille.map(lambda f: LIBELLES_FAMILLES.get(f, f)),
            "activite": tableau.activite,
            "commune": tableau.commune,
            "adresse": tableau.adresse,
            "lon": tableau.lon,
            "lat": tableau.lat,
            "site_web": tableau.site_web,
            "description": tableau.description,
            "structure_enrichie": tableau.cle_cible,
            "verifiee_le": tableau.verifiee_le.map(lambda d: d.isoformat() if d else None),
            "verifiee_par": tableau.role_moderateur.map(lambda r: roles.get(r, r)),
            "licence": LICENCE,
        },
        columns=COLONNES_OUVERTES,
    ).reset_index(drop=True)


# The headers :data:`geo.outils.tableaux.ENTETES` does not give (or gives without accents).
ENTETES_OUVERTES = {
    "identifiant": "Identifiant",
    "site_web": "Site web",
    "description": "Description",
    "structure_enrichie": "Structure enrichie (identifiant)",
    "verifiee_le": "Vérifiée le",
    "verifiee_par": "Vérifiée par",
    "licence": "Licence",
}


def csv_ouvert(publiees: pd.DataFrame) -> bytes:
    """The open-data CSV of accepted contributions (from :func:`publiees`) in the one convention
    of the app's downloads (:func:`geo.outils.formats.vers_csv`: ``;``, decimal comma, UTF-8 with
    BOM, formulas neutralised: the names and descriptions were typed by anyone), one ``licence``
    column; never the contact."""
    from geo.outils import formats

    return formats.vers_csv(publiees[COLONNES_OUVERTES], entetes=ENTETES_OUVERTES)


def geojson_ouvert(publiees: pd.DataFrame) -> bytes:
    """The open-data GeoJSON of accepted contributions (from :func:`publiees`), points in WGS84,
    with the licence in each feature and in the collection's ``licence`` member."""
    entites = []
    for ligne in publiees[COLONNES_OUVERTES].itertuples(index=False):
        valeurs = {k: (None if _vide(v) else v) for k, v in ligne._asdict().items()}
        lon, lat = valeurs.pop("lon"), valeurs.pop("lat")
        geometrie = None if lon is None or lat is None else {"type": "Point", "coordinates": [lon, lat]}
        entites.append({"type": "Feature", "geometry": geometrie, "properties": valeurs})
    collection = {
        "type": "FeatureCollection",
        "name": "contributions_verifiees",
        "licence": LICENCE,
        "licence_url": URL_LICENCE,
        "features": entites,
    }
    return json.dumps(collection, ensure_ascii=False, default=str).encode("utf-8")


# What the open dataset shows of a contribution (:func:`publiees`), the contact never among them.
_CHAMPS_PUBLIES = (*(c for c in _CHAMPS_STRUCTURE if c != "contact"), "cle_cible", "role_moderateur")


def _publiee(etat: dict | None) -> tuple | None:
    """What the open dataset shows of a contribution in this journal snapshot; None: nothing."""
    if not etat or etat.get("genre") != PROPOSITION or etat.get("statut") not in (ACCEPTEE, FUSIONNEE):
        return None
    return (etat.get("id"), (etat.get("modere_le") or "")[:10], *(etat.get(c) for c in _CHAMPS_PUBLIES))


def _masque_une_publiee(etat: dict | None, publiees_ou_enrichies: set[str]) -> str | None:
    """The key an active mask in this snapshot takes out of the open dataset; None: none."""
    if not etat or not etat.get("actif") or etat.get("cle") not in publiees_ou_enrichies:
        return None
    return etat["cle"]


def _derniere_modification_publiee(session: Session) -> dt.datetime | None:
    """When the published content last changed: the newest moderation entry of the journal that
    changed what :func:`publiees` shows (an acceptance, an undo, an edit, a mask on a published
    proposal or on the structure it completes). A refusal, an erasure asked by a person, the
    contacts purged after 30 days or a mask on another structure change nothing published."""
    cles = session.execute(
        select(store.Contribution.id, store.Contribution.cle_cible).where(
            store.Contribution.genre == PROPOSITION, store.Contribution.statut.in_([ACCEPTEE, FUSIONNEE])
        )
    ).all()
    publiees_ou_enrichies = {f"{PREFIXE_CLE}{i}" for i, _ in cles} | {c for _, c in cles if c}
    entrees = session.execute(
        select(store.Journal.quand, store.Journal.table_nom, store.Journal.avant, store.Journal.apres)
        .where(store.Journal.table_nom.in_(list(_MODELES)))
        .order_by(store.Journal.id.desc())
    )
    for quand, table, avant, apres in entrees:
        avant, apres = (json.loads(e) if e else None for e in (avant, apres))
        if _MODELES[table] is store.Contribution:
            change = _publiee(avant) != _publiee(apres)
        else:
            change = _masque_une_publiee(avant, publiees_ou_enrichies) != _masque_une_publiee(
                apres, publiees_ou_enrichies
            )
        if change:
            return quand
    return None


def jeu_de_donnees(depot: store.Depot) -> dict:
    """The dataset as the Sources page shows it: ``titre, producteur, licence, url_licence,
    nombre`` (accepted contributions published), ``derniere_modification`` (datetime UTC of the
    last change of the published content, :func:`_derniere_modification_publiee`; None before
    the first)."""
    with _session_publique(depot) as session:
        derniere = _derniere_modification_publiee(session)
    return {
        "titre": "Structures proposées par les acteurs du territoire (contributions vérifiées)",
        "producteur": "Contributeurs de ce site, vérifiés par ses modérateurs",
        "licence": LICENCE,
        "url_licence": URL_LICENCE,
        "nombre": len(publiees(depot)),
        "derniere_modification": derniere,
    }


TITRE_JEU = "Contributions vérifiées"


def ligne_du_jeu(jeu: dict) -> dict[str, object]:
    """The dataset's row on the Sources page (from :func:`jeu_de_donnees`), in French: its count,
    its last change (« aucune encore » before the first moderation), its licence."""
    derniere = jeu.get("derniere_modification")
    return {
        "Jeu de données": TITRE_JEU,
        "Producteur": jeu["producteur"],
        "Structures publiées": int(jeu["nombre"]),
        "Dernière modification (UTC)": date_heure_fr(str(derniere)) if derniere else "aucune encore",
        "Licence": jeu["licence"],
    }


# Privacy ------------------------------------------------------------------------------------


def purger_contacts(depot: store.Depot, instant: dt.datetime | None = None) -> int:
    """Erase the contacts of contributions moderated more than
    :data:`JOURS_CONSERVATION_CONTACT` days ago, or still waiting
    :data:`JOURS_CONSERVATION_SANS_DECISION` days after they were sent, and the hashes of their
    senders (of no use once moderated); returns how many contacts were erased."""
    instant = instant or _maintenant()
    limite = instant - dt.timedelta(days=JOURS_CONSERVATION_CONTACT)
    limite_sans_decision = instant - dt.timedelta(days=JOURS_CONSERVATION_SANS_DECISION)
    moderees = or_(
        store.Contribution.modere_le < limite,
        and_(store.Contribution.modere_le.is_(None), store.Contribution.cree_le < limite_sans_decision),
    )
    with _session_publique(depot) as session, session.begin():
        resultat = session.execute(
            update(store.Contribution)
            .where(store.Contribution.contact.is_not(None), moderees)
            .values(contact=None)
        )
        session.execute(
            update(store.Contribution)
            .where(moderees, store.Contribution.empreinte_adresse.is_not(None))
            .values(empreinte_adresse=None, empreinte_session=None)
        )
        return resultat.rowcount or 0


def sirets_differents(contribution: Mapping, structure: Mapping) -> bool:
    """Both carry a SIRET and they differ: two establishments, which :func:`fusionner` refuses
    to merge (the page offers no merge then, and says why)."""
    propose, officiel = contribution.get("siret"), structure.get("siret")
    return (
        isinstance(propose, str)
        and isinstance(officiel, str)
        and bool(propose)
        and bool(officiel)
        and (propose != officiel)
    )


def _cle_contact(texte: str) -> str:
    return re.sub(r"[\s.\-()]", "", (texte or "").strip().lower())


def _de_la_personne(session: Session, contact: str, administrateur: Utilisateur) -> list[store.Contribution]:
    if administrateur is None or not administrateur.est_administrateur:
        raise ModerationImpossible(
            "seul un administrateur peut exporter ou effacer les contributions d'une personne."
        )
    cle = _cle_contact(contact)
    if not cle:
        raise ModerationImpossible("contact à donner (courriel ou téléphone).")
    objets = session.scalars(select(store.Contribution).where(store.Contribution.contact.is_not(None))).all()
    return [o for o in objets if _cle_contact(o.contact) == cle]


def exporter_personne(depot: store.Depot, contact: str, administrateur: Utilisateur) -> pd.DataFrame:
    """Every contribution whose contact is ``contact`` (case, spaces and dots ignored): an
    administrator answering a person's request. Refused to anyone else."""
    with _session_publique(depot) as session:
        objets = _de_la_personne(session, contact, administrateur)
        lignes = [{c: getattr(o, c) for c in _COLONNES_MODERATION} for o in objets]
    return pd.DataFrame(lignes, columns=_COLONNES_MODERATION)


def csv_personne(tableau: pd.DataFrame) -> bytes:
    """A person's contributions (from :func:`exporter_personne`) as the app's CSV for spreadsheets
    (:func:`geo.outils.formats.vers_csv`: formulas neutralised, what they typed was free text),
    dates as « 07/12/2026 18:30 » (UTC): the command gives the file the page gives."""
    from geo.outils import formats

    dates = {
        colonne: tableau[colonne].dt.strftime("%d/%m/%Y %H:%M")
        for colonne in tableau.columns
        if pd.api.types.is_datetime64_any_dtype(tableau[colonne])
    }
    return formats.vers_csv(tableau.assign(**dates))


EFFACEMENT_RGPD = "effacement à la demande de la personne (RGPD)"


def effacer_personne(depot: store.Depot, contact: str, administrateur: Utilisateur) -> int:
    """Erase a person's contributions: pending and refused ones are deleted, accepted ones (public
    facts about a structure) lose their contact. Returns how many. Journaled without the contact."""
    _refus_lecture_seule()
    lot = journal.nouveau_lot()
    with depot.session() as session:
        objets = _de_la_personne(session, contact, administrateur)
        for objet in objets:
            avant = _instantane(objet)
            if objet.statut in (EN_ATTENTE, REFUSEE):
                for masquage in session.scalars(
                    select(store.Masquage).where(store.Masquage.contribution_id == objet.id)
                ):
                    masquage.contribution_id = None
                session.delete(objet)
                session.flush()
                journal.noter(
                    session, administrateur.identifiant, "suppression", objet, avant, None, lot,
                    EFFACEMENT_RGPD,
                )  # fmt: skip
            else:
                objet.contact = None
    return len(objets)
