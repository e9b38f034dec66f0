"""Who may write: accounts, roles, login with throttling, and the rule of what a contributor owns.

Reading needs no account. Writing (form, import, seed pack, refresh of official data)
needs one of two roles:

- **administrateur**: everything, accounts included;
- **contributeur** of one or more PTCE or territories: only the records of those PTCE
  (their projects, structures, jobs and funding) or lying in those territories.

Accounts live in the store (``compte`` table). A built-in account has an argon2id
password hash (argon2-cffi); an account for a user of the deployment's identity
provider (Streamlit's ``st.login``, OpenID Connect) has none: its ``identifiant`` is the
e-mail address the provider gives. Accounts are created on the command line, the
password typed at a prompt or read from standard input, never from the arguments
(they end up in the shell history and the process list)::

    python -m geo.base.comptes ajouter admin@exemple.fr --role administrateur
    python -m geo.base.comptes ajouter animatrice@aliss.fr --role contributeur --ptce "ALISS"
    python -m geo.base.comptes ajouter elu@agglo.fr --role contributeur --territoire epci:200071991 --oidc
    python -m geo.base.comptes liste

Failed logins are counted per typed identifier, whether or not an account has it:
after a few the next try must wait (1, 2, 4… seconds), after more the identifier is
locked for a while. The message is the same in every case, so that it never tells
whether an account exists.

``ESS_LECTURE_SEULE=1`` switches every write off (:func:`lecture_seule`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from geo.base import store
from geo.outils.ligne_de_commande import AnalyseurFr
from geo.outils.ligne_de_commande import journal as journal_de_commande
from geo.outils.text import cle_recherche

ADMINISTRATEUR, CONTRIBUTEUR = "administrateur", "contributeur"
LONGUEUR_MINIMALE_MOT_DE_PASSE = 12
# After this many failures in a row, each try waits 1, 2, 4… seconds (at most a minute)…
ECHECS_AVANT_RALENTISSEMENT = 3
DELAI_MAXIMAL = dt.timedelta(seconds=60)
# …and after this many, the identifier is locked for a quarter of an hour.
ECHECS_AVANT_BLOCAGE = 8
DUREE_BLOCAGE = dt.timedelta(minutes=15)
MESSAGE_REFUS = (
    "Connexion refusée : identifiant ou mot de passe incorrect, ou trop d'essais récents. "
    "Vérifiez et réessayez dans quelques minutes."
)
MESSAGE_LECTURE_SEULE = (
    "Cette installation est en lecture seule : les données ne peuvent pas y être modifiées."
)

_HACHEUR = PasswordHasher()
# Verified against when the account does not exist, so that the answer takes as long.
_HACHAGE_LEURRE = _HACHEUR.hash("mot de passe qui ne sert qu'à perdre le même temps")


class ConnexionRefusee(PermissionError):
    """Wrong identifier or password, or too many tries: always :data:`MESSAGE_REFUS`."""

    def __init__(self) -> None:
        super().__init__(MESSAGE_REFUS)


class CompteInvalide(ValueError):
    """An account that cannot be created as asked (French message)."""


def lecture_seule() -> bool:
    """``ESS_LECTURE_SEULE=1`` (or ``oui``, ``true``): a read-only public mirror, no writing at all."""
    return os.environ.get("ESS_LECTURE_SEULE", "").strip().lower() not in {"", "0", "non", "false", "no"}


def maintenant() -> dt.datetime:
    """UTC, without time zone (SQLite keeps none; every date in the store is UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Utilisateur:
    """A logged-in account, as the pages and the write rules need it."""

    id: int
    identifiant: str
    nom: str | None
    role: str
    ptce_ids: frozenset[int] = frozenset()
    territoires: frozenset[str] = frozenset()

    @property
    def est_administrateur(self) -> bool:
        return self.role == ADMINISTRATEUR

    @property
    def libelle(self) -> str:
        return self.nom or self.identifiant


def _normaliser_identifiant(identifiant: str) -> str:
    return (identifiant or "").strip().lower()


def _utilisateur(compte: store.Compte) -> Utilisateur:
    return Utilisateur(
        id=compte.id,
        identifiant=compte.identifiant,
        nom=compte.nom,
        role=compte.role,
        ptce_ids=frozenset(p.ptce_id for p in compte.perimetres if p.ptce_id is not None),
        territoires=frozenset(p.territoire for p in compte.perimetres if p.territoire),
    )


def hacher(mot_de_passe: str) -> str:
    if len(mot_de_passe or "") < LONGUEUR_MINIMALE_MOT_DE_PASSE:
        raise CompteInvalide(
            f"mot de passe trop court : {LONGUEUR_MINIMALE_MOT_DE_PASSE} caractères au moins."
        )
    return _HACHEUR.hash(mot_de_passe)


def creer(
    depot: store.Depot,
    identifiant: str,
    role: str,
    mot_de_passe: str | None = None,
    nom: str | None = None,
    ptce: Iterable[str] = (),
    territoires: Iterable[str] = (),
) -> Utilisateur:
    """A new account; ``mot_de_passe`` None: a user of the identity provider (no password here)."""
    from geo.territoires.referentiel import IdentifiantInvalide, TerritoireId

    identifiant = _normaliser_identifiant(identifiant)
    if not identifiant or len(identifiant) > 200 or any(ord(c) < 32 or c.isspace() for c in identifiant):
        raise CompteInvalide("identifiant vide, trop long ou avec des espaces.")
    if role not in store.ROLES:
        raise CompteInvalide(f"rôle « {role} » inconnu : {ADMINISTRATEUR} ou {CONTRIBUTEUR}.")
    ptce, territoires = list(ptce), list(territoires)
    if role == CONTRIBUTEUR and not ptce and not territoires:
        raise CompteInvalide(
            "un contributeur écrit pour au moins un PTCE (--ptce) ou un territoire (--territoire)."
        )
    hachage = hacher(mot_de_passe) if mot_de_passe is not None else None
    with depot.session() as session:
        if session.scalar(select(store.Compte.id).where(store.Compte.identifiant == identifiant)):
            raise CompteInvalide(f"un compte « {identifiant} » existe déjà.")
        compte = store.Compte(
            identifiant=identifiant,
            nom=nom,
            role=role,
            mot_de_passe=hachage,
            actif=True,
            cree_le=maintenant(),
        )
        tous_ptce = {cle_recherche(p.nom): p for p in session.scalars(select(store.PTCE))}
        for nom_ptce in ptce:
            trouve = tous_ptce.get(cle_recherche(nom_ptce))
            if trouve is None:
                raise CompteInvalide(f"PTCE « {nom_ptce} » inconnu : saisissez-le d'abord.")
            compte.perimetres.append(store.PerimetreCompte(ptce_id=trouve.id))
        for texte in territoires:
            try:
                tid = TerritoireId.depuis_texte(texte)
            except IdentifiantInvalide as erreur:
                raise CompteInvalide(str(erreur)) from erreur
            compte.perimetres.append(store.PerimetreCompte(territoire=str(tid)))
        session.add(compte)
        session.flush()
        return _utilisateur(compte)


def charger(depot: store.Depot, compte_id: int) -> Utilisateur | None:
    """The active account with this id (read again on every page run: a disabled account stops at once)."""
    with depot.session() as session:
        compte = session.get(store.Compte, compte_id)
        return _utilisateur(compte) if compte is not None and compte.actif else None


def par_identifiant(depot: store.Depot, identifiant: str) -> Utilisateur | None:
    """The active account of an identity provider's user (by e-mail address)."""
    with depot.session() as session:
        compte = session.scalar(
            select(store.Compte).where(store.Compte.identifiant == _normaliser_identifiant(identifiant))
        )
        return _utilisateur(compte) if compte is not None and compte.actif else None


def lister(depot: store.Depot) -> list[dict]:
    with depot.session() as session:
        noms_ptce = {p.id: p.nom for p in session.scalars(select(store.PTCE))}
        return [
            {
                "identifiant": c.identifiant,
                "nom": c.nom or "",
                "role": c.role,
                "connexion": "mot de passe" if c.mot_de_passe else "fournisseur d'identité",
                "actif": "oui" if c.actif else "non",
                "perimetre": ", ".join(
                    noms_ptce.get(p.ptce_id, "?") if p.ptce_id else p.territoire for p in c.perimetres
                ),
            }
            for c in session.scalars(select(store.Compte).order_by(store.Compte.identifiant))
        ]


def desactiver(depot: store.Depot, identifiant: str) -> None:
    with depot.session() as session:
        compte = session.scalar(
            select(store.Compte).where(store.Compte.identifiant == _normaliser_identifiant(identifiant))
        )
        if compte is None:
            raise CompteInvalide(f"aucun compte « {identifiant} ».")
        compte.actif = False


def compter_administrateurs(depot: store.Depot) -> int:
    with depot.session() as session:
        return session.scalar(
            select(func.count())
            .select_from(store.Compte)
            .where(store.Compte.role == ADMINISTRATEUR, store.Compte.actif.is_(True))
        )


# Login ------------------------------------------------------------------------------


def _delai(echecs: int) -> dt.timedelta:
    if echecs < ECHECS_AVANT_RALENTISSEMENT:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** (echecs - ECHECS_AVANT_RALENTISSEMENT)), DELAI_MAXIMAL)


