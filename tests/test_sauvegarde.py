"""Backups of the store: deploy/sauvegarde.sh and deploy/restaurer.sh.

The rotation and the failures run the script under ``sh`` with stand-ins for pg_dump and
pg_restore (no server needed; « today » given by ``ESS_SAUVEGARDE_AUJOURDHUI``). The round
trip (records written through the store, dumped, restored into a new database, shown by the
app) runs on the real PostgreSQL that .ci/run starts (``ESS_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from geo.base import comptes, saisie, store
from geo.donnees import emplois
from tests.conftest import RACINE, URL_POSTGRES

SAUVEGARDE = RACINE / "deploy" / "sauvegarde.sh"
RESTAURER = RACINE / "deploy" / "restaurer.sh"
LOCAL_SH = RACINE / "deploy" / "local.sh"
# The scripts run in the postgres image (compose), where only a POSIX sh is sure to be: they
# are run here by dash, Debian's sh, which knows no bash extension.
SH = shutil.which("dash") or "sh"

# Stand-ins for PostgreSQL's client: pg_dump writes « dump <its URL> <ESS_FAUX_CONTENU> », or
# half a file and fails (ESS_FAUX_ECHEC=1), or garbage it says is fine (ESS_FAUX_ECHEC=illisible);
# pg_restore --list accepts only what starts with « dump ».
FAUX_PG_DUMP = """#!/bin/sh
for argument in "$@"; do
    case "$argument" in --file=*) fichier="${argument#--file=}" ;; esac
done
url="$(eval echo \\${$#})"
case "${ESS_FAUX_ECHEC:-}" in
    1) printf 'dump inach' >"$fichier"; echo "pg_dump: error: connection refused" >&2; exit 1 ;;
    illisible) printf 'PGDMP tronqué' >"$fichier"; exit 0 ;;
esac
printf 'dump %s %s' "$url" "${ESS_FAUX_CONTENU:-}" >"$fichier"
"""
FAUX_PG_RESTORE = """#!/bin/sh
[ "$1" = "--list" ] || exit 3
case "$(head -c 4 "$2")" in dump) exit 0 ;; *) echo "pg_restore: error: bad format" >&2; exit 1 ;; esac
"""


@pytest.fixture
def faux_client(tmp_path) -> dict[str, str]:
    """The environment of the script with the stand-ins first on the PATH."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for nom, texte in (("pg_dump", FAUX_PG_DUMP), ("pg_restore", FAUX_PG_RESTORE)):
        (bin_ / nom).write_text(texte, encoding="utf-8")
        (bin_ / nom).chmod(0o755)
    environnement = {k: v for k, v in os.environ.items() if not k.startswith(("ESS_SAUVEGARDE", "PG"))}
    environnement.update(PATH=f"{bin_}:/usr/bin:/bin", DATABASE_URL="postgresql+psycopg://ess@db:5432/ess")
    return environnement


