"""Vault and backup operations beyond the main flow: rename a backup, batch-update vaults,
remove and migrate resources, order-based (yearly/monthly) vaults, replicate a whole vault,
hybrid-cloud sync, external vaults; failures forced from the control plane; auto-binding; and
the documented shape of the objects the twin returns.
"""

import pytest
from huaweicloudsdkcbr.v1 import (
    BackupReplicateReq,
    BackupReplicateReqBody,
    BackupRestore,
    BackupRestoreReq,
    BackupRestoreServerMapping,
    BackupUpdate,
    BackupUpdateReq,
    BatchUpdateVaultRequest,
    BatchUpdateVaultRequestBody,
    BillingCreate,
    BindRulesTags,
    CheckpointReplicateParam,
    CheckpointReplicateReq,
    CopyBackupRequest,
    CopyCheckpointRequest,
    CreatePostPaidVaultRequest,
    CreateVaultRequest,
    DeleteBackupRequest,
    DeleteVaultRequest,
    ImportCheckpointRequest,
    ListExternalVaultRequest,
    ListVaultRequest,
    MigrateVaultResourceRequest,
    PrePaidBillingCreate,
    PrePaidVaultOrder,
    RemoveVaultResourceRequest,
    RestoreBackupRequest,
    ShowCheckpointRequest,
    ShowOpLogRequest,
    ShowVaultRequest,
    SyncParam,
    SyncReq,
    UpdateBackupRequest,
    VaultBatchUpdate,
    VaultBindRules,
    VaultCreate,
    VaultCreateReq,
    VaultMigrateResourceReq,
    VaultOrderCreateReqs,
    VaultRemoveResourceReq,
)

