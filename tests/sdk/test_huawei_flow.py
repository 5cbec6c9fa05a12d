"""The CBR end-to-end flow through the official Huawei Cloud SDK (huaweicloudsdkcbr):

CreateVault → AddVaultResource → CreatePolicy → AssociateVaultPolicy → CreateCheckpoint →
ListBackups until available → ShowBackup → RestoreBackup → ListOpLogs / ShowOpLog →
CopyBackup to a replication vault in cn-south-1 → DeleteBackup → DeleteVault.

Async steps are observed by polling, moving the twin's virtual clock between reads. With the
default realistic timing (1 s, and a read must have seen the work in flight) every async step
shows its intermediate state to a poller at least once.
"""

import re

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
    CheckpointParam,
    CopyBackupRequest,
    CreateCheckpointRequest,
    CreatePolicyRequest,
    CreateVaultRequest,
    DeleteBackupRequest,
    DeleteVaultRequest,
    ListOpLogsRequest,
    ListVaultRequest,
    PolicyCreate,
    PolicyCreateReq,
    PolicyTriggerPropertiesReq,
    PolicyTriggerReq,
    PolicyoODCreate,
    RestoreBackupRequest,
    ShowCheckpointRequest,
    ShowPolicyRequest,
    VaultAddResourceReq,
    VaultAssociate,
    VaultBackup,
    VaultBackupReq,
    VaultCreate,
    VaultCreateReq,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from huawei_support import (
    PROJECT,
    REGION,
    SERVER_TYPE,
    SOUTH,
    SOUTH_PROJECT,
    VOLUME_TYPE,
    WEB,
    WEB_DATA,
    WEB_SYS,
    poll,
    poll_backup,
    resource,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HW_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def op_logs(cbr, **filters):
    return cbr.list_op_logs(ListOpLogsRequest(**filters)).operation_logs


def test_backup_restore_replicate_delete_flow(cbr, cbr_south, twin):
    # --- CreateVault: an on-demand (post_paid is the default) server backup vault.
    resp = cbr.create_vault(CreateVaultRequest(body=VaultCreateReq(vault=VaultCreate(
        name="flow_vault",
        billing=BillingCreate(cloud_type="public", consistent_level="crash_consistent", object_type="server",
                              protect_type="backup", size=200),
        resources=[],
    ))))
    assert resp.status_code == 200, "CreateVault answers 200, not 201"
    assert cbr.last.headers.get("X-Request-Id")
    vault = resp.vault
    assert UUID.match(vault.id)
    assert vault.name == "flow_vault"
    assert vault.project_id == PROJECT
    assert vault.resources == []
    assert vault.auto_bind is False
    b = vault.billing
    assert (b.charging_mode, b.object_type, b.protect_type, b.size) == ("post_paid", "server", "backup", 200)
    assert (b.status, b.used, b.cloud_type) == ("available", 0, "public")
    assert b.spec_code == "vault.backup.server.normal"
    vid = vault.id
    assert [v.id for v in cbr.list_vault(ListVaultRequest()).vaults] == [vid]

    # --- AddVaultResource: the web server (two volumes, 40 + 10 GB).
    added = cbr.add_vault_resource(
        AddVaultResourceRequest(vault_id=vid, body=VaultAddResourceReq(resources=[resource(WEB)])))
    assert added.add_resource_ids == [WEB]
    (res,) = cbr.vault(vid).resources
    assert (res.id, res.type, res.name, res.protect_status, res.size) == (
        WEB, SERVER_TYPE, "ecs-web-0001", "available", 50)

    # --- CreatePolicy + AssociateVaultPolicy.
    policy = cbr.create_policy(CreatePolicyRequest(body=PolicyCreateReq(policy=PolicyCreate(
        name="flow_policy", operation_type="backup",
        operation_definition=PolicyoODCreate(max_backups=5),
        trigger=PolicyTriggerReq(properties=PolicyTriggerPropertiesReq(
            pattern=["FREQ=DAILY;INTERVAL=1;BYHOUR=3;BYMINUTE=00"])),
    )))).policy
    assert UUID.match(policy.id)
    assert (policy.enabled, policy.operation_type) == (True, "backup")
    assert (policy.trigger.type, policy.trigger.properties.pattern) == (
        "time", ["FREQ=DAILY;INTERVAL=1;BYHOUR=3;BYMINUTE=00"])
    assert policy.operation_definition.max_backups == 5
    assoc = cbr.associate_vault_policy(
        AssociateVaultPolicyRequest(vault_id=vid, body=VaultAssociate(policy_id=policy.id))).associate_policy
    assert (assoc.vault_id, assoc.policy_id) == (vid, policy.id)
    shown = cbr.show_policy(ShowPolicyRequest(policy_id=policy.id)).policy
    assert [a.vault_id for a in shown.associated_vaults] == [vid]

    # --- CreateCheckpoint: answers at once with status protecting.
    cp = cbr.create_checkpoint(CreateCheckpointRequest(body=VaultBackupReq(checkpoint=VaultBackup(
        vault_id=vid,
        parameters=CheckpointParam(name="flow_backup", description="first", incremental=True, resources=[WEB]),
    )))).checkpoint
    assert cp.status == "protecting"
    assert cp.vault.id == vid
    assert [r.id for r in cp.vault.resources] == [WEB]
    assert cp.vault.skipped_resources == []
    assert (cp.extra_info.name, cp.extra_info.description) == ("flow_backup", "first")
    assert cbr.vault(vid).resources[0].protect_status == "protecting"

    # --- ListBackups until available: protecting on the way; the task waiting → running → success.
    backup_states, task_states = [], []

    def read():
        (bk,) = cbr.backups(checkpoint_id=cp.id).backups
        (task,) = op_logs(cbr, operation_type="backup", vault_id=vid)
        backup_states.append(bk.status)
        task_states.append(task.status)
        return bk, task

    (bk, task), _ = poll(twin, read, lambda v: v[0].status == "available")
    assert backup_states[0] == "protecting"
    assert "protecting" in backup_states
    assert task_states[0] == "waiting"
    assert "running" in task_states
    assert task.status == "success"
    assert [s for s in dict.fromkeys(task_states)] == ["waiting", "running", "success"]
    bid = bk.id
    assert bk.name == "flow_backup"
    assert cbr.show_checkpoint(ShowCheckpointRequest(checkpoint_id=cp.id)).checkpoint.status == "available"
    (res,) = cbr.vault(vid).resources
    assert (res.protect_status, res.backup_count) == ("available", 1)

    # --- ShowBackup: a server backup with one child backup per volume.
    bk = cbr.backup(bid)
    assert (bk.status, bk.image_type, bk.resource_type, bk.resource_id) == ("available", "backup", SERVER_TYPE, WEB)
    assert (bk.vault_id, bk.checkpoint_id, bk.project_id) == (vid, cp.id, PROJECT)
    assert bk.resource_size == 50
    assert bk.parent_id is None
    assert bk.extend_info.auto_trigger is False
    assert bk.protected_at is not None
    children = {c.resource_id: c for c in bk.children}
    assert set(children) == {WEB_SYS, WEB_DATA}
    for c in bk.children:
        assert c.parent_id == bid
        assert c.resource_type == VOLUME_TYPE
        assert c.status == "available"
    assert children[WEB_SYS].resource_size == 40
    assert children[WEB_DATA].resource_size == 10

    # --- RestoreBackup: 202 without a body; the backup is restoring, then available again.
    resp = cbr.restore_backup(RestoreBackupRequest(backup_id=bid, body=BackupRestoreReq(restore=BackupRestore(
        server_id=WEB, power_on=True,
        mappings=[BackupRestoreServerMapping(backup_id=children[v].id, volume_id=v) for v in (WEB_SYS, WEB_DATA)],
    ))))
    assert resp.status_code == 202
    assert cbr.last.content == b""
    _, seen = poll_backup(cbr, twin, bid, lambda b: b.status == "available")
    assert seen[0] == "restoring"

    # --- ListOpLogs / ShowOpLog: the backup and the restore task, both successful.
    logs = op_logs(cbr, vault_id=vid)
    by_type = {o.operation_type: o for o in logs}
    assert set(by_type) == {"backup", "restore"}
    assert all(o.status == "success" for o in logs)
    t = cbr.op_log(by_type["backup"].id)
    assert (t.vault_id, t.vault_name, t.checkpoint_id, t.project_id) == (vid, "flow_vault", cp.id, PROJECT)
    assert (t.error_info.code, t.error_info.message) == ("", "")
    assert HW_TIME.match(t.started_at) and HW_TIME.match(t.ended_at)
    assert (t.extra_info.backup.backup_id, t.extra_info.backup.backup_name) == (bid, "flow_backup")
    assert t.extra_info.backup.incremental == "false", "a resource's first backup in a vault is full"
    assert t.extra_info.backup.app_consistency_status == "0"
    assert t.extra_info.common.progress == 100
    assert (t.extra_info.resource.id, t.extra_info.resource.type) == (WEB, SERVER_TYPE)
    t = cbr.op_log(by_type["restore"].id)
    assert t.status == "success"
    assert (t.extra_info.restore.backup_id, t.extra_info.restore.target_resource_id) == (bid, WEB)
    assert t.extra_info.restore.backup_name == "flow_backup"
    assert t.extra_info.restore.target_resource_name == "ecs-web-0001"

    # --- CopyBackup to a replication vault in cn-south-1 (same account, its own project).
    dest = cbr_south.new_vault(name="south_replica", protect_type="replication", size=100)
    assert dest.billing.protect_type == "replication"
    assert dest.billing.spec_code == "vault.replication.server.normal"
    rep = cbr.copy_backup(CopyBackupRequest(backup_id=bid, body=BackupReplicateReq(replicate=BackupReplicateReqBody(
        destination_project_id=SOUTH_PROJECT, destination_region=SOUTH, destination_vault_id=dest.id,
    )))).replication
    assert (rep.backup_id, rep.project_id, rep.source_region) == (bid, PROJECT, REGION)
    assert (rep.destination_project_id, rep.destination_region, rep.destination_vault_id) == (
        SOUTH_PROJECT, SOUTH, dest.id)
    assert UUID.match(rep.replication_record_id)

    def record():
        (b,) = cbr.backups(vault_id=vid, show_replication=True).backups
        (r,) = b.replication_records
        return r

    r, seen = poll(twin, record, lambda r: r.status == "success")
    assert seen[0].status == "replicating"
    assert r.id == rep.replication_record_id
    assert (r.source_backup_id, r.destination_vault_id, r.destination_region) == (bid, dest.id, SOUTH)
    assert r.extra_info.progress == 100
    # Without show_replication the records are left out.
    (b,) = cbr.backups(vault_id=vid).backups
    assert b.replication_records == []
    (copy,) = cbr_south.backups(vault_id=dest.id).backups
    assert (copy.id, copy.image_type, copy.status) == (r.destination_backup_id, "replication", "available")
    assert (copy.resource_id, copy.project_id) == (WEB, SOUTH_PROJECT)
    (task,) = op_logs(cbr, operation_type="replication")
    assert task.status == "success"
    assert task.extra_info.replication.destination_backup_id == copy.id

    # --- DeleteBackup: 204, deleting, then gone.
    resp = cbr.delete_backup(DeleteBackupRequest(backup_id=bid))
    assert resp.status_code == 204
    gone, seen = poll_backup(cbr, twin, bid, lambda b: b is None)
    assert seen[0] == "deleting"
    assert [cbr.backup(c.id) for c in children.values()] == [None, None], "its disk backups go with it"
    (task,) = op_logs(cbr, operation_type="delete")
    assert task.status == "success"
    assert task.extra_info.delete.backup_id == bid
    # The replica in cn-south-1 is a backup of its own and stays.
    assert cbr_south.backup(copy.id) is not None

    # --- DeleteVault: 204; the vault is deleting, then ShowVault says 404 BackupService.6105.
    resp = cbr.delete_vault(DeleteVaultRequest(vault_id=vid))
    assert resp.status_code == 204

    def show():
        try:
            return cbr.vault(vid).billing.status
        except ClientRequestException as e:
            return (e.status_code, e.error_code)

    last, seen = poll(twin, show, lambda s: s == (404, "BackupService.6105"))
    assert seen[0] == "deleting"
    assert cbr.vault_count() == 0
    (task,) = op_logs(cbr, operation_type="vault_delete")
    assert task.status == "success"
