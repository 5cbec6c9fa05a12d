"""Backup policies on the twin's virtual clock: scheduled runs, count and time retention,
enabling/disabling, suspended resources, replication policies, and the policy CRUD calls.

Every test freezes the clock at a known instant (00:30 UTC) and moves it by days; the
signer follows (conftest's hw_signer_clock), so no request trips the X-Sdk-Date window.
"""

import datetime

import pytest
from huaweicloudsdkcbr.v1 import (
    AssociateVaultPolicyRequest,
    CreatePolicyRequest,
    DeletePolicyRequest,
    DisassociateVaultPolicyRequest,
    ListOpLogsRequest,
    ListPoliciesRequest,
    ListVaultRequest,
    PolicyCreate,
    PolicyCreateReq,
    PolicyTriggerPropertiesReq,
    PolicyTriggerPropertiesUpdateReq,
    PolicyTriggerReq,
    PolicyTriggerUpdateReq,
    PolicyUpdate,
    PolicyUpdateReq,
    PolicyoODCreate,
    SetVaultResourceRequest,
    ShowPolicyRequest,
    UpdatePolicyRequest,
    VaultAssociate,
    VaultDissociate,
    VaultSetResourceReq,
)

from huawei_support import (
    DB,
    SOUTH,
    SOUTH_PROJECT,
    WEB,
    expect_hw_error,
    hw_time,
    raw_json,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")

UTC = datetime.timezone.utc
DAY = 86400
#: Monday 2031-01-06 00:30:00 UTC; the daily policies below fire at 03:00 UTC.
T0 = datetime.datetime(2031, 1, 6, 0, 30, tzinfo=UTC)
DAILY_3AM = "FREQ=DAILY;INTERVAL=1;BYHOUR=3;BYMINUTE=00"


def at(day, hour=3):
    """03:00 UTC on day `day` after T0's date."""
    return datetime.datetime(2031, 1, 6 + day, hour, 0, tzinfo=UTC)


def new_policy(cbr, name="daily", pattern=(DAILY_3AM,), enabled=None, operation_type="backup", **definition):
    req = CreatePolicyRequest(body=PolicyCreateReq(policy=PolicyCreate(
        name=name, operation_type=operation_type, enabled=enabled,
        operation_definition=PolicyoODCreate(**definition),
        trigger=PolicyTriggerReq(properties=PolicyTriggerPropertiesReq(pattern=list(pattern))),
    )))
    return cbr.create_policy(req).policy


def bind(cbr, vault_id, policy_id, destination_vault_id=None):
    return cbr.associate_vault_policy(AssociateVaultPolicyRequest(
        vault_id=vault_id, body=VaultAssociate(policy_id=policy_id, destination_vault_id=destination_vault_id),
    )).associate_policy


def update_policy(cbr, policy_id, **fields):
    return cbr.update_policy(UpdatePolicyRequest(policy_id=policy_id, body=PolicyUpdateReq(
        policy=PolicyUpdate(**fields)))).policy


def by_resource(cbr, vault_id):
    """{resource_id: [backups, oldest first]} of the vault's (top-level) backups."""
    out = {}
    for b in cbr.backups(vault_id=vault_id, sort="created_at:asc").backups:
        out.setdefault(b.resource_id, []).append(b)
    return out


def created(backups):
    return [hw_time(b.created_at) for b in backups]


def setup_daily(cbr, twin, resources=(WEB, DB), **definition):
    twin.set_clock(int(T0.timestamp()))
    vault = cbr.new_vault(name="sched_vault", size=2000, resources=resources)
    policy = new_policy(cbr, **definition)
    bind(cbr, vault.id, policy.id)
    return vault, policy


def test_max_backups_keeps_the_newest_three_after_a_five_day_jump(cbr, twin):
    vault, policy = setup_daily(cbr, twin, max_backups=3)
    twin.advance(5 * DAY)
    backups = by_resource(cbr, vault.id)
    assert set(backups) == {WEB, DB}
    for rid, items in backups.items():
        assert created(items) == [at(2), at(3), at(4)], rid
        for b in items:
            assert b.status == "available"
            assert b.extend_info.auto_trigger is True
            assert b.name.startswith("autobk")
            assert b.image_type == "backup"
    # Five runs, two servers: ten backup tasks, all from the policy.
    logs = cbr.list_op_logs(ListOpLogsRequest(operation_type="backup", vault_id=vault.id))
    assert logs.count == 10
    assert {(o.status, o.policy_id) for o in logs.operation_logs} == {("success", policy.id)}


def test_max_backups_day_by_day(cbr, twin):
    vault, _ = setup_daily(cbr, twin, max_backups=3)
    assert by_resource(cbr, vault.id) == {}
    for day in range(1, 6):
        twin.advance(DAY)
        backups = by_resource(cbr, vault.id)
        expected = [at(d) for d in range(max(0, day - 3), day)]
        assert {rid: created(items) for rid, items in backups.items()} == {WEB: expected, DB: expected}, day
        assert all(b.extend_info.auto_trigger for items in backups.values() for b in items)


def test_manual_backups_do_not_count_against_max_backups(cbr, twin):
    from huaweicloudsdkcbr.v1 import CheckpointParam, CreateCheckpointRequest, VaultBackup, VaultBackupReq

    vault, _ = setup_daily(cbr, twin, resources=(WEB,), max_backups=1)
    twin.timing("immediate")
    cbr.create_checkpoint(CreateCheckpointRequest(body=VaultBackupReq(checkpoint=VaultBackup(
        vault_id=vault.id, parameters=CheckpointParam(name="keep_me")))))
    twin.advance(3 * DAY)
    items = by_resource(cbr, vault.id)[WEB]
    assert [(b.name, b.extend_info.auto_trigger) for b in items][0] == ("keep_me", False)
    assert [hw_time(b.created_at) for b in items if b.extend_info.auto_trigger] == [at(2)]


def test_retention_duration_days_removes_backups_older_than_that(cbr, twin):
    vault, _ = setup_daily(cbr, twin, retention_duration_days=2)
    twin.advance(5 * DAY)
    backups = by_resource(cbr, vault.id)
    for rid in (WEB, DB):
        items = backups[rid]
        assert created(items) == [at(3), at(4)], rid
        for b in items:
            assert hw_time(b.expired_at) == hw_time(b.created_at) + datetime.timedelta(days=2)


@pytest.mark.parametrize("timezone, kept", [
    # Runs at 03:00 and 09:00 UTC. In UTC and UTC+8 both fall on the same calendar day.
    pytest.param("UTC+00:00", [(3, 9), (4, 9)], id="utc"),
    pytest.param("UTC+08:00", [(3, 9), (4, 9)], id="utc+8"),
    # In UTC-5 the 03:00 UTC run belongs to the previous local day (22:00).
    pytest.param("UTC-05:00", [(4, 3), (4, 9)], id="utc-5"),
])
def test_day_backups_keep_the_newest_of_each_of_the_last_days(cbr, twin, timezone, kept):
    vault, _ = setup_daily(cbr, twin, resources=(WEB,), pattern=(
        "FREQ=DAILY;INTERVAL=1;BYHOUR=3;BYMINUTE=00", "FREQ=DAILY;INTERVAL=1;BYHOUR=9;BYMINUTE=00"),
        day_backups=2, timezone=timezone)
    twin.advance(5 * DAY)
    assert created(by_resource(cbr, vault.id)[WEB]) == [at(d, h) for d, h in kept]


def test_interval_two_fires_every_other_day(cbr, twin):
    vault, _ = setup_daily(cbr, twin, resources=(WEB,), pattern=("FREQ=DAILY;INTERVAL=2;BYHOUR=3;BYMINUTE=00",),
                           max_backups=10)
    twin.advance(5 * DAY)
    assert created(by_resource(cbr, vault.id)[WEB]) == [at(0), at(2), at(4)]


def test_updated_trigger_takes_effect(cbr, twin):
    vault, policy = setup_daily(cbr, twin, resources=(WEB,), max_backups=10)
    twin.advance(DAY)  # day 0 at 03:00
    cbr.update_policy(UpdatePolicyRequest(policy_id=policy.id, body=PolicyUpdateReq(policy=PolicyUpdate(
        trigger=PolicyTriggerUpdateReq(properties=PolicyTriggerPropertiesUpdateReq(
            pattern=["FREQ=DAILY;INTERVAL=1;BYHOUR=5;BYMINUTE=00"]))))))
    twin.advance(2 * DAY)
    assert created(by_resource(cbr, vault.id)[WEB]) == [at(0), at(1, 5), at(2, 5)]


def test_one_policy_backs_up_every_vault_bound_to_it(cbr, twin):
    twin.set_clock(int(T0.timestamp()))
    a = cbr.new_vault(name="a", resources=[WEB], size=500)
    b = cbr.new_vault(name="b", resources=[DB], size=500)
    policy = new_policy(cbr, max_backups=5)
    bind(cbr, a.id, policy.id)
    bind(cbr, b.id, policy.id)
    assert sorted(x.vault_id for x in cbr.show_policy(ShowPolicyRequest(policy_id=policy.id)).policy.associated_vaults) \
        == sorted([a.id, b.id])
    twin.advance(DAY)
    assert {rid: created(v) for rid, v in by_resource(cbr, a.id).items()} == {WEB: [at(0)]}
    assert {rid: created(v) for rid, v in by_resource(cbr, b.id).items()} == {DB: [at(0)]}


def test_policy_trigger_start_time_format(cbr, twin):
    twin.set_clock(int(T0.timestamp()))
    p = new_policy(cbr, max_backups=3)
    assert p.trigger.properties.start_time == "2031-01-06 00:30:00"
    assert p.policy_type == "custom_policy"


def test_disabled_policy_stops_firing(cbr, twin):
    vault, policy = setup_daily(cbr, twin, resources=(WEB,), max_backups=10)
    twin.advance(DAY)
    assert created(by_resource(cbr, vault.id)[WEB]) == [at(0)]
    updated = update_policy(cbr, policy.id, enabled=False)
    assert updated.enabled is False
    twin.advance(3 * DAY)
    assert created(by_resource(cbr, vault.id)[WEB]) == [at(0)]
    assert cbr.show_policy(ShowPolicyRequest(policy_id=policy.id)).policy.enabled is False
    # Enabled again, it fires at its next time.
    update_policy(cbr, policy.id, enabled=True)
    twin.advance(DAY)
    assert created(by_resource(cbr, vault.id)[WEB]) == [at(0), at(4)]


def test_policy_created_disabled_never_fires(cbr, twin):
    vault, policy = setup_daily(cbr, twin, enabled=False, max_backups=3)
    assert policy.enabled is False
    twin.advance(3 * DAY)
    assert by_resource(cbr, vault.id) == {}


def test_suspended_resource_is_skipped_by_the_policy(cbr, twin):
    vault, _ = setup_daily(cbr, twin, max_backups=10)
    resp = cbr.set_vault_resource(SetVaultResourceRequest(
        vault_id=vault.id, body=VaultSetResourceReq(resource_ids=[DB], action="suspend")))
    assert resp.set_resource_ids == [DB]
    twin.advance(DAY)
    assert {rid: created(v) for rid, v in by_resource(cbr, vault.id).items()} == {WEB: [at(0)]}
    cbr.set_vault_resource(SetVaultResourceRequest(
        vault_id=vault.id, body=VaultSetResourceReq(resource_ids=[DB], action="unsuspend")))
    twin.advance(DAY)
    assert {rid: created(v) for rid, v in by_resource(cbr, vault.id).items()} == {
        WEB: [at(0), at(1)], DB: [at(1)]}


def test_set_vault_resource_of_a_resource_not_in_the_vault(cbr, twin):
    vault = cbr.new_vault(name="set_vault", resources=[WEB])
    expect_hw_error(400, "BackupService.6135", cbr.set_vault_resource, SetVaultResourceRequest(
        vault_id=vault.id, body=VaultSetResourceReq(resource_ids=[DB], action="suspend")))


def test_several_times_a_day(cbr, twin):
    vault, _ = setup_daily(cbr, twin, resources=(WEB,), pattern=(
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=6;BYMINUTE=00",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=18;BYMINUTE=30",
    ), max_backups=10)
    twin.advance(DAY)
    assert created(by_resource(cbr, vault.id)[WEB]) == [
        datetime.datetime(2031, 1, 6, 6, 0, tzinfo=UTC), datetime.datetime(2031, 1, 6, 18, 30, tzinfo=UTC)]


def test_weekly_pattern_fires_on_its_days_only(cbr, twin):
    # T0 is a Monday: MO and TH within a week.
    vault, _ = setup_daily(cbr, twin, resources=(WEB,), pattern=("FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=3;BYMINUTE=00",),
                           max_backups=10)
    twin.advance(7 * DAY)
    assert created(by_resource(cbr, vault.id)[WEB]) == [at(0), at(3)]


def test_replication_policy_copies_new_backups(cbr, cbr_south, twin):
    vault, _ = setup_daily(cbr, twin, resources=(WEB,), max_backups=5)
    dest = cbr_south.new_vault(name="south_dr", protect_type="replication")
    rep = new_policy(cbr, name="to_south", operation_type="replication", pattern=(
        "FREQ=DAILY;INTERVAL=1;BYHOUR=5;BYMINUTE=00",),
        destination_region=SOUTH, destination_project_id=SOUTH_PROJECT)
    assert rep.operation_type == "replication"
    assert (rep.operation_definition.destination_region, rep.operation_definition.destination_project_id) == (
        SOUTH, SOUTH_PROJECT)
    a = bind(cbr, vault.id, rep.id, destination_vault_id=dest.id)
    assert (a.vault_id, a.policy_id, a.destination_vault_id) == (vault.id, rep.id, dest.id)
    shown = cbr.show_policy(ShowPolicyRequest(policy_id=rep.id)).policy
    assert [(x.vault_id, x.destination_vault_id) for x in shown.associated_vaults] == [(vault.id, dest.id)]
    twin.advance(DAY)
    (src,) = cbr.backups(vault_id=vault.id, show_replication=True).backups
    (record,) = src.replication_records
    assert (record.status, record.destination_vault_id) == ("success", dest.id)
    assert record.extra_info.auto_trigger is True
    (copy,) = cbr_south.backups(vault_id=dest.id).backups
    assert (copy.id, copy.image_type, copy.resource_id) == (record.destination_backup_id, "replication", WEB)


# --------------------------------------------------------------------------- policy CRUD


def test_update_policy_replaces_the_definition_as_a_whole(cbr):
    p = new_policy(cbr, name="monthly", retention_duration_days=30)
    assert p.operation_definition.retention_duration_days == 30
    assert p.trigger.name == "default"
    assert p.trigger.properties.start_time
    u = cbr.update_policy(UpdatePolicyRequest(policy_id=p.id, body=PolicyUpdateReq(policy=PolicyUpdate(
        name="renamed",
        operation_definition=PolicyoODCreate(max_backups=1, day_backups=0, week_backups=0, month_backups=0,
                                             year_backups=0, timezone="UTC+08:00"),
        trigger=PolicyTriggerUpdateReq(properties=PolicyTriggerPropertiesUpdateReq(
            pattern=["FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=00"])),
    )))).policy
    assert u.id == p.id
    assert u.name == "renamed"
    assert u.operation_definition.max_backups == 1
    assert u.operation_definition.timezone == "UTC+08:00"
    assert u.operation_definition.retention_duration_days is None
    assert "retention_duration_days" not in raw_json(cbr.show_policy(ShowPolicyRequest(policy_id=p.id)))[
        "policy"]["operation_definition"]
    assert u.trigger.properties.pattern == ["FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=00"]
    assert u.operation_type == "backup"
    assert u.enabled is True


def test_update_policy_cannot_change_the_operation_type(cbr):
    p = new_policy(cbr, max_backups=3)
    expect_hw_error(400, "BackupService.9900", cbr.update_policy, UpdatePolicyRequest(
        policy_id=p.id, body={"policy": {"operation_type": "replication"}}))
    assert cbr.show_policy(ShowPolicyRequest(policy_id=p.id)).policy.operation_type == "backup"


def test_list_policies_filters(cbr, twin):
    backup1 = new_policy(cbr, name="b1", max_backups=3)
    backup2 = new_policy(cbr, name="b2", max_backups=3)
    rep = new_policy(cbr, name="r1", operation_type="replication",
                     destination_region=SOUTH, destination_project_id=SOUTH_PROJECT)
    vault = cbr.new_vault(name="lp_vault")
    bind(cbr, vault.id, backup2.id)
    everything = cbr.list_policies(ListPoliciesRequest())
    assert everything.count == 3
    assert {p.id for p in everything.policies} == {backup1.id, backup2.id, rep.id}
    backups = cbr.list_policies(ListPoliciesRequest(operation_type="backup"))
    assert (backups.count, {p.id for p in backups.policies}) == (2, {backup1.id, backup2.id})
    reps = cbr.list_policies(ListPoliciesRequest(operation_type="replication"))
    assert [p.id for p in reps.policies] == [rep.id]
    bound = cbr.list_policies(ListPoliciesRequest(vault_id=vault.id))
    assert [p.id for p in bound.policies] == [backup2.id]
    assert bound.policies[0].associated_vaults[0].vault_id == vault.id


def test_disassociate_vault_policy(cbr, twin):
    vault, policy = setup_daily(cbr, twin, resources=(WEB,), max_backups=3)
    assert cbr.list_vault(ListVaultRequest(policy_id=policy.id)).count == 1
    d = cbr.disassociate_vault_policy(DisassociateVaultPolicyRequest(
        vault_id=vault.id, body=VaultDissociate(policy_id=policy.id))).dissociate_policy
    assert (d.vault_id, d.policy_id) == (vault.id, policy.id)
    assert cbr.show_policy(ShowPolicyRequest(policy_id=policy.id)).policy.associated_vaults == []
    assert cbr.list_vault(ListVaultRequest(policy_id=policy.id)).count == 0
    twin.advance(2 * DAY)
    assert by_resource(cbr, vault.id) == {}, "an unbound policy no longer backs the vault up"
    # Unbinding again: the binding does not exist.
    expect_hw_error(404, "BackupService.6002", cbr.disassociate_vault_policy, DisassociateVaultPolicyRequest(
        vault_id=vault.id, body=VaultDissociate(policy_id=policy.id)))
    # The vault takes another backup policy now.
    other = new_policy(cbr, name="other", max_backups=3)
    assert bind(cbr, vault.id, other.id).policy_id == other.id


def test_delete_policy(cbr, twin):
    vault, policy = setup_daily(cbr, twin, resources=(WEB,), max_backups=3)
    resp = cbr.delete_policy(DeletePolicyRequest(policy_id=policy.id))
    assert resp.status_code == 204
    assert cbr.last.content == b""
    expect_hw_error(404, "BackupService.6000", cbr.show_policy, ShowPolicyRequest(policy_id=policy.id))
    expect_hw_error(404, "BackupService.6000", cbr.delete_policy, DeletePolicyRequest(policy_id=policy.id))
    assert cbr.list_policies(ListPoliciesRequest()).count == 0
    assert cbr.list_vault(ListVaultRequest(policy_id=policy.id)).count == 0
    twin.advance(2 * DAY)
    assert by_resource(cbr, vault.id) == {}, "a deleted policy does not fire"
