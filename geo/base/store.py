"""Records entered by PTCE facilitators: PTCE, projects, structures, jobs, funding.

One store, through SQLAlchemy 2: a SQLite file under ``data/`` by default
(``data/saisie.sqlite3``), PostgreSQL (or any SQLAlchemy URL) when the
``DATABASE_URL`` variable is set. The schema is created and upgraded by the
versioned Alembic migrations of ``geo/base/migrations/`` (:func:`migrer`), never by
``create_all``, so that a deployed database follows the code.

Every row carries a ``source``: the field document it comes from (file name and
what it says), ``saisie`` for the in-app form, or the file it was imported
from. Unknown values stay empty (``NULL``), never guessed.

Perimeters and places are territory ids (``commune:02722``, ``epci:200071991``,
``departement:26``), comma-separated, so that a PTCE spanning an EPCI and a few
communes of another is one row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy import exc as sql_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from geo.outils import config

if TYPE_CHECKING:
    import pandas as pd

# The six stages of the ALISS project process, in order (aliss-ptce-soissonnais.txt).
ETAPES_PROJET: tuple[str, ...] = (
    "veille",
    "identification",
    "modélisation",
    "validation",
    "expérimentation",
    "lancement",
)
# How a project is listed when no source gives its stage (never guessed).
ETAPE_INCONNUE = "étape inconnue"
NATURES_EMPLOI: tuple[str, ...] = ("insertion", "encadrement", "autre")
ROLES: tuple[str, ...] = ("contributeur", "administrateur")
ACTIONS_JOURNAL: tuple[str, ...] = ("ajout", "modification", "suppression")
LIBELLES_NATURE = {"insertion": "Insertion", "encadrement": "Encadrement", "autre": "Autre"}
SOURCE_SAISIE = "saisie"
NOM_FICHIER_SQLITE = "saisie.sqlite3"
DOSSIER_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    # Named constraints, so that the migrations and the models name them alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _liste_sql(valeurs: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in valeurs)


class PTCE(Base):
    """A pôle territorial de coopération économique (or a comparable territorial programme)."""

    __tablename__ = "ptce"

    id: Mapped[int] = mapped_column(primary_key=True)
    nom: Mapped[str] = mapped_column(String(200), unique=True)
    # Comma-separated territory ids: "epci:200071991,commune:02722".
    perimetre: Mapped[str | None] = mapped_column(Text)
    # Members as written by the facilitator or the document, "; "-separated.
    membres: Mapped[str | None] = mapped_column(Text)
    annee_creation: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)

    projets: Mapped[list[Projet]] = relationship(back_populates="ptce")


class Projet(Base):
    """A project moving through the six stages, carried by a PTCE (or not)."""

    __tablename__ = "projet"
    __table_args__ = (
        CheckConstraint(f"etape IS NULL OR etape IN ({_liste_sql(ETAPES_PROJET)})", name="etape"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nom: Mapped[str] = mapped_column(String(200), unique=True)
    ptce_id: Mapped[int | None] = mapped_column(ForeignKey("ptce.id", ondelete="RESTRICT"))
    etape: Mapped[str | None] = mapped_column(String(20))
    date_debut: Mapped[dt.date | None] = mapped_column(Date)
    date_fin: Mapped[dt.date | None] = mapped_column(Date)
    secteur: Mapped[str | None] = mapped_column(String(200))
    # Where the project is, when narrower than its PTCE's perimeter (territory ids).
    territoire: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)

    ptce: Mapped[PTCE | None] = relationship(back_populates="projets")
    emplois: Mapped[list[Emploi]] = relationship(back_populates="projet")


class Structure(Base):
    """A structure created by a project or member of a PTCE."""

    __tablename__ = "structure"

    id: Mapped[int] = mapped_column(primary_key=True)
    nom: Mapped[str] = mapped_column(String(200), unique=True)
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    forme: Mapped[str | None] = mapped_column(String(200))
    commune: Mapped[str | None] = mapped_column(String(5))
    ptce_id: Mapped[int | None] = mapped_column(ForeignKey("ptce.id", ondelete="RESTRICT"))
    projet_id: Mapped[int | None] = mapped_column(ForeignKey("projet.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(Text)

    ptce: Mapped[PTCE | None] = relationship()
    projet: Mapped[Projet | None] = relationship()


class Emploi(Base):
    """Jobs created by a project: one row per (project, year, kind)."""

    __tablename__ = "emploi"
    __table_args__ = (
        CheckConstraint(f"nature IN ({_liste_sql(NATURES_EMPLOI)})", name="nature"),
        CheckConstraint("nombre >= 0", name="nombre"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    projet_id: Mapped[int] = mapped_column(ForeignKey("projet.id", ondelete="RESTRICT"))
    # None: the year is not known (the document does not say).
    annee: Mapped[int | None] = mapped_column(Integer)
    nature: Mapped[str] = mapped_column(String(20))
    nombre: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)

    projet: Mapped[Projet] = relationship(back_populates="emplois")


class Financement(Base):
    """Funding received by a project, a PTCE, a structure (SIRET) or a territory."""

    __tablename__ = "financement"
    __table_args__ = (
        CheckConstraint(
            "projet_id IS NOT NULL OR ptce_id IS NOT NULL OR siret IS NOT NULL OR territoire IS NOT NULL",
            name="beneficiaire",
        ),
        CheckConstraint("montant_eur IS NULL OR montant_eur >= 0", name="montant"),
        CheckConstraint(
            "annee_fin IS NULL OR annee_debut IS NULL OR annee_fin >= annee_debut",
            name="annees",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    projet_id: Mapped[int | None] = mapped_column(ForeignKey("projet.id", ondelete="RESTRICT"))
    ptce_id: Mapped[int | None] = mapped_column(ForeignKey("ptce.id", ondelete="RESTRICT"))
    siret: Mapped[str | None] = mapped_column(String(14))
    territoire: Mapped[str | None] = mapped_column(Text)
    financeur: Mapped[str | None] = mapped_column(String(300))
    dispositif: Mapped[str | None] = mapped_column(String(300))
    # None: amount not stated.
    montant_eur: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    annee_debut: Mapped[int | None] = mapped_column(Integer)
    annee_fin: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)

    projet: Mapped[Projet | None] = relationship()
    ptce: Mapped[PTCE | None] = relationship()


# Who may write, and what was written ---------------------------------------------


class Compte(Base):
    """Someone who may write: a built-in account (password hash) or an identity provider's user.

    ``identifiant`` is the login name, or the e-mail address given by the identity provider
    (OpenID Connect), whose accounts have no password here.
    """

    __tablename__ = "compte"
    __table_args__ = (CheckConstraint(f"role IN ({_liste_sql(ROLES)})", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifiant: Mapped[str] = mapped_column(String(200), unique=True)
    nom: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # argon2id hash (geo.base.comptes); None: the identity provider checks who it is.
    mot_de_passe: Mapped[str | None] = mapped_column(Text)
    actif: Mapped[bool] = mapped_column(Boolean, default=True)
    cree_le: Mapped[dt.datetime] = mapped_column(DateTime)

    perimetres: Mapped[list[PerimetreCompte]] = relationship(
        back_populates="compte", cascade="all, delete-orphan"
    )


class PerimetreCompte(Base):
    """What a contributor may write: the records of one PTCE, or of one territory."""

    __tablename__ = "perimetre_compte"
    __table_args__ = (CheckConstraint("(ptce_id IS NULL) <> (territoire IS NULL)", name="un_seul"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compte_id: Mapped[int] = mapped_column(ForeignKey("compte.id", ondelete="CASCADE"))
    ptce_id: Mapped[int | None] = mapped_column(ForeignKey("ptce.id", ondelete="CASCADE"))
    # A territory id (epci:200071991, departement:02…).
    territoire: Mapped[str | None] = mapped_column(String(30))

    compte: Mapped[Compte] = relationship(back_populates="perimetres")


class TentativeConnexion(Base):
    """Failed logins per typed identifier, known account or not (the answer must not tell)."""

    __tablename__ = "tentative_connexion"

    identifiant: Mapped[str] = mapped_column(String(200), primary_key=True)
    echecs: Mapped[int] = mapped_column(Integer, default=0)
    dernier_echec: Mapped[dt.datetime | None] = mapped_column(DateTime)
    bloque_jusqu_a: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Journal(Base):
    """One change of one row: who, when, before and after (JSON), written in the change's transaction.

    ``lot`` groups the rows of one import (or one form entry), so that it can be undone whole.
    """

    __tablename__ = "journal"
    __table_args__ = (
        CheckConstraint(f"action IN ({_liste_sql(ACTIONS_JOURNAL)})", name="action"),
        # The newest moderation entry (Depot.signature) among an import's 100 000 entries.
        Index("ix_journal_table_nom_id", "table_nom", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quand: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    qui: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    table_nom: Mapped[str] = mapped_column(String(30))
    ligne_id: Mapped[int] = mapped_column(Integer)
    avant: Mapped[str | None] = mapped_column(Text)
    apres: Mapped[str | None] = mapped_column(Text)
    lot: Mapped[str | None] = mapped_column(String(36), index=True)
    # What the change was: « import : fichier.xlsx », « saisie », « annulation de l'import … ».
    detail: Mapped[str | None] = mapped_column(Text)


class CompteurModifications(Base):
    """One row (``id`` 1) whose ``valeur`` grows by one in the transaction of every write of the
    entered records (:data:`MODELES`: PTCE, projects, structures, jobs, funding).

    Cached reads of entered data are keyed on it: one tiny query per run tells each process
    of a multi-process deployment whether another one wrote since (see :meth:`Depot.compteur`).
    A moderation decision, a public proposal or an account's sign-in leave it alone: they change
    nothing those reads show (the register follows :meth:`Depot.signature`).
    """

    __tablename__ = "compteur_modifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    valeur: Mapped[int] = mapped_column(BigInteger)


# What the public proposes and reports, and what moderators hide (geo.base.contributions) ------

GENRES_CONTRIBUTION: tuple[str, ...] = ("proposition", "signalement")
STATUTS_CONTRIBUTION: tuple[str, ...] = ("en attente", "acceptée", "refusée", "fusionnée")


class Contribution(Base):
    """A structure proposed, or an error reported on one, by anyone; public once a moderator accepts it.

    ``contact`` is seen by moderators only and erased 30 days after moderation; the sender's
    network address and browser session are kept only as keyed hashes (rate limits).
    """

    __tablename__ = "contribution"
    __table_args__ = (
        CheckConstraint(f"genre IN ({_liste_sql(GENRES_CONTRIBUTION)})", name="genre"),
        CheckConstraint(f"statut IN ({_liste_sql(STATUTS_CONTRIBUTION)})", name="statut"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    genre: Mapped[str] = mapped_column(String(20))
    statut: Mapped[str] = mapped_column(String(20), index=True)
    cree_le: Mapped[dt.datetime] = mapped_column(DateTime)
    # A proposal's structure, or (report) the name of the structure reported, for the list.
    nom: Mapped[str | None] = mapped_column(String(200))
    siret: Mapped[str | None] = mapped_column(String(14))
    commune: Mapped[str | None] = mapped_column(String(5))
    adresse: Mapped[str | None] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    famille: Mapped[str | None] = mapped_column(String(40))
    activite: Mapped[str | None] = mapped_column(String(150))
    site_web: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    # Report: the register key of the structure; merge: the structure merged into.
    cle_cible: Mapped[str | None] = mapped_column(String(80))
    motif: Mapped[str | None] = mapped_column(String(20))
    commentaire: Mapped[str | None] = mapped_column(Text)
    empreinte_adresse: Mapped[str | None] = mapped_column(String(64), index=True)
    empreinte_session: Mapped[str | None] = mapped_column(String(64))
    modere_le: Mapped[dt.datetime | None] = mapped_column(DateTime)
    modere_par: Mapped[str | None] = mapped_column(String(200))
    role_moderateur: Mapped[str | None] = mapped_column(String(20))


class Masquage(Base):
    """A structure of the register hidden here (closed, not ESS…), official data unchanged.

    ``actif`` False: shown again (an undo restores the previous state through the journal).
    """

    __tablename__ = "masquage"

    id: Mapped[int] = mapped_column(primary_key=True)
    cle: Mapped[str] = mapped_column(String(80), index=True)
    commune: Mapped[str | None] = mapped_column(String(5))
    nom: Mapped[str | None] = mapped_column(String(200))
    motif: Mapped[str] = mapped_column(Text)
    actif: Mapped[bool] = mapped_column(Boolean, default=True)
    cree_le: Mapped[dt.datetime] = mapped_column(DateTime)
    par: Mapped[str] = mapped_column(String(200))
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id", ondelete="SET NULL"))


# The journal's names of the two tables moderators write (geo.base.journal.MODELES_MODERATION).
TABLES_JOURNAL_MODERATION: tuple[str, ...] = ("contributions", "masquages")


class EnvoiContribution(Base):
    """One public send (accepted or refused), for the rate limits: when, and hashes of who."""

    __tablename__ = "envoi_contribution"

    id: Mapped[int] = mapped_column(primary_key=True)
    quand: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    empreinte_adresse: Mapped[str] = mapped_column(String(64), index=True)
    empreinte_session: Mapped[str] = mapped_column(String(64), index=True)


class CleEmpreintes(Base):
    """One row (``id`` 1): the random key of the hashes of addresses and sessions, made by the migration."""

    __tablename__ = "cle_empreintes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cle: Mapped[str] = mapped_column(String(64))


_INCREMENTER = text("UPDATE compteur_modifications SET valeur = valeur + 1 WHERE id = 1")


def _tables_des_saisies() -> frozenset[str]:
    return frozenset(modele.__table__.name for modele in MODELES.values())


def _augmenter_compteur(session: Session) -> None:
    # The bump joins the write's own transaction: a rolled-back write bumps nothing.
    if session.info.get("compteur_augmente"):
        return
    session.info["compteur_augmente"] = True
    session.connection().execute(_INCREMENTER)


def _apres_ecriture(session: Session, _contexte) -> None:
    # After a flush the session still lists what it flushed: only the entered records count.
    ecrits = [*session.new, *session.dirty, *session.deleted]
    tables = _tables_des_saisies()
    if any(getattr(type(objet), "__tablename__", None) in tables for objet in ecrits):
        _augmenter_compteur(session)


def _requete_orm(etat) -> None:
    # Bulk update/delete/insert statements (session.execute(delete(...))) flush nothing.
    if etat.is_update or etat.is_delete or etat.is_insert:
        table = getattr(etat.statement, "table", None)
        if getattr(table, "name", None) in _tables_des_saisies():
            _augmenter_compteur(etat.session)


def _fin_de_transaction(session: Session, *_args) -> None:
    session.info.pop("compteur_augmente", None)


# Connection ------------------------------------------------------------------


def url_par_defaut_de(url: str) -> str:
    """A database URL with the psycopg 3 driver named for PostgreSQL ones."""
    url = url.strip()
    for prefixe in ("postgres://", "postgresql://"):
        if url.startswith(prefixe):
            return "postgresql+psycopg://" + url[len(prefixe) :]
    return url


def url_par_defaut() -> str:
    """``$DATABASE_URL`` (PostgreSQL URLs get the psycopg 3 driver), else the SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url_par_defaut_de(url)
    return f"sqlite:///{config.dossier_donnees() / NOM_FICHIER_SQLITE}"


