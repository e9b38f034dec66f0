"""Tables on screen: French numbers, « — » for unknown values, numbers kept for sorting."""

from __future__ import annotations

import pandas as pd

from geo import tableaux


def test_french_display_and_dash_for_unknown():
    tableau = pd.DataFrame(
        {
            "nom": ["A", None],
            "population": pd.array([1234567, None], dtype="Int64"),
            "part": [12.345, None],
            "perimetre": [True, None],
        }
    )
    html = tableaux.style_fr(tableau, {"part": 1}).to_html()
    assert "1\u202f234\u202f567" in html
    assert "12,3" in html
    assert "None" not in html
    assert "nan" not in html.lower().replace("nanum", "")
    assert html.count(">—<") == 4
    assert ">oui<" in html
    # The data underneath stays numeric (sorting in the table stays right).
    assert tableaux.style_fr(tableau).data.population.dtype == "Int64"
