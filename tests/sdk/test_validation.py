"""Rejected requests: the documented error codes, and that a rejected batch changes nothing.

Unless a test says otherwise, async work completes at once here ({"policy": "immediate"}), so
the state after each call is final.
"""

import pytest

from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from twin_support import expect_error


@pytest.fixture(autouse=True)
def immediate(twin):
    twin.timing("immediate")


def state(cbs, disk_id):
    d = cbs.disk(disk_id)
    return d and (d["DiskState"], d["InstanceId"], d["DiskSize"])


# ------------------------------------------------------------------------------ AttachDisks


def test_attach_more_than_10_disks_is_limit_exceeded(cbs):
    ids = cbs.create(DiskCount=11)
    expect_error("InvalidParameterValue.LimitExceeded", cbs.call, "AttachDisks", DiskIds=ids, InstanceId="ins-cloudtw1")
    assert {state(cbs, i) for i in ids} == {("UNATTACHED", "", 50)}


def test_attach_exactly_10_disks_succeeds(cbs):
    ids = cbs.create(DiskCount=10)
    cbs.call("AttachDisks", DiskIds=ids, InstanceId="ins-cloudtw1")
    assert {state(cbs, i) for i in ids} == {("ATTACHED", "ins-cloudtw1", 50)}


def test_attach_to_unknown_instance(cbs):
    (d,) = cbs.create()
    expect_error("InvalidInstanceId.NotFound", cbs.call, "AttachDisks", DiskIds=[d], InstanceId="ins-nosuch00")


def test_attach_to_shutdown_instance_is_not_supported(cbs):
    (d,) = cbs.create()
    expect_error("InvalidInstance.NotSupported", cbs.call, "AttachDisks", DiskIds=[d], InstanceId="ins-isolate1")
    assert state(cbs, d) == ("UNATTACHED", "", 50)


def test_attach_to_stopped_instance_is_allowed(cbs):
    (d,) = cbs.create()
    cbs.call("AttachDisks", DiskIds=[d], InstanceId="ins-cloudtw2")
    assert state(cbs, d) == ("ATTACHED", "ins-cloudtw2", 50)


def test_attach_unknown_disk(cbs):
    expect_error("InvalidDiskId.NotFound", cbs.call, "AttachDisks", DiskIds=["disk-nosuch00"], InstanceId="ins-cloudtw1")


def test_attach_system_disk_is_type_error(cbs):
    expect_error("ResourceUnavailable.TypeError", cbs.call, "AttachDisks", DiskIds=["disk-sysiso01"], InstanceId="ins-cloudtw1")


def test_attach_already_attached_disk(cbs):
    expect_error("ResourceUnavailable.Attached", cbs.call, "AttachDisks", DiskIds=["disk-cloudtw1"], InstanceId="ins-cloudtw2")
    expect_error("ResourceUnavailable.Attached", cbs.call, "AttachDisks", DiskIds=["disk-cloudtw1"], InstanceId="ins-cloudtw1")
    assert state(cbs, "disk-cloudtw1") == ("ATTACHED", "ins-cloudtw1", 100)


def test_attach_across_zones_is_zone_not_match(cbs):
    # disk-cloudtw2 is in ap-guangzhou-3, ins-cloudtw3 in ap-guangzhou-4.
    expect_error("ResourceUnavailable.ZoneNotMatch", cbs.call, "AttachDisks", DiskIds=["disk-cloudtw2"], InstanceId="ins-cloudtw3")
    assert state(cbs, "disk-cloudtw2") == ("UNATTACHED", "", 200)


