"""Load generators: wrk (Debian's `wrk` package) when installed, else a Python one.

Both hold `connections` connections open against one URL for `seconds` and report requests
per second, latency percentiles and how many answers were not 2xx/3xx.
"""

import http.client
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

_WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # socket errors and timeouts
    bad_status: int  # answers that were not 2xx or 3xx
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run(url: str, seconds: float, connections: int, cookie: str | None = None,
        tool: str = "auto") -> LoadResult:
    """Load `url`; `tool` is "wrk", "python" or "auto" (wrk if installed)."""
    if tool == "wrk" or (tool == "auto" and wrk_path()):
        return _wrk(url, seconds, connections, cookie)
    return _python(url, seconds, connections, cookie)


def _wrk(url: str, seconds: float, connections: int, cookie: str | None) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT)
    command = [wrk_path() or "wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--timeout", "5s", "-s", script.name]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    try:
        output = subprocess.run(command + [url], capture_output=True, text=True,
                                check=True).stdout
    finally:
        Path(script.name).unlink(missing_ok=True)
    match = re.search(r"^BENCH (.+)$", output, flags=re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk gave no summary:\n{output}")
    requests, micros, p50, p95, p99, errors, status = map(int, match.group(1).split())
    return LoadResult(requests, micros / 1e6, p50 / 1000, p95 / 1000, p99 / 1000, errors,
                      status, "wrk")


def _python(url: str, seconds: float, connections: int, cookie: str | None) -> LoadResult:
    """Threads with keep-alive http.client connections (reconnecting when the server closes)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Cookie": cookie} if cookie else {}
    latencies: list[float] = []
    counts = {"errors": 0, "bad": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        mine, errors, bad = [], 0, 0
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
                continue
            mine.append(time.perf_counter() - started)
            bad += not 200 <= response.status < 400
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        connection.close()
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors
            counts["bad"] += bad

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return LoadResult(len(latencies), elapsed, _percentile(latencies, 50),
                      _percentile(latencies, 95), _percentile(latencies, 99),
                      counts["errors"], counts["bad"], "python")


def _percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return ordered[index] * 1000
