"""Vega-Lite charts of jobs created and funding received (no Streamlit here).

Each chart is a plain Vega-Lite specification (a dict), drawn by ``st.vega_lite_chart``: Streamlit
loads Vega-Embed (about 0.22 MB in brotli) where ``st.plotly_chart`` loaded all of plotly.js
(1.29 MB), which kept the Emplois page above its 2.5 MB first-visit target (issue 28). Plain
dicts rather than Altair objects: what the tests and the text alternative read is the spec itself,
and no schema validation runs on the page's path.

Every chart says where its numbers come from and which years it covers, in its subtitle (under
the title, never over the axes) and in ``usermeta`` (``source``, ``annees``) for the pages and
the tests. Its values are one list of rows (``data.values``), one row per bar:
``categorie`` (the label drawn), ``serie``, ``valeur`` (None when unknown), ``position`` (where
the bar ends: 0 for an unknown, written « inconnu »), ``etiquette`` (the text written beside
it), ``cle`` (what a click on it selects), ``hachure`` and ``note``. The text alternative
(:func:`texte_alternatif`) reads those same rows, so that it cannot disagree with the picture.

Colours are Okabe–Ito (readable by colour-blind readers), each bar outlined in a dark line that
contrasts with the white background (WCAG 1.4.11) whatever its fill; where colour would carry a
meaning alone (a figure that is incomplete or not comparable), a lighter, dashed bar and a word
say it too. Numbers are written the French way (``config.locale``: decimal comma, narrow no-break
space between thousands).
"""

from __future__ import annotations

import copy
import math

import pandas as pd

from geo.base.store import ETAPE_INCONNUE, ETAPES_PROJET, LIBELLES_NATURE
from geo.outils.text import accorder, nombre_fr

