"""Helpers shared by the SDK suite: the control-plane client, the SDK clock, and a thin wrapper
around the official `CbsClient` that calls actions through the SDK's typed request/response
models and hands back plain dicts.

Fixtures that wire these together live in conftest.py.
"""

import datetime
import json
import re
import time as _real_time

import pytest
import requests
from tencentcloud.cbs.v20170312 import cbs_client, models
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

# ------------------------------------------------------------------------------ credentials

DEFAULT_ID = "AKIDcloudtwinEXAMPLEid000000000000"
DEFAULT_KEY = "cloudtwinEXAMPLEsecretKey00000000"
DEFAULT_UIN = "100000000001"
PEER_ID = "AKIDcloudtwinEXAMPLEpeer0000000000"
PEER_KEY = "cloudtwinEXAMPLEpeerSecretKey0000"
PEER_UIN = "100000000002"

ACCOUNTS = {
    "default": (DEFAULT_ID, DEFAULT_KEY),
    "peer": (PEER_ID, PEER_KEY),
}

REGION = "ap-guangzhou"
ZONE = "ap-guangzhou-3"

#: TC3 is the SDK default; the two v1 methods are chosen with ClientProfile(signMethod=...).
TC3 = "TC3-HMAC-SHA256"
HMAC_SHA1 = "HmacSHA1"
HMAC_SHA256 = "HmacSHA256"

# ---------------------------------------------------------------------------- time helpers

UTC8 = datetime.timezone(datetime.timedelta(hours=8))


def tc_time(unix_secs):
    """The CBS `Timestamp` format: "YYYY-MM-DD HH:MM:SS" in UTC+8."""
    return datetime.datetime.fromtimestamp(int(unix_secs), UTC8).strftime("%Y-%m-%d %H:%M:%S")


def parse_tc_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC8).timestamp()


class SdkClock:
    """Stands in for the `time` module inside tencentcloud.common.abstract_client.

    The SDK signs every request with `int(time.time())`; the twin rejects signatures more than
    300 s away from its own (virtual) clock. `offset` is kept equal to twin-now minus real-now,
    so requests are signed with the twin's time however far a test moves its clock.
    """

    def __init__(self):
        self.offset = 0.0

    def time(self):
        return _real_time.time() + self.offset

    def __getattr__(self, name):  # sleep, monotonic, ... stay real
        return getattr(_real_time, name)


# --------------------------------------------------------------------------- control plane


class ControlPlane:
    """The twin's JSON control plane under /_cloudtwin/."""

    def __init__(self, base_url, sdk_clock):
        self.base_url = base_url
        self.sdk_clock = sdk_clock
        self.http = requests.Session()
        self.http.trust_env = False  # never go through an HTTP proxy for loopback

    def get(self, path):
        r = self.http.get(self.base_url + path, timeout=10)
        r.raise_for_status()
        return r.json() if "json" in r.headers.get("Content-Type", "") else r.text

    def post(self, path, body=None):
        r = self.http.post(self.base_url + path, json=body if body is not None else {}, timeout=10)
        assert r.status_code == 200, f"POST {path} {body} -> {r.status_code} {r.text}"
        return r.json()

    # --- lifecycle
    def reset(self):
        return self.post("/_cloudtwin/reset")

    # --- clock
    def clock(self):
        return self.get("/_cloudtwin/clock")

    def now(self):
        return self.clock()["now"]

    def _sync(self, view):
        self.sdk_clock.offset = view["now_ms"] / 1000.0 - _real_time.time()
        return view

    def advance(self, seconds):
        """Move the virtual clock forward (switches it to manual) and keep the SDK in step."""
        return self._sync(self.post("/_cloudtwin/clock", {"advance": seconds}))

    def set_clock(self, unix_secs, sync_sdk=True):
        """Freeze the virtual clock at `unix_secs`. With sync_sdk=False the SDK keeps signing
        with the machine's real time (to provoke AuthFailure.SignatureExpire)."""
        view = self.post("/_cloudtwin/clock", {"set": unix_secs})
        return self._sync(view) if sync_sdk else view

    def real_clock(self):
        view = self.post("/_cloudtwin/clock", {"mode": "real"})
        self.sdk_clock.offset = 0.0
        return view

    # --- timing policy and jobs
    def timing(self, policy, **kw):
        return self.post("/_cloudtwin/timing", {"policy": policy, **kw})

    def jobs(self):
        return self.get("/_cloudtwin/jobs")["jobs"]

    def complete_jobs(self, target=None):
        return self.post("/_cloudtwin/jobs/complete", {"target": target} if target else {})


