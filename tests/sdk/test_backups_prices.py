"""Backup points (CreateDiskBackup & co) and the price inquiries."""

import re

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from twin_support import expect_error, poll_disk

ISO8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def backups(cbs, **params):
    return cbs.call("DescribeDiskBackups", **params)


def backup(cbs, backup_id):
    (b,) = backups(cbs, DiskBackupIds=[backup_id])["DiskBackupSet"]
    return b


# ------------------------------------------------------------------------------ backup points


def test_backup_needs_quota(cbs):
    assert cbs.disk("disk-cloudtw2")["DiskBackupQuota"] == 0
    expect_error("ResourceInsufficient.OverQuota", cbs.call, "CreateDiskBackup", DiskId="disk-cloudtw2")
    assert backups(cbs)["TotalCount"] == 0


def test_backup_lifecycle_quota_create_apply_delete(cbs, twin):
    disk_id = "disk-cloudtw2"  # unattached CLOUD_SSD 200 GB
    cbs.call("ModifyDiskBackupQuota", DiskId=disk_id, DiskBackupQuota=2)
    assert cbs.disk(disk_id)["DiskBackupQuota"] == 2

    # CreateDiskBackup: CREATING, then NORMAL.
    first = cbs.call("CreateDiskBackup", DiskId=disk_id, DiskBackupName="before-upgrade")["DiskBackupId"]
    assert re.fullmatch(r"dbp-[a-z0-9]{8}", first)
    b = backup(cbs, first)
    assert b["DiskBackupState"] == "CREATING"
    assert b["Percent"] < 100
    twin.advance(1)
    b = backup(cbs, first)
    assert b["DiskBackupState"] == "NORMAL"
    assert b["Percent"] == 100
    assert (b["DiskId"], b["DiskSize"], b["DiskUsage"], b["DiskBackupName"], b["Encrypt"]) == (
        disk_id, 200, "DATA_DISK", "before-upgrade", False)
    assert ISO8601.match(b["CreateTime"])
    assert cbs.disk(disk_id)["DiskBackupCount"] == 1

    twin.timing("immediate")
    second = cbs.call("CreateDiskBackup", DiskId=disk_id)["DiskBackupId"]
    assert cbs.disk(disk_id)["DiskBackupCount"] == 2
    expect_error("ResourceInsufficient.OverQuota", cbs.call, "CreateDiskBackup", DiskId=disk_id)
    expect_error("InvalidParameter", cbs.call, "ModifyDiskBackupQuota", DiskId=disk_id, DiskBackupQuota=1)

    listed = backups(cbs, Filters=[{"Name": "disk-id", "Values": [disk_id]}])
    assert listed["TotalCount"] == 2
    assert {b["DiskBackupId"] for b in listed["DiskBackupSet"]} == {first, second}

    # ApplyDiskBackup: disk and backup point ROLLBACKING, then back.
    twin.timing("realistic", seconds=1)
    cbs.call("ApplyDiskBackup", DiskBackupId=first, DiskId=disk_id)
    d = cbs.disk(disk_id)
    assert d["DiskState"] == "ROLLBACKING"
    assert d["Rollbacking"] is True
    assert backup(cbs, first)["DiskBackupState"] == "ROLLBACKING"
    d, _ = poll_disk(cbs, twin, disk_id, lambda d: d["DiskState"] != "ROLLBACKING")
    assert d["DiskState"] == "UNATTACHED"
    assert d["Rollbacking"] is False
    assert backup(cbs, first)["DiskBackupState"] == "NORMAL"

    # DeleteDiskBackups frees quota.
    cbs.call("DeleteDiskBackups", DiskBackupIds=[first])
    assert backups(cbs, DiskBackupIds=[first])["TotalCount"] == 0
    assert cbs.disk(disk_id)["DiskBackupCount"] == 1
    twin.timing("immediate")
    third = cbs.call("CreateDiskBackup", DiskId=disk_id)["DiskBackupId"]
    assert backup(cbs, third)["DiskBackupState"] == "NORMAL"


