"""The life of an elastic cloud disk, driven through the official SDK.

Async operations (create, attach, resize, detach, type change) are observed the way a real
client observes them: by polling DescribeDisks. Between polls the test moves the twin's
virtual clock forward instead of sleeping.
"""

import re

from twin_support import (
    TC_TIME,
    DEFAULT_UIN,
    ZONE,
    expect_error,
    parse_tc_time,
    poll_disk,
    tc_time,
)



def test_full_lifecycle_create_attach_resize_detach_modify_terminate(cbs, twin):
    # CreateDisks is async: the disk is not listed until creation completes.
    (disk_id,) = cbs.create(size=50, DiskName="lifecycle")
    assert re.fullmatch(r"disk-[a-z0-9]{8}", disk_id)
    d, seen = poll_disk(cbs, twin, disk_id, lambda d: d["DiskState"] == "UNATTACHED")
    assert seen[0] is None, "a just-created disk must not be listed before creation completes"
    assert d["DiskName"] == "lifecycle"
    assert d["DiskSize"] == 50
    assert d["DiskType"] == "CLOUD_PREMIUM"
    assert d["DiskUsage"] == "DATA_DISK"
    assert d["DiskChargeType"] == "POSTPAID_BY_HOUR"
    assert d["Portable"] is True
    assert d["Attached"] is False
    assert d["InstanceId"] == ""
    assert d["Placement"]["Zone"] == ZONE
    assert d["Placement"]["ProjectId"] == 0
    assert TC_TIME.match(d["CreateTime"])

    # AttachDisks: ATTACHING, then ATTACHED to the instance.
    cbs.call("AttachDisks", DiskIds=[disk_id], InstanceId="ins-cloudtw1")
    d, seen = poll_disk(cbs, twin, disk_id, lambda d: d["DiskState"] == "ATTACHED")
    assert "ATTACHING" in seen
    assert d["Attached"] is True
    assert d["InstanceId"] == "ins-cloudtw1"
    num = cbs.call("DescribeInstancesDiskNum", InstanceIds=["ins-cloudtw1"])["AttachDetail"]
    assert num == [{"InstanceId": "ins-cloudtw1", "AttachedDiskCount": 2, "MaxAttachCount": 20}]

    # ResizeDisk: EXPANDING (old size), then the new size, still attached.
    cbs.call("ResizeDisk", DiskId=disk_id, DiskSize=80)
    d = cbs.disk(disk_id)
    assert (d["DiskState"], d["DiskSize"]) == ("EXPANDING", 50)
    d, _ = poll_disk(cbs, twin, disk_id, lambda d: d["DiskState"] != "EXPANDING")
    assert (d["DiskState"], d["DiskSize"]) == ("ATTACHED", 80)

    # DetachDisks: DETACHING, then UNATTACHED with no instance.
    cbs.call("DetachDisks", DiskIds=[disk_id])
    d, seen = poll_disk(cbs, twin, disk_id, lambda d: d["DiskState"] == "UNATTACHED")
    assert seen[0] == "DETACHING"
    assert d["Attached"] is False
    assert d["InstanceId"] == ""

    # ModifyDiskAttributes is synchronous.
    cbs.call("ModifyDiskAttributes", DiskIds=[disk_id], DiskName="lifecycle-renamed", ProjectId=1001)
    d = cbs.disk(disk_id)
    assert d["DiskName"] == "lifecycle-renamed"
    assert d["Placement"]["ProjectId"] == 1001

    # TerminateDisks: a pay-as-you-go disk is gone at once.
    cbs.call("TerminateDisks", DiskIds=[disk_id])
    assert cbs.disk(disk_id) is None
    assert cbs.describe(DiskIds=[disk_id])["TotalCount"] == 0
    expect_error("InvalidDiskId.NotFound", cbs.call, "ResizeDisk", DiskId=disk_id, DiskSize=100)

    # The deprecated DescribeDiskOperationLogs (generic CommonClient) recorded every step.
    logs = cbs.op_logs(disk_id)
    assert [l["Operation"] for l in logs] == [
        "CBS_OPERATION_CREATE",
        "CBS_OPERATION_ATTACH",
        "CBS_OPERATION_EXPAND",
        "CBS_OPERATION_DETACH",
        "CBS_OPERATION_MODIFY",
        "CBS_OPERATION_ISOLATE",
    ]
    for log in logs:
        assert log["DiskId"] == disk_id
        assert log["Operator"] == DEFAULT_UIN
        assert log["OperationState"] == "SUCCESS"
        assert TC_TIME.match(log["StartTime"]) and TC_TIME.match(log["EndTime"])
        assert parse_tc_time(log["StartTime"]) <= parse_tc_time(log["EndTime"])


