#!/usr/bin/env bash
# The production stack of deploy/compose.yaml on one machine, without Docker: PostgreSQL,
# two app processes (as deploy/demarrer.sh starts them in the containers), nginx with TLS
# (deploy/nginx.conf.template, the same configuration as compose) and a self-signed
# certificate made on first start. For CI and for anyone to try.
#
#   deploy/local.sh start    # idempotent; its last line is the https:// address
#   deploy/local.sh stop     # stops what start started
#   deploy/local.sh sauvegarde [DOSSIER]              # deploy/sauvegarde.sh on this stack's
#   deploy/local.sh restaurer FICHIER [--remplacer]   # database (deploy/restaurer.sh)
#
# Debian packages: nginx, postgresql, openssl, gettext-base (envsubst), and
# libnginx-mod-http-brotli-filter if you want brotli beside gzip (with
# libnginx-mod-http-brotli-static and brotli: Streamlit's files compressed once at the best
# level, deploy/precompresser.sh). The project's .venv must exist (make setup; make data
# builds the data, else the first start does).
# Everything lives in ESS_LOCAL_DOSSIER (deploy/.local by default): cluster, certificate,
# cookie secret, precompressed static files, pids, logs. Ports (environment): ESS_LOCAL_PORT_HTTPS (8443),
# ESS_LOCAL_PORT_HTTP (8080), ESS_LOCAL_PORTS_APP ("8601 8602"), ESS_LOCAL_PORT_PG (54330).
set -euo pipefail

RACINE="$(cd "$(dirname "$0")/.." && pwd)"
ETAT="${ESS_LOCAL_DOSSIER:-$RACINE/deploy/.local}"
PORT_HTTPS="${ESS_LOCAL_PORT_HTTPS:-8443}"
PORT_HTTP="${ESS_LOCAL_PORT_HTTP:-8080}"
PORTS_APP="${ESS_LOCAL_PORTS_APP:-8601 8602}"
PORT_PG="${ESS_LOCAL_PORT_PG:-54330}"
PYTHON="$RACINE/.venv/bin/python"
MODULE_BROTLI=/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so
MODULE_BROTLI_STATIQUE=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so

erreur() { echo "deploy/local.sh : $*" >&2; exit 1; }

# PostgreSQL refuses to run as root: as root, its commands run as the postgres user.
en_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
    local dossier
    dossier="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$dossier" ] || erreur "PostgreSQL absent : apt-get install postgresql"
    echo "$dossier"
}

vivant() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

attendre() { # url, seconds, what
    local fin=$((SECONDS + $2))
    until curl -ksf -o /dev/null --max-time 2 "$1"; do
        [ "$SECONDS" -lt "$fin" ] || erreur "$3 ne répond pas après $2 s (journaux : $ETAT/journaux)"
        sleep 0.5
    done
}

demarrer_postgres() {
    local bin
    bin="$(pg_bin)"
    if [ ! -f "$ETAT/pg/donnees/PG_VERSION" ]; then
        mkdir -p "$ETAT/pg"
        [ "$(id -u)" -ne 0 ] || chown postgres "$ETAT/pg"
        en_postgres "$bin/initdb" -D "$ETAT/pg/donnees" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! en_postgres "$bin/pg_ctl" -D "$ETAT/pg/donnees" status >/dev/null 2>&1; then
        # Loopback only, its socket in the state folder: never the system's cluster.
        en_postgres "$bin/pg_ctl" -D "$ETAT/pg/donnees" -l "$ETAT/pg/journal" -w \
            -o "-p $PORT_PG -k $ETAT/pg -c listen_addresses=127.0.0.1" start >/dev/null
    fi
    en_postgres "$bin/psql" -h 127.0.0.1 -p "$PORT_PG" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'ess'" \
        | grep -q 1 || en_postgres "$bin/createdb" -h 127.0.0.1 -p "$PORT_PG" -U postgres ess
}