def _activer_cles_etrangeres_sqlite(connexion_dbapi, _enregistrement) -> None:
    # SQLite ignores foreign keys unless asked, per connection.
    curseur = connexion_dbapi.cursor()
    curseur.execute("PRAGMA foreign_keys=ON")
    curseur.close()


class BaseInaccessible(Exception):
    """The store cannot be reached: server down or refusing, connection lost, unusable address.

    The one error callers catch around the store (pages say it with :func:`message_indisponible`);
    the driver's own error is its ``__cause__``, for the server's log. Any other error reading
    the store is a defect and shows as one.
    """


def _base_inaccessible(contexte) -> BaseInaccessible | None:
    # SQLAlchemy's hook for every driver error. Opening a connection failed (no connection yet)
    # or the connection was lost: the store is out of reach. A refused statement, a missing
    # table or a broken constraint on a working connection stays what it is.
    if contexte.connection is None or contexte.is_disconnect:
        return BaseInaccessible("connexion impossible à la base de saisie")
    return None


def moteur(url: str | None = None) -> Engine:
    """An engine on ``url`` (default :func:`url_par_defaut`); the SQLite folder is created.

    Raises :class:`BaseInaccessible` for an address that cannot be used, and every connection
    to the engine raises it when the store cannot be reached.
    """
    url = url or url_par_defaut()
    try:
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True)
    except (sql_exc.ArgumentError, sql_exc.NoSuchModuleError, ImportError, OSError) as erreur:
        raise BaseInaccessible("adresse de la base de saisie inutilisable") from erreur
    event.listen(engine, "handle_error", _base_inaccessible)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _activer_cles_etrangeres_sqlite)
    return engine


