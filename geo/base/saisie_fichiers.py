"""Reading an import file (CSV in any usual encoding, zip of CSV files, workbook): a frame per table."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from geo.base.saisie_modele import COLONNES, ORDRE, Erreur, ImportRefuse, colonnes, requises
from geo.outils import csv_souple
from geo.outils.text import accorder, cle_recherche, nombre_fr

# What one import may hold: a spreadsheet of a PTCE's records is far below these, and a
# file beyond them (or a small zip that expands to hundreds of MB) is refused before it is
# read into memory. Streamlit's own upload limit (.streamlit/config.toml) says the same.
TAILLE_MAXIMALE_FICHIER = 10 * 1024 * 1024
TAILLE_MAXIMALE_DECOMPRESSEE = 50 * 1024 * 1024
LIGNES_MAXIMALES = 100_000
LIMITES = (
    f"{nombre_fr(LIGNES_MAXIMALES)} lignes au plus par import ; fichier de 10 Mo au plus, 50 Mo une fois "
    "décompressé (archive .zip de fichiers CSV ou classeur .xlsx) : compressez un gros fichier CSV en .zip."
)

LIBELLES_ENCODAGES = {
    "utf-8-sig": "UTF-8 avec BOM",
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252 (Latin-1)",
    "latin-1": "Latin-1",
    "utf-16": "UTF-16 (Texte Unicode)",
    "utf-16-le": "UTF-16 LE sans BOM",
    "utf-16-be": "UTF-16 BE sans BOM",
}


def _encodage_utf16(contenu: bytes) -> str | None:
    """``utf-16`` (with a BOM), ``utf-16-le`` / ``utf-16-be`` (ASCII-looking text with every
    other byte zero), else None. Excel's « Texte Unicode » is UTF-16 LE with a BOM."""
    if contenu[:2] in {b"\xff\xfe", b"\xfe\xff"}:
        return "utf-16"
    debut = contenu[:2000]
    if len(debut) >= 4 and b"\x00" in debut:
        pairs, impairs = debut[0::2], debut[1::2]
        if impairs.count(0) > 0.9 * len(impairs) and pairs.count(0) < 0.1 * len(pairs):
            return "utf-16-le"
        if pairs.count(0) > 0.9 * len(pairs) and impairs.count(0) < 0.1 * len(impairs):
            return "utf-16-be"
    return None


def _decoder(contenu: bytes, nom_fichier: str = "") -> tuple[str, str, str]:
    """Text, the encoding it was read with (in words) and its separator."""
    utf16 = _encodage_utf16(contenu)
    if utf16 is not None:
        try:
            texte = contenu.decode(utf16).lstrip("\ufeff")
        except UnicodeDecodeError as erreur:
            raise ImportRefuse(
                [
                    Erreur(
                        nom_fichier,
                        None,
                        None,
                        f"fichier en {LIBELLES_ENCODAGES[utf16]} illisible (caractère invalide à l'octet "
                        f"{erreur.start}) : enregistrez-le en CSV UTF-8.",
                    )
                ]
            ) from erreur
        premiere = texte.splitlines()[0] if texte.strip() else ""
        return texte, LIBELLES_ENCODAGES[utf16], csv_souple.separateur(premiere) or ";"
    encodage, separateur, _premiere = csv_souple.detecter(contenu)
    return contenu.decode(encodage), LIBELLES_ENCODAGES[encodage], separateur or ";"


def _trop_grand(nom_fichier: str, quoi: str) -> ImportRefuse:
    return ImportRefuse([Erreur(nom_fichier, None, None, f"{quoi} ; limites : {LIMITES}")])


def _verifier_archive(archive: zipfile.ZipFile, nom_fichier: str) -> None:
    """Refuse an archive whose members would expand beyond the limit (a zip bomb)."""
    total = sum(info.file_size for info in archive.infolist())
    if total > TAILLE_MAXIMALE_DECOMPRESSEE:
        raise _trop_grand(nom_fichier, f"l'archive se décompresse en {total // (1024 * 1024)} Mo, c'est trop")


def _lire_membre(archive: zipfile.ZipFile, nom: str, nom_fichier: str) -> bytes:
    # The sizes in a zip's directory may lie: never read more than the limit.
    with archive.open(nom) as flux:
        donnees = flux.read(TAILLE_MAXIMALE_DECOMPRESSEE + 1)
    if len(donnees) > TAILLE_MAXIMALE_DECOMPRESSEE:
        raise _trop_grand(nom_fichier, f"« {nom} » se décompresse au-delà de 50 Mo")
    return donnees


