"""The open-data download, timed: one gunicorn worker (the production configuration) serves
`/articles/<slug>/dataset.zip` of the featured article; the time to receive all of it, and how
much the worker's peak memory (VmHWM) grew while streaming it (issue 16: under 20 s and under
100 MB at a million forecasts)."""

import os
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import servers
from bench.timed import Timing

CHUNK = 256 * 1024


def download_dataset(database_url: str, slug: str) -> Timing:
    """Start a one-worker server, warm it on the board, then stream the dataset once and ask
    again with its ETag (a 304 is expected)."""
    environment = {"DATABASE_URL": database_url, "FORUM_ENV": "production",
                   "RATELIMIT_ENABLED": "false", "SECRET_KEY": secrets.token_hex(32),
                   "SITE_URL": "http://127.0.0.1"}  # production refuses to start without it
    server = servers.start("dataset", "forum.app:create_app()", environment, workers=1)
    url = f"{server.base}/articles/{slug}/dataset.zip"
    try:
        urllib.request.urlopen(f"{server.base}/articles/{slug}/predictions", timeout=60).read()
        before = server.peak_memory_mb()
        cpu_before = _cpu_seconds(server)
        started = time.perf_counter()
        size = 0
        with urllib.request.urlopen(url, timeout=600) as response:
            etag = response.headers.get("ETag", "")
            while chunk := response.read(CHUNK):
                size += len(chunk)
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(server) - cpu_before
        after = server.peak_memory_mb()
        again = _status(urllib.request.Request(url, headers={"If-None-Match": etag}))
    finally:
        server.stop()
    growth = ("unknown" if before is None or after is None
              else f"{before:.0f} → {after:.0f} MB, +{after - before:.0f} MB")
    detail = (f"{size / 1e6:.1f} MB zip streamed, {cpu:.1f} s of the worker's CPU (load "
              f"average {os.getloadavg()[0]:.1f}); worker peak memory {growth}; "
              f"asked again with its ETag: {again}")
    return Timing(f"download the dataset (`/articles/{slug}/dataset.zip`)", elapsed, detail)


def _cpu_seconds(server: servers.Server) -> float:
    """CPU time (user + system) the server's workers have used so far (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in server.workers():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _status(request: urllib.request.Request) -> str:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return str(response.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
