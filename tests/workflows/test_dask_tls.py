"""Issue #19: the Dask executor over ``tls://`` (self-signed certificates made here, real
scheduler and worker on loopback), and never secrets over plain ``tcp://`` off this host."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.cli import cli
from fixtures.dask_cluster import DaskCluster, TlsFiles
from fixtures.dask_workflows import Submitter, finish
from fixtures.vaults import self_signed_cert

FAST = {"SCRIPTRUNNER_CLUSTER_TIMEOUT": "3", "SCRIPTRUNNER_KILL_GRACE": "1"}


@pytest.mark.slow  # it starts a scheduler and a worker
def test_a_workflow_runs_over_tls_with_certificate_options(
    dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    cert, key = self_signed_cert(certs)  # its own CA: it signs what both ends present
    dask_cluster.tls = TlsFiles(ca=cert, cert=cert, key=key)
    address = dask_cluster.start_scheduler()
    assert address.startswith("tls://127.0.0.1:")
    dask_cluster.add_worker("w1")
    sub = Submitter(tmp_path / "submitter")
    wf = sub.workflow(
        {
            "a": {"run": sub.task("a", "--out", "v=1")},
            "b": {"needs": "a", "run": sub.task("b", "--out", "got=${{ needs.a.outputs.v }}")},
        }
    )
    tls = ("--tls-ca-file", str(cert), "--tls-cert", str(cert), "--tls-key", str(key))
    code, _, err, _ = finish(sub.start(wf, "--scheduler", address, *tls, env=FAST), 30)
    assert code == 0, err
    assert sub.tasks() == {"a": "succeeded", "b": "succeeded"}
    assert len(sub.starts("a")) == len(sub.starts("b")) == 1


def test_secrets_are_never_sent_to_a_remote_scheduler_over_plain_tcp(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text("secrets:\n  TOKEN: vault://secret/app#token\ntasks:\n  a:\n    run: 'true'\n")
    # A documentation address (TEST-NET-1): nothing may even try to reach it.
    r = cli(
        tmp_path / "home",
        "workflow",
        "run",
        str(wf),
        "--executor",
        "dask",
        "--scheduler",
        "tcp://192.0.2.1:8786",
        timeout=30,
    )
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.splitlines() if "tcp://192.0.2.1:8786" in line]
    assert len(lines) == 1, r.stderr
    assert "tls://" in lines[0] and "--allow-plaintext-secrets" in lines[0]