def _normaliser_entete(nom: object) -> str:
    return cle_recherche(str(nom)).replace(" ", "_").rstrip("*")


def _table_des_colonnes(noms: list[str], indice: str = "") -> str | None:
    """Which table a header belongs to: required columns present, most columns in common."""
    candidates = []
    for table in ORDRE:
        attendues = set(colonnes(table))
        if set(requises(table)) <= set(noms) and (requises(table) or len(attendues & set(noms)) >= 3):
            candidates.append((len(attendues & set(noms)) - len(set(noms) - attendues), table))
    if not candidates:
        return None
    candidates.sort(reverse=True)
    for _, table in candidates:
        if table in cle_recherche(indice):
            return table
    return candidates[0][1]


def _membres_csv(contenu: bytes, nom_fichier: str = "") -> dict[str, bytes] | None:
    """The CSV files of a zip archive (None when it is not a zip of CSV files, e.g. a workbook)."""
    try:
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            noms = [n for n in archive.namelist() if n.lower().endswith(".csv") and not n.endswith("/")]
            if not noms or "[Content_Types].xml" in archive.namelist():
                return None
            _verifier_archive(archive, nom_fichier)
            membres, total = {}, 0
            for n in noms:
                membres[Path(n).name] = donnees = _lire_membre(archive, n, nom_fichier)
                total += len(donnees)
                if total > TAILLE_MAXIMALE_DECOMPRESSEE:
                    raise _trop_grand(nom_fichier, "l'archive se décompresse au-delà de 50 Mo")
            return membres
    except zipfile.BadZipFile:
        return None


_NOMS_SEPARATEURS = {";": "« ; »", ",": "« , »", "\t": "tabulation", "|": "« | »"}
# The two halves of a French decimal number cut by a comma separator: « 1 200 » and « 50 € ».
_PARTIE_ENTIERE = re.compile(r"-?\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|-?\d+")
_PARTIE_DECIMALE = re.compile(r"\d+(?:\s*€)?")


def _virgules_decimales(champs: list[str], entete: list[str]) -> list[tuple[str, str]] | None:
    """The (column, number) of each decimal comma that split a number in two, in a comma-separated
    line with too many fields; None when rejoining such numbers does not give the header's count."""
    morceaux = [(champ, False) for champ in champs]
    while len(morceaux) > len(entete):
        candidats = [
            i
            for i in range(len(morceaux) - 1)
            if not morceaux[i][1]
            and _PARTIE_ENTIERE.fullmatch(morceaux[i][0].strip())
            and _PARTIE_DECIMALE.fullmatch(morceaux[i + 1][0].strip())
        ]
        if not candidats:
            return None

        def rang(i: int) -> tuple[bool, bool, int]:
            # An amount column first, then cents (two digits), then the leftmost.
            nom = _normaliser_entete(entete[i]) if i < len(entete) else ""
            centimes = len(morceaux[i + 1][0].strip().rstrip("€").strip()) == 2
            return ("montant" not in nom, not centimes, i)

        i = min(candidats, key=rang)
        morceaux[i : i + 2] = [(f"{morceaux[i][0].strip()},{morceaux[i + 1][0].strip()}", True)]
    return [(entete[i], texte) for i, (texte, recolle) in enumerate(morceaux) if recolle]