COULEURS_NATURE = {"insertion": "#0072B2", "encadrement": "#E69F00", "autre": "#999999"}
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# Outline of every bar: at least 3:1 against the white background, whatever the fill.
CONTOUR = "#333333"
FOND = "#ffffff"
POLICE = "DejaVu Sans, Arial, sans-serif"
TAILLE_TEXTE = 12
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
# The name of the click selection (a chart of several panels has one per panel: clic_1, clic_2…).
CLIC = "clic"
LOCALE_FR = {"number": {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u202f€"]}}
# Tick labels of a money axis: « 500 k€ », « 1,5 M€ », never « 1.5M ».
EXPRESSION_EUROS = (
    "datum.value == 0 ? '0' : abs(datum.value) >= 1e6 ? format(datum.value / 1e6, ',.1~f') + ' M€' "
    ": abs(datum.value) >= 1e3 ? format(datum.value / 1e3, ',.1~f') + ' k€' "
    ": format(datum.value, ',.0f') + ' €'"
)
# A lighter, dashed bar: « not comparable » or « incomplete », said in words beside it too.
HACHURE = {
    "fillOpacity": {"condition": {"test": "datum.hachure", "value": 0.4}, "value": 1},
    "strokeDash": {"condition": {"test": "datum.hachure", "value": [4, 3]}, "value": [1, 0]},
}


def texte_annees(annees: list[int] | None, sans_annee: int = 0) -> str:
    """Years in plain French: « 2020–2025 », « 2019 », « non précisées ».

    >>> texte_annees([2020, 2021, 2022])
    '2020–2022'
    >>> texte_annees([], 6)
    'non précisées (6 lignes sans année)'
    """
    annees = sorted(set(annees or []))
    if not annees:
        texte = "non précisées"
    elif annees == list(range(annees[0], annees[-1] + 1)):
        texte = str(annees[0]) if len(annees) == 1 else f"{annees[0]}–{annees[-1]}"
    else:
        texte = ", ".join(map(str, annees))
    if sans_annee and annees:
        texte += f" (et {sans_annee} ligne{'s' if sans_annee > 1 else ''} sans année)"
    elif sans_annee:
        texte += f" ({sans_annee} ligne{'s' if sans_annee > 1 else ''} sans année)"
    return texte


def _couper(texte: str, largeur: int = 95) -> list[str]:
    """A long line broken at spaces (Vega never wraps a title by itself), one string a line."""
    lignes, courante = [], ""
    for mot in texte.split(" "):
        if courante and len(courante) + 1 + len(mot) > largeur:
            lignes.append(courante)
            courante = mot
        else:
            courante = f"{courante} {mot}" if courante else mot
    lignes.append(courante)
    return lignes


def configuration(taille: int = TAILLE_TEXTE) -> dict:
    """Vega-Lite's ``config``: French numbers, the app's font, ``taille`` px type (larger in a deck)."""
    return {
        "locale": LOCALE_FR,
        "font": POLICE,
        "background": FOND,
        "view": {"stroke": None},
        "axis": {
            "labelFontSize": taille,
            "titleFontSize": taille,
            "titleFontWeight": "normal",
            "gridColor": "#e5e5e5",
            "labelLimit": 20 * taille,
            "labelColor": "#1a1a1a",
            "titleColor": "#1a1a1a",
            # Vega describes an axis in English (« X-axis titled… »): the sentence under the chart
            # and the values table say it in French.
            "aria": False,
        },
        "legend": {
            "labelFontSize": taille,
            "labelColor": "#1a1a1a",
            "orient": "top",
            "labelLimit": 26 * taille,
            "columns": 2,
        },
        "title": {
            "anchor": "start",
            "fontSize": taille + 4,
            "subtitleFontSize": taille,
            "subtitleColor": "#4a4a4a",
            "color": "#1a1a1a",
            "offset": 10,
        },
        # A bar's figure is in its description already: its text is not read a second time.
        "text": {"fontSize": taille, "color": "#1a1a1a", "aria": False},
        "concat": {"spacing": 2 * taille},
    }


def texte_source(fig: dict) -> str:
    """The source and years line of a chart, as shown under its title."""
    return " ".join(fig.get("title", {}).get("subtitle") or [])


# Characters to a line of a subtitle: Streamlit cuts a title's lines at the chart's width less
# 40 px, about 50 characters on a phone (390 px).
LARGEUR_LIGNE = 50


# Room above the title for Streamlit's toolbar, drawn over the top 30 px of a chart (touched, on
# a phone).
MARGES = {"top": 32, "left": 5, "right": 5, "bottom": 5}


def _titre(titre: str) -> str | list[str]:
    """The title on lines a phone holds (Streamlit cuts a longer line with « … »)."""
    lignes = _couper(titre, 40)
    return lignes[0] if len(lignes) == 1 else lignes


def _texte_titre(fig: dict) -> str:
    texte = fig.get("title", {}).get("text") or ""
    return " ".join(texte) if isinstance(texte, list) else str(texte)


def legende_source(
    fig: dict, source: str, annees: str, remarque: str | None = None, largeur: int = LARGEUR_LIGNE
) -> dict:
    """Write source and years under the title (never over the axes) and in ``usermeta``.

    ``largeur``: characters to a line.
    """
    lignes = _couper(f"Source : {source}", largeur) + _couper(f"Années : {annees}", largeur)
    if remarque:
        for morceau in remarque.split("\n"):
            lignes += _couper(morceau, largeur)
    fig["title"] = {**fig.get("title", {}), "subtitle": lignes}
    fig["usermeta"] = {
        **fig.get("usermeta", {}),
        "source": source,
        "annees": annees,
        **({"remarque": remarque} if remarque else {}),
    }
    return fig


def _clic(*champs: str, nom: str = CLIC) -> list[dict]:
    """A click on a bar selects it (Streamlit reruns the page with its ``champs``)."""
    return [{"name": nom, "select": {"type": "point", "fields": list(champs)}}]


def _graphique(
    titre: str,
    lignes: list[dict],
    corps: dict,
    categorie: tuple[str, str],
    series: dict[str, dict],
    clic: tuple[str, ...] = ("cle",),
) -> dict:
    """A chart's specification: its rows, what a bar stands for and what each series counts.

    ``series``: per series name, its ``unite`` and whether a sum of it means something
    (``additionner``, False for a ratio or a share): the text alternative reads them.
    """
    return {
        "$schema": SCHEMA,
        "title": {"text": _titre(titre)},
        "padding": MARGES,
        "data": {"values": lignes},
        # The width of the page, the height the bars need (Streamlit's theme fits both to a box).
        "autosize": {"type": "pad" if "vconcat" in corps else "fit-x", "contains": "padding"},
        # Panels take the page's width each (Streamlit sets it): no margin beside them.
        **({"padding": {**MARGES, "left": 0, "right": 0}} if "vconcat" in corps else {}),
        **corps,
        "config": configuration(),
        "usermeta": {
            "categorie": list(categorie),
            "series": series,
            "clic": list(clic),
            # SVG: its text is in the page (read by the browser tests, found by the browser's search).
            "embedOptions": {"renderer": "svg"},
        },
    }


def _ligne(
    categorie: object,
    serie: str,
    valeur: float | None,
    etiquette: str | None = None,
    cle: object = None,
    hachure: bool = False,
    note: str | None = None,
    **autres,
) -> dict:
    """One bar: an unknown ``valeur`` is drawn as a bar of no length written « inconnu », never 0."""
    inconnu = valeur is None or pd.isna(valeur)
    return {
        "categorie": str(categorie),
        "serie": serie,
        "valeur": None if inconnu else float(valeur),
        "position": 0.0 if inconnu else float(valeur),
        "etiquette": "inconnu" if inconnu else etiquette,
        "cle": str(categorie) if cle is None else cle,
        # What a screen reader says of the bar (Vega's own words name the fields: « position: 19 »).
        "lecture": f"{categorie}, {serie} : {'inconnu' if inconnu else etiquette or nombre_fr(valeur, 1)}",
        "hachure": bool(hachure),
        "note": note,
        **autres,
    }


def _infobulle(titre_categorie: str) -> list[dict]:
    return [
        {"field": "categorie", "type": "nominal", "title": titre_categorie},
        {"field": "serie", "type": "nominal", "title": "Série"},
        {"field": "etiquette", "type": "nominal", "title": "Valeur"},
    ]


def _couleurs(series: list[str], couleurs: list[str]) -> dict:
    return {
        "field": "serie",
        "type": "nominal",
        "sort": series,
        "scale": {"domain": series, "range": couleurs},
        # Squares large enough for their colour to show inside the dark outline of the bars.
        "legend": {"title": None, "symbolType": "square", "symbolSize": 220},
    }


def _barre() -> dict:
    return {"type": "bar", "stroke": CONTOUR, "strokeWidth": 1}


def _vide(titre: str, message: str, source: str, annees: str, remarque: str | None = None) -> dict:
    fig = {
        "$schema": SCHEMA,
        "title": {"text": _titre(titre)},
        "padding": MARGES,
        "data": {
            "values": [
                {"message": message, "lignes": "\n".join(_couper(message, LARGEUR_LIGNE)), "cle": None}
            ]
        },
        "height": 80,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "params": _clic("cle"),
        # From the left edge, on lines a phone holds (centred, a long one ran off both sides).
        "mark": {
            "type": "text",
            "fontSize": TAILLE_TEXTE + 2,
            "align": "left",
            "baseline": "top",
            "lineBreak": "\n",
        },
        "encoding": {"text": {"field": "lignes"}, "x": {"value": 0}, "y": {"value": 8}},
        "config": configuration(),
        "usermeta": {"vide": message, "clic": ["cle"], "embedOptions": {"renderer": "svg"}},
    }
    return legende_source(fig, source, annees, remarque)


def _horizontal(
    valeurs: dict,
    titre_axe: str,
    couleur: dict,
    titre_categorie: str,
    etiquettes: bool = True,
    maximum: float | None = None,
    euros: bool = False,
) -> dict:
    """Horizontal bars, one row per category in the order of the rows (top to bottom)."""
    axe = {"title": titre_axe}
    if euros and maximum:
        positions, _textes = graduations_euros(maximum)
        axe.update(values=positions, labelExpr=EXPRESSION_EUROS)
    echelle = {"domain": [0, maximum * 1.35]} if maximum else {}
    y = {"field": "categorie", "type": "nominal", "sort": None, "title": None}
    couches = [
        {
            "mark": _barre(),
            "params": _clic("cle"),
            "encoding": {
                "y": y,
                "x": {"field": "position", "type": "quantitative", "axis": axe, "scale": echelle, **valeurs},
                "color": couleur,
                **HACHURE,
                "description": {"field": "lecture"},
                "tooltip": _infobulle(titre_categorie),
            },
        }
    ]
    if etiquettes:
        couches.append(
            {
                "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4},
                "encoding": {
                    "y": y,
                    "x": {"field": "position", "type": "quantitative", **valeurs},
                    "text": {"field": "etiquette"},
                },
            }
        )
    return {"height": {"step": 34}, "layer": couches}


def emplois_empiles(
    lignes: pd.DataFrame, par: str, titre: str, source: str, annees: str, remarque: str | None = None
) -> dict:
    """Jobs created per ``par`` (``projet`` or ``territoire``), stacked by kind of job, largest on top.

    ``lignes`` has columns ``par``, ``nature``, ``nombre``. ``remarque`` says what is left out
    (projects without a figure), under the chart and in its place when no figure is known.
    """
    if lignes.empty:
        return _vide(
            titre, "Aucun chiffre d'emplois saisi pour cette sélection : inconnu.", source, annees, remarque
        )
    tableau = lignes.pivot_table(index=par, columns="nature", values="nombre", aggfunc="sum", fill_value=0)
    tableau = tableau.reindex(columns=[n for n in COULEURS_NATURE if n in tableau.columns])
    totaux = tableau.sum(axis=1).sort_values(ascending=False, kind="stable")
    tableau = tableau.loc[totaux.index]
    rangees = [
        _ligne(
            categorie,
            LIBELLES_NATURE[nature],
            int(tableau.at[categorie, nature]),
            etiquette=nombre_fr(int(tableau.at[categorie, nature])),
            cle=categorie,
            rang=rang,
            total=int(totaux[categorie]),
            texte_total=nombre_fr(int(totaux[categorie])),
        )
        for rang, nature in enumerate(tableau.columns)
        for categorie in tableau.index
    ]
    series = [LIBELLES_NATURE[n] for n in tableau.columns]
    y = {"field": "categorie", "type": "nominal", "sort": None, "title": None}
    corps = {
        "height": {"step": 34},
        "layer": [
            {
                "mark": _barre(),
                "params": _clic("cle"),
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "position",
                        "type": "quantitative",
                        "stack": "zero",
                        "title": "Emplois créés",
                        "axis": {"format": ",d", "tickMinStep": 1},
                        # Room on the right for the total written after the longest bar.
                        "scale": {"domain": [0, float(totaux.max()) * 1.2]},
                    },
                    "color": _couleurs(series, [COULEURS_NATURE[n] for n in tableau.columns]),
                    "order": {"field": "rang"},
                    "description": {"field": "lecture"},
                    "tooltip": _infobulle(par.capitalize()),
                },
            },
            {
                # The total after each bar, once (from the first kind's rows).
                "transform": [{"filter": "datum.rang == 0"}],
                "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4},
                "encoding": {
                    "y": y,
                    "x": {"field": "total", "type": "quantitative"},
                    "text": {"field": "texte_total"},
                },
            },
        ],
    }
    fig = _graphique(
        titre, rangees, corps, (par, f"{par}s"), {s: {"unite": "emploi", "additionner": True} for s in series}
    )
    return legende_source(fig, source, annees, remarque)


