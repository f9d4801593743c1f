"""Staff accounts: hashing, the CLI, and slowing down repeated failed logins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from indexer import accounts

PROJECT = Path(__file__).resolve().parents[1]


def test_add_list_remove_and_hash_never_plain(settings):
    accounts.add_user(settings, "amina", "a long enough password")
    assert [u["name"] for u in accounts.list_users(settings)] == ["amina"]
    raw = (Path(settings.index_dir) / "staff.sqlite3").read_bytes()
    assert b"a long enough password" not in raw and b"scrypt:" in raw
    assert accounts.authenticate(settings, "amina", "a long enough password", "1.2.3.4")
    assert not accounts.authenticate(settings, "amina", "wrong", "1.2.3.4")
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.add_user(settings, "amina", "another long password")
    with pytest.raises(accounts.AccountError, match="at least 10"):
        accounts.add_user(settings, "short", "tiny")
    with pytest.raises(accounts.AccountError, match="user name"):
        accounts.add_user(settings, "../../etc", "a long enough password")
    accounts.remove_user(settings, "amina")
    assert not accounts.user_exists(settings, "amina")
    with pytest.raises(accounts.AccountError, match="no user"):
        accounts.remove_user(settings, "amina")


def test_failed_logins_are_slowed_down(settings):
    accounts.add_user(settings, "jose", "correct horse battery")
    now = [1000.0]
    clock = lambda: now[0]  # noqa: E731
    for _ in range(accounts.FREE_FAILURES):
        assert not accounts.authenticate(settings, "jose", "guess", "10.0.0.1", clock=clock)
    with pytest.raises(accounts.LoginThrottled) as exc:
        accounts.authenticate(settings, "jose", "correct horse battery", "10.0.0.1", clock=clock)
    assert exc.value.wait == 2
    # from another client too: the name is what is being guessed
    with pytest.raises(accounts.LoginThrottled):
        accounts.authenticate(settings, "jose", "guess", "10.0.0.2", clock=clock)
    now[0] += 2.5
    assert not accounts.authenticate(settings, "jose", "guess", "10.0.0.1", clock=clock)
    with pytest.raises(accounts.LoginThrottled) as exc:
        accounts.authenticate(settings, "jose", "guess", "10.0.0.1", clock=clock)
    assert exc.value.wait == 4  # doubles with each failure
    now[0] += 5
    assert accounts.authenticate(settings, "jose", "correct horse battery", "10.0.0.1",
                                 clock=clock)
    assert accounts.authenticate(settings, "jose", "correct horse battery", "10.0.0.1",
                                 clock=clock)  # a success clears the count
    # an unknown name fails like a wrong password (and is throttled the same way)
    assert not accounts.authenticate(settings, "nobody", "x", "10.0.0.9", clock=clock)


def test_cli_user_commands(settings):
    def run(*args, stdin=""):
        return subprocess.run([sys.executable, str(PROJECT / "index.py"), "user", *args,
                               "--index", settings.index_dir], input=stdin, text=True,
                              capture_output=True, timeout=60)

    r = run("add", "fatou", "--password-stdin", stdin="a long enough password\n")
    assert r.returncode == 0, r.stderr
    assert "fatou" in run("list").stdout
    r = run("add", "fatou", "--password-stdin", stdin="a long enough password\n")
    assert r.returncode == 2 and "already exists" in r.stderr
    r = run("add", "x2", "--password-stdin", stdin="short\n")
    assert r.returncode == 2 and "at least" in r.stderr
    assert run("remove", "fatou").returncode == 0
    assert "fatou" not in run("list").stdout
