"""Refreshing every dataset in turn (the Sources page's button), under the lock and recorded.

Above :mod:`geo.build.construction`, which knows the steps; the lock and the record of the
attempts (:mod:`geo.build.actualisation`) sit below it, since its command line takes them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from geo.build import actualisation, construction
from geo.outils import config


def actualiser_les_jeux(
    declencheur: str,
    dossier_cache: Path | None = None,
    *,
    attendre: bool = True,
    avant_chaque_jeu: Callable[[str], None] | None = None,
) -> dict:
    """:func:`geo.build.actualisation.actualiser` of every declared dataset in turn,
    ``avant_chaque_jeu`` told each one's title first."""
    dossier_cache = dossier_cache or config.dossier_cache()

    def chaque_jeu() -> list[dict]:
        manifestes = []
        for etape in construction.etapes_declarees():
            if avant_chaque_jeu is not None:
                avant_chaque_jeu(etape.titre)
            manifestes.append(construction.actualiser_etape(etape.nom, dossier_cache))
        return manifestes

    return actualisation.actualiser(declencheur, dossier_cache, executer=chaque_jeu, attendre=attendre)