def connecter(
    depot: store.Depot, identifiant: str, mot_de_passe: str, instant: dt.datetime | None = None
) -> Utilisateur:
    """The account if the password is right; :class:`ConnexionRefusee` otherwise, the same way
    for an unknown identifier, a wrong password, a slowed-down or a locked identifier."""
    instant = instant or maintenant()
    cle = _normaliser_identifiant(identifiant)[:200]
    refuse = False
    utilisateur = None
    with depot.session() as session:
        tentative = session.get(store.TentativeConnexion, cle)
        attente = tentative is not None and (
            (tentative.bloque_jusqu_a is not None and instant < tentative.bloque_jusqu_a)
            or (
                tentative.dernier_echec is not None
                and instant < tentative.dernier_echec + _delai(tentative.echecs)
            )
        )
        compte = session.scalar(select(store.Compte).where(store.Compte.identifiant == cle))
        hachage = compte.mot_de_passe if compte is not None and compte.actif and compte.mot_de_passe else None
        try:
            # Always one verification: the time taken does not tell whether the account exists.
            _HACHEUR.verify(hachage or _HACHAGE_LEURRE, mot_de_passe or "")
            bon = hachage is not None
        except (VerificationError, InvalidHashError):
            bon = False
        if attente:
            refuse = True  # a try during the wait counts for nothing, right or wrong
        elif not bon:
            refuse = True
            if tentative is None:
                tentative = store.TentativeConnexion(identifiant=cle, echecs=0)
                session.add(tentative)
            tentative.echecs = (tentative.echecs or 0) + 1
            tentative.dernier_echec = instant
            if tentative.echecs >= ECHECS_AVANT_BLOCAGE:
                tentative.bloque_jusqu_a = instant + DUREE_BLOCAGE
                tentative.echecs = 0
        else:
            session.execute(
                delete(store.TentativeConnexion).where(store.TentativeConnexion.identifiant == cle)
            )
            if _HACHEUR.check_needs_rehash(hachage):
                compte.mot_de_passe = _HACHEUR.hash(mot_de_passe)
            utilisateur = _utilisateur(compte)
    # Committed first: a refused try is counted even though the caller gets an exception.
    if refuse or utilisateur is None:
        raise ConnexionRefusee()
    return utilisateur


