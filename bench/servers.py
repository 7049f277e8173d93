"""Starting and stopping gunicorn (as `make run` does: 2 sync workers), and its workers' memory."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The worker processes' ids (the master's children)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def peak_memory_mb(self) -> float | None:
        """The largest peak resident size (VmHWM) among the workers, in MB."""
        peaks = [_vm_hwm(pid) for pid in self.workers()]
        peaks = [peak for peak in peaks if peak is not None]
        return max(peaks) / 1024 if peaks else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, target: str, env: dict[str, str], workers: int = 2,
          probe: str = "/") -> Server:
    """Start gunicorn on a free loopback port and wait until it answers `probe`."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--chdir", str(ROOT), "--log-level", "warning", target]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT)
    server = Server(name, process, port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn for {name} exited with status {process.returncode}")
        try:
            urllib.request.urlopen(server.base + probe, timeout=5).read()
            return server
        except urllib.error.HTTPError:
            return server  # it answers, even if not with 200
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn for {name} did not answer within a minute")


def wait_idle(url: str, fast: float = 0.25, limit: float = 300) -> float:
    """Wait until the server answers `url` quickly again (requests a slow page left queued
    would otherwise be served during the next page's run); returns the seconds waited."""
    started = time.monotonic()
    quick = 0
    while quick < 2 and time.monotonic() - started < limit:
        asked = time.monotonic()
        try:
            urllib.request.urlopen(url, timeout=60).read()
        except OSError:
            time.sleep(0.5)
            continue
        quick = quick + 1 if time.monotonic() - asked < fast else 0
    return time.monotonic() - started


def _vm_hwm(pid: int) -> int | None:
    """A process's peak resident set size in kB (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
