"""Plotly charts of jobs created and funding received (no Streamlit here).

Every figure says where its numbers come from and which years it covers, in an
annotation under the plot (``legende_source``) and in ``layout.meta`` (``source``,
``annees``) for the pages and the tests. Colours are Okabe–Ito (readable by
colour-blind readers); where colour would carry a meaning alone (a figure that
is incomplete or not comparable), a hatching pattern and a word say it too.

Bars carry ``customdata`` (the project, territory, year or funder they stand
for), so that a click on a bar can filter the page's table.
"""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from geo.base.store import ETAPE_INCONNUE, ETAPES_PROJET, LIBELLES_NATURE
from geo.outils.text import accorder, nombre_fr

COULEURS_NATURE = {"insertion": "#0072B2", "encadrement": "#E69F00", "autre": "#999999"}
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
MOTIF_INCOMPLET = "/"
POLICE = {"family": "DejaVu Sans, Arial, sans-serif"}


def texte_sur(valeur: object) -> str:
    """User-entered text for a chart: plotly reads HTML tags in labels, so ``<`` and ``&`` are escaped.

    >>> texte_sur("<a href=x>Pôle</a> & co")
    '&lt;a href=x&gt;Pôle&lt;/a&gt; &amp; co'
    """
    return html.escape(str(valeur), quote=False)


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


def _couper(texte: str, largeur: int = 95) -> str:
    """Break a long line at spaces for plotly (which never wraps text by itself)."""
    lignes, courante = [], ""
    for mot in texte.split(" "):
        if courante and len(courante) + 1 + len(mot) > largeur:
            lignes.append(courante)
            courante = mot
        else:
            courante = f"{courante} {mot}" if courante else mot
    lignes.append(courante)
    return "<br>".join(lignes)


def texte_source(fig: go.Figure) -> str:
    """The source and years line of a figure, as shown under its title."""
    return fig.layout.title.subtitle.text or ""


def legende_source(
    fig: go.Figure, source: str, annees: str, remarque: str | None = None, largeur: int = 95
) -> go.Figure:
    """Write source and years under the title (never over the axes) and in ``layout.meta``.

    ``largeur``: characters to a line (a chart made for a phone's width too takes fewer).
    """
    texte = _couper(f"Source : {source}", largeur) + "<br>" + _couper(f"Années : {annees}", largeur)
    if remarque:
        texte += "<br>" + _couper(remarque, largeur)
    lignes = texte.count("<br>") + 1
    titre = fig.layout.title.text or ""
    fig.update_layout(
        title={
            "text": titre,
            "subtitle": {"text": texte, "font": {"size": 12, "color": "#4a4a4a"}},
            "x": 0,
            "xanchor": "left",
            "y": 0.98,
            "yanchor": "top",
            "yref": "container",
        },
        meta={"source": source, "annees": annees, **({"remarque": remarque} if remarque else {})},
        margin={"t": 70 + 17 * lignes + 28, "b": 40, "l": 10, "r": 10},
        font=POLICE,
        plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0, "xanchor": "left"},
        separators=", ",  # French decimal comma; thousands shown with a (thin) space
    )
    hauteur = fig.layout.height or 380
    fig.update_layout(height=hauteur + 17 * lignes)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True, gridcolor="#e5e5e5")
    return fig


def _vide(titre: str, message: str, source: str, annees: str, remarque: str | None = None) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)
    fig.update_layout(title=titre, xaxis={"visible": False}, yaxis={"visible": False})
    return legende_source(fig, source, annees, remarque)


