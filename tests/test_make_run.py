"""`make run` serves with gunicorn and runs `forum worker` beside it; Ctrl-C stops both
(SPEC.md §6a). The test runs the Makefile's own recipe, with the install step taken as done."""

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD
from tests.mail_support import SmtpServer
from tests.servers import ROOT, free_port, wait_until_serving

pytestmark = pytest.mark.real_commits  # `make run` serves the data from its own processes


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_make_run_starts_the_worker_beside_gunicorn_and_ctrl_c_stops_both(tmp_path):
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("runs on its own SQLite file; the SQLite pass covers it")
    smtp = SmtpServer().start()
    port = free_port()
    stamp = tmp_path / "installed"
    stamp.touch()
    os.utime(stamp, (time.time() + 3600, time.time() + 3600))  # newer than pyproject.toml
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'forum.db'}",
           "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.db'}", "MAIL_URL": smtp.url,
           "SECRET_KEY": "make-run-test", "SITE_URL": f"http://127.0.0.1:{port}",
           # make run's own limit store (the instance folder's file), with counters apart
           # from earlier runs': the registration limit is 5 an hour
           "RATELIMIT_KEY_PREFIX": f"forum-test-{uuid.uuid4().hex[:10]}",
           "PYTHONPATH": str(ROOT)}  # this checkout, whichever the venv was installed from
    make = subprocess.Popen(
        ["make", "run", f"VENV={Path(sys.executable).parent.parent}", f"STAMP={stamp}",
         f"PORT={port}", "WORKERS=1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, make, seconds=60)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{url}/register", timeout=10).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({
            "csrf_token": token, "username": "newbie", "email": "newbie@example.com",
            "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD}).encode()
        assert opener.open(f"{url}/register", data=form, timeout=10).status == 200
        [message] = smtp.inbox.wait_for(1, seconds=30)  # sent by the worker make started
        assert "/activate/" in message.get_body(("plain",)).get_content()
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        make.wait(timeout=30)
        deadline = time.monotonic() + 20
        while group_alive(make.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_alive(make.pid), "gunicorn or the worker outlived Ctrl-C"
    finally:
        if group_alive(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
        smtp.stop()