def _empiles_par_annee(series: list[str], couleurs: list[str], titre_axe: str, maximum: float) -> dict:
    """Vertical bars per year, stacked by series; the money axis in k€ / M€."""
    positions, _textes = graduations_euros(maximum) if maximum > 0 else ([0.0], ["0"])
    return {
        "height": 320,
        "params": _clic("annee", "groupe"),
        "mark": _barre(),
        "encoding": {
            "x": {
                "field": "categorie",
                "type": "nominal",
                "sort": None,
                "title": None,
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "position",
                "type": "quantitative",
                "stack": "zero",
                "title": titre_axe,
                "axis": {"values": positions, "labelExpr": EXPRESSION_EUROS},
            },
            "color": _couleurs(series, couleurs),
            "order": {"field": "rang"},
            **HACHURE,
            "description": {"field": "lecture"},
            "tooltip": _infobulle("Année"),
        },
    }


def financements_par_annee(
    lignes: pd.DataFrame, titre: str, source: str, annees: str, remarque: str | None = None
) -> dict:
    """Funding per year, stacked by programme; non-comparable amounts dashed, lighter and named.

    ``lignes``: ``annee`` (text: « 2021 », « 2018–2019 », « année inconnue »),
    ``dispositif``, ``montant_eur``, ``comparable`` (bool). A click selects ``[annee, dispositif]``.
    """
    if lignes.empty or lignes.montant_eur.dropna().empty:
        return _vide(titre, "Aucun financement connu pour cette sélection.", source, annees)
    lignes = lignes.dropna(subset=["montant_eur"])
    ordre_annees = sorted(lignes.annee.unique(), key=lambda a: (not a[:4].isdigit(), a))
    dispositifs = lignes.groupby("dispositif").montant_eur.sum().sort_values(ascending=False).index
    rangees, series, couleurs = [], [], []
    for rang, dispositif in enumerate(dispositifs):
        groupe = lignes[lignes.dispositif == dispositif]
        for comparable in (True, False):
            partie = groupe[groupe.comparable.astype(bool) == comparable]
            if partie.empty:
                continue
            serie = dispositif if comparable else f"{dispositif} (forfait, non comparable)"
            series.append(serie)
            couleurs.append(PALETTE[rang % len(PALETTE)])
            sommes = partie.groupby("annee").montant_eur.sum()
            rangees += [
                _ligne(
                    annee,
                    serie,
                    round(float(sommes[annee]), 2),
                    etiquette=f"{nombre_fr(sommes[annee])} €",
                    cle=annee,
                    hachure=not comparable,
                    annee=annee,
                    groupe=dispositif,
                    rang=len(series),
                )
                for annee in ordre_annees
                if annee in sommes.index
            ]
    # Rows year by year: the axis reads the years in the order of their first row.
    rangees.sort(key=lambda r: ordre_annees.index(r["categorie"]))
    maximum = float(lignes.groupby("annee").montant_eur.sum().max())
    fig = _graphique(
        titre,
        rangees,
        _empiles_par_annee(series, couleurs, "Montant (€)", maximum),
        ("année", "années"),
        {s: {"unite": "€", "additionner": True} for s in series},
        clic=("annee", "groupe"),
    )
    return legende_source(fig, source, annees, remarque)


