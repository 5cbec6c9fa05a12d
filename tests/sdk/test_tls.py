"""The official Python SDKs over HTTPS, against `cloudtwin serve --tls self-signed`.

The twin makes a certificate for localhost/127.0.0.1 at start and writes the CA that signed it
to --tls-ca-out; the SDKs trust that file (Tencent: HttpProfile(certification=...), Huawei:
HttpConfig.ssl_ca_cert) and otherwise refuse the connection.
"""

import os
import re
import subprocess
import tempfile
import time

import pytest
from huaweicloudsdkcbr.v1 import CbrClient, ListVaultRequest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions as hw_exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig
from tencentcloud.cbs.v20170312 import cbs_client, models
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

import huawei_support
from conftest import DEFAULT_BIN
from twin_support import ACCOUNTS, REGION


@pytest.fixture(scope="module")
def tls_twin():
    binary = os.environ.get("CLOUDTWIN_BIN") or DEFAULT_BIN
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDTWIN_")}
    env["CLOUDTWIN_LOG"] = "warn"
    tmp = tempfile.mkdtemp(prefix="cloudtwin-tls-")
    ca = os.path.join(tmp, "ca.pem")
    proc = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--timing", "immediate",
         "--tls", "self-signed", "--tls-ca-out", ca],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True,
    )
    port = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.match(r"^cloudtwin ready .* at https://127\.0\.0\.1:(\d+)$", line.strip())
        if m:
            port = int(m.group(1))
            break
    if port is None:
        proc.kill()
        pytest.fail("the TLS twin did not print its ready line")
    yield {"port": port, "ca": ca}
    proc.terminate()
    assert proc.wait(timeout=15) == 0


def tencent(port, ca, host="127.0.0.1"):
    sid, skey = ACCOUNTS["default"]
    http = HttpProfile(protocol="https", endpoint=f"{host}:{port}", certification=ca)
    return cbs_client.CbsClient(credential.Credential(sid, skey), REGION, ClientProfile(httpProfile=http))


def test_tencent_sdk_over_https_with_the_twins_ca(tls_twin):
    for host in ("127.0.0.1", "localhost"):
        client = tencent(tls_twin["port"], tls_twin["ca"], host)
        req = models.CreateDisksRequest()
        req.from_json_string(
            '{"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR",'
            ' "DiskType": "CLOUD_PREMIUM", "DiskSize": 20}'
        )
        disk_id = client.CreateDisks(req).DiskIdSet[0]
        d = models.DescribeDisksRequest()
        d.DiskIds = [disk_id]
        assert client.DescribeDisks(d).TotalCount == 1


def test_tencent_sdk_refuses_the_twin_without_its_ca(tls_twin):
    # certification=None: the SDK verifies against the system CAs, which never signed this twin.
    with pytest.raises(TencentCloudSDKException) as info:
        tencent(tls_twin["port"], None).DescribeDisks(models.DescribeDisksRequest())
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value) or "SSL" in str(info.value)


def huawei(port, ca):
    config = HttpConfig.get_default_config()
    config.ssl_ca_cert = ca
    config.retry_times = 0
    creds = BasicCredentials(huawei_support.AK, huawei_support.SK, huawei_support.PROJECT)
    return (
        CbrClient.new_builder()
        .with_http_config(config)
        .with_credentials(creds)
        .with_endpoints([f"https://127.0.0.1:{port}"])
        .build()
    )


def test_huawei_sdk_over_https_with_the_twins_ca(tls_twin, hw_signer_clock):
    resp = huawei(tls_twin["port"], tls_twin["ca"]).list_vault(ListVaultRequest())
    assert resp.count is not None


def test_huawei_sdk_refuses_the_twin_without_its_ca(tls_twin):
    with pytest.raises(hw_exceptions.SdkException) as info:
        huawei(tls_twin["port"], None).list_vault(ListVaultRequest())
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value) or "SSL" in str(info.value), str(info.value)