def _config_alembic(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(DOSSIER_MIGRATIONS))
    # configparser interpolates "%": URL-encoded passwords and options must be doubled.
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def migrer(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (``"base"``: before the first) with the versioned migrations."""
    from alembic import command

    cfg = _config_alembic(engine)
    courante = revision_courante(engine)
    with engine.begin() as connexion:
        cfg.attributes["connection"] = connexion
        if revision == "base" and courante is not None:
            command.downgrade(cfg, "base")
        elif revision != "base":
            command.upgrade(cfg, revision)


def revision_courante(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connexion:
        return MigrationContext.configure(connexion).get_current_revision()


class Depot:
    """The store: an engine whose schema is up to date, and sessions on it."""

    def __init__(self, url: str | None = None, migrer_schema: bool = True) -> None:
        self.engine = moteur(url)
        if migrer_schema:
            migrer(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "after_flush", _apres_ecriture)
        event.listen(self._sessions, "do_orm_execute", _requete_orm)
        event.listen(self._sessions, "after_commit", _fin_de_transaction)
        event.listen(self._sessions, "after_rollback", _fin_de_transaction)

    def compteur(self) -> int:
        """The change counter of the entered records (:data:`MODELES`): differs from a previous
        reading once any process has written one since."""
        with self.engine.connect() as connexion:
            requete = select(CompteurModifications.valeur).where(CompteurModifications.id == 1)
            valeur = connexion.scalar(requete)
        return int(valeur or 0)

    def signature(self) -> str:
        """What a cache of the register's contributions is keyed on, in one query: the newest
        moderation entry of the journal (its id, and its time to the microsecond), and the address
        (without its password). Every change of what the register shows (an acceptance, a merge,
        a structure hidden, an undo) is a moderation written with its journal entry in one
        transaction; nothing else moves it (a project entered, a public proposal still pending, a
        contact erased), so that the register's caches outlive those writes. A new store or a
        restored backup has another newest entry; two stores of one process never share a key."""
        dernier = (
            select(func.max(Journal.id))
            .where(Journal.table_nom.in_(TABLES_JOURNAL_MODERATION))
            .scalar_subquery()
        )
        with self.engine.connect() as connexion:
            ligne = connexion.execute(select(Journal.id, Journal.quand).where(Journal.id == dernier)).first()
        journal_id, quand = ligne if ligne is not None else (0, "")
        adresse = hashlib.sha256(self.url_affichee.encode("utf-8")).hexdigest()[:12]
        return f"{journal_id}:{quand}:{adresse}"

    @property
    def url_affichee(self) -> str:
        """The URL without its password, for the page."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self):
        """A session whose work is committed as a whole, or rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def est_vide(self) -> bool:
        with self._sessions() as session:
            return session.scalar(select(PTCE.id).limit(1)) is None and (
                session.scalar(select(Projet.id).limit(1)) is None
            )

    def fermer(self) -> None:
        self.engine.dispose()


def message_indisponible(erreur: BaseInaccessible) -> str:
    """What a page says when the store cannot be reached: never the address, the user or the
    server's own words (they may name hosts or paths); the detail goes to the server's log."""
    import logging

    logging.getLogger(__name__).error("Base de saisie inaccessible", exc_info=erreur)
    return "La base de saisie est inaccessible pour le moment : le détail est dans le journal du serveur."


def ouvrir(url: str | None = None) -> Depot:
    """The store at ``url`` (default: ``$DATABASE_URL`` or ``data/saisie.sqlite3``), migrated."""
    return Depot(url)


__all__ = [
    "ETAPES_PROJET",
    "NATURES_EMPLOI",
    "PTCE",
    "SOURCE_SAISIE",
    "Base",
    "CleEmpreintes",
    "Compte",
    "CompteurModifications",
    "Contribution",
    "Depot",
    "Emploi",
    "EnvoiContribution",
    "Financement",
    "Journal",
    "Masquage",
    "PerimetreCompte",
    "Projet",
    "Session",
    "Structure",
    "TentativeConnexion",
    "message_indisponible",
    "migrer",
    "moteur",
    "ouvrir",
    "url_par_defaut",
]


# Reading the store as tables --------------------------------------------------------------

# The records, in the order they were entered, by the name of their sheet.
MODELES: dict[str, type[Base]] = {
    "ptce": PTCE,
    "projets": Projet,
    "structures": Structure,
    "emplois": Emploi,
    "financements": Financement,
}


def lire_tables(depot: Depot) -> dict[str, pd.DataFrame]:
    """Every record entered, one table per sheet: each column of the model, in entry order,
    plus the names of the PTCE and project it belongs to (``ptce``, ``projet``).

    The one reader of the store: the figures (:mod:`geo.donnees.emplois`) and the re-importable export
    (:func:`geo.base.saisie_export.exporter`) both start from it. Amounts are floats, unknowns ``None``.
    """
    import pandas as pd

    tables = {}
    with depot._sessions() as session:
        for nom, modele in MODELES.items():
            colonnes = [c.name for c in modele.__table__.columns]
            lignes = []
            for objet in session.scalars(select(modele).order_by(modele.id)):
                ligne = {c: getattr(objet, c) for c in colonnes}
                for lien in ("ptce", "projet"):
                    if hasattr(modele, lien):
                        parent = getattr(objet, lien)
                        ligne[lien] = parent.nom if parent is not None else None
                if ligne.get("montant_eur") is not None:
                    ligne["montant_eur"] = float(ligne["montant_eur"])
                lignes.append(ligne)
            liens = [lien for lien in ("ptce", "projet") if hasattr(modele, lien)]
            tables[nom] = pd.DataFrame(lignes, columns=[*colonnes, *liens])
    return tables
