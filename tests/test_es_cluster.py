"""The Elasticsearch backend on a real three-node cluster on loopback (``scripts/search-engine
cluster-start``), with a replica of every shard: the whole backend contract, then a crawl during
which the node holding the index's primary shard is killed with SIGKILL.

The module starts the cluster itself (ports 9250-9252 / 9350-9352, 256 MiB heaps; the single node
on 9200 that other tests use is never touched) and stops it at the end — unless it was already
running, when it is left as found. Java and the engine install come from ``.ci/run`` in CI, where a
cluster that cannot start fails the tests; elsewhere they are skipped with a loud reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("elasticsearch")

from elasticsearch import Elasticsearch

from akhbar.demo import FAST
from core.config import DataDir
from index.base import SearchQuery
from index.elastic import ElasticBackend
from samples.catalog import catalog
from tests.backend_contract import *  # noqa: F403 - the contract tests and the `backend` fixture
from tests.backend_contract import art, search
from tests.conftest import akhbar

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "search-engine"
NODES = 3
RUN = uuid.uuid4().hex[:8]


def engine(*args: str, check: bool = True, timeout: int = 400) -> subprocess.CompletedProcess:
    """Run ``scripts/search-engine`` (the script under test) and return what it said."""
    proc = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                          check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"search-engine {' '.join(args)} exited {proc.returncode}: {proc.stderr[-3000:]}")
    return proc


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the Elasticsearch cluster tests cannot run in CI: {reason}")
    pytest.skip(f"LOUD SKIP: Elasticsearch cluster tests not run: {reason}")


@pytest.fixture(scope="module")
def cluster_url() -> Iterator[str]:
    """The cluster's node URLs, comma-separated (``cluster-url``), as ``AKHBAR_ES_URL`` takes them."""
    already = engine("cluster-status", check=False).returncode == 0
    if not already:
        started = engine("cluster-start", str(NODES), check=False)
        if started.returncode != 0:
            _unavailable(f"scripts/search-engine cluster-start {NODES} failed: {started.stderr[-1500:]}")
    try:
        url = engine("cluster-url").stdout.strip()
        yield url
    finally:
        if not already:
            engine("cluster-stop", check=False)


@pytest.fixture
def client(cluster_url) -> Iterator[Elasticsearch]:
    es = Elasticsearch(cluster_url.split(","), request_timeout=60)
    yield es
    es.close()


@pytest.fixture
def prefix(client) -> Iterator[str]:
    name = f"akhbar-cluster-test-{RUN}-{uuid.uuid4().hex[:6]}"
    yield name
    client.indices.delete(index=f"{name}-articles-v*", ignore_unavailable=True, allow_no_indices=True)
    client.options(ignore_status=404).indices.delete_index_template(name=f"{name}-articles")


@pytest.fixture
def empty_backend(cluster_url, prefix) -> Iterator[ElasticBackend]:
    """A fresh index per test with one replica; every contract test from tests.backend_contract
    runs on it, reading from whichever copy the cluster picks."""
    b = ElasticBackend(cluster_url, prefix, replicas="1")
    yield b
    b.close()


# -- the cluster and its settings -------------------------------------------------------------


def _shards(client: Elasticsearch, index: str) -> list[dict]:
    return client.cat.shards(index=index, format="json", h="prirep,state,node").body


def test_cluster_has_three_nodes_apart_from_the_single_node(client, cluster_url):
    health = client.cluster.health()
    assert health["cluster_name"] == "akhbar-cluster" and health["number_of_nodes"] == NODES
    first = int(os.environ.get("AKHBAR_ES_CLUSTER_PORT", "9250"))
    assert cluster_url == ",".join(f"http://127.0.0.1:{first + i}" for i in range(NODES))
    single = f"http://127.0.0.1:{os.environ.get('AKHBAR_ES_PORT', '9200')}"
    assert engine("url").stdout.strip() == single, "the single node keeps its URL"
    assert single not in cluster_url.split(",")