def emplois_empiles(
    lignes: pd.DataFrame, par: str, titre: str, source: str, annees: str, remarque: str | None = None
) -> go.Figure:
    """Jobs created per ``par`` (``projet`` or ``territoire``), stacked by kind of job.

    ``lignes`` has columns ``par``, ``nature``, ``nombre``. ``remarque`` says what is left out
    (projects without a figure), under the chart and in its place when no figure is known.
    """
    if lignes.empty:
        return _vide(
            titre, "Aucun chiffre d'emplois saisi pour cette sélection : inconnu.", source, annees, remarque
        )
    tableau = lignes.pivot_table(index=par, columns="nature", values="nombre", aggfunc="sum", fill_value=0)
    tableau = tableau.reindex(columns=[n for n in COULEURS_NATURE if n in tableau.columns])
    tableau = tableau.loc[tableau.sum(axis=1).sort_values().index]
    fig = go.Figure()
    for nature in tableau.columns:
        fig.add_bar(
            name=LIBELLES_NATURE[nature],
            y=[texte_sur(i) for i in tableau.index],
            x=tableau[nature].astype(int).tolist(),
            orientation="h",
            marker_color=COULEURS_NATURE[nature],
            customdata=list(tableau.index),
            hovertemplate="%{y}<br>" + LIBELLES_NATURE[nature] + " : %{x}<extra></extra>",
            meta={"unite": "emploi"},
        )
    totaux = tableau.sum(axis=1)
    fig.add_scatter(
        y=[texte_sur(i) for i in totaux.index],
        x=totaux.astype(int).tolist(),
        mode="text",
        text=[f"  {nombre_fr(int(t))}" for t in totaux],
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
        name="total",
    )
    fig.update_layout(
        barmode="stack",
        title=titre,
        xaxis_title="Emplois créés",
        height=max(260, 60 + 42 * len(tableau)),
    )
    return _decrire(legende_source(fig, source, annees, remarque), par, f"{par}s")


def financements_par_annee(
    lignes: pd.DataFrame, titre: str, source: str, annees: str, remarque: str | None = None
) -> go.Figure:
    """Funding per year, stacked by programme; non-comparable amounts hatched and named.

    ``lignes``: ``annee`` (text: « 2021 », « 2018–2019 », « année inconnue »),
    ``dispositif``, ``montant_eur``, ``comparable`` (bool).
    """
    if lignes.empty or lignes.montant_eur.dropna().empty:
        return _vide(titre, "Aucun financement connu pour cette sélection.", source, annees)
    lignes = lignes.dropna(subset=["montant_eur"])
    ordre_annees = sorted(lignes.annee.unique(), key=lambda a: (not a[:4].isdigit(), a))
    fig = go.Figure()
    dispositifs = lignes.groupby("dispositif").montant_eur.sum().sort_values(ascending=False).index
    for rang, dispositif in enumerate(dispositifs):
        groupe = lignes[lignes.dispositif == dispositif]
        for comparable in (True, False):
            partie = groupe[groupe.comparable.astype(bool) == comparable]
            if partie.empty:
                continue
            sommes = partie.groupby("annee").montant_eur.sum().reindex(ordre_annees)
            fig.add_bar(
                name=texte_sur(dispositif if comparable else f"{dispositif} (forfait, non comparable)"),
                x=ordre_annees,
                y=[None if pd.isna(v) else round(float(v), 2) for v in sommes],
                marker={
                    "color": PALETTE[rang % len(PALETTE)],
                    "pattern": {"shape": "" if comparable else MOTIF_INCOMPLET},
                },
                customdata=[[a, dispositif] for a in ordre_annees],
                hovertemplate="%{x} · "
                + texte_sur(dispositif).replace("%", "%%")
                + "<br>%{y:,.0f} €<extra></extra>",
                meta={"unite": "€"},
            )
    fig.update_layout(
        barmode="stack",
        title=titre,
        yaxis_title="Montant (€)",
        yaxis_tickformat=",.0f",
        xaxis={"type": "category"},
    )
    return _decrire(legende_source(fig, source, annees, remarque), "année", "années")


def financements_par_dispositif(
    lignes: pd.DataFrame, par: str, titre: str, source: str, annees: str, remarque: str | None = None
) -> go.Figure:
    """Funding per funder or programme (``par``), largest first; unknown amounts counted aside."""
    connus = lignes.dropna(subset=["montant_eur"])
    if connus.empty:
        return _vide(titre, "Aucun montant connu pour cette sélection.", source, annees)
    sommes = connus.assign(cle=connus[par].fillna("non précisé")).groupby("cle").montant_eur.sum()
    sommes = sommes.sort_values()
    fig = go.Figure(
        go.Bar(
            y=[texte_sur(i) for i in sommes.index],
            x=[round(float(v), 2) for v in sommes],
            orientation="h",
            marker_color=PALETTE[0],
            customdata=list(sommes.index),
            text=[f"{nombre_fr(v)} €" for v in sommes],
            textposition="auto",
            hovertemplate="%{y}<br>%{x:,.0f} €<extra></extra>",
            name="Montant (€)",
            meta={"unite": "€"},
        )
    )
    inconnus = int(lignes.montant_eur.isna().sum())
    if inconnus:
        remarque = ((remarque + "<br>") if remarque else "") + (
            f"{inconnus} financement{'s' if inconnus > 1 else ''} au montant inconnu, non compté"
            f"{'s' if inconnus > 1 else ''}."
        )
    fig.update_layout(
        title=titre,
        xaxis_title="Montant (€)",
        xaxis_tickformat=",.0f",
        height=max(260, 60 + 40 * len(sommes)),
    )
    return _decrire(legende_source(fig, source, annees, remarque), par, f"{par}s")


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