def financements_par_dispositif(
    lignes: pd.DataFrame, par: str, titre: str, source: str, annees: str, remarque: str | None = None
) -> dict:
    """Funding per funder or programme (``par``), largest first; unknown amounts counted aside."""
    connus = lignes.dropna(subset=["montant_eur"])
    if connus.empty:
        return _vide(titre, "Aucun montant connu pour cette sélection.", source, annees)
    sommes = connus.assign(cle=connus[par].fillna("non précisé")).groupby("cle").montant_eur.sum()
    sommes = sommes.sort_values(ascending=False, kind="stable")
    serie = "Montant (€)"
    rangees = [
        _ligne(nom, serie, round(float(v), 2), etiquette=f"{nombre_fr(v)} €", cle=nom)
        for nom, v in sommes.items()
    ]
    inconnus = int(lignes.montant_eur.isna().sum())
    if inconnus:
        remarque = ((remarque + "\n") if remarque else "") + (
            f"{inconnus} financement{'s' if inconnus > 1 else ''} au montant inconnu, non compté"
            f"{'s' if inconnus > 1 else ''}."
        )
    corps = _horizontal(
        {},
        "Montant (€)",
        {"value": PALETTE[0]},
        par.capitalize(),
        maximum=float(sommes.max()),
        euros=True,
    )
    fig = _graphique(titre, rangees, corps, (par, f"{par}s"), {serie: {"unite": "€", "additionner": True}})
    return legende_source(fig, source, annees, remarque)


def ratio_emplois_financements(table: pd.DataFrame) -> pd.DataFrame:
    """Jobs per 100 k€ for each row of ``table`` (``nom, emplois, financement_eur, complet``).

    The ratio is empty when either side is unknown or zero; ``complet`` is False
    when some funding amount of the row is unknown (the ratio then overstates).

    >>> t = pd.DataFrame({"nom": ["A", "B"], "emplois": [42, 5], "financement_eur": [120000.0, None],
    ...                   "complet": [False, True]})
    >>> ratio_emplois_financements(t).emplois_pour_100k.tolist()
    [35.0, nan]
    """
    table = table.copy()
    valides = table.financement_eur.fillna(0).gt(0) & table.emplois.fillna(0).gt(0)
    table["emplois_pour_100k"] = (100_000 * table.emplois / table.financement_eur).where(valides).round(1)
    return table


NOTE_INCOMPLET = "incomplet : au moins un montant inconnu, valeur surestimée"


