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
is never stored: only a keyed hash of it (:func:`empreinte`).

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from geo.base import store
from geo.base.comptes import Utilisateur
from geo.outils import nomenclature

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
JOURS_CONSERVATION_CONTACT = 30
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

TEXTE_RGPD = (
    "Ce que nous gardons : les informations sur la structure (publiées si elles sont acceptées, "
    f"sous {LICENCE}) et, si vous le donnez, votre contact, vu seulement par la personne qui vérifie "
    f"la proposition et effacé {JOURS_CONSERVATION_CONTACT} jours après sa décision. Votre adresse "
    "réseau n'est pas gardée : seule une empreinte chiffrée l'est, pour limiter les envois abusifs. "
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
    (both hashed before anything is stored)."""

    session: str
    adresse: str


# Public API --------------------------------------------------------------------------------


def empreinte(depot: store.Depot, valeur: str) -> str:
    """A keyed hash (HMAC-SHA256, key kept in the store) of a network address or session id."""
    raise NotImplementedError


def verifier_proposition(
    valeurs: dict[str, object],
    communes_aux_points: Callable[[float, float], str | None],
    sirets_du_registre: Callable[[str], bool] = lambda _siret: False,
) -> Envoi:
    """Check a proposal without storing it: cleaned values and one French message per refused field.

    ``communes_aux_points(lon, lat)`` gives the INSEE code of the commune under a point (None at
    sea or abroad: ``Referentiel.communes_aux_points``); ``sirets_du_registre(siret)`` says
    whether the register already has that SIRET (a duplicate is refused, with a pointer to
    « Signaler une erreur »).
    """
    raise NotImplementedError


def proposer(
    depot: store.Depot,
    valeurs: dict[str, object],
    emetteur: Emetteur,
    communes_aux_points: Callable[[float, float], str | None],
    sirets_du_registre: Callable[[str], bool] = lambda _siret: False,
    instant: dt.datetime | None = None,
) -> Envoi:
    """Check and store a proposal « en attente » (honeypot, rate limits, pending cap, bulk,
    fields). Nothing is stored when anything is refused, except the send itself (rate limit)."""
    raise NotImplementedError


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
    (for the moderator's list). ``valeurs``: :data:`CHAMPS_SIGNALEMENT` (and the honeypot)."""
    raise NotImplementedError


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
    raise NotImplementedError


def a_moderer(
    depot: store.Depot,
    utilisateur: Utilisateur,
    dans: Callable[[str, str], bool] | None = None,
    statuts: Iterable[str] = (EN_ATTENTE,),
) -> pd.DataFrame:
    """The contributions this account may moderate, oldest first, one row each: ``id, genre,
    statut, cree_le, nom, siret, commune, adresse, lon, lat, famille, activite, site_web,
    description, contact, cle_cible, motif, commentaire, modere_le, modere_par``. The contact is
    here because moderators need it; it is never part of a public table."""
    raise NotImplementedError


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
    lat, activite, site_web, description). Returns the journal lot (for :func:`annuler`)."""
    raise NotImplementedError


def refuser(
    depot: store.Depot,
    contribution_id: int,
    moderateur: Utilisateur,
    motif: str,
    dans: Callable[[str, str], bool] | None = None,
    instant: dt.datetime | None = None,
) -> str:
    """Refuse a pending contribution; the reason goes to the journal only. Returns the lot."""
    raise NotImplementedError


def fusionner(
    depot: store.Depot,
    contribution_id: int,
    cle_cible: str,
    moderateur: Utilisateur,
    siret_cible: str | None = None,
    modifications: dict[str, object] | None = None,
    dans: Callable[[str, str], bool] | None = None,
    instant: dt.datetime | None = None,
) -> str:
    """Merge a pending proposal into the register's structure ``cle_cible`` (same SIRET: given
    as ``siret_cible``, refused when they differ): official identity wins, the proposal adds what
    the structure lacks. Returns the lot."""
    raise NotImplementedError


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
    raise NotImplementedError


def annuler(
    depot: store.Depot,
    lot: str,
    moderateur: Utilisateur,
    dans: Callable[[str, str], bool] | None = None,
    instant: dt.datetime | None = None,
) -> str:
    """Undo one moderation action (its journal lot): every row back as it was before. The undo is
    itself journaled (new lot, returned)."""
    raise NotImplementedError


def actions(
    depot: store.Depot, utilisateur: Utilisateur, dans: Callable[[str, str], bool] | None = None
) -> pd.DataFrame:
    """The moderation actions this account may see and undo, newest first: ``lot, quand (UTC),
    qui, action, structure, détail, annulée``."""
    raise NotImplementedError


def comparer(contribution: dict[str, object], officielle: dict[str, object] | None) -> pd.DataFrame:
    """Side by side for the moderator: one row per field (``champ`` in French, ``officiel``,
    ``contribution``, ``retenu``, ``différent``); official identity (name, SIRET, legal form)
    wins, the contribution fills what the official row lacks. Values as plain text, « — » when
    unknown."""
    raise NotImplementedError


def acceptees(depot: store.Depot) -> pd.DataFrame:
    """Accepted and merged contributions as register rows (no contact): ``cle, siret, siren, nom,
    famille, activite, commune, lon, lat, precision, adresse, site_web, description, cle_cible,
    sources, millesimes, verifiee_le, role_moderateur``, plus accepted corrections of reports
    (``cle_cible`` set, only the corrected fields filled)."""
    raise NotImplementedError


def cles_masquees(depot: store.Depot) -> dict[str, str]:
    """Register keys hidden here, with their reason."""
    raise NotImplementedError


def purger_contacts(depot: store.Depot, instant: dt.datetime | None = None) -> int:
    """Erase the contacts of contributions moderated more than
    :data:`JOURS_CONSERVATION_CONTACT` days ago; returns how many were erased."""
    raise NotImplementedError


def exporter_personne(depot: store.Depot, contact: str, administrateur: Utilisateur) -> pd.DataFrame:
    """Every contribution whose contact is ``contact`` (case and spaces ignored): an administrator
    answering a person's request. Refused to anyone else."""
    raise NotImplementedError


def effacer_personne(depot: store.Depot, contact: str, administrateur: Utilisateur) -> int:
    """Erase a person's contributions (pending ones deleted, moderated ones lose their contact);
    returns how many. Journaled without the contact."""
    raise NotImplementedError


def csv_ouvert(publiees: pd.DataFrame) -> bytes:
    """The open-data CSV of accepted contributions (from :func:`acceptees`, or the register's
    contributed rows), UTF-8 with BOM, one ``licence`` column; never the contact."""
    raise NotImplementedError


def geojson_ouvert(publiees: pd.DataFrame) -> bytes:
    """The open-data GeoJSON of accepted contributions, with the licence in its metadata."""
    raise NotImplementedError


def jeu_de_donnees(depot: store.Depot) -> dict:
    """The dataset as the Sources page shows it: ``titre, producteur, licence, url_licence,
    nombre`` (accepted contributions published), ``derniere_modification`` (datetime UTC or
    None)."""
    raise NotImplementedError
