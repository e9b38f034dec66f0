#!/bin/sh
# Container start: build or check the data, bring the database schema up to date, precompress
# Streamlit's files for nginx (ESS_STATIQUES), then run the command given (the Dockerfile's
# CMD: Streamlit).
#
# Several containers share the data folder ($ESS_DATA_DIR, a Docker volume) and the
# database. python -m geo.build has no lock of its own and every step builds in a fixed
# "<step>.construction" folder, so two builds at once on the same folder would spoil
# each other; the schema migrations have no lock either. flock lets one container do
# both while the others wait, then find everything up to date and go on.
set -u
donnees="${ESS_DATA_DIR:-/app/data}"
mkdir -p "$donnees"
exec 9>"$donnees/.demarrage.verrou"
flock 9

python -m geo.build
code=$?
# 4: an official file was refused and the previous data (or the snapshot) kept; the app
# still starts and the Sources page says what was refused (same rule as `make data`).
if [ "$code" -ne 0 ] && [ "$code" -ne 4 ]; then
    echo "python -m geo.build a échoué (code $code) : l'application ne démarre pas." >&2
    exit "$code"
fi

if [ -n "${DATABASE_URL:-}" ]; then
    python -c "from geo.base import store; store.ouvrir().fermer()" \
        || echo "Base de saisie injoignable ou schéma non migré : la page Saisie le dira." >&2
fi

# Streamlit's files compressed once, for nginx to serve (deploy/precompresser.sh): only what is
# not there yet. Without them nginx asks the app and compresses on the fly: no reason to stop.
if [ -n "${ESS_STATIQUES:-}" ]; then
    sh "$(dirname "$0")/precompresser.sh" "$ESS_STATIQUES" \
        || echo "Fichiers de Streamlit non précompressés : nginx les compressera à la volée." >&2
fi

flock -u 9
exec 9>&-
exec "$@"
