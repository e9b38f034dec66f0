#!/bin/sh
# Restores a dump of deploy/sauvegarde.sh into a PostgreSQL database.
#
#   deploy/restaurer.sh FICHIER [DATABASE_URL] [--remplacer]
#
# The safe way: restore into a new, empty database, check it, then point the app at it
# (DATABASE_URL) and restart it; the old database stays as it was until you drop it:
#   createdb -h HOTE -U ess ess_restauree
#   deploy/restaurer.sh /var/backups/ess/quotidien/ess-2026-12-07.dump postgresql://ess:MOTDEPASSE@HOTE:5432/ess_restauree
# DATABASE_URL defaults to the environment's. A database that already holds tables is
# refused, unless --remplacer: then the dump's tables replace the ones of the same name
# (stop the app first, restart it after: its caches know the old records).
# The restore is one transaction: on any error, the database is left as it was.
#
# Needs only sh and PostgreSQL's client (pg_restore, psql) of the dump's version or newer.
set -eu

erreur() {
    echo "deploy/restaurer.sh : $*" >&2
    exit 1
}

usage() {
    echo "usage : deploy/restaurer.sh FICHIER [DATABASE_URL] [--remplacer]" >&2
    exit 2
}

if ! command -v pg_restore >/dev/null 2>&1; then
    for dossier in /usr/lib/postgresql/*/bin; do
        [ -x "$dossier/pg_restore" ] && PG_BIN="$dossier"
    done
    [ -n "${PG_BIN:-}" ] || erreur "pg_restore est introuvable : installez le client PostgreSQL (paquet postgresql-client)."
    PATH="$PG_BIN:$PATH"
fi

FICHIER=""
URL="${DATABASE_URL:-}"
REMPLACER=""
POSITION=0
for argument in "$@"; do
    case "$argument" in
        --remplacer) REMPLACER=1 ;;
        -h | --help) usage ;;
        -*) echo "deploy/restaurer.sh : option inconnue « $argument »." >&2 && usage ;;
        *)
            POSITION=$((POSITION + 1))
            case "$POSITION" in
                1) FICHIER="$argument" ;;
                2) URL="$argument" ;;
                *) usage ;;
            esac
            ;;
    esac
done
[ -n "$FICHIER" ] || usage
[ -f "$FICHIER" ] || erreur "fichier de sauvegarde introuvable : « $FICHIER »."
pg_restore --list "$FICHIER" >/dev/null 2>&1 ||
    erreur "« $FICHIER » n'est pas une sauvegarde lisible (pg_dump -Fc, faite par deploy/sauvegarde.sh)."

[ -n "$URL" ] || erreur "aucune base désignée : donnez son adresse (postgresql://…) après le fichier, ou DATABASE_URL."
case "$URL" in
    postgresql+*://* | postgres+*://*) URL="postgresql://${URL#*://}" ;;
    postgresql://* | postgres://*) ;;
    *) erreur "l'adresse de la base n'est pas une adresse PostgreSQL (postgresql://…)." ;;
esac

# Tables, views or sequences outside PostgreSQL's own schemas: the database is in use.
OBJETS="$(psql --no-password --no-psqlrc --quiet --tuples-only --no-align --dbname="$URL" --command="
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'")" ||
    erreur "base injoignable ou refusée (voir le message ci-dessus) : rien n'a été restauré."

if [ "$OBJETS" != "0" ] && [ -z "$REMPLACER" ]; then
    erreur "la base n'est pas vide ($OBJETS tables ou séquences) : restaurez dans une base neuve (createdb), ou ajoutez --remplacer pour remplacer son contenu."
fi

if [ -n "$REMPLACER" ]; then
    set -- --clean --if-exists
else
    set --
fi
# Owners and grants of the server the dump came from may not exist here: the objects
# belong to whoever restores.
if ! pg_restore --no-password --no-owner --no-privileges --single-transaction --exit-on-error \
    "$@" --dbname="$URL" "$FICHIER"; then
    erreur "échec de la restauration (voir le message ci-dessus) : la base est restée comme avant."
fi
echo "Restauré : $FICHIER. Pointez l'application sur cette base (DATABASE_URL) et redémarrez-la."
