#!/bin/sh
# nginx reloads itself when its certificate changes (renewed by certbot, or replaced by hand in
# ESS_TLS_DIR). nginx reads certificates only when it starts or reloads, and the certbot
# container cannot signal another container.
#
# compose mounts this file as /docker-entrypoint.d/90-ess-recharger.sh: the nginx image's
# entrypoint runs it (it must be executable) after filling in the template and before
# starting nginx; it leaves a loop behind that checks the files every
# ESS_NGINX_VERIFICATION seconds (60) and reloads once the new pair passes `nginx -t`.
set -eu

certificat="${ESS_NGINX_CERTIFICAT:-/etc/nginx/tls/certificat.pem}"
cle="${ESS_NGINX_CLE:-/etc/nginx/tls/cle.pem}"
intervalle="${ESS_NGINX_VERIFICATION:-60}"

empreinte() {
    cat "$certificat" "$cle" 2>/dev/null | cksum
}

(
    # a failing command must not end the loop: nginx would then never reload again
    set +e
    avant="$(empreinte)"
    while :; do
        sleep "$intervalle"
        maintenant="$(empreinte)"
        [ "$maintenant" != "$avant" ] || continue
        # a pair caught between its two renames fails the test: tried again next time
        if nginx -t -q 2>/dev/null && nginx -s reload; then
            avant="$maintenant"
            echo "nginx-recharger : certificat changé, nginx rechargé."
        fi
    done
) </dev/null &
