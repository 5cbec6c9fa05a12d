"""The gateway (/v1/tencent/*) and the official SDK on one state: what one creates, the other
lists — disks, snapshots, scheduled snapshot policies and their bindings."""

import requests

TENANT = {"TenantUuid": "system", "ClusterUuid": "72db4b34-1473-418f-ade4-de00b956f16b", "Region": "ap-guangzhou"}


def gateway(twin, path, **body):
    """`data` of a gateway call that must succeed."""
    http = requests.Session()
    http.trust_env = False
    r = http.post(f"{twin.server.base_url}/v1/tencent/{path}", json={**TENANT, **body}, timeout=10)
    v = r.json()
    assert (r.status_code, v["scode"], v["message"]) == (200, 0, "success"), v
    return v["data"]


def test_a_gateway_disk_is_in_the_sdks_describe_disks_and_back(cbs, twin):
    twin.timing("immediate")
    gateway(twin, "disk/create", Placement={"Zone": "ap-guangzhou-3"}, DiskSize=20, DiskName="from-gateway",
            DiskType="CLOUD_PREMIUM")
    found = cbs.describe(Filters=[{"Name": "disk-name", "Values": ["from-gateway"]}])
    assert found["TotalCount"] == 1
    disk = found["DiskSet"][0]
    assert (disk["DiskSize"], disk["DiskType"], disk["DiskChargeType"]) == (20, "CLOUD_PREMIUM", "POSTPAID_BY_HOUR")

    [sdk_disk] = cbs.create(size=30)
    listed = gateway(twin, "disk/list", DiskIds=[sdk_disk])
    assert listed["TotalCount"] == 1
    assert listed["List"][0]["DiskSize"] == 30
    assert listed["Properties"] == [{"IsModify": False, "IsExpand": True, "IsDetach": False, "IsDelete": True}]


def test_snapshots_policies_and_bindings_cross_both_ways(cbs, twin):
    twin.timing("immediate")
    [disk] = cbs.create(size=20)
    gateway(twin, "snapshot/create", DiskId=disk, SnapshotName="gw-snap")
    snaps = cbs.call("DescribeSnapshots", Filters=[{"Name": "disk-id", "Values": [disk]}])["SnapshotSet"]
    assert [s["SnapshotName"] for s in snaps] == ["gw-snap"]

    asp = cbs.call("CreateAutoSnapshotPolicy", Policy=[{"DayOfWeek": [1], "Hour": [3]}],
                   AutoSnapshotPolicyName="sdk-policy")["AutoSnapshotPolicyId"]
    gateway(twin, "auto_snapshot/policy/bind", AutoSnapshotPolicyId=asp, DiskIds=[disk])
    bound = cbs.call("DescribeDiskAssociatedAutoSnapshotPolicy", DiskId=disk)
    assert [p["AutoSnapshotPolicyId"] for p in bound["AutoSnapshotPolicySet"]] == [asp]
    policies = gateway(twin, "auto_snapshot/policy/list", Fuzzy="SDK")
    assert [p["AutoSnapshotPolicyName"] for p in policies["List"]] == ["sdk-policy"]
    assert policies["List"][0]["DiskIdSet"] == [disk]

    logs = [l["Operation"] for l in cbs.op_logs(disk)]
    assert logs == ["CBS_OPERATION_CREATE", "ASP_OPERATION_BIND"]
