"""geo.outils.codes.parmi: the same answers as pandas' isin, without its per-value cost on text."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from geo.outils.codes import parmi
from tests.conftest import RACINE

CODES = pd.Series(["02722", "59606", None, "2A004"], index=[10, 11, 12, 13])


@pytest.mark.parametrize(
    "ensemble",
    [
        {"02722", "2A004"},
        ["59606"],
        pd.Index(["2A004", "00000"]),
        pd.Series(["02722", None], dtype="string"),
        np.array(["59606"], dtype=object),
        [None],
        [np.nan],
        [],
    ],
)
def test_same_answer_as_isin_for_a_series(ensemble):
    attendu = CODES.isin(ensemble)
    pd.testing.assert_series_equal(parmi(CODES, ensemble), attendu)


def test_the_codes_searched_for_are_left_as_they_were():
    ensemble = np.array(["02722", None], dtype=object)
    parmi(CODES, ensemble)
    assert ensemble[1] is None


def test_an_index_gives_an_array_as_isin_does():
    index = pd.Index(["02722", "59606", "2A004"])
    resultat = parmi(index, ["59606"])
    assert isinstance(resultat, np.ndarray)
    assert resultat.tolist() == [False, True, False]


def test_numbers_go_through_isin():
    pd.testing.assert_series_equal(parmi(pd.Series([1, 2, 3]), [2]), pd.Series([False, True, False]))


# parmi itself is the one place that calls pandas' isin.
HORS_PAGES = {"codes.py"}


def test_the_pages_test_text_membership_through_parmi_only():
    """A plain ``.isin(`` on text costs 0.1 s per 20,000 codes in pandas 3 (see geo.outils.codes)."""
    restants = [
        f"{chemin.relative_to(RACINE)}:{numero}"
        for dossier in ("geo", "ui", "pages")
        for chemin in sorted((RACINE / dossier).rglob("*.py"))
        if chemin.name not in HORS_PAGES
        for numero, ligne in enumerate(chemin.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.isin\(", ligne)
    ]
    assert restants == []
