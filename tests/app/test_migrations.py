"""`flask db upgrade` from empty to head, and models that match the migrations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import reset_database


def insert_event(conn):
    """Event 1 as a row of an older schema (raw SQL: the models are newer)."""
    import sqlalchemy as sa

    conn.execute(
        sa.text(
            "INSERT INTO event (id, slug, name, languages, venue, code_salt, "
            "join_code_hash, created_at) VALUES (1, 'e', :name, 'es', '', "
            "'salt', 'hash', :at)"
        ),
        {"name": '{"es": "E"}', "at": "2020-01-01 00:00:00"},
    )


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
        insert_event(conn)
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


def test_the_tie_break_migration_declares_none_and_goes_back(app, db, runner):
    """0011 adds ``poll.tie_break``: every existing poll declares none (its
    ties stay ties, as before); the downgrade removes the column."""
    import sqlalchemy as sa

    reset_database(db.engine)
    assert runner.invoke(args=["db", "upgrade", "0010_audit_chain"]).exit_code == 0
    with db.engine.begin() as conn:
        insert_event(conn)
        columns = {c["name"]: c for c in sa.inspect(conn).get_columns("poll")}
        assert "tie_break" not in columns
        values = {
            "id": 1,
            "event_id": 1,
            "question": '{"es": "P"}',
            "position": 0,
            "method": "irv",
            "weighting": "delegate",
            "top_k": 2,
            "allow_ties": False,
            "allow_unranked": True,
            "results_visibility": "live",
            "display_theme": "light",
            "secret": True,
            "open_mode": False,
            "adoption_rule": "consensus",
            "adoption_threshold": 2 / 3,
            "publish_every": 5,
            "display_token": "token",
        }
        values = {k: v for k, v in values.items() if k in columns}
        conn.execute(
            sa.text(
                f"INSERT INTO poll ({', '.join(values)}) "
                f"VALUES ({', '.join(':' + k for k in values)})"
            ),
            values,
        )
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, tie_break FROM poll")).all() == [
            (1, "none")
        ]
    result = runner.invoke(args=["db", "downgrade", "0010_audit_chain"])
    assert result.exit_code == 0, result.output
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("poll")}
    assert "tie_break" not in columns and "method" in columns
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, method FROM poll")).all() == [
            (1, "irv")
        ]