# ----------------------------------------------------------------------------- SDK clients


def profile(endpoint, sign=TC3, method="POST"):
    return ClientProfile(
        signMethod=sign,
        httpProfile=HttpProfile(protocol="http", endpoint=endpoint, reqMethod=method),
    )


def to_dict(model):
    return json.loads(model.to_json_string())


class Cbs:
    """An official CbsClient plus a few conveniences. `call` goes through the SDK's typed
    `<Action>Request` / `<Action>Response` models, exactly as application code would."""

    def __init__(self, client, common):
        self.client = client
        self.common = common  # CommonClient for actions the typed SDK lacks

    def call(self, action, **params):
        req = getattr(models, action + "Request")()
        req.from_json_string(json.dumps(params))
        resp = getattr(self.client, action)(req)
        out = to_dict(resp)
        out.pop("RequestId", None)
        return out

    def call_json(self, action, params):
        """A generic (untyped) call; returns the `Response` object."""
        return self.common.call_json(action, params)["Response"]

    # --- disks
    def create(self, size=50, zone=ZONE, disk_type="CLOUD_PREMIUM", charge="POSTPAID_BY_HOUR", **extra):
        params = {
            "Placement": {"Zone": zone, **extra.pop("Placement", {})},
            "DiskChargeType": charge,
            "DiskType": disk_type,
            "DiskSize": size,
            **extra,
        }
        if charge == "PREPAID":
            params.setdefault("DiskChargePrepaid", {"Period": 1})
        ids = self.call("CreateDisks", **params)["DiskIdSet"]
        assert len(ids) == params.get("DiskCount", 1)
        return ids

    def describe(self, **params):
        return self.call("DescribeDisks", **params)

    def disks(self, ids):
        return self.describe(DiskIds=list(ids), Limit=100)["DiskSet"]

    def disk(self, disk_id):
        """The disk as DescribeDisks shows it, or None when it is not listed."""
        found = self.disks([disk_id])
        assert len(found) <= 1
        return found[0] if found else None

    def ids(self, **params):
        params.setdefault("Limit", 100)
        return [d["DiskId"] for d in self.describe(**params)["DiskSet"]]

    def op_logs(self, disk_id, **window):
        resp = self.call_json(
            "DescribeDiskOperationLogs",
            {"Filters": [{"Name": "disk-id", "Values": [disk_id]}], **window},
        )
        return resp["DiskOperationLogSet"]


def make_cbs(endpoint, account="default", region=REGION, sign=TC3, method="POST",
             secret_id=None, secret_key=None, token=None):
    sid, skey = ACCOUNTS[account]
    cred = credential.Credential(secret_id or sid, secret_key or skey, token)
    prof = profile(endpoint, sign, method)
    return Cbs(
        cbs_client.CbsClient(cred, region, prof),
        CommonClient("cbs", "2017-03-12", cred, region, prof),
    )


# --------------------------------------------------------------------------------- errors


def expect_error(code, fn, *args, **kwargs):
    """Run fn and assert it fails with exactly this Tencent error code. Returns the exception."""
    with pytest.raises(TencentCloudSDKException) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, f"expected {code}, got {info.value.code}: {info.value.message}"
    return info.value


def poll_disk(cbs, twin, disk_id, done, max_polls=10, step=1):
    """Poll DescribeDisks (by DiskIds) until done(disk) holds, advancing the virtual clock by
    `step` seconds between polls. Returns (disk, states seen on the way; None = not listed)."""
    seen = []
    for _ in range(max_polls):
        d = cbs.disk(disk_id)
        seen.append(d["DiskState"] if d else None)
        if d is not None and done(d):
            return d, seen
        twin.advance(step)
    pytest.fail(f"{disk_id} never reached the expected state; saw {seen}")


# "YYYY-MM-DD HH:MM:SS" (Tencent Timestamp, UTC+8).
TC_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
