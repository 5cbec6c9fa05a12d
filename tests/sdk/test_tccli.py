"""The official CLI (tccli) against the twin.

tccli runs as a subprocess and signs with the machine's real time, so these tests keep the
twin's clock in real mode (the autouse `twin` fixture's default). It needs the scheme inside
--endpoint to use plain HTTP, and a throwaway HOME (it writes ~/.tccli on first run).
"""

import json
import os
import subprocess

import pytest

from twin_support import DEFAULT_ID, DEFAULT_KEY, PEER_ID, PEER_KEY


@pytest.fixture
def tccli(tccli_path, twin_server, tmp_path, twin):
    assert twin.clock()["mode"] == "real"

    def run(action, *args, secret_id=DEFAULT_ID, secret_key=DEFAULT_KEY, region="ap-guangzhou"):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TENCENTCLOUD_")}
        env.update(
            HOME=str(tmp_path),
            TENCENTCLOUD_SECRET_ID=secret_id,
            TENCENTCLOUD_SECRET_KEY=secret_key,
            TENCENTCLOUD_REGION=region,
            NO_PROXY="127.0.0.1", no_proxy="127.0.0.1",
        )
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(var, None)
        return subprocess.run(
            [tccli_path, "cbs", action, "--endpoint", twin_server.base_url, *args],
            capture_output=True, text=True, env=env, timeout=60,
        )

    return run


def ok_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_tccli_describe_disks_with_filter(tccli):
    out = ok_json(tccli(
        "DescribeDisks",
        "--Filters", json.dumps([{"Name": "instance-id", "Values": ["ins-cloudtw1"]}]),
    ))
    assert out["TotalCount"] == 2
    assert {d["DiskId"] for d in out["DiskSet"]} == {"disk-sysweb01", "disk-cloudtw1"}


def test_tccli_create_disks_then_seen_by_sdk(tccli, cbs, twin):
    twin.timing("immediate")
    out = ok_json(tccli(
        "CreateDisks",
        "--Placement", json.dumps({"Zone": "ap-guangzhou-3", "ProjectId": 1001}),
        "--DiskChargeType", "POSTPAID_BY_HOUR",
        "--DiskType", "CLOUD_SSD",
        "--DiskSize", "120",
        "--DiskName", "from-tccli",
    ))
    (disk_id,) = out["DiskIdSet"]
    d = cbs.disk(disk_id)
    assert (d["DiskName"], d["DiskType"], d["DiskSize"], d["DiskState"]) == (
        "from-tccli", "CLOUD_SSD", 120, "UNATTACHED")
    assert d["Placement"]["ProjectId"] == 1001
    # And tccli itself sees it by name.
    seen = ok_json(tccli("DescribeDisks", "--Filters", json.dumps([{"Name": "disk-name", "Values": ["from-tccli"]}])))
    assert [x["DiskId"] for x in seen["DiskSet"]] == [disk_id]


def test_tccli_error_has_code_on_stderr(tccli, cbs):
    result = tccli("AttachDisks", "--DiskIds", json.dumps(["disk-cloudtw2"]), "--InstanceId", "ins-nosuch00")
    assert result.returncode != 0
    assert "InvalidInstanceId.NotFound" in result.stderr
    assert cbs.disk("disk-cloudtw2")["DiskState"] == "UNATTACHED"


def test_tccli_wrong_key_is_signature_failure(tccli):
    result = tccli("DescribeDisks", secret_key=DEFAULT_KEY[:-1] + "X")
    assert result.returncode != 0
    assert "AuthFailure.SignatureFailure" in result.stderr


def test_tccli_peer_account_is_isolated(tccli):
    out = ok_json(tccli("DescribeDisks", "--DiskIds", json.dumps(["disk-cloudtw1"]),
                        secret_id=PEER_ID, secret_key=PEER_KEY))
    assert out["TotalCount"] == 0