def emplois_pour_100k(table: pd.DataFrame, titre: str, source: str, annees: str) -> dict:
    """Jobs per 100 k€ where both are known, highest first; incomplete ones dashed and labelled."""
    table = ratio_emplois_financements(table).dropna(subset=["emplois_pour_100k"])
    if table.empty:
        return _vide(
            titre,
            "Aucun territoire ou PTCE n'a à la fois des emplois et des montants connus.",
            source,
            annees,
        )
    table = table.sort_values("emplois_pour_100k", ascending=False, kind="stable")
    serie = "Emplois pour 100 000 €"
    rangees = [
        _ligne(
            nom,
            serie,
            valeur,
            etiquette=nombre_fr(valeur, 1) + ("" if complet else " (incomplet)"),
            cle=nom,
            hachure=not complet,
            note=None if complet else NOTE_INCOMPLET,
            complet="complet" if complet else "incomplet",
        )
        for nom, valeur, complet in zip(
            table.nom, table.emplois_pour_100k, table.complet.astype(bool), strict=True
        )
    ]
    couleur = {
        "field": "complet",
        "type": "nominal",
        "scale": {"domain": ["complet", "incomplet"], "range": [PALETTE[2], PALETTE[5]]},
        "legend": None,
    }
    # The label outside the bar (a label over a dashed bar would be unreadable), room on the right.
    corps = _horizontal(
        {},
        "Emplois créés pour 100 000 € reçus",
        couleur,
        "Projet ou PTCE",
        maximum=float(table.emplois_pour_100k.max()),
    )
    fig = _graphique(
        titre,
        rangees,
        corps,
        ("projet ou PTCE", "projets ou PTCE"),
        {serie: {"unite": "emploi pour 100 000 €", "additionner": False}},
    )
    remarque = None
    if not table.complet.astype(bool).all():
        remarque = (
            "Pointillés « incomplet » : au moins un financement au montant inconnu ; le ratio est surestimé."
        )
    return legende_source(fig, source, annees, remarque)


def pipeline(projets: pd.DataFrame, titre: str, source: str) -> dict:
    """Projects per stage, in the six stages' order (and « étape inconnue », dashed and grey)."""
    etapes = projets.etape.fillna(ETAPE_INCONNUE)
    ordre = [*ETAPES_PROJET, ETAPE_INCONNUE]
    comptes = etapes.value_counts().reindex(ordre, fill_value=0)
    if ETAPE_INCONNUE in comptes.index and comptes[ETAPE_INCONNUE] == 0:
        comptes = comptes.drop(ETAPE_INCONNUE)
    serie = "Projets"
    rangees = []
    for i, etape in enumerate(comptes.index):
        noms = sorted(projets.loc[etapes == etape, "projet"])
        connue = etape in ETAPES_PROJET
        rangees.append(
            _ligne(
                f"{i + 1}. {etape}" if connue else etape,
                serie,
                int(comptes[etape]),
                etiquette=str(int(comptes[etape])),
                cle=etape,
                hachure=not connue,
                projets=", ".join(noms[:12]) or "aucun projet",
                connue="connue" if connue else "inconnue",
            )
        )
    # Whole projects only: never "1, 1, 2, 2" from rounded half steps.
    pas = max(1, math.ceil(int(comptes.max()) / 8))
    graduations = list(range(0, int(comptes.max()) + pas + 1, pas))
    x = {"field": "categorie", "type": "nominal", "sort": None, "title": None, "axis": {"labelAngle": -30}}
    corps = {
        "height": 300,
        "layer": [
            {
                "mark": _barre(),
                "params": _clic("cle"),
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "position",
                        "type": "quantitative",
                        "title": "Projets",
                        "axis": {"values": graduations, "format": "d"},
                        "scale": {"domain": [0, graduations[-1]]},
                    },
                    "color": {
                        "field": "connue",
                        "type": "nominal",
                        "scale": {"domain": ["connue", "inconnue"], "range": [PALETTE[0], "#bbbbbb"]},
                        "legend": None,
                    },
                    **HACHURE,
                    "description": {"field": "lecture"},
                    "tooltip": [
                        {"field": "categorie", "type": "nominal", "title": "Étape"},
                        {"field": "etiquette", "type": "nominal", "title": "Projets"},
                        {"field": "projets", "type": "nominal", "title": "Lesquels"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "baseline": "bottom", "dy": -3},
                "encoding": {
                    "x": x,
                    "y": {"field": "position", "type": "quantitative"},
                    "text": {"field": "etiquette"},
                },
            },
        ],
    }
    fig = _graphique(
        titre, rangees, corps, ("étape", "étapes"), {serie: {"unite": "projet", "additionner": True}}
    )
    return legende_source(fig, source, "état actuel des projets saisis")


_ABREVIATIONS = (
    ("Communauté d'agglomération ", "CA "),
    ("Communauté de communes ", "CC "),
    ("Communauté urbaine ", "CU "),
)


def nom_court(nom: str) -> str:
    """A territory name short enough for an axis label.

    >>> nom_court("Communauté d'agglomération de la Porte du Hainaut")
    'CA de la Porte du Hainaut'
    """
    for long, court in _ABREVIATIONS:
        if nom.startswith(long):
            return court + nom[len(long) :]
    return nom


# A panel's row: the territory's name above its bar, not beside it, so that the bars and titles
# keep the chart's whole width (a phone's 390 px left about 60 px of bars beside the names).
PAS_PANNEAU = 46
_EPAISSEUR_BARRE = 16


