"""The store on SQLite, and on PostgreSQL when ESS_TEST_POSTGRES_URL names a server."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from geo.base import comptes, journal, store


def test_migrations_build_exactly_the_models(depot):
    assert store.revision_courante(depot.engine) == "0005"
    with depot.engine.connect() as connexion:
        contexte = MigrationContext.configure(connexion, opts={"compare_type": True})
        assert compare_metadata(contexte, store.Base.metadata) == []


def test_migrating_twice_changes_nothing(depot):
    store.migrer(depot.engine)
    assert store.revision_courante(depot.engine) == "0005"


def test_records_round_trip(depot):
    with depot.session() as session:
        ptce = store.PTCE(nom="ALISS", perimetre="epci:200071991", source="saisie")
        projet = store.Projet(nom="Réaliss", ptce=ptce, etape="lancement", source="saisie")
        session.add_all(
            [
                projet,
                store.Emploi(projet=projet, annee=None, nature="insertion", nombre=19, source="saisie"),
                store.Financement(
                    ptce=ptce, dispositif="axe 1", montant_eur=Decimal("120000.00"), source="saisie"
                ),
            ]
        )
    with depot.session() as session:
        projet = session.scalars(sa.select(store.Projet)).one()
        assert projet.ptce.nom == "ALISS"
        assert [(e.nature, e.nombre, e.annee) for e in projet.emplois] == [("insertion", 19, None)]
        assert session.scalars(sa.select(store.Financement.montant_eur)).one() == Decimal("120000.00")
    assert not depot.est_vide()


@pytest.mark.parametrize(
    "mauvais",
    [
        lambda p: store.Projet(nom="X", etape="incubation", source="saisie"),
        lambda p: store.Emploi(projet=p, nature="cadre", nombre=1, source="saisie"),
        lambda p: store.Emploi(projet=p, nature="insertion", nombre=-2, source="saisie"),
        lambda p: store.Financement(montant_eur=Decimal(10), source="saisie"),
        lambda p: store.Financement(projet=p, annee_debut=2020, annee_fin=2019, source="saisie"),
        lambda p: store.Projet(nom="Réaliss", source="saisie"),
    ],
    ids=["etape", "nature", "nombre negatif", "sans beneficiaire", "annees inversees", "doublon"],
)
def test_the_database_refuses_what_the_rules_forbid(depot, mauvais):
    with depot.session() as session:
        session.add(store.Projet(nom="Réaliss", source="saisie"))

    def ajouter():
        with depot.session() as session:
            session.add(mauvais(session.scalars(sa.select(store.Projet)).one()))

    with pytest.raises(IntegrityError):
        ajouter()
    # Nothing of the failed transaction stayed.
    with depot.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(store.Projet)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(store.Emploi)) == 0


def test_foreign_keys_are_enforced(depot):
    with pytest.raises(IntegrityError), depot.session() as session:
        session.add(store.Emploi(projet_id=999, nature="insertion", nombre=1, source="saisie"))


def test_database_url_picks_the_backend(monkeypatch, tmp_path):
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert store.url_par_defaut() == f"sqlite:///{tmp_path / 'saisie.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@hote:5432/ess")
    assert store.url_par_defaut() == "postgresql+psycopg://u:p@hote:5432/ess"
    depot = store.Depot(f"sqlite:///{tmp_path / 'sous' / 'dossier' / 'x.sqlite3'}")
    assert (tmp_path / "sous" / "dossier" / "x.sqlite3").is_file()
    assert "x.sqlite3" in depot.url_affichee
    depot.fermer()


def test_migrations_go_down_and_up_again(depot):
    store.migrer(depot.engine, "base")
    assert store.revision_courante(depot.engine) is None
    assert "projet" not in sa.inspect(depot.engine).get_table_names()
    store.migrer(depot.engine)
    assert store.revision_courante(depot.engine) == "0005"
    assert {"ptce", "projet", "structure", "emploi", "financement"} <= set(
        sa.inspect(depot.engine).get_table_names()
    )


def test_every_write_moves_the_change_counter_and_a_rollback_does_not(depot):
    """Each process keys its cached reads of entered data on this counter."""
    depart = depot.compteur()
    with depot.session() as session:
        session.add(store.PTCE(nom="ALISS", perimetre="epci:200071991", source="saisie"))
    apres_ajout = depot.compteur()
    assert apres_ajout > depart

    with depot.session() as session:
        session.scalars(sa.select(store.PTCE)).one().nom = "ALISS (Grand Soissons)"
    apres_modification = depot.compteur()
    assert apres_modification > apres_ajout

    # Bulk statements flush nothing: they move the counter too.
    with depot.session() as session:
        session.execute(sa.delete(store.PTCE))
    apres_suppression = depot.compteur()
    assert apres_suppression > apres_modification

    with pytest.raises(IntegrityError), depot.session() as session:
        session.add(store.Projet(nom="X", etape="incubation", source="saisie"))
    assert depot.compteur() == apres_suppression

    # Reading moves nothing.
    with depot.session() as session:
        session.scalars(sa.select(store.PTCE)).all()
    assert depot.compteur() == apres_suppression


def test_a_write_through_one_engine_is_seen_through_another(depot):
    """Two processes of a deployment: each holds its own engine on the same database."""
    autre = store.Depot(depot.engine.url.render_as_string(hide_password=False))
    try:
        vu_avant = autre.compteur()
        with depot.session() as session:
            session.add(store.PTCE(nom="ALISS", perimetre="epci:200071991", source="saisie"))
        assert autre.compteur() > vu_avant
    finally:
        autre.fermer()


def test_the_one_reader_gives_every_column_and_the_parents_names(depot):
    with depot.session() as session:
        ptce = store.PTCE(nom="ALISS", perimetre="epci:240200477", source="essai")
        projet = store.Projet(nom="Réaliss", ptce=ptce, etape="lancement", source="essai")
        emploi = store.Emploi(projet=projet, nature="insertion", nombre=19, source="essai")
        session.add_all([ptce, projet, emploi])
        session.add(store.Financement(ptce=ptce, montant_eur=Decimal("120000.00"), source="essai"))
    tables = store.lire_tables(depot)
    assert list(tables) == ["ptce", "projets", "structures", "emplois", "financements"]
    assert tables["structures"].empty
    assert set(tables["projets"].columns) >= {"id", "nom", "ptce_id", "etape", "territoire", "ptce"}
    assert tables["projets"].ptce.tolist() == ["ALISS"]
    assert tables["emplois"][["projet", "nature", "nombre"]].to_dict("records") == [
        {"projet": "Réaliss", "nature": "insertion", "nombre": 19}
    ]
    assert tables["financements"].montant_eur.tolist() == [120000.0]
    assert tables["financements"].ptce.tolist() == ["ALISS"]


def _ecrire_au_journal(depot, qui: str, table: str = "contributions") -> None:
    with depot.session() as session:
        session.add(
            store.Journal(
                quand=comptes.maintenant(), qui=qui, action="ajout", table_nom=table, ligne_id=1, apres="{}"
            )
        )


def test_the_journal_names_the_moderation_tables_as_the_signature_reads_them():
    assert set(store.TABLES_JOURNAL_MODERATION) == set(journal.MODELES_MODERATION)


def test_two_stores_whose_journals_agree_have_different_signatures(tmp_path):
    """The register's cache is keyed on the signature: a new store (a test's, a restored backup)
    starts its journal again, and must not be read from the cache of another."""
    chemin = tmp_path / "saisie.sqlite3"
    premiere = store.Depot(f"sqlite:///{chemin}")
    _ecrire_au_journal(premiere, "premier")
    signature = premiere.signature()
    assert signature.startswith("1:")
    # Same address, same number of journal entries: another store all the same.
    premiere.fermer()
    chemin.unlink()
    seconde = store.Depot(f"sqlite:///{chemin}")
    _ecrire_au_journal(seconde, "second")
    assert seconde.signature() != signature
    # Another address with the same writes: another key.
    ailleurs, autre = (store.Depot(f"sqlite:///{tmp_path / nom}") for nom in ("ailleurs.db", "autre.db"))
    assert ailleurs.signature() != autre.signature()
    # Reading changes nothing; a moderation changes it.
    avant = seconde.signature()
    assert seconde.signature() == avant
    _ecrire_au_journal(seconde, "encore")
    assert seconde.signature() != avant
    for depot in (seconde, ailleurs, autre):
        depot.fermer()


def test_a_project_entered_leaves_the_registers_signature_and_a_moderation_the_counter(depot):
    """Each cache follows what it shows (issue 31): the register's the moderations, the entered
    records' the change counter; neither is emptied by a write to the other."""
    signature, compteur = depot.signature(), depot.compteur()
    with depot.session() as session:
        ptce = store.PTCE(nom="ALISS", perimetre="epci:200071991", source="saisie")
        session.add(ptce)
        session.flush()
        journal.noter(
            session, "saisie@exemple.fr", "ajout", ptce, None, journal.instantane(ptce), None, "saisie"
        )
    assert depot.compteur() > compteur
    assert depot.signature() == signature
    compteur = depot.compteur()
    with depot.session() as session:
        masquage = store.Masquage(
            cle="73282932000074", motif="Fermée", actif=True, cree_le=comptes.maintenant(), par="admin"
        )
        session.add(masquage)
        session.flush()
        journal.noter(
            session, "admin", "ajout", masquage, None, journal.instantane(masquage), None, "masquée"
        )
    assert depot.signature() != signature
    assert depot.compteur() == compteur
    # A bulk statement on a moderation table leaves the counter too.
    with depot.session() as session:
        session.execute(sa.update(store.Masquage).values(actif=False))
    assert depot.compteur() == compteur
