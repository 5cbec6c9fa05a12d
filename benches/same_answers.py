"""Same requests to two twins started alike (manual clock, id seed): every answer byte-compared.

    python3 benches/same_answers.py BEFORE_BINARY AFTER_BINARY

For a change that must keep the answers' bytes (gateway disk/list and snapshot/list, Tencent
DescribeDisks and DescribeSnapshots with their filters, Huawei ListBackups and ListVault, UCloudStack DescribeSnapshot and DescribeDisk, errors included). Uses scale.py's request builders."""
import json, os, re, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale as S

def up(binary):
    port = S.free_port()
    argv = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--timing", "immediate", "--clock", "1733000000", "--id-seed", "7"]
    proc, _ = S.start(argv, port, S.tc3("DescribeDisks", {"Limit": 1}, port=port))
    c = S.Client(port)
    c.tc("CreateDisks", {**S.CREATE_50, "DiskCount": 30, "DiskName": "gw-\"q\"-名"})
    c.tc("CreateDisks", {**S.CREATE_50, "DiskCount": 5, "Placement": {"Zone": "ap-guangzhou-4"}, "DiskName": "other",
                         "Tags": [{"Key": "env", "Value": "p\\rod"}]})
    c.tc("CreateDisks", {"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "PREPAID", "DiskType": "CLOUD_SSD",
                         "DiskSize": 100, "DiskCount": 3, "DiskChargePrepaid": {"Period": 1, "RenewFlag": "NOTIFY_AND_AUTO_RENEW"}})
    disks = [d["DiskId"] for d in c.tc("DescribeDisks", {"Limit": 100, "Order": "ASC"})["DiskSet"]]
    pol = c.tc("CreateAutoSnapshotPolicy", {"Policy": [{"DayOfWeek": [1], "Hour": [2]}], "AutoSnapshotPolicyName": "p"})["AutoSnapshotPolicyId"]
    c.tc("BindAutoSnapshotPolicy", {"AutoSnapshotPolicyId": pol, "DiskIds": disks[:3]})
    for i in range(12):
        c.tc("CreateSnapshot", {"DiskId": disks[i % 3], "SnapshotName": f"s-{i}\t"})
    hw = S.huawei_token(port)
    vaults = S.huawei_vaults(port, hw)
    S.huawei_backups(port, hw, vaults, 3)
    # A restore (its task keeps the target in extra_info) and a delete, for the task reads below.
    bks = c.json(S.Req("GET", f"/v3/{S.HW_PROJECT}/backups?limit=3&sort=created_at:asc", "", hw))["backups"]
    c.json(S.Req("POST", f"/v3/{S.HW_PROJECT}/backups/{bks[0]['id']}/restore", json.dumps(
        {"restore": {"volume_id": bks[0]["resource_id"]}}), hw))
    c.send(S.Req("DELETE", f"/v3/{S.HW_PROJECT}/backups/{bks[1]['id']}", "", hw))
    ucs_world(c)
    return proc, port, c, hw, disks, pol

UCS_DISKS = ["disk-ucsdata2", "disk-ucsdata1", "disk-ucsboot1", "disk-ucsboot2"]

def ucs_world(c):
    """UCloudStack snapshots over the four seeded disks (two bound to VMs), in both projects, both
    types, names and remarks that need escaping; one deleted; two more disks."""
    for i in range(30):
        params = {"DiskID": UCS_DISKS[i % 4], "Name": ["u-%d" % i, "名\"q\"-%d" % i, "t\tab\\%d" % i][i % 3]}
        if i % 5 == 0:
            params["ProjectID"] = "prj-cloudtw1"
        if i % 7 == 0:
            params["Type"] = "Automatic"
        if i % 4 == 1:
            params["Remark"] = "r\u0001 <&> é"
        doc = c.json(S.ucs("CreateSnapshot", params))
        assert doc["RetCode"] == 0, doc
    for params in [{"Name": "ucs-disk-\"x\"", "DiskSpace": 20, "SetType": "Normal", "ChargeType": "Dynamic", "Zone": "zone-01"},
                   {"Name": "other", "DiskSpace": 30, "SetType": "SSD", "ChargeType": "Month", "Zone": "zone-02",
                    "ProjectID": "prj-cloudtw1"}]:
        doc = c.json(S.ucs("CreateDisk", params))
        assert doc["RetCode"] == 0, doc