def _panneaux(panneaux: list[tuple[str, str | list[str], str, float]]) -> dict:
    """One panel per series, one under the other: ``(serie, titre, couleur, maximum)`` each."""
    y = {"field": "categorie", "type": "nominal", "sort": None, "axis": None}
    vues = []
    for rang, (serie, titre, couleur, maximum) in enumerate(panneaux, start=1):
        decalage = {"yOffset": _EPAISSEUR_BARRE / 2 + 1}
        vues.append(
            {
                "title": {"text": titre, "fontSize": TAILLE_TEXTE + 1},
                "transform": [{"filter": {"field": "serie", "equal": serie}}],
                "height": {"step": PAS_PANNEAU},
                "layer": [
                    {
                        "mark": {**_barre(), "color": couleur, "height": _EPAISSEUR_BARRE, **decalage},
                        "params": _clic("cle", nom=f"{CLIC}_{rang}"),
                        "encoding": {
                            "y": y,
                            "x": {
                                "field": "position",
                                "type": "quantitative",
                                "axis": None,
                                # Room on the right for the text written after the longest bar.
                                "scale": {"domain": [0, 1.45 * maximum if maximum > 0 else 1]},
                            },
                            "description": {"field": "lecture"},
                            "tooltip": _infobulle("Territoire"),
                        },
                    },
                    {
                        "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4, **decalage},
                        "encoding": {
                            "y": y,
                            "x": {"field": "position", "type": "quantitative"},
                            "text": {"field": "etiquette"},
                        },
                    },
                    {
                        "mark": {"type": "text", "align": "left", "baseline": "top", "dy": 2},
                        "encoding": {
                            "y": {**y, "bandPosition": 0},
                            "x": {"datum": 0},
                            "text": {"field": "categorie"},
                        },
                    },
                ],
            }
        )
    return {"vconcat": vues}


def territoires_cote_a_cote(table: pd.DataFrame, titre: str, source: str, annees: str) -> dict:
    """The seed territories compared: jobs created, funding received, ESS share of jobs.

    ``table``: ``nom, emplois, financement_eur, part_ess_pct`` (empty where unknown). One
    indicator under the other, each the chart's whole width: three panels side by side left a
    phone (390 px) about 60 px of bars each, their figures cut.
    """
    indicateurs = (
        ("emplois", PALETTE[0], nombre_fr, "Emplois créés (saisis)", "emploi"),
        ("financement_eur", PALETTE[1], lambda v: f"{nombre_fr(v / 1000)} k€", "Financements reçus (€)", "€"),
        (
            "part_ess_pct",
            PALETTE[2],
            lambda v: f"{nombre_fr(v, 1)} %",
            "Part de l'ESS dans l'emploi salarié (%)",
            "%",
        ),
    )
    rangees, panneaux, series = [], [], {}
    for champ, couleur, format_texte, libelle, unite in indicateurs:
        valeurs = pd.to_numeric(table[champ], errors="coerce")
        rangees += [
            _ligne(nom_court(nom), libelle, v, etiquette=None if pd.isna(v) else format_texte(v), cle=nom)
            for nom, v in zip(table.nom, valeurs, strict=True)
        ]
        maximum = float(valeurs.max()) if valeurs.notna().any() else 0.0
        panneaux.append((libelle, libelle, couleur, maximum))
        series[libelle] = {"unite": unite, "additionner": unite != "%"}
    fig = _graphique(titre, rangees, _panneaux(panneaux), ("territoire", "territoires"), series)
    return legende_source(fig, source, annees)


