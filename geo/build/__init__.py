"""The build: its command (``python -m geo.build``), its steps and manifests (etapes), the
embedded snapshot (instantane).
"""
