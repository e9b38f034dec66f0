"""Streamlit glue shared by the pages: state, cached data, sidebar, map widget.

Logic lives in :mod:`geo`; this package only reads state, calls it and draws.
"""
