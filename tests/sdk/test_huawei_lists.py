"""Lists and read-only views: ListVault and ListBackups paging (`count` is the total, not the
page length) and filters, protectables, the agent check, summary and storage usage, features,
replication capabilities and backup metadata.
"""

import datetime
import json

import pytest
from huaweicloudsdkcbr.v1 import (
    AssociateVaultPolicyRequest,
    CheckAgentRequest,
    CreatePolicyRequest,
    ListFeaturesRequest,
    ListOpLogsRequest,
    ListProtectableRequest,
    ListVaultRequest,
    PolicyCreate,
    PolicyCreateReq,
    PolicyTriggerPropertiesReq,
    PolicyTriggerReq,
    PolicyoODCreate,
    ProtectableAgentReq,
    ProtectableAgentStatusResource,
    ShowFeatureRequest,
    ShowMetadataRequest,
    ShowProtectableRequest,
    ShowReplicationCapabilitiesRequest,
    ShowStorageUsageRequest,
    ShowSummaryRequest,
    VaultAssociate,
)

from huawei_support import (
    ARCHIVE_VOL,
    BATCH,
    BROKEN,
    DB,
    DB_DATA,
    DB_SYS,
    PEER_SERVER,
    REGION,
    SCRATCH_VOL,
    SERVER_TYPE,
    SOUTH_SERVER,
    VOLUME_TYPE,
    WEB,
    WEB_DATA,
    WEB_SYS,
    expect_hw_error,
    hw_time,
    inject_fault,
    raw_json,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")


def vault_ids(resp):
    return [v.id for v in resp.vaults]


# -------------------------------------------------------------------------------- ListVault


def test_list_vault_paging_count_is_the_total(cbr):
    ids = [cbr.new_vault(name=f"page_{i}").id for i in range(5)]
    full = cbr.list_vault(ListVaultRequest())
    assert (full.count, sorted(vault_ids(full))) == (5, sorted(ids))
    pages = []
    for offset in (0, 2, 4):
        page = cbr.list_vault(ListVaultRequest(limit=2, offset=offset))
        assert page.count == 5, "count is the total number of matching vaults"
        assert (page.limit, page.offset) == (2, offset)
        pages.append(vault_ids(page))
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum(pages, []) == vault_ids(full), "pages follow the full list's order, without overlap"
    beyond = cbr.list_vault(ListVaultRequest(limit=2, offset=10))
    assert (beyond.count, beyond.vaults) == (5, [])


def test_list_vault_limit_bounds(cbr):
    expect_hw_error(400, "BackupService.9900", cbr.list_vault, ListVaultRequest(limit=0))
    expect_hw_error(400, "BackupService.9900", cbr.list_vault, ListVaultRequest(limit=1001))
    assert cbr.list_vault(ListVaultRequest(limit=1000)).count == 0


def test_list_vault_filters(cbr):
    alpha = cbr.new_vault(name="vault_alpha", resources=[WEB])
    beta = cbr.new_vault(name="vault_beta", resources=[DB])
    disk = cbr.new_vault(name="disk_gamma", object_type="disk", resources=[ARCHIVE_VOL])
    rep = cbr.new_vault(name="repl_delta", protect_type="replication")
    policy = cbr.create_policy(CreatePolicyRequest(body=PolicyCreateReq(policy=PolicyCreate(
        name="lv", operation_type="backup", operation_definition=PolicyoODCreate(max_backups=2),
        trigger=PolicyTriggerReq(properties=PolicyTriggerPropertiesReq(
            pattern=["FREQ=DAILY;INTERVAL=1;BYHOUR=1;BYMINUTE=00"])))))).policy
    cbr.associate_vault_policy(AssociateVaultPolicyRequest(vault_id=beta.id, body=VaultAssociate(policy_id=policy.id)))

    def ids(**filters):
        resp = cbr.list_vault(ListVaultRequest(**filters))
        assert resp.count == len(resp.vaults)
        return sorted(vault_ids(resp))

    assert ids(object_type="disk") == [disk.id]
    assert ids(object_type="server") == sorted([alpha.id, beta.id, rep.id])
    assert ids(protect_type="replication") == [rep.id]
    assert ids(protect_type="backup") == sorted([alpha.id, beta.id, disk.id])
    assert ids(object_type="server", protect_type="backup") == sorted([alpha.id, beta.id])
    assert ids(name="vault_alpha") == [alpha.id]
    assert ids(id=[beta.id]) == [beta.id]
    assert ids(id=[alpha.id, disk.id]) == sorted([alpha.id, disk.id])
    assert ids(policy_id=policy.id) == [beta.id]
    assert ids(resource_ids=WEB) == [alpha.id]
    assert ids(resource_ids=f"{WEB},{ARCHIVE_VOL}") == sorted([alpha.id, disk.id])
    assert ids(resource_ids=SCRATCH_VOL) == []
    assert ids(cloud_type="public") == sorted([alpha.id, beta.id, disk.id, rep.id])
    assert ids(status="available") == sorted([alpha.id, beta.id, disk.id, rep.id])
    # Filtered and paged: count is still the filtered total.
    page = cbr.list_vault(ListVaultRequest(protect_type="backup", limit=1, offset=1))
    assert (page.count, len(page.vaults)) == (3, 1)


def test_vault_resources_in_list_and_show(cbr):
    v = cbr.new_vault(name="shape", resources=[WEB], description="for shape")
    (listed,) = cbr.list_vault(ListVaultRequest()).vaults
    shown = cbr.vault(v.id)
    for vault in (listed, shown):
        assert (vault.id, vault.name, vault.description) == (v.id, "shape", "for shape")
        (r,) = vault.resources
        assert (r.id, r.type, r.size, r.backup_count, r.backup_size) == (WEB, SERVER_TYPE, 50, 0, 0)
        assert vault.billing.allocated == 50
        assert vault.threshold == 80 and vault.smn_notify is True and vault.locked is False
        assert vault.enterprise_project_id == "0"


# ------------------------------------------------------------------------------ ListBackups


def backed_up(cbr, twin):
    """Three checkpoints a minute apart: WEB+DB together, then the archive disk, then WEB again.
    Returns (server vault, disk vault, [checkpoint ids])."""
    twin.timing("immediate")
    servers = cbr.new_vault(name="servers", resources=[WEB, DB], size=1000)
    disks = cbr.new_vault(name="disks", object_type="disk", resources=[ARCHIVE_VOL], size=1000)
    cps = [cbr.checkpoint(servers.id, name="both").id]
    twin.advance(60)
    cps.append(cbr.checkpoint(disks.id, name="disk").id)
    twin.advance(60)
    cps.append(cbr.checkpoint(servers.id, resources=[WEB], name="web_again").id)
    return servers, disks, cps


def test_list_backups_sort_and_paging(cbr, twin):
    backed_up(cbr, twin)
    everything = cbr.backups()
    assert everything.count == 4
    times = [hw_time(b.created_at) for b in everything.backups]
    assert times == sorted(times, reverse=True), "the default order is created_at descending"
    asc = cbr.backups(sort="created_at:asc")
    assert [hw_time(b.created_at) for b in asc.backups] == sorted(times)
    assert [b.name for b in asc.backups][-2:] == ["disk", "web_again"]
    pages = [cbr.backups(sort="created_at:asc", limit=3, offset=o) for o in (0, 3)]
    assert [p.count for p in pages] == [4, 4]
    assert [b.id for p in pages for b in p.backups] == [b.id for b in asc.backups]
    assert len(pages[1].backups) == 1
    expect_hw_error(400, "BackupService.9900", cbr.backups, limit=0)
    expect_hw_error(400, "BackupService.9900", cbr.backups, sort="size:asc")


def test_list_backups_filters(cbr, twin):
    servers, disks, cps = backed_up(cbr, twin)
    both = cbr.backups(checkpoint_id=cps[0])
    assert (both.count, sorted(b.resource_id for b in both.backups)) == (2, sorted([WEB, DB]))
    vols = cbr.backups(resource_type=VOLUME_TYPE)
    assert [b.resource_id for b in vols.backups] == [ARCHIVE_VOL]
    assert vols.count == 1
    srv = cbr.backups(resource_type=SERVER_TYPE)
    assert srv.count == 3 and {b.resource_type for b in srv.backups} == {SERVER_TYPE}
    assert cbr.backups(vault_id=disks.id).count == 1
    assert cbr.backups(resource_id=WEB).count == 2
    assert cbr.backups(name="web_again").count == 1
    assert cbr.backups(status="available").count == 4
    assert cbr.backups(status="error").count == 0
    assert cbr.backups(image_type="replication").count == 0
    # A disk backup has a snapshot and no children; a server backup has one child per volume.
    (disk_backup,) = vols.backups
    assert disk_backup.children == [] and disk_backup.extend_info.snapshot_id
    web = cbr.backups(checkpoint_id=cps[2]).backups[0]
    kids = cbr.backups(parent_id=web.id)
    assert sorted(b.resource_id for b in kids.backups) == sorted([WEB_SYS, WEB_DATA])
    assert all(b.parent_id == web.id for b in kids.backups)


def test_list_backups_status_filter_with_an_error_backup(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="mixed", resources=[WEB, DB])
    inject_fault(twin, "backup", target=DB)
    cbr.checkpoint(v.id)
    errors = cbr.backups(status="error")
    assert [b.resource_id for b in errors.backups] == [DB]
    assert [b.resource_id for b in cbr.backups(status="available").backups] == [WEB]
    assert errors.count == 1


def test_list_backups_incremental_after_the_first(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="inc", resources=[WEB])
    first = cbr.backup_of(cbr.checkpoint(v.id).id)
    twin.advance(60)
    second = cbr.backup_of(cbr.checkpoint(v.id).id)
    assert (first.incremental, second.incremental) == (False, True)
    assert [b.id for b in cbr.backups(incremental=True).backups] == [second.id]


# ----------------------------------------------------------------------------- protectables


def test_list_protectable_servers(cbr):
    v = cbr.new_vault(name="holder", resources=[WEB])
    instances = {i.id: i for i in cbr.list_protectable(ListProtectableRequest(protectable_type="server")).instances}
    assert {WEB, DB, BATCH, BROKEN} <= set(instances)
    web = instances[WEB]
    assert (web.name, web.type, web.size) == ("ecs-web-0001", SERVER_TYPE, 50)
    assert sorted(c["id"] for c in web.children) == sorted([WEB_SYS, WEB_DATA])
    assert web.protectable.result is True
    assert web.protectable.vault.id == v.id, "a bound resource names its vault"
    db = instances[DB]
    assert db.protectable.result is True
    assert db.protectable.vault is None
    assert sorted(c["id"] for c in db.children) == sorted([DB_SYS, DB_DATA])
    broken = instances[BROKEN]
    assert broken.protectable.result is False
    assert broken.protectable.code and broken.protectable.reason


def test_list_protectable_disks_and_filters(cbr):
    disks = {i.id: i for i in cbr.list_protectable(ListProtectableRequest(protectable_type="disk")).instances}
    assert {ARCHIVE_VOL, SCRATCH_VOL} <= set(disks)
    assert (disks[ARCHIVE_VOL].type, disks[ARCHIVE_VOL].size) == (VOLUME_TYPE, 100)
    assert disks[ARCHIVE_VOL].protectable.result is True
    by_name = cbr.list_protectable(ListProtectableRequest(protectable_type="server", name="ecs-db-0002")).instances
    assert [i.id for i in by_name] == [DB]
    by_id = cbr.list_protectable(ListProtectableRequest(protectable_type="server", id=WEB)).instances
    assert [i.id for i in by_id] == [WEB]
    one = cbr.list_protectable(ListProtectableRequest(protectable_type="server", limit=1)).instances
    assert len(one) == 1
    expect_hw_error(400, "BackupService.9900", cbr.list_protectable,
                    ListProtectableRequest(protectable_type="server", limit=51))


def test_show_protectable(cbr):
    inst = cbr.show_protectable(ShowProtectableRequest(protectable_type="server", instance_id=DB)).instance
    assert (inst.id, inst.name, inst.size, inst.type) == (DB, "ecs-db-0002", 140, SERVER_TYPE)
    assert inst.protectable.result is True
    disk = cbr.show_protectable(ShowProtectableRequest(protectable_type="disk", instance_id=SCRATCH_VOL)).instance
    assert (disk.id, disk.size) == (SCRATCH_VOL, 20)


def test_check_agent(cbr):
    resp = cbr.check_agent(CheckAgentRequest(body=ProtectableAgentReq(agent_status=[
        ProtectableAgentStatusResource(resource_id=WEB, resource_type=SERVER_TYPE, resource_name="ecs-web-0001"),
        ProtectableAgentStatusResource(resource_id=DB, resource_type=SERVER_TYPE),
    ])))
    status = {s.resource_id: s for s in resp.agent_status}
    assert status[WEB].installed is True
    assert status[DB].installed is False
    assert status[WEB].version == "2.5.0"


# ---------------------------------------------------------------- summary, usage, features


def test_show_summary_and_storage_usage(cbr, twin):
    empty = cbr.show_summary(ShowSummaryRequest())
    assert (empty.size, empty.used_size) == (0, 0)
    servers, disks, _ = backed_up(cbr, twin)
    s = cbr.show_summary(ShowSummaryRequest())
    assert s.size == 2000
    assert s.used_size > 0
    used_mb = cbr.vault(servers.id).billing.used + cbr.vault(disks.id).billing.used
    assert s.used_size == -(-used_mb // 1024), "used_size is GB, billing.used is MB"
    usage = cbr.show_storage_usage(ShowStorageUsageRequest())
    rows = {u.resource_id: u for u in usage.storage_usage}
    assert usage.resource_count == len(rows) == 3
    assert rows[WEB].backup_count == 2
    assert (rows[DB].backup_count, rows[DB].resource_name, rows[DB].resource_type) == (1, "ecs-db-0002", SERVER_TYPE)
    one = cbr.show_storage_usage(ShowStorageUsageRequest(resource_id=WEB))
    assert (one.resource_count, [u.resource_id for u in one.storage_usage]) == (1, [WEB])
    paged = cbr.show_storage_usage(ShowStorageUsageRequest(limit=1, offset=0))
    assert (paged.resource_count, len(paged.storage_usage)) == (3, 1)


def test_features(cbr):
    features = cbr.list_features(ListFeaturesRequest()).body
    assert features["replication.enable"] is True
    assert features["replication.source_region"] == REGION
    assert sorted(features["replication.destination_regions"]) == ["cn-east-3", "cn-south-1"]
    assert "features.backup_double_az" in features
    one = cbr.show_feature(ShowFeatureRequest(feature_key="replication.enable"))
    assert one.body == {"replication.enable": True}
    dest = cbr.show_feature(ShowFeatureRequest(feature_key="replication.destination_regions")).body
    assert sorted(dest["replication.destination_regions"]) == ["cn-east-3", "cn-south-1"]
    e = expect_hw_error(400, "BackupService.9900", cbr.show_feature, ShowFeatureRequest(feature_key="no.such.key"))
    assert e.error_msg


def test_features_of_the_south_project(cbr_south):
    features = cbr_south.list_features(ListFeaturesRequest()).body
    assert features["replication.source_region"] == "cn-south-1"
    assert sorted(features["replication.destination_regions"]) == ["cn-east-3", "cn-north-4"]


def test_replication_capabilities(cbr):
    regions = {r.name: r.replication_destinations
               for r in cbr.show_replication_capabilities(ShowReplicationCapabilitiesRequest()).regions}
    assert sorted(regions[REGION]) == ["cn-east-3", "cn-south-1"]
    assert sorted(regions["cn-south-1"]) == ["cn-east-3", "cn-north-4"]


def test_show_metadata(cbr, twin):
    twin.timing("immediate")
    v = cbr.new_vault(name="meta", resources=[WEB])
    b = cbr.backup_of(cbr.checkpoint(v.id).id)
    m = cbr.show_metadata(ShowMetadataRequest(backup_id=b.id))
    assert m.backup_id == b.id
    server = json.loads(m.server)
    assert server["id"] == WEB and server["name"] == "ecs-web-0001"
    assert sorted(json.loads(x)["id"] for x in m.volumes) == sorted([WEB_SYS, WEB_DATA])
    assert isinstance(json.loads(m.flavor), dict)
    raw = raw_json(m)
    assert isinstance(raw["server"], str), "the metadata values are JSON-encoded strings"
    expect_hw_error(404, "BackupService.6200", cbr.show_metadata,
                    ShowMetadataRequest(backup_id="0badc0de-0000-4000-8000-00000000dead"))


def test_list_op_logs_filters_and_paging(cbr, twin):
    servers, disks, _ = backed_up(cbr, twin)
    everything = cbr.list_op_logs(ListOpLogsRequest())
    assert everything.count == 4
    assert {o.operation_type for o in everything.operation_logs} == {"backup"}
    assert len(cbr.op_logs(vault_id=disks.id)) == 1
    assert len(cbr.op_logs(resource_id=WEB)) == 2
    assert len(cbr.op_logs(status="success")) == 4
    assert cbr.op_logs(status="failed") == []
    page = cbr.list_op_logs(ListOpLogsRequest(limit=3, offset=3))
    assert (page.count, len(page.operation_logs)) == (4, 1)
    start = (datetime.datetime.fromtimestamp(twin.now(), datetime.timezone.utc)
             - datetime.timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = cbr.op_logs(start_time=start)
    assert [o.extra_info.resource.id for o in recent] == [WEB]


def test_projects_and_accounts_see_their_own_inventory(cbr, cbr_south, peer_cbr):
    south = [i.id for i in cbr_south.list_protectable(ListProtectableRequest(protectable_type="server")).instances]
    assert south == [SOUTH_SERVER]
    peer = [i.id for i in peer_cbr.list_protectable(ListProtectableRequest(protectable_type="server")).instances]
    assert peer == [PEER_SERVER]
    north = [i.id for i in cbr.list_protectable(ListProtectableRequest(protectable_type="server")).instances]
    assert SOUTH_SERVER not in north and PEER_SERVER not in north
    for other in (SOUTH_SERVER, PEER_SERVER):
        expect_hw_error(404, "BackupService.7100", cbr.show_protectable,
                        ShowProtectableRequest(protectable_type="server", instance_id=other))


def test_list_backups_time_window(cbr, twin):
    backed_up(cbr, twin)
    now = datetime.datetime.fromtimestamp(twin.now(), datetime.timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    recent = cbr.backups(start_time=(now - datetime.timedelta(seconds=30)).strftime(fmt))
    assert [b.name for b in recent.backups] == ["web_again"]
    older = cbr.backups(end_time=(now - datetime.timedelta(seconds=90)).strftime(fmt))
    assert sorted(b.name for b in older.backups) == ["both", "both"]
    expect_hw_error(400, "BackupService.9900", cbr.backups, start_time="yesterday")
