"""Backup sharing (4.10) and organization policies (4.11) through the official CbrClient: a
share across accounts from the owner's and the receiver's side, the documented errors, and
organization policies deploying into the peer account's project as the clock moves.
"""

import pytest
from huaweicloudsdkcbr.v1 import (
    AddMemberRequest,
    AddMembersReq,
    AssociateVaultPolicyRequest,
    CreateOrganizationPolicyRequest,
    DeleteBackupRequest,
    DeleteMemberRequest,
    DeleteOrganizationPolicyRequest,
    DeletePolicyRequest,
    ListOrganizationPoliciesRequest,
    ListOrganizationPolicyDetailRequest,
    ListPoliciesRequest,
    OrganizationPolicyCreate,
    OrganizationPolicyCreateReq,
    OrganizationPolicyUpdate,
    OrganizationPolicyUpdateReq,
    PolicyTriggerPropertiesReq,
    PolicyTriggerPropertiesUpdateReq,
    PolicyTriggerReq,
    PolicyTriggerUpdateReq,
    PolicyoODCreate,
    ShowMemberDetailRequest,
    ShowMembersDetailRequest,
    ShowOrganizationPolicyRequest,
    UpdateMember,
    UpdateMemberStatusRequest,
    UpdateOrganizationPolicyRequest,
    VaultAssociate,
)