def _lire_csv(contenu: bytes, nom_fichier: str) -> tuple[pd.DataFrame, str]:
    texte, encodage, separateur = _decoder(contenu, nom_fichier)
    # Read with the csv module rather than pandas: a row with more fields than the header
    # would otherwise silently become the index and shift every value one column.
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=separateur)
    try:
        lignes = list(lecteur)
    except csv.Error as erreur:
        raise ImportRefuse(
            [
                Erreur(
                    nom_fichier,
                    lecteur.line_num,
                    None,
                    "fichier CSV illisible à cette ligne (guillemet non fermé ou texte de plus de 128 000 "
                    "caractères).",
                )
            ]
        ) from erreur
    if not lignes or not any(c.strip() for c in lignes[0]):
        raise ImportRefuse([Erreur(nom_fichier, 1, None, "fichier CSV vide : la ligne d'en-tête manque.")])
    entete = [c.strip() for c in lignes[0]]
    while entete and not entete[-1]:
        entete.pop()
    vus: dict[str, int] = {}
    for i, nom in enumerate(entete):
        if nom in vus:
            raise ImportRefuse(
                [Erreur(nom_fichier, 1, nom, f"la colonne « {nom} » apparaît deux fois dans l'en-tête.")]
            )
        vus[nom] = i
    erreurs, donnees = [], []
    for numero, champs in enumerate(lignes[1:], start=2):
        # Blank lines are kept so that line numbers in messages match the file; empty rows
        # are skipped when the rows are checked. Trailing empty fields (« a;b;; ») are harmless.
        while len(champs) > len(entete) and not champs[-1].strip():
            champs = champs[:-1]
        coupes = (
            _virgules_decimales(champs, entete) if separateur == "," and len(champs) > len(entete) else None
        )
        if coupes:
            erreurs.extend(
                Erreur(
                    nom_fichier,
                    numero,
                    colonne,
                    f"« {nombre} » coupé en deux par la virgule, qui sépare aussi les colonnes : mettez ce "
                    "nombre entre guillemets ou enregistrez le fichier avec le séparateur « ; » ; rien "
                    "n'est décalé, la ligne est refusée.",
                )
                for colonne, nombre in coupes
            )
            continue
        if len(champs) > len(entete):
            erreurs.append(
                Erreur(
                    nom_fichier,
                    numero,
                    None,
                    f"{len(champs)} valeurs pour {len(entete)} colonnes : un séparateur "
                    f"{_NOMS_SEPARATEURS.get(separateur, separateur)} de trop (mettez entre guillemets un "
                    "texte qui en contient) ; rien n'est décalé, la ligne est refusée.",
                )
            )
            continue
        donnees.append(champs + [""] * (len(entete) - len(champs)))
        if len(donnees) > LIGNES_MAXIMALES:
            raise _trop_grand(nom_fichier, f"plus de {nombre_fr(LIGNES_MAXIMALES)} lignes")
    if erreurs:
        raise ImportRefuse(erreurs)
    table = pd.DataFrame(donnees, columns=entete, dtype=object) if donnees else pd.DataFrame(columns=entete)
    nom_separateur = _NOMS_SEPARATEURS.get(separateur, f"« {separateur} »")
    return table, f"fichier CSV lu en {encodage}, séparateur {nom_separateur}."


def _formules_sans_valeur(contenu: bytes) -> list[Erreur]:
    """Cells holding a formula whose result was never saved (a workbook written by a program,
    never opened in a spreadsheet): read as empty, they would lose an amount without a word."""
    import openpyxl

    formules = openpyxl.load_workbook(io.BytesIO(contenu), read_only=True, data_only=False)
    valeurs = openpyxl.load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
    erreurs = []
    try:
        for feuille in formules.worksheets:
            if cle_recherche(feuille.title) in {"lisez moi", "aide"}:
                continue
            entete: list[object] = []
            lignes_valeurs = valeurs[feuille.title].iter_rows(values_only=True)
            for numero, (ligne, ligne_valeurs) in enumerate(
                zip(feuille.iter_rows(values_only=True), lignes_valeurs, strict=False), start=1
            ):
                if numero == 1:
                    entete = list(ligne)
                    continue
                for indice, (cellule, valeur) in enumerate(zip(ligne, ligne_valeurs, strict=False)):
                    if isinstance(cellule, str) and cellule.startswith("=") and valeur is None:
                        colonne = entete[indice] if indice < len(entete) and entete[indice] else None
                        erreurs.append(
                            Erreur(
                                feuille.title,
                                numero,
                                str(colonne) if colonne else openpyxl.utils.get_column_letter(indice + 1),
                                f"formule {cellule[:60]} sans résultat enregistré : ouvrez le classeur dans "
                                "un tableur et enregistrez-le, ou écrivez la valeur.",
                            )
                        )
    finally:
        formules.close()
        valeurs.close()
    return erreurs


