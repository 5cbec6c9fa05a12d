"""DescribeDisks: paging, ordering and each of its 15 filters.

The filter tests run against the seed inventory plus two disks made for the purpose:

    alpha  CLOUD_PREMIUM 20 GB, POSTPAID_BY_HOUR, ap-guangzhou-3, project 0,
           tag env=prod, attached to ins-cloudtw1 (web-1, 10.0.3.11 / 119.29.3.11)
    beta   CLOUD_SSD 30 GB, PREPAID, ap-guangzhou-4, project 1001,
           tags env=dev and team=storage, unattached

Each case checks that (a) every returned disk really matches, (b) the disks that should match
are there and (c) those that should not are not.
"""

import pytest

from twin_support import expect_error

SEED_ON_WEB1 = {"disk-sysweb01", "disk-cloudtw1"}  # what is attached to ins-cloudtw1 at reset


@pytest.fixture
def world(cbs, twin):
    twin.timing("immediate")
    (alpha,) = cbs.create(
        size=20, DiskName="flt-alpha", Tags=[{"Key": "env", "Value": "prod"}],
    )
    cbs.call("AttachDisks", DiskIds=[alpha], InstanceId="ins-cloudtw1")
    (beta,) = cbs.create(
        size=30, zone="ap-guangzhou-4", disk_type="CLOUD_SSD", charge="PREPAID",
        DiskName="flt-beta", Placement={"ProjectId": 1001},
        Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "storage"}],
    )
    return {"alpha": alpha, "beta": beta}


def tags(d):
    return {t["Key"]: t["Value"] for t in (d["Tags"] or [])}


# (filter name, values, predicate every returned disk satisfies, must include, must exclude)
# "alpha"/"beta" are replaced by the disks made by the `world` fixture.
CASES = {
    "disk-usage": [
        (["DATA_DISK"], lambda d: d["DiskUsage"] == "DATA_DISK", {"alpha", "beta", "disk-cloudtw2"}, {"disk-sysweb01"}),
        (["SYSTEM_DISK"], lambda d: d["DiskUsage"] == "SYSTEM_DISK", {"disk-sysweb01"}, {"alpha", "beta"}),
    ],
    "disk-charge-type": [
        (["POSTPAID_BY_HOUR"], lambda d: d["DiskChargeType"] == "POSTPAID_BY_HOUR", {"alpha"}, {"beta"}),
        (["PREPAID"], lambda d: d["DiskChargeType"] == "PREPAID", {"beta"}, {"alpha"}),
    ],
    "portable": [
        (["TRUE"], lambda d: d["Portable"] is True, {"alpha", "beta"}, {"disk-sysweb01"}),
        (["FALSE"], lambda d: d["Portable"] is False, {"disk-sysweb01", "disk-sysbat01"}, {"alpha", "beta"}),
    ],
    "project-id": [
        (["1001"], lambda d: d["Placement"]["ProjectId"] == 1001, {"beta"}, {"alpha"}),
        (["0"], lambda d: d["Placement"]["ProjectId"] == 0, {"alpha", "disk-cloudtw1"}, {"beta"}),
    ],
    "disk-id": [
        (["alpha"], lambda d: d["DiskName"] == "flt-alpha", {"alpha"}, {"beta"}),
        (["disk-nosuch00"], lambda d: False, set(), {"alpha", "beta"}),
    ],
    "disk-name": [
        (["flt-beta"], lambda d: d["DiskName"] == "flt-beta", {"beta"}, {"alpha"}),
        (["flt-gamma"], lambda d: False, set(), {"alpha", "beta"}),
    ],
    "disk-type": [
        (["CLOUD_SSD"], lambda d: d["DiskType"] == "CLOUD_SSD", {"beta", "disk-cloudtw2"}, {"alpha"}),
        (["CLOUD_BASIC"], lambda d: d["DiskType"] == "CLOUD_BASIC", set(), {"alpha", "beta"}),
    ],
    "disk-state": [
        (["ATTACHED"], lambda d: d["DiskState"] == "ATTACHED", {"alpha", "disk-cloudtw1"}, {"beta", "disk-cloudtw2"}),
        (["UNATTACHED"], lambda d: d["DiskState"] == "UNATTACHED", {"beta", "disk-cloudtw2"}, {"alpha"}),
    ],
    "instance-id": [
        (["ins-cloudtw1"], lambda d: d["InstanceId"] == "ins-cloudtw1", {"alpha"} | SEED_ON_WEB1, {"beta"}),
        (["ins-cloudtw3"], lambda d: d["InstanceId"] == "ins-cloudtw3", {"disk-sysbat01"}, {"alpha", "beta"}),
    ],
    "zone": [
        (["ap-guangzhou-4"], lambda d: d["Placement"]["Zone"] == "ap-guangzhou-4", {"beta", "disk-sysbat01"}, {"alpha"}),
        (["ap-guangzhou-3"], lambda d: d["Placement"]["Zone"] == "ap-guangzhou-3", {"alpha", "disk-cloudtw2"}, {"beta"}),
    ],
    "instance-ip-address": [
        (["10.0.3.11"], lambda d: d["InstanceId"] == "ins-cloudtw1", {"alpha"} | SEED_ON_WEB1, {"beta"}),
        (["119.29.3.11"], lambda d: d["InstanceId"] == "ins-cloudtw1", {"alpha"} | SEED_ON_WEB1, {"beta"}),
        (["10.9.9.9"], lambda d: False, set(), {"alpha", "beta"}),
    ],
    "instance-name": [
        (["web-1"], lambda d: d["InstanceId"] == "ins-cloudtw1", {"alpha"} | SEED_ON_WEB1, {"beta"}),
        (["no-such-vm"], lambda d: False, set(), {"alpha", "beta"}),
    ],
    "tag-key": [
        (["team"], lambda d: "team" in tags(d), {"beta"}, {"alpha"}),
        (["owner"], lambda d: False, set(), {"alpha", "beta"}),
    ],
    "tag-value": [
        (["prod"], lambda d: "prod" in tags(d).values(), {"alpha"}, {"beta"}),
        (["staging"], lambda d: False, set(), {"alpha", "beta"}),
    ],
    "tag:env": [
        (["prod"], lambda d: tags(d).get("env") == "prod", {"alpha"}, {"beta"}),
        (["dev"], lambda d: tags(d).get("env") == "dev", {"beta"}, {"alpha"}),
        (["storage"], lambda d: False, set(), {"alpha", "beta"}),  # a value of another key
    ],
}

