"""The sender's address: the proxy's header is believed only from the proxy."""

import pytest

from geo.outils.reseau import adresse_emettrice


@pytest.mark.parametrize(
    ("pair", "entete", "attendue"),
    [
        ("127.0.0.1", "80.12.34.56", "80.12.34.56"),  # nginx on the same machine (deploy/local.sh)
        ("172.18.0.5", "80.12.34.56", "80.12.34.56"),  # nginx on compose's network
        ("::1", "2a01:cb00::1", "2a01:cb00::/64"),
        ("193.51.24.1", "80.12.34.56", "193.51.24.1"),  # the app reached directly: not believed
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "pas une adresse", "127.0.0.1"),
        ("127.0.0.1", "80.12.34.56, 10.0.0.1", "127.0.0.1"),
        (None, "80.12.34.56", None),
    ],
)
def test_the_proxy_header_is_believed_only_from_a_local_connection(pair, entete, attendue):
    assert adresse_emettrice(pair, entete) == attendue


def test_an_ipv6_sender_is_counted_by_its_64_network_not_by_each_address():
    """One IPv6 subscriber holds a /64: counted per address, each send could come from a new one
    and no rate limit or pending cap would ever bite."""
    memes = {adresse_emettrice("127.0.0.1", f"2a01:cb00:12:34:{n:x}:0:0:{n:x}") for n in range(1, 50)}
    assert memes == {"2a01:cb00:12:34::/64"}
    assert adresse_emettrice("2a01:cb00:12:35::1", None) == "2a01:cb00:12:35::/64"  # reached directly
    assert adresse_emettrice("::ffff:80.12.34.56", None) == "80.12.34.56"
