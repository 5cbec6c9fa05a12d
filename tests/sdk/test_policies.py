"""Scheduled snapshot policies through the official SDK: create (and DryRun), describe, modify,
delete, bind and unbind disks, and the policy firing on the twin's virtual clock.

Schedules are in UTC+8. The tests pin the clock to 2026-11-22 10:00:00 UTC+8 (a Sunday) and move
it forward by days; the SDK signs with the twin's clock, so this needs no sleeping.
"""

import datetime
import re

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from twin_support import ZONE, expect_error, parse_tc_time, poll_disk, tc_time

# 2026-11-22 10:00:00 in UTC+8, a Sunday.
T0 = 1_795_312_800
DAY = 86_400
EVERY_DAY = list(range(7))


def create_policy(cbs, policy, **params):
    out = cbs.call("CreateAutoSnapshotPolicy", Policy=policy, **params)
    return out["AutoSnapshotPolicyId"], out["NextTriggerTime"]


def dry_run(cbs, policy, **params):
    out = cbs.call("CreateAutoSnapshotPolicy", Policy=policy, DryRun=True, **params)
    assert out["AutoSnapshotPolicyId"] == ""
    return out["NextTriggerTime"]


def policies(cbs, **params):
    return cbs.call("DescribeAutoSnapshotPolicies", **params)


def policy(cbs, policy_id):
    found = policies(cbs, AutoSnapshotPolicyIds=[policy_id])["AutoSnapshotPolicySet"]
    assert len(found) <= 1
    return found[0] if found else None


def policy_ids(cbs, **params):
    params.setdefault("Limit", 100)
    return [p["AutoSnapshotPolicyId"] for p in policies(cbs, **params)["AutoSnapshotPolicySet"]]


def bind(cbs, policy_id, *disk_ids):
    return cbs.call("BindAutoSnapshotPolicy", AutoSnapshotPolicyId=policy_id, DiskIds=list(disk_ids))


def unbind(cbs, policy_id, *disk_ids):
    return cbs.call("UnbindAutoSnapshotPolicy", AutoSnapshotPolicyId=policy_id, DiskIds=list(disk_ids))


def disk_snapshots(cbs, *disk_ids):
    """Every snapshot of these disks, oldest first."""
    out = cbs.call(
        "DescribeSnapshots", Filters=[{"Name": "disk-id", "Values": list(disk_ids)}], Order="ASC", Limit=100)
    assert out["TotalCount"] == len(out["SnapshotSet"])
    return out["SnapshotSet"]


def names(cbs, disk_id):
    return [s["SnapshotName"] for s in disk_snapshots(cbs, disk_id)]


def snap_logs(cbs, snap_id):
    resp = cbs.call_json(
        "DescribeSnapshotOperationLogs", {"Filters": [{"Name": "snapshot-id", "Values": [snap_id]}]})
    return resp["SnapshotOperationLogSet"]


def day_stamp(day):
    """YYYYMMDD of 2026-11-22 + `day` days."""
    return (datetime.date(2026, 11, 22) + datetime.timedelta(days=day)).strftime("%Y%m%d")


def day_text(day):
    return (datetime.date(2026, 11, 22) + datetime.timedelta(days=day)).strftime("%Y-%m-%d")


def attached_disks(cbs, twin, count, instance="ins-cloudtw1"):
    """`count` new data disks in ap-guangzhou-3, attached to `instance`, polled as a client would."""
    ids = cbs.create(size=20, DiskCount=count, DiskName="policy-disk")
    for disk_id in ids:
        poll_disk(cbs, twin, disk_id, lambda d: d is not None)
    cbs.call("AttachDisks", DiskIds=ids, InstanceId=instance)
    for disk_id in ids:
        d, _ = poll_disk(cbs, twin, disk_id, lambda d: d["DiskState"] == "ATTACHED")
        assert d["InstanceId"] == instance
    return ids


# --------------------------------------------------------------------- CreateAutoSnapshotPolicy


def test_create_policy_defaults_and_fields(cbs, twin):
    twin.set_clock(T0)
    policy_id, next_time = create_policy(cbs, [{"DayOfWeek": [4], "Hour": [0]}])
    assert policy_id.startswith("asp-") and len(policy_id) == 12
    assert next_time == "2026-11-26 00:00:00"  # the coming Thursday (4), 00:00 UTC+8
    assert policy(cbs, policy_id) == {
        "AutoSnapshotPolicyId": policy_id,
        "AutoSnapshotPolicyName": "Not named",
        "AutoSnapshotPolicyState": "NORMAL",
        "IsActivated": True,
        "IsPermanent": False,
        "RetentionDays": 7,
        "RetentionMonths": 0,
        "RetentionAmount": 0,
        "AdvancedRetentionPolicy": None,
        "Policy": [{"DayOfWeek": [4], "Hour": [0], "DayOfMonth": None, "IntervalDays": None}],
        "NextTriggerTime": "2026-11-26 00:00:00",
        "CreateTime": "2026-11-22 10:00:00",
        "DiskIdSet": [],
        "InstanceIdSet": [],
        "IsCopyToRemote": 0,
        "CopyToAccountUin": None,
        "CopyFromAccountUin": None,
        "Tags": [],
    }
    # The raw response sends the nullable fields as JSON null, not missing.
    raw = cbs.call_json("DescribeAutoSnapshotPolicies", {"AutoSnapshotPolicyIds": [policy_id]})
    (item,) = raw["AutoSnapshotPolicySet"]
    for key in ("AdvancedRetentionPolicy", "CopyToAccountUin", "CopyFromAccountUin"):
        assert key in item and item[key] is None, key


