"""Helpers for the Huawei Cloud CBR part of the SDK suite: identities and seed inventory, the
signer clock, a thin wrapper around the official `CbrClient`, raw (token / hand-built) requests,
and pollers that move the twin's virtual clock instead of sleeping.

Fixtures that wire these together live in conftest.py (`cbr`, `cbr_south`, `peer_cbr`,
`make_cbr`, `hw_raw`).
"""

import collections
import datetime
import json
import urllib.parse

import pytest
import requests
from huaweicloudsdkcbr.v1 import model as cbr_model
from huaweicloudsdkcbr.v1 import (
    BillingCreate,
    CbrClient,
    CheckpointParam,
    CreateCheckpointRequest,
    CreateVaultRequest,
    ListBackupsRequest,
    ListOpLogsRequest,
    ListVaultRequest,
    ResourceCreate,
    ShowBackupRequest,
    ShowOpLogRequest,
    ShowVaultRequest,
    VaultBackup,
    VaultBackupReq,
    VaultCreate,
    VaultCreateReq,
)
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import (
    ClientRequestException,
    ServerResponseException,
    ServiceResponseException,
)
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.algorithm import SigningAlgorithm
from huaweicloudsdkcore.signer.signer import SM3Signer, Signer

# ------------------------------------------------------------------ identities (settings.rs)

AK = "CLOUDTWINEXAMPLEAK00"
SK = "cloudtwinEXAMPLEsecretaccesskey0000000000"
PEER_AK = "CLOUDTWINEXAMPLEPEER"
PEER_SK = "cloudtwinEXAMPLEpeerSecretAccessKey00000"

PROJECT = "0123456789abcdef0123456789abcdef"  # cn-north-4
SOUTH_PROJECT = "1123456789abcdef0123456789abcdef"  # cn-south-1
EAST_PROJECT = "2123456789abcdef0123456789abcdef"  # cn-east-3
HK_PROJECT = "3123456789abcdef0123456789abcdef"  # ap-southeast-1
PEER_PROJECT = "a123456789abcdef0123456789abcdef"  # peer, cn-north-4
PEER_SOUTH_PROJECT = "b123456789abcdef0123456789abcdef"  # peer, cn-south-1

REGION = "cn-north-4"
SOUTH = "cn-south-1"
EAST = "cn-east-3"

IAM_USER = "cloudtwin-user"
IAM_PASSWORD = "cloudtwin-password"
IAM_DOMAIN = "cloudtwin"

ACCOUNTS = {"default": (AK, SK), "peer": (PEER_AK, PEER_SK)}

# -------------------------------------------------------------- seed inventory (inventory.json)

SERVER_TYPE = "OS::Nova::Server"
VOLUME_TYPE = "OS::Cinder::Volume"

WEB = "c0a80001-0000-4000-8000-000000000001"  # ecs-web-0001, ACTIVE, agent 2.5.0
DB = "c0a80001-0000-4000-8000-000000000002"  # ecs-db-0002, ACTIVE, no agent
BATCH = "c0a80001-0000-4000-8000-000000000003"  # ecs-batch-0003, SHUTOFF
BROKEN = "c0a80001-0000-4000-8000-000000000004"  # ecs-broken-0004, ERROR
WEB_SYS = "d0a80001-0000-4000-8000-000000000001"  # 40 GB, bootable
WEB_DATA = "d0a80001-0000-4000-8000-000000000002"  # 10 GB
DB_SYS = "d0a80001-0000-4000-8000-000000000003"  # 40 GB
DB_DATA = "d0a80001-0000-4000-8000-000000000004"  # 100 GB
BATCH_SYS = "d0a80001-0000-4000-8000-000000000005"
ARCHIVE_VOL = "d0a80001-0000-4000-8000-000000000010"  # standalone, 100 GB, env=prod
SCRATCH_VOL = "d0a80001-0000-4000-8000-000000000011"  # standalone, 20 GB
SOUTH_SERVER = "c0a80002-0000-4000-8000-000000000001"
PEER_SERVER = "c0a8000a-0000-4000-8000-000000000001"

NO_SUCH_ID = "0badc0de-0000-4000-8000-00000000dead"

# --------------------------------------------------------------------------- signer clock


def signer_datetime(sdk_clock, extra):
    """A `datetime` class for huaweicloudsdkcore.signer.signer, whose `utcnow()` (the X-Sdk-Date
    the SDK signs with) follows the twin's virtual clock, plus `extra.skew` seconds."""

    class TwinDateTime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            t = sdk_clock.time() + extra.skew
            return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).replace(tzinfo=None)

    return TwinDateTime


# ----------------------------------------------------------------------------- SDK client


