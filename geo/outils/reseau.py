"""Which network address sent a request: the proxy's word is taken only from the proxy."""

from __future__ import annotations

import ipaddress


def _pour_les_limites(adresse: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    # One IPv6 subscriber holds a whole /64 (2^64 addresses): counted per address, they would
    # pick a new one for each send and escape every limit. An IPv4 written as IPv6 is that IPv4.
    if isinstance(adresse, ipaddress.IPv6Address):
        if adresse.ipv4_mapped is not None:
            return str(adresse.ipv4_mapped)
        return str(ipaddress.IPv6Network((adresse, 64), strict=False))
    return str(adresse)


def adresse_emettrice(pair: object, x_real_ip: object) -> str | None:
    """The sender's address for rate limits (an IPv6 address by its /64 network).

    ``pair`` is the address of the connection the app received; ``x_real_ip`` the header nginx
    sets (deploy/nginx.conf.template). The header is believed only when the connection comes from
    a loopback or private address (the proxy on the same machine, or compose's network): an app
    reached directly would otherwise let anyone choose their address, and so escape the limits.

    >>> adresse_emettrice("127.0.0.1", "80.12.34.56")
    '80.12.34.56'
    >>> adresse_emettrice("193.51.24.1", "80.12.34.56")
    '193.51.24.1'
    >>> adresse_emettrice("::1", "2a01:cb00:12:34:a:b:c:d")
    '2a01:cb00:12:34::/64'
    >>> adresse_emettrice(None, None) is None
    True
    """
    pair_texte = pair.strip() if isinstance(pair, str) and pair.strip() else None
    entete = x_real_ip.strip() if isinstance(x_real_ip, str) and x_real_ip.strip() else None
    if pair_texte is None:
        return None
    try:
        adresse = ipaddress.ip_address(pair_texte)
    except ValueError:
        return pair_texte
    if entete is not None and (adresse.is_loopback or adresse.is_private):
        try:
            return _pour_les_limites(ipaddress.ip_address(entete))
        except ValueError:
            pass
    return _pour_les_limites(adresse)
