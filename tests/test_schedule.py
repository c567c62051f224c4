"""`akhbar schedule`: cron jobs, state that survives restarts, and a real scheduled crawl."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from akhbar.schedule import Job, ScheduleError, Scheduler, ScheduleState, due_at, load_jobs
from core.config import DataDir
from tests.conftest import akhbar


def test_defaults_cover_feeds_sitemaps_sections():
    jobs = {j.name: j for j in load_jobs(None)}
    assert jobs["feeds"].cron == "*/15 * * * *" and jobs["feeds"].discover == ("feeds",)
    assert set(jobs) == {"feeds", "sitemaps", "sections", "liveness"}
    assert jobs["liveness"].kind == "check-live" and jobs["feeds"].kind == "crawl"


def test_bad_config_is_a_clear_error(tmp_path):
    bad = tmp_path / "s.toml"
    bad.write_text('[[job]]\nsources = ["x"]\ncron = "every now and then"\n')
    with pytest.raises(ScheduleError, match="bad cron"):
        load_jobs(bad)
    bad.write_text('[[job]]\ncron = "* * * * *"\n')
    with pytest.raises(ScheduleError, match="needs sources"):
        load_jobs(bad)
    for body, message in (('kind = "rm -rf"', "kind must be one of"),
                          ('kind = "check-live"\ndiscover = ["feeds"]', "has no discover"),
                          ('kind = "check-live"\nlimit = -3', "limit is a count"),
                          ('limit = 5', "for check-live jobs")):
        bad.write_text(f'[[job]]\nsources = ["x"]\ncron = "* * * * *"\n{body}\n')
        with pytest.raises(ScheduleError, match=message):
            load_jobs(bad)


def test_a_check_live_job_runs_check_live_with_its_limit(tmp_path):
    data = DataDir(tmp_path).ensure()
    job = Job("liveness", ("x", "y"), (), "* * * * *", kind="check-live", limit=50)
    cmd = Scheduler(data, [job], lambda names: list(names)).command(job)
    assert cmd[cmd.index("check-live"):] == ["check-live", "--no-progress", "x", "y", "--limit", "50"]


def test_missed_slot_runs_once_after_restart(tmp_path):
    job = Job("feeds", ("x",), ("feeds",), "*/15 * * * *")
    state = ScheduleState(tmp_path / "schedule.json")
    t0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    state.mark(job, t0)
    reopened = ScheduleState(tmp_path / "schedule.json")  # a restart
    assert reopened.last_run(job) == t0
    assert due_at(job, reopened, t0 + timedelta(hours=5)) == datetime(2026, 11, 21, 10, 15, tzinfo=UTC)


def test_first_sight_does_not_run_immediately(tmp_path):
    data = DataDir(tmp_path).ensure()
    sched = Scheduler(data, [Job("j", ("x",), (), "* * * * *")], lambda names: list(names))
    assert sched.run_due() == []
    assert "j" in json.loads((data.state / "schedule.json").read_text())


@pytest.mark.slow
def test_scheduled_crawl_runs_when_due(sample_sites, tmp_data):
    base = sample_sites.base_urls["watan"]
    config = tmp_data.root / "schedule.toml"
    config.write_text(
        '[[job]]\nname = "watan-feed"\nsources = ["sample-watan"]\ndiscover = ["feeds"]\ncron = "0 3 1 1 *"\n'
        f'args = ["--base-url=sample-watan={base}", "--set=DOWNLOAD_DELAY=0", "--set=AUTOTHROTTLE_ENABLED=False"]\n')
    state_path = tmp_data.state / "schedule.json"
    long_ago = (datetime.now(UTC) - timedelta(days=800)).isoformat()  # a yearly slot was missed
    state_path.write_text(json.dumps({"watan-feed": long_ago}))

    first = akhbar("schedule", "--once", data=tmp_data)
    assert b"ran: watan-feed" in first.stdout
    assert list(tmp_data.warc.glob("sample-watan-*.warc.gz"))
    report = json.loads(sorted((tmp_data.state / "reports").glob("*.json"))[-1].read_text())[0]
    assert report["articles_new"] > 0
    assert json.loads(state_path.read_text())["watan-feed"] > long_ago

    again = akhbar("schedule", "--once", data=tmp_data)
    assert b"nothing was due" in again.stdout


@pytest.mark.slow
def test_scheduled_check_live_runs_when_due(sample_sites, tmp_data):
    base = sample_sites.base_urls["watan"]
    fast = [f"--base-url=sample-watan={base}", "--set=DOWNLOAD_DELAY=0", "--set=AUTOTHROTTLE_ENABLED=False"]
    akhbar("crawl", "sample-watan", "--no-progress", *fast, data=tmp_data)
    (tmp_data.root / "schedule.toml").write_text(
        '[[job]]\nname = "daily-check"\nkind = "check-live"\nsources = ["sample-watan"]\nlimit = 3\n'
        f'cron = "0 3 1 1 *"\nargs = {json.dumps(fast)}\n')
    long_ago = (datetime.now(UTC) - timedelta(days=800)).isoformat()
    (tmp_data.state / "schedule.json").write_text(json.dumps({"daily-check": long_ago}))
    out = akhbar("schedule", "--once", data=tmp_data)
    assert b"ran: daily-check" in out.stdout
    report = json.loads(sorted((tmp_data.state / "reports").glob("*.json"))[-1].read_text())[0]
    assert report["liveness"]["checked"] == 3 and report["liveness"]["unchanged"] == 3
