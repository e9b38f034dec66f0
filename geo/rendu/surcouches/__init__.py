"""The overlays drawn over a territory's map, one module per dataset. Each returns a
:class:`geo.rendu.carte_territoire.Surcouche`.
"""

from geo.rendu.surcouches import choroplethe, commerces, ptce, qpv, structures, subventions

__all__ = ["choroplethe", "commerces", "ptce", "qpv", "structures", "subventions"]
