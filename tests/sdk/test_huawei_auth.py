"""Huawei Cloud authentication through the official SDK core: AK/SK signatures (SDK-HMAC-SHA256
and SDK-HMAC-SM3), the X-Sdk-Date window, the tenant check on the project in the path, IAM
project-scoped tokens (`POST /v3/auth/tokens`, `X-Auth-Token`), and the SDK's own project-id
lookup through IAM when BasicCredentials has none.

Failures raise huaweicloudsdkcore's ClientRequestException; gateway failures are
`401 APIGW.0301`, the tenant check is `401 BackupService.1015`.
"""

import time

import pytest
from huaweicloudsdkcbr.v1 import CbrClient, ListVaultRequest, ShowVaultRequest
from huaweicloudsdkcore.auth.credentials import BasicCredentials, Credentials
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkcore.region.region import Region

import huawei_support
from twin_support import ControlPlane, SdkClock
from huawei_support import (
    AK,
    HwRaw,
    HMAC_SM3,
    NO_SUCH_ID,
    PEER_AK,
    PEER_PROJECT,
    PEER_SK,
    PEER_SOUTH_PROJECT,
    PROJECT,
    SK,
    SOUTH_PROJECT,
    expect_hw_error,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")


def list_vaults(cbr):
    return cbr.list_vault(ListVaultRequest())


def test_default_keys_sign_with_hmac_sha256(cbr):
    resp = list_vaults(cbr)
    assert resp.status_code == 200
    assert (resp.count, resp.vaults) == (0, [])
    req = cbr.last.request
    assert req.headers["Authorization"].startswith(f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=")
    assert req.headers["X-Project-Id"] == PROJECT
    assert cbr.last.headers.get("X-Request-Id")


def test_sm3_signing_works(make_cbr, twin):
    cbr = make_cbr(algorithm=HMAC_SM3)
    vault = cbr.new_vault(name="sm3_vault")
    assert cbr.last.request.headers["Authorization"].startswith(f"SDK-HMAC-SM3 Access={AK}, ")
    assert [v.id for v in list_vaults(cbr).vaults] == [vault.id]


def test_sm3_signature_with_the_wrong_key_fails(make_cbr):
    cbr = make_cbr(algorithm=HMAC_SM3, sk=SK[:-1] + "X")
    expect_hw_error(401, "APIGW.0301", list_vaults, cbr)


def test_wrong_secret_key_is_apigw_0301(make_cbr, cbr):
    bad = make_cbr(sk=SK[:-1] + "X")
    e = expect_hw_error(401, "APIGW.0301", bad.new_vault, name="never")
    assert bad.last.headers.get("X-Request-Id") == e.request_id
    assert cbr.vault_count() == 0


def test_unknown_access_key_is_apigw_0301(make_cbr):
    bad = make_cbr(ak="CLOUDTWINNOSUCHKEY00")
    expect_hw_error(401, "APIGW.0301", list_vaults, bad)


def test_project_of_another_account_is_tenant_mismatch(make_cbr, peer_cbr):
    # The default keys, but the peer account's project in the path (and X-Project-Id).
    intruder = make_cbr(project_id=PEER_PROJECT)
    expect_hw_error(401, "BackupService.1015", list_vaults, intruder)
    expect_hw_error(401, "BackupService.1015", intruder.new_vault, name="intruder")
    assert peer_cbr.vault_count() == 0


def test_project_that_does_not_exist_is_tenant_mismatch(make_cbr):
    expect_hw_error(401, "BackupService.1015", list_vaults, make_cbr(project_id="f" * 32))


def test_peer_keys_work_in_the_peer_project_only(peer_cbr, cbr, make_cbr):
    v = peer_cbr.new_vault(name="peer_vault")
    assert [x.id for x in list_vaults(peer_cbr).vaults] == [v.id]
    assert cbr.vault_count() == 0, "accounts do not see each other's vaults"
    # The vault id is unknown in the default account's project.
    expect_hw_error(404, "BackupService.6105", cbr.show_vault, ShowVaultRequest(vault_id=v.id))
    expect_hw_error(401, "BackupService.1015", list_vaults, make_cbr(account="peer", project_id=PROJECT))


@pytest.mark.parametrize("skew", [10 * 60, -10 * 60])
def test_x_sdk_date_within_fifteen_minutes_is_accepted(cbr, hw_signer_clock, skew):
    hw_signer_clock.skew = skew
    assert list_vaults(cbr).status_code == 200


@pytest.mark.parametrize("skew", [20 * 60, -20 * 60])
def test_x_sdk_date_skewed_twenty_minutes_is_rejected(cbr, hw_signer_clock, skew):
    hw_signer_clock.skew = skew
    expect_hw_error(401, "APIGW.0301", list_vaults, cbr)


@pytest.mark.parametrize("algorithm", [None, HMAC_SM3], ids=["SDK-HMAC-SHA256", "SDK-HMAC-SM3"])
def test_unmodified_sdk_keeps_working_after_the_clock_moves_days(make_cbr, twin, sdk_clock, algorithm):
    """--signature-clock either (the default): X-Sdk-Date is the machine's real time, the twin's
    clock is three days on, and the wall clock's window accepts it."""
    cbr = make_cbr(algorithm=algorithm)
    twin.advance(3 * 86400)
    sdk_clock.offset = 0.0
    assert list_vaults(cbr).status_code == 200


def test_signer_follows_the_twin_clock_across_days(cbr, twin):
    twin.advance(3 * 86400)
    assert list_vaults(cbr).status_code == 200


def test_every_response_carries_x_request_id(cbr, make_cbr, hw_raw):
    list_vaults(cbr)
    expect_hw_error(404, "BackupService.6105", cbr.show_vault, ShowVaultRequest(vault_id=NO_SUCH_ID))
    expect_hw_error(401, "APIGW.0301", list_vaults, make_cbr(sk="x" * 40))
    ids = [r.headers.get("X-Request-Id") for r in cbr.responses]
    assert all(ids) and len(set(ids)) == len(ids)
    r = hw_raw.token()
    assert r.headers.get("X-Request-Id")
    r = hw_raw.with_token("GET", f"/v3/{PROJECT}/vaults", "not-a-token")
    assert r.status_code == 401 and r.headers.get("X-Request-Id")
    r = hw_raw.http.get(hw_raw.base_url + f"/v3/{PROJECT}/vaults")  # no credentials at all
    assert r.status_code == 401 and r.headers.get("X-Request-Id")
    assert r.json()["error_code"] == "APIGW.0301"


# ----------------------------------------------------------------------------- IAM tokens


def test_iam_token_for_the_project_works(hw_raw, cbr):
    vault = cbr.new_vault(name="token_vault")
    r = hw_raw.token(project_name="cn-north-4")
    assert r.status_code == 201
    token = r.headers["X-Subject-Token"]
    assert token
    body = r.json()["token"]
    assert body["project"]["id"] == PROJECT
    assert body["project"]["name"] == "cn-north-4"
    assert body["methods"] == ["password"]
    assert body["expires_at"] > body["issued_at"]

    r = hw_raw.with_token("GET", f"/v3/{PROJECT}/vaults", token)
    assert r.status_code == 200
    assert [v["id"] for v in r.json()["vaults"]] == [vault.id]
    r = hw_raw.with_token("GET", f"/v3/{PROJECT}/vaults/{vault.id}", token)
    assert (r.status_code, r.json()["vault"]["name"]) == (200, "token_vault")
    # Writes work as well.
    r = hw_raw.with_token("PUT", f"/v3/{PROJECT}/vaults/{vault.id}", token, {"vault": {"name": "renamed"}})
    assert (r.status_code, r.json()["vault"]["name"]) == (200, "renamed")
    assert cbr.vault(vault.id).name == "renamed"


def test_iam_token_scoped_by_project_id(hw_raw):
    r = hw_raw.token(project_id=SOUTH_PROJECT)
    assert r.status_code == 201
    assert r.json()["token"]["project"]["name"] == "cn-south-1"
    ok = hw_raw.with_token("GET", f"/v3/{SOUTH_PROJECT}/vaults", r.headers["X-Subject-Token"])
    assert ok.status_code == 200


def test_iam_token_for_another_project_is_tenant_mismatch(hw_raw):
    token = hw_raw.token(project_name="cn-south-1").headers["X-Subject-Token"]
    r = hw_raw.with_token("GET", f"/v3/{PROJECT}/vaults", token)
    assert r.status_code == 401
    assert r.json()["error_code"] == "BackupService.1015"
    # Nor does it reach another account's project.
    r = hw_raw.with_token("GET", f"/v3/{PEER_PROJECT}/vaults", token)
    assert (r.status_code, r.json()["error_code"]) == (401, "BackupService.1015")


def test_expired_iam_token_is_rejected(hw_raw, twin):
    # Issued two days back on the twin's clock, so the wall clock is past its expiry as well.
    twin.set_clock(int(time.time()) - 48 * 3600)
    token = hw_raw.token().headers["X-Subject-Token"]
    assert hw_raw.with_token("GET", f"/v3/{PROJECT}/vaults", token).status_code == 200
    twin.advance(23 * 3600)
    assert hw_raw.with_token("GET", f"/v3/{PROJECT}/vaults", token).status_code == 200, "a token lasts 24 h"
    twin.advance(2 * 3600)
    r = hw_raw.with_token("GET", f"/v3/{PROJECT}/vaults", token)
    assert r.status_code == 401
    assert r.json()["error_code"] == "APIGW.0301"


def test_iam_token_outlives_a_clock_jump_by_the_wall_clock(hw_raw, twin):
    """--signature-clock either: a token is valid while either clock is inside its validity."""
    token = hw_raw.token().headers["X-Subject-Token"]
    twin.advance(3 * 86400)
    assert hw_raw.with_token("GET", f"/v3/{PROJECT}/vaults", token).status_code == 200


def test_virtual_signature_clock_expires_tokens_and_real_time_signatures(virtual_clock_server, make_cbr):
    """--signature-clock virtual: only the twin's clock counts, as before the setting existed."""
    cp = ControlPlane(virtual_clock_server.base_url, SdkClock())  # the signer keeps the real time
    cp.reset()
    cp.real_clock()  # a reset keeps the clock another test moved
    raw = HwRaw(virtual_clock_server.base_url)
    token = raw.token().headers["X-Subject-Token"]
    cbr = huawei_support.make_cbr(virtual_clock_server.base_url)
    try:
        assert list_vaults(cbr).status_code == 200
        cp.advance(25 * 3600)
        expect_hw_error(401, "APIGW.0301", list_vaults, cbr)
        r = raw.with_token("GET", f"/v3/{PROJECT}/vaults", token)
        assert (r.status_code, r.json()["error_code"]) == (401, "APIGW.0301")
    finally:
        cbr.client.close()


def test_unknown_iam_token_is_rejected(hw_raw):
    r = hw_raw.with_token("GET", f"/v3/{PROJECT}/vaults", "MIIbogus")
    assert (r.status_code, r.json()["error_code"]) == (401, "APIGW.0301")


def test_iam_wrong_password_gets_no_token(hw_raw):
    r = hw_raw.token(password="wrong-password")
    assert r.status_code == 401
    assert "X-Subject-Token" not in r.headers


# ------------------------------------------------------------ the SDK's own project lookup


def test_sdk_resolves_the_project_id_through_iam(twin_server, monkeypatch, cbr):
    """BasicCredentials(ak, sk) without project_id + a Region: the SDK asks IAM
    (GET /v3/projects?name=<region>, signed with the same keys) and then calls CBR with it."""
    vault = cbr.new_vault(name="lookup_vault")
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", twin_server.base_url)
    monkeypatch.setattr(Credentials, "_CACHE", {})  # the SDK caches project ids per AK + region
    seen = []
    handler = HttpHandler().add_response_handler(lambda **kw: seen.append(kw["response"]))
    credentials = BasicCredentials(AK, SK)
    client = (
        CbrClient.new_builder()
        .with_credentials(credentials)
        .with_region(Region("cn-north-4", twin_server.base_url))
        .with_http_handler(handler)
        .build()
    )
    assert credentials.project_id == PROJECT
    resp = client.list_vault(ListVaultRequest())
    assert [v.id for v in resp.vaults] == [vault.id]
    lookup, call = seen
    assert lookup.request.method == "GET"
    assert lookup.request.path_url == "/v3/projects?name=cn-north-4"
    assert lookup.status_code == 200
    assert lookup.headers.get("X-Request-Id")
    assert call.request.path_url.startswith(f"/v3/{PROJECT}/vaults")


def test_sdk_project_lookup_for_the_peer_account(twin_server, monkeypatch, peer_cbr):
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", twin_server.base_url)
    monkeypatch.setattr(Credentials, "_CACHE", {})
    credentials = BasicCredentials(PEER_AK, PEER_SK)
    CbrClient.new_builder().with_credentials(credentials).with_region(
        Region("cn-south-1", twin_server.base_url)).build()
    assert credentials.project_id == PEER_SOUTH_PROJECT


def test_x_project_id_must_match_the_project_in_the_path(hw_raw):
    ok = hw_raw.signed("GET", f"/v3/{PROJECT}/vaults", project_id=PROJECT)
    assert ok.status_code == 200
    r = hw_raw.signed("GET", f"/v3/{PROJECT}/vaults", project_id=SOUTH_PROJECT)
    assert (r.status_code, r.json()["error_code"]) == (401, "BackupService.1015")


def test_hand_signed_sm3_request(hw_raw):
    r = hw_raw.signed("GET", f"/v3/{PROJECT}/vaults", query=[("limit", 5)], algorithm=HMAC_SM3)
    assert r.status_code == 200
    assert r.json()["count"] == 0


def test_large_bodies_need_token_authentication(hw_raw, cbr):
    """AK/SK requests carry at most 12 MB of body; token-authenticated ones may be larger."""
    big = '{"vault": {"name": "big", "description": "' + "x" * (12 * 1024 * 1024) + '"}}'
    r = hw_raw.signed("POST", f"/v3/{PROJECT}/vaults", body=big)
    assert r.status_code == 413
    assert r.json()["error_code"].startswith("APIGW.")
    assert r.headers.get("X-Request-Id")
    token = hw_raw.token().headers["X-Subject-Token"]
    r = hw_raw.with_token("POST", f"/v3/{PROJECT}/vaults", token, big)
    # Past the gateway, CBR's own validation rejects the (over-long) description.
    assert (r.status_code, r.json()["error_code"]) == (400, "BackupService.9900")
    assert cbr.vault_count() == 0
