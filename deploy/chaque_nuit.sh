#!/bin/sh
# Runs a command every day at a given time, for ever: the scheduler of the compose services
# « actualisation » and « sauvegardes » (their images have no cron daemon).
#
#   deploy/chaque_nuit.sh HH:MM commande [arguments…]
#
# The time is the container's local time (TZ, set by compose). A failed run is reported and
# the next night's run still happens. Plain POSIX sh: runs in the app image (Debian) as in
# postgres:16.
set -u

erreur() {
    echo "chaque_nuit.sh : $*" >&2
    exit 2
}

[ "$#" -ge 2 ] || erreur "usage : chaque_nuit.sh HH:MM commande [arguments…]"
heure="$1"
shift
case "$heure" in
    [01][0-9]:[0-5][0-9] | 2[0-3]:[0-5][0-9]) ;;
    *) erreur "heure illisible : « $heure » (attendu HH:MM, de 00:00 à 23:59)." ;;
esac

# "08" would be read as an invalid octal number by $(( )): leading zeros are dropped.
sans_zero() {
    valeur="${1#0}"
    echo "${valeur:-0}"
}

cible=$(($(sans_zero "${heure%:*}") * 3600 + $(sans_zero "${heure#*:}") * 60))

# docker stop sends TERM to this shell (PID 1 of the container), which only acts on it
# between commands: the waits below are "sleep & wait", which a signal interrupts.
trap 'exit 0' TERM INT

while :; do
    maintenant=$(date +%H:%M:%S)
    h="${maintenant%%:*}"
    reste="${maintenant#*:}"
    m="${reste%%:*}"
    s="${reste#*:}"
    secondes=$(($(sans_zero "$h") * 3600 + $(sans_zero "$m") * 60 + $(sans_zero "$s")))
    attente=$(((cible - secondes + 86400) % 86400))
    # Woken at the given second and done within it: the next run is tomorrow's.
    [ "$attente" -gt 0 ] || attente=86400
    echo "chaque_nuit.sh : prochaine exécution à $heure (dans $attente s) : $*"
    sleep "$attente" &
    wait $!
    echo "chaque_nuit.sh : début $(date '+%Y-%m-%d %H:%M:%S') : $*"
    "$@"
    code=$?
    echo "chaque_nuit.sh : fin $(date '+%Y-%m-%d %H:%M:%S'), code $code : $*"
done