def test_create_policy_with_every_option(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(
        cbs, [{"DayOfMonth": [1, 15], "Hour": [3, 1]}],
        AutoSnapshotPolicyName="monthly", IsActivated=False, RetentionDays=30)
    p = policy(cbs, policy_id)
    assert (p["AutoSnapshotPolicyName"], p["IsActivated"], p["IsPermanent"], p["RetentionDays"]) == (
        "monthly", False, False, 30)
    assert p["NextTriggerTime"] == "", "a deactivated policy has no next trigger"
    assert sorted(p["Policy"][0]["Hour"]) == [1, 3]
    assert p["Policy"][0]["DayOfMonth"] == [1, 15]

    permanent, _ = create_policy(cbs, [{"IntervalDays": 2, "Hour": [5]}], IsPermanent=True)
    p = policy(cbs, permanent)
    assert p["IsPermanent"] is True
    assert p["Policy"][0]["IntervalDays"] == 2
    assert p["NextTriggerTime"] == "2026-11-24 05:00:00"


@pytest.mark.parametrize(
    "rule, expected",
    [
        ({"DayOfWeek": EVERY_DAY, "Hour": [23]}, "2026-11-22 23:00:00"),  # later today
        ({"DayOfWeek": EVERY_DAY, "Hour": [10]}, "2026-11-23 10:00:00"),  # strictly after now
        ({"DayOfWeek": EVERY_DAY, "Hour": [9, 11]}, "2026-11-22 11:00:00"),
        ({"DayOfWeek": [0], "Hour": [9]}, "2026-11-29 09:00:00"),  # Sunday, but 09:00 has passed
        ({"DayOfWeek": [4], "Hour": [0]}, "2026-11-26 00:00:00"),  # Thursday
        ({"DayOfWeek": [6, 1], "Hour": [7]}, "2026-11-23 07:00:00"),  # Monday beats Saturday
        ({"DayOfMonth": [31], "Hour": [2]}, "2026-12-31 02:00:00"),  # November has no 31st
        ({"DayOfMonth": [22], "Hour": [12]}, "2026-11-22 12:00:00"),
        ({"DayOfMonth": [1], "Hour": [0]}, "2026-12-01 00:00:00"),
        ({"IntervalDays": 3, "Hour": [8]}, "2026-11-25 08:00:00"),  # today's hour passed: next cycle
        ({"IntervalDays": 3, "Hour": [11]}, "2026-11-22 11:00:00"),
    ],
)
def test_next_trigger_time_is_utc_plus_8(cbs, twin, rule, expected):
    twin.set_clock(T0)
    assert dry_run(cbs, [rule]) == expected
    policy_id, next_time = create_policy(cbs, [rule])
    assert next_time == expected
    assert policy(cbs, policy_id)["NextTriggerTime"] == expected


def test_dry_run_creates_nothing(cbs, twin):
    twin.set_clock(T0)
    assert dry_run(cbs, [{"DayOfWeek": [1], "Hour": [4]}], AutoSnapshotPolicyName="dry") == "2026-11-23 04:00:00"
    assert policies(cbs)["TotalCount"] == 0


@pytest.mark.parametrize(
    "rule",
    [
        {"DayOfWeek": [1], "DayOfMonth": [1], "Hour": [1]},
        {"DayOfWeek": [1], "IntervalDays": 2, "Hour": [1]},
        {"DayOfMonth": [1], "IntervalDays": 2, "Hour": [1]},
        {"Hour": [1]},
        {"DayOfWeek": [1], "Hour": [24]},
        {"DayOfWeek": [1], "Hour": [-1]},
        {"DayOfWeek": [7], "Hour": [1]},
        {"DayOfMonth": [0], "Hour": [1]},
        {"DayOfMonth": [32], "Hour": [1]},
        {"IntervalDays": 0, "Hour": [1]},
        {"IntervalDays": 366, "Hour": [1]},
    ],
)
def test_create_policy_rejects_bad_schedules(cbs, rule):
    expect_error("InvalidParameterValue", create_policy, cbs, [rule])
    expect_error("InvalidParameterValue", dry_run, cbs, [rule])
    assert policies(cbs)["TotalCount"] == 0


def test_create_policy_rejects_bad_retention_and_name(cbs):
    rule = [{"DayOfWeek": [1], "Hour": [1]}]
    expect_error("InvalidParameterValue", create_policy, cbs, rule, IsPermanent=True, RetentionDays=3)
    expect_error("InvalidParameterValue", create_policy, cbs, rule, AutoSnapshotPolicyName="n" * 61)
    create_policy(cbs, rule, AutoSnapshotPolicyName="n" * 60)
    assert policies(cbs)["TotalCount"] == 1


def test_policy_quota_is_30_per_region(cbs, peer_cbs, make_client):
    rule = [{"DayOfWeek": [1], "Hour": [1]}]
    for _ in range(30):
        create_policy(cbs, rule)
    expect_error("LimitExceeded.AutoSnapshotPolicyOutOfQuota", create_policy, cbs, rule)
    assert policies(cbs)["TotalCount"] == 30
    # Per region and per account.
    create_policy(make_client(region="ap-beijing"), rule)
    create_policy(peer_cbs, rule)


# ----------------------------------------------------------------- DescribeAutoSnapshotPolicies


def test_describe_policies_filters_and_paging(cbs, twin):
    twin.set_clock(T0)
    made = []
    for name in ("nightly", "weekly", "nightly"):
        made.append(create_policy(cbs, [{"DayOfWeek": [1], "Hour": [1]}], AutoSnapshotPolicyName=name)[0])
        twin.advance(10)

    def by(name, *values):
        return set(policy_ids(cbs, Filters=[{"Name": name, "Values": list(values)}]))

    assert by("auto-snapshot-policy-id", made[1]) == {made[1]}
    assert by("auto-snapshot-policy-name", "nightly") == {made[0], made[2]}
    assert by("auto-snapshot-policy-state", "NORMAL") == set(made)
    assert by("auto-snapshot-policy-state", "ISOLATED") == set()
    assert set(policy_ids(cbs, AutoSnapshotPolicyIds=[made[0], made[1]])) == {made[0], made[1]}

    assert policy_ids(cbs, Order="ASC") == made
    assert policy_ids(cbs, Order="DESC") == made[::-1]
    page = policies(cbs, Order="ASC", Offset=1, Limit=1)
    assert page["TotalCount"] == 3
    assert [p["AutoSnapshotPolicyId"] for p in page["AutoSnapshotPolicySet"]] == [made[1]]

    expect_error("InvalidFilter", policies, cbs, Filters=[{"Name": "disk-id", "Values": ["disk-cloudtw1"]}])
    expect_error("InvalidParameterValue", policies, cbs, AutoSnapshotPolicyIds=[made[0]],
                 Filters=[{"Name": "auto-snapshot-policy-state", "Values": ["NORMAL"]}])
    expect_error("InvalidParameterValue", policies, cbs, Limit=101)


def test_describe_policies_default_limit_is_20(cbs):
    for _ in range(21):
        create_policy(cbs, [{"DayOfWeek": [1], "Hour": [1]}])
    out = policies(cbs)
    assert (out["TotalCount"], len(out["AutoSnapshotPolicySet"])) == (21, 20)


def test_policies_are_per_account_and_region(cbs, peer_cbs, make_client):
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": [1], "Hour": [1]}])
    assert policy_ids(peer_cbs) == []
    assert policy_ids(make_client(region="ap-beijing")) == []
    expect_error("InvalidAutoSnapshotPolicyId.NotFound", peer_cbs.call, "ModifyAutoSnapshotPolicyAttribute",
                 AutoSnapshotPolicyId=policy_id, AutoSnapshotPolicyName="stolen")
    expect_error("InvalidAutoSnapshotPolicyId.NotFound", peer_cbs.call, "DeleteAutoSnapshotPolicies",
                 AutoSnapshotPolicyIds=[policy_id])
    assert policy(cbs, policy_id)["AutoSnapshotPolicyName"] == "Not named"


# ------------------------------------------------------------ ModifyAutoSnapshotPolicyAttribute


def test_modify_policy_attributes(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}])

    def modify(**params):
        return cbs.call("ModifyAutoSnapshotPolicyAttribute", AutoSnapshotPolicyId=policy_id, **params)

    modify(AutoSnapshotPolicyName="renamed")
    p = policy(cbs, policy_id)
    assert (p["AutoSnapshotPolicyName"], p["RetentionDays"], p["IsActivated"]) == ("renamed", 7, True)

    modify(IsActivated=False)
    p = policy(cbs, policy_id)
    assert (p["IsActivated"], p["NextTriggerTime"]) == (False, "")
    modify(IsActivated=True)
    assert policy(cbs, policy_id)["NextTriggerTime"] == "2026-11-22 23:00:00"

    modify(Policy=[{"DayOfMonth": [5], "Hour": [6]}])
    p = policy(cbs, policy_id)
    assert p["Policy"] == [{"DayOfMonth": [5], "Hour": [6], "DayOfWeek": None, "IntervalDays": None}]
    assert p["NextTriggerTime"] == "2026-12-05 06:00:00"

    modify(RetentionDays=14)
    assert (policy(cbs, policy_id)["RetentionDays"], policy(cbs, policy_id)["IsPermanent"]) == (14, False)
    modify(IsPermanent=True)
    assert policy(cbs, policy_id)["IsPermanent"] is True
    modify(RetentionDays=3)
    p = policy(cbs, policy_id)
    assert (p["IsPermanent"], p["RetentionDays"]) == (False, 3)

    expect_error("InvalidParameter", modify, IsPermanent=True, RetentionDays=5)
    with pytest.raises(TencentCloudSDKException) as info:
        modify(Policy=[{"DayOfWeek": [9], "Hour": [1]}])
    assert info.value.code in ("InvalidParameter", "InvalidParameterValue"), info.value.code
    p = policy(cbs, policy_id)
    assert (p["IsPermanent"], p["RetentionDays"], p["Policy"][0]["DayOfMonth"]) == (False, 3, [5])
    assert p["AutoSnapshotPolicyName"] == "renamed", "omitted attributes stay as they were"

    expect_error("InvalidAutoSnapshotPolicyId.NotFound", cbs.call, "ModifyAutoSnapshotPolicyAttribute",
                 AutoSnapshotPolicyId="asp-nosuch00", IsActivated=False)