def ucs_reqs(c):
    ids = [s["SnapshotID"] for s in c.json(S.ucs("DescribeSnapshot", {"Limit": 100}))["Infos"]]
    c.json(S.ucs("DeleteSnapshot", {"SnapshotID": ids[4]}))
    out = []
    for params in [{}, {"Limit": 20}, {"Limit": 5, "Offset": 3}, {"Limit": 100}, {"Offset": 28, "Limit": 10},
                   {"Offset": 1000}, {"Limit": 1}, {"DiskID": "disk-ucsdata1"}, {"DiskID": "disk-ucsboot2", "Limit": 3, "Offset": 2},
                   {"DiskID": "disk-none"}, {"ProjectIDs.0": "prj-cloudtw1"}, {"ProjectIDs.0": "prj-default1", "Limit": 4},
                   {"ProjectIDs.0": "prj-default1", "ProjectIDs.1": "prj-cloudtw1", "Offset": 2},
                   {"ProjectIDs.0": "prj-cloudtw1", "DiskID": "disk-ucsdata2"}, {"ProjectIDs": "prj-cloudtw1"},
                   {"SnapshotIDs.0": ids[0], "SnapshotIDs.1": ids[7], "SnapshotIDs.2": ids[4], "SnapshotIDs.3": "snap-none"},
                   {"SnapshotIDs": ids[3]}, {"SnapshotIDs.0": ids[2], "SnapshotIDs.1": ids[2], "Offset": 1},
                   {"SnapshotIDs.0": ids[1], "DiskID": "disk-ucsboot1"}, {"Keyword": "u-1"}, {"Keyword": "名"},
                   {"Keyword": "SNAP-", "Limit": 7, "Offset": 2}, {"Keyword": "zzz-no-such"}, {"Keyword": ""},
                   {"Keyword": "T\tAB", "DiskID": "disk-ucsdata1"}, {"Keyword": "u", "ProjectIDs.0": "prj-cloudtw1"},
                   {"Limit": 0}, {"Limit": 101}, {"Offset": -1}, {"Limit": "x"}, {"ProjectIDs.x": "p"},
                   {"Zone": "zone-01", "Limit": 2}, {"Zone": "zone-99"}]:
        out.append(S.ucs("DescribeSnapshot", params))
    for params in [{}, {"Limit": 2, "Offset": 1}, {"DiskIDs.0": "disk-ucsboot1"}, {"ProjectIDs.0": "prj-cloudtw1"},
                   {"Zone": "zone-02"}, {"AttachResourceID": "vm-ucsweb01"}, {"Keyword": "UCS"}, {"Limit": 0}]:
        out.append(S.ucs("DescribeDisk", params))
    out.append(S.ucs("DescribeSnapshot", {"Limit": 20}, keys=(S.UCS_KEYS[0], "wrong")))
    out.append(S.ucs("NoSuchAction", {}))
    out.append(S.Req("POST", "/api", json.dumps({"Action": "DescribeSnapshot", "Region": "cn", "Limit": 3}),
                     {"Content-Type": "application/json"}))
    return out

