#!/bin/sh
# Streamlit's build files (/static/js, /static/css, /static/media: every name carries a hash of
# its content), copied into a folder nginx serves itself (deploy/nginx.conf.template, location
# /static/), each text file beside its smallest compressed copies: gzip -9 (name.gz, nginx's
# gzip_static) and, where the brotli command is installed, brotli -q 11 (name.br, brotli_static
# of Debian's libnginx-mod-http-brotli-static). nginx compresses on the fly at lower levels
# (5 and 6: fast enough for every request); done once here, the levels cost nothing: plotly's
# chunk goes from 1.24 to 1.06 MB in brotli.
#
#   deploy/precompresser.sh DOSSIER
#
# deploy/demarrer.sh runs it when ESS_STATIQUES names the folder (compose: a volume the proxy
# reads; deploy/local.sh: a folder of its state), under the start lock. Only the files not yet
# there are made: a new Streamlit adds its own, the old ones (other names) do no harm. A file
# missing from the folder is asked of the app by nginx, and compressed on the fly.
set -eu

destination="${1:?usage : deploy/precompresser.sh DOSSIER}"
source="$(python -c 'import pathlib, streamlit; print(pathlib.Path(streamlit.__file__).parent / "static")')"
brotli_present=""
command -v brotli >/dev/null 2>&1 && brotli_present=1

# nginx's workers (another user) read the folder.
umask 022
mkdir -p "$destination"
cd "$source"
nouveaux=0
# The original last, each file renamed into place once whole: a file in the folder means its
# compressed copies are there (or will not be), and nginx never reads half a file.
while IFS= read -r fichier; do
    cible="$destination/$fichier"
    [ -f "$cible" ] && continue
    mkdir -p "$(dirname "$cible")"
    case "$fichier" in
        *.js | *.css | *.svg | *.json | *.html | *.txt)
            # below gzip_min_length (512 bytes), nginx sends the file as it is
            if [ "$(wc -c <"$fichier")" -ge 512 ]; then
                gzip -9 -n -c "$fichier" >"$cible.gz.partiel"
                mv "$cible.gz.partiel" "$cible.gz"
                if [ -n "$brotli_present" ]; then
                    brotli -q 11 -c "$fichier" >"$cible.br.partiel"
                    mv "$cible.br.partiel" "$cible.br"
                fi
            fi
            ;;
    esac
    cp "$fichier" "$cible.partiel"
    mv "$cible.partiel" "$cible"
    nouveaux=$((nouveaux + 1))
done <<FICHIERS
$(find static -type f)
FICHIERS
if [ "$nouveaux" -gt 0 ]; then
    if [ -n "$brotli_present" ]; then formats="gzip -9 et brotli -q 11"; else formats="gzip -9 seul : commande brotli absente"; fi
    echo "precompresser.sh : $nouveaux fichiers de Streamlit copiés dans $destination, compressés une fois pour toutes ($formats)."
fi