# ------------------------------------------------------------------- DeleteAutoSnapshotPolicies


def test_delete_policies_all_or_nothing_and_unbinds(cbs, twin):
    a, _ = create_policy(cbs, [{"DayOfWeek": [1], "Hour": [1]}])
    b, _ = create_policy(cbs, [{"DayOfWeek": [2], "Hour": [2]}])
    bind(cbs, a, "disk-cloudtw1")
    expect_error("InvalidAutoSnapshotPolicyId.NotFound", cbs.call, "DeleteAutoSnapshotPolicies",
                 AutoSnapshotPolicyIds=[a, "asp-nosuch00"])
    assert set(policy_ids(cbs)) == {a, b}
    assert cbs.describe(DiskIds=["disk-cloudtw1"], ReturnBindAutoSnapshotPolicy=True)["DiskSet"][0][
        "AutoSnapshotPolicyIds"] == [a]

    cbs.call("DeleteAutoSnapshotPolicies", AutoSnapshotPolicyIds=[a])
    assert policy_ids(cbs) == [b]
    d = cbs.describe(DiskIds=["disk-cloudtw1"], ReturnBindAutoSnapshotPolicy=True)["DiskSet"][0]
    assert d["AutoSnapshotPolicyIds"] == []
    assoc = cbs.call("DescribeDiskAssociatedAutoSnapshotPolicy", DiskId="disk-cloudtw1")
    assert (assoc["TotalCount"], assoc["AutoSnapshotPolicySet"]) == (0, [])
    expect_error("InvalidAutoSnapshotPolicyId.NotFound", bind, cbs, a, "disk-cloudtw1")
    expect_error("InvalidAutoSnapshotPolicyId.NotFound", cbs.call, "DeleteAutoSnapshotPolicies",
                 AutoSnapshotPolicyIds=[a])