def test_attach_beyond_max_attach_count(cbs):
    # ins-cloudtw2 (db-1) takes at most 10 data disks and has none.
    ten = cbs.create(DiskCount=10)
    cbs.call("AttachDisks", DiskIds=ten, InstanceId="ins-cloudtw2")
    num = cbs.call("DescribeInstancesDiskNum", InstanceIds=["ins-cloudtw2"])["AttachDetail"]
    assert num == [{"InstanceId": "ins-cloudtw2", "AttachedDiskCount": 10, "MaxAttachCount": 10}]
    expect_error("LimitExceeded.InstanceAttachedDisk", cbs.call, "AttachDisks", DiskIds=["disk-cloudtw2"], InstanceId="ins-cloudtw2")
    assert state(cbs, "disk-cloudtw2") == ("UNATTACHED", "", 200)


def test_attach_disk_in_transition_is_resource_busy(cbs, twin):
    (d,) = cbs.create()
    twin.timing("manual")
    cbs.call("ResizeDisk", DiskId=d, DiskSize=60)
    assert cbs.disk(d)["DiskState"] == "EXPANDING"
    expect_error("ResourceBusy", cbs.call, "AttachDisks", DiskIds=[d], InstanceId="ins-cloudtw1")
    twin.complete_jobs(d)
    assert state(cbs, d) == ("UNATTACHED", "", 60)


def test_attach_is_all_or_nothing(cbs):
    (good,) = cbs.create()
    for bad in ["disk-nosuch00", "disk-cloudtw1", "disk-sysweb01"]:
        with pytest.raises(TencentCloudSDKException):
            cbs.call("AttachDisks", DiskIds=[good, bad], InstanceId="ins-cloudtw1")
        assert state(cbs, good) == ("UNATTACHED", "", 50), f"batch with {bad} attached the good disk"
    num = cbs.call("DescribeInstancesDiskNum", InstanceIds=["ins-cloudtw1"])["AttachDetail"][0]
    assert num["AttachedDiskCount"] == 1


def test_auto_mount_onto_shutdown_instance_is_rejected(cbs):
    """AttachDisks refuses a SHUTDOWN instance (InvalidInstance.NotSupported); creating a disk
    with AutoMountConfiguration onto the same instance must not get round that."""
    before = cbs.describe()["TotalCount"]
    with pytest.raises(TencentCloudSDKException) as info:
        cbs.create(AutoMountConfiguration={
            "InstanceId": ["ins-isolate1"], "MountPoint": ["/mnt/data"], "FileSystemType": "ext4",
        })
    assert info.value.code in ("InvalidInstance.NotSupported", "InvalidParameterValue"), info.value.code
    assert cbs.describe()["TotalCount"] == before


def test_auto_mount_across_zones_is_rejected(cbs):
    before = cbs.describe()["TotalCount"]
    with pytest.raises(TencentCloudSDKException):
        cbs.create(AutoMountConfiguration={
            "InstanceId": ["ins-cloudtw3"], "MountPoint": ["/mnt/data"], "FileSystemType": "ext4",
        })
    assert cbs.describe()["TotalCount"] == before


# ------------------------------------------------------------------------------ DetachDisks


def test_detach_unattached_disk_is_unsupported(cbs):
    expect_error("UnsupportedOperation", cbs.call, "DetachDisks", DiskIds=["disk-cloudtw2"])


def test_detach_is_all_or_nothing(cbs):
    expect_error("UnsupportedOperation", cbs.call, "DetachDisks", DiskIds=["disk-cloudtw1", "disk-cloudtw2"])
    assert state(cbs, "disk-cloudtw1") == ("ATTACHED", "ins-cloudtw1", 100)


def test_detach_disks_of_different_instances_in_one_call(cbs):
    (other,) = cbs.create()
    cbs.call("AttachDisks", DiskIds=[other], InstanceId="ins-cloudtw2")
    expect_error("InvalidParameterValue", cbs.call, "DetachDisks", DiskIds=["disk-cloudtw1", other])
    assert state(cbs, "disk-cloudtw1") == ("ATTACHED", "ins-cloudtw1", 100)
    assert state(cbs, other) == ("ATTACHED", "ins-cloudtw2", 50)


def test_detach_unknown_disk(cbs):
    expect_error("InvalidDiskId.NotFound", cbs.call, "DetachDisks", DiskIds=["disk-nosuch00"])


