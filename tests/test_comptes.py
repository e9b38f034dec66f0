"""Accounts, login throttling, what a contributor may write, the journal and undoing an import.

On SQLite, and on PostgreSQL when ESS_TEST_POSTGRES_URL names a server.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from geo.base import comptes, journal, saisie, saisie_modele, semences, store

MOT_DE_PASSE = "cheval agrafe pile correcte"


def _etat(depot) -> dict[str, list]:
    with depot.engine.connect() as connexion:
        return {
            t.name: sorted(map(tuple, connexion.execute(sa.select(t)).all()), key=repr)
            for t in store.Base.metadata.sorted_tables
            if t.name in {"ptce", "projet", "structure", "emploi", "financement", "journal"}
        }


@pytest.fixture
def deux_pôles(depot):
    """Two PTCE, a project each, and a contributor of the first one."""
    saisie.importer(depot, b"nom;perimetre\nALISS;200071991\nPorte du Hainaut;200042190\n", "ptce.csv")
    saisie.importer(depot, b"nom;ptce\nReseau;ALISS\nEpicerie;Porte du Hainaut\n", "projets.csv")
    contributrice = comptes.creer(depot, "anne@aliss.fr", "contributeur", MOT_DE_PASSE, ptce=["aliss"])
    return depot, contributrice


# Accounts and login -----------------------------------------------------------------


def test_a_built_in_account_logs_in_with_its_password_only(depot):
    creee = comptes.creer(depot, "Admin@Exemple.fr", "administrateur", MOT_DE_PASSE, nom="Admin")
    assert creee.identifiant == "admin@exemple.fr"
    connecte = comptes.connecter(depot, " ADMIN@exemple.fr ", MOT_DE_PASSE)
    assert connecte.est_administrateur
    with pytest.raises(comptes.ConnexionRefusee) as faux:
        comptes.connecter(depot, "admin@exemple.fr", "pas le bon mot de passe")
    with pytest.raises(comptes.ConnexionRefusee) as inconnu:
        comptes.connecter(depot, "personne@exemple.fr", MOT_DE_PASSE)
    # The same words whether the account exists or not.
    assert str(faux.value) == str(inconnu.value) == comptes.MESSAGE_REFUS
    with depot.engine.connect() as connexion:
        hachage = connexion.execute(sa.text("SELECT mot_de_passe FROM compte")).scalar_one()
    assert hachage.startswith("$argon2id$")
    assert MOT_DE_PASSE not in hachage


def test_short_passwords_unknown_roles_and_empty_contributors_are_refused(depot):
    with pytest.raises(comptes.CompteInvalide, match="trop court"):
        comptes.creer(depot, "a", "administrateur", "court")
    with pytest.raises(comptes.CompteInvalide, match="rôle"):
        comptes.creer(depot, "a", "chef", MOT_DE_PASSE)
    with pytest.raises(comptes.CompteInvalide, match="au moins un PTCE"):
        comptes.creer(depot, "a", "contributeur", MOT_DE_PASSE)
    with pytest.raises(comptes.CompteInvalide, match="PTCE « Inconnu » inconnu"):
        comptes.creer(depot, "a", "contributeur", MOT_DE_PASSE, ptce=["Inconnu"])
    comptes.creer(depot, "a", "administrateur", MOT_DE_PASSE)
    with pytest.raises(comptes.CompteInvalide, match="existe déjà"):
        comptes.creer(depot, "A", "administrateur", MOT_DE_PASSE)


def test_failed_logins_slow_down_then_lock_without_telling_whether_the_account_exists(depot):
    comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    t0 = dt.datetime(2026, 12, 2, 12, 0, 0)
    messages = set()
    for identifiant in ("admin", "fantome"):
        instant = t0
        for _ in range(comptes.ECHECS_AVANT_RALENTISSEMENT):
            with pytest.raises(comptes.ConnexionRefusee) as refus:
                comptes.connecter(depot, identifiant, "mauvais", instant)
            messages.add(str(refus.value))
        # Slowed down: even the right password must wait its turn.
        with pytest.raises(comptes.ConnexionRefusee) as refus:
            comptes.connecter(depot, identifiant, MOT_DE_PASSE, instant + dt.timedelta(milliseconds=100))
        messages.add(str(refus.value))
    assert (
        comptes.connecter(depot, "admin", MOT_DE_PASSE, t0 + dt.timedelta(seconds=2)).identifiant == "admin"
    )

    # Locked after more failures, each past its wait.
    instant = t0 + dt.timedelta(minutes=1)
    for _ in range(comptes.ECHECS_AVANT_BLOCAGE):
        with pytest.raises(comptes.ConnexionRefusee) as refus:
            comptes.connecter(depot, "admin", "mauvais", instant)
        messages.add(str(refus.value))
        instant += comptes.DELAI_MAXIMAL
    with pytest.raises(comptes.ConnexionRefusee) as refus:
        comptes.connecter(depot, "admin", MOT_DE_PASSE, instant + dt.timedelta(minutes=5))
    messages.add(str(refus.value))
    assert messages == {comptes.MESSAGE_REFUS}
    debloque = instant + comptes.DUREE_BLOCAGE + dt.timedelta(seconds=1)
    assert comptes.connecter(depot, "admin", MOT_DE_PASSE, debloque).identifiant == "admin"


def test_a_disabled_account_cannot_log_in(depot):
    cree = comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    comptes.desactiver(depot, "admin")
    with pytest.raises(comptes.ConnexionRefusee):
        comptes.connecter(depot, "admin", MOT_DE_PASSE)
    assert comptes.charger(depot, cree.id) is None


def test_identity_provider_accounts_have_no_password_here(depot):
    comptes.creer(depot, "elu@agglo.fr", "contributeur", None, territoires=["epci:200071991"])
    assert comptes.par_identifiant(depot, "Elu@Agglo.fr").territoires == {"epci:200071991"}
    with pytest.raises(comptes.ConnexionRefusee):
        comptes.connecter(depot, "elu@agglo.fr", "")


def test_the_command_reads_the_password_from_stdin_never_from_arguments(depot, monkeypatch, capsys, caplog):
    url = depot.engine.url.render_as_string(hide_password=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(MOT_DE_PASSE + "\n"))
    assert comptes.main(["--url", url, "ajouter", "premier@admin.fr", "--role", "administrateur"]) == 0
    sortie = capsys.readouterr()
    assert "Compte « premier@admin.fr » créé (administrateur)." in sortie.out
    assert MOT_DE_PASSE not in sortie.out + sortie.err + caplog.text
    assert comptes.connecter(depot, "premier@admin.fr", MOT_DE_PASSE).est_administrateur
    with pytest.raises(SystemExit):
        comptes.main(["--url", url, "ajouter", "x", "--role", "administrateur", "--mot-de-passe", "secret"])
    assert "arguments non reconnus : --mot-de-passe et 1 valeur non affichée" in capsys.readouterr().err
    assert comptes.main(["--url", url, "liste"]) == 0
    assert "premier@admin.fr · administrateur · mot de passe" in capsys.readouterr().out


# What a contributor may write -------------------------------------------------------------


def test_a_contributor_writes_only_for_its_own_ptce_through_the_import(deux_pôles):
    depot, anne = deux_pôles
    rapport = saisie.importer(
        depot, b"projet;nature;nombre\nReseau;insertion;4\n", "emplois.csv", utilisateur=anne
    )
    assert rapport.ecrites == {"emplois": 1}
    avant = _etat(depot)
    fichier = (
        b"projet;ptce;financeur;montant_eur\n"
        b"Reseau;;Region;100\n"  # line 2: hers
        b"Epicerie;;Region;100\n"  # line 3: another PTCE's project
        b";Porte du Hainaut;Etat;50\n"  # line 4: another PTCE
    )
    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie.importer(depot, fichier, "financements.csv", utilisateur=anne)
    assert [(e.ligne, "vos PTCE ou territoires" in e.message) for e in refus.value.erreurs] == [
        (3, True),
        (4, True),
    ]
    assert _etat(depot) == avant
    with pytest.raises(saisie_modele.ImportRefuse):
        saisie.importer(depot, b"nom;ptce\nAutre;Porte du Hainaut\n", "projets.csv", utilisateur=anne)
    assert _etat(depot) == avant


def test_a_contributor_writes_only_for_its_own_ptce_through_the_form(deux_pôles):
    depot, anne = deux_pôles
    avant = _etat(depot)
    with pytest.raises(saisie_modele.ImportRefuse):
        saisie.ajouter(
            depot, "emplois", {"projet": "Epicerie", "nature": "insertion", "nombre": 2}, utilisateur=anne
        )
    with pytest.raises(saisie_modele.ImportRefuse):
        saisie.ajouter(depot, "ptce", {"nom": "Nouveau pôle", "perimetre": "200042190"}, utilisateur=anne)
    assert _etat(depot) == avant
    saisie.ajouter(depot, "structures", {"nom": "Atelier", "ptce": "ALISS"}, utilisateur=anne)


def test_a_territory_contributor_writes_inside_its_territory(depot):
    elu = comptes.creer(depot, "elu@agglo.fr", "contributeur", None, territoires=["epci:200071991"])
    dans = {("commune:02722", "epci:200071991"), ("epci:200071991", "epci:200071991")}
    permis = lambda t, p: (t, p) in dans  # noqa: E731
    saisie.importer(depot, b"nom;territoire\nJardin;02722\n", "projets.csv", utilisateur=elu, dans=permis)
    with pytest.raises(saisie_modele.ImportRefuse):
        saisie.importer(
            depot, b"nom;territoire\nAilleurs;59172\n", "projets.csv", utilisateur=elu, dans=permis
        )
    with pytest.raises(saisie_modele.ImportRefuse):
        saisie.importer(depot, b"nom\nSans lieu\n", "projets.csv", utilisateur=elu, dans=permis)


# Journal and undo ------------------------------------------------------------------------------


def test_every_write_is_journaled_in_its_own_transaction(deux_pôles):
    depot, anne = deux_pôles
    rapport = saisie.importer(
        depot, b"projet;nature;nombre;annee\nReseau;insertion;4;2021\n", "emplois.csv", utilisateur=anne
    )
    with depot.session() as session:
        emploi = session.scalars(sa.select(store.Emploi)).one()
        entree = session.scalars(sa.select(store.Journal).where(store.Journal.lot == rapport.lot)).one()
        assert (entree.qui, entree.action, entree.table_nom, entree.ligne_id) == (
            "anne@aliss.fr",
            "ajout",
            "emplois",
            emploi.id,
        )
        assert json.loads(entree.apres)["nombre"] == 4
        assert entree.detail == "import : emplois.csv"
    historique = journal.historique(depot, "emplois", emploi.id)
    assert historique[["qui", "action"]].values.tolist() == [["anne@aliss.fr", "ajout"]]
    # A refused import leaves no journal entry either.
    nombre = len(_etat(depot)["journal"])
    with pytest.raises(saisie_modele.ImportRefuse):
        saisie.importer(depot, b"projet;nature;nombre\nReseau;insertion;4\nReseau;autre;x\n", "e.csv")
    assert len(_etat(depot)["journal"]) == nombre


def test_an_administrator_undoes_an_import_as_a_whole(deux_pôles):
    depot, anne = deux_pôles
    admin = comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE)
    avant = {t: v for t, v in _etat(depot).items() if t != "journal"}
    rapport = saisie.importer(
        depot,
        b"nom;ptce\nProjet A;ALISS\nProjet B;ALISS\n",
        "projets.csv",
        utilisateur=anne,
    )
    lots = journal.imports(depot)
    assert lots.iloc[0].to_dict() | {"lot": None, "quand (UTC)": None} == {
        "lot": None,
        "quand (UTC)": None,
        "qui": "anne@aliss.fr",
        "quoi": "import : projets.csv",
        "lignes ajoutées": 2,
        "encore présentes": 2,
    }
    assert journal.annuler_lot(depot, rapport.lot, admin.identifiant) == 2
    assert {t: v for t, v in _etat(depot).items() if t != "journal"} == avant
    suppressions = journal.imports(depot).set_index("lot").loc[rapport.lot]
    assert suppressions["encore présentes"] == 0
    with depot.session() as session:
        qui = session.scalars(
            sa.select(store.Journal.qui).where(
                store.Journal.lot == rapport.lot, store.Journal.action == "suppression"
            )
        ).all()
    assert qui == ["admin", "admin"]
    with pytest.raises(journal.AnnulationImpossible, match="déjà été annulé"):
        journal.annuler_lot(depot, rapport.lot, admin.identifiant)


def test_a_large_import_is_listed_and_undone_in_few_statements(deux_pôles):
    """100 000 funding lines took 2 s of every run of the Saisie page to list (an ORM object per
    journal entry) and more than a minute to undo (a DELETE and a flush per row)."""
    from benchmarks.bench_import import fichier_financements

    depot, _anne = deux_pôles
    saisie.importer(depot, b"nom\nPTCE de mesure\n", "ptce.csv")
    avant = _etat(depot)
    rapport = saisie.importer(depot, fichier_financements(2_500), "financements.csv")
    requetes: list[str] = []

    def compter(_connexion, _curseur, instruction, *_args) -> None:
        requetes.append(instruction)

    objets: list[str] = []

    def compter_objets(cible, *_args, **_kwargs) -> None:
        objets.append(type(cible).__name__)

    sa.event.listen(store.Journal, "load", compter_objets)
    try:
        lots = journal.imports(depot)
    finally:
        sa.event.remove(store.Journal, "load", compter_objets)
    assert objets == []
    assert lots.set_index("lot").loc[rapport.lot, ["lignes ajoutées", "encore présentes"]].tolist() == [
        2_500,
        2_500,
    ]
    assert lots.set_index("lot").loc[rapport.lot, "quoi"] == "import : financements.csv"

    sa.event.listen(depot.engine, "before_cursor_execute", compter)
    try:
        assert journal.annuler_lot(depot, rapport.lot, "admin") == 2_500
    finally:
        sa.event.remove(depot.engine, "before_cursor_execute", compter)
    assert len(requetes) < 30
    apres = _etat(depot)
    assert {t: v for t, v in apres.items() if t != "journal"} == {
        t: v for t, v in avant.items() if t != "journal"
    }
    suppressions = [
        json.loads(ligne[6])
        for ligne in apres["journal"]
        if ligne[3] == "suppression" and ligne[8] == rapport.lot
    ]
    assert len(suppressions) == 2_500
    assert {s["financeur"] for s in suppressions} == {
        "Région Hauts-de-France",
        "Département du Nord",
        "État",
        "Banque des Territoires",
    }
    assert journal.imports(depot).set_index("lot").loc[rapport.lot, "encore présentes"] == 0


def test_an_import_others_built_on_cannot_be_undone_and_nothing_changes(deux_pôles):
    depot, _anne = deux_pôles
    rapport = saisie.importer(depot, b"nom;ptce\nProjet A;ALISS\n", "projets.csv")
    saisie.importer(depot, b"projet;nature;nombre\nProjet A;insertion;1\n", "emplois.csv")
    avant = _etat(depot)
    with pytest.raises(journal.AnnulationImpossible, match="s'appuient"):
        journal.annuler_lot(depot, rapport.lot, "admin")
    assert _etat(depot) == avant


def test_a_contributor_cannot_undo_another_ptce_s_import(deux_pôles):
    depot, anne = deux_pôles
    rapport = saisie.importer(depot, b"nom;ptce\nProjet H;Porte du Hainaut\n", "projets.csv")
    avant = _etat(depot)
    with pytest.raises(journal.AnnulationImpossible, match="ne relève pas"):
        journal.annuler_lot(depot, rapport.lot, anne.identifiant, permis=comptes.regle_suppression(anne))
    assert _etat(depot) == avant


# Read-only -------------------------------------------------------------------------------------


def test_read_only_switches_every_write_off(depot, monkeypatch):
    monkeypatch.setenv("ESS_LECTURE_SEULE", "1")
    avant = _etat(depot)
    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie.importer(depot, b"nom\nALISS\n", "ptce.csv")
    assert "lecture seule" in str(refus.value.erreurs[0])
    with pytest.raises(saisie_modele.ImportRefuse):
        saisie.ajouter(depot, "ptce", {"nom": "X"})
    assert semences.semer_si_vide(depot) is None
    assert _etat(depot) == avant
    monkeypatch.setenv("ESS_LECTURE_SEULE", "0")
    assert not comptes.lecture_seule()