PARAMS = [
    pytest.param(name, *case, id=f"{name}={'|'.join(case[0])}")
    for name, cases in CASES.items()
    for case in cases
]


def test_fifteen_filters_are_covered():
    assert len(CASES) == 15


@pytest.mark.parametrize("name, values, predicate, include, exclude", PARAMS)
def test_filter(cbs, world, name, values, predicate, include, exclude):
    resolve = lambda names: {world.get(n, n) for n in names}  # noqa: E731
    values = [world.get(v, v) for v in values]
    out = cbs.describe(Filters=[{"Name": name, "Values": values}], Limit=100)
    got = {d["DiskId"]: d for d in out["DiskSet"]}
    assert out["TotalCount"] == len(got)
    for d in got.values():
        assert predicate(d), f"{d['DiskId']} does not match {name}={values}"
    assert resolve(include) <= set(got), f"missing {resolve(include) - set(got)}"
    assert not resolve(exclude) & set(got), f"unexpected {resolve(exclude) & set(got)}"


def test_values_of_one_filter_are_ored_and_filters_are_anded(cbs, world):
    both = cbs.ids(Filters=[{"Name": "disk-name", "Values": ["flt-alpha", "flt-beta"]}])
    assert sorted(both) == sorted(world.values())
    only_beta = cbs.ids(Filters=[
        {"Name": "disk-name", "Values": ["flt-alpha", "flt-beta"]},
        {"Name": "zone", "Values": ["ap-guangzhou-4"]},
    ])
    assert only_beta == [world["beta"]]


def test_unknown_filter_is_invalid_filter(cbs):
    expect_error("InvalidFilter", cbs.describe, Filters=[{"Name": "disk-colour", "Values": ["red"]}])