def emplois_pour_100k(table: pd.DataFrame, titre: str, source: str, annees: str) -> go.Figure:
    """Jobs per 100 k€ where both are known; incomplete ones hatched and labelled."""
    table = ratio_emplois_financements(table).dropna(subset=["emplois_pour_100k"])
    if table.empty:
        return _vide(
            titre,
            "Aucun territoire ou PTCE n'a à la fois des emplois et des montants connus.",
            source,
            annees,
        )
    table = table.sort_values("emplois_pour_100k")
    complets = table.complet.astype(bool)
    fig = go.Figure(
        go.Bar(
            y=table.nom.tolist(),
            x=table.emplois_pour_100k.tolist(),
            orientation="h",
            marker={
                "color": [PALETTE[2] if c else PALETTE[5] for c in complets],
                "pattern": {"shape": ["" if c else MOTIF_INCOMPLET for c in complets]},
            },
            text=[
                f"{nombre_fr(v, 1)}" + ("" if c else " (incomplet)")
                for v, c in zip(table.emplois_pour_100k, complets, strict=True)
            ],
            # Outside the bar: a label over hatching would be unreadable.
            textposition="outside",
            cliponaxis=False,
            customdata=table.nom.tolist(),
            hovertemplate="%{y}<br>%{x} emplois pour 100 000 €<extra></extra>",
            name="Emplois pour 100 000 €",
            meta={"unite": "emploi pour 100 000 €", "additionner": False},
        )
    )
    fig.update_layout(
        title=titre, xaxis_title="Emplois créés pour 100 000 € reçus", height=max(240, 80 + 44 * len(table))
    )
    # Room on the right for the label written outside the longest bar.
    fig.update_xaxes(range=[0, float(table.emplois_pour_100k.max()) * 1.4])
    remarque = None
    if not complets.all():
        remarque = (
            "Hachuré « incomplet » : au moins un financement au montant inconnu ; le ratio est surestimé."
        )
    return _decrire(legende_source(fig, source, annees, remarque), "projet ou PTCE", "projets ou PTCE")


def pipeline(projets: pd.DataFrame, titre: str, source: str) -> go.Figure:
    """Projects per stage, in the six stages' order (and « étape inconnue »)."""
    etapes = projets.etape.fillna(ETAPE_INCONNUE)
    ordre = [*ETAPES_PROJET, ETAPE_INCONNUE]
    comptes = etapes.value_counts().reindex(ordre, fill_value=0)
    if ETAPE_INCONNUE in comptes.index and comptes[ETAPE_INCONNUE] == 0:
        comptes = comptes.drop(ETAPE_INCONNUE)
    noms = {e: sorted(projets.loc[etapes == e, "projet"]) for e in comptes.index}
    fig = go.Figure(
        go.Bar(
            x=[f"{i + 1}. {e}" if e in ETAPES_PROJET else e for i, e in enumerate(comptes.index)],
            y=comptes.astype(int).tolist(),
            marker={
                "color": [PALETTE[0] if e in ETAPES_PROJET else "#bbbbbb" for e in comptes.index],
                "pattern": {"shape": ["" if e in ETAPES_PROJET else "." for e in comptes.index]},
            },
            customdata=list(comptes.index),
            text=comptes.astype(int).tolist(),
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                "<br>".join(texte_sur(n) for n in noms[e][:12]) or "aucun projet" for e in comptes.index
            ],
            hovertemplate="%{x} : %{y} projets<br>%{hovertext}<extra></extra>",
            name="Projets",
            meta={"unite": "projet"},
        )
    )
    fig.update_layout(
        title=titre,
        yaxis_title="Projets",
        xaxis={"type": "category"},
        # Whole projects only: never "1, 1, 2, 2" from rounded half steps.
        yaxis={"tickformat": "d", "rangemode": "tozero", "dtick": max(1, math.ceil(int(comptes.max()) / 8))},
    )
    return _decrire(legende_source(fig, source, "état actuel des projets saisis"), "étape", "étapes")


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


