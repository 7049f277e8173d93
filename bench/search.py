"""Timing word search (issue 15): the one query function behind the board's search and the
API's `q` (forum.board.queries.list_predictions), on the benchmark data, in-process.

Each query runs once to warm the caches, then RUNS times; the table gets the median and the
slowest run. The goal is under 50 ms for a search. The queries are the demo data's versions
of what readers type: two rare words of a claim in another order ("Kim Trump" is "Kim
president" there), words that are only in comments, and a word in most claims.

    python -m bench.search DATABASE_URL      # just the searches, on a database with demo data
"""

import statistics
import sys
import time

from flask import Flask

from bench.timed import Timing

RUNS = 20
GOAL_MS = 50
SEARCHES = (
    "Kim president",          # two words of a claim, in another order
    "yongbyon inspectors",    # both words, in any case
    "satellite imagery",      # only in comments
    "sanctions patchy korea",  # a claim's word and a comment's words
    "korea",                  # in most claims: the longest list to rank
)


def time_searches(app: Flask, slug: str) -> list[Timing]:
    """One Timing per query: median seconds, with the slowest run and the matches."""
    from forum.articles.services import get_article
    from forum.board.queries import RELEVANCE, list_predictions
    from forum.extensions import db

    timings = []
    with app.app_context():
        article = get_article(slug)
        for query in SEARCHES:
            list_predictions(article, query=query, sort=RELEVANCE)
            runs = []
            for _ in range(RUNS):
                started = time.perf_counter()
                found = list_predictions(article, query=query, sort=RELEVANCE)
                runs.append(time.perf_counter() - started)
                db.session.rollback()  # a fresh transaction, as each request has
            median, slowest = statistics.median(runs), max(runs)
            verdict = "under" if median * 1000 < GOAL_MS else "over"
            timings.append(Timing(
                f"search `{query}`", median,
                f"median {median * 1000:.1f} ms ({verdict} {GOAL_MS} ms), slowest of {RUNS} "
                f"{slowest * 1000:.1f} ms; {found.total:,} matches, page 1 of 20"))
    return timings


def main(argv: list[str]) -> int:
    from bench.pages import bench_app, featured_slug

    if len(argv) != 1:
        print("usage: python -m bench.search DATABASE_URL", file=sys.stderr)
        return 2
    app = bench_app(argv[0])
    for timing in time_searches(app, featured_slug(app)):
        print(f"{timing.name}: {timing.detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
