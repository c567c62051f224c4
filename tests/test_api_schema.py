"""The JSON API driven by its own OpenAPI description (schemathesis, property-based): whatever a
client sends that the description allows — and much that it does not — the answer is never a 5xx
and always matches the schema declared for its status code.

The app runs under uvicorn on 127.0.0.1 over a real crawl of the sample sites plus a small archive
holding a gzip bomb (so /api/replay can meet a 413 too); requests go over real HTTP. Examples are
bounded (``MAX_EXAMPLES`` per operation and phase) so the run stays well under a minute on two cores.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from akhbar.web import create_app
from core.config import DataDir
from tests.hostile_site import BOMB_PATH, HostileArchiveSite, write_archive

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 30


@contextmanager
def serving(data: DataDir) -> Iterator[str]:
    """uvicorn serving the app over ``data`` on an ephemeral loopback port; yields its base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(data), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def api_base(crawl, tmp_path_factory) -> Iterator[str]:
    assert crawl.proc.returncode == 0, crawl.proc.stderr[-3000:]
    root = tmp_path_factory.mktemp("api-schema")
    shutil.copytree(crawl.data.root, root / "data")
    data = DataDir(root / "data")
    with HostileArchiveSite(64 * 1024 * 1024) as site:
        write_archive(data, site, root / "profiles")
        bomb = site.url(BOMB_PATH)
    with serving(data) as base:
        yield base, bomb


def _description() -> dict:
    """The description the app serves at /openapi.json (the same for any data directory; a test
    below checks the served one is this). Built at import, because schemathesis' lazy fixture
    loader does not run on pytest 9."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="akhbar-openapi-") as tmp:
        return create_app(DataDir(tmp)).openapi()


DESCRIPTION = _description()
schema = schemathesis.openapi.from_dict(DESCRIPTION)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_api_matches_its_own_description(case, api_base):
    # Every check but "a schema-valid request is accepted": a url the schema allows as a string
    # may still be no http(s) URL, and the API rightly answers that with its declared 400.
    case.call_and_validate(base_url=api_base[0], excluded_checks=[positive_data_acceptance])


def test_the_description_declares_every_error_answer(api_base):
    """The description served is the one tested, and the statuses the fuzzer rarely reaches are
    declared too, and answered as declared."""
    import requests

    base, bomb = api_base
    spec = requests.get(f"{base}/openapi.json", timeout=10).json()
    assert spec == DESCRIPTION
    replay = spec["paths"]["/api/replay"]["get"]["responses"]
    assert {"200", "400", "404", "410", "413", "422"} <= set(replay)
    resp = requests.get(f"{base}/api/replay", params={"url": bomb}, timeout=30)
    assert resp.status_code == 413 and set(resp.json()) == {"detail"}