from huawei_support import (
    ARCHIVE_VOL,
    NO_SUCH_ID,
    PEER_PROJECT,
    PEER_SERVER,
    PEER_SOUTH_PROJECT,
    PROJECT,
    SOUTH_PROJECT,
    VOLUME_TYPE,
    WEB,
    expect_hw_error,
    poll,
    raw_json,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

DOMAIN = "c0ffee00c0ffee00c0ffee00c0ffee01"
PEER_DOMAIN = "c0ffee00c0ffee00c0ffee00c0ffee02"
ORG = "o-cloudtwinexampleorganization0001"
PEERS_OU = "ou-ctwn-peers001"
DAILY_14 = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=14;BYMINUTE=00"


def backup_of(cbr, twin, resource=WEB, object_type="server"):
    twin.timing("immediate")
    v = cbr.new_vault(name="src", object_type=object_type, size=500, resources=[resource])
    b = cbr.backup_of(cbr.checkpoint(v.id).id)
    twin.timing("realistic", seconds=1)
    return v, b


def add(cbr, backup_id, members=None, domains=None):
    return cbr.add_member(AddMemberRequest(backup_id=backup_id, body=AddMembersReq(members=members, domains=domains)))


def answer(cbr, backup_id, status, vault_id=None, member_id=None):
    return cbr.update_member_status(UpdateMemberStatusRequest(
        backup_id=backup_id, member_id=member_id or cbr.project_id,
        body=UpdateMember(status=status, vault_id=vault_id))).member


def detail(cbr, backup_id, member_id):
    return cbr.show_member_detail(ShowMemberDetailRequest(backup_id=backup_id, member_id=member_id)).member


def member_list(cbr, backup_id, **q):
    return cbr.show_members_detail(ShowMembersDetailRequest(backup_id=backup_id, **q))


# ------------------------------------------------------------------------------- sharing


def test_share_a_backup_with_another_account(cbr, peer_cbr, twin):
    _, b = backup_of(cbr, twin)
    resp = add(cbr, b.id, members=[PEER_PROJECT])
    assert cbr.last.status_code == 200
    (m,) = resp.members
    assert (m.status, m.backup_id, m.dest_project_id) == ("pending", b.id, PEER_PROJECT)
    assert m.vault_id is None and m.image_id is None and m.updated_at is None
    assert raw_json(resp)["count"] == 1

    # Owner and receiver both see the share record.
    assert detail(cbr, b.id, PEER_PROJECT).id == m.id
    assert detail(peer_cbr, b.id, PEER_PROJECT).status == "pending"
    listed = member_list(cbr, b.id)
    assert (listed.count, [x.id for x in listed.members]) == (1, [m.id])

    # Pending: the receiver can look at it, and lists it when asking for pending ones.
    assert peer_cbr.backups(own_type="shared").count == 0
    pending = peer_cbr.backups(own_type="shared", member_status="pending")
    assert [x.id for x in pending.backups] == [b.id]
    assert pending.backups[0].project_id == PROJECT
    assert peer_cbr.backup(b.id).resource_id == WEB

    # Accepting into a server vault of its own.
    rv = peer_cbr.new_vault(name="inbox", size=200)
    acc = answer(peer_cbr, b.id, "accepted", vault_id=rv.id)
    assert (acc.status, acc.vault_id, acc.id) == ("accepted", rv.id, m.id)
    assert acc.updated_at is not None
    shared = peer_cbr.backups(own_type="shared")
    assert [(x.id, x.vault_id) for x in shared.backups] == [(b.id, rv.id)]
    assert peer_cbr.backups(own_type="all_granted").count == 1
    assert peer_cbr.backups().count == 0
    assert peer_cbr.backup(b.id).vault_id == rv.id
    assert member_list(cbr, b.id, status="accepted", vault_id=rv.id).count == 1

    # Rejecting later takes it back out.
    rej = answer(peer_cbr, b.id, "rejected")
    assert (rej.status, rej.vault_id) == ("rejected", None)
    assert peer_cbr.backups(own_type="shared").count == 0

    # The owner revokes: 204, and the receiver no longer sees the backup.
    cbr.delete_member(DeleteMemberRequest(backup_id=b.id, member_id=PEER_PROJECT))
    assert cbr.last.status_code == 204
    expect_hw_error(404, "BackupService.6705", detail, cbr, b.id, PEER_PROJECT)
    assert peer_cbr.backup(b.id) is None


def test_deleting_the_backup_ends_its_shares(cbr, peer_cbr, twin):
    _, b = backup_of(cbr, twin)
    add(cbr, b.id, domains=[PEER_DOMAIN])
    rv = peer_cbr.new_vault(name="inbox", size=200)
    answer(peer_cbr, b.id, "accepted", vault_id=rv.id)
    cbr.delete_backup(DeleteBackupRequest(backup_id=b.id))
    # While it is being deleted the receiver still sees it going.
    assert peer_cbr.backup(b.id).status in ("deleting", "waiting_delete")
    shared, _ = poll(twin, lambda: peer_cbr.backups(own_type="shared"), lambda r: r.count == 0)
    expect_hw_error(404, "BackupService.6200", detail, peer_cbr, b.id, PEER_PROJECT)


def test_a_disk_backup_is_shared_too(cbr, peer_cbr, twin):
    _, b = backup_of(cbr, twin, resource=ARCHIVE_VOL, object_type="disk")
    add(cbr, b.id, members=[PEER_PROJECT])
    server_vault = peer_cbr.new_vault(name="servers", size=500)
    expect_hw_error(400, "BackupService.6713", answer, peer_cbr, b.id, "accepted", vault_id=server_vault.id)
    disk_vault = peer_cbr.new_vault(name="disks", object_type="disk", size=500)
    assert answer(peer_cbr, b.id, "accepted", vault_id=disk_vault.id).status == "accepted"
    (got,) = peer_cbr.backups(own_type="shared", resource_type=VOLUME_TYPE).backups
    assert got.id == b.id


def test_sharing_errors(cbr, cbr_south, peer_cbr, make_cbr, twin):
    _, b = backup_of(cbr, twin)
    child = cbr.backup(b.id).children[0].id
    expect_hw_error(404, "BackupService.6200", add, cbr, NO_SUCH_ID, members=[PEER_PROJECT])
    expect_hw_error(400, "BackupService.9900", add, cbr, b.id)
    expect_hw_error(400, "BackupService.6707", add, cbr, child, members=[PEER_PROJECT])
    expect_hw_error(400, "BackupService.6704", add, cbr, b.id, members=[PROJECT])
    expect_hw_error(400, "BackupService.6704", add, cbr, b.id, members=[SOUTH_PROJECT])
    expect_hw_error(400, "BackupService.6704", add, cbr, b.id, members=["f" * 32])
    expect_hw_error(400, "BackupService.6704", add, cbr, b.id, domains=[DOMAIN])
    expect_hw_error(400, "BackupService.6703", add, cbr, b.id, members=[PEER_PROJECT], domains=[PEER_DOMAIN])
    assert member_list(cbr, b.id).count == 0

    add(cbr, b.id, members=[PEER_PROJECT])
    expect_hw_error(400, "BackupService.6703", add, cbr, b.id, members=[PEER_PROJECT])
    # The receiver answers for itself only, into its own vault; it cannot share the backup on.
    expect_hw_error(400, "BackupService.6706", answer, cbr, b.id, "accepted", vault_id=NO_SUCH_ID,
                    member_id=PEER_PROJECT)
    expect_hw_error(400, "BackupService.6706", answer, peer_cbr, b.id, "accepted")
    expect_hw_error(400, "BackupService.6706", answer, peer_cbr, b.id, "maybe")
    expect_hw_error(404, "BackupService.6105", answer, peer_cbr, b.id, "accepted", vault_id=NO_SUCH_ID)
    small = peer_cbr.new_vault(name="small", size=10)
    expect_hw_error(400, "BackupService.6114", answer, peer_cbr, b.id, "accepted", vault_id=small.id)
    expect_hw_error(400, "BackupService.6714", add, peer_cbr, b.id, members=[PROJECT])
    expect_hw_error(404, "BackupService.6200", peer_cbr.delete_member,
                    DeleteMemberRequest(backup_id=b.id, member_id=PEER_PROJECT))
    assert detail(cbr, b.id, PEER_PROJECT).status == "pending"
    # Projects that are neither owner nor receiver learn nothing.
    peer_south = make_cbr(account="peer", project_id=PEER_SOUTH_PROJECT)
    for third in (cbr_south, peer_south):
        assert third.backup(b.id) is None
        expect_hw_error(404, "BackupService.6200", member_list, third, b.id)
        expect_hw_error(404, "BackupService.6200", answer, third, b.id, "rejected")
    expect_hw_error(400, "BackupService.9900", lambda: member_list(cbr, b.id, status="gone"))
    expect_hw_error(400, "BackupService.9900", lambda: member_list(cbr, b.id, marker="not-a-uuid"))


# ---------------------------------------------------------------------- organization policies


def od(**kw):
    base = dict(retention_duration_days=30, max_backups=-1, day_backups=0, week_backups=0, month_backups=0,
                year_backups=0, timezone="UTC+08:00", full_backup_interval=-1)
    base.update(kw)
    return PolicyoODCreate(**base)


def create_org(cbr, name="org_policy", operation_type="backup", definition=None, scope=ORG, enabled=False,
               pattern=DAILY_14):
    body = OrganizationPolicyCreate(
        name=name, description="", operation_type=operation_type, policy_name=f"{name}_p",
        policy_enabled=enabled, policy_operation_definition=definition or od(),
        policy_trigger=PolicyTriggerReq(properties=PolicyTriggerPropertiesReq(pattern=[pattern])),
        effective_scope=scope)
    return cbr.create_organization_policy(CreateOrganizationPolicyRequest(
        body=OrganizationPolicyCreateReq(policy=body))).policy


def show_org(cbr, pid):
    return cbr.show_organization_policy(ShowOrganizationPolicyRequest(organization_policy_id=pid)).policy


def org_detail(cbr, pid):
    return cbr.list_organization_policy_detail(ListOrganizationPolicyDetailRequest(organization_policy_id=pid))


def update_org(cbr, pid, **kw):
    return cbr.update_organization_policy(UpdateOrganizationPolicyRequest(
        organization_policy_id=pid, body=OrganizationPolicyUpdateReq(policy=OrganizationPolicyUpdate(**kw)))).policy


def org_copies(cbr):
    return [p for p in cbr.list_policies(ListPoliciesRequest()).policies if p.policy_type == "organization_policy_v2"]


def test_organization_policy_lifecycle(cbr, peer_cbr, twin):
    op = create_org(cbr)
    assert cbr.last.status_code == 200
    assert (op.status, op.domain_id, op.domain_name, op.effective_scope) == ("syncing", DOMAIN, "cloudtwin", ORG)
    assert (op.operation_type, op.policy_name, op.policy_enabled) == ("backup", "org_policy_p", False)
    assert op.policy_operation_definition.retention_duration_days == 30
    assert op.policy_trigger.properties.pattern == [DAILY_14]

    shown, seen = poll(twin, lambda: show_org(cbr, op.id), lambda p: p.status == "available")
    assert seen[0].status == "syncing"
    d = org_detail(cbr, op.id)
    assert (d.count, d.limit, d.offset) == (2, 1000, 0)
    assert [(x.domain_id, x.project_id, x.status) for x in d.policies] == [
        (DOMAIN, PROJECT, "available"), (PEER_DOMAIN, PEER_PROJECT, "available")]

    # The peer account holds a copy: it binds it, but cannot change or delete it.
    (copy,) = org_copies(peer_cbr)
    assert copy.id == d.policies[1].policy_id
    assert (copy.name, copy.enabled) == ("org_policy_p", False)
    pv = peer_cbr.new_vault(name="peer_v", resources=[PEER_SERVER])
    peer_cbr.associate_vault_policy(AssociateVaultPolicyRequest(vault_id=pv.id, body=VaultAssociate(policy_id=copy.id)))
    expect_hw_error(400, "BackupService.7619", peer_cbr.delete_policy, DeletePolicyRequest(policy_id=copy.id))

    listed = cbr.list_organization_policies(ListOrganizationPoliciesRequest(operation_type="backup"))
    assert (listed.count, [p.id for p in listed.policies]) == (1, [op.id])
    assert cbr.list_organization_policies(ListOrganizationPoliciesRequest(operation_type="replication")).count == 0

    up = update_org(cbr, op.id, policy_name="nightly", policy_enabled=True, effective_scope="",
                    policy_trigger=PolicyTriggerUpdateReq(properties=PolicyTriggerPropertiesUpdateReq(
                        pattern=["FREQ=DAILY;INTERVAL=1;BYHOUR=6;BYMINUTE=00"])))
    assert (up.status, up.policy_name, up.effective_scope) == ("updating", "nightly", ORG)
    expect_hw_error(400, "BackupService.7417", update_org, cbr, op.id, name="again")
    poll(twin, lambda: show_org(cbr, op.id), lambda p: p.status == "available")
    (copy,) = org_copies(peer_cbr)
    assert (copy.name, copy.enabled) == ("nightly", True)

    cbr.delete_organization_policy(DeleteOrganizationPolicyRequest(organization_policy_id=op.id))
    assert cbr.last.status_code == 204
    assert show_org(cbr, op.id).status == "deleting"

    def gone():
        try:
            show_org(cbr, op.id)
            return False
        except Exception as e:  # noqa: BLE001 - the 404 is what we wait for
            return getattr(e, "error_code", None) == "BackupService.7414"

    poll(twin, gone, bool)
    assert org_copies(peer_cbr) == [] and org_copies(cbr) == []


def test_organization_policy_scopes_and_replication(cbr, peer_cbr, twin):
    twin.timing("immediate")
    rep = od(retention_duration_days=None, timezone=None, destination_region="cn-south-1",
             destination_project_id=SOUTH_PROJECT, max_backups=5)
    op = create_org(cbr, name="org_rep", operation_type="replication", definition=rep, scope=PEERS_OU)
    (d,) = org_detail(cbr, op.id).policies
    assert (d.domain_id, d.project_id, d.status) == (PEER_DOMAIN, PEER_PROJECT, "available")
    (copy,) = org_copies(peer_cbr)
    assert copy.operation_definition.destination_project_id == PEER_SOUTH_PROJECT
    assert org_copies(cbr) == []
    expect_hw_error(400, "BackupService.7446", update_org, cbr, op.id, effective_scope=ORG)


def test_organization_policy_errors(cbr, peer_cbr, twin):
    expect_hw_error(400, "BackupService.7416", create_org, peer_cbr)
    expect_hw_error(400, "BackupService.7416", peer_cbr.list_organization_policies,
                    ListOrganizationPoliciesRequest(operation_type="backup"))
    expect_hw_error(400, "BackupService.6117", create_org, cbr, operation_type="archive")
    expect_hw_error(400, "BackupService.9900", create_org, cbr, pattern="FREQ=HOURLY")
    expect_hw_error(400, "BackupService.9900", create_org, cbr, scope="ou-nope")
    expect_hw_error(400, "BackupService.9900", create_org, cbr, definition=od(max_backups=3))
    expect_hw_error(400, "BackupService.9900", cbr.list_organization_policies, ListOrganizationPoliciesRequest())
    expect_hw_error(404, "BackupService.7414", show_org, cbr, NO_SUCH_ID)
    expect_hw_error(404, "BackupService.7414", org_detail, cbr, NO_SUCH_ID)
    expect_hw_error(404, "BackupService.7414", update_org, cbr, NO_SUCH_ID, name="x")
    expect_hw_error(404, "BackupService.7414", cbr.delete_organization_policy,
                    DeleteOrganizationPolicyRequest(organization_policy_id=NO_SUCH_ID))
    assert cbr.list_organization_policies(ListOrganizationPoliciesRequest(operation_type="backup")).count == 0