def test_disk_ids_and_filters_together_are_rejected(cbs):
    expect_error(
        "InvalidParameterValue",
        cbs.describe,
        DiskIds=["disk-cloudtw1"],
        Filters=[{"Name": "zone", "Values": ["ap-guangzhou-3"]}],
    )


def test_return_bind_auto_snapshot_policy_fills_the_policy_list(cbs):
    plain = cbs.describe(DiskIds=["disk-cloudtw1"])["DiskSet"][0]
    assert plain["AutoSnapshotPolicyIds"] is None
    full = cbs.describe(DiskIds=["disk-cloudtw1"], ReturnBindAutoSnapshotPolicy=True)["DiskSet"][0]
    assert full["AutoSnapshotPolicyIds"] == []


# ------------------------------------------------------------------------------------ paging


@pytest.fixture
def page_disks(cbs, twin):
    twin.timing("immediate")
    return cbs.create(DiskCount=25, DiskName="page-disk")


PAGE_FILTER = [{"Name": "disk-name", "Values": ["page-disk"]}]


def test_pages_cover_every_disk_once_and_total_count_is_constant(cbs, page_disks):
    seen = []
    for offset, expected_len in [(0, 10), (10, 10), (20, 5), (30, 0)]:
        out = cbs.describe(Filters=PAGE_FILTER, Offset=offset, Limit=10)
        assert out["TotalCount"] == 25
        assert len(out["DiskSet"]) == expected_len
        seen += [d["DiskId"] for d in out["DiskSet"]]
    assert sorted(seen) == sorted(page_disks)
    assert len(set(seen)) == 25


def test_default_limit_is_20(cbs, page_disks):
    out = cbs.describe(Filters=PAGE_FILTER)
    assert out["TotalCount"] == 25
    assert len(out["DiskSet"]) == 20


def test_limit_100_is_allowed_and_101_is_rejected(cbs, page_disks):
    assert len(cbs.describe(Limit=100)["DiskSet"]) == cbs.describe(Limit=100)["TotalCount"] == 31
    expect_error("InvalidParameterValue", cbs.describe, Limit=101)


def test_order_asc_is_the_reverse_of_desc_and_desc_is_default(cbs, page_disks):
    asc = cbs.ids(Filters=PAGE_FILTER, Order="ASC")
    desc = cbs.ids(Filters=PAGE_FILTER, Order="DESC")
    default = cbs.ids(Filters=PAGE_FILTER)
    assert sorted(asc) == sorted(page_disks)
    assert asc == list(reversed(desc))
    assert default == desc


def test_order_by_create_time(cbs, twin):
    twin.timing("immediate")
    (first,) = cbs.create(DiskName="ordered")
    twin.advance(10)
    (second,) = cbs.create(DiskName="ordered")
    twin.advance(10)
    (third,) = cbs.create(DiskName="ordered")
    flt = [{"Name": "disk-name", "Values": ["ordered"]}]
    assert cbs.ids(Filters=flt, Order="ASC", OrderField="CREATE_TIME") == [first, second, third]
    assert cbs.ids(Filters=flt, Order="DESC", OrderField="CREATE_TIME") == [third, second, first]
    assert cbs.ids(Filters=flt) == [third, second, first]
    # Paging respects the order.
    assert cbs.ids(Filters=flt, Order="ASC", Offset=1, Limit=1) == [second]
    times = [cbs.disk(i)["CreateTime"] for i in (first, second, third)]
    assert times == sorted(times) and len(set(times)) == 3


def test_order_by_deadline(cbs, twin):
    twin.timing("immediate")
    (long_term,) = cbs.create(charge="PREPAID", DiskName="deadline", DiskChargePrepaid={"Period": 3})
    twin.advance(10)
    (short_term,) = cbs.create(charge="PREPAID", DiskName="deadline", DiskChargePrepaid={"Period": 1})
    flt = [{"Name": "disk-name", "Values": ["deadline"]}]
    assert cbs.ids(Filters=flt, Order="ASC", OrderField="DEADLINE") == [short_term, long_term]
    assert cbs.ids(Filters=flt, Order="DESC", OrderField="DEADLINE") == [long_term, short_term]
    # By creation time the order is the other way round.
    assert cbs.ids(Filters=flt, Order="ASC", OrderField="CREATE_TIME") == [long_term, short_term]
