"""Staff accounts: hashing, the CLI, and slowing down repeated failed logins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from indexer.library import accounts

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
    # another client is not held up by this one's failures: it has its own count
    assert not accounts.authenticate(settings, "jose", "guess", "10.0.0.2", clock=clock)
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


def test_another_client_cannot_lock_a_user_out(settings):
    """Four wrong passwords for carol from one client: carol signs in from hers at once."""
    accounts.add_user(settings, "carol", "carol's long password")
    for _ in range(accounts.FREE_FAILURES):
        assert not accounts.authenticate(settings, "carol", "guess", "203.0.113.7")
    with pytest.raises(accounts.LoginThrottled):
        accounts.authenticate(settings, "carol", "guess", "203.0.113.7")
    assert accounts.authenticate(settings, "carol", "carol's long password", "192.0.2.1")
    log = accounts.login_log(settings)
    assert [e["outcome"] for e in log] == ["ok", "throttled", "wrong", "wrong", "wrong"]
    assert {(e["name"], e["client"]) for e in log} == {("carol", "203.0.113.7"),
                                                       ("carol", "192.0.2.1")}


def test_one_client_trying_many_names_and_many_clients_one_name_are_slowed(settings):
    now = [5000.0]
    clock = lambda: now[0]  # noqa: E731
    for i in range(accounts.CLIENT_FREE_FAILURES):
        assert not accounts.authenticate(settings, f"name{i}", "x", "10.9.9.9", clock=clock)
    with pytest.raises(accounts.LoginThrottled):
        accounts.authenticate(settings, "yet-another", "x", "10.9.9.9", clock=clock)
    accounts.add_user(settings, "dana", "dana's long password")
    for i in range(accounts.ACCOUNT_FREE_FAILURES):
        assert not accounts.authenticate(settings, "dana", "x", f"10.1.{i}.1", clock=clock)
    # spread over many clients, guessing dana's password is slowed down for everyone, but
    # by seconds (a delay, not a lock)
    with pytest.raises(accounts.LoginThrottled) as exc:
        accounts.authenticate(settings, "dana", "dana's long password", "10.2.0.1", clock=clock)
    assert exc.value.wait <= accounts.ACCOUNT_MAX_WAIT
    now[0] += accounts.ACCOUNT_MAX_WAIT + 1
    assert accounts.authenticate(settings, "dana", "dana's long password", "10.2.0.1",
                                 clock=clock)


def test_counting_is_atomic(settings):
    """40 concurrent wrong logins for one name from one client: no more password checks
    than the free failures (each check is a `wrong` in the login log)."""
    import threading

    accounts.add_user(settings, "erin", "erin's long password")
    barrier = threading.Barrier(40)
    outcomes: list[str] = []

    def attempt():
        barrier.wait()
        try:
            accounts.authenticate(settings, "erin", "guess", "10.5.5.5")
            outcomes.append("wrong")
        except accounts.LoginThrottled:
            outcomes.append("throttled")

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    checks = [e for e in accounts.login_log(settings, 100) if e["outcome"] == "wrong"]
    assert len(outcomes) == 40
    assert outcomes.count("wrong") == len(checks) == accounts.FREE_FAILURES


def test_secret_files_are_readable_by_their_owner_only(settings, tmp_path):
    import stat

    from indexer.library import jobs
    from search_app.auth import secret_key

    accounts.add_user(settings, "fatou", "a long enough password")
    assert jobs.in_batch(settings, "no-such-batch") == []  # opens (creates) jobs.sqlite3
    key_file = tmp_path / "cfg" / "secret_key"
    secret_key(config_with(settings, secret_key_file=str(key_file)))
    data = Path(settings.index_dir)
    for path in (data / "staff.sqlite3", data / "jobs.sqlite3", key_file):
        assert path.exists(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # a file left readable by an older version is narrowed when next opened
    (data / "staff.sqlite3").chmod(0o644)
    key_file.chmod(0o644)
    accounts.list_users(settings)
    secret_key(config_with(settings, secret_key_file=str(key_file)))
    assert stat.S_IMODE((data / "staff.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def config_with(settings, **changes):
    from dataclasses import replace

    return replace(settings, **changes)


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
    sid = accounts.start_session(settings, "fatou")
    r = run("password", "fatou", "--password-stdin", stdin="another long password\n")
    assert r.returncode == 0 and "sessions end" in r.stdout, r.stderr
    assert accounts.session_user(settings, sid) is None
    assert accounts.authenticate(settings, "fatou", "another long password", "1.2.3.4")
    assert run("remove", "fatou").returncode == 0
    assert "fatou" not in run("list").stdout


def test_sessions_expire_after_a_working_day(settings):
    accounts.add_user(settings, "gael", "a long enough password")
    start = 1_000_000.0
    sid = accounts.start_session(settings, "gael", clock=lambda: start)
    assert accounts.session_user(settings, sid, clock=lambda: start + 60) == "gael"
    later = start + accounts.SESSION_HOURS * 3600 + 1
    assert accounts.session_user(settings, sid, clock=lambda: later) is None
    assert accounts.session_user(settings, "forged", clock=lambda: start) is None
    accounts.end_session(settings, sid)
    assert accounts.session_user(settings, sid, clock=lambda: start + 60) is None
