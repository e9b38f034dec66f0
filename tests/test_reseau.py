"""The sender's address: the proxy's header is believed only from the proxy."""

import pytest

from geo.outils.reseau import adresse_emettrice


@pytest.mark.parametrize(
    ("pair", "entete", "attendue"),
    [
        ("127.0.0.1", "80.12.34.56", "80.12.34.56"),  # nginx on the same machine (deploy/local.sh)
        ("172.18.0.5", "80.12.34.56", "80.12.34.56"),  # nginx on compose's network
        ("::1", "2a01:cb00::1", "2a01:cb00::1"),
        ("193.51.24.1", "80.12.34.56", "193.51.24.1"),  # the app reached directly: not believed
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "pas une adresse", "127.0.0.1"),
        ("127.0.0.1", "80.12.34.56, 10.0.0.1", "127.0.0.1"),
        (None, "80.12.34.56", None),
    ],
)
def test_the_proxy_header_is_believed_only_from_a_local_connection(pair, entete, attendue):
    assert adresse_emettrice(pair, entete) == attendue
