"""File-backup agents (4.2) and the account-level project calls (4.5) through the official
CbrClient: every operation's typed response (the SDK's models define every field the twin sends),
the documented errors with nothing changed, and tenant migration on the virtual clock.

The account-level calls (`/v3/region-projects`, `/v3/domain/...`, `/v3/migrates`) carry no project
in their path; the SDK still sends its project as X-Project-Id, which picks the region that
answers.
"""

import pytest
from huaweicloudsdkcbr.v1 import (
    AddAgentPathRequest,
    AgentAddPathReq,
    AgentRegister,
    AgentRegisterReq,
    AgentRemovePathReq,
    AgentUpdate,
    AgentUpdateReq,
    BackupSync,
    BackupSyncReq,
    DomainMigrate,
    ExcludePath,
    ImportBackupRequest,
    ListAgentRequest,
    ListDomainProjectsRequest,
    ListProjectsRequest,
    MigrateDomainRequest,
    RegisterAgentRequest,
    RemoveAgentPathRequest,
    ShowAgentRequest,
    ShowDomainRequest,
    ShowMigrateStatusRequest,
    UnregisterAgentRequest,
    UpdateAgentRequest,
)

from huawei_support import (
    EAST_PROJECT,
    HK_PROJECT,
    PEER_PROJECT,
    PEER_SOUTH_PROJECT,
    PROJECT,
    REGION,
    SOUTH,
    SOUTH_PROJECT,
    expect_hw_error,
    hw_time,
    inject_fault,
    raw_json,
    unknown_fields,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

AGENT = "489654f2-363b-4ebf-966a-bdf079d97114"
AGENT2 = "fb711278-e872-4224-b442-8dafc36a543d"
DOMAIN_ID = "c0ffee00c0ffee00c0ffee00c0ffee01"


def fully_parsed(resp):
    """The SDK model of `resp` defines every field of the JSON behind it."""
    assert unknown_fields(raw_json(resp), type(resp).__name__) == []
    return resp


def register(cbr, agent_id=AGENT, **kw):
    fields = dict(agent_id=agent_id, host_name="ecs-00002", host_ip="10.10.0.2", host_os="linux",
                  agent_version="1.0.0", agent_type="native")
    fields.update(kw)
    return cbr.register_agent(RegisterAgentRequest(body=AgentRegisterReq(agent=AgentRegister(**fields))))


def show(cbr, agent_id=AGENT):
    return cbr.show_agent(ShowAgentRequest(agent_id=agent_id)).agent


def agent_ids(cbr, **filters):
    return [a.agent_id for a in cbr.list_agent(ListAgentRequest(**filters)).agents]


def add_paths(cbr, paths, excludes=None, agent_id=AGENT):
    body = AgentAddPathReq(add_path=paths, exclude_path=excludes)
    return cbr.add_agent_path(AddAgentPathRequest(agent_id=agent_id, body=body))


def remove_paths(cbr, paths, agent_id=AGENT):
    return cbr.remove_agent_path(RemoveAgentPathRequest(agent_id=agent_id, body=AgentRemovePathReq(remove_path=paths)))


def uninstall(cbr, agent_id=AGENT):
    return cbr.update_agent(UpdateAgentRequest(agent_id=agent_id, body=AgentUpdateReq(agent=AgentUpdate(status="uninstall"))))


# -------------------------------------------------------------------------------- agents


def test_agent_lifecycle(cbr, twin):
    resp = fully_parsed(register(cbr))
    a = resp.agent
    assert (a.agent_id, a.status, a.host_name, a.host_ip, a.host_os) == (AGENT, "normal", "ecs-00002", "10.10.0.2",
                                                                        "linux")
    assert (a.agent_version, a.agent_type, a.host_nickname, a.paths) == ("1.0.0", "native", "", [])
    assert hw_time(a.created_at) == hw_time(a.last_active_time)
    assert cbr.last.status_code == 200

    fully_parsed(register(cbr, AGENT2, host_nickname="db host", agent_type="cloud", host_ip="fe80::1"))
    listed = fully_parsed(cbr.list_agent(ListAgentRequest()))
    assert (listed.count, listed.limit, listed.offset) == (2, 1000, 0)
    assert [x.agent_id for x in listed.agents] == [AGENT2, AGENT]
    assert agent_ids(cbr, limit="1", offset=1) == [AGENT]
    assert agent_ids(cbr, agent_id=[AGENT]) == [AGENT]
    assert agent_ids(cbr, agent_id=[AGENT, AGENT2]) == [AGENT2, AGENT]
    assert agent_ids(cbr, status="abnormal") == []

    # The doc's AddAgentPath example, then a path that exists already.
    excludes = [ExcludePath(path_name="/home/hcp", exclude_path_name=["/home/hcp/1", "/home/hcp/2"]),
                ExcludePath(path_name="/opt/workspace/", exclude_path_name=["/opt/workspace/1"])]
    added = fully_parsed(add_paths(cbr, ["/home/hcp", "/opt/workspace/"], excludes))
    assert (added.added, added.existed) == (["/home/hcp", "/opt/workspace/"], [])
    again = add_paths(cbr, ["/home/hcp", "/var/log"])
    assert (again.added, again.existed) == (["/var/log"], ["/home/hcp"])
    shown = fully_parsed(cbr.show_agent(ShowAgentRequest(agent_id=AGENT))).agent
    assert [(p.dir_path, p.status, p.exclude_paths) for p in shown.paths] == [
        ("/home/hcp", "available", "/home/hcp/1,/home/hcp/2"),
        ("/opt/workspace/", "available", "/opt/workspace/1"),
        ("/var/log", "available", ""),
    ]
    assert all(p.agent_id == AGENT and p.id for p in shown.paths)

    # The doc's RemoveAgentPath example: removed paths stay listed as `remove`.
    removed = fully_parsed(remove_paths(cbr, ["/var/log", "/home"]))
    assert (removed.removed, removed.not_existed) == (["/var/log"], ["/home"])
    assert [p.status for p in show(cbr).paths] == ["available", "available", "remove"]

    twin.advance(60)
    updated = fully_parsed(uninstall(cbr)).agent
    assert updated.status == "uninstall"
    assert hw_time(updated.updated_at) > hw_time(updated.created_at)
    assert agent_ids(cbr, status="uninstall") == [AGENT]

    gone = cbr.unregister_agent(UnregisterAgentRequest(agent_id=AGENT))
    assert (cbr.last.status_code, cbr.last.content) == (200, b"")
    assert type(gone).__name__ == "UnregisterAgentResponse"
    expect_hw_error(404, "BackupService.7410", show, cbr)
    assert agent_ids(cbr) == [AGENT2]


def test_agent_errors_change_nothing(cbr):
    register(cbr)
    add_paths(cbr, ["/data"])
    before = raw_json(cbr.list_agent(ListAgentRequest()))

    expect_hw_error(400, "BackupService.7403", register, cbr)  # registered already
    expect_hw_error(400, "BackupService.7403", register, cbr, agent_id="agent-1")
    expect_hw_error(400, "BackupService.9900", register, cbr, agent_id=AGENT2, host_ip="not-an-ip")
    expect_hw_error(400, "BackupService.9900", register, cbr, agent_id=AGENT2, agent_type="onprem")
    expect_hw_error(400, "BackupService.9900", cbr.register_agent,
                    RegisterAgentRequest(body={"agent": {"agent_id": AGENT2, "host_name": "h", "host_ip": "10.0.0.1"}}))
    expect_hw_error(400, "BackupService.9900", cbr.update_agent, UpdateAgentRequest(
        agent_id=AGENT, body=AgentUpdateReq(agent=AgentUpdate(status="normal"))))
    expect_hw_error(400, "BackupService.9900", cbr.list_agent, ListAgentRequest(limit="0"))
    expect_hw_error(400, "BackupService.9900", cbr.list_agent, ListAgentRequest(status="gone"))
    expect_hw_error(400, "BackupService.9900", add_paths, cbr, [])
    expect_hw_error(400, "BackupService.7406", add_paths, cbr, ["/new"],
                    [ExcludePath(path_name="/not-a-backup-path", exclude_path_name=["/x"])])
    expect_hw_error(400, "BackupService.7407", add_paths, cbr, [f"/p{i}" for i in range(100)])
    expect_hw_error(400, "BackupService.9900", remove_paths, cbr, [])
    for call in (show, uninstall):
        expect_hw_error(404, "BackupService.7410", call, cbr, AGENT2)
    expect_hw_error(404, "BackupService.7410", add_paths, cbr, ["/a"], agent_id=AGENT2)
    expect_hw_error(404, "BackupService.7410", remove_paths, cbr, ["/a"], agent_id=AGENT2)
    expect_hw_error(404, "BackupService.7410", cbr.unregister_agent, UnregisterAgentRequest(agent_id=AGENT2))
    assert raw_json(cbr.list_agent(ListAgentRequest())) == before

    # An uninstalled agent takes no new paths (7405) and registers again when it comes back.
    uninstall(cbr)
    expect_hw_error(400, "BackupService.7405", add_paths, cbr, ["/b"])
    back = register(cbr, agent_version="1.1.0").agent
    assert (back.status, back.agent_version, [p.dir_path for p in back.paths]) == ("normal", "1.1.0", ["/data"])


def test_agents_are_per_project(cbr, cbr_south, peer_cbr):
    register(cbr)
    assert agent_ids(cbr_south) == []
    expect_hw_error(404, "BackupService.7410", show, peer_cbr)
    register(peer_cbr)  # the same id in another account's project
    assert agent_ids(peer_cbr) == [AGENT]


def hybrid_vault(cbr, name, locked):
    return cbr.new_vault(name=name, billing={"cloud_type": "hybrid"}, locked=locked)


def import_agent_backup(cbr, backup_id, agent_id=AGENT):
    item = BackupSync(backup_id=backup_id, backup_name="file_backup", bucket_name="bucket", image_path="/img",
                      resource_id=agent_id, resource_name="ecs-00002", resource_type="OS::Native::Server",
                      created_at=1_795_000_000)
    cbr.import_backup(ImportBackupRequest(body=BackupSyncReq(sync=[item])))


def test_unregistering_deletes_the_agents_backups(cbr):
    register(cbr)
    register(cbr, AGENT2)
    hybrid_vault(cbr, "files", locked=False)
    import_agent_backup(cbr, "0b000000-0000-4000-8000-000000000001")
    import_agent_backup(cbr, "0b000000-0000-4000-8000-000000000002", AGENT2)
    assert cbr.backup("0b000000-0000-4000-8000-000000000001").resource_id == AGENT
    cbr.unregister_agent(UnregisterAgentRequest(agent_id=AGENT))
    assert cbr.backup("0b000000-0000-4000-8000-000000000001") is None
    assert cbr.backup("0b000000-0000-4000-8000-000000000002").resource_id == AGENT2


def test_backups_in_a_locked_vault_keep_their_agent(cbr):
    register(cbr)
    hybrid_vault(cbr, "worm", locked=True)
    import_agent_backup(cbr, "0b000000-0000-4000-8000-000000000003")
    expect_hw_error(400, "BackupService.6156", cbr.unregister_agent, UnregisterAgentRequest(agent_id=AGENT))
    assert show(cbr).status == "normal"
    assert cbr.backup("0b000000-0000-4000-8000-000000000003") is not None


# ------------------------------------------------------------------------------ projects


def test_list_projects(cbr):
    resp = fully_parsed(cbr.list_projects(ListProjectsRequest()))
    assert [p.id for p in resp.projects] == [PROJECT, SOUTH_PROJECT, EAST_PROJECT, HK_PROJECT]
    north = resp.projects[0]
    assert (north.name, north.domain_id, north.is_domain, north.enabled, north.parent_id, north.description) == (
        REGION, DOMAIN_ID, False, True, "", "")
    assert north.links._self.endswith(f"/v3/projects/{PROJECT}")
    assert resp.links._self.endswith("/v3/auth/projects")


def test_domain_projects_and_domain_of_the_caller_only(cbr, peer_cbr):
    resp = fully_parsed(cbr.list_domain_projects(ListDomainProjectsRequest(domain_name="cloudtwin")))
    assert [(p.project_id, p.project_name) for p in resp.projects][:2] == [(PROJECT, REGION), (SOUTH_PROJECT, SOUTH)]
    assert len(resp.projects) == 4
    d = fully_parsed(cbr.show_domain(ShowDomainRequest(source_project_id=SOUTH_PROJECT)))
    assert (d.project_name, d.project_id, d.domain_id, d.domain_name) == (SOUTH, SOUTH_PROJECT, DOMAIN_ID, "cloudtwin")

    expect_hw_error(401, "BackupService.1015", cbr.list_domain_projects,
                    ListDomainProjectsRequest(domain_name="cloudtwin-peer"))
    expect_hw_error(401, "BackupService.1015", cbr.show_domain, ShowDomainRequest(source_project_id=PEER_PROJECT))
    expect_hw_error(401, "BackupService.1015", cbr.show_domain,
                    ShowDomainRequest(source_project_id="ffffffffffffffffffffffffffffffff"))
    peer = peer_cbr.list_domain_projects(ListDomainProjectsRequest(domain_name="cloudtwin-peer"))
    assert [p.project_id for p in peer.projects] == [PEER_PROJECT, PEER_SOUTH_PROJECT]


def migrate(cbr, all_regions, reservation=0.2):
    return cbr.migrate_domain(MigrateDomainRequest(body=DomainMigrate(all_regions=all_regions, reservation=reservation)))


def migrate_status(cbr, all_regions=None):
    return cbr.show_migrate_status(ShowMigrateStatusRequest(all_regions=all_regions))


def test_migration_runs_then_succeeds(cbr, cbr_south, twin):
    expect_hw_error(404, "BackupService.4001", migrate_status, cbr)
    assert fully_parsed(migrate(cbr, all_regions=False)).body == {REGION: "running"}
    s = fully_parsed(migrate_status(cbr))
    assert s.status == "migrating"
    (p,) = s.project_status
    assert (p.status, p.project_id, p.project_name, p.region_id) == ("migrating", PROJECT, REGION, REGION)
    assert p.progress < 100 and p.fail_code is None and p.fail_reason is None
    twin.advance(1)
    s = migrate_status(cbr)
    assert (s.status, s.project_status[0].progress) == ("success", 100)

    # all_regions from the cn-south-1 project: every project of the account; the migrated one
    # has nothing left to move.
    assert migrate(cbr_south, all_regions=True, reservation=1).body == {
        REGION: "success", SOUTH: "running", "cn-east-3": "running", "ap-southeast-1": "running"}
    assert [x.project_id for x in migrate_status(cbr_south).project_status] == [SOUTH_PROJECT]
    s = migrate_status(cbr_south, all_regions=True)
    assert s.status == "migrating"
    assert [(x.project_id, x.status) for x in s.project_status] == [
        (PROJECT, "success"), (SOUTH_PROJECT, "migrating"), (EAST_PROJECT, "migrating"), (HK_PROJECT, "migrating")]
    twin.advance(1)
    assert migrate_status(cbr_south, all_regions=True).status == "success"


def test_failed_migration_and_bad_requests(cbr, peer_cbr, twin):
    for bad in (1.5, -0.1):
        expect_hw_error(400, "BackupService.9900", migrate, cbr, False, bad)
    expect_hw_error(400, "BackupService.9900", cbr.migrate_domain, MigrateDomainRequest(body={"all_regions": True}))
    expect_hw_error(400, "BackupService.9900", cbr.migrate_domain,
                    MigrateDomainRequest(body={"all_regions": True, "reservation": "0.2"}))
    expect_hw_error(404, "BackupService.4001", migrate_status, cbr)
    assert not [j for j in twin.jobs() if j["work"].get("kind") == "migrate_done"]

    inject_fault(twin, "migrate", target=PROJECT)
    migrate(cbr, all_regions=False)
    migrate_status(cbr)
    twin.advance(1)
    s = migrate_status(cbr)
    assert s.status == "failed"
    assert (s.project_status[0].status, s.project_status[0].fail_code) == ("failed", 4002)
    assert s.project_status[0].fail_reason
    # A failed migration starts over; other accounts never see it.
    assert migrate(cbr, all_regions=False).body == {REGION: "running"}
    expect_hw_error(404, "BackupService.4001", migrate_status, peer_cbr)