def lire(contenu: bytes, nom_fichier: str) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Sheets of an Excel workbook, one CSV file or a zip of CSV files, as text cells; remarks.

    Raises :class:`ImportRefuse` when the file cannot be read or a sheet is not recognised.
    """
    remarques: list[str] = []
    feuilles: dict[str, pd.DataFrame] = {}
    suffixe = Path(nom_fichier).suffix.lower()
    if len(contenu) > TAILLE_MAXIMALE_FICHIER:
        raise _trop_grand(nom_fichier, f"fichier de {len(contenu) / 1024 / 1024:.1f} Mo, c'est trop")
    membres_csv = _membres_csv(contenu, nom_fichier) if contenu[:2] == b"PK" else None
    if membres_csv:
        # The CSV export (one file per table, zipped) comes back whole, in one transaction.
        for membre, donnees in membres_csv.items():
            table, remarque = _lire_csv(donnees, membre)
            feuilles[Path(membre).stem] = table
            remarques.append(f"{membre} : {remarque}")
    elif suffixe in {".xlsx", ".xlsm"} or contenu[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
                _verifier_archive(archive, nom_fichier)
            brutes = pd.read_excel(io.BytesIO(contenu), sheet_name=None, dtype=object, engine="openpyxl")
            sans_valeur = _formules_sans_valeur(contenu)
        except (ValueError, OSError, zipfile.BadZipFile, KeyError) as erreur:
            raise ImportRefuse(
                [
                    Erreur(
                        nom_fichier,
                        None,
                        None,
                        "classeur Excel illisible : ce n'est pas un fichier .xlsx valide (ni une archive "
                        "de fichiers CSV).",
                    )
                ]
            ) from erreur
        if sans_valeur:
            raise ImportRefuse(sans_valeur)
        for nom_feuille, table in brutes.items():
            if cle_recherche(str(nom_feuille)) in {"lisez moi", "aide"}:
                continue
            if len(table) > LIGNES_MAXIMALES:
                raise _trop_grand(
                    nom_fichier,
                    f"la feuille « {nom_feuille} » a plus de {nombre_fr(LIGNES_MAXIMALES)} lignes",
                )
            feuilles[str(nom_feuille)] = table
        remarques.append(f"Classeur Excel : {accorder(len(feuilles), 'feuille lue', 'feuilles lues')}.")
    elif suffixe in {".csv", ".txt", ""}:
        table, remarque = _lire_csv(contenu, nom_fichier)
        feuilles[Path(nom_fichier).stem] = table
        remarques.append(remarque)
    else:
        raise ImportRefuse(
            [
                Erreur(
                    nom_fichier,
                    None,
                    None,
                    "format non pris en charge : fournissez un fichier .csv, .xlsx ou une archive .zip "
                    "de fichiers CSV.",
                )
            ]
        )

    reconnues: dict[str, pd.DataFrame] = {}
    erreurs: list[Erreur] = []
    for nom_feuille, table in feuilles.items():
        table = table.rename(columns=_normaliser_entete)
        table = table.loc[:, [c for c in table.columns if not str(c).startswith("unnamed")]]
        if table.dropna(how="all").empty and not len(table.columns):
            continue
        nom_table = _normaliser_entete(nom_feuille)
        if nom_table not in COLONNES:
            nom_table = _table_des_colonnes(list(table.columns), nom_feuille)
        if nom_table is None:
            erreurs.append(
                Erreur(
                    nom_feuille,
                    1,
                    None,
                    "feuille non reconnue : ses colonnes ("
                    + ", ".join(map(str, table.columns))
                    + ") ne correspondent à aucune table du modèle ("
                    + ", ".join(ORDRE)
                    + ").",
                )
            )
            continue
        if nom_table in reconnues:
            erreurs.append(Erreur(nom_feuille, None, None, f"la table « {nom_table} » apparaît deux fois."))
            continue
        inconnues = [c for c in table.columns if c not in colonnes(nom_table)]
        if inconnues:
            erreurs.append(
                Erreur(
                    nom_feuille,
                    1,
                    ", ".join(map(str, inconnues)),
                    accorder(len(inconnues), "colonne inconnue", "colonnes inconnues", avec_nombre=False)
                    + " pour la table « "
                    + nom_table
                    + " » ; colonnes attendues : "
                    + ", ".join(colonnes(nom_table))
                    + ".",
                )
            )
        manquantes = [c for c in requises(nom_table) if c not in table.columns]
        if manquantes:
            erreurs.append(
                Erreur(
                    nom_feuille,
                    1,
                    ", ".join(manquantes),
                    accorder(
                        len(manquantes),
                        "colonne obligatoire absente",
                        "colonnes obligatoires absentes",
                        avec_nombre=False,
                    )
                    + ".",
                )
            )
        reconnues[nom_table] = table.reindex(columns=colonnes(nom_table))
    if erreurs:
        raise ImportRefuse(erreurs)
    if not reconnues:
        raise ImportRefuse([Erreur(nom_fichier, None, None, "le fichier ne contient aucune table.")])
    if sum(len(t) for t in reconnues.values()) > LIGNES_MAXIMALES:
        raise _trop_grand(nom_fichier, f"plus de {nombre_fr(LIGNES_MAXIMALES)} lignes en tout")
    return reconnues, remarques
