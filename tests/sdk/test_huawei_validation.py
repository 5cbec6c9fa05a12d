"""Rejected requests: each answers the documented HTTP status and error_code, and changes
nothing (the vault / policy / resource lists are the same before and after).

Bodies the SDK's typed models cannot express (unknown fields, wrong JSON types, broken JSON)
go through the same SDK call with a dict or string body, which huaweicloudsdkcore sends as is.
"""

import pytest
from huaweicloudsdkcbr.v1 import (
    AddVaultResourceRequest,
    AssociateVaultPolicyRequest,
    BackupReplicateReq,
    BackupReplicateReqBody,
    BackupRestore,
    BackupRestoreReq,
    BackupRestoreServerMapping,
    BillingCreate,
    BillingUpdate,
    BindRulesTags,
    CopyBackupRequest,
    CreatePolicyRequest,
    CreateVaultRequest,
    DeleteBackupRequest,
    DeleteVaultRequest,
    ListPoliciesRequest,
    ListVaultRequest,
    MigrateVaultResourceRequest,
    PolicyCreate,
    PolicyCreateReq,
    PolicyTriggerPropertiesReq,
    PolicyTriggerReq,
    PolicyUpdate,
    PolicyUpdateReq,
    PolicyoODCreate,
    RemoveVaultResourceRequest,
    RestoreBackupRequest,
    ShowBackupRequest,
    ShowCheckpointRequest,
    ShowOpLogRequest,
    ShowPolicyRequest,
    ShowProtectableRequest,
    ShowVaultRequest,
    Tag,
    UpdatePolicyRequest,
    UpdateVaultRequest,
    VaultAddResourceReq,
    VaultAssociate,
    VaultBindRules,
    VaultCreate,
    VaultCreateReq,
    VaultMigrateResourceReq,
    VaultRemoveResourceReq,
    VaultUpdate,
    VaultUpdateReq,
)

