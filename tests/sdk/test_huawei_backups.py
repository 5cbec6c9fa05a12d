"""Backing up and restoring: CreateCheckpoint preconditions and skipped resources, resource
protect_status while work runs, full versus incremental backups, disk (volume) restore, and
deleting automatic backups in a locked vault.
"""

import datetime

import pytest
from huaweicloudsdkcbr.v1 import (
    AssociateVaultPolicyRequest,
    BackupRestore,
    BackupRestoreReq,
    BackupRestoreServerMapping,
    CreatePolicyRequest,
    DeleteBackupRequest,
    ListVaultRequest,
    PolicyCreate,
    PolicyCreateReq,
    PolicyTriggerPropertiesReq,
    PolicyTriggerReq,
    PolicyoODCreate,
    ResourceExtraInfo,
    RestoreBackupRequest,
    ShowCheckpointRequest,
    UpdateVaultRequest,
    VaultAssociate,
    VaultUpdate,
    VaultUpdateReq,
)

from huawei_support import (
    ARCHIVE_VOL,
    BROKEN,
    DB,
    NO_SUCH_ID,
    SOUTH,
    SOUTH_PROJECT,
    VOLUME_TYPE,
    WEB,
    WEB_DATA,
    WEB_SYS,
    expect_hw_error,
    poll_backup,
    resource,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")


def protect_status(cbr, vault_id, rid):
    return {r.id: r.protect_status for r in cbr.vault(vault_id).resources}[rid]


# ------------------------------------------------------------------------ CreateCheckpoint


def test_checkpoint_preconditions(cbr, twin):
    empty = cbr.new_vault(name="empty")
    expect_hw_error(400, "BackupService.0001", cbr.checkpoint, empty.id)
    v = cbr.new_vault(name="one", resources=[WEB])
    expect_hw_error(400, "BackupService.6135", cbr.checkpoint, v.id, resources=[DB])
    rep = cbr.new_vault(name="rep", protect_type="replication")
    expect_hw_error(400, "BackupService.6124", cbr.checkpoint, rep.id)
    expect_hw_error(404, "BackupService.6105", cbr.checkpoint, NO_SUCH_ID)
    assert cbr.backups().count == 0
    assert cbr.op_logs() == []


def test_checkpoint_of_the_whole_vault(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="whole", resources=[WEB, DB], size=500)
    cp = cbr.checkpoint(v.id)  # no resources given: every resource of the vault
    assert sorted(r.id for r in cp.vault.resources) == sorted([WEB, DB])
    assert sorted(b.resource_id for b in cbr.backups(checkpoint_id=cp.id).backups) == sorted([WEB, DB])
    shown = cbr.show_checkpoint(ShowCheckpointRequest(checkpoint_id=cp.id)).checkpoint
    assert shown.status == "available"
    assert shown.vault.id == v.id


def test_resource_already_being_backed_up_is_skipped(cbr, twin):
    twin.timing("manual")
    v = cbr.new_vault(name="busy", resources=[WEB, DB], size=500)
    first = cbr.checkpoint(v.id, resources=[WEB])
    assert protect_status(cbr, v.id, WEB) == "protecting"
    second = cbr.checkpoint(v.id)
    (skipped,) = second.vault.skipped_resources
    assert skipped.id == WEB
    assert skipped.code and skipped.reason
    assert [b.resource_id for b in cbr.backups(checkpoint_id=second.id).backups] == [DB]
    assert [b.resource_id for b in cbr.backups(checkpoint_id=first.id).backups] == [WEB]


def test_server_in_error_status_is_skipped(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="broken", resources=[WEB, BROKEN], size=500)
    cp = cbr.checkpoint(v.id)
    assert [s.id for s in cp.vault.skipped_resources] == [BROKEN]
    assert [b.resource_id for b in cbr.backups(checkpoint_id=cp.id).backups] == [WEB]


def test_protect_status_follows_backup_and_restore(cbr, twin):
    v = cbr.new_vault(name="status", resources=[WEB])
    cp = cbr.checkpoint(v.id)
    assert protect_status(cbr, v.id, WEB) == "protecting"
    bid = cbr.backup_of(cp.id).id
    b, _ = poll_backup(cbr, twin, bid, lambda b: b.status == "available")
    assert protect_status(cbr, v.id, WEB) == "available"
    children = {c.resource_id: c.id for c in b.children}
    cbr.restore_backup(RestoreBackupRequest(backup_id=bid, body=BackupRestoreReq(restore=BackupRestore(
        server_id=WEB, mappings=[BackupRestoreServerMapping(backup_id=children[x], volume_id=x)
                                 for x in (WEB_SYS, WEB_DATA)]))))
    assert protect_status(cbr, v.id, WEB) == "restoring"
    poll_backup(cbr, twin, bid, lambda b: b.status == "available")
    assert protect_status(cbr, v.id, WEB) == "available"


def test_full_and_incremental_backups(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="inc", resources=[WEB], size=500)
    first = cbr.backup_of(cbr.checkpoint(v.id).id)
    second = cbr.backup_of(cbr.checkpoint(v.id).id)
    forced = cbr.backup_of(cbr.checkpoint(v.id, incremental=False).id)
    assert [first.incremental, second.incremental, forced.incremental] == [False, True, False]
    tasks = {o.extra_info.backup.backup_id: o.extra_info.backup.incremental for o in cbr.op_logs()}
    assert tasks == {first.id: "false", second.id: "true", forced.id: "false"}


def test_named_backup_and_retention_on_a_manual_checkpoint(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="named", resources=[WEB])
    cp = cbr.checkpoint(v.id, name="keep_3_days", description="manual", retention_duration_days=3)
    b = cbr.backup_of(cp.id)
    assert (b.name, b.description) == ("keep_3_days", "manual")
    assert cp.extra_info.retention_duration == 3
    twin.advance(3 * 86400 + 60)
    assert cbr.backup(b.id) is None, "a backup kept for 3 days is gone after them"


def test_checkpoint_parameter_validation(cbr, twin):
    v = cbr.new_vault(name="params", resources=[WEB])
    expect_hw_error(400, "BackupService.9900", cbr.checkpoint, v.id, name="bad name")
    expect_hw_error(400, "BackupService.9900", cbr.checkpoint, v.id, description="<script>")
    assert cbr.backups().count == 0


# ---------------------------------------------------------------------------- disk restore


def test_disk_backup_and_restore(cbr, twin):
    v = cbr.new_vault(name="disks", object_type="disk", resources=[ARCHIVE_VOL], size=500)
    cp = cbr.checkpoint(v.id)
    bid = cbr.backup_of(cp.id).id
    b, seen = poll_backup(cbr, twin, bid, lambda b: b.status == "available")
    assert seen[0] == "protecting"
    assert (b.resource_type, b.resource_id, b.resource_size) == (VOLUME_TYPE, ARCHIVE_VOL, 100)
    assert b.children == []
    assert b.extend_info.snapshot_id
    resp = cbr.restore_backup(RestoreBackupRequest(backup_id=bid, body=BackupRestoreReq(
        restore=BackupRestore(volume_id=ARCHIVE_VOL))))
    assert resp.status_code == 202
    _, seen = poll_backup(cbr, twin, bid, lambda b: b.status == "available")
    assert seen[0] == "restoring"
    (task,) = cbr.op_logs(operation_type="restore")
    assert task.status == "success"
    assert task.extra_info.restore.target_resource_id == ARCHIVE_VOL


# ------------------------------------------------------------------------- locked vaults


def test_auto_backups_in_a_locked_vault_cannot_be_deleted(cbr, twin):
    twin.set_clock(int(datetime.datetime(2031, 1, 6, 0, 30, tzinfo=datetime.timezone.utc).timestamp()))
    v = cbr.new_vault(name="worm", resources=[WEB], size=500)
    policy = cbr.create_policy(CreatePolicyRequest(body=PolicyCreateReq(policy=PolicyCreate(
        name="daily", operation_type="backup", operation_definition=PolicyoODCreate(retention_duration_days=30),
        trigger=PolicyTriggerReq(properties=PolicyTriggerPropertiesReq(
            pattern=["FREQ=DAILY;INTERVAL=1;BYHOUR=3;BYMINUTE=00"])))))).policy
    cbr.associate_vault_policy(AssociateVaultPolicyRequest(vault_id=v.id, body=VaultAssociate(policy_id=policy.id)))
    twin.timing("immediate")
    manual = cbr.backup_of(cbr.checkpoint(v.id, name="manual_one").id)
    twin.advance(86400)
    (auto,) = [b for b in cbr.backups(vault_id=v.id).backups if b.extend_info.auto_trigger]
    cbr.update_vault(UpdateVaultRequest(vault_id=v.id, body=VaultUpdateReq(vault=VaultUpdate(locked=True))))
    expect_hw_error(400, "BackupService.6220", cbr.delete_backup, DeleteBackupRequest(backup_id=auto.id))
    assert cbr.backup(auto.id).status == "available"
    cbr.delete_backup(DeleteBackupRequest(backup_id=manual.id))
    assert cbr.backup(manual.id) is None


# -------------------------------------------------------------------- policy association


@pytest.mark.parametrize("body", [
    pytest.param({"policy_id": "P", "add_policy_ids": ["P"]}, id="both-policy_id-and-add_policy_ids"),
    pytest.param({}, id="neither"),
    pytest.param({"policy_id": "P", "bogus": 1}, id="unknown-field"),
])
def test_associate_vault_policy_body_rules(cbr, body):
    v = cbr.new_vault(name="assoc")
    p = cbr.create_policy(CreatePolicyRequest(body=PolicyCreateReq(policy=PolicyCreate(
        name="p", operation_type="backup", operation_definition=PolicyoODCreate(max_backups=2),
        trigger=PolicyTriggerReq(properties=PolicyTriggerPropertiesReq(
            pattern=["FREQ=DAILY;INTERVAL=1;BYHOUR=1;BYMINUTE=00"])))))).policy
    body = {k: ([p.id] if isinstance(x, list) else (p.id if x == "P" else x)) for k, x in body.items()}
    expect_hw_error(400, "BackupService.9900", cbr.associate_vault_policy,
                    AssociateVaultPolicyRequest(vault_id=v.id, body=body))
    assert cbr.list_vault(ListVaultRequest(policy_id=p.id)).count == 0


def test_replication_policy_needs_a_destination_vault(cbr, cbr_south):
    v = cbr.new_vault(name="src", resources=[WEB])
    backup_vault_south = cbr_south.new_vault(name="not_rep")
    p = cbr.create_policy(CreatePolicyRequest(body=PolicyCreateReq(policy=PolicyCreate(
        name="rep", operation_type="replication",
        operation_definition=PolicyoODCreate(destination_region=SOUTH, destination_project_id=SOUTH_PROJECT),
        trigger=PolicyTriggerReq(properties=PolicyTriggerPropertiesReq(
            pattern=["FREQ=DAILY;INTERVAL=1;BYHOUR=1;BYMINUTE=00"])))))).policy
    expect_hw_error(400, "BackupService.9900", cbr.associate_vault_policy,
                    AssociateVaultPolicyRequest(vault_id=v.id, body=VaultAssociate(policy_id=p.id)))
    expect_hw_error(400, "BackupService.6119", cbr.associate_vault_policy, AssociateVaultPolicyRequest(
        vault_id=v.id, body=VaultAssociate(policy_id=p.id, destination_vault_id=backup_vault_south.id)))
    expect_hw_error(400, "BackupService.6120", cbr.associate_vault_policy, AssociateVaultPolicyRequest(
        vault_id=v.id, body=VaultAssociate(policy_id=p.id, destination_vault_id=NO_SUCH_ID)))
    assert cbr.list_vault(ListVaultRequest(policy_id=p.id)).count == 0


def test_excluded_volumes_are_not_backed_up(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="exclude", resources=[
        resource(WEB, extra_info=ResourceExtraInfo(exclude_volumes=[WEB_DATA]))])
    (r,) = cbr.vault(v.id).resources
    assert r.extra_info.exclude_volumes == [WEB_DATA]
    assert r.size == 40
    b = cbr.backup(cbr.backup_of(cbr.checkpoint(v.id).id).id)
    assert [c.resource_id for c in b.children] == [WEB_SYS]
    assert b.resource_size == 40