def territoires_cote_a_cote(table: pd.DataFrame, titre: str, source: str, annees: str) -> go.Figure:
    """The seed territories compared: jobs created, funding received, ESS share of jobs.

    ``table``: ``nom, emplois, financement_eur, part_ess_pct`` (empty where unknown). One
    indicator under the other, each the chart's whole width: three panels side by side left a
    phone (390 px) about 60 px of bars each, their figures cut.
    """
    fig = make_subplots(
        rows=3,
        cols=1,
        subplot_titles=(
            "Emplois créés (saisis)",
            "Financements reçus",
            "Part de l'ESS (emploi salarié)",
        ),
        vertical_spacing=0.07,
    )
    # On two lines past 22 characters: the names leave the bars half of a phone's width.
    noms = [_couper(nom_court(n), 22) for n in table.nom]
    for rang, (champ, couleur, format_texte, libelle, unite) in enumerate(
        (
            ("emplois", PALETTE[0], lambda v: nombre_fr(v), "Emplois créés (saisis)", "emploi"),
            (
                "financement_eur",
                PALETTE[1],
                lambda v: f"{nombre_fr(v / 1000)} k€",
                "Financements reçus (€)",
                "€",
            ),
            (
                "part_ess_pct",
                PALETTE[2],
                lambda v: f"{nombre_fr(v, 1)} %",
                "Part de l'ESS dans l'emploi salarié (%)",
                "%",
            ),
        ),
        start=1,
    ):
        valeurs = [None if pd.isna(v) else float(v) for v in table[champ]]
        fig.add_bar(
            y=noms,
            # Plotly draws neither a bar nor its text for a missing value: an empty row read as 0.
            # An unknown is a bar of no length with « inconnu » written beside it.
            x=[0.0 if v is None else v for v in valeurs],
            orientation="h",
            marker_color=couleur,
            text=["inconnu" if v is None else format_texte(v) for v in valeurs],
            textposition=["outside" if v is None else "auto" for v in valeurs],
            customdata=table.nom.tolist(),
            # The name is said by the hover box and the text alternative's table: French words.
            name=libelle,
            meta={"unite": unite, "additionner": unite != "%"},
            showlegend=False,
            row=rang,
            col=1,
        )
    # Room for a name on two lines beside each bar.
    fig.update_layout(title=titre, height=max(420, 120 + 3 * (50 + 34 * len(noms))))
    # The panels' titles start at the chart's left edge: centred over the bars, they ran off a phone.
    fig.update_annotations(font_size=12, x=0, xanchor="left", xref="paper")
    valeurs_financement = pd.to_numeric(table.financement_eur, errors="coerce").dropna()
    if len(valeurs_financement) and valeurs_financement.max() > 0:
        positions, textes = graduations_euros(float(valeurs_financement.max()))
        fig.update_xaxes(tickvals=positions, ticktext=textes, row=2, col=1)
    return _decrire(legende_source(fig, source, annees), "territoire", "territoires")


