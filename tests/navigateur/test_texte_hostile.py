"""In Chromium: text from the address is shown back as it was typed, never as a link or an image.

Streamlit's Markdown turns a bare address (``https://…``, ``www.…``, ``nom@domaine.fr``) into a
link even after a backslash: only the rendered page shows whether one got through.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.navigateur.aides import attendre_repos

pytestmark = pytest.mark.navigateur

CHARGE = "[Reconnectez-vous ici](https://evil.example/login)"
NUES = "voir www.evil.example, mailto:pirate@evil.example ou <https://evil.example/auto> ![](https://evil.example/x.png)"

# Where every link and image of the page leads (host, or scheme when it has none).
_CIBLES = """() => [...document.querySelectorAll('a[href], img[src]')].map(e => {
  const url = new URL(e.href || e.src, document.baseURI);
  return url.hostname || url.protocol;
})"""

LIENS = [
    ("", {"territoire": CHARGE}),
    ("", {"territoire": NUES}),
    ("commerces", {"territoire": "epci:200042190", "definition": CHARGE}),
    ("commerces", {"territoire": "epci:200042190", "definition": NUES}),
    ("qpv", {"territoire": "commune:31555", "point": CHARGE}),
    ("emplois", {"territoire": "epci:200042190", "annee": NUES}),
]
IDS = [(chemin, list(parametres)[-1]) for chemin, parametres in LIENS]


@pytest.mark.parametrize(("chemin", "parametres"), LIENS, ids=[f"{c or 'carte'}-{p}" for c, p in IDS])
def test_text_from_the_address_is_shown_but_never_linked(application, page, chemin, parametres):
    page.goto(f"{application}/{chemin}?{urlencode(parametres)}")
    alerte = page.locator("[data-testid=stAlert]", has_text="evil.example").first
    alerte.wait_for(timeout=60_000)
    attendre_repos(page)
    # The reader sees every character given (the word joiners that stop the links are invisible).
    texte = alerte.inner_text().replace("\u2060", "")
    hostile = next(v for v in parametres.values() if "evil" in v)
    assert hostile in texte, texte
    # The sidebar's page links carry the address along (same site); nothing may lead elsewhere.
    fuites = [c for c in page.evaluate(_CIBLES) if "evil" in c or c.startswith("mailto")]
    assert not fuites, fuites