def test_last_attached_instance_reaches_the_sdk(cbs, twin):
    """The SDK's Disk model reads the last attached instance from `LastAttachInsId` (the name
    the real API uses; the PDF's Data Types table spells it LastAttachInstId). Whatever the
    twin calls it, an SDK user must be able to read it after a detach."""
    twin.timing("immediate")
    (disk_id,) = cbs.create()
    cbs.call("AttachDisks", DiskIds=[disk_id], InstanceId="ins-cloudtw1")
    cbs.call("DetachDisks", DiskIds=[disk_id])
    d = cbs.disk(disk_id)
    assert d["DiskState"] == "UNATTACHED"
    assert d.get("LastAttachInsId") == "ins-cloudtw1"


def test_operation_log_is_processing_while_the_job_runs(cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create()
    twin.timing("manual")
    cbs.call("AttachDisks", DiskIds=[disk_id], InstanceId="ins-cloudtw1")
    attach = [l for l in cbs.op_logs(disk_id) if l["Operation"] == "CBS_OPERATION_ATTACH"]
    assert [l["OperationState"] for l in attach] == ["PROCESSING"]
    twin.complete_jobs(disk_id)
    attach = [l for l in cbs.op_logs(disk_id) if l["Operation"] == "CBS_OPERATION_ATTACH"]
    assert [l["OperationState"] for l in attach] == ["SUCCESS"]


def test_operation_log_time_window_is_utc_plus_8(cbs, twin):
    # 1700000000 is 2023-11-14 22:13:20 UTC, i.e. 2023-11-15 06:13:20 in UTC+8.
    twin.set_clock(1_700_000_000)
    twin.timing("immediate")
    (disk_id,) = cbs.create()
    twin.advance(3600)  # 07:13:20 UTC+8
    cbs.call("AttachDisks", DiskIds=[disk_id], InstanceId="ins-cloudtw1")

    every = cbs.op_logs(disk_id)
    assert [(l["Operation"], l["StartTime"]) for l in every] == [
        ("CBS_OPERATION_CREATE", "2023-11-15 06:13:20"),
        ("CBS_OPERATION_ATTACH", "2023-11-15 07:13:20"),
    ]
    window = cbs.op_logs(disk_id, BeginTime="2023-11-15 07:00:00", EndTime="2023-11-15 08:00:00")
    assert [l["Operation"] for l in window] == ["CBS_OPERATION_ATTACH"]
    window = cbs.op_logs(disk_id, BeginTime="2023-11-15 06:00:00", EndTime="2023-11-15 06:30:00")
    assert [l["Operation"] for l in window] == ["CBS_OPERATION_CREATE"]


def test_create_and_deadline_times_are_utc_plus_8(cbs, twin):
    twin.set_clock(1_700_000_000)  # 2023-11-15 06:13:20 UTC+8
    twin.timing("immediate")
    (disk_id,) = cbs.create(charge="PREPAID", DiskChargePrepaid={"Period": 1})
    d = cbs.disk(disk_id)
    assert d["CreateTime"] == "2023-11-15 06:13:20" == tc_time(1_700_000_000)
    assert d["DeadlineTime"] == "2023-12-15 06:13:20"
    assert d["DiskChargeType"] == "PREPAID"
    assert d["RenewFlag"] == "NOTIFY_AND_MANUAL_RENEW"


def test_create_with_auto_mount_ends_attached(cbs, twin):
    (disk_id,) = cbs.create(
        AutoMountConfiguration={
            "InstanceId": ["ins-cloudtw1"],
            "MountPoint": ["/mnt/data1"],
            "FileSystemType": "ext4",
        }
    )
    d, seen = poll_disk(cbs, twin, disk_id, lambda d: d is not None)
    assert seen[0] is None
    assert d["DiskState"] == "ATTACHED"
    assert d["Attached"] is True
    assert d["InstanceId"] == "ins-cloudtw1"


def test_create_several_disks_with_disk_count(cbs, twin):
    twin.timing("immediate")
    ids = cbs.create(DiskCount=3, DiskName="triplet")
    assert len(set(ids)) == 3
    disks = cbs.disks(ids)
    assert sorted(d["DiskId"] for d in disks) == sorted(ids)
    assert {d["DiskName"] for d in disks} == {"triplet"}


def test_create_defaults_name_unnamed(cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create()
    assert cbs.disk(disk_id)["DiskName"] == "Unnamed"


def test_client_token_makes_create_idempotent(cbs, twin):
    twin.timing("immediate")
    first = cbs.create(ClientToken="lifecycle-token-1")
    again = cbs.create(ClientToken="lifecycle-token-1")
    assert first == again
    assert cbs.ids(Filters=[{"Name": "disk-id", "Values": first}]) == first
    assert cbs.describe(Filters=[{"Name": "disk-name", "Values": ["Unnamed"]}])["TotalCount"] == 1


def test_prepaid_terminate_goes_to_recycle_bin_then_is_destroyed_after_7_days(cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create(charge="PREPAID", DiskChargePrepaid={"Period": 1})
    cbs.call("TerminateDisks", DiskIds=[disk_id])
    assert cbs.disk(disk_id)["DiskState"] == "TORECYCLE"
    expect_error("ResourceUnavailable.RepeatRefund", cbs.call, "TerminateDisks", DiskIds=[disk_id])

    twin.advance(6 * 86400)
    assert cbs.disk(disk_id)["DiskState"] == "TORECYCLE"
    twin.advance(86400 + 1)
    assert cbs.disk(disk_id) is None


def test_change_disk_type_migrates_then_completes(cbs, twin):
    (disk_id,) = cbs.create(size=100)
    poll_disk(cbs, twin, disk_id, lambda d: True)
    cbs.call("ModifyDiskAttributes", DiskIds=[disk_id], DiskType="CLOUD_SSD")
    d = cbs.disk(disk_id)
    assert d["Migrating"] is True
    assert d["DiskType"] == "CLOUD_PREMIUM"
    assert 0 <= d["MigratePercent"] < 100
    expect_error(
        "ResourceInUse.DiskMigrating",
        cbs.call, "ModifyDiskAttributes", DiskIds=[disk_id], DiskName="during-migration",
    )
    d, _ = poll_disk(cbs, twin, disk_id, lambda d: not d["Migrating"])
    assert d["DiskType"] == "CLOUD_SSD"
    assert d["MigratePercent"] == 100


def test_initialize_unattached_disk_keeps_it_unattached(cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create()
    cbs.call("InitializeDisks", DiskIds=[disk_id])
    d = cbs.disk(disk_id)
    assert (d["DiskState"], d["DiskSize"]) == ("UNATTACHED", 50)


def test_seed_inventory_is_visible(cbs):
    seed = {d["DiskId"]: d for d in cbs.describe(Limit=100)["DiskSet"]}
    assert {"disk-sysweb01", "disk-sysdb001", "disk-sysbat01", "disk-sysiso01",
            "disk-cloudtw1", "disk-cloudtw2"} <= set(seed)
    d1 = seed["disk-cloudtw1"]
    assert (d1["DiskName"], d1["DiskType"], d1["DiskSize"], d1["DiskState"], d1["InstanceId"]) == (
        "seed-data-1", "CLOUD_PREMIUM", 100, "ATTACHED", "ins-cloudtw1")
    d2 = seed["disk-cloudtw2"]
    assert (d2["DiskName"], d2["DiskType"], d2["DiskSize"], d2["DiskState"]) == (
        "seed-data-2", "CLOUD_SSD", 200, "UNATTACHED")
    sysweb = seed["disk-sysweb01"]
    assert (sysweb["DiskUsage"], sysweb["Portable"], sysweb["InstanceId"]) == (
        "SYSTEM_DISK", False, "ins-cloudtw1")
    num = cbs.call("DescribeInstancesDiskNum", InstanceIds=["ins-cloudtw1", "ins-cloudtw2"])
    assert num["AttachDetail"] == [
        {"InstanceId": "ins-cloudtw1", "AttachedDiskCount": 1, "MaxAttachCount": 20},
        {"InstanceId": "ins-cloudtw2", "AttachedDiskCount": 0, "MaxAttachCount": 10},
    ]


def test_describe_disk_config_quota_doc_example(make_client):
    sh = make_client(region="ap-shanghai")
    out = sh.call(
        "DescribeDiskConfigQuota",
        InquiryType="INQUIRY_CBS_CONFIG",
        DiskChargeType="POSTPAID_BY_HOUR",
        Zones=["ap-shanghai-5"],
        DiskTypes=["CLOUD_PREMIUM"],
    )
    configs = out["DiskConfigSet"]
    assert configs, "the documented example returns one configuration"
    for c in configs:
        assert c["Zone"] == "ap-shanghai-5"
        assert c["DiskType"] == "CLOUD_PREMIUM"
        assert c["Available"] is True
    data = [c for c in configs if c["DiskUsage"] == "DATA_DISK"]
    assert data and all((c["MinDiskSize"], c["MaxDiskSize"], c["StepSize"]) == (10, 32000, 1) for c in data)
