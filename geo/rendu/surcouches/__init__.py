"""The overlays drawn over a territory's map, one module per dataset: each module's
``surcouche`` returns a :class:`geo.rendu.carte_territoire.Surcouche`.

``surcouches.qpv.surcouche(…)`` imports the ``qpv`` module on first use: a page loads the
overlays it draws, not every dataset they read (the PTCE overlay reads the store, the
subsidies one the published files).
"""

import importlib
from types import ModuleType

__all__ = ["choroplethe", "commerces", "ptce", "qpv", "structures", "subventions"]


def __getattr__(nom: str) -> ModuleType:
    if nom in __all__:
        return importlib.import_module(f"{__name__}.{nom}")
    raise AttributeError(f"module {__name__!r} has no attribute {nom!r}")
