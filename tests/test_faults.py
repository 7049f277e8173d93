"""The database going away mid-request gives a 503 page (or JSON error), not a traceback, and
the app serves again as soon as it is back."""

import sqlite3

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from forum.extensions import db


@pytest.fixture
def outage(app):
    """While `state["down"]` is true every statement fails as if the server were gone."""
    state = {"down": False}

    def fail_when_down(conn, cursor, statement, *args):
        if state["down"]:
            raise OperationalError(statement, {}, sqlite3.OperationalError("server closed the "
                                                                           "connection"))

    event.listen(db.engine, "before_cursor_execute", fail_when_down)
    yield state
    event.remove(db.engine, "before_cursor_execute", fail_when_down)


def test_database_outage_gives_a_503_page_then_recovers(client, article, outage):
    outage["down"] = True
    response = client.get("/")
    assert response.status_code == 503
    assert b"right back" in response.data
    assert b"Traceback" not in response.data
    assert response.headers["Retry-After"] == "5"
    outage["down"] = False
    assert client.get("/").status_code == 200


def test_database_outage_gives_a_json_error_under_the_api(client, article, outage):
    outage["down"] = True
    response = client.get("/api/v1/articles")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "server_error"
    outage["down"] = False
    assert client.get("/api/v1/articles").status_code == 200


@pytest.mark.real_commits  # the killer is a connection of its own
def test_connections_killed_by_the_server_are_replaced_transparently(app, client, article):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs a database server whose connections can be killed")
    assert client.get("/").status_code == 200
    killer = db.engine.connect()
    killer.execute(text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ))
    killer.commit()
    killer.close()
    assert client.get("/").status_code == 200