# ---------------------------------------------------------------------------- Bind / Unbind


def test_bind_and_unbind(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}], AutoSnapshotPolicyName="nightly")
    bind(cbs, policy_id, "disk-cloudtw1", "disk-cloudtw2")
    p = policy(cbs, policy_id)
    assert sorted(p["DiskIdSet"]) == ["disk-cloudtw1", "disk-cloudtw2"]
    assert p["InstanceIdSet"] == ["ins-cloudtw1"]  # only disk-cloudtw1 is attached

    found = cbs.describe(DiskIds=["disk-cloudtw1", "disk-cloudtw2"], ReturnBindAutoSnapshotPolicy=True)["DiskSet"]
    assert {d["DiskId"]: d["AutoSnapshotPolicyIds"] for d in found} == {
        "disk-cloudtw1": [policy_id], "disk-cloudtw2": [policy_id]}
    assoc = cbs.call("DescribeDiskAssociatedAutoSnapshotPolicy", DiskId="disk-cloudtw2")
    assert assoc["TotalCount"] == 1
    (item,) = assoc["AutoSnapshotPolicySet"]
    assert (item["AutoSnapshotPolicyId"], item["AutoSnapshotPolicyName"], item["NextTriggerTime"]) == (
        policy_id, "nightly", "2026-11-22 23:00:00")
    assert sorted(item["DiskIdSet"]) == ["disk-cloudtw1", "disk-cloudtw2"]
    assert cbs.call("DescribeDiskAssociatedAutoSnapshotPolicy", DiskId="disk-sysweb01")["TotalCount"] == 0

    # Rejections leave the bindings as they were.
    expect_error("InvalidDisk.AlreadyBound", bind, cbs, policy_id, "disk-cloudtw1")
    expect_error("InvalidDiskId.NotFound", bind, cbs, policy_id, "disk-sysweb01", "disk-nosuch00")
    expect_error("InvalidParameterValue.LimitExceeded", bind, cbs, policy_id,
                 *[f"disk-x{i:07d}" for i in range(81)])
    expect_error("InvalidAutoSnapshotPolicyId.NotFound", bind, cbs, "asp-nosuch00", "disk-sysweb01")
    assert sorted(policy(cbs, policy_id)["DiskIdSet"]) == ["disk-cloudtw1", "disk-cloudtw2"]

    # Unbind: disks not bound are skipped, unknown disks are an error.
    unbind(cbs, policy_id, "disk-cloudtw2", "disk-sysweb01")
    assert policy(cbs, policy_id)["DiskIdSet"] == ["disk-cloudtw1"]
    assert cbs.call("DescribeDiskAssociatedAutoSnapshotPolicy", DiskId="disk-cloudtw2")["TotalCount"] == 0
    expect_error("InvalidDiskId.NotFound", unbind, cbs, policy_id, "disk-cloudtw1", "disk-nosuch00")
    assert policy(cbs, policy_id)["DiskIdSet"] == ["disk-cloudtw1"]
    expect_error("InvalidAutoSnapshotPolicyId.NotFound", unbind, cbs, "asp-nosuch00", "disk-cloudtw1")
    unbind(cbs, policy_id, "disk-cloudtw1")
    p = policy(cbs, policy_id)
    assert (p["DiskIdSet"], p["InstanceIdSet"]) == ([], [])

    # The disks' operation logs show the bindings.
    ops = [l["Operation"] for l in cbs.op_logs("disk-cloudtw2")]
    assert ops == ["ASP_OPERATION_BIND", "ASP_OPERATION_UNBIND"]
    assert [l["Operation"] for l in cbs.op_logs("disk-cloudtw1")] == ["ASP_OPERATION_BIND", "ASP_OPERATION_UNBIND"]
    assert [l["Operation"] for l in cbs.op_logs("disk-sysweb01")] == []


