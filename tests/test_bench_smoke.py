"""`make bench`'s parts, quickly: the load generator, the page finder, the query counter."""

import re
import threading

import pytest
from werkzeug.serving import make_server

from bench import load, pages, report, search
from bench.hello import app as hello_app
from forum.demo_data import DemoSizes, generate
from forum.extensions import db


@pytest.fixture
def hello_url():
    server = make_server("127.0.0.1", 0, hello_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join()


def test_the_python_load_generator_measures_a_server(hello_url):
    result = load.run(hello_url, seconds=0.5, connections=2, tool="python")
    assert result.requests > 0 and result.errors == 0 and result.bad_status == 0
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms
    assert result.rps > 0


@pytest.mark.real_commits  # the bench builds its own app on the database
def test_pages_are_found_and_their_queries_counted_on_demo_data(app):
    generate(DemoSizes(users=20, predictions=30, forecasts=400, comments=80, seed=4))
    db.session.commit()
    bench_app = pages.bench_app(app.config["SQLALCHEMY_DATABASE_URI"])
    found = pages.find_pages(bench_app)
    assert [page.name for page in found][:3] == [
        "article + board", "article + board (member)", "board, page 1"]
    assert any(page.member for page in found)
    pages.count_queries(bench_app, found)
    assert all(isinstance(page.status, int) for page in found)
    assert all(page.queries is not None and page.queries >= 0 for page in found)
    home = found[0]
    assert home.status == 200 and home.queries > 0
    with bench_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.real_commits  # the bench builds its own app on the database
def test_the_search_timings_run_every_query_and_report_its_matches(app, monkeypatch):
    generate(DemoSizes(users=20, predictions=60, forecasts=400, comments=300, seed=4))
    db.session.commit()
    monkeypatch.setattr(search, "RUNS", 2)
    bench_app = pages.bench_app(app.config["SQLALCHEMY_DATABASE_URI"])
    timings = search.time_searches(bench_app, pages.featured_slug(bench_app))
    assert [timing.name for timing in timings][-2:] == ["search `korea`, page 2",
                                                        "search `korea`, page 700"]
    assert len(timings) == len(search.SEARCHES)
    assert all(timing.seconds > 0 and "CPU" in timing.detail for timing in timings)
    korea = next(timing for timing in timings if timing.name == "search `korea`")
    assert re.search(r"; [1-9][\d,]* matches, 20 on page 1$", korea.detail), korea.detail
    assert timings[-1].detail.endswith(", 0 on page 700")
    with bench_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_page_that_did_not_answer_is_reported_not_divided_by_zero():
    hello = load.LoadResult(1000, 1.0, 1.0, 2.0, 3.0, 0, 0, "wrk")
    silent = load.LoadResult(0, 10.0, 0.0, 0.0, 0.0, 0, 0, "wrk")
    page = pages.Page("slow page", "/slow", status=200, queries=7)
    row = report.page_row(page, silent, hello, 1.0)
    assert "> 5000" in row and "| 7 |" in row
    missing = pages.Page("leaderboard", "/leaderboard", status=404)
    assert "HTTP 404" in report.page_row(missing, None, hello, 1.0)


@pytest.mark.real_commits  # the bench builds its own app on the database
def test_the_timed_resolve_resolves_the_busiest_open_prediction_through_the_api(app):
    from sqlalchemy import select

    from bench import timed
    from forum.models import Prediction

    generate(DemoSizes(users=20, predictions=30, forecasts=400, comments=20, seed=4))
    db.session.commit()
    busiest = db.session.scalars(select(Prediction).where(Prediction.status == "open")
                                 .order_by(Prediction.forecast_count.desc(), Prediction.id)).first()
    bench_app = pages.bench_app(app.config["SQLALCHEMY_DATABASE_URI"])
    timing = timed.resolve_busy_prediction(bench_app)
    assert timing.seconds is not None and timing.seconds > 0
    assert f"({busiest.forecast_count:,} forecasts from" in timing.name
    assert f"/api/v1/predictions/{busiest.id}/resolution" in timing.detail
    assert f"{busiest.forecaster_count:,} score rows" in timing.detail
    db.session.rollback()  # a new snapshot: the bench committed on its own connection
    assert db.session.get(Prediction, busiest.id).status == "resolved"
    with bench_app.app_context():
        db.session.remove()
        db.engine.dispose()
