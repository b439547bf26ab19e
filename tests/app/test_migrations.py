"""`flask db upgrade` from empty to head, and models that match the migrations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import reset_database


def test_upgrade_from_empty_to_head_matches_the_models(app, db, runner):
    reset_database(db.engine)
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_downgrade_to_base_removes_every_table(app, db, runner):
    reset_database(db.engine)
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    import sqlalchemy as sa

    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()


def test_the_lobby_migration_admits_every_existing_participant(app, db, runner):
    """0002 adds ``walk_in`` and ``admitted``: who was there before votes on."""
    import sqlalchemy as sa

    reset_database(db.engine)
    result = runner.invoke(args=["db", "upgrade", "4408f2150b36"])
    assert result.exit_code == 0, result.output
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO event (id, slug, name, languages, venue, code_salt, "
                "join_code_hash, created_at) VALUES (1, 'e', :name, 'es', '', "
                "'salt', 'hash', :at)"
            ),
            {"name": '{"es": "E"}', "at": "2020-01-01 00:00:00"},
        )
        conn.execute(
            sa.text(
                "INSERT INTO participant (id, event_id, name, created_at) "
                "VALUES (:id, 1, :name, :at)"
            ),
            [
                {"id": 1, "name": "Registered", "at": "2020-01-01 00:00:00"},
                {"id": 2, "name": "Joined by code", "at": "2020-01-01 00:00:00"},
            ],
        )
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, admitted, walk_in FROM participant ORDER BY id")
        ).all()
    assert [(i, bool(a), bool(w)) for i, a, w in rows] == [
        (1, True, False),
        (2, True, False),
    ]
