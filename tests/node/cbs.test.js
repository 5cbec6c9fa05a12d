// The official Tencent Cloud Node.js SDK (tencentcloud-sdk-nodejs, pinned in package-lock.json)
// against a cloudtwin started here: a disk and snapshot lifecycle, and the two ways a naive
// configuration fails (docs/clients.md explains both).
//
// The SDK signs with the service named by the endpoint's first label and with the endpoint's host
// name without its port, while it sends `Host: name:port`. So it is given the real endpoint
// (`cbs.tencentcloudapi.com`, default port) and an HTTP agent that routes its connections to the
// twin: `twinAgent` below is the whole recipe.
//
// Run: CLOUDTWIN_BIN=target/debug/cloudtwin node --test   (from tests/node, after `npm ci`)

"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const http = require("node:http");
const https = require("node:https");
const net = require("node:net");
const os = require("node:os");
const tls = require("node:tls");
const path = require("node:path");
const { spawn } = require("node:child_process");
const readline = require("node:readline");

const { cbs } = require("tencentcloud-sdk-nodejs/tencentcloud/services/cbs");
const CbsClient = cbs.v20170312.Client;

const SECRET_ID = "AKIDcloudtwinEXAMPLEid000000000000";
const SECRET_KEY = "cloudtwinEXAMPLEsecretKey00000000";
const REGION = "ap-guangzhou";
const ZONE = "ap-guangzhou-3";

let twin; // { proc, host, port }

function startTwin(extraArgs = []) {
  const bin = process.env.CLOUDTWIN_BIN || path.resolve(__dirname, "../../target/debug/cloudtwin");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CLOUDTWIN_")));
  env.CLOUDTWIN_LOG = "warn";
  const proc = spawn(bin, ["serve", "--listen", "127.0.0.1:0", ...extraArgs], { env, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the twin did not print its ready line")), 20000);
    proc.on("exit", (code) => reject(new Error(`the twin exited (${code})`)));
    // An exit after the ready line is the normal stop; only an early one is an error.
    readline.createInterface({ input: proc.stdout }).on("line", (line) => {
      const m = /^cloudtwin ready .* at https?:\/\/([^:]+):(\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, host: m[1], port: Number(m[2]) });
      }
    });
  });
}

/// An agent that opens every connection to the twin, whatever host the SDK names.
function twinAgent() {
  const agent = new http.Agent({ keepAlive: true });
  agent.createConnection = (_options, callback) => net.createConnection({ host: twin.host, port: twin.port }, callback);
  return agent;
}

function client({ endpoint = "cbs.tencentcloudapi.com", agent = twinAgent(), secretKey = SECRET_KEY } = {}) {
  return new CbsClient({
    credential: { secretId: SECRET_ID, secretKey },
    region: REGION,
    profile: { httpProfile: { protocol: "http://", endpoint, agent, reqTimeout: 10 } },
  });
}

async function control(method, route, body) {
  const res = await fetch(`http://${twin.host}:${twin.port}/_cloudtwin/${route}`, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${method} ${route}: ${text}`);
  return JSON.parse(text);
}

before(async () => {
  twin = await startTwin();
  // Async operations finish at once, so the lifecycle needs no waiting.
  await control("POST", "timing", { policy: "immediate" });
});

after(() => {
  if (twin) twin.proc.kill("SIGTERM");
});

test("a disk and its snapshot, created, described and deleted through the Node.js SDK", async () => {
  const c = client();
  const created = await c.CreateDisks({
    Placement: { Zone: ZONE },
    DiskChargeType: "POSTPAID_BY_HOUR",
    DiskType: "CLOUD_PREMIUM",
    DiskSize: 50,
    DiskName: "node-sdk",
  });
  assert.equal(created.DiskIdSet.length, 1);
  const diskId = created.DiskIdSet[0];
  assert.match(diskId, /^disk-[a-z0-9]{8}$/);

  const described = await c.DescribeDisks({ DiskIds: [diskId] });
  assert.equal(described.TotalCount, 1);
  const disk = described.DiskSet[0];
  assert.equal(disk.DiskState, "UNATTACHED");
  assert.equal(disk.DiskSize, 50);
  assert.equal(disk.DiskName, "node-sdk");
  assert.equal(disk.Placement.Zone, ZONE);

  const snap = await c.CreateSnapshot({ DiskId: diskId, SnapshotName: "node-sdk-snap" });
  assert.match(snap.SnapshotId, /^snap-[a-z0-9]{8}$/);
  const snaps = await c.DescribeSnapshots({ SnapshotIds: [snap.SnapshotId] });
  assert.equal(snaps.TotalCount, 1);
  assert.equal(snaps.SnapshotSet[0].DiskId, diskId);
  assert.equal(snaps.SnapshotSet[0].SnapshotState, "NORMAL");

  await c.DeleteSnapshots({ SnapshotIds: [snap.SnapshotId] });
  const afterDelete = await c.DescribeSnapshots({ SnapshotIds: [snap.SnapshotId] });
  assert.equal(afterDelete.TotalCount, 0);

  await c.TerminateDisks({ DiskIds: [diskId] });
  const gone = await c.DescribeDisks({ DiskIds: [diskId] });
  assert.equal(gone.TotalCount, 0);
});

test("a wrong SecretKey is refused with the cloud's error code", async () => {
  await assert.rejects(client({ secretKey: "not-the-key" }).DescribeDisks({}), (e) => {
    assert.equal(e.code, "AuthFailure.SignatureFailure");
    assert.ok(e.requestId);
    return true;
  });
});

test("the twin's address as the endpoint signs the wrong service and host (why the agent is needed)", async () => {
  const naive = client({ endpoint: `${twin.host}:${twin.port}`, agent: undefined });
  await assert.rejects(naive.DescribeDisks({}), (e) => {
    assert.match(e.code, /^AuthFailure\./);
    return true;
  });
});

test("over HTTPS: an https.Agent that trusts the twin's CA and names the real endpoint", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloudtwin-node-"));
  const caFile = path.join(dir, "ca.pem");
  const tlsTwin = await startTwin(["--tls", "self-signed", "--tls-name", "cbs.tencentcloudapi.com", "--tls-ca-out", caFile]);
  try {
    const ca = fs.readFileSync(caFile);
    const agent = new https.Agent({ keepAlive: true });
    agent.createConnection = (_options, callback) =>
      tls.connect({ host: tlsTwin.host, port: tlsTwin.port, ca, servername: "cbs.tencentcloudapi.com" }, callback);
    const c = new CbsClient({
      credential: { secretId: SECRET_ID, secretKey: SECRET_KEY },
      region: REGION,
      profile: { httpProfile: { protocol: "https://", endpoint: "cbs.tencentcloudapi.com", agent, reqTimeout: 10 } },
    });
    const r = await c.DescribeDisks({ Limit: 1 });
    assert.ok(r.TotalCount >= 1);
    // Without the CA the same client refuses the twin.
    const untrusting = new https.Agent();
    untrusting.createConnection = (_options, callback) =>
      tls.connect({ host: tlsTwin.host, port: tlsTwin.port, servername: "cbs.tencentcloudapi.com" }, callback);
    const refused = new CbsClient({
      credential: { secretId: SECRET_ID, secretKey: SECRET_KEY },
      region: REGION,
      profile: { httpProfile: { protocol: "https://", endpoint: "cbs.tencentcloudapi.com", agent: untrusting, reqTimeout: 10 } },
    });
    await assert.rejects(refused.DescribeDisks({}), /certificate/i);
  } finally {
    tlsTwin.proc.kill("SIGTERM");
  }
});