from huawei_support import (
    DB,
    PROJECT,
    REGION,
    SERVER_TYPE,
    SOUTH,
    SOUTH_PROJECT,
    SOUTH_SERVER,
    WEB,
    WEB_DATA,
    WEB_SYS,
    add_server,
    expect_hw_error,
    inject_fault,
    poll,
    poll_backup,
    poll_op_log,
    raw_json,
    resource,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")


# ---------------------------------------------------------------------------- UpdateBackup


def test_update_backup_renames(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="rename", resources=[WEB])
    b = cbr.backup_of(cbr.checkpoint(v.id, name="before").id)
    resp = cbr.update_backup(UpdateBackupRequest(backup_id=b.id, body=BackupUpdateReq(
        backup=BackupUpdate(name="after_rename"))))
    assert (resp.backup.id, resp.backup.name) == (b.id, "after_rename")
    assert cbr.backup(b.id).name == "after_rename"
    assert [x.name for x in cbr.backups(name="after_rename").backups] == ["after_rename"]
    expect_hw_error(400, "BackupService.9900", cbr.update_backup, UpdateBackupRequest(
        backup_id=b.id, body=BackupUpdateReq(backup=BackupUpdate(name="bad name"))))
    expect_hw_error(400, "BackupService.9900", cbr.update_backup, UpdateBackupRequest(
        backup_id=b.id, body=BackupUpdateReq(backup=BackupUpdate(name="n" * 65))))
    assert cbr.backup(b.id).name == "after_rename"


# ------------------------------------------------------------------------- BatchUpdateVault


def test_batch_update_vault_changes_every_vault(cbr, cbr_south):
    a = cbr.new_vault(name="a", threshold=90)
    b = cbr.new_vault(name="b", object_type="disk")
    south = cbr_south.new_vault(name="south")
    resp = cbr.batch_update_vault(BatchUpdateVaultRequest(body=BatchUpdateVaultRequestBody(
        vault=VaultBatchUpdate(smn_notify=False, threshold=60))))
    assert sorted(resp.updated_vaults_id) == sorted([a.id, b.id])
    for vid in (a.id, b.id):
        v = cbr.vault(vid)
        assert (v.threshold, v.smn_notify) == (60, False)
    s = cbr_south.vault(south.id)
    assert (s.threshold, s.smn_notify) == (80, True), "only the caller's project changes"
    expect_hw_error(400, "BackupService.9900", cbr.batch_update_vault, BatchUpdateVaultRequest(
        body=BatchUpdateVaultRequestBody(vault=VaultBatchUpdate(threshold=101))))
    assert cbr.vault(a.id).threshold == 60


# ---------------------------------------------------------------- remove / migrate resources


def test_remove_vault_resource_deletes_its_backups(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="rm", resources=[WEB, DB])
    cbr.checkpoint(v.id)
    assert cbr.backups(vault_id=v.id).count == 2
    (db_backup,) = cbr.backups(vault_id=v.id, resource_id=DB).backups
    db_children = [c.id for c in cbr.backup(db_backup.id).children]
    assert len(db_children) == 2
    resp = cbr.remove_vault_resource(RemoveVaultResourceRequest(
        vault_id=v.id, body=VaultRemoveResourceReq(resource_ids=[DB])))
    assert resp.remove_resource_ids == [DB]
    assert [r.id for r in cbr.vault(v.id).resources] == [WEB]
    assert [b.resource_id for b in cbr.backups(vault_id=v.id).backups] == [WEB]
    # The removed server's per-disk backups went with it.
    assert [cbr.backup(c) for c in db_children] == [None, None]
    (task,) = cbr.op_logs(operation_type="remove_resource")
    assert task.status == "success"
    assert task.extra_info.remove_resources.total_count == 1
    assert [r.id for r in task.extra_info.remove_resources.resources] == [DB]
    # The resource is free again: another vault may take it.
    other = cbr.new_vault(name="other", resources=[DB])
    assert [r.id for r in cbr.vault(other.id).resources] == [DB]


def test_migrate_vault_resource_moves_backups_along(cbr, twin):
    twin.timing("immediate")
    src = cbr.new_vault(name="src", resources=[WEB, DB], size=500)
    dst = cbr.new_vault(name="dst", size=500)
    cbr.checkpoint(src.id)
    web_backup = [b for b in cbr.backups(vault_id=src.id).backups if b.resource_id == WEB][0]
    resp = cbr.migrate_vault_resource(MigrateVaultResourceRequest(
        vault_id=src.id, body=VaultMigrateResourceReq(destination_vault_id=dst.id, resource_ids=[WEB])))
    assert resp.migrated_resources == [WEB]
    assert [r.id for r in cbr.vault(src.id).resources] == [DB]
    assert [r.id for r in cbr.vault(dst.id).resources] == [WEB]
    assert [b.id for b in cbr.backups(vault_id=dst.id).backups] == [web_backup.id]
    assert [b.resource_id for b in cbr.backups(vault_id=src.id).backups] == [DB]
    moved = cbr.backup(web_backup.id)
    assert moved.vault_id == dst.id and moved.status == "available"
    (task,) = cbr.op_logs(operation_type="migrate_resources")
    assert task.status == "success"
    # The per-disk backups are part of the server backup: they move with it.
    assert {c.vault_id for c in moved.children} == {dst.id}


def test_migrated_backup_survives_deleting_the_source_vault(cbr, twin):
    twin.timing("immediate")
    src = cbr.new_vault(name="src", resources=[WEB], size=500)
    dst = cbr.new_vault(name="dst", size=500)
    bid = cbr.backup_of(cbr.checkpoint(src.id).id).id
    cbr.migrate_vault_resource(MigrateVaultResourceRequest(
        vault_id=src.id, body=VaultMigrateResourceReq(destination_vault_id=dst.id, resource_ids=[WEB])))
    cbr.delete_vault(DeleteVaultRequest(vault_id=src.id))
    expect_hw_error(404, "BackupService.6105", cbr.show_vault, ShowVaultRequest(vault_id=src.id))
    moved = cbr.backup(bid)
    assert moved.vault_id == dst.id
    assert sorted(c.resource_id for c in moved.children) == sorted([WEB_SYS, WEB_DATA])


def test_migrate_vault_resource_rejections(cbr, twin):
    src = cbr.new_vault(name="src", resources=[WEB])
    disks = cbr.new_vault(name="disks", object_type="disk")
    rep = cbr.new_vault(name="rep", protect_type="replication")
    dst = cbr.new_vault(name="dst")

    def migrate(dest, ids):
        return cbr.migrate_vault_resource(MigrateVaultResourceRequest(
            vault_id=src.id, body=VaultMigrateResourceReq(destination_vault_id=dest, resource_ids=ids)))

    expect_hw_error(400, "BackupService.6145", migrate, disks.id, [WEB])
    expect_hw_error(400, "BackupService.6149", migrate, rep.id, [WEB])
    expect_hw_error(400, "BackupService.6147", migrate, dst.id, [DB])
    expect_hw_error(404, "BackupService.6105", migrate, "0badc0de-0000-4000-8000-00000000dead", [WEB])
    assert [r.id for r in cbr.vault(src.id).resources] == [WEB]
    assert cbr.vault(dst.id).resources == []


# --------------------------------------------------------------------- order-based vaults


def test_create_post_paid_vault_returns_an_order(cbr):
    resp = cbr.create_post_paid_vault(CreatePostPaidVaultRequest(body=VaultOrderCreateReqs(vault=PrePaidVaultOrder(
        name="yearly",
        billing=PrePaidBillingCreate(consistent_level="app_consistent", object_type="server",
                                     protect_type="backup", size=80, charging_mode="pre_paid",
                                     period_type="month", period_num=1, is_auto_renew=False, is_auto_pay=True),
        resources=[resource(WEB)],
    ))))
    assert resp.status_code == 200
    assert resp.ret_code == 0
    (order,) = resp.orders
    assert order.resource_id and order.order_id
    assert order.cloud_service_id == "cbr"
    assert order.subscribe_result == 1
    assert str(resp.error_code) == "0"
    raw = raw_json(resp)
    assert set(raw) == {"orders", "retCode", "errText", "error_code"}
    v = cbr.vault(order.resource_id)
    assert (v.name, v.billing.charging_mode, v.billing.size) == ("yearly", "pre_paid", 80)
    assert v.billing.consistent_level == "app_consistent"
    assert [r.id for r in v.resources] == [WEB]
    assert cbr.list_vault(ListVaultRequest()).count == 1


def test_create_vault_pre_paid_returns_the_order_not_the_vault(cbr):
    resp = cbr.create_vault(CreateVaultRequest(body=VaultCreateReq(vault=VaultCreate(
        name="prepaid", resources=[],
        billing=BillingCreate(consistent_level="crash_consistent", object_type="disk", protect_type="backup",
                              size=40, charging_mode="pre_paid", period_type="year", period_num=1),
    ))))
    assert resp.vault is None
    (order,) = resp.orders
    assert resp.ret_code == 0
    assert "vault" not in raw_json(resp)
    v = cbr.vault(order.resource_id)
    assert (v.billing.charging_mode, v.billing.object_type) == ("pre_paid", "disk")


def test_create_post_paid_vault_rejects_auto_expand(cbr):
    expect_hw_error(400, "BackupService.6143", cbr.create_post_paid_vault, CreatePostPaidVaultRequest(
        body=VaultOrderCreateReqs(vault=PrePaidVaultOrder(
            billing=PrePaidBillingCreate(consistent_level="crash_consistent", object_type="server",
                                         protect_type="backup", size=80, charging_mode="pre_paid",
                                         period_type="month", period_num=1),
            resources=[], auto_expand=True))))
    assert cbr.list_vault(ListVaultRequest()).count == 0


# ------------------------------------------------------------------ replication of a vault


def test_copy_checkpoint_replicates_every_available_backup(cbr, cbr_south, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="src", resources=[WEB, DB], size=500)
    cbr.checkpoint(v.id)
    dest = cbr_south.new_vault(name="dr", protect_type="replication", size=500)
    twin.timing("realistic", seconds=1)
    rep = cbr.copy_checkpoint(CopyCheckpointRequest(body=CheckpointReplicateReq(replicate=CheckpointReplicateParam(
        vault_id=v.id, destination_project_id=SOUTH_PROJECT, destination_region=SOUTH,
        destination_vault_id=dest.id)))).replication
    assert (rep.vault_id, rep.project_id, rep.source_region) == (v.id, PROJECT, REGION)
    assert (rep.destination_vault_id, rep.destination_region) == (dest.id, SOUTH)
    sources = {b.id for b in cbr.backups(vault_id=v.id).backups}
    assert {x.backup_id for x in rep.backups} == sources
    assert all(x.replication_record_id for x in rep.backups)
    def records():
        return [r for b in cbr.backups(vault_id=v.id, show_replication=True).backups for r in b.replication_records]

    recs, seen = poll(twin, records, lambda rs: rs and all(r.status == "success" for r in rs))
    assert {r.status for r in seen[0]} == {"replicating"}
    assert {r.id for r in recs} == {x.replication_record_id for x in rep.backups}
    copies = cbr_south.backups(vault_id=dest.id)
    assert copies.count == 2
    assert {c.resource_id for c in copies.backups} == {WEB, DB}
    assert {c.image_type for c in copies.backups} == {"replication"}
    # Everything is replicated now: nothing left to copy.
    expect_hw_error(400, "BackupService.7493", cbr.copy_checkpoint, CopyCheckpointRequest(
        body=CheckpointReplicateReq(replicate=CheckpointReplicateParam(
            vault_id=v.id, destination_project_id=SOUTH_PROJECT, destination_region=SOUTH,
            destination_vault_id=dest.id))))


def test_polling_the_destination_sees_the_copy_arrive(cbr, cbr_south, twin):
    """A client that copies a backup and then watches the destination vault (in the other
    region) must see the copy arrive as the clock moves: replication is not only done when
    somebody reads the source region."""
    twin.timing("immediate")
    v = cbr.new_vault(name="src", resources=[WEB])
    b = cbr.backup_of(cbr.checkpoint(v.id).id)
    dest = cbr_south.new_vault(name="dr", protect_type="replication")
    twin.timing("realistic", seconds=1)
    cbr.copy_backup(CopyBackupRequest(backup_id=b.id, body=BackupReplicateReq(replicate=BackupReplicateReqBody(
        destination_project_id=SOUTH_PROJECT, destination_region=SOUTH, destination_vault_id=dest.id))))
    copies, seen = poll(twin, lambda: cbr_south.backups(vault_id=dest.id), lambda r: r.count == 1)
    assert seen[0].count == 0
    assert copies.backups[0].image_type == "replication"


def test_import_checkpoint_needs_a_hybrid_vault(cbr):
    v = cbr.new_vault(name="public_vault")
    expect_hw_error(400, "BackupService.7300", cbr.import_checkpoint, ImportCheckpointRequest(
        body=SyncReq(sync=SyncParam(auto_trigger=False, vault_id=v.id))))
    assert cbr.op_logs(operation_type="sync") == []


def test_list_external_vault_of_the_south_project(cbr, cbr_south):
    south_rep = cbr_south.new_vault(name="south_rep", protect_type="replication")
    south_bak = cbr_south.new_vault(name="south_bak", resources=[SOUTH_SERVER])
    cbr.new_vault(name="north")  # not listed: another project
    resp = cbr.list_external_vault(ListExternalVaultRequest(external_project_id=SOUTH_PROJECT, region_id=SOUTH))
    assert resp.count == 2
    assert sorted(v.id for v in resp.vaults) == sorted([south_rep.id, south_bak.id])
    assert {v.project_id for v in resp.vaults} == {SOUTH_PROJECT}
    only = cbr.list_external_vault(ListExternalVaultRequest(
        external_project_id=SOUTH_PROJECT, region_id=SOUTH, protect_type="replication"))
    assert [v.id for v in only.vaults] == [south_rep.id]
    paged = cbr.list_external_vault(ListExternalVaultRequest(
        external_project_id=SOUTH_PROJECT, region_id=SOUTH, limit=1, offset=1))
    assert (paged.count, len(paged.vaults)) == (2, 1)


# ------------------------------------------------------------------ faults (control plane)


def test_backup_fault_ends_in_error_with_a_failed_task(cbr, twin):
    v = cbr.new_vault(name="faulty", resources=[WEB])
    inject_fault(twin, "backup")
    cp = cbr.checkpoint(v.id)
    bid = cbr.backup_of(cp.id).id
    b, seen = poll_backup(cbr, twin, bid, lambda b: b.status not in ("protecting", "waiting_protect"))
    assert seen[0] == "protecting"
    assert b.status == "error"
    (task,) = cbr.op_logs(operation_type="backup")
    assert task.status == "failed"
    assert task.error_info.code
    assert task.error_info.message
    assert cbr.show_checkpoint(ShowCheckpointRequest(checkpoint_id=cp.id)).checkpoint.status == "error"
    # The fault was used up: the next backup succeeds.
    twin.timing("immediate")
    again = cbr.backup_of(cbr.checkpoint(v.id).id)
    assert again.status == "available"


def test_restore_fault_fails_the_task_and_leaves_the_backup_available(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="rfault", resources=[WEB])
    b = cbr.backup(cbr.backup_of(cbr.checkpoint(v.id).id).id)
    twin.timing("realistic", seconds=1)
    inject_fault(twin, "restore", target=b.id)
    children = {c.resource_id: c.id for c in b.children}
    cbr.restore_backup(RestoreBackupRequest(backup_id=b.id, body=BackupRestoreReq(restore=BackupRestore(
        server_id=WEB, mappings=[BackupRestoreServerMapping(backup_id=children[x], volume_id=x)
                                 for x in (WEB_SYS, WEB_DATA)]))))
    (task,) = cbr.op_logs(operation_type="restore")
    task, seen = poll_op_log(cbr, twin, task.id, lambda o: o.status not in ("waiting", "running"))
    assert task.status == "failed"
    assert task.error_info.code
    assert cbr.backup(b.id).status == "available"
    assert cbr.vault(v.id).resources[0].protect_status == "available"


def test_replication_fault_marks_the_record_failed(cbr, cbr_south, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="src", resources=[WEB])
    b = cbr.backup_of(cbr.checkpoint(v.id).id)
    dest = cbr_south.new_vault(name="dr", protect_type="replication")
    inject_fault(twin, "replication")
    cbr.copy_backup(CopyBackupRequest(backup_id=b.id, body=BackupReplicateReq(replicate=BackupReplicateReqBody(
        destination_project_id=SOUTH_PROJECT, destination_region=SOUTH, destination_vault_id=dest.id))))
    (src,) = cbr.backups(vault_id=v.id, show_replication=True).backups
    (record,) = src.replication_records
    assert record.status == "fail"
    assert record.extra_info.fail_code
    assert cbr_south.backups(vault_id=dest.id).count == 0
    (task,) = cbr.op_logs(operation_type="replication")
    assert task.status == "failed"


def test_delete_fault_leaves_the_backup_in_error(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="dfault", resources=[WEB])
    b = cbr.backup_of(cbr.checkpoint(v.id).id)
    inject_fault(twin, "delete", target=b.id)
    cbr.delete_backup(DeleteBackupRequest(backup_id=b.id))
    assert cbr.backup(b.id).status == "error"
    (task,) = cbr.op_logs(operation_type="delete")
    assert task.status == "failed"


# ------------------------------------------------------------------------------ auto_bind


STAGING_SERVER = {
    "id": "c0a80001-0000-4000-8000-0000000000a1",
    "name": "ecs-staging-a1",
    "status": "ACTIVE",
    "availability_zone": "cn-north-4a",
    "tags": [{"key": "env", "value": "staging"}, {"key": "team", "value": "qa"}],
    "volumes": [{"id": "d0a80001-0000-4000-8000-0000000000a1", "name": "staging-sys", "size": 40, "bootable": True}],
}
UNTAGGED_SERVER = {
    "id": "c0a80001-0000-4000-8000-0000000000a2",
    "name": "ecs-untagged-a2",
    "status": "ACTIVE",
    "availability_zone": "cn-north-4a",
    "tags": [{"key": "env", "value": "dev"}],
    "volumes": [{"id": "d0a80001-0000-4000-8000-0000000000a2", "name": "untagged-sys", "size": 20, "bootable": True}],
}


def test_auto_bind_picks_up_matching_new_servers(cbr, twin):
    v = cbr.new_vault(name="auto", auto_bind=True,
                      bind_rules=VaultBindRules(tags=[BindRulesTags(key="env", value="staging")]))
    assert v.auto_bind is True
    assert [(t.key, t.value) for t in v.bind_rules.tags] == [("env", "staging")]
    add_server(twin, STAGING_SERVER)
    add_server(twin, UNTAGGED_SERVER)
    shown = cbr.vault(v.id)
    assert [r.id for r in shown.resources] == [STAGING_SERVER["id"]]
    (r,) = shown.resources
    assert (r.type, r.name, r.size) == (SERVER_TYPE, "ecs-staging-a1", 40)
    # The new server is backed up like any other.
    twin.timing("immediate")
    b = cbr.backup_of(cbr.checkpoint(v.id).id)
    assert (b.resource_id, b.status) == (STAGING_SERVER["id"], "available")


def test_vault_without_auto_bind_stays_empty(cbr, twin):
    v = cbr.new_vault(name="manual_bind", bind_rules=VaultBindRules(tags=[BindRulesTags(key="env", value="staging")]))
    add_server(twin, STAGING_SERVER)
    assert cbr.vault(v.id).resources == []


# ------------------------------------------------------------------- documented shapes


VAULT_FIELDS = {  # B.2 "Vault" (ShowVault / ListVault)
    "id", "name", "description", "project_id", "provider_id", "resources", "tags", "enterprise_project_id",
    "auto_bind", "bind_rules", "user_id", "created_at", "auto_expand", "smn_notify", "threshold",
    "sys_lock_source_service", "locked", "availability_zone", "billing",
}
VAULT_CREATE_ONLY = {"backup_name_prefix", "demand_billing", "cbc_delete_count", "frozen"}


def test_vault_object_shapes(cbr):
    created = raw_json(cbr.create_vault(CreateVaultRequest(body=VaultCreateReq(vault=VaultCreate(
        name="shape", resources=[resource(WEB)],
        billing=BillingCreate(consistent_level="crash_consistent", object_type="server", protect_type="backup",
                              size=100))))))["vault"]
    assert set(created) <= VAULT_FIELDS | VAULT_CREATE_ONLY, set(created) - VAULT_FIELDS - VAULT_CREATE_ONLY
    shown = raw_json(cbr.show_vault(ShowVaultRequest(vault_id=created["id"])))["vault"]
    listed = raw_json(cbr.list_vault(ListVaultRequest()))["vaults"][0]
    for v in (shown, listed):
        assert VAULT_FIELDS - {"availability_zone"} <= set(v)
        assert not set(v) & VAULT_CREATE_ONLY, (
            f"{sorted(set(v) & VAULT_CREATE_ONLY)} belong to VaultCreateResource only, not to Vault")
    assert shown["billing"]["used"] == 0
    assert shown["resources"][0]["extra_info"] == {"exclude_volumes": []}


def test_replication_task_extra_info_shape(cbr, cbr_south, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="src", resources=[WEB])
    b = cbr.backup_of(cbr.checkpoint(v.id, name="rep_me").id)
    dest = cbr_south.new_vault(name="dr", protect_type="replication")
    cbr.copy_backup(CopyBackupRequest(backup_id=b.id, body=BackupReplicateReq(replicate=BackupReplicateReqBody(
        destination_project_id=SOUTH_PROJECT, destination_region=SOUTH, destination_vault_id=dest.id,
        name="copy_name", description="why"))))
    (task,) = cbr.op_logs(operation_type="replication")
    extra = raw_json(cbr.show_op_log(ShowOpLogRequest(operation_log_id=task.id)))["operation_log"]["extra_info"]
    documented = {  # B.6 OpExtraInfo.replication
        "destination_backup_id", "destination_checkpoint_id", "destination_project_id", "destination_region",
        "source_backup_id", "source_checkpoint_id", "source_project_id", "source_region", "source_backup_name",
        "destination_backup_name"}
    assert set(extra["replication"]) == documented, set(extra["replication"]) ^ documented
    assert extra["replication"]["source_backup_name"] == "rep_me"
    assert extra["replication"]["destination_backup_name"] == "copy_name"
    assert extra["replication"]["destination_region"] == SOUTH


def test_error_body_shape(cbr, hw_raw):
    r = hw_raw.signed("GET", f"/v3/{PROJECT}/vaults/0badc0de-0000-4000-8000-00000000dead")
    assert r.status_code == 404
    body = r.json()
    assert body["error_code"] == "BackupService.6105"
    assert isinstance(body["error_msg"], str) and body["error_msg"]
    assert r.headers["Content-Type"].startswith("application/json")


def test_hand_signed_malformed_body_is_9900(cbr, hw_raw):
    r = hw_raw.signed("POST", f"/v3/{PROJECT}/vaults", body=b"{not json")
    assert (r.status_code, r.json()["error_code"]) == (400, "BackupService.9900")
    r = hw_raw.signed("POST", f"/v3/{PROJECT}/vaults", body=b"")
    assert (r.status_code, r.json()["error_code"]) == (400, "BackupService.9900")
    assert cbr.list_vault(ListVaultRequest()).count == 0
