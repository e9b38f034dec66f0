#!/bin/sh
# One refresh of the official data, for the nightly schedule: downloads every dataset afresh
# from its official address, rebuilds it aside, checks it, and only then replaces it. A file
# refused by the checks (error page, truncated archive, renamed columns, more than 10 % of the
# rows lost) leaves the previous data in place: the refresh never makes things worse.
#
# It holds the lock deploy/demarrer.sh takes (flock on $ESS_DATA_DIR/.demarrage.verrou, taken
# by python -m geo.build --actualiser itself, waiting for it): never during a container's
# start, nor beside another refresh (the Sources page's button refuses while it runs). Each
# attempt is recorded in $ESS_DATA_DIR/actualisations.json; the Sources page shows the last
# one, and `ess-statut` prints it.
#
# Exit code: 0 done, 4 a dataset was refused (previous data kept; the Sources page says why to
# administrators), anything else a failure. Downloads that fail (offline) are recorded as
# « hors ligne » and exit 0: the data in place stay.
#
# Schedule it once per data folder (one host, or one container of the compose stack):
#
#   cron (crontab -e of the user that owns the data folder), every night at 3:15:
#     15 3 * * * cd /srv/ess-territoires && ESS_DATA_DIR=/var/lib/ess ESS_JOURNAUX=json deploy/actualiser.sh >>/var/log/ess-actualisation.log 2>&1
#
#   systemd, /etc/systemd/system/ess-actualisation.service:
#     [Unit]
#     Description=Actualisation des données officielles du tableau de bord ESS
#     Wants=network-online.target
#     After=network-online.target
#     [Service]
#     Type=oneshot
#     User=ess
#     WorkingDirectory=/srv/ess-territoires
#     Environment=ESS_DATA_DIR=/var/lib/ess ESS_JOURNAUX=json
#     ExecStart=/srv/ess-territoires/deploy/actualiser.sh
#     # 4: a dataset refused, previous data kept (remove this line to see it as a failed unit)
#     SuccessExitStatus=4
#   and /etc/systemd/system/ess-actualisation.timer:
#     [Unit]
#     Description=Actualisation nocturne des données officielles du tableau de bord ESS
#     [Timer]
#     OnCalendar=*-*-* 03:15:00
#     RandomizedDelaySec=15min
#     Persistent=true
#     [Install]
#     WantedBy=timers.target
#   then: systemctl daemon-reload && systemctl enable --now ess-actualisation.timer
#
#   compose (a scheduled service, or the host's cron):
#     docker compose -f deploy/compose.yaml exec -T app deploy/actualiser.sh
#
# Options are passed on to python -m geo.build (e.g. --sirene for the national SIRENE files).
set -u
RACINE="$(cd "$(dirname "$0")/.." && pwd)"
cd "$RACINE"
# ESS_PYTHON when given; else the project's virtualenv when there is one (a host install);
# the image's python otherwise.
if [ -n "${ESS_PYTHON:-}" ]; then
    PYTHON="$ESS_PYTHON"
elif [ -x "$RACINE/.venv/bin/python" ]; then
    PYTHON="$RACINE/.venv/bin/python"
else
    PYTHON=python
fi
export ESS_DATA_DIR="${ESS_DATA_DIR:-$RACINE/data}"
mkdir -p "$ESS_DATA_DIR"
# Nightly too, whatever the refresh does: the contacts left by the public with proposals moderated
# over 30 days ago are erased (RGPD, geo.base.contributions.purger_contacts). A store out of reach
# is said and the refresh still runs.
"$PYTHON" -m geo.base.moderation purger ||
    echo "actualiser.sh : effacement des contacts des contributions impossible (voir ci-dessus) ; l'actualisation continue." >&2
exec "$PYTHON" -m geo.build --actualiser --planifiee "$@"