class Cbr:
    """An official CbrClient and the HTTP responses it received (through the SDK's own
    HttpHandler hook), so tests can look at status codes and headers as well as typed models.
    Attribute access falls through to the client: `cbr.list_vault(ListVaultRequest())`."""

    def __init__(self, client, project_id, responses):
        self.client = client
        self.project_id = project_id
        self.responses = responses

    def __getattr__(self, name):
        attr = getattr(self.client, name)
        if not callable(attr) or name.startswith("_") or name.endswith("_invoker"):
            return attr

        def call(*args, **kwargs):
            resp = attr(*args, **kwargs)
            note_dropped_fields(resp)
            return resp

        return call

    @property
    def last(self):
        return self.responses[-1]

    # --- vaults
    def new_vault(self, name="vault", object_type="server", size=100, resources=(), protect_type="backup",
                  billing=None, **vault_kw):
        """CreateVault (post_paid unless `billing` says otherwise); returns the vault."""
        b = BillingCreate(consistent_level="crash_consistent", object_type=object_type,
                          protect_type=protect_type, size=size, **(billing or {}))
        res = [r if isinstance(r, ResourceCreate) else resource(r) for r in resources]
        req = CreateVaultRequest(body=VaultCreateReq(vault=VaultCreate(name=name, billing=b, resources=res,
                                                                       **vault_kw)))
        return self.create_vault(req).vault

    def vault(self, vault_id):
        return self.show_vault(ShowVaultRequest(vault_id=vault_id)).vault

    def vault_count(self, **filters):
        return self.list_vault(ListVaultRequest(**filters)).count

    # --- backups
    def backups(self, **filters):
        return self.list_backups(ListBackupsRequest(**filters))

    def backup(self, backup_id):
        """The backup as ShowBackup returns it, or None on 404 BackupService.6200."""
        try:
            return self.show_backup(ShowBackupRequest(backup_id=backup_id)).backup
        except ClientRequestException as e:
            if e.status_code == 404 and e.error_code == "BackupService.6200":
                return None
            raise

    def op_log(self, log_id):
        return self.show_op_log(ShowOpLogRequest(operation_log_id=log_id)).operation_log

    def op_logs(self, **filters):
        return self.list_op_logs(ListOpLogsRequest(**filters)).operation_logs

    def checkpoint(self, vault_id, resources=None, name=None, **params):
        """CreateCheckpoint (back the vault up now); returns the CheckpointCreate."""
        p = CheckpointParam(resources=list(resources) if resources else None, name=name, **params)
        req = CreateCheckpointRequest(body=VaultBackupReq(checkpoint=VaultBackup(vault_id=vault_id, parameters=p)))
        return self.create_checkpoint(req).checkpoint

    def backup_of(self, checkpoint_id):
        """The one top-level backup a single-resource checkpoint produced."""
        (b,) = self.backups(checkpoint_id=checkpoint_id).backups
        return b


def resource(rid, kind=None, **kw):
    if kind is None:
        kind = SERVER_TYPE if rid.startswith("c0a8") else VOLUME_TYPE
    return ResourceCreate(id=rid, type=kind, **kw)


def make_cbr(base_url, account="default", project_id=PROJECT, ak=None, sk=None, algorithm=None):
    default_ak, default_sk = ACCOUNTS[account]
    responses = []
    handler = HttpHandler().add_response_handler(lambda **kw: responses.append(kw["response"]))
    config = HttpConfig.get_default_config()
    if algorithm is not None:
        config.signing_algorithm = algorithm
    client = (
        CbrClient.new_builder()
        .with_credentials(BasicCredentials(ak or default_ak, sk or default_sk, project_id))
        .with_endpoints([base_url])
        .with_http_config(config)
        .with_http_handler(handler)
        .build()
    )
    return Cbr(client, project_id, responses)


HMAC_SM3 = SigningAlgorithm.HMAC_SM3


