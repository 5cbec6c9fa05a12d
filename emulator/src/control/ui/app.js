// The cloudtwin console: reads and steers the twin through its control endpoints
// (/_cloudtwin/state, /jobs, /clock, /jobs/complete, /requests, /faults). Plain DOM, no framework,
// nothing fetched from anywhere but the twin. Every value from the twin goes into the page as
// text (textContent), never as markup: resource names and journal fields come from clients.
'use strict';

const POLL_MS = 2000;
const ROWS_MAX = 300;
const $ = (id) => document.getElementById(id);

// ---- small DOM helpers -------------------------------------------------------------------

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k.startsWith('data-')) e.setAttribute(k, String(v));
    else e[k] = v;
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function table(headers, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', { text: h })))), el('tbody', {}, rows));
}

function pad(n) { return String(n).padStart(2, '0'); }

function fmtTime(ms) {
  if (typeof ms !== 'number' || !isFinite(ms)) return '';
  const d = new Date(ms);
  if (isNaN(d)) return '';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function fmtDuration(secs) {
  const s = Math.round(secs);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

function stateClass(s) {
  const v = String(s).toLowerCase();
  if (/(error|fail|expired|isolat|invalid|deleted)/.test(v)) return 'badge state-bad';
  // In-between states (CREATING, attaching, protecting...), but a running machine is settled.
  if ((/ing$/.test(v) && v !== 'running') || /(pending|wait)/.test(v)) return 'badge state-busy';
  return 'badge state-ok';
}

function setMessage(text) {
  const m = $('message');
  m.textContent = text || '';
  m.hidden = !text;
}

// ---- talking to the twin -----------------------------------------------------------------

class LoginNeeded extends Error {}

// One control call. State-changing calls carry the console header: with a session cookie the
// twin accepts them only with it (a page of another origin cannot send it without a preflight).
async function api(method, path, body) {
  const init = { method, cache: 'no-store', credentials: 'same-origin', headers: {} };
  if (method !== 'GET') init.headers['X-Cloudtwin-Console'] = '1';
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch('/_cloudtwin' + path, init);
  const text = await r.text();
  let data = text;
  try { data = JSON.parse(text); } catch (_) { /* text answers (operations) stay text */ }
  if (r.status === 401 && !path.startsWith('/ui/')) throw new LoginNeeded();
  return { status: r.status, ok: r.ok, data };
}

function errorOf(res) {
  return (res.data && res.data.error) || `HTTP ${res.status}`;
}

// ---- what the console knows --------------------------------------------------------------

const model = {
  clock: null,
  world: null,
  jobs: [],
  journal: undefined, // undefined: not loaded; null: this twin has no journal
  faults: undefined,
  operations: [],
  expanded: new Set(),
  tab: 'resources',
  loggedOut: false,
};

// ---- resources ---------------------------------------------------------------------------

// Every provider's part of the state as scopes: surface, account (Huawei: project), region,
// and the collections in it (maps of resources by id, or logs).
function scopes(world) {
  const out = [];
  const nested = (surface, part) => {
    for (const [account, regions] of Object.entries(part || {})) {
      for (const [region, cols] of Object.entries(regions || {})) out.push({ surface, account, region, cols });
    }
  };
  nested('tencent', world.tencent);
  for (const [project, cols] of Object.entries(world.huawei || {})) {
    out.push({ surface: 'huawei', account: project, region: cols.region || '(project)', cols });
  }
  nested('ucloudstack', world.ucloudstack);
  return out;
}

const NAME_KEYS = /^(name|[a-z_]*_name|[A-Za-z]*Name)$/;
const STATE_KEYS = /(state|status|State|Status)$/;
const EXTRA_KEYS = ['disk_size', 'size', 'disk_type', 'set_type', 'resource_type', 'attached_to', 'disk_id', 'vault_id',
  'resource_id', 'progress', 'percent', 'created_ms'];
const FLAGS = ['creating', 'migrating', 'deleting', 'rolling_back', 'encrypt_pending'];

function columnsOf(items) {
  const keys = new Set();
  for (const it of items.slice(0, 20)) if (it && typeof it === 'object') Object.keys(it).forEach((k) => keys.add(k));
  const all = [...keys];
  return {
    name: all.find((k) => NAME_KEYS.test(k) && !/_id$/.test(k)),
    state: all.find((k) => STATE_KEYS.test(k)),
    extras: EXTRA_KEYS.filter((k) => keys.has(k)).slice(0, 3),
  };
}

function cellValue(k, v) {
  if (v === null || v === undefined) return '';
  if (k.endsWith('_ms')) return fmtTime(v);
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function detailRow(key, colspan, value) {
  return el('tr', { class: 'detail' }, el('td', { colSpan: colspan }, el('pre', { text: JSON.stringify(value, null, 2) })));
}

function toggle(key) {
  if (model.expanded.has(key)) model.expanded.delete(key); else model.expanded.add(key);
  render();
}

function resourceTable(scopeKey, name, coll, text) {
  const entries = Array.isArray(coll)
    ? coll.slice(-50).reverse().map((v, i) => [String(coll.length - i), v])
    : Object.entries(coll);
  const shown = entries.filter(([id, v]) => !text || id.toLowerCase().includes(text) || JSON.stringify(v).toLowerCase().includes(text));
  if (!shown.length) return null;
  const cols = columnsOf(shown.map(([, v]) => v));
  const headers = [Array.isArray(coll) ? '#' : 'id'];
  if (cols.name) headers.push('name');
  if (cols.state) headers.push('state');
  headers.push(...cols.extras.map((k) => k.replace(/_ms$/, '')));
  const rows = [];
  for (const [id, v] of shown) {
    const key = `${scopeKey}/${name}/${id}`;
    const obj = v && typeof v === 'object' ? v : { value: v };
    const flags = FLAGS.filter((f) => obj[f] === true);
    const tds = [el('td', {}, el('code', { text: id }))];
    if (cols.name) tds.push(el('td', { text: cellValue(cols.name, obj[cols.name]) }));
    if (cols.state) {
      const s = obj[cols.state];
      tds.push(el('td', { class: 'state' },
        s !== undefined && s !== null ? el('span', { class: stateClass(s), text: String(s) }) : '',
        flags.map((f) => [' ', el('span', { class: 'badge state-busy flag', text: f })])));
    }
    for (const k of cols.extras) tds.push(el('td', { text: cellValue(k, obj[k]) }));
    rows.push(el('tr', { class: 'clickable', 'data-id': id, title: 'show every field', onclick: () => toggle(key) }, tds));
    if (model.expanded.has(key)) rows.push(detailRow(key, headers.length, v));
  }
  return el('div', { class: 'collection', 'data-collection': name },
    el('h3', { text: `${name} (${shown.length}${shown.length < entries.length ? ' of ' + entries.length : ''})` }),
    table(headers, rows));
}

// Options of a select: `allLabel` first unless null; the choice is kept while it is offered.
function fillSelect(sel, values, allLabel) {
  const want = allLabel === null ? [...values] : [allLabel, ...values];
  const have = [...sel.options].map((o) => o.value);
  if (want.length === have.length && want.every((v, i) => v === have[i])) return;
  const keep = sel.value;
  sel.replaceChildren(...want.map((v) => el('option', { value: v, text: v })));
  sel.value = want.includes(keep) ? keep : want[0];
}

function renderResources() {
  const body = $('resources-body');
  if (!model.world) return;
  const all = scopes(model.world);
  const uniq = (xs) => [...new Set(xs)].sort();
  fillSelect($('f-surface'), uniq(all.map((s) => s.surface)), 'all');
  const surface = $('f-surface').value;
  const bySurface = all.filter((s) => surface === 'all' || s.surface === surface);
  fillSelect($('f-account'), uniq(bySurface.map((s) => s.account)), 'all');
  const account = $('f-account').value;
  const byAccount = bySurface.filter((s) => account === 'all' || s.account === account);
  fillSelect($('f-region'), uniq(byAccount.map((s) => s.region)), 'all');
  const region = $('f-region').value;
  const text = $('f-text').value.trim().toLowerCase();
  const blocks = [];
  for (const s of byAccount.filter((x) => region === 'all' || x.region === region)) {
    const scopeKey = `${s.surface}/${s.account}/${s.region}`;
    const tables = Object.entries(s.cols)
      .filter(([, c]) => c && typeof c === 'object')
      .map(([name, c]) => resourceTable(scopeKey, name, c, text))
      .filter(Boolean);
    if (!tables.length) continue;
    blocks.push(el('div', { class: 'scope', 'data-scope': scopeKey },
      el('h2', { text: `${s.surface} · ${s.account} · ${s.region}` }), tables));
  }
  body.replaceChildren(...(blocks.length ? blocks : [el('p', { class: 'empty', text: 'nothing matches' })]));
}

// ---- jobs --------------------------------------------------------------------------------

function jobTarget(work) {
  for (const [k, v] of Object.entries(work || {})) if (typeof v === 'string' && /(_id|target)$/.test(k)) return v;
  return '';
}

function gateText(gate, nowMs) {
  if (!gate) return '';
  const parts = [];
  if (gate.manual) parts.push('manual: finishes only when completed here (or POST /jobs/complete)');
  else if (!(gate.due_ms < 9e15)) parts.push('no due time');
  else {
    const left = (gate.due_ms - nowMs) / 1000;
    parts.push(left > 0 ? `due ${fmtTime(gate.due_ms)} (in ${fmtDuration(left)})` : `due time passed ${fmtTime(gate.due_ms)}`);
  }
  if (gate.min_reads > 0) parts.push(`reads seen ${gate.reads} of ${gate.min_reads}`);
  return parts.join(' · ');
}

function renderJobs() {
  const jobs = model.jobs || [];
  $('jobs-count').textContent = jobs.length ? String(jobs.length) : '';
  $('timing').textContent = model.world ? JSON.stringify(model.world.timing) : '';
  if (model.tab !== 'jobs') return;
  const nowMs = model.clock ? model.clock.now_ms : Date.now();
  const rows = jobs.map((j) => {
    const w = j.work || {};
    const key = `job/${j.id}`;
    const tr = el('tr', { 'data-job': j.id },
      el('td', { class: 'num', text: j.id }),
      el('td', { text: `${w.provider || ''} ${w.kind || ''}` }),
      el('td', {}, el('code', { text: jobTarget(w) })),
      el('td', { text: `${j.account || ''} ${j.region || ''}` }),
      el('td', { text: fmtTime(j.gate && j.gate.started_ms) }),
      el('td', { class: 'gate', text: gateText(j.gate, nowMs) }),
      el('td', {},
        el('button', { type: 'button', text: 'Complete', onclick: () => act(() => api('POST', '/jobs/complete', { ids: [j.id] })) }),
        ' ',
        el('button', { type: 'button', text: model.expanded.has(key) ? 'Hide' : 'Details', onclick: () => toggle(key) })));
    return model.expanded.has(key) ? [tr, detailRow(key, 7, j)] : [tr];
  });
  $('jobs-body').replaceChildren(rows.length
    ? table(['id', 'work', 'target', 'account / region', 'started', 'gate', ''], rows)
    : el('p', { class: 'empty', text: 'no job in flight' }));
}

// ---- request journal ---------------------------------------------------------------------

const SURFACES = ['tencent-cbs', 'huawei-cbr', 'gateway', 'ucloudstack'];

function renderRequests() {
  fillSelect($('r-surface'), [...SURFACES, 'control'], 'all');
  if (model.tab !== 'requests') return;
  const body = $('requests-body');
  if (model.journal === null) {
    body.replaceChildren(el('p', { class: 'empty', text: 'this twin keeps no request journal (GET /_cloudtwin/requests is not there)' }));
    return;
  }
  if (!model.journal) return;
  const surface = $('r-surface').value;
  const op = $('r-operation').value.trim().toLowerCase();
  const errorsOnly = $('r-errors').checked;
  const control = $('r-control').checked || surface === 'control';
  const shown = model.journal
    .filter((r) => (control || r.surface !== 'control')
      && (surface === 'all' || r.surface === surface)
      && (!op || String(r.operation || '').toLowerCase().includes(op))
      && (!errorsOnly || r.error_code || r.status >= 400))
    .slice(-ROWS_MAX).reverse();
  const rows = shown.map((r) => {
    const key = `req/${r.seq}`;
    const failed = r.error_code || r.status >= 400;
    const refusal = r.refusal && (r.refusal.canonical_request || r.refusal.string_to_sign);
    const tr = el('tr', { class: refusal ? 'clickable' : '', 'data-seq': r.seq, onclick: refusal ? () => toggle(key) : null },
      el('td', { class: 'num', text: r.seq }),
      el('td', { text: fmtTime(r.virtual_ms) }),
      el('td', { class: 'muted', text: fmtTime(r.wall_ms) }),
      el('td', { text: r.surface }),
      el('td', { text: r.operation }),
      el('td', { text: [r.account, r.region].filter(Boolean).join(' ') }),
      el('td', { class: 'num', text: r.status }),
      el('td', {}, failed ? el('span', { class: 'badge state-bad', text: r.error_code || 'error' }) : '',
        refusal ? [' ', el('span', { class: 'badge', text: 'why?' })] : '',
        r.fault ? [' ', el('span', { class: 'badge state-busy', text: `fault rule ${r.fault}` })] : ''),
      el('td', { class: 'num', text: typeof r.latency_us === 'number' ? `${(r.latency_us / 1000).toFixed(2)} ms` : '' }),
      el('td', {}, el('code', { text: r.request_id || '' })));
    if (!refusal || !model.expanded.has(key)) return [tr];
    return [tr, el('tr', { class: 'detail' }, el('td', { colSpan: 10 },
      r.refusal.reason ? el('p', { class: 'reason', text: r.refusal.reason }) : '',
      el('p', { class: 'explain', text: 'The twin refused this signature. Below are the canonical request and the string to sign it computed from the request as it arrived; compute yours for the same request and compare them line by line. The first line that differs is the cause: often a header the client signed but changed afterwards, the query or body it hashed, the region or service in the credential scope, or a clock outside the window.' }),
      el('h3', { text: 'canonical request' }), el('pre', { class: 'canonical', text: r.refusal.canonical_request || '' }),
      el('h3', { text: 'string to sign' }), el('pre', { class: 'sts', text: r.refusal.string_to_sign || '' })))];
  });
  body.replaceChildren(rows.length
    ? table(['#', 'virtual time', 'wall time', 'surface', 'operation', 'account / region', 'status', 'error', 'latency', 'request id'], rows)
    : el('p', { class: 'empty', text: 'no request matches' }));
}

// ---- fault rules -------------------------------------------------------------------------

function effectText(e) {
  if (!e) return '';
  const parts = [];
  if (e.error !== undefined && e.error !== null) parts.push(`error ${e.error}`);
  if (e.fail_job) parts.push('its job fails');
  if (typeof e.latency_ms === 'number') parts.push(`+${e.latency_ms} ms`);
  return parts.join(', ') || JSON.stringify(e);
}

function howOftenText(f) {
  const given = (v) => v !== undefined && v !== null;
  const parts = [];
  if (given(f.every)) parts.push(`every ${f.every}th match`);
  if (given(f.probability)) parts.push(`p=${f.probability}${given(f.seed) ? ` seed ${f.seed}` : ''}`);
  if (given(f.times)) parts.push(`${parts.length ? 'at most' : 'the next'} ${f.times}`);
  return (parts.join(', ') || 'every match') + (f.spent ? ' (spent)' : '');
}

function renderFaults() {
  fillSelect($('ff-surface'), SURFACES, null);
  const ops = model.operations.filter(([s]) => s === $('ff-surface').value).map(([, n]) => n);
  const list = $('ff-ops');
  if (list && list.dataset.surface !== $('ff-surface').value) {
    list.replaceChildren(...ops.map((n) => el('option', { value: n })));
    list.dataset.surface = $('ff-surface').value;
  }
  const faults = model.faults;
  $('faults-count').textContent = faults && faults.length ? String(faults.length) : '';
  if (model.tab !== 'faults') return;
  $('fault-form').hidden = faults === null;
  $('faults-clear').hidden = faults === null;
  const body = $('faults-body');
  if (faults === null) {
    body.replaceChildren(el('p', { class: 'empty', text: 'this twin has no fault rules (GET /_cloudtwin/faults is not there)' }));
    return;
  }
  if (!faults) return;
  const rows = faults.map((f) => el('tr', { 'data-fault': f.id },
    el('td', { class: 'num', text: f.id }),
    el('td', { text: f.surface }),
    el('td', {}, el('code', { text: f.operation })),
    el('td', { text: [f.account, f.region, f.resource].filter(Boolean).join(' ') || 'any' }),
    el('td', { text: effectText(f.effect) }),
    el('td', { text: howOftenText(f) }),
    el('td', { class: 'num matches', text: f.matches }),
    el('td', { class: 'num hits', text: f.hits }),
    el('td', {}, el('button', { type: 'button', text: 'Remove', onclick: () => act(() => api('DELETE', `/faults/${f.id}`)) }))));
  body.replaceChildren(rows.length
    ? table(['id', 'surface', 'operation', 'account / region / resource', 'effect', 'how often', 'matches', 'hits', ''], rows)
    : el('p', { class: 'empty', text: 'no fault rule' }));
}

function faultFromForm() {
  const v = (id) => $(id).value.trim();
  const rule = { surface: v('ff-surface'), operation: v('ff-operation') };
  for (const [k, id] of [['account', 'ff-account'], ['region', 'ff-region'], ['resource', 'ff-resource']]) if (v(id)) rule[k] = v(id);
  const effect = v('ff-effect');
  rule.effect = {};
  if (effect === 'error') {
    // UCloudStack RetCodes and gateway scodes are numbers; every other code is a string.
    const code = v('ff-value');
    const numeric = /^[0-9]+$/.test(code) && (rule.surface === 'ucloudstack' || rule.surface === 'gateway');
    rule.effect.error = numeric ? Number(code) : code;
  } else if (effect === 'fail_job') rule.effect.fail_job = true;
  if (v('ff-latency') !== '') rule.effect.latency_ms = Number(v('ff-latency'));
  const how = v('ff-how');
  const n = Number(v('ff-n'));
  if (how !== 'always') rule[how] = n;
  if (how === 'probability' && v('ff-seed') !== '') rule.seed = Number(v('ff-seed'));
  return rule;
}

// ---- the page ----------------------------------------------------------------------------

function render() {
  const c = model.clock;
  if (c) {
    $('clock-now').textContent = `${fmtTime(c.now_ms)} UTC`;
    $('clock-mode').textContent = c.mode;
  }
  renderResources();
  renderJobs();
  renderRequests();
  renderFaults();
}

// A missing endpoint (404/405) means this build lacks it; the view says so instead of failing.
// It is asked once: a twin does not grow endpoints while it runs.
async function optional(path, key, known) {
  if (known === null) return null;
  const r = await api('GET', path);
  if (r.status === 404 || r.status === 405) return null;
  if (!r.ok) throw new Error(`${path}: ${errorOf(r)}`);
  return r.data[key] || [];
}

// The journal is read incrementally: `since` the last seq seen, newest kept up to JOURNAL_KEEP.
// A seq lower than what was seen means the twin restarted: start over.
const JOURNAL_KEEP = 2000;
let journalSeq = 0;
async function pollJournal() {
  if (model.journal === null) return;
  const r = await api('GET', `/requests?limit=1000&since=${journalSeq}`);
  if (r.status === 404 || r.status === 405) {
    model.journal = null;
    return;
  }
  if (!r.ok) throw new Error(`requests: ${errorOf(r)}`);
  if (typeof r.data.last_seq === 'number' && r.data.last_seq < journalSeq) {
    journalSeq = 0;
    model.journal = [];
    return pollJournal();
  }
  const fresh = r.data.requests || [];
  model.journal = (model.journal || []).concat(fresh).slice(-JOURNAL_KEEP);
  if (typeof r.data.last_seq === 'number') journalSeq = r.data.last_seq;
  else if (fresh.length) journalSeq = fresh[fresh.length - 1].seq;
}

let inFlight = false;
async function refresh() {
  if (inFlight || model.loggedOut) return;
  inFlight = true;
  try {
    const [state, jobs] = await Promise.all([api('GET', '/state'), api('GET', '/jobs')]);
    if (!state.ok) throw new Error(`state: ${errorOf(state)}`);
    model.clock = state.data.clock;
    model.world = state.data.world;
    model.jobs = jobs.ok ? jobs.data.jobs : [];
    const [faults] = await Promise.all([
      optional('/faults', 'rules', model.faults),
      model.tab === 'requests' ? pollJournal() : null,
    ]);
    model.faults = faults;
    if (!model.operations.length) {
      const ops = await api('GET', '/operations');
      if (ops.ok && typeof ops.data === 'string') {
        model.operations = ops.data.split('\n').filter(Boolean).map((l) => l.split('\t'));
      }
    }
    $('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    setMessage('');
    render();
  } catch (e) {
    if (e instanceof LoginNeeded) showLogin(true);
    else setMessage(`cannot read the twin: ${e.message}`);
  } finally {
    inFlight = false;
  }
}

// A button's action, then a refresh; a refusal shows its message.
async function act(call) {
  try {
    const r = await call();
    if (!r.ok) setMessage(errorOf(r));
  } catch (e) {
    if (e instanceof LoginNeeded) showLogin(true);
    else setMessage(e.message);
  }
  await refresh();
}

function showLogin(show) {
  model.loggedOut = show;
  $('login').hidden = !show;
  for (const p of document.querySelectorAll('[data-panel]')) p.hidden = show || p.id !== model.tab;
  if (show) $('login-token').focus();
}

function selectTab(tab) {
  if (!['resources', 'jobs', 'requests', 'faults'].includes(tab)) tab = 'resources';
  model.tab = tab;
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.tab === tab);
  for (const p of document.querySelectorAll('[data-panel]')) p.hidden = model.loggedOut || p.id !== tab;
  if (location.hash !== `#${tab}`) history.replaceState(null, '', `#${tab}`);
  render();
  refresh();
}

function poll() {
  setTimeout(async () => {
    if ($('live').checked && !document.hidden) await refresh();
    poll();
  }, POLL_MS);
}

async function start() {
  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => selectTab(b.dataset.tab));
  for (const b of document.querySelectorAll('[data-advance]')) {
    b.addEventListener('click', () => act(() => api('POST', '/clock', { advance: Number(b.dataset.advance) })));
  }
  $('advance-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(() => api('POST', '/clock', { advance: Number($('advance-secs').value) }));
  });
  $('complete-all').addEventListener('click', () => act(() => api('POST', '/jobs/complete', {})));
  for (const id of ['f-surface', 'f-account', 'f-region', 'f-text', 'r-surface', 'r-operation', 'r-errors', 'r-control', 'ff-surface']) {
    $(id).addEventListener('input', render);
  }
  $('ff-operation').setAttribute('list', 'ff-ops');
  document.body.append(el('datalist', { id: 'ff-ops' }));
  $('ff-effect').addEventListener('input', () => {
    const e = $('ff-effect').value;
    $('ff-value').disabled = e !== 'error';
  });
  $('fault-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = $('fault-error');
    err.hidden = true;
    try {
      const r = await api('POST', '/faults', faultFromForm());
      if (!r.ok) {
        err.textContent = errorOf(r);
        err.hidden = false;
      }
    } catch (e) {
      if (e instanceof LoginNeeded) showLogin(true);
    }
    await refresh();
  });
  $('faults-clear').addEventListener('click', () => act(() => api('DELETE', '/faults')));
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api('POST', '/ui/login', { token: $('login-token').value });
    if (r.ok) {
      $('login-token').value = '';
      $('login-error').hidden = true;
      $('logout').hidden = !r.data.token_required;
      showLogin(false);
      await refresh();
    } else {
      $('login-error').textContent = errorOf(r);
      $('login-error').hidden = false;
    }
  });
  $('logout').addEventListener('click', async () => {
    await api('POST', '/ui/logout');
    $('logout').hidden = true;
    showLogin(true);
  });
  const session = await api('GET', '/ui/session');
  $('logout').hidden = !(session.ok && session.data.token_required);
  selectTab(location.hash.slice(1));
  poll();
}

start().catch((e) => {
  if (e instanceof LoginNeeded) showLogin(true);
  else setMessage(e.message);
});