secrets_et_certificat() {
    mkdir -p "$ETAT/tls"
    if [ ! -s "$ETAT/secret_cookie" ]; then
        (umask 077 && openssl rand -hex 32 >"$ETAT/secret_cookie")
    fi
    if [ ! -s "$ETAT/tls/certificat.pem" ]; then
        (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -days 365 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
            -keyout "$ETAT/tls/cle.pem" -out "$ETAT/tls/certificat.pem" 2>/dev/null)
    fi
}

demarrer_applications() {
    local port
    for port in $PORTS_APP; do
        vivant "$ETAT/pids/app-$port.pid" && continue
        # As in the containers: demarrer.sh (data build, schema migration, under a lock
        # shared by the processes) then Streamlit; one cookie secret for all; logs as JSON
        # lines (geo.outils.journaux), as production collects them.
        (
            cd "$RACINE"
            PATH="$RACINE/.venv/bin:$PATH" \
                ESS_DATA_DIR="${ESS_DATA_DIR:-$RACINE/data}" \
                DATABASE_URL="postgresql://postgres@127.0.0.1:$PORT_PG/ess" \
                STREAMLIT_SERVER_COOKIE_SECRET="$(cat "$ETAT/secret_cookie")" \
                ESS_JOURNAUX=json \
                ESS_STATIQUES="$ETAT/statiques" \
                setsid nohup sh deploy/demarrer.sh python -m ui.demarrage --server.port "$port" \
                --server.address 127.0.0.1 --server.headless true \
                >"$ETAT/journaux/app-$port.log" 2>&1 </dev/null &
            echo $! >"$ETAT/pids/app-$port.pid"
        )
    done
}

ecrire_nginx() {
    local serveurs="" port cadres="${ESS_CADRES_AUTORISES:-}"
    # sites allowed to show the dashboard in a frame (CSP frame-ancestors)
    [ -n "$cadres" ] || cadres="'self'"
    for port in $PORTS_APP; do serveurs="${serveurs}server 127.0.0.1:$port; "; done
    # HTTP-01 challenges: certbot certonly --webroot -w "$ETAT/acme" answers through port HTTP.
    mkdir -p "$ETAT/nginx" "$ETAT/acme/.well-known/acme-challenge"
    ESS_NGINX_SERVEURS="$serveurs" \
        ESS_NGINX_PORT_HTTP="$PORT_HTTP" \
        ESS_NGINX_PORT_HTTPS="$PORT_HTTPS" \
        ESS_NGINX_PORT_HTTPS_PUBLIC="$PORT_HTTPS" \
        ESS_NGINX_CERTIFICAT="$ETAT/tls/certificat.pem" \
        ESS_NGINX_CLE="$ETAT/tls/cle.pem" \
        ESS_NGINX_TEMPORAIRE="$ETAT/nginx" \
        ESS_NGINX_JOURNAL_ACCES="$ETAT/journaux/nginx-acces.log" \
        ESS_NGINX_JOURNAL_ERREURS="$ETAT/journaux/nginx-erreurs.log" \
        ESS_NGINX_CADRES_AUTORISES="$cadres" \
        ESS_NGINX_ACME="$ETAT/acme" \
        ESS_NGINX_STATIQUES="$ETAT/statiques" \
        envsubst '${ESS_NGINX_SERVEURS} ${ESS_NGINX_PORT_HTTP} ${ESS_NGINX_PORT_HTTPS} ${ESS_NGINX_PORT_HTTPS_PUBLIC} ${ESS_NGINX_CERTIFICAT} ${ESS_NGINX_CLE} ${ESS_NGINX_TEMPORAIRE} ${ESS_NGINX_JOURNAL_ACCES} ${ESS_NGINX_JOURNAL_ERREURS} ${ESS_NGINX_CADRES_AUTORISES} ${ESS_NGINX_ACME} ${ESS_NGINX_STATIQUES}' \
        <"$RACINE/deploy/nginx.conf.template" >"$ETAT/nginx/nginx.conf"
    # brotli only where nginx has the module: the template includes these files if present.
    if [ -f "$MODULE_BROTLI" ]; then
        echo "load_module $MODULE_BROTLI;" >"$ETAT/nginx/module-brotli.conf"
        cp "$RACINE/deploy/nginx-brotli.conf" "$ETAT/nginx/brotli.conf"
    else
        rm -f "$ETAT/nginx/module-brotli.conf" "$ETAT/nginx/brotli.conf"
    fi
    # the .br copies deploy/precompresser.sh made of Streamlit's files (location /static/)
    if [ -f "$MODULE_BROTLI_STATIQUE" ]; then
        echo "load_module $MODULE_BROTLI_STATIQUE;" >"$ETAT/nginx/module-brotli-statique.conf"
        echo "brotli_static on;" >"$ETAT/nginx/brotli-statique.conf"
    else
        rm -f "$ETAT/nginx/module-brotli-statique.conf" "$ETAT/nginx/brotli-statique.conf"
    fi
}