def _sauvegarder(environnement: dict[str, str], dossier: Path, jour: dt.date, **variables: str):
    return subprocess.run(
        [SH, str(SAUVEGARDE), str(dossier)],
        env=dict(environnement, ESS_SAUVEGARDE_AUJOURDHUI=jour.isoformat(), **variables),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _contenu(dossier: Path) -> dict[str, str]:
    """Every file under the backup folder (hidden ones too), relative name -> content."""
    return {
        str(f.relative_to(dossier)): f.read_text(encoding="utf-8") for f in dossier.rglob("*") if f.is_file()
    }


@pytest.mark.parametrize("debut", [dt.date(2024, 2, 20), dt.date(2025, 12, 20)])
def test_rotation_sept_quotidiennes_et_quatre_hebdomadaires(faux_client, tmp_path, debut):
    """Nightly runs, some nights missed, across a 29 February and a new year."""
    dossier = tmp_path / "sauvegardes"
    decalages = [0, 1, 2, 5, 6, 9, 13, 14, 20, 21, 22, 30, 31, 45, 46, 47, 48, 49, 50, 51, 52, 60, 61]
    jours = [debut + dt.timedelta(days=d) for d in decalages]
    # The rule, stated once more here: a weekly copy when the newest is 7 days old or more.
    hebdomadaires: list[dt.date] = []
    for jour in jours:
        resultat = _sauvegarder(faux_client, dossier, jour, ESS_FAUX_CONTENU=f"du {jour}")
        assert resultat.returncode == 0, resultat.stderr
        assert resultat.stdout.strip() == f"Sauvegarde écrite : {dossier}/quotidien/ess-{jour}.dump"
        if not hebdomadaires or (jour - hebdomadaires[-1]).days >= 7:
            hebdomadaires.append(jour)
    contenu = _contenu(dossier)
    attendu = {f"quotidien/ess-{j}.dump": j for j in jours[-7:]}
    attendu |= {f"hebdomadaire/ess-{j}.dump": j for j in hebdomadaires[-4:]}
    assert contenu == {nom: f"dump postgresql://ess@db:5432/ess du {jour}" for nom, jour in attendu.items()}
    # Weekly copies 7 days apart at least, later when nights were missed.
    assert [(j - debut).days for j in hebdomadaires] == [0, 9, 20, 30, 45, 52, 60]


def test_un_deuxieme_passage_le_meme_jour_remplace_celle_du_jour(faux_client, tmp_path):
    dossier = tmp_path / "sauvegardes"
    jour = dt.date(2026, 3, 1)
    for contenu in ("matin", "soir"):
        assert _sauvegarder(faux_client, dossier, jour, ESS_FAUX_CONTENU=contenu).returncode == 0
    assert _contenu(dossier) == {
        "quotidien/ess-2026-03-01.dump": "dump postgresql://ess@db:5432/ess soir",
        # The weekly copy was made by the first run of the week, and stays.
        "hebdomadaire/ess-2026-03-01.dump": "dump postgresql://ess@db:5432/ess matin",
    }


@pytest.mark.parametrize("echec", ["1", "illisible"])
def test_un_echec_ne_remplace_ni_ne_compte_aucune_sauvegarde(faux_client, tmp_path, echec):
    dossier = tmp_path / "sauvegardes"
    premier = dt.date(2026, 1, 1)
    for decalage in range(8):
        jour = premier + dt.timedelta(days=decalage)
        assert _sauvegarder(faux_client, dossier, jour, ESS_FAUX_CONTENU=str(jour)).returncode == 0
    avant = _contenu(dossier)
    # Nine failed nights in a row, then a failure on a day that already has its dump: the
    # rotation must not push a good dump out for a bad one, nor replace the day's.
    jours = [premier + dt.timedelta(days=8 + d) for d in range(9)] + [premier + dt.timedelta(days=7)]
    for jour in jours:
        resultat = _sauvegarder(faux_client, dossier, jour, ESS_FAUX_ECHEC=echec)
        assert resultat.returncode != 0
        assert resultat.stderr.strip().splitlines()[-1].startswith("deploy/sauvegarde.sh : ")
        assert "les précédentes sont intactes" in resultat.stderr
        assert resultat.stdout == ""
    assert _contenu(dossier) == avant
    assert len(avant) == 7 + 2


def test_sans_base_postgresql_un_message_clair(faux_client, tmp_path):
    dossier = tmp_path / "sauvegardes"
    sans_url = {k: v for k, v in faux_client.items() if k != "DATABASE_URL"}
    resultat = _sauvegarder(sans_url, dossier, dt.date(2026, 1, 1))
    assert resultat.returncode != 0
    assert "DATABASE_URL n'est pas définie" in resultat.stderr
    sqlite = dict(faux_client, DATABASE_URL="sqlite:///data/saisie.sqlite3")
    resultat = _sauvegarder(sqlite, dossier, dt.date(2026, 1, 1))
    assert resultat.returncode != 0
    assert "fichier SQLite" in resultat.stderr
    assert not (dossier / "quotidien").exists() or not any((dossier / "quotidien").iterdir())


def test_restaurer_refuse_ce_qui_n_est_pas_une_sauvegarde(faux_client, tmp_path):
    def restaurer(*arguments: str):
        return subprocess.run(
            [SH, str(RESTAURER), *arguments], env=faux_client, capture_output=True, text=True, check=False
        )

    absent = restaurer(str(tmp_path / "ess-2026-01-01.dump"))
    assert absent.returncode != 0
    assert "fichier de sauvegarde introuvable" in absent.stderr
    illisible = tmp_path / "notes.txt"
    illisible.write_text("pas une sauvegarde", encoding="utf-8")
    refus = restaurer(str(illisible), "postgresql://ess@db:5432/ess_restauree")
    assert refus.returncode != 0
    assert "n'est pas une sauvegarde lisible" in refus.stderr
    assert restaurer().returncode == 2
    assert restaurer(str(illisible), "--tout-effacer").returncode == 2


def test_les_scripts_se_passent_de_bash():
    for script in (SAUVEGARDE, RESTAURER):
        texte = script.read_text(encoding="utf-8")
        assert texte.startswith("#!/bin/sh\n")
        assert os.access(script, os.X_OK)
        for bashisme in ("[[", "local ", "pipefail", "source ", "function "):
            assert bashisme not in texte, (script.name, bashisme)
        assert subprocess.run([SH, "-n", str(script)], check=False).returncode == 0


# --- The round trip on a real PostgreSQL -----------------------------------------------------

MOT_DE_PASSE = "un mot de passe assez long"
REALISS = "Réaliss (régie de quartier)"
SOISSONNAIS = "epci:240200477"  # ALISS, PTCE du Soissonnais (seed pack): 42 jobs
ALISS = "ALISS (PTCE du Soissonnais)"


def _client_postgresql() -> str | None:
    if shutil.which("pg_dump") and shutil.which("psql"):
        return None
    dossiers = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda d: int(d.parent.name))
    return str(dossiers[-1]) if dossiers else None


