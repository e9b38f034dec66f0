#!/bin/sh
# Let's Encrypt certificates for nginx, in the certbot/certbot image
# (deploy/compose.certificats.yaml). nginx reads certificat.pem (full chain) and cle.pem from
# $ESS_CERTIFICATS_DOSSIER, its /etc/nginx/tls, and reloads itself when they change
# (deploy/nginx-recharger.sh).
#
#   certificats.sh provisoire   # a self-signed pair when there is none yet: nginx can start
#   certificats.sh renouveler   # obtain, then renew for ever (a try every 12 h)
#
# Settings (environment): ESS_DOMAINE (the public name, or several separated by commas, the
# first naming the certificate), ESS_COURRIEL_CERTIFICATS (Let's Encrypt writes there before
# a certificate expires), ESS_CERTIFICATS_ESSAI=1 (Let's Encrypt's test CA: untrusted
# certificates, generous limits, to check the DNS and port 80 first).
set -eu

DOSSIER="${ESS_CERTIFICATS_DOSSIER:-/certificats}"
WEBROOT="${ESS_ACME_DOSSIER:-/var/www/acme}"
# certbot's account, certificates and renewal settings (a volume: kept across restarts)
LETSENCRYPT="${ESS_LETSENCRYPT_DOSSIER:-/etc/letsencrypt}"
# nginx as the other containers reach it (the compose service), to check port 80 answers.
PROXY="${ESS_PROXY_HTTP:-http://proxy}"

erreur() {
    echo "certificats.sh : $*" >&2
    exit 1
}

DOMAINES="${ESS_DOMAINE:-}"
[ -n "$DOMAINES" ] || erreur "ESS_DOMAINE n'est pas défini : le nom public du site (ex. ess.agglo.fr)."
NOM="${DOMAINES%%,*}"

# Both files replaced by renames, the key first: nginx never reads half a file, and reads a
# mismatched pair at most for an instant (nginx-recharger.sh tests before reloading).
publier() { # certificate (full chain), key
    (umask 077 && cp "$2" "$DOSSIER/cle.pem.nouveau")
    cp "$1" "$DOSSIER/certificat.pem.nouveau"
    mv "$DOSSIER/cle.pem.nouveau" "$DOSSIER/cle.pem"
    mv "$DOSSIER/certificat.pem.nouveau" "$DOSSIER/certificat.pem"
}

provisoire() {
    mkdir -p "$DOSSIER"
    if [ -s "$DOSSIER/certificat.pem" ] && [ -s "$DOSSIER/cle.pem" ]; then
        return 0
    fi
    temporaire="$(mktemp -d)"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj "/CN=$NOM" -addext "subjectAltName=DNS:$NOM" \
        -keyout "$temporaire/cle.pem" -out "$temporaire/certificat.pem" 2>/dev/null \
        || erreur "openssl n'a pas pu fabriquer le certificat provisoire."
    publier "$temporaire/certificat.pem" "$temporaire/cle.pem"
    rm -rf "$temporaire"
    echo "certificats.sh : certificat provisoire (auto-signé) pour $NOM, en attendant Let's Encrypt."
}

# Let's Encrypt counts failed validations (5 an hour per name): try only once nginx serves
# the challenge folder on port 80.
attendre_nginx() {
    mkdir -p "$WEBROOT/.well-known/acme-challenge"
    jeton="ess-verification-$$"
    echo "$jeton" >"$WEBROOT/.well-known/acme-challenge/$jeton"
    until wget -q -O - "$PROXY/.well-known/acme-challenge/$jeton" 2>/dev/null | grep -qx "$jeton"; do
        echo "certificats.sh : nginx ne sert pas encore $PROXY/.well-known/acme-challenge/ ; nouvel essai dans 30 s."
        sleep 30 &
        wait $!
    done
    rm -f "$WEBROOT/.well-known/acme-challenge/$jeton"
}

renouveler() {
    courriel="${ESS_COURRIEL_CERTIFICATS:-}"
    [ -n "$courriel" ] || erreur "ESS_COURRIEL_CERTIFICATS n'est pas défini : l'adresse que Let's Encrypt prévient avant l'expiration d'un certificat."
    provisoire
    while :; do
        attendre_nginx
        set -- certonly --config-dir "$LETSENCRYPT" --webroot -w "$WEBROOT" -d "$DOMAINES" --cert-name "$NOM" \
            --email "$courriel" --agree-tos --no-eff-email --non-interactive --keep-until-expiring
        if [ "${ESS_CERTIFICATS_ESSAI:-0}" = 1 ]; then
            set -- "$@" --test-cert
        elif grep -qs "acme-staging" "$LETSENCRYPT/renewal/$NOM.conf"; then
            # a test certificate kept by --keep-until-expiring: replaced by a real one now
            set -- "$@" --force-renewal
        fi
        if certbot "$@"; then
            live="$LETSENCRYPT/live/$NOM"
            if ! cmp -s "$live/fullchain.pem" "$DOSSIER/certificat.pem"; then
                publier "$live/fullchain.pem" "$live/privkey.pem"
                echo "certificats.sh : nouveau certificat publié pour $DOMAINES (nginx le prend dans la minute)."
            fi
            attente=43200
        else
            echo "certificats.sh : Let's Encrypt a refusé ; nouvel essai dans une heure. Vérifiez que $NOM désigne ce serveur et que son port 80 est ouvert." >&2
            attente=3600
        fi
        sleep "$attente" &
        wait $!
    done
}

trap 'exit 0' TERM INT

case "${1:-}" in
    provisoire) provisoire ;;
    renouveler) renouveler ;;
    *) erreur "usage : certificats.sh provisoire|renouveler" ;;
esac
