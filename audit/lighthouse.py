"""`make audit`: Lighthouse's accessibility, best-practices and SEO scores for the article, the
board and a prediction page, each of which must be 100 (issue 15).

The site runs as in production's shape, gunicorn on a throwaway SQLite database holding the
bundled article and a small demo forum, at a free port on 127.0.0.1 that is also its
SITE_URL (canonical links must point at the page's own host). Lighthouse (audit/node_modules,
pinned in audit/package-lock.json) drives Debian's Chromium (`CHROME_PATH`). Nothing leaves
the machine. Prints one line a page, every audit that lost points, and exits 1 unless every
score is 100. Run from the repository's root: `.venv/bin/python audit/lighthouse.py`."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "audit" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ("accessibility", "best-practices", "seo")
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def forum(env: dict, *args: str) -> None:
    """A `forum` command, on this checkout's code (run from its root)."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "forum.app", *args], env=env,
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def audit(url: str, folder: Path) -> dict:
    report = folder / "report.json"
    subprocess.run(
        ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
         f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"],
        env={**os.environ, "CHROME_PATH": CHROMIUM}, check=True, timeout=300)
    return json.loads(report.read_text(encoding="utf-8"))


def lost_points(result: dict) -> list[str]:
    lines = []
    for category in CATEGORIES:
        for ref in result["categories"][category]["auditRefs"]:
            found = result["audits"][ref["id"]]
            if ref["weight"] and found.get("score") is not None and found["score"] < 1:
                lines.append(f"    {category}: {ref['id']}: {found['title']}")
    return lines


def main() -> int:
    if not LIGHTHOUSE.exists():
        print("Lighthouse is missing: run `make audit` (it installs audit/node_modules).")
        return 2
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        env = {**os.environ, "FORUM_ENV": "development", "SITE_URL": site,
               "DATABASE_URL": f"sqlite:///{folder / 'audit.db'}",
               "JOBS_URL": f"sqlite:///{folder / 'jobs.db'}", "SECRET_KEY": "audit-only"}
        forum(env, "db", "upgrade")
        forum(env, "seed")
        forum(env, "demo-data", "--users", "40", "--predictions", "30", "--forecasts", "300",
              "--comments", "120", "--seed", "15")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "forum.app:create_app()"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(site + "/")
            slug = get_json(site + "/api/v1/articles")["items"][0]["slug"]
            predictions = get_json(f"{site}/api/v1/articles/{slug}/predictions")["items"]
            pages = {"article": f"{site}/articles/{slug}",
                     "board": f"{site}/articles/{slug}/predictions",
                     "prediction": predictions[0]["url"]}
            perfect = True
            for name, url in pages.items():
                result = audit(url, folder)
                scores = {category: round(result["categories"][category]["score"] * 100)
                          for category in CATEGORIES}
                perfect &= all(score == 100 for score in scores.values())
                print(f"{name:<11} " + "  ".join(f"{category} {score}"
                                                 for category, score in scores.items())
                      + f"  ({url})")
                for line in lost_points(result):
                    print(line)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0 if perfect else 1


if __name__ == "__main__":
    sys.exit(main())
