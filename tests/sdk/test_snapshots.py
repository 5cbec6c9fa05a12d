"""Snapshots through the official SDK: create, describe, delete, roll back, retain, share with
another account, copy to another region, the account overview and the operation log.

Async work (CreateSnapshot, ApplySnapshot, CopySnapshotCrossRegions) is observed by polling
DescribeSnapshots / DescribeDisks while the test moves the twin's virtual clock forward.
"""

import datetime
import math
import re

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from twin_support import (
    TC_TIME,
    DEFAULT_UIN,
    PEER_UIN,
    ZONE,
    expect_error,
    parse_tc_time,
    poll_disk,
    tc_time,
)

SNAP_ID = re.compile(r"^snap-[a-z0-9]{8}$")

#: The 20 documented fields of the Snapshot structure.
SNAPSHOT_FIELDS = (
    "SnapshotId", "SnapshotName", "SnapshotState", "SnapshotType", "DiskId", "DiskSize", "DiskUsage",
    "Placement", "Percent", "IsPermanent", "DeadlineTime", "CreateTime", "Encrypt", "CopyFromRemote",
    "CopyingToRegions", "Images", "ImageCount", "ShareReference", "TimeStartShare", "Tags",
)

# 2026-11-22 10:00:00 in UTC+8 (a Sunday).
T0 = 1_795_312_800
DAY = 86_400


