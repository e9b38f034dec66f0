"""Logique du tableau de bord ESS : sources, territoires, indicateurs, couches.

Ce paquet n'importe jamais streamlit : il se teste et s'utilise seul
(``python -m geo.build``, ``python -m geo.rendu.report``).
"""
