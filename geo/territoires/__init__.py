"""Territories: identifiers, search and membership (referentiel), what is drawn at each
level (niveaux), census populations (populations, a build step).
"""