@pytest.fixture
def serveur(monkeypatch):
    """A function making a new, empty database on the test server (dropped afterwards)."""
    if not URL_POSTGRES:
        pytest.skip("Pas de serveur PostgreSQL de test : définissez ESS_TEST_POSTGRES_URL (.ci/run le fait).")
    if not shutil.which("pg_dump") and _client_postgresql() is None:
        pytest.skip("Client PostgreSQL absent (pg_dump) : apt-get install postgresql-client.")
    if dossier := _client_postgresql():
        monkeypatch.setenv("PATH", f"{dossier}:{os.environ['PATH']}")
    serveur_url = sa.make_url(store.url_par_defaut_de(URL_POSTGRES))
    administration = sa.create_engine(serveur_url, isolation_level="AUTOCOMMIT")
    creees: list[str] = []

    def nouvelle_base() -> str:
        nom = f"ess_sauvegarde_{uuid.uuid4().hex[:10]}"
        with administration.connect() as connexion:
            connexion.execute(sa.text(f'CREATE DATABASE "{nom}"'))
        creees.append(nom)
        # libpq's form (postgresql://): what an operator gives the scripts.
        return serveur_url.set(database=nom, drivername="postgresql").render_as_string(hide_password=False)

    yield nouvelle_base
    with administration.connect() as connexion:
        for nom in creees:
            connexion.execute(sa.text(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)'))
    administration.dispose()


def _executer(script: Path, *arguments: str, **environnement: str):
    return subprocess.run(
        [SH, str(script), *arguments],
        env=dict(os.environ, **environnement),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _tables(url: str) -> dict[str, pd.DataFrame]:
    depot = store.Depot(store.url_par_defaut_de(url), migrer_schema=False)
    try:
        return store.lire_tables(depot)
    finally:
        depot.fermer()


def _memes_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for nom in a:
        pd.testing.assert_frame_equal(a[nom], b[nom], obj=nom)


def test_sauvegarde_restauree_dans_une_base_neuve_l_application_montre_les_memes_enregistrements(
    serveur, referentiel, tmp_path, monkeypatch
):
    source = serveur()
    # Records written as the app writes them: the seed pack, an account, jobs and a funding.
    depot = emplois.depot_pret(store.url_par_defaut_de(source))
    comptes.creer(depot, "animatrice@aliss.fr", "contributeur", MOT_DE_PASSE, ptce=[ALISS])
    rapport = saisie.ajouter(
        depot, "emplois", {"projet": REALISS, "nature": "autre", "nombre": 7, "annee": 2024}
    )
    assert rapport.ecrites == {"emplois": 1}
    saisie.ajouter(
        depot,
        "financements",
        {
            "ptce": ALISS,
            "financeur": "Fondation de la sauvegarde",
            "montant_eur": "4 321 €",
            "annee_debut": "2024",
        },
    )
    depot.fermer()
    enregistres = _tables(source)
    assert "Fondation de la sauvegarde" in set(enregistres["financements"].financeur)

    dossier = tmp_path / "sauvegardes"
    sauvegarde = _executer(SAUVEGARDE, str(dossier), DATABASE_URL=store.url_par_defaut_de(source))
    assert sauvegarde.returncode == 0, sauvegarde.stderr
    (fichier,) = (dossier / "quotidien").glob("ess-*.dump")
    assert fichier.stat().st_mode & 0o077 == 0  # password hashes, personal data: owner only

    restauree = serveur()
    restauration = _executer(RESTAURER, str(fichier), restauree)
    assert restauration.returncode == 0, restauration.stderr
    _memes_tables(_tables(restauree), enregistres)
    depot = store.Depot(store.url_par_defaut_de(restauree))
    try:
        assert comptes.connecter(depot, "animatrice@aliss.fr", MOT_DE_PASSE).ptce_ids
    finally:
        depot.fermer()

    # The app on the restored database: the Soissonnais's 42 seeded jobs and the 7 entered
    # (an empty database would be seeded again: 42).
    monkeypatch.setenv("DATABASE_URL", restauree)
    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=180)
    at.query_params["territoire"] = SOISSONNAIS
    at.switch_page("pages/emplois.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert next(m for m in at.metric if m.label.startswith("Emplois créés")).value == "49"
    financeurs = {str(v) for t in at.dataframe for v in t.value.to_numpy().ravel()}
    assert "Fondation de la sauvegarde" in financeurs

    # A database in use is refused, and left as it was…
    refus = _executer(RESTAURER, str(fichier), restauree)
    assert refus.returncode != 0
    assert "la base n'est pas vide" in refus.stderr
    assert "--remplacer" in refus.stderr
    _memes_tables(_tables(restauree), enregistres)
    # …unless asked: records written after the dump go, the dump's come back.
    depot = store.Depot(store.url_par_defaut_de(restauree))
    saisie.ajouter(depot, "emplois", {"projet": REALISS, "nature": "autre", "nombre": 1})
    depot.fermer()
    assert len(_tables(restauree)["emplois"]) == len(enregistres["emplois"]) + 1
    remplacement = _executer(RESTAURER, str(fichier), restauree, "--remplacer")
    assert remplacement.returncode == 0, remplacement.stderr
    _memes_tables(_tables(restauree), enregistres)


def test_une_base_injoignable_laisse_les_sauvegardes_precedentes(serveur, tmp_path):
    source = serveur()
    emplois.depot_pret(store.url_par_defaut_de(source)).fermer()
    dossier = tmp_path / "sauvegardes"
    assert _executer(SAUVEGARDE, str(dossier), DATABASE_URL=source).returncode == 0
    avant = {f: f.read_bytes() for f in dossier.rglob("*") if f.is_file()}
    absente = sa.make_url(source).set(database="ess_absente").render_as_string(hide_password=False)
    echec = _executer(SAUVEGARDE, str(dossier), DATABASE_URL=absente)
    assert echec.returncode != 0
    assert "échec de pg_dump" in echec.stderr
    assert {f: f.read_bytes() for f in dossier.rglob("*") if f.is_file()} == avant


def test_local_sh_connait_sauvegarde_et_restaurer(tmp_path):
    resultat = subprocess.run(
        ["bash", str(LOCAL_SH), "inconnu"],
        env=dict(os.environ, ESS_LOCAL_DOSSIER=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert resultat.returncode == 2
    assert "sauvegarde [DOSSIER]" in resultat.stderr
    assert "restaurer FICHIER [--remplacer]" in resultat.stderr
