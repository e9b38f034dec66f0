"""Contributions du public : propositions et signalements, masquages locaux, envois (limites).

The key of the hashes of network addresses and sessions is drawn here, once per database:
every process of a deployment hashes alike, and the hashes mean nothing without the database.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("genre", sa.String(20), nullable=False),
        sa.Column("statut", sa.String(20), nullable=False),
        sa.Column("cree_le", sa.DateTime(), nullable=False),
        sa.Column("nom", sa.String(200), nullable=True),
        sa.Column("siret", sa.String(14), nullable=True),
        sa.Column("commune", sa.String(5), nullable=True),
        sa.Column("adresse", sa.String(300), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("famille", sa.String(40), nullable=True),
        sa.Column("activite", sa.String(150), nullable=True),
        sa.Column("site_web", sa.String(200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("cle_cible", sa.String(80), nullable=True),
        sa.Column("motif", sa.String(20), nullable=True),
        sa.Column("commentaire", sa.Text(), nullable=True),
        sa.Column("empreinte_adresse", sa.String(64), nullable=True),
        sa.Column("empreinte_session", sa.String(64), nullable=True),
        sa.Column("modere_le", sa.DateTime(), nullable=True),
        sa.Column("modere_par", sa.String(200), nullable=True),
        sa.Column("role_moderateur", sa.String(20), nullable=True),
        sa.CheckConstraint("genre IN ('proposition', 'signalement')", name="ck_contribution_genre"),
        sa.CheckConstraint(
            "statut IN ('en attente', 'acceptée', 'refusée', 'fusionnée')", name="ck_contribution_statut"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contribution"),
    )
    op.create_index("ix_contribution_statut", "contribution", ["statut"])
    op.create_index("ix_contribution_empreinte_adresse", "contribution", ["empreinte_adresse"])
    op.create_table(
        "masquage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cle", sa.String(80), nullable=False),
        sa.Column("commune", sa.String(5), nullable=True),
        sa.Column("nom", sa.String(200), nullable=True),
        sa.Column("motif", sa.Text(), nullable=False),
        sa.Column("actif", sa.Boolean(), nullable=False),
        sa.Column("cree_le", sa.DateTime(), nullable=False),
        sa.Column("par", sa.String(200), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name="fk_masquage_contribution_id_contribution",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_masquage"),
    )
    op.create_index("ix_masquage_cle", "masquage", ["cle"])
    op.create_table(
        "envoi_contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quand", sa.DateTime(), nullable=False),
        sa.Column("empreinte_adresse", sa.String(64), nullable=False),
        sa.Column("empreinte_session", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_envoi_contribution"),
    )
    op.create_index("ix_envoi_contribution_quand", "envoi_contribution", ["quand"])
    op.create_index("ix_envoi_contribution_empreinte_adresse", "envoi_contribution", ["empreinte_adresse"])
    op.create_index("ix_envoi_contribution_empreinte_session", "envoi_contribution", ["empreinte_session"])
    table = op.create_table(
        "cle_empreintes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cle", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cle_empreintes"),
    )
    op.bulk_insert(table, [{"id": 1, "cle": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("cle_empreintes")
    op.drop_index("ix_envoi_contribution_empreinte_session", table_name="envoi_contribution")
    op.drop_index("ix_envoi_contribution_empreinte_adresse", table_name="envoi_contribution")
    op.drop_index("ix_envoi_contribution_quand", table_name="envoi_contribution")
    op.drop_table("envoi_contribution")
    op.drop_index("ix_masquage_cle", table_name="masquage")
    op.drop_table("masquage")
    op.drop_index("ix_contribution_empreinte_adresse", table_name="contribution")
    op.drop_index("ix_contribution_statut", table_name="contribution")
    op.drop_table("contribution")