def reqs(port, hw, disks, pol):
    g = lambda path, body: S.gateway(path, body)
    out = []
    for body in [{}, {"PageNum": 0, "PageSize": 20}, {"PageNum": 1, "PageSize": 7}, {"Offset": 5, "Limit": 9},
                 {"Offset": 0, "Limit": 0}, {"State": "UNATTACHED"}, {"Zone": "ap-guangzhou-4", "PageSize": 3},
                 {"State": "UNATTACHED", "Zone": "ap-guangzhou-3", "PageNum": 1, "PageSize": 10}, {"Fuzzy": "GW-", "PageSize": 4},
                 {"Fuzzy": "名"}, {"AutoSnapshotPolicyId": pol, "ReturnBindAutoSnapshotPolicy": True},
                 {"DiskIds": disks[:5], "State": "UNATTACHED"}, {"ReturnBindAutoSnapshotPolicy": True, "PageSize": 2},
                 {"Order": "DESC", "OrderField": "DEADLINE", "PageSize": 6}, {"PageSize": 150}, {"PageNum": 99, "PageSize": 10},
                 {"Filters": [{"Name": "disk-charge-type", "Values": ["PREPAID"]}], "PageSize": 5}, {"State": "bad"}, {"Limit": 101}]:
        out.append(g("disk/list", body))
    for body in [{}, {"PageNum": 0, "PageSize": 20}, {"PageNum": 2, "PageSize": 5}, {"Order": "DESC", "PageSize": 4},
                 {"Filters": [{"Name": "disk-id", "Values": [disks[1]]}], "PageSize": 3}, {"Fuzzy": "S-1"}, {"PageSize": -1}]:
        out.append(g("snapshot/list", body))
    # DescribeSnapshots itself: each filter its index answers, the orders, paging, IDs, errors.
    snap_ids = [s["SnapshotId"] for s in S.Client(port).tc("DescribeSnapshots", {"Limit": 100})["SnapshotSet"]]
    f = lambda name, *vals: {"Name": name, "Values": list(vals)}
    for body in [{}, {"Limit": 5, "Offset": 3}, {"Order": "ASC", "Limit": 7}, {"OrderField": "CREATE_TIME", "Order": "DESC"},
                 {"Filters": [f("disk-id", disks[0])], "Limit": 3}, {"Filters": [f("disk-id", disks[1])], "Order": "ASC"},
                 {"Filters": [f("disk-id", disks[0], disks[2])]}, {"Filters": [f("disk-id", "disk-none")]},
                 {"Filters": [f("snapshot-state", "NORMAL")], "Limit": 4, "Offset": 2},
                 {"Filters": [f("snapshot-state", "CREATING")]}, {"Filters": [f("zone", "ap-guangzhou-3")], "Order": "ASC"},
                 {"Filters": [f("snapshot-name", "s-3\t")]}, {"Filters": [f("snapshot-id", *snap_ids[:3])]},
                 {"Filters": [f("disk-id", disks[0]), f("snapshot-state", "NORMAL")], "Limit": 2},
                 {"Filters": [f("snapshot-type", "PRIVATE_SNAPSHOT"), f("zone", "ap-guangzhou-3")]},
                 {"Filters": [f("project-id", "x")]}, {"Filters": [f("bad-filter", "x")]},
                 {"SnapshotIds": snap_ids[2:6], "Order": "ASC"}, {"SnapshotIds": snap_ids[:2] + ["snap-none"]},
                 {"Limit": 101}, {"Offset": 11, "Limit": 100}]:
        out.append(S.tc3("DescribeSnapshots", body, port=port))
    # DescribeDisks: both orderings both ways, filters, IDs, policies, prepaid disks, errors.
    for body in [{}, {"Limit": 100}, {"Limit": 7, "Offset": 30}, {"OrderField": "DEADLINE", "Order": "ASC"},
                 {"OrderField": "DEADLINE", "Order": "DESC", "Limit": 5}, {"OrderField": "CREATE_TIME", "Order": "ASC"},
                 {"ReturnBindAutoSnapshotPolicy": True, "Limit": 4}, {"DiskIds": disks[:4] + ["disk-none"]},
                 {"DiskIds": disks[30:], "OrderField": "DEADLINE"}, {"Filters": [f("zone", "ap-guangzhou-4")]},
                 {"Filters": [f("disk-state", "UNATTACHED"), f("zone", "ap-guangzhou-3")], "Limit": 3, "Offset": 2},
                 {"Filters": [f("disk-charge-type", "PREPAID")]}, {"Filters": [f("disk-name", "other")]},
                 {"Filters": [f("tag-key", "env")]}, {"Limit": 101}, {"OrderField": "NAME"},
                 {"DiskIds": ["disk-1"], "Filters": [f("zone", "x")]}]:
        out.append(S.tc3("DescribeDisks", body, port=port))
    P = S.HW_PROJECT
    for q in ["limit=20", "limit=5&offset=3", "limit=20&status=available&sort=name:asc", "sort=name:desc&limit=7",
              "show_replication=true&limit=3", "limit=1000", "limit=4&sort=created_at:asc", "resource_name=bench&limit=3"]:
        out.append(S.Req("GET", f"/v3/{P}/backups?{q}", "", hw))
    for q in ["limit=20", "limit=2&offset=1", "limit=1000"]:
        out.append(S.Req("GET", f"/v3/{P}/vaults?{q}", "", hw))
    # One backup's reads (ShowBackup, ShowMetadata, its checkpoint) and the tasks (extra_info).
    c = S.Client(port)
    bks = c.json(S.Req("GET", f"/v3/{P}/backups?limit=4&sort=created_at:asc", "", hw))["backups"]
    for b in bks:
        out.append(S.Req("GET", f"/v3/{P}/backups/{b['id']}", "", hw))
        out.append(S.Req("GET", f"/v3/{P}/backups/{b['id']}/metadata", "", hw))
        out.append(S.Req("GET", f"/v3/{P}/checkpoints/{b['checkpoint_id']}", "", hw))
    out.append(S.Req("GET", f"/v3/{P}/backups/no-such/metadata", "", hw))
    logs = c.json(S.Req("GET", f"/v3/{P}/operation-logs?limit=1000", "", hw))["operation_logs"]
    for q in ["limit=1000", "limit=5&offset=2", "operation_type=restore", "operation_type=delete", "operation_type=backup&limit=3"]:
        out.append(S.Req("GET", f"/v3/{P}/operation-logs?{q}", "", hw))
    for o in logs[:3] + [o for o in logs if o["operation_type"] != "backup"]:
        out.append(S.Req("GET", f"/v3/{P}/operation-logs/{o['id']}", "", hw))
    return out + ucs_reqs(c)

RID = re.compile(rb'"RequestId":"[0-9a-f-]{36}"')
# A Huawei task's request_id is the request's random id as well.
HRID = re.compile(rb'"request_id":"(req-)?[0-9a-f]{32}"')
a = up(sys.argv[1]); b = up(sys.argv[2])
try:
    same = diff = 0
    ra, rb = reqs(a[1], a[3], *a[4:]), reqs(b[1], b[3], *b[4:])
    for x, y in zip(ra, rb):
        sa, ba, _ = a[2].send(x); sb, bb, _ = b[2].send(y)
        # A Tencent RequestId is a random UUID (not from the seed): the one part left out.
        ba, bb = (HRID.sub(b'"request_id":""', RID.sub(b'"RequestId":""', v)) for v in (ba, bb))
        if (sa, ba) == (sb, bb):
            same += 1
        else:
            diff += 1
            print("DIFF", x.method, x.path, x.body[:120], sa, sb, ba[:300], bb[:300])
    # a marker page (ids equal by the seed)
    print(f"{same} answers byte-identical, {diff} differ")
finally:
    S.stop(a[0]); S.stop(b[0])
