"""Every SQL statement each benchmarked page runs, with its time and the database's plan.

    python -m bench.explain DATABASE_URL [PAGE-NAME-SUBSTRING]

Runs each page once in-process (uncached, as a member for the member pages), times every
statement, and prints EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL) for it, so
full scans and temporary sorts stand out.
"""

import sys
import time

from sqlalchemy import event

from bench import pages


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    url, wanted = argv[0], (argv[1] if len(argv) > 1 else "")
    app = pages.bench_app(url)
    found = [page for page in pages.find_pages(app) if wanted in page.name]
    from forum.extensions import db

    with app.app_context():
        engine = db.engine
    captured: list[list] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        elapsed = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
        captured.append([statement, parameters, elapsed])

    anonymous, member = app.test_client(), app.test_client()
    pages._login_test_client(member)
    for page in found:
        client = member if page.member else anonymous
        client.get(page.path)  # warm
        captured.clear()
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        started = time.perf_counter()
        status = client.get(page.path).status_code
        total = time.perf_counter() - started
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        sql_time = sum(item[2] for item in captured)
        print(f"\n=== {page.name} {page.path}: HTTP {status}, {total * 1000:.1f} ms, "
              f"{len(captured)} statements, {sql_time * 1000:.1f} ms in SQL")
        for statement, parameters, elapsed in captured:
            print(f"\n-- {elapsed * 1000:.2f} ms: {' '.join(statement.split())[:600]}")
            print(f"   params: {str(parameters)[:200]}")
            for line in _plan(engine, statement, parameters):
                print(f"   | {line}")
    return 0


def _plan(engine, statement: str, parameters) -> list[str]:
    if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
        return []
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(prefix + statement, parameters)
        rows = cursor.fetchall()
    except Exception as error:  # noqa: BLE001 (a plan we can't get is reported, not fatal)
        return [f"(no plan: {error})"]
    finally:
        connection.close()
    if engine.dialect.name == "sqlite":
        return [f"{'  ' * (row[1] > 0)}{row[3]}" for row in rows]
    return [row[0] for row in rows]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