demarrer() {
    local manque commande
    for commande in nginx openssl envsubst curl; do
        command -v "$commande" >/dev/null || manque="${manque:-} $commande"
    done
    [ -z "${manque:-}" ] || erreur "commandes absentes :$manque (apt-get install nginx openssl gettext-base curl)"
    [ -x "$PYTHON" ] || erreur "pas de .venv : lancez d'abord make setup (puis make data)"
    mkdir -p "$ETAT/pids" "$ETAT/journaux"
    # PostgreSQL (as postgres) and nginx's workers must reach their files in here.
    chmod 755 "$ETAT"
    secrets_et_certificat
    demarrer_postgres
    demarrer_applications
    ecrire_nginx
    if vivant "$ETAT/nginx/nginx.pid"; then
        nginx -p "$ETAT/nginx" -c "$ETAT/nginx/nginx.conf" -s reload
    else
        nginx -p "$ETAT/nginx" -c "$ETAT/nginx/nginx.conf"
    fi
    for port in $PORTS_APP; do
        attendre "http://127.0.0.1:$port/_stcore/health" 300 "L'application (port $port)"
    done
    attendre "https://127.0.0.1:$PORT_HTTPS/_stcore/health" 30 "nginx"
    echo "https://localhost:$PORT_HTTPS/"
}

arreter() {
    local fichier
    if vivant "$ETAT/nginx/nginx.pid"; then
        nginx -p "$ETAT/nginx" -c "$ETAT/nginx/nginx.conf" -s quit || true
    fi
    for fichier in "$ETAT"/pids/app-*.pid; do
        [ -f "$fichier" ] || continue
        # setsid: the pid leads its own group (demarrer.sh, then Streamlit it exec'd).
        vivant "$fichier" && kill -- "-$(cat "$fichier")" 2>/dev/null || true
        rm -f "$fichier"
    done
    if [ -f "$ETAT/pg/donnees/PG_VERSION" ]; then
        en_postgres "$(pg_bin)/pg_ctl" -D "$ETAT/pg/donnees" -m fast stop >/dev/null 2>&1 || true
    fi
    echo "Arrêté ($ETAT)."
}

# The backup scripts on this stack's database, with the cluster's own client.
base_locale() {
    local script="$1"
    shift
    DATABASE_URL="postgresql://postgres@127.0.0.1:$PORT_PG/ess" PATH="$(pg_bin):$PATH" \
        sh "$RACINE/deploy/$script" "$@"
}

case "${1:-}" in
    start) demarrer ;;
    stop) arreter ;;
    sauvegarde) base_locale sauvegarde.sh "${2:-$ETAT/sauvegardes}" ;;
    restaurer)
        shift
        [ $# -ge 1 ] || erreur "usage : deploy/local.sh restaurer FICHIER [--remplacer]"
        base_locale restaurer.sh "$@"
        ;;
    *) echo "usage : deploy/local.sh start|stop|sauvegarde [DOSSIER]|restaurer FICHIER [--remplacer]" >&2; exit 2 ;;
esac
