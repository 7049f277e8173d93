"""`make bench` (issue 7): demo data at full size, the forum under gunicorn (2 workers, the
production configuration) and a bare Flask "hello" app under the same gunicorn, each page
type loaded over loopback, then the timed operations. Prints the table and writes it to
bench/results.md.

    python -m bench                 # full size: 20,000 predictions, 1,000,000 forecasts
    python -m bench --small         # a quick run on a tenth of that
    BENCH_DATABASE_URL=postgresql+psycopg://… python -m bench   # an empty database to fill
    python -m bench --reuse --database-url sqlite:////tmp/forum.db   # skip loading
    python -m bench.copy_to_postgres sqlite:////tmp/forum.db postgresql+psycopg://…/bench_full
                                    # full-size data into PostgreSQL by COPY, then --reuse it
    python -m bench.search DATABASE_URL   # only the word searches (bench/search.py)
"""

import argparse
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from bench import dataset, load, pages, report, search, servers, timed

FULL = {"users": 5000, "predictions": 20_000, "forecasts": 1_000_000, "comments": 200_000}
SMALL = {"users": 1000, "predictions": 2000, "forecasts": 100_000, "comments": 20_000}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a tenth of the full size")
    for name in FULL:
        parser.add_argument(f"--{name}", type=int, help=f"demo-data --{name}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10, help="per page (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator (auto: wrk when installed)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="an empty database (default: SQLite in a temporary folder)")
    parser.add_argument("--reuse", action="store_true",
                        help="the database already holds demo data: don't load it")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--skip-timed", action="store_true",
                        help="skip resolving and recomputing (they change the data)")
    parser.add_argument("--dataset-only", action="store_true",
                        help="only time the open-data download (no page loads, no report file)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    folder = Path(tempfile.mkdtemp(prefix="forum-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'forum.db'}"
    try:
        return run(args, url)
    finally:
        if args.keep:
            print(f"Kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, url: str) -> int:
    sizes = {name: getattr(args, name) or (SMALL if args.small else FULL)[name] for name in FULL}
    sizes["seed"] = args.seed
    timings = []
    if not args.reuse:
        print(f"Loading demo data into {_safe(url)}: {sizes} …", flush=True)
        timings.append(timed.load_demo_data(url, sizes))
        print(f"  {timings[-1].seconds:.1f} s: {timings[-1].detail}", flush=True)
    app = pages.bench_app(url)
    slug = pages.featured_slug(app)
    if args.dataset_only:
        timings.append(_attempt("download the dataset", dataset.download_dataset, url, slug))
        print(*(f"{t.name}: {'failed' if t.seconds is None else f'{t.seconds:.2f} s'}; "
                f"{t.detail}" for t in timings), sep="\n")
        return 0
    found = pages.find_pages(app)
    pages.count_queries(app, found)
    settings = (f"{args.connections} connections, {args.seconds:g} s per page, "
                f"{'wrk' if args.tool != 'python' and load.wrk_path() else 'Python'} "
                "load generator, gunicorn 2 sync workers, FORUM_ENV=production")
    hello, hello_load, rows, memory = _load_pages(args, url, found, pages.probe_path(app))
    print("Timing word searches …", flush=True)
    found_searches = search.time_searches(app, slug)
    timings.extend(found_searches)
    print(*(f"  {t.name}: {t.detail}" for t in found_searches), sep="\n", flush=True)
    if not args.skip_timed:
        print("Timing a resolution and a full score recompute …", flush=True)
        timings.append(_attempt("resolve a busy prediction", timed.resolve_busy_prediction, app))
        timings.append(_attempt("`forum scores recompute`", timed.recompute_scores, url))
    print("Timing the open-data download …", flush=True)
    timings.append(_attempt("download the dataset", dataset.download_dataset, url, slug))
    body = report.table(hello, hello_load, rows, memory, timings, settings)
    print()
    print(body)
    written = report.write_results(body, f"{_safe(url)} ({_sizes_text(sizes)})")
    print(f"\nWritten to {written.relative_to(servers.ROOT)}")
    return 0


def _load_pages(args, url: str, found: list[pages.Page], probe: str):
    environment = {"DATABASE_URL": url, "FORUM_ENV": "production", "RATELIMIT_ENABLED": "false",
                   "SECRET_KEY": secrets.token_hex(32), "SITE_URL": "http://127.0.0.1"}
    hello_server = servers.start("hello", "bench.hello:app", {})
    forum_server = None
    try:
        forum_server = servers.start("forum", "forum.app:create_app()", environment)
        hello, hello_load = _measure(args, hello_server.base + "/", None, "hello")
        cookie = pages.http_login(forum_server.base)
        idle_url = forum_server.base + probe
        rows = []
        for page in found:
            if page.status != 200:
                print(f"  {page.name}: HTTP {page.status} in-process, not loaded", flush=True)
                rows.append(report.page_row(page, None, hello, os.getloadavg()[0]))
                continue
            servers.wait_idle(idle_url)
            result, started_load = _measure(args, forum_server.base + page.path,
                                            cookie if page.member else None, page.name)
            rows.append(report.page_row(page, result, hello, started_load))
            waited = servers.wait_idle(idle_url)
            if waited > 5:
                print(f"    (the workers needed {waited:.0f} s to finish the queued requests)",
                      flush=True)
        memory = {"forum": forum_server.peak_memory_mb(), "hello": hello_server.peak_memory_mb()}
    finally:
        hello_server.stop()
        if forum_server:
            forum_server.stop()
    return hello, hello_load, rows, memory


def _measure(args, target: str, cookie: str | None, name: str):
    load.run(target, 1, args.connections, cookie, args.tool)  # warm caches and connections
    started_load = os.getloadavg()[0]
    result = load.run(target, args.seconds, args.connections, cookie, args.tool)
    print(f"  {name}: {result.rps:,.0f} req/s, p99 {result.p99_ms:.1f} ms "
          f"(load {started_load:.1f})", flush=True)
    return result, started_load


def _attempt(name: str, operation, *args) -> timed.Timing:
    """Run a timed operation; a failure is reported in the table, not a crash."""
    try:
        return operation(*args)
    except Exception as error:  # noqa: BLE001 (any failure belongs in the report)
        last = str(error).strip().splitlines()[-1] if str(error).strip() else repr(error)
        print(f"  {name} failed: {last}", flush=True)
        return timed.Timing(name, None, f"failed: {last}")


def _safe(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _sizes_text(sizes: dict) -> str:
    counts = ", ".join(f"{value:,} {name}" for name, value in sizes.items() if name != "seed")
    return f"{counts}, seed {sizes['seed']}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