def test_bind_80_disks_in_one_request_is_allowed(cbs, twin):
    twin.timing("immediate")
    ids = cbs.create(size=10, DiskCount=40) + cbs.create(size=10, DiskCount=40)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": [1], "Hour": [1]}])
    bind(cbs, policy_id, *ids)
    assert sorted(policy(cbs, policy_id)["DiskIdSet"]) == sorted(ids)


def test_a_disk_can_be_bound_to_two_policies(cbs):
    a, _ = create_policy(cbs, [{"DayOfWeek": [1], "Hour": [1]}])
    b, _ = create_policy(cbs, [{"DayOfWeek": [2], "Hour": [2]}])
    bind(cbs, a, "disk-cloudtw1")
    bind(cbs, b, "disk-cloudtw1")
    assoc = cbs.call("DescribeDiskAssociatedAutoSnapshotPolicy", DiskId="disk-cloudtw1")
    assert assoc["TotalCount"] == 2
    assert {p["AutoSnapshotPolicyId"] for p in assoc["AutoSnapshotPolicySet"]} == {a, b}


# ---------------------------------------------------------------------------------- firing


def test_daily_policy_keeps_exactly_the_snapshots_within_retention(cbs, twin):
    """The issue's acceptance test: a policy at 23:00 every day, 3 days' retention, two attached
    disks, ten days of virtual time."""
    twin.set_clock(T0)  # 2026-11-22 10:00:00 UTC+8
    disks = attached_disks(cbs, twin, 2)
    policy_id, next_time = create_policy(
        cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}], AutoSnapshotPolicyName="nightly", RetentionDays=3)
    assert next_time == "2026-11-22 23:00:00"
    bind(cbs, policy_id, *disks)
    assert policy(cbs, policy_id)["InstanceIdSet"] == ["ins-cloudtw1"]
    start = twin.clock()["now_ms"] / 1000
    assert tc_time(start).startswith("2026-11-22 10:00:")

    first_ids = None
    for day in range(1, 11):
        twin.advance(DAY)  # now 2026-11-(22+day) 10:00:xx
        # Triggers so far: 23:00 on days 0 .. day-1. A snapshot taken on day D is deleted at
        # D+3 23:00, so only those from the last three triggers are left.
        kept = range(max(0, day - 3), day)
        for disk_id in disks:
            assert names(cbs, disk_id) == [f"auto_{disk_id}_{day_stamp(d)}_23" for d in kept], (day, disk_id)
        if day == 1:
            first_ids = {s["DiskId"]: s["SnapshotId"] for s in disk_snapshots(cbs, *disks)}
        assert policy(cbs, policy_id)["NextTriggerTime"] == f"{day_text(day)} 23:00:00"

    # At 2026-12-02 10:00 the snapshots of Nov 29, Nov 30 and Dec 1 remain, for each disk.
    now = twin.clock()["now_ms"] / 1000
    assert tc_time(now).startswith("2026-12-02 10:00:")
    every = disk_snapshots(cbs, *disks)
    assert len(every) == 6
    assert all(re.fullmatch(r"snap-[a-z0-9]{8}", s["SnapshotId"]) for s in every)
    assert len({s["SnapshotId"] for s in every}) == 6
    expected = {
        f"auto_{disk_id}_{stamp}_23"
        for disk_id in disks
        for stamp in ("20261129", "20261130", "20261201")
    }
    assert {s["SnapshotName"] for s in every} == expected
    for s in every:
        disk_id = s["DiskId"]
        assert disk_id in disks
        stamp = s["SnapshotName"].split("_")[-2]
        day = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"
        assert s["SnapshotName"] == f"auto_{disk_id}_{stamp}_23"
        assert s["CreateTime"] == f"{day} 23:00:00"
        created = parse_tc_time(s["CreateTime"])
        assert s["DeadlineTime"] == tc_time(created + 3 * DAY)
        assert (s["SnapshotState"], s["Percent"], s["IsPermanent"]) == ("NORMAL", 100, False)
        assert (s["DiskSize"], s["DiskUsage"], s["SnapshotType"]) == (20, "DATA_DISK", "PRIVATE_SNAPSHOT")
        assert s["Placement"]["Zone"] == ZONE
        assert now - created < 3 * DAY, "nothing older than the retention survives"
        assert parse_tc_time(s["DeadlineTime"]) > now
    for disk_id in disks:
        d = cbs.disk(disk_id)
        assert (d["SnapshotCount"], d["SnapshotSize"]) == (3, 3 * 20 * 1024)
    # Disks not bound to the policy got nothing.
    assert disk_snapshots(cbs, "disk-cloudtw1", "disk-sysweb01") == []
    assert policy(cbs, policy_id)["NextTriggerTime"] == "2026-12-02 23:00:00"

    # The operation log of the very first automatic snapshot: taken, then expired.
    for disk_id, snap_id in first_ids.items():
        logs = snap_logs(cbs, snap_id)
        assert [(l["Operation"], l["OperationState"], l["StartTime"]) for l in logs] == [
            ("ASP_OPERATION_CREATE_SNAP", "SUCCESS", "2026-11-22 23:00:00"),
            ("ASP_OPERATION_DELETE_SNAP", "SUCCESS", "2026-11-25 23:00:00"),
        ]
    (latest,) = [s for s in every if s["SnapshotName"] == f"auto_{disks[0]}_20261201_23"]
    assert [(l["Operation"], l["OperationState"]) for l in snap_logs(cbs, latest["SnapshotId"])] == [
        ("ASP_OPERATION_CREATE_SNAP", "SUCCESS")]