# What a contributor may write ---------------------------------------------------------


def _ids(texte: str | None) -> list[str]:
    return [t.strip() for t in (texte or "").split(",") if t.strip()]


def regle_ecriture(
    utilisateur: Utilisateur | None, dans: Callable[[str, str], bool] | None = None
) -> Callable[[str, dict], str | None] | None:
    """A check of one row about to be written (None when everything is allowed: administrators,
    and the command line's seed pack). It returns a French refusal or None.

    ``dans(territoire, perimetre)`` says whether a territory lies inside another one (a
    commune in an EPCI); default: the same id.
    """
    if utilisateur is None or utilisateur.est_administrateur:
        return None
    dans = dans or (lambda territoire, perimetre: territoire == perimetre)

    def dans_mes_territoires(texte: str | None) -> bool:
        ids = _ids(texte)
        return bool(ids) and all(any(dans(t, p) for p in utilisateur.territoires) for t in ids)

    def ptce_a_moi(ptce) -> bool:
        if ptce is None:
            return False
        return (ptce.id is not None and ptce.id in utilisateur.ptce_ids) or dans_mes_territoires(
            ptce.perimetre
        )

    def projet_a_moi(projet) -> bool:
        if projet is None:
            return False
        return ptce_a_moi(projet.ptce) or dans_mes_territoires(projet.territoire)

    def verifier(table: str, valeurs: dict) -> str | None:
        if table == "ptce":
            permis = dans_mes_territoires(valeurs.get("perimetre"))
        elif table == "projets":
            permis = ptce_a_moi(valeurs.get("ptce")) or dans_mes_territoires(valeurs.get("territoire"))
        elif table == "structures":
            commune = valeurs.get("commune")
            permis = (
                ptce_a_moi(valeurs.get("ptce"))
                or projet_a_moi(valeurs.get("projet"))
                or dans_mes_territoires(f"commune:{commune}" if commune else None)
            )
        elif table == "emplois":
            permis = projet_a_moi(valeurs.get("projet"))
        elif table == "financements":
            permis = (
                ptce_a_moi(valeurs.get("ptce"))
                or projet_a_moi(valeurs.get("projet"))
                or dans_mes_territoires(valeurs.get("territoire"))
            )
        else:
            permis = False
        if permis:
            return None
        return (
            "cette ligne ne relève pas de vos PTCE ou territoires : votre compte de contributeur "
            "ne peut pas l'écrire (demandez à un administrateur)."
        )

    return verifier


