"""The meeting deck of presentation mode: which slides, in which order, and which one is shown.

A prepared deck is one link (``?presentation=1&diapos=carte,chiffres,emplois&diapo=2``): the
address is read here, without streamlit, and whatever in it cannot be used is said in French
(as plain text: it is the visitor's own address) and left aside, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Every slide a deck can hold, in the order of a deck that names none, with its title.
DIAPOSITIVES: dict[str, str] = {
    "carte": "Carte et couches",
    "chiffres": "Chiffres clés",
    "emplois": "Emplois créés",
    "financements": "Financements reçus",
}
# The longest value shown back in a message: an address may be as long as anyone likes.
_LONGUEUR_MONTREE = 40


@dataclass(frozen=True)
class Diaporama:
    """The slides chosen (their keys, in order), the one shown (from 1) and what was set aside."""

    diapos: tuple[str, ...]
    rang: int
    messages: tuple[str, ...] = field(default=())

    @property
    def courante(self) -> str:
        return self.diapos[self.rang - 1]

    @property
    def titre(self) -> str:
        return DIAPOSITIVES[self.courante]

    @property
    def premiere(self) -> bool:
        return self.rang == 1

    @property
    def derniere(self) -> bool:
        return self.rang == len(self.diapos)

    def position(self) -> str:
        return f"Diapositive {self.rang} sur {len(self.diapos)} : {self.titre}"


def _montre(texte: str) -> str:
    texte = texte.strip()
    return texte if len(texte) <= _LONGUEUR_MONTREE else texte[: _LONGUEUR_MONTREE - 1] + "…"


def lire(texte_diapos: str | None, texte_diapo: str | None) -> Diaporama:
    """The deck named by ``diapos`` (comma-separated keys) and ``diapo`` (a rank from 1).

    Unknown or repeated slides are dropped; none left gives every slide. A rank that is not a
    whole number, or beyond the deck, gives the first slide. Each is said once in ``messages``.
    """
    messages: list[str] = []
    diapos: list[str] = []
    inconnues: list[str] = []
    for morceau in (texte_diapos or "").split(","):
        cle = morceau.strip()
        if not cle:
            continue
        if cle in DIAPOSITIVES:
            if cle not in diapos:
                diapos.append(cle)
        else:
            inconnues.append(_montre(cle))
    if inconnues:
        noms = ", ".join(f"« {nom} »" for nom in inconnues)
        permises = ", ".join(DIAPOSITIVES)
        messages.append(
            f"Lien : diapositive inconnue ({noms}), laissée de côté. Les diapositives possibles sont : "
            f"{permises}."
        )
    if not diapos:
        diapos = list(DIAPOSITIVES)
    rang = 1
    texte_rang = (texte_diapo or "").strip()
    if texte_rang:
        if texte_rang.isdigit() and 1 <= int(texte_rang) <= len(diapos):
            rang = int(texte_rang)
        else:
            messages.append(
                f"Lien : diapositive « {_montre(texte_rang)} » introuvable (un numéro de 1 à {len(diapos)} "
                "est attendu) : voici la première."
            )
    return Diaporama(tuple(diapos), rang, tuple(messages))


def texte_diapos(diapos: list[str] | tuple[str, ...]) -> str:
    """``diapos`` as the address writes it; empty for the deck of every slide, so links stay short."""
    ordre = [cle for cle in dict.fromkeys(diapos) if cle in DIAPOSITIVES]
    return "" if ordre == list(DIAPOSITIVES) else ",".join(ordre)
