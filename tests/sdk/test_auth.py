"""Signatures and authentication failures, with each signing method the SDK offers.

TC3-HMAC-SHA256 is the default (POST JSON or GET query); HmacSHA1 / HmacSHA256 are signature
v1 (form body or query). Errors come back as TencentCloudSDKException with the Tencent code.
"""

import time

import pytest

from twin_support import (
    DEFAULT_ID, DEFAULT_KEY, HMAC_SHA1, HMAC_SHA256, TC3, ControlPlane, SdkClock, expect_error, make_cbs,
)

ALL_METHODS = [
    pytest.param(TC3, "POST", id="TC3-POST"),
    pytest.param(TC3, "GET", id="TC3-GET"),
    pytest.param(HMAC_SHA1, "GET", id="HmacSHA1-GET"),
    pytest.param(HMAC_SHA1, "POST", id="HmacSHA1-POST"),
    pytest.param(HMAC_SHA256, "GET", id="HmacSHA256-GET"),
    pytest.param(HMAC_SHA256, "POST", id="HmacSHA256-POST"),
]


def describe_seed(client):
    return client.describe(DiskIds=["disk-cloudtw1"])


@pytest.mark.parametrize("sign, method", ALL_METHODS)
def test_each_sign_method_succeeds(make_client, sign, method):
    out = describe_seed(make_client(sign=sign, method=method))
    assert out["TotalCount"] == 1
    assert out["DiskSet"][0]["DiskName"] == "seed-data-1"


@pytest.mark.parametrize("sign, method", ALL_METHODS)
def test_each_sign_method_carries_structured_parameters(make_client, twin, sign, method):
    """Nested parameters (Placement.Zone, Filters.0.Values.0, Tags.0.Key) survive each encoding."""
    twin.timing("immediate")
    client = make_client(sign=sign, method=method)
    (disk_id,) = client.create(DiskName=f"enc {sign} {method} ü/+&=", Tags=[{"Key": "k", "Value": "v 1"}])
    out = client.describe(Filters=[
        {"Name": "disk-name", "Values": [f"enc {sign} {method} ü/+&="]},
        {"Name": "tag:k", "Values": ["v 1"]},
    ])
    assert [d["DiskId"] for d in out["DiskSet"]] == [disk_id]


@pytest.mark.parametrize("sign, method", ALL_METHODS)
def test_wrong_secret_key_is_signature_failure(make_client, sign, method):
    client = make_client(sign=sign, method=method, secret_key=DEFAULT_KEY[:-1] + "X")
    expect_error("AuthFailure.SignatureFailure", describe_seed, client)


@pytest.mark.parametrize("sign, method", ALL_METHODS)
def test_unknown_secret_id_is_secret_id_not_found(make_client, sign, method):
    client = make_client(sign=sign, method=method, secret_id="AKIDcloudtwinNOSUCHid000000000000000")
    expect_error("AuthFailure.SecretIdNotFound", describe_seed, client)


@pytest.mark.parametrize("sign, method", ALL_METHODS)
def test_token_is_token_failure(make_client, sign, method):
    client = make_client(sign=sign, method=method, token="temporary-session-token")
    expect_error("AuthFailure.TokenFailure", describe_seed, client)


@pytest.mark.parametrize("sign, method", ALL_METHODS)
def test_signed_an_hour_off_both_clocks_is_signature_expire(make_client, twin, sdk_clock, sign, method):
    # The twin's clock is an hour ahead of the wall clock and the client signs an hour behind it:
    # outside the 300 s window of both clocks.
    twin.set_clock(int(time.time()) + 3600, sync_sdk=False)
    sdk_clock.offset = -3600
    expect_error("AuthFailure.SignatureExpire", describe_seed, make_client(sign=sign, method=method))


def test_signed_an_hour_ahead_of_both_clocks_is_signature_expire(cbs, twin, sdk_clock):
    twin.set_clock(int(time.time()) - 3600, sync_sdk=False)
    sdk_clock.offset = 3600
    expect_error("AuthFailure.SignatureExpire", describe_seed, cbs)


def test_signature_window_is_five_minutes(cbs, twin, sdk_clock):
    # The twin's clock a day back, so only its own window matters.
    virtual = int(time.time()) - 86400
    twin.set_clock(virtual, sync_sdk=False)
    for off, ok in [(240, True), (-240, True), (360, False), (-360, False)]:
        sdk_clock.offset = virtual + off - time.time()
        if ok:
            assert describe_seed(cbs)["TotalCount"] == 1, off
        else:
            expect_error("AuthFailure.SignatureExpire", describe_seed, cbs)