def test_every_shard_has_a_replica_on_another_node(client, empty_backend):
    index = empty_backend.indices_of(empty_backend.alias)[0]
    settings = client.indices.get_settings(index=index)[index]["settings"]["index"]
    assert settings["number_of_replicas"] == "1" and settings["number_of_shards"] == "1"
    assert settings["auto_expand_replicas"] == "false"
    assert client.cluster.health(index=index, wait_for_status="green", timeout="60s")["status"] == "green"
    copies = _shards(client, index)
    assert sorted(c["prirep"] for c in copies) == ["p", "r"]
    assert len({c["node"] for c in copies}) == 2, copies


def test_shards_and_replicas_come_from_the_environment(cluster_url, prefix, client):
    from index.backends import BackendConfig, open_backend

    config = BackendConfig.from_settings({"AKHBAR_ES_URL": cluster_url, "AKHBAR_ES_INDEX_PREFIX": prefix,
                                          "AKHBAR_ES_SHARDS": "2", "AKHBAR_ES_REPLICAS": "0-all"})
    backend = open_backend("elasticsearch", DataDir(Path("/nonexistent")), es=config.es)
    try:
        backend.upsert([art(n, f"مفاوضات جولة {n}", f"نص الجولة {n} من المفاوضات في الرقة") for n in range(6)])
        index = backend.indices_of(backend.alias)[0]
        settings = client.indices.get_settings(index=index)[index]["settings"]["index"]
        assert settings["number_of_shards"] == "2" and settings["auto_expand_replicas"] == "0-all"
        assert backend.count() == 6 and search(backend, "مفاوضات").total == 6
    finally:
        backend.close()


@pytest.mark.parametrize("setting, value, command", [
    ("AKHBAR_ES_SHARDS", "two", ("crawl", "sample-watan", "--no-progress")), ("AKHBAR_ES_SHARDS", "0", ("search", "x")),
    ("AKHBAR_ES_REPLICAS", "one", ("search", "x")), ("AKHBAR_ES_REPLICAS", "2-1", ("search", "x"))])