def test_ten_days_in_one_jump_gives_the_same_result(cbs, twin):
    twin.set_clock(T0)
    twin.timing("immediate")
    (disk_id,) = cbs.create(size=20)
    cbs.call("AttachDisks", DiskIds=[disk_id], InstanceId="ins-cloudtw1")
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}], RetentionDays=3)
    bind(cbs, policy_id, disk_id)
    twin.timing("realistic", seconds=1)
    twin.advance(10 * DAY)
    assert names(cbs, disk_id) == [f"auto_{disk_id}_{s}_23" for s in ("20261129", "20261130", "20261201")]
    assert [s["CreateTime"] for s in disk_snapshots(cbs, disk_id)] == [
        "2026-11-29 23:00:00", "2026-11-30 23:00:00", "2026-12-01 23:00:00"]


def test_unattached_bound_disk_gets_no_automatic_snapshots(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}])
    # disk-cloudtw1 is attached to the running ins-cloudtw1; disk-cloudtw2 is unattached.
    bind(cbs, policy_id, "disk-cloudtw1", "disk-cloudtw2")
    for _ in range(3):
        twin.advance(DAY)
    assert names(cbs, "disk-cloudtw2") == []
    assert cbs.disk("disk-cloudtw2")["SnapshotCount"] == 0
    assert names(cbs, "disk-cloudtw1") == [
        f"auto_disk-cloudtw1_{s}_23" for s in ("20261122", "20261123", "20261124")]

    # Attached later, it joins in from the next trigger on.
    twin.timing("immediate")
    cbs.call("AttachDisks", DiskIds=["disk-cloudtw2"], InstanceId="ins-cloudtw1")
    twin.advance(DAY)
    assert names(cbs, "disk-cloudtw2") == ["auto_disk-cloudtw2_20261125_23"]
    # Detached again, it stops.
    cbs.call("DetachDisks", DiskIds=["disk-cloudtw2"])
    twin.advance(DAY)
    assert names(cbs, "disk-cloudtw2") == ["auto_disk-cloudtw2_20261125_23"]
    assert len(names(cbs, "disk-cloudtw1")) == 5


def test_system_disk_is_snapshotted_only_while_its_instance_runs(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [12]}])
    # disk-sysweb01: ins-cloudtw1 RUNNING. disk-sysdb001: ins-cloudtw2 STOPPED.
    bind(cbs, policy_id, "disk-sysweb01", "disk-sysdb001")
    twin.advance(DAY)
    assert names(cbs, "disk-sysweb01") == ["auto_disk-sysweb01_20261122_12"]
    assert names(cbs, "disk-sysdb001") == []
    (s,) = disk_snapshots(cbs, "disk-sysweb01")
    assert (s["DiskUsage"], s["DiskSize"]) == ("SYSTEM_DISK", 50)


def test_deactivating_stops_automatic_snapshots(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}])
    bind(cbs, policy_id, "disk-cloudtw1")
    twin.advance(DAY)
    assert names(cbs, "disk-cloudtw1") == ["auto_disk-cloudtw1_20261122_23"]

    cbs.call("ModifyAutoSnapshotPolicyAttribute", AutoSnapshotPolicyId=policy_id, IsActivated=False)
    assert policy(cbs, policy_id)["NextTriggerTime"] == ""
    for _ in range(3):
        twin.advance(DAY)
    assert names(cbs, "disk-cloudtw1") == ["auto_disk-cloudtw1_20261122_23"]

    # Reactivated on 2026-11-26 at 10:00: it fires again from that evening.
    cbs.call("ModifyAutoSnapshotPolicyAttribute", AutoSnapshotPolicyId=policy_id, IsActivated=True)
    assert policy(cbs, policy_id)["NextTriggerTime"] == "2026-11-26 23:00:00"
    twin.advance(DAY)
    assert names(cbs, "disk-cloudtw1") == ["auto_disk-cloudtw1_20261122_23", "auto_disk-cloudtw1_20261126_23"]


def test_created_deactivated_policy_does_not_fire(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}], IsActivated=False)
    bind(cbs, policy_id, "disk-cloudtw1")
    twin.advance(2 * DAY)
    assert names(cbs, "disk-cloudtw1") == []