from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from huawei_support import (
    ARCHIVE_VOL,
    DB,
    HK_PROJECT,
    NO_SUCH_ID,
    PEER_SERVER,
    PEER_SOUTH_PROJECT,
    PROJECT,
    REGION,
    SOUTH,
    SOUTH_PROJECT,
    SOUTH_SERVER,
    WEB,
    WEB_DATA,
    WEB_SYS,
    expect_hw_error,
    inject_fault,
    poll_backup,
    resource,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")


def fake_uuid(i):
    return f"0000{i:04x}-0000-4000-8000-000000000000"


# ------------------------------------------------------------------------------ CreateVault


def billing(**over):
    b = dict(consistent_level="crash_consistent", object_type="server", protect_type="backup", size=100)
    b.update(over)
    return BillingCreate(**{k: v for k, v in b.items() if v is not None})


def create_vault_req(name="v", bill=None, resources=(), **kw):
    return CreateVaultRequest(body=VaultCreateReq(vault=VaultCreate(
        name=name, billing=bill or billing(), resources=list(resources), **kw)))


def body_vault(**over):
    """A valid CreateVault body as a plain dict, with `over` merged into `vault`."""
    v = {"name": "raw", "resources": [],
         "billing": {"consistent_level": "crash_consistent", "object_type": "server",
                     "protect_type": "backup", "size": 100}}
    v.update(over)
    return {"vault": v}


BAD_CREATE_VAULT = [
    pytest.param(create_vault_req(name="a" * 65), 400, "BackupService.9900", id="name-65-chars"),
    pytest.param(create_vault_req(name="bad name!"), 400, "BackupService.9900", id="name-illegal-char"),
    pytest.param(create_vault_req(name="a<b"), 400, "BackupService.9900", id="name-angle-bracket"),
    pytest.param(create_vault_req(bill=billing(size=9)), 400, "BackupService.6101", id="size-9"),
    pytest.param(create_vault_req(bill=billing(size=10485761)), 400, "BackupService.6101", id="size-10485761"),
    pytest.param(create_vault_req(bill=billing(object_type=None)), 400, "BackupService.9900",
                 id="missing-object-type"),
    pytest.param(create_vault_req(bill=billing(consistent_level=None)), 400, "BackupService.9900",
                 id="missing-consistent-level"),
    pytest.param(create_vault_req(bill=billing(size=None)), 400, "BackupService.9900", id="missing-size"),
    pytest.param(create_vault_req(resources=[resource(fake_uuid(i), "OS::Nova::Server") for i in range(256)]),
                 400, "BackupService.9900", id="256-resources"),
    pytest.param(create_vault_req(tags=[Tag(key=f"k{i}", value="v") for i in range(11)]),
                 400, "BackupService.6600", id="11-tags"),
    pytest.param(create_vault_req(tags=[Tag(key="env", value="a"), Tag(key="env", value="b")]),
                 400, "BackupService.9900", id="duplicate-tag-key"),
    pytest.param(create_vault_req(tags=[Tag(key="k" * 37, value="v")]), 400, "BackupService.9900",
                 id="tag-key-37-chars"),
    pytest.param(create_vault_req(threshold=0), 400, "BackupService.9900", id="threshold-0"),
    pytest.param(create_vault_req(threshold=101), 400, "BackupService.9900", id="threshold-101"),
    pytest.param(create_vault_req(bill=billing(charging_mode="pre_paid")), 400, "BackupService.9900",
                 id="pre-paid-without-period"),
    pytest.param(create_vault_req(bill=billing(charging_mode="pre_paid", period_type="month", period_num=10)),
                 400, "BackupService.9900", id="pre-paid-period-num-10"),
    pytest.param(create_vault_req(bill=billing(charging_mode="pre_paid", period_type="month", period_num=1),
                                  auto_expand=True), 400, "BackupService.6143", id="auto-expand-pre-paid"),
    pytest.param(create_vault_req(description="x" * 256), 400, "BackupService.9900", id="description-256"),
    pytest.param(CreateVaultRequest(body=body_vault(bogus=1)), 400, "BackupService.9900", id="unknown-field"),
    pytest.param(CreateVaultRequest(body={"vault": body_vault()["vault"], "extra": {}}), 400,
                 "BackupService.9900", id="unknown-top-level-field"),
    pytest.param(CreateVaultRequest(body='{"vault": {"name": "x",'), 400, "BackupService.9900",
                 id="malformed-json"),
    pytest.param(CreateVaultRequest(body=body_vault(billing={
        "consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup",
        "size": "100"})), 400, "BackupService.9900", id="size-as-string"),
    pytest.param(CreateVaultRequest(body=body_vault(auto_bind="yes")), 400, "BackupService.9900",
                 id="bool-as-string"),
    pytest.param(CreateVaultRequest(body=body_vault(resources=None)), 400, "BackupService.9900",
                 id="missing-resources"),
]


@pytest.mark.parametrize("req, status, code", BAD_CREATE_VAULT)
def test_create_vault_rejections(cbr, req, status, code):
    existing = cbr.new_vault(name="existing")
    expect_hw_error(status, code, cbr.create_vault, req)
    assert cbr.vault_count() == 1
    assert [v.id for v in cbr.list_vault(ListVaultRequest()).vaults] == [existing.id]


GOOD_CREATE_VAULT = [
    pytest.param(create_vault_req(name="a" * 64), id="name-64-chars"),
    pytest.param(create_vault_req(name="备份_vault-01"), id="name-chinese"),
    pytest.param(create_vault_req(bill=billing(size=10)), id="size-10"),
    pytest.param(create_vault_req(bill=billing(size=10485760)), id="size-10485760"),
    pytest.param(create_vault_req(tags=[Tag(key=f"k{i}", value="v.1") for i in range(10)]), id="10-tags"),
    pytest.param(create_vault_req(threshold=1), id="threshold-1"),
    pytest.param(create_vault_req(threshold=100), id="threshold-100"),
    pytest.param(create_vault_req(auto_expand=True), id="auto-expand-post-paid"),
]


@pytest.mark.parametrize("req", GOOD_CREATE_VAULT)
def test_create_vault_boundaries_are_accepted(cbr, req):
    v = cbr.create_vault(req).vault
    assert cbr.vault(v.id).name == req.body.vault.name


def test_create_vault_255_resources_is_the_documented_maximum(cbr, twin):
    """At most 255 resources at creation: 256 was rejected above with 9900; the twin's
    inventory has fewer servers, so 255 unknown ids must fail on existence instead (7100)."""
    req = create_vault_req(resources=[resource(fake_uuid(i), "OS::Nova::Server") for i in range(255)])
    expect_hw_error(404, "BackupService.7100", cbr.create_vault, req)
    assert cbr.vault_count() == 0


# ------------------------------------------------------------------------- AddVaultResource


def add(cbr, vault_id, resources):
    return cbr.add_vault_resource(AddVaultResourceRequest(
        vault_id=vault_id, body=VaultAddResourceReq(resources=list(resources))))


def resource_ids(cbr, vault_id):
    return [r.id for r in cbr.vault(vault_id).resources]


def test_add_vault_resource_rejections(cbr):
    a = cbr.new_vault(name="a", resources=[WEB])
    b = cbr.new_vault(name="b")
    disks = cbr.new_vault(name="disks", object_type="disk")
    cases = [
        (b.id, [resource(WEB)], 400, "BackupService.6103"),  # already in vault a
        (b.id, [resource(DB), resource(DB)], 400, "BackupService.6104"),  # twice in one request
        (b.id, [resource(ARCHIVE_VOL)], 400, "BackupService.6102"),  # a volume into a server vault
        (disks.id, [resource(DB)], 400, "BackupService.6102"),  # a server into a disk vault
        (b.id, [resource(NO_SUCH_ID, "OS::Nova::Server")], 404, "BackupService.7100"),
        (b.id, [resource(SOUTH_SERVER)], 404, "BackupService.7100"),  # a server of the cn-south-1 project
        (b.id, [resource(PEER_SERVER)], 404, "BackupService.7100"),  # a server of the peer account
        (b.id, [resource(fake_uuid(i), "OS::Nova::Server") for i in range(257)], 400, "BackupService.9900"),
        (b.id, [], 400, "BackupService.9900"),
        (NO_SUCH_ID, [resource(DB)], 404, "BackupService.6105"),
    ]
    for vault_id, resources, status, code in cases:
        expect_hw_error(status, code, add, cbr, vault_id, resources)
    assert resource_ids(cbr, a.id) == [WEB]
    assert resource_ids(cbr, b.id) == []
    assert resource_ids(cbr, disks.id) == []
    # Nothing half-done: a request with one good and one bad resource binds neither.
    expect_hw_error(400, "BackupService.6103", add, cbr, b.id, [resource(DB), resource(WEB)])
    assert resource_ids(cbr, b.id) == []
    assert add(cbr, b.id, [resource(DB)]).add_resource_ids == [DB]


def test_unknown_volume_in_a_disk_vault(cbr):
    disks = cbr.new_vault(name="disks", object_type="disk")
    expect_hw_error(404, "BackupService.7000", add, cbr, disks.id, [resource(NO_SUCH_ID, "OS::Cinder::Volume")])


def test_remove_resource_not_in_vault(cbr):
    v = cbr.new_vault(name="rm", resources=[WEB])
    expect_hw_error(400, "BackupService.6135", cbr.remove_vault_resource, RemoveVaultResourceRequest(
        vault_id=v.id, body=VaultRemoveResourceReq(resource_ids=[DB])))
    assert resource_ids(cbr, v.id) == [WEB]


# ------------------------------------------------------------------------------- not found


NOT_FOUND = [
    pytest.param("show_vault", ShowVaultRequest(vault_id=NO_SUCH_ID), "BackupService.6105", id="ShowVault"),
    pytest.param("update_vault", UpdateVaultRequest(vault_id=NO_SUCH_ID, body=VaultUpdateReq(
        vault=VaultUpdate(name="x"))), "BackupService.6105", id="UpdateVault"),
    pytest.param("delete_vault", DeleteVaultRequest(vault_id=NO_SUCH_ID), "BackupService.6105", id="DeleteVault"),
    pytest.param("show_backup", ShowBackupRequest(backup_id=NO_SUCH_ID), "BackupService.6200", id="ShowBackup"),
    pytest.param("delete_backup", DeleteBackupRequest(backup_id=NO_SUCH_ID), "BackupService.6200",
                 id="DeleteBackup"),
    pytest.param("show_policy", ShowPolicyRequest(policy_id=NO_SUCH_ID), "BackupService.6000", id="ShowPolicy"),
    pytest.param("update_policy", UpdatePolicyRequest(policy_id=NO_SUCH_ID, body=PolicyUpdateReq(
        policy=PolicyUpdate(name="x"))), "BackupService.6000", id="UpdatePolicy"),
    pytest.param("show_checkpoint", ShowCheckpointRequest(checkpoint_id=NO_SUCH_ID), "BackupService.6217",
                 id="ShowCheckpoint"),
    pytest.param("show_protectable", ShowProtectableRequest(protectable_type="server", instance_id=NO_SUCH_ID),
                 "BackupService.7100", id="ShowProtectable-server"),
]


@pytest.mark.parametrize("method, req, code", NOT_FOUND)
def test_unknown_ids_are_404(cbr, method, req, code):
    expect_hw_error(404, code, getattr(cbr, method), req)


def test_unknown_operation_log_message(cbr):
    e = expect_hw_error(404, "BackupService.6500", cbr.show_op_log, ShowOpLogRequest(operation_log_id=NO_SUCH_ID))
    assert e.error_msg == "Operation log does not exist."


def test_associate_unknown_policy(cbr):
    v = cbr.new_vault(name="assoc")
    expect_hw_error(404, "BackupService.6000", cbr.associate_vault_policy, AssociateVaultPolicyRequest(
        vault_id=v.id, body=VaultAssociate(policy_id=NO_SUCH_ID)))


def test_ids_of_another_project_are_not_found(cbr, cbr_south):
    """Vaults live in one project: the same account's cn-south-1 project does not see them."""
    v = cbr.new_vault(name="north_only")
    expect_hw_error(404, "BackupService.6105", cbr_south.show_vault, ShowVaultRequest(vault_id=v.id))


# ------------------------------------------------------------------------------ locked vault


def update_vault(cbr, vault_id, **fields):
    return cbr.update_vault(UpdateVaultRequest(vault_id=vault_id, body=VaultUpdateReq(vault=VaultUpdate(**fields))))


def test_locked_vault(cbr, twin):
    v = cbr.new_vault(name="worm", resources=[WEB])
    other = cbr.new_vault(name="other")
    assert update_vault(cbr, v.id, locked=True).vault.locked is True
    expect_hw_error(400, "BackupService.6153", cbr.delete_vault, DeleteVaultRequest(vault_id=v.id))
    expect_hw_error(400, "BackupService.6154", cbr.remove_vault_resource, RemoveVaultResourceRequest(
        vault_id=v.id, body=VaultRemoveResourceReq(resource_ids=[WEB])))
    expect_hw_error(400, "BackupService.6155", cbr.migrate_vault_resource, MigrateVaultResourceRequest(
        vault_id=v.id, body=VaultMigrateResourceReq(destination_vault_id=other.id, resource_ids=[WEB])))
    with pytest.raises(ClientRequestException) as info:  # the doc names no code for this one
        update_vault(cbr, v.id, locked=False)
    assert info.value.status_code == 400
    assert info.value.error_code.startswith("BackupService.")
    shown = cbr.vault(v.id)
    assert shown.locked is True
    assert [r.id for r in shown.resources] == [WEB]
    assert resource_ids(cbr, other.id) == []
    # Locking again is harmless; other updates still work.
    assert update_vault(cbr, v.id, locked=True, name="worm2").vault.name == "worm2"


def test_update_vault_rejections(cbr):
    v = cbr.new_vault(name="upd", size=100)
    expect_hw_error(400, "BackupService.6101", update_vault, cbr, v.id, billing=BillingUpdate(size=9))
    expect_hw_error(400, "BackupService.9900", update_vault, cbr, v.id, threshold=0)
    expect_hw_error(400, "BackupService.9900", update_vault, cbr, v.id, name="bad name")
    expect_hw_error(400, "BackupService.9900", cbr.update_vault, UpdateVaultRequest(
        vault_id=v.id, body={"vault": {"size": 200}}))
    shown = cbr.vault(v.id)
    assert (shown.name, shown.billing.size, shown.threshold) == ("upd", 100, 80)
    u = update_vault(cbr, v.id, billing=BillingUpdate(size=200), name="upd2", threshold=60,
                     bind_rules=VaultBindRules(tags=[BindRulesTags(key="env", value="x")]))
    assert (u.vault.name, u.vault.billing.size, u.vault.threshold) == ("upd2", 200, 60)


# -------------------------------------------------------------------------------- policies


def policy_req(name="p", pattern=("FREQ=DAILY;INTERVAL=1;BYHOUR=3;BYMINUTE=00",), operation_type="backup",
               **definition):
    return CreatePolicyRequest(body=PolicyCreateReq(policy=PolicyCreate(
        name=name, operation_type=operation_type, operation_definition=PolicyoODCreate(**definition),
        trigger=PolicyTriggerReq(properties=PolicyTriggerPropertiesReq(pattern=list(pattern))))))


def daily(h, m=0):
    return f"FREQ=DAILY;INTERVAL=1;BYHOUR={h};BYMINUTE={m:02d}"


BAD_POLICIES = [
    pytest.param(policy_req(pattern=["FREQ=HOURLY;INTERVAL=1;BYMINUTE=00"], max_backups=3),
                 "BackupService.9900", id="freq-hourly"),
    pytest.param(policy_req(pattern=[daily(h) for h in range(24)] + ["FREQ=WEEKLY;BYDAY=MO;BYHOUR=0;BYMINUTE=30"],
                            max_backups=3), "BackupService.9900", id="25-patterns"),
    pytest.param(policy_req(pattern=[daily(3, 0), daily(3, 30)], max_backups=3), "BackupService.9900",
                 id="30-minutes-apart"),
    pytest.param(policy_req(pattern=["FREQ=DAILY;INTERVAL=1;BYHOUR=24;BYMINUTE=00"], max_backups=3),
                 "BackupService.9900", id="byhour-24"),
    pytest.param(policy_req(pattern=["FREQ=WEEKLY;BYDAY=XX;BYHOUR=1;BYMINUTE=00"], max_backups=3),
                 "BackupService.9900", id="byday-xx"),
    pytest.param(policy_req(pattern=[], max_backups=3), "BackupService.9900", id="no-pattern"),
    pytest.param(policy_req(retention_duration_days=5, max_backups=3), "BackupService.9900",
                 id="retention-with-max-backups"),
    pytest.param(policy_req(retention_duration_days=5, day_backups=2, timezone="UTC+08:00"),
                 "BackupService.9900", id="retention-with-day-backups"),
    pytest.param(policy_req(day_backups=3), "BackupService.9900", id="day-backups-without-timezone"),
    pytest.param(policy_req(max_backups=0), "BackupService.9900", id="max-backups-0"),
    pytest.param(policy_req(max_backups=100000), "BackupService.9900", id="max-backups-100000"),
    pytest.param(policy_req(day_backups=101, timezone="UTC+08:00"), "BackupService.9900", id="day-backups-101"),
    pytest.param(policy_req(name="a" * 65, max_backups=3), "BackupService.9900", id="name-65"),
    pytest.param(policy_req(operation_type="replication", destination_region=REGION, destination_project_id=PROJECT),
                 "BackupService.9900", id="replication-same-region"),
    pytest.param(policy_req(operation_type="replication", destination_project_id=SOUTH_PROJECT),
                 "BackupService.9900", id="replication-without-region"),
    pytest.param(CreatePolicyRequest(body={"policy": {
        "name": "x", "operation_type": "backup", "operation_definition": {"max_backups": 3},
        "trigger": {"properties": {"pattern": [daily(1)]}}, "bogus": True}}), "BackupService.9900",
        id="unknown-field"),
]


@pytest.mark.parametrize("req, code", BAD_POLICIES)
def test_create_policy_rejections(cbr, req, code):
    keep = cbr.create_policy(policy_req(name="keep", max_backups=3)).policy
    expect_hw_error(400, code, cbr.create_policy, req)
    listed = cbr.list_policies(ListPoliciesRequest())
    assert (listed.count, [p.id for p in listed.policies]) == (1, [keep.id])


GOOD_POLICIES = [
    pytest.param(policy_req(pattern=[daily(h) for h in range(24)], max_backups=3), id="24-patterns-hourly"),
    pytest.param(policy_req(max_backups=-1), id="max-backups-minus-1"),
    pytest.param(policy_req(max_backups=99999), id="max-backups-99999"),
    pytest.param(policy_req(retention_duration_days=30, max_backups=-1), id="retention-with-max-backups-unset"),
    pytest.param(policy_req(retention_duration_days=1, day_backups=0, week_backups=0, month_backups=0,
                            year_backups=0, timezone="UTC+08:00"), id="doc-example-1"),
    pytest.param(policy_req(day_backups=3, week_backups=1, timezone="UTC+08:00"), id="day-week-with-timezone"),
    pytest.param(policy_req(pattern=["FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYHOUR=23;BYMINUTE=00"],
                            retention_duration_days=30), id="scenario-5-2"),
    pytest.param(policy_req(operation_type="replication", destination_region=SOUTH,
                            destination_project_id=SOUTH_PROJECT), id="replication"),
]


@pytest.mark.parametrize("req", GOOD_POLICIES)
def test_create_policy_boundaries_are_accepted(cbr, req):
    p = cbr.create_policy(req).policy
    assert cbr.show_policy(ShowPolicyRequest(policy_id=p.id)).policy.name == req.body.policy.name


def test_second_backup_policy_on_a_vault(cbr):
    v = cbr.new_vault(name="one_policy")
    first = cbr.create_policy(policy_req(name="first", max_backups=3)).policy
    second = cbr.create_policy(policy_req(name="second", max_backups=3)).policy
    cbr.associate_vault_policy(AssociateVaultPolicyRequest(vault_id=v.id, body=VaultAssociate(policy_id=first.id)))
    expect_hw_error(400, "BackupService.4022", cbr.associate_vault_policy, AssociateVaultPolicyRequest(
        vault_id=v.id, body=VaultAssociate(policy_id=second.id)))
    assert cbr.show_policy(ShowPolicyRequest(policy_id=second.id)).policy.associated_vaults == []
    assert [a.vault_id for a in cbr.show_policy(ShowPolicyRequest(policy_id=first.id)).policy.associated_vaults] \
        == [v.id]


def test_create_vault_with_a_policy_already_bound_elsewhere_is_fine(cbr):
    p = cbr.create_policy(policy_req(name="shared", max_backups=3)).policy
    a = cbr.new_vault(name="a", backup_policy_id=p.id)
    b = cbr.new_vault(name="b", backup_policy_id=p.id)
    bound = cbr.show_policy(ShowPolicyRequest(policy_id=p.id)).policy.associated_vaults
    assert sorted(x.vault_id for x in bound) == sorted([a.id, b.id])


# --------------------------------------------------------------------------------- backups


def test_delete_backup_while_protecting(cbr, twin):
    twin.timing("manual")
    v = cbr.new_vault(name="busy", resources=[WEB])
    b = cbr.backup_of(cbr.checkpoint(v.id).id)
    assert b.status == "protecting"
    expect_hw_error(400, "BackupService.6203", cbr.delete_backup, DeleteBackupRequest(backup_id=b.id))
    assert cbr.backup(b.id).status == "protecting"


def restore_req(backup, server_id=WEB):
    children = {c.resource_id: c.id for c in backup.children}
    return RestoreBackupRequest(backup_id=backup.id, body=BackupRestoreReq(restore=BackupRestore(
        server_id=server_id, power_on=True,
        mappings=[BackupRestoreServerMapping(backup_id=children[v], volume_id=v) for v in (WEB_SYS, WEB_DATA)])))


def test_restore_while_the_backup_is_not_available(cbr, twin):
    twin.timing("manual")
    v = cbr.new_vault(name="busy", resources=[WEB])
    b = cbr.backup(cbr.backup_of(cbr.checkpoint(v.id).id).id)
    assert b.status == "protecting"
    with pytest.raises(ClientRequestException) as info:
        cbr.restore_backup(restore_req(b))
    err = info.value
    assert err.status_code == 400
    # 2005 "backup status does not allow restore" (§C.3); 6203 is for starting another backup.
    assert err.error_code == "BackupService.2005", err.error_msg
    assert cbr.backup(b.id).status == "protecting"
    assert cbr.op_logs(operation_type="restore") == []


def test_restore_while_restoring(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="rr", resources=[WEB])
    b = cbr.backup(cbr.backup_of(cbr.checkpoint(v.id).id).id)
    assert b.status == "available"
    twin.timing("manual")
    cbr.restore_backup(restore_req(b))
    assert cbr.backup(b.id).status == "restoring"
    expect_hw_error(400, "BackupService.6230", cbr.restore_backup, restore_req(b))
    expect_hw_error(400, "BackupService.6230", cbr.delete_backup, DeleteBackupRequest(backup_id=b.id))
    assert len(cbr.op_logs(operation_type="restore")) == 1


def test_restore_to_another_server(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="other_srv", resources=[WEB])
    b = cbr.backup(cbr.backup_of(cbr.checkpoint(v.id).id).id)
    expect_hw_error(400, "BackupService.2003", cbr.restore_backup, restore_req(b, server_id=DB))
    assert cbr.backup(b.id).status == "available"


def test_restore_a_replicated_backup(cbr, cbr_south, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="src", resources=[WEB])
    b = cbr.backup(cbr.backup_of(cbr.checkpoint(v.id).id).id)
    dest = cbr_south.new_vault(name="dst", protect_type="replication")
    cbr.copy_backup(CopyBackupRequest(backup_id=b.id, body=BackupReplicateReq(replicate=BackupReplicateReqBody(
        destination_project_id=SOUTH_PROJECT, destination_region=SOUTH, destination_vault_id=dest.id))))
    (copy,) = cbr_south.backups(vault_id=dest.id).backups
    assert copy.image_type == "replication"
    copy = cbr_south.backup(copy.id)
    expect_hw_error(400, "BackupService.2004", cbr_south.restore_backup, restore_req(copy))
    assert cbr_south.backup(copy.id).status == "available"


def test_copy_backup_rejections(cbr, cbr_south, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="src", resources=[WEB])
    b = cbr.backup_of(cbr.checkpoint(v.id).id)
    backup_vault = cbr_south.new_vault(name="plain", protect_type="backup")
    dest = cbr_south.new_vault(name="dst", protect_type="replication")

    def copy(**kw):
        body = dict(destination_project_id=SOUTH_PROJECT, destination_region=SOUTH, destination_vault_id=dest.id)
        body.update(kw)
        return cbr.copy_backup(CopyBackupRequest(backup_id=b.id, body=BackupReplicateReq(
            replicate=BackupReplicateReqBody(**body))))

    expect_hw_error(400, "BackupService.9900", copy, destination_region=REGION, destination_project_id=PROJECT)
    # ap-southeast-1 is not a replication destination of cn-north-4.
    expect_hw_error(400, "BackupService.1005", copy, destination_region="ap-southeast-1",
                    destination_project_id=HK_PROJECT)
    # The peer account's cn-south-1 project is not this account's.
    expect_hw_error(400, "BackupService.1011", copy, destination_project_id=PEER_SOUTH_PROJECT)
    expect_hw_error(400, "BackupService.6120", copy, destination_vault_id=NO_SUCH_ID)
    expect_hw_error(400, "BackupService.6119", copy, destination_vault_id=backup_vault.id)
    assert copy().replication.backup_id == b.id
    expect_hw_error(400, "BackupService.1009", copy)  # already replicated to cn-south-1
    (only,) = cbr_south.backups(vault_id=dest.id).backups
    assert cbr_south.backups(vault_id=backup_vault.id).count == 0
    assert only.image_type == "replication"


def test_backup_fault_then_restore_is_refused_for_an_error_backup(cbr, twin):
    v = cbr.new_vault(name="err", resources=[WEB])
    inject_fault(twin, "backup", target=WEB)
    cp = cbr.checkpoint(v.id)
    b, _ = poll_backup(cbr, twin, cbr.backup_of(cp.id).id, lambda b: b.status != "protecting")
    assert b.status == "error"
    expect_hw_error(400, "BackupService.2005", cbr.restore_backup, restore_req(b))


def test_delete_vault_while_a_backup_runs(cbr, twin):
    twin.timing("manual")
    v = cbr.new_vault(name="running", resources=[WEB])
    cbr.checkpoint(v.id)
    expect_hw_error(400, "BackupService.6125", cbr.delete_vault, DeleteVaultRequest(vault_id=v.id))
    assert cbr.vault(v.id).billing.status == "available"


def test_tag_value_rules(cbr):
    expect_hw_error(400, "BackupService.9900", cbr.create_vault, create_vault_req(tags=[Tag(key="k", value="v" * 44)]))
    expect_hw_error(400, "BackupService.9900", cbr.create_vault, create_vault_req(tags=[Tag(key="k", value="a=b")]))
    expect_hw_error(400, "BackupService.9900", cbr.create_vault, create_vault_req(tags=[]))
    v = cbr.create_vault(create_vault_req(tags=[Tag(key="k" * 36, value="v" * 43), Tag(key="empty", value="")]))
    assert sorted((t.key, t.value) for t in cbr.vault(v.vault.id).tags) == sorted(
        [("k" * 36, "v" * 43), ("empty", "")])
    assert cbr.vault_count() == 1


def test_copy_while_protecting_and_delete_twice(cbr, cbr_south, twin):
    twin.timing("manual")
    v = cbr.new_vault(name="busy", resources=[WEB])
    b = cbr.backup_of(cbr.checkpoint(v.id).id)
    dest = cbr_south.new_vault(name="dst", protect_type="replication")
    copy = CopyBackupRequest(backup_id=b.id, body=BackupReplicateReq(replicate=BackupReplicateReqBody(
        destination_project_id=SOUTH_PROJECT, destination_region=SOUTH, destination_vault_id=dest.id)))
    # The doc lists 1001 "backup not available; replication not supported" among the 500s.
    expect_hw_error(500, "BackupService.1001", cbr.copy_backup, copy)
    twin.complete_jobs()
    assert cbr.backup(b.id).status == "available"
    cbr.delete_backup(DeleteBackupRequest(backup_id=b.id))
    assert cbr.backup(b.id).status == "deleting"
    expect_hw_error(400, "BackupService.6231", cbr.delete_backup, DeleteBackupRequest(backup_id=b.id))
    expect_hw_error(500, "BackupService.1001", cbr.copy_backup, copy)
    assert cbr_south.backups(vault_id=dest.id).count == 0
