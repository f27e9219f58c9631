"""ledger guards: SQLite refuses REPLACE over a ledger row; notice texts are append-only too.

SQLite's REPLACE (INSERT OR REPLACE) removes the conflicting row without firing DELETE
triggers, so 0001's guards let a ledger row be rewritten. A BEFORE INSERT
trigger refusing a key that exists closes that. PostgreSQL's ON CONFLICT DO UPDATE fires the
UPDATE trigger already. The notice table gets the same protection on both: a consent event points
at a notice's words by version and SHA-256, so editing or removing them rewrites the proof (R16).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ABORT = "SELECT RAISE(ABORT, '{table} is append-only');"
# A row's identity: the id, and for notice also its (purpose, version, language).
_SQLITE_EXISTING = {
    "consent_event": "id = NEW.id",
    "notice": "id = NEW.id OR (purpose = NEW.purpose AND version = NEW.version "
              "AND language = NEW.language)",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, same_row in _SQLITE_EXISTING.items():
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {same_row}) "
                f"BEGIN {_ABORT.format(table=table)} END"
            )
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER notice_no_{verb.lower()} BEFORE {verb} ON notice "
                f"BEGIN {_ABORT.format(table='notice')} END"
            )
        return
    op.execute(
        "CREATE FUNCTION notice_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'notice is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER notice_append_only BEFORE UPDATE OR DELETE ON notice "
        "FOR EACH ROW EXECUTE FUNCTION notice_append_only()"
    )
    op.execute(
        "CREATE TRIGGER notice_no_truncate BEFORE TRUNCATE ON notice "
        "FOR EACH STATEMENT EXECUTE FUNCTION notice_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("consent_event_no_replace", "notice_no_replace", "notice_no_update",
                     "notice_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    op.execute("DROP TRIGGER IF EXISTS notice_append_only ON notice")
    op.execute("DROP TRIGGER IF EXISTS notice_no_truncate ON notice")
    op.execute("DROP FUNCTION IF EXISTS notice_append_only()")
