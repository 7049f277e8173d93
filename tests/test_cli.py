"""The `forum` command line (SPEC.md §6): users and roles, and the installed console script."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, User
from tests.factories import DEFAULT_PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[1]
FORUM = Path(sys.executable).parent / "forum"


def find(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


# users create ---------------------------------------------------------------------------

def test_users_create_makes_a_member_who_can_log_in(auth, runner, client):
    result = runner.invoke(args=["users", "create", "bob", "--email", "Bob@Example.com",
                                 "--password", DEFAULT_PASSWORD])
    assert result.exit_code == 0, result.output
    assert result.output == "Created member bob.\n"
    user = find("bob")
    assert (user.role, user.email) == ("member", "bob@example.com")
    assert user.password_hash.startswith("scrypt:")
    response = auth.login("bob")
    assert response.status_code == 302


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_users_create_can_give_a_role(runner, role):
    result = runner.invoke(args=["users", "create", "mod", "--email", "mod@example.com",
                                 "--password", DEFAULT_PASSWORD, "--role", role])
    assert result.exit_code == 0, result.output
    assert result.output == f"Created {role} mod.\n"
    assert find("mod").role == role


def test_users_create_prompts_for_the_password_without_echoing_it(runner):
    result = runner.invoke(args=["users", "create", "bob", "--email", "bob@example.com"],
                           input=f"{DEFAULT_PASSWORD}\n{DEFAULT_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output
    assert "Repeat for confirmation:" in result.output
    assert DEFAULT_PASSWORD not in result.output
    assert find("bob").check_password(DEFAULT_PASSWORD)


def test_users_create_asks_again_when_the_prompted_passwords_differ(runner):
    result = runner.invoke(args=["users", "create", "bob", "--email", "bob@example.com"],
                           input=f"{DEFAULT_PASSWORD}\nsomething else\n")
    assert result.exit_code != 0
    assert "The two entered values do not match." in result.output
    assert find("bob") is None


@pytest.mark.parametrize("username", ["alice", "ALICE", "ａｌｉｃｅ"])
def test_users_create_refuses_a_taken_username(runner, alice, username):
    result = runner.invoke(args=["users", "create", username, "--email", "other@example.com",
                                 "--password", DEFAULT_PASSWORD])
    assert result.exit_code == 1
    assert "Error: username: That username is taken." in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_users_create_refuses_a_taken_email(runner, alice):
    result = runner.invoke(args=["users", "create", "bob", "--email", "ALICE@example.com",
                                 "--password", DEFAULT_PASSWORD])
    assert result.exit_code == 1
    assert "Error: email: An account with that email already exists." in result.output


def test_users_create_refuses_a_short_password_and_a_bad_username(runner):
    result = runner.invoke(args=["users", "create", "b o b", "--email", "bob@example.com",
                                 "--password", "short"])
    assert result.exit_code == 1
    assert "username: Use only letters A–Z, digits, '_' and '-'; remove spaces." in result.output
    assert "password: Use 10–200 characters." in result.output
    assert find("b o b") is None


def test_users_create_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "bob", "--email", "bob@example.com",
                                 "--password", DEFAULT_PASSWORD, "--role", "king"])
    assert result.exit_code == 1
    assert result.output == "Error: unknown role 'king'; choose one of member, moderator, admin.\n"
    assert find("bob") is None


def test_users_create_needs_an_email(runner):
    result = runner.invoke(args=["users", "create", "bob", "--password", DEFAULT_PASSWORD])
    assert result.exit_code == 2
    assert "Missing option '--email'" in result.output


# users set-role -------------------------------------------------------------------------

def test_users_set_role_changes_the_role_and_writes_the_audit_log(runner, alice):
    result = runner.invoke(args=["users", "set-role", "ALICE", "moderator"])
    assert result.exit_code == 0, result.output
    assert result.output == "alice is now moderator.\n"
    assert find("alice").role == "moderator"
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.actor_id, entry.action, entry.target_type, entry.target_id) == \
        (None, "role", "user", alice.id)
    assert entry.details == {"username": "alice", "previous": "member", "role": "moderator"}
    assert "command line" in entry.reason
    again = runner.invoke(args=["users", "set-role", "alice", "moderator"])
    assert again.output == "alice is already moderator.\n"
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 1


def test_users_set_role_refuses_an_unknown_user(runner):
    result = runner.invoke(args=["users", "set-role", "nobody", "admin"])
    assert result.exit_code == 1
    assert "Error: no user named 'nobody'." in result.output


def test_users_set_role_refuses_an_unknown_role(runner, alice):
    result = runner.invoke(args=["users", "set-role", "alice", "king"])
    assert result.exit_code == 1
    assert "Error: unknown role 'king'; choose one of member, moderator, admin." in result.output
    assert find("alice").role == "member"


def test_users_set_role_can_take_a_role_away(runner, app):
    make_user("mod", role="admin")
    assert runner.invoke(args=["users", "set-role", "mod", "member"]).exit_code == 0
    assert find("mod").role == "member"


# The installed console script ------------------------------------------------------------

def run_forum(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(FORUM), *args], check=False, capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


@pytest.fixture
def script_env(tmp_path):
    """The environment of an operator's shell, on a throwaway SQLite database."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("FORUM_ENV", "DATABASE_URL", "SECRET_KEY", "FLASK_APP")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", SECRET_KEY="cli-test-key",
               RATELIMIT_ENABLED="false")
    return env


def test_the_console_script_lists_the_commands(script_env):
    result = run_forum("--help", env=script_env)
    assert result.returncode == 0, result.stderr
    for command in ("db", "seed", "articles", "users", "run"):
        assert f"  {command} " in result.stdout


@pytest.mark.slow
def test_the_console_script_migrates_seeds_and_creates_users(script_env):
    steps = [
        (("db", "upgrade"), ""),
        (("seed",), "Imported: kim-jong-un-signals-a-shift"),
        (("seed",), "Up to date: kim-jong-un-signals-a-shift"),
        (("users", "create", "admin", "--email", "admin@example.com", "--password",
          DEFAULT_PASSWORD, "--role", "admin"), "Created admin admin."),
        (("users", "set-role", "admin", "moderator"), "admin is now moderator."),
    ]
    for args, expected in steps:
        result = run_forum(*args, env=script_env)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        assert expected in result.stdout
    again = run_forum("users", "create", "admin", "--email", "x@example.com", "--password",
                      DEFAULT_PASSWORD, env=script_env)
    assert again.returncode == 1
    assert "Error: username: That username is taken." in again.stderr


def test_flask_app_option_is_equivalent_to_the_console_script(script_env):
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "forum.app", "users", "--help"],
                            check=False, capture_output=True, text=True, cwd=ROOT, env=script_env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "set-role" in result.stdout


def test_the_console_script_refuses_production_without_a_secret_key(script_env):
    env = {key: value for key, value in script_env.items() if key != "SECRET_KEY"}
    result = run_forum("seed", env={**env, "FORUM_ENV": "production"})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: FORUM_ENV=production needs SECRET_KEY set in the environment.")


def test_a_role_set_on_the_command_line_shows_in_the_audit_log(runner, client, alice):
    make_user("root", role="admin")
    assert runner.invoke(args=["users", "set-role", "alice", "moderator"]).exit_code == 0
    client.post("/login", data={"username": "root", "password": DEFAULT_PASSWORD})
    page = client.get("/moderation/audit")
    assert page.status_code == 200
    assert ": member → moderator" in " ".join(page.text.split())
    assert "Set on the server&#39;s command line (forum users set-role)." in page.text