# ------------------------------------------------------------------------------- ResizeDisk


@pytest.mark.parametrize("size", [100, 99, 10])
def test_resize_must_grow(cbs, size):
    expect_error("InvalidParameterValue", cbs.call, "ResizeDisk", DiskId="disk-cloudtw1", DiskSize=size)
    assert state(cbs, "disk-cloudtw1") == ("ATTACHED", "ins-cloudtw1", 100)


def test_resize_premium_range_ends_at_32000(cbs):
    expect_error("InvalidParameterValue", cbs.call, "ResizeDisk", DiskId="disk-cloudtw1", DiskSize=32001)
    cbs.call("ResizeDisk", DiskId="disk-cloudtw1", DiskSize=32000)
    assert state(cbs, "disk-cloudtw1") == ("ATTACHED", "ins-cloudtw1", 32000)


def test_resize_non_portable_disk_is_not_supported(cbs):
    expect_error("InvalidDisk.NotSupported", cbs.call, "ResizeDisk", DiskId="disk-sysweb01", DiskSize=100)


def test_resize_busy_disk(cbs, twin):
    twin.timing("manual")
    cbs.call("ResizeDisk", DiskId="disk-cloudtw2", DiskSize=300)
    expect_error("InvalidDisk.Busy", cbs.call, "ResizeDisk", DiskId="disk-cloudtw2", DiskSize=400)
    twin.complete_jobs()
    assert state(cbs, "disk-cloudtw2") == ("UNATTACHED", "", 300)


def test_resize_unknown_disk(cbs):
    expect_error("InvalidDiskId.NotFound", cbs.call, "ResizeDisk", DiskId="disk-nosuch00", DiskSize=300)


# --------------------------------------------------------------------- ModifyDiskAttributes


def test_disk_name_limit_is_60_bytes(cbs):
    cbs.call("ModifyDiskAttributes", DiskIds=["disk-cloudtw2"], DiskName="n" * 60)
    assert cbs.disk("disk-cloudtw2")["DiskName"] == "n" * 60
    expect_error("InvalidParameterValue", cbs.call, "ModifyDiskAttributes", DiskIds=["disk-cloudtw2"], DiskName="n" * 61)
    # Bytes, not characters: 20 CJK characters are 60 UTF-8 bytes, 21 are 63.
    cbs.call("ModifyDiskAttributes", DiskIds=["disk-cloudtw2"], DiskName="盘" * 20)
    assert cbs.disk("disk-cloudtw2")["DiskName"] == "盘" * 20
    expect_error("InvalidParameterValue", cbs.call, "ModifyDiskAttributes", DiskIds=["disk-cloudtw2"], DiskName="盘" * 21)
    assert cbs.disk("disk-cloudtw2")["DiskName"] == "盘" * 20


def test_portable_can_only_be_set_to_true(cbs):
    expect_error("InvalidParameterValue", cbs.call, "ModifyDiskAttributes", DiskIds=["disk-cloudtw2"], Portable=False)
    assert cbs.disk("disk-cloudtw2")["Portable"] is True


def test_delete_with_instance_only_for_pay_as_you_go(cbs):
    cbs.call("ModifyDiskAttributes", DiskIds=["disk-cloudtw2"], DeleteWithInstance=True)
    assert cbs.disk("disk-cloudtw2")["DeleteWithInstance"] is True
    (prepaid,) = cbs.create(charge="PREPAID")
    expect_error("InvalidDisk.NotSupported", cbs.call, "ModifyDiskAttributes", DiskIds=[prepaid], DeleteWithInstance=True)
    assert cbs.disk(prepaid)["DeleteWithInstance"] is False


def test_unknown_project_id(cbs):
    expect_error("InvalidParameter.ProjectIdNotExist", cbs.call, "ModifyDiskAttributes", DiskIds=["disk-cloudtw2"], ProjectId=4242)
    assert cbs.disk("disk-cloudtw2")["Placement"]["ProjectId"] == 0


