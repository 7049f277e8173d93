"""Timing word search (issue 15): the one query function behind the board's search and the
API's `q` (forum.board.queries.list_predictions), on the benchmark data, in-process.

Each query runs once to warm the caches, then RUNS times; the table gets the median and the
slowest run, with the process's CPU time (the wall time on a shared machine waits for the
CPU too). The goal is under 50 ms for a search. The queries are the demo data's versions of
what readers type: two rare words of a claim in another order ("Kim Trump" is "Kim
president" there), words that are only in comments, and the broad ones, which match most of
the board and so cost the most to rank and count: the commonest words of the demo claims,
criteria and comments (read from the index: "korea" is in 15,339 of 20,000 claims, "yes" in
every criteria, "number" and "update" each in about 53,000 comments), a stem that several
forms share, and a deep page of a broad search.

    python -m bench.search DATABASE_URL      # just the searches, on a database with demo data
"""

import statistics
import sys
import time

from flask import Flask

from bench.timed import Timing

RUNS = 20
GOAL_MS = 50
# (query, page): what each is, in the comment.
SEARCHES = (
    ("Kim president", 1),           # two words of a claim, in another order
    ("yongbyon inspectors", 1),     # both words, in any case
    ("satellite imagery", 1),       # only in comments
    ("sanctions patchy korea", 1),  # a claim's word and a comment's words
    ("korea", 1),                   # in most claims
    ("north korea", 1),             # two common words of claims
    ("resolves yes", 1),            # in every criteria: every prediction but hidden ones
    ("number update", 1),           # two words of 50,000 comments each, only in comments
    ("plenum", 1),                  # one word only in comments, under 12,676 predictions
    ("sanction", 1),                # a stem: finds "sanctions" and "sanctioned" too
    ("korea", 2),                   # the next page
    ("korea", 700),                 # a deep page (the 13,981st to 14,000th match)
)


def time_searches(app: Flask, slug: str) -> list[Timing]:
    """One Timing per query: median seconds, with the slowest run and the matches."""
    from forum.articles.services import get_article
    from forum.board.queries import RELEVANCE, list_predictions
    from forum.extensions import db

    timings = []
    with app.app_context():
        article = get_article(slug)
        for query, page in SEARCHES:
            list_predictions(article, query=query, sort=RELEVANCE, page=page)
            db.session.rollback()
            runs, cpu = [], []
            for _ in range(RUNS):
                started, started_cpu = time.perf_counter(), time.process_time()
                found = list_predictions(article, query=query, sort=RELEVANCE, page=page)
                runs.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                db.session.rollback()  # a fresh transaction, as each request has
            median, slowest = statistics.median(runs), max(runs)
            verdict = "under" if median * 1000 < GOAL_MS else "over"
            where = f", page {page}" if page > 1 else ""
            timings.append(Timing(
                f"search `{query}`{where}", median,
                f"median {median * 1000:.1f} ms ({verdict} {GOAL_MS} ms), slowest of {RUNS} "
                f"{slowest * 1000:.1f} ms, CPU {statistics.median(cpu) * 1000:.1f} ms; "
                f"{found.total:,} matches, {len(found.items)} on page {page}"))
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
