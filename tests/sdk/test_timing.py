"""Timing policies (POST /_cloudtwin/timing) decide when async work completes.

    realistic {seconds}  `seconds` of clock time AND a Describe in the same account+region saw it
    immediate            at the end of the request that started it
    duration {seconds}   `seconds` of clock time, seen or not
    reads {reads}        after `reads` Describe calls have seen it in flight
    manual               only POST /_cloudtwin/jobs/complete finishes it
"""

from twin_support import poll_disk


def test_immediate_disk_is_listed_at_once(cbs, twin):
    twin.timing("immediate")
    (disk_id,) = cbs.create()
    assert cbs.disk(disk_id)["DiskState"] == "UNATTACHED"
    cbs.call("AttachDisks", DiskIds=[disk_id], InstanceId="ins-cloudtw1")
    assert cbs.disk(disk_id)["DiskState"] == "ATTACHED"
    assert twin.jobs() == []


def test_manual_disk_stays_unlisted_until_jobs_complete(cbs, twin):
    twin.timing("manual")
    (disk_id,) = cbs.create()
    for _ in range(3):
        assert cbs.disk(disk_id) is None
        twin.advance(86400)
    jobs = twin.jobs()
    assert len(jobs) == 1
    assert disk_id in str(jobs[0])

    assert twin.complete_jobs(disk_id)["completed"] == 1
    assert cbs.disk(disk_id)["DiskState"] == "UNATTACHED"
    assert twin.jobs() == []


def test_manual_complete_all_finishes_every_job(cbs, twin):
    twin.timing("immediate")
    a, b = cbs.create(DiskCount=2)
    twin.timing("manual")
    cbs.call("AttachDisks", DiskIds=[a, b], InstanceId="ins-cloudtw1")
    assert {d["DiskState"] for d in cbs.disks([a, b])} == {"ATTACHING"}
    twin.advance(3600)
    assert {d["DiskState"] for d in cbs.disks([a, b])} == {"ATTACHING"}
    assert twin.complete_jobs()["completed"] == 2
    assert {d["DiskState"] for d in cbs.disks([a, b])} == {"ATTACHED"}


def test_manual_complete_one_target_leaves_the_others(cbs, twin):
    twin.timing("immediate")
    a, b = cbs.create(DiskCount=2)
    twin.timing("manual")
    cbs.call("ResizeDisk", DiskId=a, DiskSize=60)
    cbs.call("ResizeDisk", DiskId=b, DiskSize=70)
    twin.complete_jobs(b)
    states = {d["DiskId"]: (d["DiskState"], d["DiskSize"]) for d in cbs.disks([a, b])}
    assert states == {a: ("EXPANDING", 50), b: ("UNATTACHED", 70)}


def test_realistic_needs_a_read_even_when_time_has_passed(cbs, twin):
    (disk_id,) = cbs.create()
    twin.advance(60)  # plenty of time, but nobody has looked yet
    assert cbs.disk(disk_id) is None  # the poller sees it in flight once ...
    assert cbs.disk(disk_id)["DiskState"] == "UNATTACHED"  # ... and then it is done


def test_realistic_needs_time_even_when_read(cbs, twin):
    twin.timing("realistic", seconds=30)
    twin.advance(0)  # freeze the clock
    (disk_id,) = cbs.create()
    for _ in range(3):
        assert cbs.disk(disk_id) is None
    twin.advance(29)
    assert cbs.disk(disk_id) is None
    twin.advance(1)
    assert cbs.disk(disk_id)["DiskState"] == "UNATTACHED"


def test_realistic_poller_sees_every_intermediate_state(cbs, twin):
    (disk_id,) = cbs.create()
    _, seen = poll_disk(cbs, twin, disk_id, lambda d: True)
    assert seen == [None, "UNATTACHED"]
    cbs.call("AttachDisks", DiskIds=[disk_id], InstanceId="ins-cloudtw1")
    _, seen = poll_disk(cbs, twin, disk_id, lambda d: d["DiskState"] == "ATTACHED")
    assert seen == ["ATTACHING", "ATTACHED"]


def test_duration_completes_on_time_without_reads(cbs, twin):
    twin.timing("duration", seconds=10)
    twin.advance(0)
    (disk_id,) = cbs.create()
    twin.advance(9)
    assert cbs.disk(disk_id) is None
    twin.advance(1)
    assert cbs.disk(disk_id)["DiskState"] == "UNATTACHED"


def test_duration_does_not_need_a_read(cbs, twin):
    twin.timing("duration", seconds=10)
    twin.advance(0)
    (disk_id,) = cbs.create()
    twin.advance(10)
    assert cbs.disk(disk_id)["DiskState"] == "UNATTACHED"  # the first look already sees it done


def test_reads_policy_counts_describe_calls(cbs, twin):
    twin.timing("reads", reads=3)
    twin.advance(0)
    (disk_id,) = cbs.create()
    assert [cbs.disk(disk_id) for _ in range(3)] == [None, None, None]
    assert cbs.disk(disk_id)["DiskState"] == "UNATTACHED"


def test_non_describe_calls_are_not_reads(cbs, twin):
    twin.timing("reads", reads=1)
    (disk_id,) = cbs.create()
    cbs.call("InquiryPriceCreateDisks", DiskType="CLOUD_PREMIUM", DiskSize=100, DiskChargeType="POSTPAID_BY_HOUR")
    cbs.call("ModifyDiskAttributes", DiskIds=["disk-cloudtw2"], DiskName="not-a-read")
    assert cbs.disk(disk_id) is None
    assert cbs.disk(disk_id) is not None


def test_timing_policy_round_trips(twin):
    assert twin.timing("duration", seconds=5) == {"policy": "duration", "seconds": 5.0}
    assert twin.get("/_cloudtwin/timing") == {"policy": "duration", "seconds": 5.0}


def test_reset_restores_seed_inventory(cbs, twin):
    twin.timing("immediate")
    cbs.create(DiskCount=3)
    cbs.call("TerminateDisks", DiskIds=["disk-cloudtw2"])
    twin.reset()
    ids = set(cbs.ids())
    assert {"disk-cloudtw1", "disk-cloudtw2"} <= ids
    assert len(ids) == 6