def test_batch_rename_is_all_or_nothing(cbs):
    expect_error("InvalidDiskId.NotFound", cbs.call, "ModifyDiskAttributes",
                 DiskIds=["disk-cloudtw2", "disk-nosuch00"], DiskName="renamed")
    assert cbs.disk("disk-cloudtw2")["DiskName"] == "seed-data-2"
    cbs.call("ModifyDiskAttributes", DiskIds=["disk-cloudtw1", "disk-cloudtw2"], DiskName="renamed")
    assert {d["DiskName"] for d in cbs.disks(["disk-cloudtw1", "disk-cloudtw2"])} == {"renamed"}


def test_disk_type_change_takes_a_single_disk(cbs):
    ids = cbs.create(DiskCount=2)
    expect_error_prefix("InvalidParameterValue", cbs.call, "ModifyDiskAttributes", DiskIds=ids, DiskType="CLOUD_SSD")
    assert {d["DiskType"] for d in cbs.disks(ids)} == {"CLOUD_PREMIUM"}


def test_disk_type_change_cannot_be_combined_with_other_attributes(cbs):
    (d,) = cbs.create()
    expect_error("InvalidParameterValue", cbs.call, "ModifyDiskAttributes", DiskIds=[d], DiskType="CLOUD_SSD", DiskName="x")
    disk = cbs.disk(d)
    assert (disk["DiskType"], disk["DiskName"], disk["Migrating"]) == ("CLOUD_PREMIUM", "Unnamed", False)


def test_disk_type_change_is_upgrade_only(cbs):
    # disk-cloudtw2 is CLOUD_SSD; CLOUD_PREMIUM would be a downgrade.
    expect_error("InvalidParameterValue", cbs.call, "ModifyDiskAttributes", DiskIds=["disk-cloudtw2"], DiskType="CLOUD_PREMIUM")
    (d,) = cbs.create()
    expect_error("InvalidParameterValue", cbs.call, "ModifyDiskAttributes", DiskIds=[d], DiskType="CLOUD_HSSD")


# ---------------------------------------------------------------------------- TerminateDisks


def test_terminate_more_than_50_disks(cbs):
    ids = cbs.create(DiskCount=50) + cbs.create(DiskCount=1)
    expect_error_prefix("InvalidParameterValue", cbs.call, "TerminateDisks", DiskIds=ids)
    assert len(cbs.disks(ids)) == 51
    cbs.call("TerminateDisks", DiskIds=ids[:50])
    assert [d["DiskId"] for d in cbs.disks(ids)] == ids[50:]


def test_terminate_attached_disk_is_unsupported(cbs):
    expect_error("UnsupportedOperation", cbs.call, "TerminateDisks", DiskIds=["disk-cloudtw1"])
    assert state(cbs, "disk-cloudtw1") == ("ATTACHED", "ins-cloudtw1", 100)


def test_terminate_system_disk_is_not_supported(cbs):
    expect_error("ResourceUnavailable.NotSupported", cbs.call, "TerminateDisks", DiskIds=["disk-sysbat01"])


def test_terminate_is_all_or_nothing(cbs):
    (good,) = cbs.create()
    expect_error("UnsupportedOperation", cbs.call, "TerminateDisks", DiskIds=[good, "disk-cloudtw1"])
    assert state(cbs, good) == ("UNATTACHED", "", 50)


# --------------------------------------------------------------------------- InitializeDisks


def test_initialize_more_than_20_disks(cbs):
    ids = cbs.create(DiskCount=21)
    expect_error("InvalidParameterValue.LimitExceeded", cbs.call, "InitializeDisks", DiskIds=ids)
    cbs.call("InitializeDisks", DiskIds=ids[:20])


def test_initialize_attached_disk_is_busy(cbs):
    expect_error("ResourceBusy", cbs.call, "InitializeDisks", DiskIds=["disk-cloudtw1"])


