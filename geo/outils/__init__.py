"""Helpers every layer may use: configuration, text, codes, CSV and file formats, SIRET,
projections, generalisation, the ESS nomenclature, Leaflet files, tables, geocoding.
"""