def graduations_euros(maximum: float, nombre: int = 4) -> tuple[list[float], list[str]]:
    """Round tick values up to ``maximum`` and their French labels (« 500 k€ », « 1,5 M€ »), never « 10M ».

    The chart writes the labels itself (:data:`EXPRESSION_EUROS`, the same words).

    >>> graduations_euros(12_000_000)
    ([0.0, 5000000.0, 10000000.0], ['0', '5 M€', '10 M€'])
    """
    brut = maximum / max(1, nombre)
    puissance = 10 ** math.floor(math.log10(brut)) if brut > 0 else 1
    pas = next(m * puissance for m in (1, 2, 2.5, 5, 10) if m * puissance >= brut)
    positions = [i * pas for i in range(int(maximum // pas) + 1)]

    def texte(valeur: float) -> str:
        if valeur == 0:
            return "0"
        if valeur >= 1_000_000:
            return f"{nombre_fr(valeur / 1_000_000, 0 if valeur % 1_000_000 == 0 else 1)} M€"
        if valeur >= 1_000:
            return f"{nombre_fr(valeur / 1_000, 0 if valeur % 1_000 == 0 else 1)} k€"
        return f"{nombre_fr(valeur)} €"

    return [float(p) for p in positions], [texte(p) for p in positions]


def agrandir(fig: dict, taille: int, hauteur: int) -> dict:
    """A copy of ``fig`` in ``taille`` px type, about ``hauteur`` px tall (a meeting's deck).

    The chart given is left alone: the page's charts are cached and shared between sessions.
    """
    grande = copy.deepcopy(fig)
    grande["config"] = configuration(taille)
    rapport = taille / TAILLE_TEXTE

    def etirer(vue: dict) -> None:
        if isinstance(vue.get("height"), dict) and "step" in vue["height"]:
            vue["height"] = {"step": round(vue["height"]["step"] * rapport)}
        elif "height" in vue:
            vue["height"] = hauteur
        for couche in vue.get("layer", []):
            if isinstance(couche.get("mark"), dict) and couche["mark"].get("type") == "text":
                couche["mark"] = {**couche["mark"], "fontSize": taille}
        for sous_vue in vue.get("vconcat", []):
            etirer(sous_vue)

    etirer(grande)
    return grande


def subventions_par_annee(
    table: pd.DataFrame, titre: str, source: str, annees: str, remarque: str | None = None
) -> dict:
    """Subsidies granted per year, stacked by group (kind of aid, grantor, family…).

    ``table``: ``annee`` (int), ``groupe``, ``montant_eur``, ``conventions`` (see
    :func:`geo.donnees.subventions.par_annee`). A click selects ``[annee, groupe]``.
    """
    if table.empty:
        return _vide(titre, "Aucune subvention publiée connue pour cette sélection.", source, annees)
    groupes = list(table.groupby("groupe").montant_eur.sum().sort_values(ascending=False).index)
    rangees = []
    for _, ligne in table.sort_values("annee", kind="stable").iterrows():
        conventions = "" if pd.isna(ligne.conventions) else f" · {int(ligne.conventions)} conv."
        rangees.append(
            _ligne(
                str(ligne.annee),
                ligne.groupe,
                None if pd.isna(ligne.montant_eur) else round(float(ligne.montant_eur), 2),
                etiquette=f"{nombre_fr(ligne.montant_eur)} €{conventions}",
                cle=str(ligne.annee),
                annee=int(ligne.annee),
                groupe=ligne.groupe,
                rang=groupes.index(ligne.groupe),
            )
        )
    maximum = float(table.groupby("annee").montant_eur.sum().max())
    fig = _graphique(
        titre,
        rangees,
        _empiles_par_annee(
            groupes,
            [PALETTE[i % len(PALETTE)] for i in range(len(groupes))],
            "Montant accordé (€)",
            maximum,
        ),
        ("année", "années"),
        {g: {"unite": "€", "additionner": True} for g in groupes},
        clic=("annee", "groupe"),
    )
    return legende_source(fig, source, annees, remarque)


def valeur_cliquee(fig: dict, evenement: object) -> object | None:
    """What the bar clicked stands for (``usermeta["clic"]``: one value, or a list of them), if any.

    ``evenement``: what ``st.vega_lite_chart(on_select="rerun")`` returns, whose ``selection``
    holds, per selection name, the rows' selected fields (``[{"cle": "Réaliss"}]``).
    """
    if not evenement:
        return None
    champs = (fig.get("usermeta") or {}).get("clic") or ["cle"]
    for nom, points in sorted((evenement.get("selection") or {}).items()):
        if nom.startswith(CLIC) and isinstance(points, list) and points:
            valeurs = [points[0].get(champ) for champ in champs]
            return valeurs[0] if len(valeurs) == 1 else valeurs
    return None


# Text alternative (RGAA 4.1, WCAG 2.1 AA 1.1.1) -------------------------------------------------
#
# A chart drawn in SVG reads, to a screen reader, as its ticks and labels one after the other.
# Each chart therefore has a sentence and a table, both read from the chart's own rows (what is
# drawn, never recomputed from the data beside it), so that they cannot disagree with the picture.
# The chart functions name what a bar stands for (``usermeta["categorie"]``: singular and plural)
# and what each series counts (``usermeta["series"]``: ``unite``, and ``additionner`` False where
# a sum means nothing, as for a ratio or a share).


def _valeur_lisible(valeur: float | None, unite: str) -> str:
    if valeur is None:
        return "inconnu"
    if unite == "€":
        return f"{nombre_fr(valeur)} €"
    if unite == "%":
        return f"{nombre_fr(valeur, 1)} %"
    decimales = 0 if float(valeur).is_integer() else 1
    if not unite:
        return nombre_fr(valeur, decimales)
    if " " in unite:  # « emploi pour 100 000 € »: the first word agrees
        premier, reste = unite.split(" ", 1)
        return f"{nombre_fr(valeur, decimales)} {accorder(valeur, premier, avec_nombre=False)} {reste}"
    return accorder(valeur, unite)


def texte_alternatif(fig: dict, lieu: str | None = None) -> tuple[str, pd.DataFrame]:
    """One French sentence saying what ``fig`` shows, and the table of the values it draws.

    The table has one row per bar position (project, year, territory…), top to bottom or left
    to right as drawn, and one column per series (kind of job, programme…); a value the chart
    says is unknown (a bar written « inconnu ») is empty there, never 0, and « inconnu » in the
    sentence. ``lieu`` (the territory's name) is said after the title.
    """
    titre = _texte_titre(fig).strip() or "Graphique"
    entete = f"{titre}, {lieu}" if lieu else titre
    meta = fig.get("usermeta") or {}
    if "vide" in meta:  # an empty chart says why
        return f"{entete} : {meta['vide']}", pd.DataFrame()
    singulier, pluriel = meta.get("categorie") or ("élément", "éléments")
    reglages = meta.get("series") or {}
    # Series in the legend's order; a series with no bar here has no column.
    colonnes: dict[str, dict[str, float | None]] = {nom: {} for nom in reglages}
    notes: dict[str, str] = {}
    ordre: list[str] = []
    for rangee in fig["data"]["values"]:
        categorie = rangee["categorie"]
        if categorie not in ordre:
            ordre.append(categorie)
        colonnes.setdefault(rangee["serie"], {})[categorie] = rangee["valeur"]
        if rangee.get("note"):
            notes[categorie] = rangee["note"]
    colonnes = {nom: valeurs for nom, valeurs in colonnes.items() if valeurs}
    unites = {nom: reglages.get(nom, {}).get("unite", "") for nom in colonnes}
    additionner = {nom: reglages.get(nom, {}).get("additionner", True) for nom in colonnes}
    table = pd.DataFrame({libelle: [ligne.get(c) for c in ordre] for libelle, ligne in colonnes.items()})
    for libelle in colonnes:  # whole counts read « 22 », not « 22,0 »
        connues = table[libelle].dropna()
        if len(connues) and all(float(v).is_integer() for v in connues):
            table[libelle] = table[libelle].astype("Int64")
    table.insert(0, singulier[:1].upper() + singulier[1:], ordre)
    if notes:
        table["Remarque"] = [notes.get(c, "") for c in ordre]

    noms = list(colonnes)
    partage = len(noms) > 1 and len({unites[n] for n in noms}) == 1 and all(additionner.values())
    if len(noms) == 1 or partage:
        # One quantity (stacked or not): the total per bar, the sum and the largest.
        unite = unites[noms[0]]
        totaux = {}
        for categorie in ordre:
            connues = [colonnes[n].get(categorie) for n in noms if colonnes[n].get(categorie) is not None]
            totaux[categorie] = sum(connues) if connues else None
        connus = {c: v for c, v in totaux.items() if v is not None}
        morceaux = [accorder(len(ordre), singulier, pluriel)]
        if additionner[noms[0]] and connus:
            morceaux.append(f"{_valeur_lisible(sum(connus.values()), unite)} au total")
        if connus:
            plus_grand = max(connus, key=connus.get)
            mot = "le plus grand" if additionner[noms[0]] else "le plus élevé"
            incomplet = " (incomplet)" if plus_grand in notes else ""
            morceaux.append(f"{mot}, {plus_grand}, {_valeur_lisible(connus[plus_grand], unite)}{incomplet}")
        if notes:
            morceaux.append(f"incomplet pour {accorder(len(notes), singulier, pluriel)}")
        if len(connus) < len(ordre):
            morceaux.append(f"inconnu pour {accorder(len(ordre) - len(connus), singulier, pluriel)}")
        if len(noms) > 1:
            morceaux.append(f"répartis en {', '.join(noms)}")
        tete = morceaux.pop(0)
        if additionner[noms[0]] and connus:
            tete += ", " + morceaux.pop(0)
        phrase = f"{entete} : " + " ; ".join([tete, *morceaux])
    else:
        # Several quantities one under the other (panels): the largest of each, and its unknowns.
        morceaux = []
        for nom in noms:
            connus = {c: v for c, v in colonnes[nom].items() if v is not None}
            if connus:
                plus_grand = max(connus, key=connus.get)
                texte = (
                    f"{nom} : le plus élevé, {plus_grand}, {_valeur_lisible(connus[plus_grand], unites[nom])}"
                )
            else:
                texte = f"{nom} : inconnu partout"
            if connus and len(connus) < len(colonnes[nom]):
                inconnus = [c for c, v in colonnes[nom].items() if v is None]
                # Past three names a count reads better than a list.
                lesquels = (
                    ", ".join(inconnus) if len(inconnus) <= 3 else accorder(len(inconnus), singulier, pluriel)
                )
                texte += f", inconnu pour {lesquels}"
            morceaux.append(texte)
        phrase = f"{entete} : {accorder(len(ordre), singulier, pluriel)} ; " + " ; ".join(morceaux)
    return phrase.rstrip(".") + ".", table


# The comparator's chart: rates and per-inhabitant figures, which compare across sizes (the counts
# are in its table).
INDICATEURS_COMPARES = (
    "taux_chomage_pct",
    "part_communes_sans_commerce_pct",
    "structures_pour_10000",
    "part_ess_emploi_pct",
    "financements_par_habitant",
)


SOURCES_COMPARATEUR = "INSEE (recensement, BPE, Clap), registre des structures de l'ESS, ANCT (Ci.Ville)"


def comparateur(tableau: pd.DataFrame, indicateurs: list, titre: str = "Territoires comparés") -> dict:
    """One small bar chart per rate, one bar per territory, stacked so that a phone reads them.

    ``tableau``: :func:`geo.donnees.comparateur.tableau_long`; ``indicateurs``: its
    :class:`~geo.donnees.comparateur.Indicateur` list. An unknown is a bar of no length written
    « inconnu »; a value borrowed from a larger territory says « (département) » beside it.
    """
    retenus = [i for i in indicateurs if i.cle in INDICATEURS_COMPARES]
    territoires = list(dict.fromkeys(tableau.Territoire))
    rangees, panneaux, series = [], [], {}
    for rang, indicateur in enumerate(retenus):
        lignes = (
            tableau[tableau.Indicateur == indicateur.libelle].set_index("Territoire").reindex(territoires)
        )
        valeurs = [None if pd.isna(v) else float(v) for v in lignes.Valeur]
        empruntes = [e == "oui" for e in lignes["Emprunté à un territoire plus grand"]]
        for territoire, valeur, emprunte in zip(territoires, valeurs, empruntes, strict=True):
            texte = None
            if valeur is not None:
                chiffre = nombre_fr(valeur, indicateur.decimales)
                chiffre = f"{chiffre} {indicateur.unite}" if indicateur.unite else chiffre
                texte = chiffre + (" (département)" if emprunte else "")
            rangees.append(
                _ligne(nom_court(territoire), indicateur.libelle, valeur, etiquette=texte, cle=territoire)
            )
        connus = [v for v in valeurs if v is not None]
        panneaux.append(
            (
                indicateur.libelle,
                _couper(f"{indicateur.libelle}, {indicateur.millesime}", 48),
                PALETTE[rang % len(PALETTE)],
                max(connus) if connus else 0.0,
            )
        )
        # Euros per inhabitant read with their cents in the table, not « 1 € » rounded here.
        series[indicateur.libelle] = {"unite": "%" if indicateur.unite == "%" else "", "additionner": False}
    fig = _graphique(titre, rangees, _panneaux(panneaux), ("territoire", "territoires"), series)
    return legende_source(fig, SOURCES_COMPARATEUR, ", ".join(dict.fromkeys(i.millesime for i in retenus)))