def test_unbinding_and_deleting_stop_automatic_snapshots(cbs, twin):
    twin.set_clock(T0)
    twin.timing("immediate")
    (extra,) = cbs.create(size=20)
    cbs.call("AttachDisks", DiskIds=[extra], InstanceId="ins-cloudtw1")
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}])
    bind(cbs, policy_id, "disk-cloudtw1", extra)
    twin.advance(DAY)
    unbind(cbs, policy_id, extra)
    twin.advance(DAY)
    assert len(names(cbs, "disk-cloudtw1")) == 2
    assert names(cbs, extra) == [f"auto_{extra}_20261122_23"]
    cbs.call("DeleteAutoSnapshotPolicies", AutoSnapshotPolicyIds=[policy_id])
    twin.advance(2 * DAY)
    assert len(names(cbs, "disk-cloudtw1")) == 2
    # The snapshots it took keep their deadlines (7 days by default).
    twin.advance(3 * DAY)  # 2026-11-29 10:00: the first one goes at 23:00 tonight
    assert len(names(cbs, "disk-cloudtw1")) == 2
    twin.advance(DAY)
    assert names(cbs, "disk-cloudtw1") == ["auto_disk-cloudtw1_20261123_23"]
    twin.advance(DAY)
    assert names(cbs, "disk-cloudtw1") == []


def test_weekly_policy_fires_on_its_day_and_hour_only(cbs, twin):
    twin.set_clock(T0)  # Sunday
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": [3], "Hour": [2]}], RetentionDays=30)  # Wednesdays 02:00
    bind(cbs, policy_id, "disk-cloudtw1")
    twin.advance(10 * DAY)  # to Wednesday 2026-12-02 10:00
    assert names(cbs, "disk-cloudtw1") == [
        "auto_disk-cloudtw1_20261125_02", "auto_disk-cloudtw1_20261202_02"]
    assert [s["CreateTime"] for s in disk_snapshots(cbs, "disk-cloudtw1")] == [
        "2026-11-25 02:00:00", "2026-12-02 02:00:00"]
    assert [s["DeadlineTime"] for s in disk_snapshots(cbs, "disk-cloudtw1")] == [
        "2026-12-25 02:00:00", "2027-01-01 02:00:00"]
    assert policy(cbs, policy_id)["NextTriggerTime"] == "2026-12-09 02:00:00"


def test_policy_with_two_hours_a_day(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [22, 11]}], RetentionDays=1)
    bind(cbs, policy_id, "disk-cloudtw1")
    twin.advance(DAY)  # 2026-11-23 10:00: 11:00 and 22:00 of the 22nd fired; none has expired
    assert names(cbs, "disk-cloudtw1") == ["auto_disk-cloudtw1_20261122_11", "auto_disk-cloudtw1_20261122_22"]
    twin.advance(2 * 3600)  # 12:00: the 22nd's 11:00 snapshot expired at 11:00, today's 11:00 is taken
    assert names(cbs, "disk-cloudtw1") == ["auto_disk-cloudtw1_20261122_22", "auto_disk-cloudtw1_20261123_11"]


def test_permanent_policy_snapshots_never_expire(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}], IsPermanent=True)
    bind(cbs, policy_id, "disk-cloudtw1")
    twin.advance(DAY)
    (s,) = disk_snapshots(cbs, "disk-cloudtw1")
    assert (s["IsPermanent"], s["DeadlineTime"]) == (True, "")
    twin.advance(30 * DAY)
    assert len(names(cbs, "disk-cloudtw1")) == 31
    assert names(cbs, "disk-cloudtw1")[0] == "auto_disk-cloudtw1_20261122_23"


def test_retention_change_applies_to_later_snapshots(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}], RetentionDays=7)
    bind(cbs, policy_id, "disk-cloudtw1")
    twin.advance(DAY)
    cbs.call("ModifyAutoSnapshotPolicyAttribute", AutoSnapshotPolicyId=policy_id, RetentionDays=1)
    twin.advance(DAY)
    got = {s["SnapshotName"]: s["DeadlineTime"] for s in disk_snapshots(cbs, "disk-cloudtw1")}
    assert got == {
        "auto_disk-cloudtw1_20261122_23": "2026-11-29 23:00:00",
        "auto_disk-cloudtw1_20261123_23": "2026-11-24 23:00:00",
    }


def test_automatic_snapshot_made_permanent_outlives_the_retention(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}], RetentionDays=1)
    bind(cbs, policy_id, "disk-cloudtw1")
    twin.advance(DAY)
    (s,) = disk_snapshots(cbs, "disk-cloudtw1")
    cbs.call("ModifySnapshotAttribute", SnapshotId=s["SnapshotId"], IsPermanent=True)
    twin.advance(3 * DAY)
    assert names(cbs, "disk-cloudtw1") == ["auto_disk-cloudtw1_20261122_23", "auto_disk-cloudtw1_20261125_23"]


def test_automatic_snapshot_can_be_deleted_by_hand(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}])
    bind(cbs, policy_id, "disk-cloudtw1")
    twin.advance(DAY)
    (s,) = disk_snapshots(cbs, "disk-cloudtw1")
    cbs.call("DeleteSnapshots", SnapshotIds=[s["SnapshotId"]])
    assert names(cbs, "disk-cloudtw1") == []
    # Its expiry later is harmless, and the schedule goes on.
    twin.advance(8 * DAY)
    assert len(names(cbs, "disk-cloudtw1")) == 7
    with pytest.raises(TencentCloudSDKException):
        cbs.call("DeleteSnapshots", SnapshotIds=[s["SnapshotId"]])