def regle_suppression(
    utilisateur: Utilisateur | None, dans: Callable[[str, str], bool] | None = None
) -> Callable[[str, object], bool]:
    """Whether this user may delete (or undo) a stored row (ORM object) of a table."""
    verifier = regle_ecriture(utilisateur, dans)
    if verifier is None:
        return lambda _table, _objet: True

    def permis(table: str, objet) -> bool:
        valeurs = {c.key: getattr(objet, c.key) for c in objet.__mapper__.column_attrs} | {
            r.key: getattr(objet, r.key) for r in objet.__mapper__.relationships if not r.uselist
        }
        return verifier(table, valeurs) is None

    return permis


def dans_referentiel(ref) -> Callable[[str, str], bool]:
    """``dans(territoire, perimetre)`` from the territories' referential: the same id, or a
    commune or EPCI whose parents include the perimeter."""
    from geo.territoires.referentiel import IdentifiantInvalide, TerritoireId, TerritoireInconnu

    def dans(territoire: str, perimetre: str) -> bool:
        if territoire == perimetre:
            return True
        try:
            return perimetre in {p["id"] for p in ref.parents(TerritoireId.depuis_texte(territoire))}
        except (IdentifiantInvalide, TerritoireInconnu, KeyError):
            return False

    return dans


# Command line --------------------------------------------------------------------------


def _lire_mot_de_passe(depuis_stdin: bool) -> str:
    if depuis_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    premier = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Mot de passe (encore) : ") != premier:
        raise CompteInvalide("les deux mots de passe diffèrent.")
    return premier


def main(arguments: list[str] | None = None) -> int:
    analyseur = AnalyseurFr(prog="python -m geo.base.comptes", description="Comptes qui peuvent écrire.")
    analyseur.add_argument("--url", help="base de données (défaut : DATABASE_URL ou data/saisie.sqlite3)")
    commandes = analyseur.add_subparsers(dest="commande", required=True, title="commandes")
    ajouter = commandes.add_parser("ajouter", help="créer un compte")
    ajouter.add_argument("identifiant", help="identifiant de connexion ou adresse électronique")
    ajouter.add_argument("--role", required=True, choices=store.ROLES)
    ajouter.add_argument("--nom", help="nom affiché")
    ajouter.add_argument("--ptce", action="append", default=[], help="PTCE du contributeur (répétable)")
    ajouter.add_argument(
        "--territoire",
        action="append",
        default=[],
        help="territoire du contributeur, epci:SIREN… (répétable)",
    )
    ajouter.add_argument(
        "--oidc", action="store_true", help="utilisateur du fournisseur d'identité : pas de mot de passe ici"
    )
    ajouter.add_argument(
        "--mot-de-passe-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard"
    )
    commandes.add_parser("liste", help="lister les comptes")
    desactiver_ = commandes.add_parser("desactiver", help="désactiver un compte")
    desactiver_.add_argument("identifiant")
    options = analyseur.parse_args(arguments)
    with journal_de_commande(options.verbose):
        return _executer(options)


def _executer(options) -> int:
    depot = store.ouvrir(options.url)
    try:
        if options.commande == "ajouter":
            mot_de_passe = None if options.oidc else _lire_mot_de_passe(options.mot_de_passe_stdin)
            compte = creer(
                depot,
                options.identifiant,
                options.role,
                mot_de_passe,
                nom=options.nom,
                ptce=options.ptce,
                territoires=options.territoire,
            )
            print(f"Compte « {compte.identifiant} » créé ({compte.role}).")
        elif options.commande == "liste":
            for ligne in lister(depot):
                morceaux = [ligne["identifiant"], ligne["role"], ligne["connexion"]]
                morceaux.append(f"actif : {ligne['actif']}")
                print(" · ".join(morceaux + ([ligne["perimetre"]] if ligne["perimetre"] else [])))
        elif options.commande == "desactiver":
            desactiver(depot, options.identifiant)
            print(f"Compte « {options.identifiant} » désactivé.")
    except CompteInvalide as erreur:
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 2
    finally:
        depot.fermer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
