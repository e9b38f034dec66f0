"""Déclaration d'accessibilité, au modèle du RGAA : état, taux mesuré par l'audit du projet, recours.

Everything comes from ``geo.rendu.accessibilite`` (the audit file and the framework's limits);
this page only lays it out, as plain text: it must itself be readable by everyone, so no grid
and no chart.
"""

from __future__ import annotations

import streamlit as st

from geo.outils import config
from geo.outils.text import texte_brut
from geo.rendu import accessibilite
from ui import page

# As every page: makes sure it runs inside app.py's navigation (title, sidebar), even as a server's
# first page.
page.contexte()
audit = accessibilite.audit_du_projet()
service = accessibilite.NOM_SERVICE
date_audit = audit.date.strftime("%d/%m/%Y")

st.title("Déclaration d'accessibilité")
st.markdown(
    f"Le projet {texte_brut(service)} s'engage à rendre son tableau de bord accessible, conformément à "
    "l'article 47 de la loi n° 2005-102 du 11 février 2005. Cette déclaration s'applique à ce tableau "
    "de bord, toutes ses pages comprises."
)

st.header("État de conformité")
st.markdown(
    f"Ce tableau de bord est **{audit.etat}** avec le référentiel général d'amélioration de "
    f"l'accessibilité ({texte_brut(audit.referentiel)}), en raison des non-conformités énumérées "
    "ci-dessous."
)

st.header("Résultats des tests")
st.markdown(
    f"L'audit de conformité réalisé le {date_audit} par {texte_brut(audit.realise_par)} révèle que "
    f"**{texte_brut(audit.phrase_taux)}**"
)
st.markdown(texte_brut(audit.phrase_couverture))
with st.expander(f"Les {audit.evalues} critères évalués, un par un"):
    for critere in audit.criteres:
        verifie = f" Vérifié par : {critere.verifie_par}." if critere.verifie_par else ""
        st.markdown(
            texte_brut(
                f"{critere.numero} — {critere.titre} Résultat : {critere.libelle_statut}. "
                f"{critere.justification}{verifie}"
            )
        )

st.header("Contenus non accessibles")
st.subheader("Non-conformités")
for critere in audit.par_statut("NC"):
    st.markdown(f"- {texte_brut(f'Critère {critere.numero} : {critere.justification}')}")
st.markdown(
    "Limites des composants sur lesquels le tableau de bord est construit, que le projet ne peut pas "
    "corriger lui-même ; chacune a son contournement :"
)
for limite in accessibilite.LIMITES_DU_CADRE:
    decrite = (
        f"{limite.composant} (critère {limite.critere}) : {limite.ce_qui_manque} "
        f"Contournement : {limite.contournement}"
    )
    st.markdown(f"- {texte_brut(decrite)}")
st.subheader("Dérogations pour charge disproportionnée")
st.markdown(
    "Aucune dérogation n'est demandée : les limites ci-dessus sont comptées comme des non-conformités."
)
st.subheader("Contenus non soumis à l'obligation d'accessibilité")
for contenu in accessibilite.contenus_non_soumis():
    st.markdown(f"- {texte_brut(contenu)}")

st.header("Établissement de cette déclaration")
st.markdown(f"Cette déclaration a été établie le {date_audit}.")
st.subheader("Technologies utilisées")
st.markdown(
    "HTML5, CSS, JavaScript, WAI-ARIA ; Streamlit (Python), Leaflet (cartes), Vega-Lite (graphiques)."
)
st.subheader("Environnement de test")
st.markdown(
    texte_brut(
        f"Navigateur : {audit.navigateur}. Moteur de tests : axe-core {audit.axe_core}, dans la page et dans "
        "chaque cadre. Clavier seul : parcours à la touche Tab, mesuré par des tests automatiques. "
        "Aucun lecteur d'écran n'a été utilisé pour cet audit."
    )
)
st.subheader("Outils pour évaluer l'accessibilité")
st.markdown(
    "axe-core (Deque Systems) par axe-playwright-python, Playwright, et les tests automatiques du projet "
    "(contrastes calculés, ordre des titres, langue, titres de page, arrêts du clavier)."
)
st.subheader("Pages du site ayant fait l'objet de la vérification de conformité")
st.markdown(texte_brut(f"{', '.join(audit.pages)} : {audit.vues}."))

st.header("Retour d'information et contact")
st.markdown(
    "Si vous n'arrivez pas à accéder à un contenu ou à un service, vous pouvez contacter le responsable "
    "de ce tableau de bord pour être orienté vers une alternative accessible ou obtenir le contenu sous "
    "une autre forme :"
)
# A setting of whoever runs this server: plain text, never a link or Markdown.
contact = config.contact_accessibilite()
st.text(contact or "le suivi des tickets du projet ESS & territoires, sur sa forge de code.")

st.header("Voies de recours")
st.markdown(
    "Si vous avez signalé au responsable du tableau de bord un défaut d'accessibilité qui vous empêche "
    "d'accéder à un contenu ou à un service et que vous n'avez pas obtenu de réponse satisfaisante, vous "
    "pouvez :"
)
st.markdown(
    "- écrire un message au Défenseur des droits, par son formulaire en ligne : "
    "[formulaire.defenseurdesdroits.fr](https://formulaire.defenseurdesdroits.fr/) ;\n"
    "- contacter le délégué du Défenseur des droits dans votre région : "
    "[defenseurdesdroits.fr/saisir/delegues](https://www.defenseurdesdroits.fr/saisir/delegues) ;\n"
    "- envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des droits, "
    "Libre réponse 71120, 75342 Paris CEDEX 07."
)