def test_changing_the_schedule_replaces_the_pending_trigger(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}])
    bind(cbs, policy_id, "disk-cloudtw1")
    cbs.call("ModifyAutoSnapshotPolicyAttribute", AutoSnapshotPolicyId=policy_id,
             Policy=[{"DayOfWeek": EVERY_DAY, "Hour": [12]}])
    assert policy(cbs, policy_id)["NextTriggerTime"] == "2026-11-22 12:00:00"
    twin.advance(DAY)
    assert names(cbs, "disk-cloudtw1") == ["auto_disk-cloudtw1_20261122_12"], "the old 23:00 trigger must not fire"
    # Renaming (or any other modify) does not make it fire twice either.
    cbs.call("ModifyAutoSnapshotPolicyAttribute", AutoSnapshotPolicyId=policy_id, AutoSnapshotPolicyName="x")
    cbs.call("ModifyAutoSnapshotPolicyAttribute", AutoSnapshotPolicyId=policy_id, RetentionDays=10)
    twin.advance(DAY)
    assert names(cbs, "disk-cloudtw1") == ["auto_disk-cloudtw1_20261122_12", "auto_disk-cloudtw1_20261123_12"]


def test_interval_days_policy_counts_from_its_creation_day(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"IntervalDays": 3, "Hour": [11]}], IsPermanent=True)
    bind(cbs, policy_id, "disk-cloudtw1")
    twin.advance(8 * DAY)  # to 2026-11-30 10:00
    assert names(cbs, "disk-cloudtw1") == [
        f"auto_disk-cloudtw1_{stamp}_11" for stamp in ("20261122", "20261125", "20261128")]
    assert policy(cbs, policy_id)["NextTriggerTime"] == "2026-12-01 11:00:00"


def test_day_of_month_policy_skips_months_without_that_day(cbs, twin):
    twin.set_clock(T0)
    policy_id, _ = create_policy(cbs, [{"DayOfMonth": [31], "Hour": [2]}], IsPermanent=True)
    bind(cbs, policy_id, "disk-cloudtw1")
    for _ in range(10):
        twin.advance(10 * DAY)  # to 2027-03-02 10:00
    assert names(cbs, "disk-cloudtw1") == [
        "auto_disk-cloudtw1_20261231_02", "auto_disk-cloudtw1_20270131_02"]
    assert policy(cbs, policy_id)["NextTriggerTime"] == "2027-03-31 02:00:00"


def test_automatic_snapshot_is_creating_then_normal_with_its_log(cbs, twin):
    twin.set_clock(T0)
    twin.timing("duration", seconds=600)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}])
    bind(cbs, policy_id, "disk-cloudtw1")
    twin.advance(13 * 3600)  # 23:00:00 exactly: the trigger fires
    (s,) = disk_snapshots(cbs, "disk-cloudtw1")
    assert (s["SnapshotState"], s["CreateTime"]) == ("CREATING", "2026-11-22 23:00:00")
    assert s["Percent"] < 100
    assert [(l["Operation"], l["OperationState"], l["EndTime"]) for l in snap_logs(cbs, s["SnapshotId"])] == [
        ("ASP_OPERATION_CREATE_SNAP", "PROCESSING", "")]
    expect_error("InvalidDisk.SnapshotCreating", cbs.call, "CreateSnapshot", DiskId="disk-cloudtw1")
    twin.advance(300)
    mid = disk_snapshots(cbs, "disk-cloudtw1")[0]
    assert mid["SnapshotState"] == "CREATING"
    assert s["Percent"] < mid["Percent"] < 100
    twin.advance(300)
    (s,) = disk_snapshots(cbs, "disk-cloudtw1")
    assert (s["SnapshotState"], s["Percent"]) == ("NORMAL", 100)
    (log,) = snap_logs(cbs, s["SnapshotId"])
    assert (log["OperationState"], log["StartTime"], log["EndTime"]) == (
        "SUCCESS", "2026-11-22 23:00:00", "2026-11-22 23:10:00")


def test_disk_associated_policy_of_unknown_disk(cbs):
    expect_error("InvalidDiskId.NotFound", cbs.call, "DescribeDiskAssociatedAutoSnapshotPolicy",
                 DiskId="disk-nosuch00")


def test_terminated_disk_leaves_the_policy(cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create(size=20)
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": [1], "Hour": [1]}])
    bind(cbs, policy_id, disk_id, "disk-cloudtw1")
    cbs.call("TerminateDisks", DiskIds=[disk_id])
    assert policy(cbs, policy_id)["DiskIdSet"] == ["disk-cloudtw1"]


def test_elastic_disk_on_a_stopped_instance_is_in_use(cbs, twin):
    """Only an unmounted elastic disk (or a non-elastic disk whose server is off) is skipped."""
    twin.set_clock(T0)
    twin.timing("immediate")
    (disk_id,) = cbs.create(size=20)
    cbs.call("AttachDisks", DiskIds=[disk_id], InstanceId="ins-cloudtw2")  # STOPPED
    policy_id, _ = create_policy(cbs, [{"DayOfWeek": EVERY_DAY, "Hour": [23]}])
    bind(cbs, policy_id, disk_id)
    twin.advance(DAY)
    assert names(cbs, disk_id) == [f"auto_{disk_id}_20261122_23"]
