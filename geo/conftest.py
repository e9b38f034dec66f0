"""pytest collects geo/ for doctests; the Alembic scripts only run under Alembic."""

collect_ignore = ["base/migrations"]
