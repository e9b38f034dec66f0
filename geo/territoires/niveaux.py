"""What is drawn at each territory level: one table read by the maps, the overlays and the pages.

France and a région are too large for their communes to be seen: their maps draw larger
units and their overlays become dots, counts and shares; from the département down, the
communes are drawn and every overlay is per commune. Changing what a level shows is
changing its row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.territoires.referentiel import TerritoireId

# Display scales besides the built ones (geo.outils.generalisation.TOLERANCES): the whole country's
# frame (derived from the coarse layers) and an EPCI's communes simplified for its frame
# (made per map by geo.rendu.carte_territoire.geometries_affichage).
ECHELLE_NATIONALE = "national"
ECHELLE_INTERCOMMUNALE = "intercommunal"


@dataclass(frozen=True)
class Dessin:
    """What the map, its overlays and the tables show for a territory of one level."""

    echelle: str  # display scale of the map, base and overlays alike
    communes: bool  # communes drawn, overlays per commune (QPV perimeters, hatched communes, markers)
    parts_commerces: str | None  # above the communes: the table whose units the shop shares colour
    comptes_structures: str | None  # above the communes: the zone structures are counted by
    mailles_indicateur: tuple[str, ...]  # meshes of the Opportunités indicator map, the default first
    sous_territoires: str | None  # the level listed inside it (a département lists its communes)
    unites_comparees: str | None  # the level ranked inside it on the Opportunités page


DESSINS: dict[str | None, Dessin] = {
    None: Dessin(ECHELLE_NATIONALE, False, "departements", "epci", ("epci",), "region", "departement"),
    "region": Dessin("moyen", False, "epci", "commune", ("epci",), "departement", "epci"),
    # A département's EPCI may cross its border: its communes are listed, its EPCI compared whole.
    "departement": Dessin("moyen", True, None, None, ("epci", "communes"), "commune", "epci"),
    "epci": Dessin(ECHELLE_INTERCOMMUNALE, True, None, None, ("communes", "epci"), "commune", "commune"),
    "commune": Dessin("fin", True, None, None, ("communes", "epci"), None, None),
}


def dessin(tid: TerritoireId | None) -> Dessin:
    """The row of the territory's level (``None``: France entière).

    >>> dessin(None).communes, dessin(None).echelle
    (False, 'national')
    """
    return DESSINS[tid.niveau if tid is not None else None]