# ----------------------------------------------------------------------- DescribeDisks input


@pytest.mark.parametrize("params", [
    pytest.param({"Limit": 101}, id="limit-101"),
    pytest.param({"Offset": -1}, id="offset-negative"),
    pytest.param({"Order": "UP"}, id="order-UP"),
    pytest.param({"OrderField": "DISK_NAME"}, id="orderfield-DISK_NAME"),
    pytest.param({"Filters": [{"Name": "portable", "Values": ["MAYBE"]}]}, id="portable-MAYBE"),
    pytest.param({"Filters": [{"Name": "project-id", "Values": ["abc"]}]}, id="project-id-abc"),
])
def test_describe_disks_bad_input(cbs, params):
    expect_error_prefix("InvalidParameterValue", cbs.describe, **params)


# ------------------------------------------------------------------------------- CreateDisks


def create_params(**over):
    params = {
        "Placement": {"Zone": "ap-guangzhou-3"},
        "DiskChargeType": "POSTPAID_BY_HOUR",
        "DiskType": "CLOUD_PREMIUM",
        "DiskSize": 50,
    }
    params.update(over)
    return params


@pytest.mark.parametrize("code, over", [
    pytest.param("InvalidParameterValue", {"DiskName": "x" * 61}, id="name-61-bytes"),
    pytest.param("MissingParameter", {"DiskChargeType": "PREPAID"}, id="prepaid-without-period"),
    pytest.param("InvalidParameterValue", {"DiskChargeType": "PREPAID", "DiskChargePrepaid": {"Period": 13}}, id="period-13"),
    pytest.param("InvalidParameter.ProjectIdNotExist", {"Placement": {"Zone": "ap-guangzhou-3", "ProjectId": 4242}}, id="unknown-project"),
    pytest.param("InvalidParameterValue", {"DiskSize": 5}, id="premium-below-10GB"),
    pytest.param("InvalidParameterValue", {"DiskSize": 32001}, id="premium-above-32000GB"),
    pytest.param("InvalidParameterValue", {"DiskType": "CLOUD_FLOPPY"}, id="unknown-type"),
    pytest.param("InvalidParameterValue", {"Placement": {"Zone": "ap-shanghai-5"}}, id="zone-of-other-region"),
    pytest.param("InvalidParameterValue", {"ThroughputPerformance": 100}, id="throughput-on-premium"),
])
def test_create_disks_rejections(cbs, code, over):
    before = cbs.describe()["TotalCount"]
    expect_error(code, cbs.call, "CreateDisks", **create_params(**over))
    assert cbs.describe()["TotalCount"] == before


def test_create_disks_missing_required_parameter(cbs):
    params = create_params()
    del params["DiskType"]
    expect_error("MissingParameter", cbs.call_json, "CreateDisks", params)


def test_documented_string_encoded_numbers_are_accepted(cbs):
    """The doc's own CreateDisks example sends numbers as strings ("DiskSize": "100")."""
    resp = cbs.call_json("CreateDisks", {
        "DiskName": "postPayDisk",
        "Placement": {"ProjectId": "0", "Zone": "ap-guangzhou-3"},
        "DiskChargeType": "POSTPAID_BY_HOUR",
        "DiskCount": "1",
        "DiskType": "CLOUD_PREMIUM",
        "DiskSize": "100",
    })
    (disk_id,) = resp["DiskIdSet"]
    assert cbs.disk(disk_id)["DiskSize"] == 100


# ---------------------------------------------------------------------------------- helpers


def expect_error_prefix(prefix, fn, *args, **kwargs):
    """For limits whose exact sub-code the documentation leaves open (e.g. InvalidParameterValue
    or InvalidParameterValue.LimitExceeded)."""
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    with pytest.raises(TencentCloudSDKException) as info:
        fn(*args, **kwargs)
    assert info.value.code.startswith(prefix), f"{info.value.code}: {info.value.message}"
    return info.value