def test_a_meaningless_shard_or_replica_setting_is_one_line(tmp_path, setting, value, command):
    """Refused before anything connects (no engine needed), by a crawl as by a search."""
    env = {**os.environ, "AKHBAR_BACKEND": "elasticsearch", setting: value}
    proc = akhbar(*command, data=DataDir(tmp_path), env=env, check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and setting in lines[0] and repr(value) in lines[0], lines
    assert b"Traceback" not in proc.stderr and not list(tmp_path.glob("warc/*")), "nothing was fetched"


def test_script_refuses_what_the_cluster_does_not_have(cluster_url):
    for args in (("node-stop", str(NODES + 1)), ("node-start", "0"), ("node-stop", "x"),
                 ("node-stop", "1", "--gently"), ("cluster-start", "5")):
        proc = engine(*args, check=False)
        assert proc.returncode != 0 and proc.stderr.count("\n") == 1, (args, proc.stderr)
        assert proc.stderr.startswith("search-engine: "), proc.stderr


def test_snapshot_and_restore_bring_the_index_back(client, empty_backend):
    """docs/search-cluster.md's backup: an ``fs`` repository in the directory every node has as
    ``path.repo``, a snapshot of the versioned index, the index lost, restored with its aliases."""
    b = empty_backend
    b.upsert([art(n, f"خبر {n}", f"نص المفاوضات رقم {n}") for n in range(12)])
    index = b.indices_of(b.alias)[0]
    repo = f"{b.prefix}-repo"
    location = client.nodes.info(metric="settings")["nodes"]
    roots = {tuple(n["settings"]["path"]["repo"]) for n in location.values()}
    assert len(roots) == 1, "every node sees the same snapshot directory"
    client.snapshot.create_repository(name=repo, repository={"type": "fs", "settings": {
        "location": f"{roots.pop()[0]}/{b.prefix}"}})
    try:
        snap = client.snapshot.create(repository=repo, snapshot="s1", indices=index, include_global_state=False,
                                      wait_for_completion=True)["snapshot"]
        assert snap["state"] == "SUCCESS" and snap["indices"] == [index]
        client.indices.delete(index=index)
        assert not b.indices_of(b.alias)
        client.snapshot.restore(repository=repo, snapshot="s1", indices=index, wait_for_completion=True)
        assert b.indices_of(b.alias) == b.indices_of(b.write_alias) == [index], "aliases came back with it"
        assert b.count() == 12 and search(b, "المفاوضات").total == 12
    finally:
        client.options(ignore_status=404).snapshot.delete(repository=repo, snapshot="s1")
        client.snapshot.delete_repository(name=repo)


# -- a node killed in the middle of a crawl ---------------------------------------------------


def _primary_node(client: Elasticsearch, index: str) -> str:
    started = [c for c in _shards(client, index) if c["prirep"] == "p" and c["state"] == "STARTED"]
    return started[0]["node"] if started else ""


def test_crawl_goes_on_when_the_primarys_node_is_killed(sample_sites, tmp_path, cluster_url, prefix, client):
    """The node holding the write index's primary shard is SIGKILLed while a crawl of the three
    sample sites indexes into the cluster: the replica is promoted on another node and indexing
    goes on through the surviving nodes; once the node is back (its copy recovered, green again),
    every sample article is in the index exactly once and nothing waits in the spool."""
    env = {**os.environ, "AKHBAR_BACKEND": "elasticsearch", "AKHBAR_ES_URL": cluster_url,
           "AKHBAR_ES_INDEX_PREFIX": prefix, "AKHBAR_ES_REPLICAS": "1"}
    backend = ElasticBackend(cluster_url, prefix, replicas="1")
    index = backend.indices_of(backend.write_alias)[0]
    backend.close()
    assert client.cluster.health(index=index, wait_for_status="green", timeout="60s")["status"] == "green"
    victim = _primary_node(client, index)
    node = victim.rsplit("-", 1)[-1]
    assert victim == f"akhbar-cluster-{node}"

    data = DataDir(tmp_path / "data").ensure()
    sites = ("watan", "dw", "aggregator")
    slow = {**FAST, "DOWNLOAD_DELAY": 0.25, "AUTOTHROTTLE_START_DELAY": 0.25, "AKHBAR_INDEX_BATCH": 2}
    cmd = [sys.executable, "-m", "akhbar.cli", "--data", str(data.root), "crawl", *[f"sample-{s}" for s in sites],
           "--no-progress", *[f"--base-url=sample-{s}={sample_sites.base_urls[s]}" for s in sites],
           *[f"--set={k}={v}" for k, v in slow.items()]]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    killed_at = None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            count = client.count(index=index)["count"]
            if count >= 2:
                killed_at = count
                engine("node-stop", node, "--kill")
                break
            time.sleep(0.2)
        assert killed_at is not None and proc.poll() is None, "the node was killed while the crawl was running"
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-3000:]

    # While the node is still down: a promoted primary elsewhere, and the articles after the kill in it.
    promoted = _primary_node(client, index)
    assert promoted and promoted != victim
    client.indices.refresh(index=index)
    during = client.count(index=index)["count"]
    assert during > killed_at, "indexing went on after the kill"

    engine("node-start", node)
    assert client.cluster.health(index=index, wait_for_status="green", timeout="120s")["status"] == "green"
    assert len({c["node"] for c in _shards(client, index)}) == 2

    report = {r["source"]: r for r in json.loads(sorted((data.state / "reports").glob("crawl-*.json"))[-1]
                                                 .read_text())}
    assert all(r["spool_pending"] == 0 for r in report.values()), report
    assert not list(data.spool.glob("*.jsonl")), "nothing waits in the spool"
    expected = {sample_sites.base_urls[a.site] + a.url_path for a in catalog() if "non_html" not in a.flags}
    backend = ElasticBackend(cluster_url, prefix, replicas="1")
    try:
        stored = list(backend.scan(SearchQuery(text="")))
        assert backend.count() == len(stored) == len(expected) == during
        assert {backend.get(u) is not None for u in expected} == {True}, "every article is in the index"
        keys = [a.get("canonical_url") or a["url"] for a in stored]
        assert len(set(keys)) == len(keys), "none twice"
    finally:
        backend.close()
