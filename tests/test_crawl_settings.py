"""Configuration is read once: the application turns the environment into settings, components
derive every path from the one data-directory setting."""

from __future__ import annotations

import importlib
from pathlib import Path

import crawler.settings as project_settings
from akhbar.crawl import build_settings, environment_settings
from core.config import DataDir


def test_the_settings_module_reads_no_environment(monkeypatch):
    monkeypatch.setenv("AKHBAR_BACKEND", "elasticsearch")
    monkeypatch.setenv("AKHBAR_CONTACT_URL", "https://example.org/contact")
    monkeypatch.setenv("AKHBAR_DATA", "/somewhere/else")
    source = Path(project_settings.__file__).read_text(encoding="utf-8")
    assert "os.environ" not in source and "getenv" not in source and "from_env" not in source
    fresh = importlib.reload(project_settings)
    assert fresh.AKHBAR_BACKEND == "embedded" and fresh.AKHBAR_DATA_DIR == "akhbar-data"
    assert "example.org" not in fresh.USER_AGENT


def test_the_environment_reaches_the_crawl_through_build_settings(tmp_path):
    data = DataDir(tmp_path)
    env = {"AKHBAR_BACKEND": "elasticsearch", "AKHBAR_OPERATOR": "Archive of X",
           "AKHBAR_CONTACT_URL": "https://example.org/contact", "UNRELATED": "1"}
    assert set(environment_settings(env)) == {"AKHBAR_BACKEND", "AKHBAR_OPERATOR", "AKHBAR_CONTACT_URL",
                                              "USER_AGENT"}
    settings = build_settings(data, environ=env)
    assert settings.get("AKHBAR_BACKEND") == "elasticsearch"
    assert settings.get("AKHBAR_OPERATOR") == "Archive of X"
    assert settings.get("USER_AGENT").endswith("(Arabic news archiver; +https://example.org/contact)")
    assert DataDir.from_settings(settings) == data
    overridden = build_settings(data, {"AKHBAR_BACKEND": "embedded"}, environ=env)
    assert overridden.get("AKHBAR_BACKEND") == "embedded", "-s wins over the environment"


def test_one_data_dir_setting_moves_every_path(tmp_path):
    moved = tmp_path / "elsewhere"
    settings = build_settings(DataDir(tmp_path / "first"), {"AKHBAR_DATA_DIR": str(moved)}, environ={})
    data = DataDir.from_settings(settings)
    assert data.root == moved.resolve()
    assert data.warc == moved.resolve() / "warc" and data.fetchlog == moved.resolve() / "state" / "fetchlog.sqlite"
    assert not any(settings.get(name) for name in (
        "AKHBAR_BOILERPLATE_DIR", "AKHBAR_WARC_DIR", "AKHBAR_CDX_DIR", "AKHBAR_INDEX_PATH",
        "AKHBAR_FETCHLOG_PATH", "AKHBAR_SPOOL_DIR", "AKHBAR_LOCK_DIR"))
