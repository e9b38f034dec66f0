#!/bin/sh
# A backup of the store (PostgreSQL at $DATABASE_URL), kept 7 days and 4 weeks.
#
#   deploy/sauvegarde.sh [DOSSIER]     # DOSSIER: $ESS_SAUVEGARDES, else ./sauvegardes
#
# Writes DOSSIER/quotidien/ess-AAAA-MM-JJ.dump (pg_dump -Fc, read back by pg_restore
# before it counts) and, when the newest weekly copy is 7 days old or more, a copy in
# DOSSIER/hebdomadaire/. Keeps the 7 newest daily and the 4 newest weekly dumps. The dump
# is written under a temporary name and renamed only once complete and readable: a failed
# run leaves every earlier dump as it was, and exits non-zero with a French message.
# Restore with deploy/restaurer.sh.
#
# Needs only sh and PostgreSQL's client (pg_dump, pg_restore) of the server's version or
# newer: it runs in the postgres image (compose) as on the host.
#
# The password: not in DATABASE_URL on a shared machine (pg_dump's arguments show in the
# process list), but in PGPASSWORD or ~/.pgpass, which PostgreSQL's client reads. For
# instance /etc/ess-sauvegarde.env (chmod 600):
#   DATABASE_URL=postgresql://ess@127.0.0.1:5432/ess
#   PGPASSWORD=le-mot-de-passe-de-la-base
#
# Every night at 3:15, as cron (crontab -e, as a user who may read that file):
#   15 3 * * * set -a && . /etc/ess-sauvegarde.env && /srv/ess/deploy/sauvegarde.sh /var/backups/ess >>/var/log/ess-sauvegarde.log 2>&1
# or as a systemd timer, /etc/systemd/system/ess-sauvegarde.service:
#   [Unit]
#   Description=Sauvegarde de la base de saisie ESS
#   [Service]
#   Type=oneshot
#   EnvironmentFile=/etc/ess-sauvegarde.env
#   ExecStart=/srv/ess/deploy/sauvegarde.sh /var/backups/ess
# and /etc/systemd/system/ess-sauvegarde.timer:
#   [Unit]
#   Description=Sauvegarde nocturne de la base de saisie ESS
#   [Timer]
#   OnCalendar=*-*-* 03:15
#   Persistent=true
#   [Install]
#   WantedBy=timers.target
# then: systemctl daemon-reload && systemctl enable --now ess-sauvegarde.timer
#
# ESS_SAUVEGARDE_AUJOURDHUI=AAAA-MM-JJ sets « today » (tests of the rotation).
set -eu

GARDER_QUOTIDIENNES=7
GARDER_HEBDOMADAIRES=4

erreur() {
    echo "deploy/sauvegarde.sh : $*" >&2
    exit 1
}