def graduations_euros(maximum: float, nombre: int = 4) -> tuple[list[float], list[str]]:
    """Round tick values up to ``maximum`` and their French labels (« 500 k€ », « 1,5 M€ »), never « 10M ».

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


# The words of Plotly's toolbar and notices. Streamlit's plotly.js registers no French locale,
# so « locale: fr » alone left « Zoom in », « Download plot as a PNG »… in English.
PLOTLY_EN_FRANCAIS = {
    "Download plot as a PNG": "Télécharger le graphique (PNG)",
    "Download plot": "Télécharger le graphique",
    "Preparing image - this may take a few seconds": "Préparation de l'image, quelques secondes…",
    "Image download succeeded": "Image téléchargée",
    "Sorry, there was a problem downloading your image!": "L'image n'a pas pu être téléchargée.",
    "Zoom": "Zoomer sur une zone",
    "Pan": "Déplacer",
    "Zoom in": "Zoom avant",
    "Zoom out": "Zoom arrière",
    "Autoscale": "Échelle automatique",
    "Reset axes": "Rétablir les axes",
    "Double-click to zoom back out": "Double-cliquez pour revenir à la vue entière",
    "Double-click on legend to isolate one trace": (
        "Double-cliquez sur la légende pour n'afficher qu'une série"
    ),
}


def configuration_affichage(nom_fichier: str) -> dict:
    """Plotly's display options: French, and a camera button that saves the chart as PNG.

    The PNG is made in the browser by plotly.js itself: nothing leaves the page, it works
    offline, and the source and years written under the title are part of the image.
    """
    return {
        "locale": "fr",
        "locales": {"fr": {"dictionary": PLOTLY_EN_FRANCAIS}},
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": nom_fichier, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def subventions_par_annee(
    table: pd.DataFrame, titre: str, source: str, annees: str, remarque: str | None = None
) -> go.Figure:
    """Subsidies granted per year, stacked by group (kind of aid, grantor, family…).

    ``table``: ``annee`` (int), ``groupe``, ``montant_eur``, ``conventions`` (see
    :func:`geo.donnees.subventions.par_annee`). Bars carry ``[annee, groupe]``.
    """
    if table.empty:
        return _vide(titre, "Aucune subvention publiée connue pour cette sélection.", source, annees)
    ordre_annees = [str(a) for a in sorted(table.annee.unique())]
    groupes = table.groupby("groupe").montant_eur.sum().sort_values(ascending=False).index
    fig = go.Figure()
    for rang, groupe in enumerate(groupes):
        partie = table[table.groupe == groupe].set_index(table.annee[table.groupe == groupe].astype(str))
        montants = partie.montant_eur.reindex(ordre_annees)
        conventions = partie.conventions.reindex(ordre_annees)
        fig.add_bar(
            name=texte_sur(groupe),
            x=ordre_annees,
            y=[None if pd.isna(v) else round(float(v), 2) for v in montants],
            marker_color=PALETTE[rang % len(PALETTE)],
            customdata=[[a, groupe] for a in ordre_annees],
            text=[None if pd.isna(c) else f"{int(c)} conv." for c in conventions],
            textposition="none",
            hovertemplate="%{x} · "
            + texte_sur(groupe).replace("%", "%%")
            + "<br>%{y:,.0f} € · %{text}<extra></extra>",
            meta={"unite": "€"},
        )
    fig.update_layout(
        barmode="stack",
        title=titre,
        yaxis_title="Montant accordé (€)",
        yaxis_tickformat=",.0f",
        xaxis={"type": "category"},
    )
    return _decrire(legende_source(fig, source, annees, remarque), "année", "années")


# Text alternative (RGAA 4.1, WCAG 2.1 AA 1.1.1) -------------------------------------------------
#
# A screen reader reads a plotly chart's SVG as « 0 0 0 0 0 0 2… ». Each chart therefore has a
# sentence and a table, both read from the figure's own bars (what is drawn, never recomputed
# from the data beside it), so that they cannot disagree with the picture. The chart functions
# name what a bar stands for (``layout.meta["categorie"]``: singular and plural) and what its
# value counts (each bar trace's ``meta["unite"]``; ``meta["additionner"]`` False where a sum
# means nothing, as for a ratio or a share).


def _decrire(fig: go.Figure, singulier: str, pluriel: str) -> go.Figure:
    fig.update_layout(meta={**(fig.layout.meta or {}), "categorie": [singulier, pluriel]})
    return fig


def _texte_lisible(texte: object) -> str:
    """Text of a label as a reader hears it: plotly's line breaks and escapes undone."""
    return html.unescape(str(texte or "").replace("<br>", " ")).strip()


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


def _liste(valeurs) -> list:
    return [] if valeurs is None else list(valeurs)


def texte_alternatif(fig: go.Figure, lieu: str | None = None) -> tuple[str, pd.DataFrame]:
    """One French sentence saying what ``fig`` shows, and the table of the values it draws.

    The table has one row per bar position (project, year, territory…) and one column per
    series (kind of job, programme…); a value the chart says is unknown (a bar written
    « inconnu ») is empty there, never 0, and « inconnu » in the sentence. ``lieu`` (the
    territory's name) is said after the title.
    """
    titre = _texte_lisible(fig.layout.title.text) or "Graphique"
    entete = f"{titre}, {lieu}" if lieu else titre
    meta = fig.layout.meta or {}
    barres = [t for t in fig.data if t.type == "bar"]
    if not barres:  # an empty chart says why in its one annotation
        message = " ".join(_texte_lisible(a.text) for a in fig.layout.annotations if a.text)
        return f"{entete} : {message or 'aucune valeur.'}", pd.DataFrame()
    singulier, pluriel = meta.get("categorie") or ("élément", "éléments")
    colonnes: dict[str, dict[str, float | None]] = {}
    notes: dict[str, str] = {}
    unites: dict[str, str] = {}
    additionner: dict[str, bool] = {}
    ordre: list[str] = []
    for trace in barres:
        horizontale = trace.orientation == "h"
        categories = _liste(trace.y if horizontale else trace.x)
        valeurs = _liste(trace.x if horizontale else trace.y)
        textes = trace.text if isinstance(trace.text, (list, tuple)) else [None] * len(categories)
        nom = _texte_lisible(trace.name) or "Valeur"
        reglages = trace.meta if isinstance(trace.meta, dict) else {}
        unites[nom] = reglages.get("unite", "")
        additionner[nom] = reglages.get("additionner", True)
        serie = colonnes.setdefault(nom, {})
        for categorie, valeur, texte in zip(categories, valeurs, textes, strict=False):
            categorie = _texte_lisible(categorie)
            if categorie not in ordre:
                ordre.append(categorie)
            inconnu = valeur is None or valeur != valeur or str(texte) == "inconnu"
            serie[categorie] = None if inconnu else float(valeur)
            if texte and "(incomplet)" in str(texte):
                notes[categorie] = "incomplet : au moins un montant inconnu, valeur surestimée"
    # Bars are drawn bottom to top in a horizontal chart: the table reads top to bottom.
    if all(t.orientation == "h" for t in barres):
        ordre.reverse()
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
        # Several quantities side by side (subplots): the largest of each, and its unknowns.
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