def test_create_disks_with_backup_quota(cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create(DiskBackupQuota=3)
    d = cbs.disk(disk_id)
    assert (d["DiskBackupQuota"], d["DiskBackupCount"]) == (3, 0)


def test_apply_backup_onto_attached_elastic_disk_is_busy(cbs, twin):
    twin.timing("immediate")
    cbs.call("ModifyDiskBackupQuota", DiskId="disk-cloudtw1", DiskBackupQuota=1)
    b = cbs.call("CreateDiskBackup", DiskId="disk-cloudtw1")["DiskBackupId"]
    expect_error("InvalidDisk.Busy", cbs.call, "ApplyDiskBackup", DiskBackupId=b, DiskId="disk-cloudtw1")
    assert cbs.disk("disk-cloudtw1")["DiskState"] == "ATTACHED"
    assert backup(cbs, b)["DiskBackupState"] == "NORMAL"


def test_describe_disk_backups_filters_and_paging(cbs, twin):
    twin.timing("immediate")
    for disk_id in ("disk-cloudtw1", "disk-cloudtw2"):
        cbs.call("ModifyDiskBackupQuota", DiskId=disk_id, DiskBackupQuota=3)
    made = {}
    for disk_id in ("disk-cloudtw1", "disk-cloudtw2", "disk-cloudtw2"):
        made.setdefault(disk_id, []).append(cbs.call("CreateDiskBackup", DiskId=disk_id)["DiskBackupId"])
        twin.advance(5)
    every = backups(cbs, Order="ASC")
    assert every["TotalCount"] == 3
    assert [b["DiskBackupId"] for b in every["DiskBackupSet"]] == made["disk-cloudtw1"] + made["disk-cloudtw2"]
    desc = backups(cbs, Order="DESC")
    assert [b["DiskBackupId"] for b in desc["DiskBackupSet"]] == list(reversed(
        [b["DiskBackupId"] for b in every["DiskBackupSet"]]))

    by_disk = backups(cbs, Filters=[{"Name": "disk-id", "Values": ["disk-cloudtw2"]}])
    assert sorted(b["DiskBackupId"] for b in by_disk["DiskBackupSet"]) == sorted(made["disk-cloudtw2"])
    by_id = backups(cbs, Filters=[{"Name": "disk-backup-id", "Values": made["disk-cloudtw1"]}])
    assert [b["DiskBackupId"] for b in by_id["DiskBackupSet"]] == made["disk-cloudtw1"]
    assert backups(cbs, Filters=[{"Name": "disk-usage", "Values": ["SYSTEM_DISK"]}])["TotalCount"] == 0
    page = backups(cbs, Limit=1, Offset=1, Order="ASC")
    assert page["TotalCount"] == 3
    assert [b["DiskBackupId"] for b in page["DiskBackupSet"]] == [made["disk-cloudtw2"][0]]
    expect_error("InvalidFilter", backups, cbs, Filters=[{"Name": "zone", "Values": ["ap-guangzhou-3"]}])


def test_delete_unknown_backup(cbs):
    with pytest.raises(TencentCloudSDKException) as info:
        cbs.call("DeleteDiskBackups", DiskBackupIds=["dbp-nosuch00"])
    assert info.value.code.startswith("ResourceNotFound"), info.value.code


# ------------------------------------------------------------------------------------ prices


def test_inquiry_price_create_disks_prepaid_doc_example(cbs):
    price = cbs.call(
        "InquiryPriceCreateDisks",
        DiskType="CLOUD_TSSD", DiskCount=1, DiskSize=500, DiskChargeType="PREPAID",
        DiskChargePrepaid={"Period": 1}, ThroughputPerformance=100,
    )["DiskPrice"]
    assert price["DiscountPrice"] == 800.0
    assert price["OriginalPrice"] == 800.0
    assert price["OriginalPriceHigh"] == "800"
    assert price["DiscountPriceHigh"] == "800"
    assert price["UnitPrice"] is None
    assert price["UnitPriceHigh"] is None
    assert price["ChargeUnit"] is None


def test_inquiry_price_create_disks_postpaid_doc_example(cbs):
    price = cbs.call(
        "InquiryPriceCreateDisks",
        DiskType="CLOUD_PREMIUM", DiskSize=100, DiskChargeType="POSTPAID_BY_HOUR",
    )["DiskPrice"]
    assert price["UnitPrice"] == 0.04
    assert price["UnitPriceDiscount"] == 0.04
    assert price["UnitPriceHigh"] == "0.042"
    assert price["UnitPriceDiscountHigh"] == "0.042"
    assert price["ChargeUnit"] == "HOUR"
    assert price["OriginalPrice"] is None
    assert price["DiscountPrice"] is None


def test_inquiry_price_create_disks_scales_with_count_and_period(cbs):
    def prepaid(count, period):
        return cbs.call(
            "InquiryPriceCreateDisks", DiskType="CLOUD_TSSD", DiskCount=count, DiskSize=500,
            DiskChargeType="PREPAID", DiskChargePrepaid={"Period": period}, ThroughputPerformance=100,
        )["DiskPrice"]["DiscountPrice"]

    assert prepaid(2, 1) == pytest.approx(2 * prepaid(1, 1))
    assert prepaid(1, 3) == pytest.approx(3 * prepaid(1, 1))


def test_inquiry_price_create_disks_rejections(cbs):
    expect_error("MissingParameter", cbs.call, "InquiryPriceCreateDisks",
                 DiskType="CLOUD_PREMIUM", DiskSize=100, DiskChargeType="PREPAID")
    expect_error("InvalidParameterValue", cbs.call, "InquiryPriceCreateDisks",
                 DiskType="CLOUD_PREMIUM", DiskSize=100, DiskChargeType="POSTPAID_BY_HOUR",
                 ThroughputPerformance=100)


def test_inquiry_price_resize_disk(cbs):
    small = cbs.call("InquiryPriceResizeDisk", DiskId="disk-cloudtw2", DiskSize=300)["DiskPrice"]
    large = cbs.call("InquiryPriceResizeDisk", DiskId="disk-cloudtw2", DiskSize=600)["DiskPrice"]
    # disk-cloudtw2 is pay-as-you-go: an hourly unit price.
    assert small["ChargeUnit"] == "HOUR"
    assert 0 < small["UnitPrice"] < large["UnitPrice"]
    assert float(small["UnitPriceHigh"]) < float(large["UnitPriceHigh"])
    expect_error("InvalidParameterValue", cbs.call, "InquiryPriceResizeDisk", DiskId="disk-cloudtw2", DiskSize=100)
    expect_error("InvalidDiskId.NotFound", cbs.call, "InquiryPriceResizeDisk", DiskId="disk-nosuch00", DiskSize=300)
    expect_error("InvalidDisk.NotPortable", cbs.call, "InquiryPriceResizeDisk", DiskId="disk-sysweb01", DiskSize=300)


def test_inquiry_price_resize_prepaid_disk_is_a_total(cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create(charge="PREPAID", size=100, DiskChargePrepaid={"Period": 1})
    price = cbs.call("InquiryPriceResizeDisk", DiskId=disk_id, DiskSize=200)["DiskPrice"]
    assert price["DiscountPrice"] > 0
    assert float(price["DiscountPriceHigh"]) > 0


def test_inquire_price_modify_disk_backup_quota_doc_example(cbs):
    price = cbs.call("InquirePriceModifyDiskBackupQuota", DiskId="disk-cloudtw2", DiskBackupQuota=1)["DiskPrice"]
    assert price["UnitPrice"] == 0.06
    assert price["UnitPriceDiscount"] == 0.06
    assert price["UnitPriceHigh"] == "0.059"
    assert price["UnitPriceDiscountHigh"] == "0.059"
    assert price["DiscountPrice"] is None
    two = cbs.call("InquirePriceModifyDiskBackupQuota", DiskId="disk-cloudtw2", DiskBackupQuota=2)["DiskPrice"]
    assert two["UnitPrice"] > price["UnitPrice"]


# ----------------------------------------------------------------------- extra performance


@pytest.fixture
def hssd(cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create(disk_type="CLOUD_HSSD", size=100)
    return disk_id


def test_modify_disk_extra_performance(cbs, hssd):
    assert cbs.disk(hssd)["ThroughputPerformance"] == 0
    cbs.call("ModifyDiskExtraPerformance", DiskId=hssd, ThroughputPerformance=650)
    assert cbs.disk(hssd)["ThroughputPerformance"] == 650
    cbs.call("ModifyDiskExtraPerformance", DiskId=hssd, ThroughputPerformance=0)
    assert cbs.disk(hssd)["ThroughputPerformance"] == 0


def test_extra_performance_range_hssd_0_to_650(cbs, hssd):
    with pytest.raises(TencentCloudSDKException) as info:
        cbs.call("ModifyDiskExtraPerformance", DiskId=hssd, ThroughputPerformance=651)
    assert info.value.code.startswith("InvalidParameter"), info.value.code
    assert cbs.disk(hssd)["ThroughputPerformance"] == 0


def test_extra_performance_range_tssd_0_to_1000(cbs, twin):
    twin.timing("immediate")
    (tssd,) = cbs.create(disk_type="CLOUD_TSSD", size=500)
    cbs.call("ModifyDiskExtraPerformance", DiskId=tssd, ThroughputPerformance=1000)
    assert cbs.disk(tssd)["ThroughputPerformance"] == 1000
    with pytest.raises(TencentCloudSDKException) as info:
        cbs.call("ModifyDiskExtraPerformance", DiskId=tssd, ThroughputPerformance=1001)
    assert info.value.code.startswith("InvalidParameter"), info.value.code


def test_extra_performance_only_for_hssd_and_tssd(cbs):
    with pytest.raises(TencentCloudSDKException) as info:
        cbs.call("ModifyDiskExtraPerformance", DiskId="disk-cloudtw2", ThroughputPerformance=100)
    assert info.value.code in ("InvalidDisk.NotSupported", "UnsupportedOperation"), info.value.code
    with pytest.raises(TencentCloudSDKException):
        cbs.call("InquirePriceModifyDiskExtraPerformance", DiskId="disk-cloudtw2", ThroughputPerformance=100)


def test_inquire_price_modify_disk_extra_performance(cbs, hssd):
    p100 = cbs.call("InquirePriceModifyDiskExtraPerformance", DiskId=hssd, ThroughputPerformance=100)["DiskPrice"]
    p200 = cbs.call("InquirePriceModifyDiskExtraPerformance", DiskId=hssd, ThroughputPerformance=200)["DiskPrice"]
    # A pay-as-you-go disk is quoted per hour.
    assert p100["ChargeUnit"] == "HOUR"
    assert 0 < float(p100["UnitPriceHigh"]) < float(p200["UnitPriceHigh"])
    assert cbs.disk(hssd)["ThroughputPerformance"] == 0, "an inquiry changes nothing"
