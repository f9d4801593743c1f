"""Settings: each declared once with a default and a meaning; the environment overrides."""

from __future__ import annotations

from indexer import config


def test_every_setting_says_what_it_means():
    described = config.describe()
    assert described
    for name, _default, meaning in described:
        assert meaning and len(meaning) > 15, name


def test_environment_and_explicit_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("DIALOGUE_SEARCH_INDEX_DIR", str(tmp_path / "x"))
    monkeypatch.setenv("DIALOGUE_SEARCH_WRITE_LOCK_TIMEOUT", "2.5")
    s = config.load()
    assert s.index_dir == str(tmp_path / "x") and s.write_lock_timeout == 2.5
    assert config.load(index_dir="/elsewhere").index_dir == "/elsewhere"
    assert "en" in s.language_list and "fr" in s.language_list
