"""The benchmark's table, printed and written to bench/results.md with the machine's details."""

import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.load import LoadResult, wrk_path
from bench.pages import Page
from bench.timed import Timing

RESULTS = Path(__file__).resolve().parent / "results.md"


def machine() -> list[str]:
    """One line each: CPU, memory, OS, Python, SQLite, load generator."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory = f"{int(memory) / 1024 / 1024:.1f} GB RAM"
    except OSError:
        memory = "unknown RAM"
    wrk = wrk_path()
    version = "none (Python load generator)"
    if wrk:
        run = subprocess.run([wrk, "--version"], check=False, capture_output=True, text=True)
        version = ((run.stdout or run.stderr).splitlines() or [wrk])[0]
    return [
        f"{os.cpu_count()} CPUs ({cpu}), {memory}; {platform.platform()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, wrk: {version}",
    ]


def page_row(page: Page, result: LoadResult | None, hello: LoadResult, load: float) -> str:
    if result is None:
        reason = f"HTTP {page.status}" if page.status != 200 else "not run"
        return (f"| {page.name} | `{page.path}` | {reason} | – | – | – | – | – | – | "
                f"{_n(page.queries)} | {load:.1f} |")
    if result.requests == 0:
        return (f"| {page.name} | `{page.path}` | {page.status} | 0 | 0% | – | – | > 5000 | "
                f"{result.errors + result.bad_status} | {_n(page.queries)} | {load:.1f} |")
    ratio = result.rps / hello.rps if hello.rps else 0
    return (f"| {page.name} | `{page.path}` | {page.status} | {result.rps:,.0f} | {ratio:.0%} | "
            f"{result.p50_ms:.1f} | {result.p95_ms:.1f} | {result.p99_ms:.1f} | "
            f"{result.errors + result.bad_status} | {_n(page.queries)} | {load:.1f} |")


def _n(value) -> str:
    return "–" if value is None else str(value)


def table(hello: LoadResult, hello_load: float, rows: list[str], memory: dict[str, float | None],
          timings: list[Timing], settings: str) -> str:
    lines = [
        f"Load: {settings}.",
        "",
        ("| page | path | status | req/s | vs hello | p50 ms | p95 ms | p99 ms | errors | "
         "SQL/req | load avg |"),
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        (f"| hello (bare Flask) | `/` | 200 | {hello.rps:,.0f} | 100% | {hello.p50_ms:.1f} | "
         f"{hello.p95_ms:.1f} | {hello.p99_ms:.1f} | {hello.errors + hello.bad_status} | 0 | "
         f"{hello_load:.1f} |"),
        *rows,
        "",
        "Peak memory per worker (VmHWM): " + ", ".join(
            f"{name} {value:.0f} MB" if value else f"{name} unknown"
            for name, value in memory.items()),
        "",
        "| timed operation | seconds | detail |",
        "| --- | ---: | --- |",
        *(f"| {t.name} | {'–' if t.seconds is None else f'{t.seconds:.2f}'} | {t.detail} |"
          for t in timings),
    ]
    return "\n".join(lines)


def write_results(body: str, database: str) -> Path:
    """bench/results.md: a timestamp, the machine, the database, then the table."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join([
        "# Benchmark results (`make bench`)", "",
        f"Run at {stamp}.", "",
        *(f"- {line}" for line in machine()),
        f"- Database: {database}",
        "", body, "",
        ("SQL/req: statements of one uncached request, counted in-process. load avg: the "
         "1-minute load average when the run started (the machine is shared; above the CPU "
         "count means other work competed with the benchmark)."), "",
    ])
    RESULTS.write_text(text, encoding="utf-8")
    return RESULTS