def hw_time(value):
    """A CBR time as an aware datetime. The SDK's models type created_at & co. as datetime, but
    huaweicloudsdkcore only converts them when python-dateutil is installed (it is not one of its
    dependencies); otherwise it hands back the string, e.g. "2031-01-06T03:00:00.000+00:00"."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def raw_json(sdk_response):
    """The JSON body behind a typed SDK response."""
    return json.loads(sdk_response.raw_content)


# ------------------------------------------------------------------------ raw HTTP requests


class HwRaw:
    """Requests outside the typed SDK: IAM tokens, `X-Auth-Token` calls, and AK/SK calls signed
    by huaweicloudsdkcore's own Signer over a body the SDK models could not produce."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.host = urllib.parse.urlparse(base_url).netloc
        self.http = requests.Session()
        self.http.trust_env = False

    def token(self, project_name=REGION, user=IAM_USER, password=IAM_PASSWORD, domain=IAM_DOMAIN, project_id=None):
        scope = {"id": project_id} if project_id else {"name": project_name}
        body = {"auth": {
            "identity": {"methods": ["password"],
                         "password": {"user": {"name": user, "password": password, "domain": {"name": domain}}}},
            "scope": {"project": scope},
        }}
        return self.http.post(self.base_url + "/v3/auth/tokens", json=body, timeout=10)

    def with_token(self, method, path, token, body=None):
        headers = {"X-Auth-Token": token, "Content-Type": "application/json"}
        data = None if body is None else (body if isinstance(body, (str, bytes)) else json.dumps(body))
        return self.http.request(method, self.base_url + path, headers=headers, data=data, timeout=10)

    def signed(self, method, path, body=b"", query=(), ak=AK, sk=SK, project_id=PROJECT, algorithm=None):
        """An AK/SK request signed by the SDK's Signer (SM3Signer for HMAC_SM3)."""
        if isinstance(body, str):
            body = body.encode()
        headers = {"Content-Type": "application/json", "X-Project-Id": project_id}
        req = SdkRequest(method=method, schema="http", host=self.host, resource_path=path,
                         query_params=list(query), header_params=headers, body=body)
        signer = SM3Signer if algorithm == HMAC_SM3 else Signer
        signed = signer(BasicCredentials(ak, sk, project_id)).sign(req)
        url = f"{self.base_url}{signed.uri}"
        return self.http.request(method, url, headers=signed.header_params, data=body, timeout=10)


# --------------------------------------------------------------------------------- errors


def expect_hw_error(status, code, fn, *args, **kwargs):
    """Run fn and assert it fails with this HTTP status and Huawei error_code (the SDK raises
    ClientRequestException for 4xx and ServerResponseException for 5xx)."""
    with pytest.raises(ServiceResponseException) as info:
        fn(*args, **kwargs)
    e = info.value
    assert isinstance(e, ClientRequestException if status < 500 else ServerResponseException), type(e)
    assert (e.status_code, e.error_code) == (status, code), (
        f"expected {status} {code}, got {e.status_code} {e.error_code}: {e.error_msg}")
    assert e.request_id, "error responses carry X-Request-Id"
    return e


# ------------------------------------------------------------------------------- polling


def poll(twin, read, done, max_polls=12, step=1):
    """Call read() until done(value) holds, advancing the virtual clock by `step` seconds between
    reads. Returns (value, [every value seen])."""
    seen = []
    for _ in range(max_polls):
        v = read()
        seen.append(v)
        if done(v):
            return v, seen
        twin.advance(step)
    pytest.fail(f"never reached the expected state; saw {seen}")


def poll_backup(cbr, twin, backup_id, done, **kw):
    """Poll ShowBackup (None once it is gone). Returns (backup, statuses seen)."""
    b, seen = poll(twin, lambda: cbr.backup(backup_id), done, **kw)
    return b, [x.status if x is not None else None for x in seen]


def poll_op_log(cbr, twin, log_id, done, **kw):
    o, seen = poll(twin, lambda: cbr.op_log(log_id), done, **kw)
    return o, [x.status for x in seen]


# ------------------------------------------------------------------------- control plane


def inject_fault(twin, operation_type, target=None, count=None):
    body = {"operation_type": operation_type}
    if target is not None:
        body["target"] = target
    if count is not None:
        body["count"] = count
    return twin.post("/_cloudtwin/huawei/faults", body)


def add_server(twin, server, project_id=PROJECT):
    return twin.post("/_cloudtwin/huawei/servers", {"project_id": project_id, "server": server})


# ----------------------------------------------------------- fields the SDK models drop


def unknown_fields(data, klass_name, path=""):
    """Paths of response fields that the SDK model `klass_name` does not define (the SDK drops
    them silently). Used for the suite's report, not as an assertion."""
    out = []
    if klass_name.startswith("list["):
        inner = klass_name[5:-1]
        for i, item in enumerate(data or []):
            out += unknown_fields(item, inner, f"{path}[{i}]")
        return out
    klass = getattr(cbr_model, klass_name, None)
    if klass is None or not isinstance(data, dict) or not getattr(klass, "openapi_types", None):
        return out
    by_json = {v: k for k, v in klass.attribute_map.items()}
    if list(klass.attribute_map.values()) == ["body"]:
        return out
    for key, value in data.items():
        attr = by_json.get(key)
        if attr is None:
            out.append(f"{klass_name}.{key}")
            continue
        out += unknown_fields(value, klass.openapi_types[attr], f"{path}.{key}")
    return out


#: "Model.field" -> how often a twin response carried it; printed at the end of the run.
DROPPED_FIELDS = collections.Counter()


def note_dropped_fields(resp):
    body = getattr(resp, "raw_content", None)
    if not body:
        return
    try:
        data = json.loads(body)
    except ValueError:
        return
    DROPPED_FIELDS.update(unknown_fields(data, type(resp).__name__))