@pytest.mark.parametrize("sign, method", ALL_METHODS)
def test_unmodified_sdk_keeps_working_after_the_clock_moves_days(make_client, twin, sdk_clock, sign, method):
    """--signature-clock either (the default): the SDK signs with the machine's real time, the
    twin's clock is three days on, and the wall clock's window accepts the request."""
    twin.advance(3 * 86400)
    sdk_clock.offset = 0.0
    assert describe_seed(make_client(sign=sign, method=method))["TotalCount"] == 1
    twin.set_clock(int(time.time()) - 3 * 86400, sync_sdk=False)
    assert describe_seed(make_client(sign=sign, method=method))["TotalCount"] == 1, "and days back"


@pytest.mark.parametrize("sign, method", ALL_METHODS)
def test_virtual_signature_clock_refuses_the_wall_time(virtual_clock_server, sign, method):
    """--signature-clock virtual: once the twin's clock moved an hour, real-time signatures expire."""
    cp = ControlPlane(virtual_clock_server.base_url, SdkClock())  # the SDK keeps the real time
    cp.reset()
    cp.real_clock()  # a reset keeps the clock another test moved
    cp.set_clock(int(time.time()) + 3600, sync_sdk=False)
    client = make_cbs(virtual_clock_server.endpoint, sign=sign, method=method)
    expect_error("AuthFailure.SignatureExpire", describe_seed, client)


def test_wall_signature_clock_refuses_the_virtual_time(wall_clock_server, sdk_clock):
    """--signature-clock wall: a client signing with the twin's clock, moved a day on, is refused."""
    cp = ControlPlane(wall_clock_server.base_url, sdk_clock)
    cp.reset()
    cp.real_clock()  # a reset keeps the clock another test moved
    cp.advance(86400)  # the SDK now signs with the twin's clock
    client = make_cbs(wall_clock_server.endpoint)
    expect_error("AuthFailure.SignatureExpire", describe_seed, client)
    sdk_clock.offset = 0.0
    assert describe_seed(client)["TotalCount"] == 1


def test_sdk_clock_follows_the_twin_far_into_the_future(cbs, twin):
    """The suite's own mechanism: after advancing a year the SDK still signs acceptably."""
    twin.advance(365 * 86400)
    assert describe_seed(cbs)["TotalCount"] == 1


@pytest.mark.parametrize("unix_secs, label", [
    (1_699_979_400, "2023-11-15 00:30:00 UTC+8, still 2023-11-14 in UTC"),
    (1_700_006_430, "2023-11-15 00:00:30 UTC, a new UTC day"),
])
@pytest.mark.parametrize("sign, method", [ALL_METHODS[0], ALL_METHODS[1], ALL_METHODS[2]])
def test_signing_around_midnight(make_client, twin, unix_secs, label, sign, method):
    """TC3's credential scope uses the UTC date of the timestamp (the doc warns that using the
    local UTC+8 date fails right after local midnight)."""
    twin.set_clock(unix_secs)
    assert describe_seed(make_client(sign=sign, method=method))["TotalCount"] == 1, label


def test_peer_credentials_are_accepted(peer_cbs):
    out = peer_cbs.describe(Filters=[{"Name": "instance-id", "Values": ["ins-peercvm1"]}])
    assert out["TotalCount"] == 1
    assert out["DiskSet"][0]["DiskUsage"] == "SYSTEM_DISK"
    assert out["DiskSet"][0]["Placement"]["Zone"] == "ap-guangzhou-3"


def test_unknown_action_is_invalid_action(cbs):
    expect_error("InvalidAction", cbs.call_json, "DescribeDiskColours", {})


def test_unknown_parameter_is_unknown_parameter(cbs):
    expect_error("UnknownParameter", cbs.call_json, "DescribeDisks", {"DiskColour": "red"})


def test_unknown_nested_parameter_is_unknown_parameter(cbs):
    expect_error(
        "UnknownParameter",
        cbs.call_json,
        "CreateDisks",
        {
            "Placement": {"Zone": "ap-guangzhou-3", "Floor": 2},
            "DiskChargeType": "POSTPAID_BY_HOUR",
            "DiskType": "CLOUD_PREMIUM",
            "DiskSize": 50,
        },
    )


def test_generic_common_client_call_succeeds(cbs):
    resp = cbs.call_json("DescribeDisks", {"DiskIds": ["disk-cloudtw2"]})
    assert resp["TotalCount"] == 1
    assert resp["DiskSet"][0]["DiskId"] == "disk-cloudtw2"
    assert resp["RequestId"]


def test_wrong_api_version_is_no_such_version(twin_server):
    from tencentcloud.common import credential
    from tencentcloud.common.common_client import CommonClient

    from twin_support import profile

    client = CommonClient("cbs", "2099-01-01", credential.Credential(DEFAULT_ID, DEFAULT_KEY),
                          "ap-guangzhou", profile(twin_server.endpoint))
    expect_error("NoSuchVersion", client.call_json, "DescribeDisks", {})
