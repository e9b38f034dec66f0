"""Colours as the eye gets them: a colour drawn with some opacity over another, and the WCAG
contrast ratio between two colours (RGAA 3.3: 3:1 for what a map or a focus ring means).

>>> round(contraste("#000000", "#ffffff"), 1)
21.0
>>> hexa(composer("#E69F00", 0.5, "#ffffff"))
'#f2cf80'
"""

from __future__ import annotations

Rvb = tuple[float, float, float]


def rvb(couleur: str | Rvb) -> Rvb:
    """``"#e69f00"`` (or ``"#fff"``) as (red, green, blue) from 0 to 255; a triple is kept."""
    if not isinstance(couleur, str):
        return tuple(float(c) for c in couleur)
    texte = couleur.strip().lstrip("#")
    if len(texte) == 3:
        texte = "".join(c * 2 for c in texte)
    if len(texte) != 6:
        raise ValueError(f"couleur illisible : {couleur!r}")
    return tuple(float(int(texte[i : i + 2], 16)) for i in (0, 2, 4))


def hexa(couleur: str | Rvb) -> str:
    """``"#rrggbb"``, each channel rounded."""
    return "#" + "".join(f"{min(255, max(0, round(c))):02x}" for c in rvb(couleur))


def composer(couleur: str | Rvb, opacite: float, fond: str | Rvb) -> Rvb:
    """``couleur`` drawn at ``opacite`` over ``fond``: what is seen."""
    return tuple(opacite * c + (1 - opacite) * f for c, f in zip(rvb(couleur), rvb(fond), strict=True))


def luminance(couleur: str | Rvb) -> float:
    """WCAG relative luminance, from 0 (black) to 1 (white)."""

    def canal(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    rouge, vert, bleu = rvb(couleur)
    return 0.2126 * canal(rouge) + 0.7152 * canal(vert) + 0.0722 * canal(bleu)


def contraste(premiere: str | Rvb, seconde: str | Rvb) -> float:
    """WCAG contrast ratio, from 1 (same) to 21 (black on white)."""
    claire, sombre = sorted((luminance(premiere), luminance(seconde)), reverse=True)
    return (claire + 0.05) / (sombre + 0.05)