# pg_dump on the PATH (postgres image, postgresql-client), else Debian's newest server's.
if ! command -v pg_dump >/dev/null 2>&1; then
    for dossier in /usr/lib/postgresql/*/bin; do
        [ -x "$dossier/pg_dump" ] && PG_BIN="$dossier"
    done
    [ -n "${PG_BIN:-}" ] || erreur "pg_dump est introuvable : installez le client PostgreSQL (paquet postgresql-client)."
    PATH="$PG_BIN:$PATH"
fi

URL="${DATABASE_URL:-}"
[ -n "$URL" ] || erreur "DATABASE_URL n'est pas définie : donnez l'adresse de la base PostgreSQL à sauvegarder."
case "$URL" in
    # The app's own form (SQLAlchemy driver named): libpq knows only postgresql://.
    postgresql+*://* | postgres+*://*) URL="postgresql://${URL#*://}" ;;
    postgresql://* | postgres://*) ;;
    sqlite:*) erreur "la base est un fichier SQLite : copiez ce fichier (data/saisie.sqlite3), cette commande ne sauvegarde que PostgreSQL." ;;
    *) erreur "DATABASE_URL n'est pas une adresse PostgreSQL (postgresql://…)." ;;
esac

DOSSIER="${1:-${ESS_SAUVEGARDES:-./sauvegardes}}"
AUJOURDHUI="${ESS_SAUVEGARDE_AUJOURDHUI:-$(date +%Y-%m-%d)}"
case "$AUJOURDHUI" in
    [0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]) ;;
    *) erreur "date du jour illisible : « $AUJOURDHUI » (attendu AAAA-MM-JJ)." ;;
esac

# Days since a fixed origin of an AAAA-MM-JJ date (only differences matter), in shell
# arithmetic: no GNU date needed.
jour() {
    annee=${1%%-*}
    reste=${1#*-}
    mois=$((1${reste%%-*} - 100))
    quantieme=$((1${reste#*-} - 100))
    if [ "$mois" -le 2 ]; then
        annee=$((annee - 1))
        mois=$((mois + 12))
    fi
    echo $((365 * annee + annee / 4 - annee / 100 + annee / 400 + (153 * (mois - 3) + 2) / 5 + quantieme))
}

# The dumps of a folder, newest first (their names sort as their dates).
dumps() {
    ls -1 "$1" | grep -E '^ess-[0-9]{4}-[0-9]{2}-[0-9]{2}\.dump$' | sort -r || true
}

# Keeps the $2 newest dumps of folder $1.
rotation() {
    rang=0
    for nom in $(dumps "$1"); do
        rang=$((rang + 1))
        [ "$rang" -le "$2" ] || rm -f "$1/$nom"
    done
}

# Dumps hold password hashes and personal data: readable by their owner only.
umask 077
mkdir -p "$DOSSIER/quotidien" "$DOSSIER/hebdomadaire" ||
    erreur "impossible de créer le dossier des sauvegardes « $DOSSIER »."

NOM="ess-$AUJOURDHUI.dump"
# A name the rotation never counts (it does not end in .dump), removed on any exit.
PARTIEL="$DOSSIER/quotidien/.$NOM.$$.partiel"
trap 'rm -f "$PARTIEL" "$DOSSIER/hebdomadaire/.$NOM.$$.partiel"' EXIT
trap 'exit 1' HUP INT TERM

if ! pg_dump --no-password --format=custom --file="$PARTIEL" "$URL"; then
    erreur "échec de pg_dump (base injoignable ou refusée, voir le message ci-dessus) : aucune sauvegarde écrite, les précédentes sont intactes."
fi
if ! pg_restore --list "$PARTIEL" >/dev/null; then
    erreur "la sauvegarde écrite est illisible : elle n'a pas été gardée, les précédentes sont intactes."
fi
mv -f "$PARTIEL" "$DOSSIER/quotidien/$NOM"

DERNIERE_HEBDOMADAIRE="$(dumps "$DOSSIER/hebdomadaire" | head -n 1)"
if [ -z "$DERNIERE_HEBDOMADAIRE" ]; then
    ECART=7
else
    DATE_HEBDOMADAIRE="${DERNIERE_HEBDOMADAIRE#ess-}"
    ECART=$(($(jour "$AUJOURDHUI") - $(jour "${DATE_HEBDOMADAIRE%.dump}")))
fi
if [ "$ECART" -ge 7 ]; then
    cp "$DOSSIER/quotidien/$NOM" "$DOSSIER/hebdomadaire/.$NOM.$$.partiel"
    mv -f "$DOSSIER/hebdomadaire/.$NOM.$$.partiel" "$DOSSIER/hebdomadaire/$NOM"
fi

rotation "$DOSSIER/quotidien" "$GARDER_QUOTIDIENNES"
rotation "$DOSSIER/hebdomadaire" "$GARDER_HEBDOMADAIRES"
echo "Sauvegarde écrite : $DOSSIER/quotidien/$NOM"