def comparateur(tableau: pd.DataFrame, indicateurs: list, titre: str = "Territoires comparés") -> go.Figure:
    """One small bar chart per rate, one bar per territory, stacked so that a phone reads them.

    ``tableau``: :func:`geo.donnees.comparateur.tableau_long`; ``indicateurs``: its
    :class:`~geo.donnees.comparateur.Indicateur` list. An unknown is a bar of no length written
    « inconnu »; a value borrowed from a larger territory says « (département) » beside it.
    """
    retenus = [i for i in indicateurs if i.cle in INDICATEURS_COMPARES]
    territoires = list(dict.fromkeys(tableau.Territoire))
    fig = make_subplots(
        rows=len(retenus),
        cols=1,
        subplot_titles=[_couper(f"{i.libelle}, {i.millesime}", 48) for i in retenus],
        vertical_spacing=0.28 / max(1, len(retenus)),
    )
    for rang, indicateur in enumerate(retenus, start=1):
        lignes = (
            tableau[tableau.Indicateur == indicateur.libelle].set_index("Territoire").reindex(territoires)
        )
        valeurs = [None if pd.isna(v) else float(v) for v in lignes.Valeur]
        empruntes = [e == "oui" for e in lignes["Emprunté à un territoire plus grand"]]

        def texte(valeur, emprunte, indicateur=indicateur):
            if valeur is None:
                return "inconnu"
            chiffre = nombre_fr(valeur, indicateur.decimales)
            chiffre = f"{chiffre} {indicateur.unite}" if indicateur.unite else chiffre
            return chiffre + (" (département)" if emprunte else "")

        # Bars top to bottom in the order chosen: plotly draws a horizontal chart bottom up.
        fig.add_bar(
            y=[nom_court(n) for n in territoires][::-1],
            x=[0.0 if v is None else v for v in valeurs][::-1],
            orientation="h",
            marker_color=PALETTE[(rang - 1) % len(PALETTE)],
            text=[texte(v, e) for v, e in zip(valeurs, empruntes, strict=True)][::-1],
            textposition="outside",
            cliponaxis=False,
            # Below its category's line, so that the name written above that line stays clear.
            width=0.5,
            offset=-0.55,
            name=indicateur.libelle,
            # Euros per inhabitant read with their cents in the table, not « 1 € » rounded here.
            meta={"unite": "%" if indicateur.unite == "%" else "", "additionner": False},
            showlegend=False,
            row=rang,
            col=1,
        )
        connus = [v for v in valeurs if v is not None]
        # Room on the right for the text written outside the longest bar.
        fig.update_xaxes(range=[0, 1.45 * max(connus) if connus and max(connus) > 0 else 1], row=rang, col=1)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    # Each territory's name above its bar, not beside it: the bars and titles keep the whole
    # width, which a phone needs.
    fig.update_yaxes(ticklabelposition="inside top", ticklabelstandoff=2, showgrid=False)
    fig.update_layout(title=titre, height=60 + len(retenus) * (60 + 44 * len(territoires)), bargap=0.45)
    fig.update_annotations(font_size=13, x=0, xanchor="left")
    fig = legende_source(
        fig, SOURCES_COMPARATEUR, ", ".join(dict.fromkeys(i.millesime for i in retenus)), largeur=52
    )
    fig.update_layout(margin={"l": 4})
    return _decrire(fig, "territoire", "territoires")
