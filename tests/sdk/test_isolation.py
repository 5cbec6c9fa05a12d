"""Tenant and region isolation: each (account, region) pair has its own disks and instances."""

from twin_support import expect_error


def test_disk_of_default_account_is_invisible_to_peer(cbs, peer_cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create(DiskName="mine")
    assert cbs.disk(disk_id) is not None

    assert peer_cbs.describe(DiskIds=[disk_id])["TotalCount"] == 0
    peer_all = peer_cbs.ids()
    assert disk_id not in peer_all
    assert not {"disk-cloudtw1", "disk-cloudtw2", "disk-sysweb01"} & set(peer_all)
    assert peer_cbs.describe(Filters=[{"Name": "disk-name", "Values": ["mine"]}])["TotalCount"] == 0


def test_peer_cannot_act_on_default_account_resources(cbs, peer_cbs, twin):
    twin.timing("immediate")
    (mine,) = cbs.create()
    expect_error("InvalidDiskId.NotFound", peer_cbs.call, "AttachDisks", DiskIds=[mine], InstanceId="ins-peercvm1")
    expect_error("InvalidDiskId.NotFound", peer_cbs.call, "ResizeDisk", DiskId=mine, DiskSize=100)
    expect_error("InvalidDiskId.NotFound", peer_cbs.call, "TerminateDisks", DiskIds=[mine])
    (theirs,) = peer_cbs.create()
    expect_error("InvalidInstanceId.NotFound", peer_cbs.call, "AttachDisks", DiskIds=[theirs], InstanceId="ins-cloudtw1")
    # Nothing changed on the default account's side.
    assert cbs.disk(mine)["DiskState"] == "UNATTACHED"
    assert cbs.disk(mine)["DiskSize"] == 50


def test_peer_disk_is_invisible_to_default_account(cbs, peer_cbs, twin):
    twin.timing("immediate")
    (theirs,) = peer_cbs.create(DiskName="theirs")
    assert peer_cbs.disk(theirs)["DiskName"] == "theirs"
    assert cbs.describe(DiskIds=[theirs])["TotalCount"] == 0
    peer_cbs.call("AttachDisks", DiskIds=[theirs], InstanceId="ins-peercvm1")
    assert peer_cbs.disk(theirs)["InstanceId"] == "ins-peercvm1"


def test_regions_are_isolated(cbs, make_client, twin):
    twin.timing("immediate")
    shanghai = make_client(region="ap-shanghai")
    (gz_disk,) = cbs.create()

    sh_ids = shanghai.ids()
    assert not {gz_disk, "disk-cloudtw1", "disk-cloudtw2", "disk-sysweb01"} & set(sh_ids)
    assert shanghai.describe(DiskIds=[gz_disk])["TotalCount"] == 0
    for d in shanghai.describe(Limit=100)["DiskSet"]:
        assert d["Placement"]["Zone"].startswith("ap-shanghai-")

    (sh_disk,) = shanghai.create(zone="ap-shanghai-5")
    assert shanghai.disk(sh_disk)["Placement"]["Zone"] == "ap-shanghai-5"
    assert cbs.describe(DiskIds=[sh_disk])["TotalCount"] == 0

    # Instances are regional too.
    shanghai.call("AttachDisks", DiskIds=[sh_disk], InstanceId="ins-shcloud1")
    expect_error("InvalidInstanceId.NotFound", cbs.call, "AttachDisks", DiskIds=[gz_disk], InstanceId="ins-shcloud1")
    expect_error("InvalidDiskId.NotFound", shanghai.call, "AttachDisks", DiskIds=[gz_disk], InstanceId="ins-shcloud1")


def test_timing_reads_are_per_account_and_region(cbs, peer_cbs, make_client, twin):
    """Under the realistic policy a job completes only after a Describe call in the SAME account
    and region has seen it in flight: reads elsewhere do not count."""
    (disk_id,) = cbs.create()
    shanghai = make_client(region="ap-shanghai")
    twin.advance(5)
    peer_cbs.describe()
    shanghai.describe()
    twin.advance(5)
    jobs = [j for j in twin.jobs()]
    assert jobs, "the creation job must still be pending: no read in its account+region yet"
    assert cbs.disk(disk_id) is None  # this read sees it in flight ...
    assert cbs.disk(disk_id)["DiskState"] == "UNATTACHED"  # ... so it is done afterwards


def test_operation_logs_are_per_account(cbs, peer_cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create()
    assert [l["Operation"] for l in cbs.op_logs(disk_id)] == ["CBS_OPERATION_CREATE"]
    assert peer_cbs.op_logs(disk_id) == []


def test_region_is_optional_for_cbs_and_defaults_to_guangzhou(make_client):
    """Every CBS action declares Region optional; the SDK then sends no X-TC-Region/Region."""
    no_region = make_client(region="")
    assert no_region.describe(DiskIds=["disk-cloudtw1"])["TotalCount"] == 1


def test_unknown_region_is_unsupported_region(make_client):
    expect_error("UnsupportedRegion", make_client(region="ap-nowhere").describe)