def iso(unix_secs):
    """The ISO-8601 UTC form CreateSnapshot/ModifySnapshotAttribute take for Deadline."""
    return datetime.datetime.fromtimestamp(int(unix_secs), datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S+00:00")


def snapshots(cbs, **params):
    return cbs.call("DescribeSnapshots", **params)


def snapshot(cbs, snap_id):
    """The snapshot as DescribeSnapshots lists it by id, or None."""
    found = snapshots(cbs, SnapshotIds=[snap_id])["SnapshotSet"]
    assert len(found) <= 1
    return found[0] if found else None


def snap_ids(cbs, **params):
    params.setdefault("Limit", 100)
    return [s["SnapshotId"] for s in snapshots(cbs, **params)["SnapshotSet"]]


def create_snapshot(cbs, disk_id, **params):
    snap_id = cbs.call("CreateSnapshot", DiskId=disk_id, **params)["SnapshotId"]
    assert SNAP_ID.match(snap_id), snap_id
    return snap_id


def poll_snapshot(cbs, twin, snap_id, done, max_polls=10, step=1):
    """Poll DescribeSnapshots until done(snapshot); returns (snapshot, states seen)."""
    seen = []
    for _ in range(max_polls):
        s = snapshot(cbs, snap_id)
        seen.append(s["SnapshotState"] if s else None)
        if s is not None and done(s):
            return s, seen
        twin.advance(step)
    pytest.fail(f"{snap_id} never reached the expected state; saw {seen}")


def normal_snapshot(cbs, twin, disk_id, **params):
    """CreateSnapshot and poll until NORMAL."""
    snap_id = create_snapshot(cbs, disk_id, **params)
    poll_snapshot(cbs, twin, snap_id, lambda s: s["SnapshotState"] == "NORMAL")
    return snap_id


def snap_logs(cbs, snap_id, **window):
    resp = cbs.call_json(
        "DescribeSnapshotOperationLogs",
        {"Filters": [{"Name": "snapshot-id", "Values": [snap_id]}], **window},
    )
    return resp["SnapshotOperationLogSet"]


def distinct(seq):
    """Collapse consecutive repeats: [a, a, b, b, c] -> [a, b, c]."""
    out = []
    for x in seq:
        if not out or out[-1] != x:
            out.append(x)
    return out


# ------------------------------------------------------------------------- the flow


def test_snapshot_create_normal_disk_from_snapshot_apply_delete(cbs, twin):
    twin.set_clock(T0)
    disk_id = "disk-cloudtw2"  # unattached CLOUD_SSD 200 GB in ap-guangzhou-3

    # CreateSnapshot: CREATING with Percent below 100 ...
    snap_id = create_snapshot(cbs, disk_id, SnapshotName="before-upgrade")
    s = snapshot(cbs, snap_id)
    assert s["SnapshotState"] == "CREATING"
    assert 0 <= s["Percent"] < 100
    # ... only one snapshot of a disk can be in flight, and it cannot be deleted yet.
    expect_error("InvalidDisk.SnapshotCreating", cbs.call, "CreateSnapshot", DiskId=disk_id)
    expect_error("ResourceUnavailable.SnapshotCreating", cbs.call, "DeleteSnapshots", SnapshotIds=[snap_id])
    # ... Percent rises while it is created ...
    twin.advance(0.5)
    s2 = snapshot(cbs, snap_id)
    assert s2["SnapshotState"] == "CREATING"
    assert s["Percent"] < s2["Percent"] < 100
    # ... then NORMAL at 100.
    twin.advance(0.5)
    s = snapshot(cbs, snap_id)
    assert {k: s[k] for k in SNAPSHOT_FIELDS} == {
        "SnapshotId": snap_id,
        "SnapshotName": "before-upgrade",
        "SnapshotState": "NORMAL",
        "SnapshotType": "PRIVATE_SNAPSHOT",
        "DiskId": disk_id,
        "DiskSize": 200,
        "DiskUsage": "DATA_DISK",
        "Placement": s["Placement"],
        "Percent": 100,
        "IsPermanent": True,
        "DeadlineTime": "",
        "CreateTime": "2026-11-22 10:00:00",
        "Encrypt": False,
        "CopyFromRemote": False,
        "CopyingToRegions": [],
        "Images": [],
        "ImageCount": 0,
        "ShareReference": 0,
        "TimeStartShare": "",
        "Tags": [],
    }
    assert (s["Placement"]["Zone"], s["Placement"]["ProjectId"]) == (ZONE, 0)
    d = cbs.disk(disk_id)
    assert (d["SnapshotCount"], d["SnapshotSize"]) == (1, 200 * 1024)

    # CreateDisks from the snapshot: the size defaults to the snapshot's.
    (copy_id,) = cbs.create(size=None, disk_type="CLOUD_SSD", SnapshotId=snap_id, DiskName="from-snap")
    copy, _ = poll_disk(cbs, twin, copy_id, lambda d: d is not None)
    assert (copy["DiskState"], copy["DiskSize"], copy["DiskName"]) == ("UNATTACHED", 200, "from-snap")
    # A larger disk is fine, a smaller one is not.
    (bigger,) = cbs.create(size=300, disk_type="CLOUD_SSD", SnapshotId=snap_id)
    big, _ = poll_disk(cbs, twin, bigger, lambda d: d is not None)
    assert big["DiskSize"] == 300
    expect_error("InvalidParameterValue", cbs.create, size=100, disk_type="CLOUD_SSD", SnapshotId=snap_id)

    # ApplySnapshot: disk and snapshot ROLLBACKING, RollbackPercent rising, then back.
    cbs.call("ApplySnapshot", SnapshotId=snap_id, DiskId=disk_id)
    d = cbs.disk(disk_id)
    assert (d["DiskState"], d["Rollbacking"]) == ("ROLLBACKING", True)
    assert 0 <= d["RollbackPercent"] < 100
    assert snapshot(cbs, snap_id)["SnapshotState"] == "ROLLBACKING"
    expect_error("ResourceInUse.DiskRollbacking", cbs.call, "ApplySnapshot", SnapshotId=snap_id, DiskId=disk_id)
    twin.advance(0.5)
    d2 = cbs.disk(disk_id)
    assert d2["Rollbacking"] is True
    assert d["RollbackPercent"] < d2["RollbackPercent"] < 100
    d, seen = poll_disk(cbs, twin, disk_id, lambda d: d["DiskState"] != "ROLLBACKING")
    assert (d["DiskState"], d["Rollbacking"], d["RollbackPercent"]) == ("UNATTACHED", False, 100)
    assert snapshot(cbs, snap_id)["SnapshotState"] == "NORMAL"

    # DeleteSnapshots: gone, and the disk's counters drop back.
    cbs.call("DeleteSnapshots", SnapshotIds=[snap_id])
    assert snapshot(cbs, snap_id) is None
    d = cbs.disk(disk_id)
    assert (d["SnapshotCount"], d["SnapshotSize"]) == (0, 0)
    expect_error("InvalidSnapshotId.NotFound", cbs.call, "DeleteSnapshots", SnapshotIds=[snap_id])
    expect_error("InvalidSnapshotId.NotFound", cbs.call, "ApplySnapshot", SnapshotId=snap_id, DiskId=disk_id)

    # The (deprecated) operation log recorded each step.
    logs = snap_logs(cbs, snap_id)
    assert [(l["Operation"], l["OperationState"]) for l in logs] == [
        ("SNAP_OPERATION_CREATE", "SUCCESS"),
        ("SNAP_OPERATION_ROLLBACK", "SUCCESS"),
        ("SNAP_OPERATION_DELETE", "SUCCESS"),
    ]
    for log in logs:
        assert log["SnapshotId"] == snap_id
        assert log["Operator"] == DEFAULT_UIN
        assert TC_TIME.match(log["StartTime"]) and TC_TIME.match(log["EndTime"])
        assert parse_tc_time(log["StartTime"]) <= parse_tc_time(log["EndTime"])
    assert logs[0]["StartTime"] == "2026-11-22 10:00:00"
    assert logs[0]["EndTime"] == "2026-11-22 10:00:01"


# ------------------------------------------------------------------------------ CreateSnapshot


def test_realistic_snapshot_needs_a_read_and_a_second(cbs, twin):
    twin.set_clock(T0)
    snap_id = create_snapshot(cbs, "disk-cloudtw1")
    twin.advance(3600)  # plenty of time, but nobody has looked yet
    assert snapshot(cbs, snap_id)["SnapshotState"] == "CREATING"  # the poller sees it in flight ...
    assert snapshot(cbs, snap_id)["SnapshotState"] == "NORMAL"  # ... and then it is done
    other = create_snapshot(cbs, "disk-cloudtw2")
    for _ in range(3):
        assert snapshot(cbs, other)["SnapshotState"] == "CREATING"  # read, but no time has passed
    twin.advance(1)
    assert snapshot(cbs, other)["SnapshotState"] == "NORMAL"


def test_create_snapshot_defaults_and_rejections(cbs, twin):
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw1")
    s = snapshot(cbs, snap_id)
    assert (s["SnapshotName"], s["SnapshotState"], s["IsPermanent"], s["DeadlineTime"]) == (
        "Unnamed", "NORMAL", True, "")
    assert (s["DiskId"], s["DiskSize"], s["DiskUsage"]) == ("disk-cloudtw1", 100, "DATA_DISK")

    expect_error("InvalidDiskId.NotFound", cbs.call, "CreateSnapshot", DiskId="disk-nosuch00")
    expect_error("InvalidParameterValue", cbs.call, "CreateSnapshot", DiskId="disk-cloudtw1", SnapshotName="x" * 61)
    # 60 bytes is the limit in bytes, not characters: 21 three-byte characters are 63 bytes.
    expect_error("InvalidParameterValue", cbs.call, "CreateSnapshot", DiskId="disk-cloudtw1", SnapshotName="快" * 21)
    create_snapshot(cbs, "disk-cloudtw1", SnapshotName="y" * 60)
    # A deadline must lie in the future.
    twin.set_clock(T0)
    expect_error("InvalidParameterValue", cbs.call, "CreateSnapshot", DiskId="disk-cloudtw1", Deadline=iso(T0 - 60))
    assert cbs.disk("disk-cloudtw1")["SnapshotCount"] == 2


def test_snapshot_of_another_accounts_disk_is_not_found(peer_cbs):
    expect_error("InvalidDiskId.NotFound", peer_cbs.call, "CreateSnapshot", DiskId="disk-cloudtw1")


def test_create_snapshot_with_tags(cbs, twin):
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw2", Tags=[{"Key": "env", "Value": "prod"}])
    assert snapshot(cbs, snap_id)["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_snapshot_count_and_size_follow_create_and_delete(cbs, twin):
    twin.timing("immediate")
    a = create_snapshot(cbs, "disk-cloudtw1")
    b = create_snapshot(cbs, "disk-cloudtw1")
    d = cbs.disk("disk-cloudtw1")
    assert (d["SnapshotCount"], d["SnapshotSize"]) == (2, 2 * 100 * 1024)
    assert cbs.disk("disk-cloudtw2")["SnapshotCount"] == 0
    cbs.call("DeleteSnapshots", SnapshotIds=[a])
    d = cbs.disk("disk-cloudtw1")
    assert (d["SnapshotCount"], d["SnapshotSize"]) == (1, 100 * 1024)
    cbs.call("DeleteSnapshots", SnapshotIds=[b])
    d = cbs.disk("disk-cloudtw1")
    assert (d["SnapshotCount"], d["SnapshotSize"]) == (0, 0)


def test_snapshot_quota_is_64_per_disk(cbs, twin):
    twin.timing("immediate")
    made = [create_snapshot(cbs, "disk-cloudtw2") for _ in range(64)]
    assert cbs.disk("disk-cloudtw2")["SnapshotCount"] == 64
    expect_error("InsufficientSnapshotQuota", cbs.call, "CreateSnapshot", DiskId="disk-cloudtw2")
    # The quota is per disk: another disk still has room, and deleting one frees a slot.
    create_snapshot(cbs, "disk-cloudtw1")
    cbs.call("DeleteSnapshots", SnapshotIds=made[:1])
    create_snapshot(cbs, "disk-cloudtw2")
    assert cbs.disk("disk-cloudtw2")["SnapshotCount"] == 64


def test_create_snapshot_with_deadline_is_deleted_when_it_expires(cbs, twin):
    twin.set_clock(T0)
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw2", Deadline=iso(T0 + 2 * DAY))
    s = snapshot(cbs, snap_id)
    assert s["IsPermanent"] is False
    assert s["DeadlineTime"] == "2026-11-24 10:00:00" == tc_time(T0 + 2 * DAY)
    twin.advance(2 * DAY - 1)
    assert snapshot(cbs, snap_id) is not None
    twin.advance(1)
    assert snapshot(cbs, snap_id) is None
    assert cbs.disk("disk-cloudtw2")["SnapshotCount"] == 0
    assert [(l["Operation"], l["StartTime"]) for l in snap_logs(cbs, snap_id)] == [
        ("SNAP_OPERATION_CREATE", "2026-11-22 10:00:00"),
        ("SNAP_OPERATION_DELETE", "2026-11-24 10:00:00"),
    ]


def test_create_snapshot_from_backup_point_releases_it(cbs, twin):
    twin.timing("immediate")
    disk_id = "disk-cloudtw2"
    cbs.call("ModifyDiskBackupQuota", DiskId=disk_id, DiskBackupQuota=1)
    backup = cbs.call("CreateDiskBackup", DiskId=disk_id)["DiskBackupId"]
    assert cbs.disk(disk_id)["DiskBackupCount"] == 1
    snap_id = create_snapshot(cbs, disk_id, DiskBackupId=backup, SnapshotName="from-backup")
    s = snapshot(cbs, snap_id)
    assert (s["SnapshotName"], s["DiskId"], s["SnapshotState"]) == ("from-backup", disk_id, "NORMAL")
    assert cbs.call("DescribeDiskBackups", DiskBackupIds=[backup])["TotalCount"] == 0
    d = cbs.disk(disk_id)
    assert (d["DiskBackupCount"], d["SnapshotCount"]) == (0, 1)
    # The quota is free again.
    cbs.call("CreateDiskBackup", DiskId=disk_id)


def test_create_snapshot_of_a_rolling_back_disk_is_refused(cbs, twin):
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw2")
    twin.timing("manual")
    cbs.call("ApplySnapshot", SnapshotId=snap_id, DiskId="disk-cloudtw2")
    expect_error("ResourceInUse.DiskRollbacking", cbs.call, "CreateSnapshot", DiskId="disk-cloudtw2")
    twin.complete_jobs()
    assert cbs.disk("disk-cloudtw2")["DiskState"] == "UNATTACHED"


# --------------------------------------------------------------------------- DescribeSnapshots


@pytest.fixture
def spread(cbs, twin):
    """Snapshots of several disks, 10 s apart: returns {label: snapshot id} in creation order."""
    twin.set_clock(T0)
    twin.timing("immediate")
    (zone4,) = cbs.create(zone="ap-guangzhou-4", size=20)
    (enc,) = cbs.create(size=30, Encrypt="ENCRYPT")
    cbs.call("ModifyDiskAttributes", DiskIds=["disk-cloudtw2"], ProjectId=1001)
    made = {}
    for label, disk_id, name in [
        ("data1", "disk-cloudtw1", "alpha"),
        ("data2", "disk-cloudtw2", "beta"),
        ("system", "disk-sysweb01", "gamma"),
        ("zone4", zone4, "alpha"),
        ("enc", enc, "delta"),
    ]:
        made[label] = create_snapshot(cbs, disk_id, SnapshotName=name)
        twin.advance(10)
    return made


def test_describe_snapshots_filters(cbs, spread):
    s = spread

    def by(name, *values):
        return set(snap_ids(cbs, Filters=[{"Name": name, "Values": list(values)}]))

    assert by("snapshot-id", s["data1"], s["enc"]) == {s["data1"], s["enc"]}
    assert by("snapshot-name", "alpha") == {s["data1"], s["zone4"]}
    assert by("snapshot-state", "NORMAL") == set(s.values())
    assert by("snapshot-state", "CREATING") == set()
    assert by("disk-usage", "SYSTEM_DISK") == {s["system"]}
    assert by("disk-usage", "DATA_DISK") == set(s.values()) - {s["system"]}
    assert by("project-id", "1001") == {s["data2"]}
    assert by("disk-id", "disk-cloudtw1", "disk-sysweb01") == {s["data1"], s["system"]}
    assert by("zone", "ap-guangzhou-4") == {s["zone4"]}
    assert by("zone", ZONE) == set(s.values()) - {s["zone4"]}
    assert by("encrypt", "TRUE") == {s["enc"]}
    assert by("encrypt", "FALSE") == set(s.values()) - {s["enc"]}
    assert by("snapshot-type", "PRIVATE_SNAPSHOT") == set(s.values())
    assert by("snapshot-type", "SHARED_SNAPSHOT") == set()
    # Different filters AND together.
    both = [{"Name": "snapshot-name", "Values": ["alpha"]}, {"Name": "zone", "Values": [ZONE]}]
    assert set(snap_ids(cbs, Filters=both)) == {s["data1"]}

    enc = snapshot(cbs, s["enc"])
    assert enc["Encrypt"] is True
    assert snapshot(cbs, s["system"])["DiskUsage"] == "SYSTEM_DISK"
    assert snapshot(cbs, s["data2"])["Placement"]["ProjectId"] == 1001

    expect_error("InvalidFilter", snapshots, cbs, Filters=[{"Name": "disk-type", "Values": ["CLOUD_SSD"]}])
    expect_error("InvalidParameterValue", snapshots, cbs,
                 SnapshotIds=[s["data1"]], Filters=[{"Name": "zone", "Values": [ZONE]}])


def test_describe_snapshots_order_and_paging(cbs, spread):
    created = list(spread.values())  # creation order
    every = snapshots(cbs)
    assert every["TotalCount"] == 5
    # Default order: newest first.
    assert [x["SnapshotId"] for x in every["SnapshotSet"]] == created[::-1]
    assert snap_ids(cbs, Order="DESC", OrderField="CREATE_TIME") == created[::-1]
    assert snap_ids(cbs, Order="ASC") == created
    times = [x["CreateTime"] for x in snapshots(cbs, Order="ASC")["SnapshotSet"]]
    assert times == [tc_time(T0 + 10 * i) for i in range(5)]
    page = snapshots(cbs, Order="ASC", Offset=1, Limit=2)
    assert page["TotalCount"] == 5
    assert [x["SnapshotId"] for x in page["SnapshotSet"]] == created[1:3]
    assert snapshots(cbs, Offset=5)["SnapshotSet"] == []
    expect_error("InvalidParameterValue", snapshots, cbs, Limit=101)
    expect_error("InvalidParameterValue", snapshots, cbs, Order="UP")


def test_describe_snapshots_default_limit_is_20_max_100(cbs, twin):
    twin.timing("immediate")
    for i in range(21):
        create_snapshot(cbs, "disk-cloudtw1" if i % 2 else "disk-cloudtw2")
    first = snapshots(cbs)
    assert first["TotalCount"] == 21
    assert len(first["SnapshotSet"]) == 20
    assert len(snapshots(cbs, Limit=100)["SnapshotSet"]) == 21


def test_describe_snapshots_is_per_account_and_region(cbs, peer_cbs, make_client, twin):
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw1")
    assert snap_ids(cbs) == [snap_id]
    assert snap_ids(peer_cbs) == []
    assert snap_ids(make_client(region="ap-beijing")) == []
    assert peer_cbs.call("DescribeSnapshots", SnapshotIds=[snap_id])["TotalCount"] == 0


# ---------------------------------------------------------------------------- DeleteSnapshots


def test_delete_snapshots_is_all_or_nothing(cbs, twin):
    twin.timing("immediate")
    a = create_snapshot(cbs, "disk-cloudtw1")
    b = create_snapshot(cbs, "disk-cloudtw2")
    expect_error("InvalidSnapshotId.NotFound", cbs.call, "DeleteSnapshots", SnapshotIds=[a, "snap-nosuch00"])
    assert set(snap_ids(cbs)) == {a, b}
    twin.timing("manual")
    c = create_snapshot(cbs, "disk-cloudtw1")
    expect_error("ResourceUnavailable.SnapshotCreating", cbs.call, "DeleteSnapshots", SnapshotIds=[a, c])
    assert set(snap_ids(cbs)) == {a, b, c}
    twin.complete_jobs()
    cbs.call("DeleteSnapshots", SnapshotIds=[a, b, c])
    assert snap_ids(cbs) == []


# ------------------------------------------------------------------------------ ApplySnapshot


def test_apply_snapshot_rejections(cbs, twin):
    twin.timing("immediate")
    of_attached = create_snapshot(cbs, "disk-cloudtw1")
    of_free = create_snapshot(cbs, "disk-cloudtw2")
    # Only onto the snapshot's own disk.
    expect_error("InvalidParameterValue", cbs.call, "ApplySnapshot", SnapshotId=of_attached, DiskId="disk-cloudtw2")
    # An elastic disk must be detached first.
    expect_error("InvalidDisk.Busy", cbs.call, "ApplySnapshot", SnapshotId=of_attached, DiskId="disk-cloudtw1")
    assert cbs.disk("disk-cloudtw1")["DiskState"] == "ATTACHED"
    assert snapshot(cbs, of_attached)["SnapshotState"] == "NORMAL"
    expect_error("InvalidDiskId.NotFound", cbs.call, "ApplySnapshot", SnapshotId=of_free, DiskId="disk-nosuch00")
    expect_error("InvalidSnapshotId.NotFound", cbs.call, "ApplySnapshot", SnapshotId="snap-nosuch00",
                 DiskId="disk-cloudtw2")
    # The disk grew since the snapshot.
    cbs.call("ResizeDisk", DiskId="disk-cloudtw2", DiskSize=300)
    assert cbs.disk("disk-cloudtw2")["DiskSize"] == 300
    expect_error("InvalidParameter.DiskSizeNotMatch", cbs.call, "ApplySnapshot", SnapshotId=of_free,
                 DiskId="disk-cloudtw2")
    assert cbs.disk("disk-cloudtw2")["DiskState"] == "UNATTACHED"


def test_apply_snapshot_onto_system_disk_of_stopped_instance(cbs, twin):
    twin.timing("immediate")
    stopped = create_snapshot(cbs, "disk-sysdb001")  # ins-cloudtw2 is STOPPED
    running = create_snapshot(cbs, "disk-sysweb01")  # ins-cloudtw1 is RUNNING
    with pytest.raises(TencentCloudSDKException):
        cbs.call("ApplySnapshot", SnapshotId=running, DiskId="disk-sysweb01")
    assert cbs.disk("disk-sysweb01")["DiskState"] == "ATTACHED"
    twin.timing("manual")
    cbs.call("ApplySnapshot", SnapshotId=stopped, DiskId="disk-sysdb001")
    d = cbs.disk("disk-sysdb001")
    assert (d["DiskState"], d["Rollbacking"]) == ("ROLLBACKING", True)
    twin.complete_jobs()
    d = cbs.disk("disk-sysdb001")
    assert (d["DiskState"], d["Rollbacking"], d["InstanceId"]) == ("ATTACHED", False, "ins-cloudtw2")


def test_apply_snapshot_onto_detached_disk_works(cbs, twin):
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw1")
    cbs.call("DetachDisks", DiskIds=["disk-cloudtw1"])
    cbs.call("ApplySnapshot", SnapshotId=snap_id, DiskId="disk-cloudtw1")
    d = cbs.disk("disk-cloudtw1")
    assert (d["DiskState"], d["Rollbacking"]) == ("UNATTACHED", False)
    assert [l["Operation"] for l in snap_logs(cbs, snap_id)] == ["SNAP_OPERATION_CREATE", "SNAP_OPERATION_ROLLBACK"]


# -------------------------------------------------------------------- ModifySnapshotAttribute


def test_modify_snapshot_attribute_name_and_retention(cbs, twin):
    twin.set_clock(T0)
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw2")

    cbs.call("ModifySnapshotAttribute", SnapshotId=snap_id, SnapshotName="renamed")
    assert snapshot(cbs, snap_id)["SnapshotName"] == "renamed"
    expect_error("InvalidParameterValue", cbs.call, "ModifySnapshotAttribute", SnapshotId=snap_id,
                 SnapshotName="n" * 61)
    assert snapshot(cbs, snap_id)["SnapshotName"] == "renamed"

    # Deadline makes it non-permanent ...
    cbs.call("ModifySnapshotAttribute", SnapshotId=snap_id, Deadline=iso(T0 + DAY))
    s = snapshot(cbs, snap_id)
    assert (s["IsPermanent"], s["DeadlineTime"]) == (False, "2026-11-23 10:00:00")
    # ... IsPermanent TRUE clears it again, and the old deadline no longer deletes it.
    cbs.call("ModifySnapshotAttribute", SnapshotId=snap_id, IsPermanent=True)
    s = snapshot(cbs, snap_id)
    assert (s["IsPermanent"], s["DeadlineTime"]) == (True, "")
    twin.advance(2 * DAY)
    assert snapshot(cbs, snap_id) is not None

    # Both at once is a contradiction.
    expect_error("InvalidParameterValue", cbs.call, "ModifySnapshotAttribute", SnapshotId=snap_id,
                 IsPermanent=True, Deadline=iso(T0 + 5 * DAY))
    assert snapshot(cbs, snap_id)["IsPermanent"] is True
    expect_error("InvalidSnapshotId.NotFound", cbs.call, "ModifySnapshotAttribute", SnapshotId="snap-nosuch00",
                 SnapshotName="x")

    # A new deadline is honoured.
    now = T0 + 2 * DAY
    cbs.call("ModifySnapshotAttribute", SnapshotId=snap_id, Deadline=iso(now + 3600))
    twin.advance(3599)
    assert snapshot(cbs, snap_id)["DeadlineTime"] == tc_time(now + 3600)
    twin.advance(1)
    assert snapshot(cbs, snap_id) is None
    ops = [l["Operation"] for l in snap_logs(cbs, snap_id)]
    assert ops == ["SNAP_OPERATION_CREATE"] + ["SNAP_OPERATION_MODIFY"] * 4 + ["SNAP_OPERATION_DELETE"]


# ------------------------------------------------------------------- CreateDisks from snapshots


def test_create_disks_from_snapshot_rejections(cbs, twin):
    twin.timing("immediate")
    system = create_snapshot(cbs, "disk-sysweb01")
    expect_error("InvalidParameterValue", cbs.create, size=None, SnapshotId=system)
    expect_error("InvalidSnapshotId.NotFound", cbs.create, size=None, SnapshotId="snap-nosuch00")
    twin.timing("manual")
    creating = create_snapshot(cbs, "disk-cloudtw1")
    expect_error("InvalidParameterValue", cbs.create, size=None, SnapshotId=creating)
    twin.complete_jobs()
    twin.timing("immediate")
    (disk_id,) = cbs.create(size=None, SnapshotId=creating)
    assert cbs.disk(disk_id)["DiskSize"] == 100


def test_terminate_with_delete_snapshot_keeps_permanent_snapshots(cbs, twin):
    twin.set_clock(T0)
    twin.timing("immediate")
    a, b = cbs.create(DiskCount=2)
    a_perm = create_snapshot(cbs, a)
    a_temp = create_snapshot(cbs, a, Deadline=iso(T0 + 30 * DAY))
    b_temp = create_snapshot(cbs, b, Deadline=iso(T0 + 30 * DAY))

    cbs.call("TerminateDisks", DiskIds=[a], DeleteSnapshot=1)
    assert cbs.disk(a) is None
    assert set(snap_ids(cbs)) == {a_perm, b_temp}
    assert snapshot(cbs, a_perm)["DiskId"] == a  # the snapshot outlives its disk

    # Without DeleteSnapshot the snapshots stay.
    cbs.call("TerminateDisks", DiskIds=[b])
    assert set(snap_ids(cbs)) == {a_perm, b_temp}
    assert snapshot(cbs, a_temp) is None


def test_disk_created_with_delete_snapshot_takes_its_temporary_snapshots_along(cbs, twin):
    twin.set_clock(T0)
    twin.timing("immediate")
    (disk_id,) = cbs.create(DeleteSnapshot=1)
    assert cbs.disk(disk_id)["DeleteSnapshot"] == 1
    perm = create_snapshot(cbs, disk_id)
    temp = create_snapshot(cbs, disk_id, Deadline=iso(T0 + DAY))
    cbs.call("TerminateDisks", DiskIds=[disk_id])
    assert snap_ids(cbs) == [perm]
    assert snapshot(cbs, temp) is None


def test_extending_a_deadline_outlives_the_old_one(cbs, twin):
    twin.set_clock(T0)
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw2", Deadline=iso(T0 + DAY))
    cbs.call("ModifySnapshotAttribute", SnapshotId=snap_id, Deadline=iso(T0 + 3 * DAY))
    twin.advance(2 * DAY)
    assert snapshot(cbs, snap_id)["DeadlineTime"] == "2026-11-25 10:00:00"
    twin.advance(DAY)
    assert snapshot(cbs, snap_id) is None


def test_create_snapshot_from_someone_elses_backup_point_is_refused(cbs, twin):
    twin.timing("immediate")
    cbs.call("ModifyDiskBackupQuota", DiskId="disk-cloudtw1", DiskBackupQuota=1)
    backup = cbs.call("CreateDiskBackup", DiskId="disk-cloudtw1")["DiskBackupId"]
    with pytest.raises(TencentCloudSDKException):
        cbs.call("CreateSnapshot", DiskId="disk-cloudtw2", DiskBackupId=backup)
    with pytest.raises(TencentCloudSDKException):
        cbs.call("CreateSnapshot", DiskId="disk-cloudtw2", DiskBackupId="dbp-nosuch00")
    assert cbs.call("DescribeDiskBackups", DiskBackupIds=[backup])["TotalCount"] == 1
    assert snap_ids(cbs) == []


def test_initialize_disk_whose_source_snapshot_was_deleted(cbs, twin):
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw2")
    (disk_id,) = cbs.create(size=None, disk_type="CLOUD_SSD", SnapshotId=snap_id)
    cbs.call("InitializeDisks", DiskIds=[disk_id])  # the source exists: fine
    cbs.call("DeleteSnapshots", SnapshotIds=[snap_id])
    expect_error("InvalidSnapshotId.NotFound", cbs.call, "InitializeDisks", DiskIds=[disk_id])


# ------------------------------------------------------------------------------------ sharing


def test_share_snapshot_with_peer_then_cancel(cbs, peer_cbs, make_client, twin):
    twin.set_clock(T0)
    snap_id = normal_snapshot(cbs, twin, "disk-cloudtw2", SnapshotName="shared-data")
    assert snap_ids(peer_cbs) == []
    expect_error("InvalidSnapshotId.NotFound", peer_cbs.create, size=None, disk_type="CLOUD_SSD", SnapshotId=snap_id)
    assert cbs.call("DescribeSnapshotSharePermission", SnapshotId=snap_id)["SharePermissionSet"] == []

    twin.advance(60)
    cbs.call("ModifySnapshotsSharePermission", AccountIds=[PEER_UIN], Permission="SHARE", SnapshotIds=[snap_id])
    mine = snapshot(cbs, snap_id)
    assert (mine["ShareReference"], mine["TimeStartShare"], mine["SnapshotType"]) == (
        1, "2026-11-22", "PRIVATE_SNAPSHOT")
    assert cbs.call("DescribeSnapshotSharePermission", SnapshotId=snap_id)["SharePermissionSet"] == [
        {"CreatedTime": tc_time(T0 + 1 + 60), "AccountId": PEER_UIN}
    ]

    # The peer sees it as a shared snapshot, in the same region only.
    theirs = peer_cbs.call("DescribeSnapshots")
    assert theirs["TotalCount"] == 1
    (seen,) = theirs["SnapshotSet"]
    assert (seen["SnapshotId"], seen["SnapshotType"], seen["SnapshotName"], seen["DiskSize"]) == (
        snap_id, "SHARED_SNAPSHOT", "shared-data", 200)
    assert snap_ids(peer_cbs, Filters=[{"Name": "snapshot-type", "Values": ["SHARED_SNAPSHOT"]}]) == [snap_id]
    assert snap_ids(peer_cbs, Filters=[{"Name": "snapshot-type", "Values": ["PRIVATE_SNAPSHOT"]}]) == []
    assert snap_ids(cbs, Filters=[{"Name": "snapshot-type", "Values": ["SHARED_SNAPSHOT"]}]) == []
    assert snap_ids(make_client(account="peer", region="ap-beijing")) == []

    # ... and can create a disk from it.
    (peer_disk,) = peer_cbs.create(size=None, disk_type="CLOUD_SSD", SnapshotId=snap_id, DiskName="peer-copy")
    d, _ = poll_disk(peer_cbs, twin, peer_disk, lambda d: d is not None)
    assert (d["DiskSize"], d["DiskName"], d["DiskState"]) == (200, "peer-copy", "UNATTACHED")
    assert cbs.disk(peer_disk) is None

    # The peer cannot change or delete the owner's snapshot.
    with pytest.raises(TencentCloudSDKException):
        peer_cbs.call("ModifySnapshotAttribute", SnapshotId=snap_id, SnapshotName="hijacked")
    with pytest.raises(TencentCloudSDKException):
        peer_cbs.call("DeleteSnapshots", SnapshotIds=[snap_id])
    # A shared snapshot cannot be renamed or deleted by the owner either.
    expect_error("UnsupportedOperation.SnapHasShared", cbs.call, "ModifySnapshotAttribute", SnapshotId=snap_id,
                 SnapshotName="renamed")
    expect_error("UnsupportedOperation.SnapHasShared", cbs.call, "DeleteSnapshots", SnapshotIds=[snap_id])
    assert snapshot(cbs, snap_id)["SnapshotName"] == "shared-data"

    # CANCEL removes the peer's access.
    cbs.call("ModifySnapshotsSharePermission", AccountIds=[PEER_UIN], Permission="CANCEL", SnapshotIds=[snap_id])
    assert snap_ids(peer_cbs) == []
    assert snapshot(cbs, snap_id)["ShareReference"] == 0
    assert cbs.call("DescribeSnapshotSharePermission", SnapshotId=snap_id)["SharePermissionSet"] == []
    expect_error("InvalidSnapshotId.NotFound", peer_cbs.create, size=None, disk_type="CLOUD_SSD", SnapshotId=snap_id)
    # The disk the peer made stays.
    assert peer_cbs.disk(peer_disk)["DiskSize"] == 200
    cbs.call("DeleteSnapshots", SnapshotIds=[snap_id])
    assert snapshot(cbs, snap_id) is None


def test_share_dates_are_utc_plus_8(cbs, twin):
    twin.set_clock(T0 - 8 * 3600)  # 2026-11-22 02:00 UTC+8, still 2026-11-21 in UTC
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw2")
    cbs.call("ModifySnapshotsSharePermission", AccountIds=[PEER_UIN], Permission="SHARE", SnapshotIds=[snap_id])
    assert snapshot(cbs, snap_id)["TimeStartShare"] == "2026-11-22"
    assert cbs.call("DescribeSnapshotSharePermission", SnapshotId=snap_id)["SharePermissionSet"] == [
        {"CreatedTime": "2026-11-22 02:00:00", "AccountId": PEER_UIN}
    ]


def test_share_permission_created_time(cbs, twin):
    twin.set_clock(T0)
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw2")
    twin.advance(3600)
    cbs.call("ModifySnapshotsSharePermission", AccountIds=[PEER_UIN], Permission="SHARE", SnapshotIds=[snap_id])
    assert cbs.call("DescribeSnapshotSharePermission", SnapshotId=snap_id)["SharePermissionSet"] == [
        {"CreatedTime": "2026-11-22 11:00:00", "AccountId": PEER_UIN}
    ]
    assert snapshot(cbs, snap_id)["TimeStartShare"] == "2026-11-22"


def test_share_rejections(cbs, twin):
    twin.timing("immediate")
    data = create_snapshot(cbs, "disk-cloudtw2")
    system = create_snapshot(cbs, "disk-sysweb01")
    (enc_disk,) = cbs.create(Encrypt="ENCRYPT")
    enc = create_snapshot(cbs, enc_disk)

    def share(ids, accounts=(PEER_UIN,), permission="SHARE"):
        return cbs.call("ModifySnapshotsSharePermission", AccountIds=list(accounts), Permission=permission,
                        SnapshotIds=list(ids))

    expect_error("InvalidSnapshot.NotSupported", share, [system])
    expect_error("InvalidSnapshot.NotSupported", share, [enc])
    expect_error("InvalidParameter", share, [data], permission="READ")
    expect_error("InvalidParameter", share, [data], accounts=["100000009999"])
    expect_error("InvalidParameter", share, [data], accounts=[DEFAULT_UIN])
    expect_error("InvalidSnapshotId.NotFound", share, ["snap-nosuch00"])
    twin.timing("manual")
    creating = create_snapshot(cbs, "disk-cloudtw1")
    expect_error("InvalidSnapshot.NotSupported", share, [creating])
    twin.complete_jobs()
    # Nothing was shared by the refused requests.
    for snap_id in (data, system, enc, creating):
        assert snapshot(cbs, snap_id)["ShareReference"] == 0
    # One request can share several snapshots.
    share([data, creating])
    assert {snapshot(cbs, x)["ShareReference"] for x in (data, creating)} == {1}
    # Sharing twice with the same account is still one share.
    share([data])
    assert snapshot(cbs, data)["ShareReference"] == 1


# -------------------------------------------------------------------------- cross-region copy


def test_copy_snapshot_to_beijing_and_wait_for_normal(cbs, make_client, twin):
    twin.set_clock(T0)
    bj = make_client(region="ap-beijing")
    src = normal_snapshot(cbs, twin, "disk-cloudtw2", SnapshotName="to-copy")

    out = cbs.call("CopySnapshotCrossRegions", SnapshotId=src, DestinationRegions=["ap-beijing"])
    (result,) = out["SnapshotCopyResultSet"]
    copy_id = result["SnapshotId"]
    assert SNAP_ID.match(copy_id) and copy_id != src
    assert result == {"SnapshotId": copy_id, "DestinationRegion": "ap-beijing", "Code": "Success", "Message": ""}

    # The source lists the destination while the copy is in flight.
    assert snapshot(cbs, src)["CopyingToRegions"] == ["ap-beijing"]
    expect_error("ResourceInUse.CopySnapshotConflict", cbs.call, "CopySnapshotCrossRegions", SnapshotId=src,
                 DestinationRegions=["ap-beijing"])
    expect_error("ResourceBusy", cbs.call, "DeleteSnapshots", SnapshotIds=[src])
    assert snap_ids(cbs) == [src], "the copy lives in the destination region only"

    # In Beijing: COPYING_FROM_REMOTE -> CHECKING_COPIED -> NORMAL.
    first = snapshot(bj, copy_id)
    assert first["SnapshotState"] == "COPYING_FROM_REMOTE"
    assert first["CopyFromRemote"] is True
    assert first["SnapshotName"] == f"Copied {src} from South China (Guangzhou)"
    assert (first["DiskId"], first["DiskSize"], first["DiskUsage"]) == ("disk-cloudtw2", 200, "DATA_DISK")
    assert first["Placement"]["Zone"].startswith("ap-beijing-")
    assert first["Percent"] < 100
    done, seen = poll_snapshot(bj, twin, copy_id, lambda s: s["SnapshotState"] == "NORMAL")
    assert distinct(["COPYING_FROM_REMOTE"] + seen) == ["COPYING_FROM_REMOTE", "CHECKING_COPIED", "NORMAL"]
    assert (done["Percent"], done["CopyFromRemote"], done["SnapshotType"]) == (100, True, "PRIVATE_SNAPSHOT")
    assert snapshot(cbs, src)["CopyingToRegions"] == []

    # The copy is an ordinary snapshot of the destination region ...
    assert bj.call("GetSnapOverview")["TotalNums"] == 1
    (bj_disk,) = bj.create(size=None, zone="ap-beijing-5", disk_type="CLOUD_SSD", SnapshotId=copy_id)
    d, _ = poll_disk(bj, twin, bj_disk, lambda d: d is not None)
    assert d["DiskSize"] == 200
    # ... and the source can be copied again and deleted now.
    again = cbs.call("CopySnapshotCrossRegions", SnapshotId=src, DestinationRegions=["ap-beijing"],
                     SnapshotName="second-copy")["SnapshotCopyResultSet"][0]["SnapshotId"]
    assert snapshot(bj, again)["SnapshotName"] == "second-copy"
    poll_snapshot(bj, twin, again, lambda s: s["SnapshotState"] == "NORMAL")
    cbs.call("DeleteSnapshots", SnapshotIds=[src])
    assert {copy_id, again} <= set(snap_ids(bj))
    assert [l["Operation"] for l in snap_logs(cbs, src)] == [
        "SNAP_OPERATION_CREATE", "SNAP_OPERATION_COPY", "SNAP_OPERATION_COPY", "SNAP_OPERATION_DELETE"]


def test_copy_snapshot_rejections(cbs, twin):
    twin.timing("immediate")
    src = create_snapshot(cbs, "disk-cloudtw2")
    expect_error("MissingParameter", cbs.call, "CopySnapshotCrossRegions", DestinationRegions=["ap-beijing"])
    expect_error("InvalidParameterValue", cbs.call, "CopySnapshotCrossRegions", SnapshotId=src,
                 DestinationRegions=["ap-nowhere"])
    expect_error("InvalidParameterValue", cbs.call, "CopySnapshotCrossRegions", SnapshotId=src,
                 DestinationRegions=["ap-guangzhou"])
    expect_error("InvalidSnapshotId.NotFound", cbs.call, "CopySnapshotCrossRegions", SnapshotId="snap-nosuch00",
                 DestinationRegions=["ap-beijing"])
    expect_error("InvalidParameterValue", cbs.call, "CopySnapshotCrossRegions", SnapshotId=src,
                 DestinationRegions=["ap-beijing"], SnapshotName="c" * 61)
    twin.timing("manual")
    creating = create_snapshot(cbs, "disk-cloudtw1")
    expect_error("InvalidSnapshot.NotSupported", cbs.call, "CopySnapshotCrossRegions", SnapshotId=creating,
                 DestinationRegions=["ap-beijing"])
    assert snapshot(cbs, src)["CopyingToRegions"] == []
    assert snapshot(cbs, creating)["CopyingToRegions"] == []


# ----------------------------------------------------------------------------- GetSnapOverview


def test_get_snap_overview(cbs, peer_cbs, twin):
    twin.timing("immediate")
    empty = cbs.call("GetSnapOverview")
    assert empty == {"TotalNums": 0, "TotalSize": 0, "FreeQuota": 0, "RealTradeSize": 0}
    # Sizes are never negative, not even a negative zero (JSON `-0.0`).
    for key in ("TotalSize", "RealTradeSize", "FreeQuota"):
        assert math.copysign(1.0, empty[key]) == 1.0, f"{key} is {empty[key]!r}"
    create_snapshot(cbs, "disk-cloudtw1")  # 100 GB
    create_snapshot(cbs, "disk-cloudtw2")  # 200 GB
    b = create_snapshot(cbs, "disk-cloudtw2")
    assert cbs.call("GetSnapOverview") == {"TotalNums": 3, "TotalSize": 500, "FreeQuota": 0, "RealTradeSize": 500}
    cbs.call("DeleteSnapshots", SnapshotIds=[b])
    assert cbs.call("GetSnapOverview") == {"TotalNums": 2, "TotalSize": 300, "FreeQuota": 0, "RealTradeSize": 300}
    assert peer_cbs.call("GetSnapOverview")["TotalNums"] == 0


# ----------------------------------------------------------------- DescribeSnapshotOperationLogs


def test_snapshot_operation_log_processing_then_success_and_window(cbs, twin):
    twin.set_clock(T0)
    twin.timing("manual")
    snap_id = create_snapshot(cbs, "disk-cloudtw2")
    assert [(l["Operation"], l["OperationState"], l["EndTime"]) for l in snap_logs(cbs, snap_id)] == [
        ("SNAP_OPERATION_CREATE", "PROCESSING", "")]
    twin.advance(60)
    twin.complete_jobs(snap_id)
    (log,) = snap_logs(cbs, snap_id)
    assert (log["OperationState"], log["StartTime"], log["EndTime"]) == (
        "SUCCESS", "2026-11-22 10:00:00", "2026-11-22 10:01:00")

    twin.timing("immediate")
    twin.advance(3600)  # 11:01
    cbs.call("ModifySnapshotAttribute", SnapshotId=snap_id, SnapshotName="later")
    window = snap_logs(cbs, snap_id, BeginTime="2026-11-22 11:00:00", EndTime="2026-11-22 12:00:00")
    assert [l["Operation"] for l in window] == ["SNAP_OPERATION_MODIFY"]
    window = snap_logs(cbs, snap_id, BeginTime="2026-11-22 09:00:00", EndTime="2026-11-22 10:30:00")
    assert [l["Operation"] for l in window] == ["SNAP_OPERATION_CREATE"]
    # Another snapshot's entries do not leak in.
    other = create_snapshot(cbs, "disk-cloudtw1")
    assert [l["SnapshotId"] for l in snap_logs(cbs, snap_id)] == [snap_id, snap_id]
    assert [l["Operation"] for l in snap_logs(cbs, other)] == ["SNAP_OPERATION_CREATE"]

    with pytest.raises(TencentCloudSDKException) as info:
        cbs.call_json("DescribeSnapshotOperationLogs", {})
    assert info.value.code == "MissingParameter"


def test_copy_snapshot_to_two_regions_at_once(cbs, make_client, twin):
    twin.timing("immediate")
    src = create_snapshot(cbs, "disk-cloudtw1")
    twin.timing("manual")
    out = cbs.call("CopySnapshotCrossRegions", SnapshotId=src, DestinationRegions=["ap-beijing", "ap-shanghai"])
    results = {r["DestinationRegion"]: r for r in out["SnapshotCopyResultSet"]}
    assert set(results) == {"ap-beijing", "ap-shanghai"}
    assert {r["Code"] for r in results.values()} == {"Success"}
    assert sorted(snapshot(cbs, src)["CopyingToRegions"]) == ["ap-beijing", "ap-shanghai"]
    # A conflict on one destination refuses the whole request.
    expect_error("ResourceInUse.CopySnapshotConflict", cbs.call, "CopySnapshotCrossRegions", SnapshotId=src,
                 DestinationRegions=["ap-shanghai"])
    twin.complete_jobs()  # COPYING_FROM_REMOTE -> CHECKING_COPIED
    twin.complete_jobs()  # CHECKING_COPIED -> NORMAL
    for region, r in results.items():
        s = snapshot(make_client(region=region), r["SnapshotId"])
        assert (s["SnapshotState"], s["CopyFromRemote"]) == ("NORMAL", True)
        assert s["Placement"]["Zone"].startswith(region + "-")
    assert snapshot(cbs, src)["CopyingToRegions"] == []


def test_a_copied_snapshot_cannot_be_applied_to_the_source_disk_from_elsewhere(cbs, make_client, twin):
    twin.timing("immediate")
    src = create_snapshot(cbs, "disk-cloudtw2")
    (r,) = cbs.call("CopySnapshotCrossRegions", SnapshotId=src,
                    DestinationRegions=["ap-beijing"])["SnapshotCopyResultSet"]
    # In Guangzhou the copy's id is unknown.
    expect_error("InvalidSnapshotId.NotFound", cbs.call, "ApplySnapshot", SnapshotId=r["SnapshotId"],
                 DiskId="disk-cloudtw2")


def test_delete_rolling_back_snapshot_is_refused(cbs, twin):
    twin.timing("immediate")
    snap_id = create_snapshot(cbs, "disk-cloudtw2")
    twin.timing("manual")
    cbs.call("ApplySnapshot", SnapshotId=snap_id, DiskId="disk-cloudtw2")
    with pytest.raises(TencentCloudSDKException) as info:
        cbs.call("DeleteSnapshots", SnapshotIds=[snap_id])
    assert info.value.code in ("InvalidSnapshot.NotSupported", "ResourceBusy"), info.value.code
    twin.complete_jobs()
    assert snapshot(cbs, snap_id)["SnapshotState"] == "NORMAL"
    cbs.call("DeleteSnapshots", SnapshotIds=[snap_id])
