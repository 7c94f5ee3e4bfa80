#!/usr/bin/env node
// Chaos benchmark driver (issue #13), started by scripts/bench-chaos.sh; see README "Benchmark".
//
//   node scripts/bench/chaos.js --airlockd BIN --data-dir DIR --token TOKEN --work-dir DIR --out FILE
//        [--runs kill,stall,split] [--duration 60] [--event-at 20] [--recover-at 40] [--concurrency 16]
//        [--split-requests 10000] [--workers 1] [--first-byte-ms 2000] [--tokens 8] [--token-ms 3]
//
// Each run starts its own fake model servers (fake-model.js: replicas A and B of endpoint "primary",
// endpoint "fallback") and its own airlockd, all on 127.0.0.1 with kernel-picked ports, drives mixed
// OpenAI traffic (code completions through /v1/completions with model "code_completions", chat through
// /v1/chat/completions with model "duo_chat"; half of each streamed) and injects the fault into A.
// Exit status: 0 when the runs completed (whatever they measured), 2 on a setup failure.
'use strict';

const http = require('http');
const net = require('net');
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { performance } = require('perf_hooks');

function opt(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i < 0 ? def : process.argv[i + 1];
}
const AIRLOCKD = opt('airlockd');
const DATA_DIR = opt('data-dir');
const TOKEN = opt('token', process.env.CHAOS_TOKEN || '');
const WORK = opt('work-dir');
const OUT = opt('out');
const RUNS = String(opt('runs', 'kill,stall,split')).split(',').filter(Boolean);
const DURATION = Number(opt('duration', 60));
const EVENT_AT = Number(opt('event-at', 20));
const RECOVER_AT = Number(opt('recover-at', 40));
const CONC = Number(opt('concurrency', 16));
const SPLIT_N = Number(opt('split-requests', 10000));
const WORKERS = String(opt('workers', '1'));
const FIRST_BYTE_MS = Number(opt('first-byte-ms', 2000));
const TOKENS = String(opt('tokens', '8'));
const TOKEN_MS = String(opt('token-ms', '3'));
const FAKE = path.join(__dirname, 'fake-model.js');
const CLIENT_TIMEOUT_MS = 30000;

class SetupError extends Error {}
const log = (...a) => process.stderr.write('bench-chaos: ' + a.join(' ') + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
if (!AIRLOCKD || !DATA_DIR || !WORK || !OUT) { log('missing --airlockd/--data-dir/--work-dir/--out'); process.exit(2); }

const children = new Set();
function cleanup() { for (const c of children) { try { c.kill('SIGKILL'); } catch (e) { /* gone */ } } }
process.on('exit', cleanup);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => { cleanup(); process.exit(130); });

// ------------------------------------------------------------------ fake model servers
// A Fake is one logical server (a name and a port); restart() replaces its process on the same port.
class Fake {
  constructor(name, extra = []) { this.name = name; this.extra = extra; this.port = 0; this.reqs = []; this.procs = []; }
  start() {
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [FAKE, '--name', this.name, '--port', String(this.port), '--tokens', TOKENS,
        '--token-ms', TOKEN_MS, ...this.extra], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.add(p);
      this.proc = p;
      this.procs.push(p);
      let buf = '';
      let ready = false;
      const timer = setTimeout(() => { if (!ready) reject(new SetupError(`fake ${this.name} did not listen in 10 s`)); }, 10000);
      p.stdout.on('data', (d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          let o;
          try { o = JSON.parse(line); } catch (e) { continue; }
          if (o.event === 'req') this.reqs.push(o);
          else if (o.event === 'listening') { ready = true; clearTimeout(timer); this.port = o.port; this.listeningAt = Date.now(); resolve(this); }
        }
      });
      p.on('exit', (code, sig) => { children.delete(p); if (!ready) { clearTimeout(timer); reject(new SetupError(`fake ${this.name} exited (${code ?? sig}) before listening`)); } });
    });
  }
  url() { return `http://127.0.0.1:${this.port}/v1`; }
  kill(sig) { this.proc.kill(sig); }
  async stop() { for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) { p.kill('SIGTERM'); } await sleep(50); }
  // Upstream model requests (chat + completions) that arrived in [from, to) (epoch ms).
  modelReqs(from = 0, to = Infinity) { return this.reqs.filter((r) => (r.route === 'chat' || r.route === 'completions') && r.t >= from && r.t < to); }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

// ------------------------------------------------------------------ airlockd
async function startAirlockd(tag, config) {
  const cfg = path.join(WORK, `${tag}.json`);
  fs.writeFileSync(cfg, JSON.stringify(config, null, 1));
  const port = await freePort();
  let admin = await freePort();
  while (admin === port) admin = await freePort();
  const logFile = path.join(WORK, `airlockd-${tag}.log`);
  const fd = fs.openSync(logFile, 'w');
  const p = spawn(AIRLOCKD, ['--config', cfg, '--data-dir', DATA_DIR, '--listen', `127.0.0.1:${port}`,
    '--admin-listen', `127.0.0.1:${admin}`, '--workers', WORKERS], { stdio: ['ignore', fd, fd] });
  children.add(p);
  let exited = null;
  p.on('exit', (code, sig) => { exited = code ?? sig; children.delete(p); });
  const t0 = Date.now();
  for (;;) {
    if (exited !== null) throw new SetupError(`airlockd exited (${exited}) before it was ready; log ${logFile}:\n` + fs.readFileSync(logFile, 'utf8').slice(-2000));
    if (Date.now() - t0 > 30000) throw new SetupError(`airlockd not ready after 30 s; log ${logFile}`);
    const r = await request({ port, method: 'GET', path: '/v1/models', agent: false }).catch(() => null);
    if (r && r.status === 200) break;
    if (r && (r.status === 401 || r.status === 403)) throw new SetupError(`airlockd refused the token on /v1/models: ${r.status} ${r.body.slice(0, 300)}`);
    await sleep(100);
  }
  return { proc: p, port, logFile, stop: async () => { if (exited === null) { p.kill('SIGTERM'); for (let i = 0; i < 100 && exited === null; i++) await sleep(50); if (exited === null) p.kill('SIGKILL'); } } };
}

// ------------------------------------------------------------------ HTTP client
function request({ port, method, path: p, body, agent, timeout = CLIENT_TIMEOUT_MS }) {
  return new Promise((resolve, reject) => {
    const data = body ? Buffer.from(JSON.stringify(body)) : null;
    const t0 = performance.now();
    let ttfb = null;
    const req = http.request({ host: '127.0.0.1', port, method, path: p, agent,
      headers: { Authorization: `Bearer ${TOKEN}`, ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}) } }, (res) => {
      ttfb = performance.now() - t0;
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ttfb, ms: performance.now() - t0, complete: true }));
      res.on('error', (e) => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ttfb, ms: performance.now() - t0, complete: false, err: e.code || e.message }));
      res.on('aborted', () => {});
    });
    req.setTimeout(timeout, () => req.destroy(new Error('client_timeout')));
    req.on('error', (e) => reject(Object.assign(e, { ms: performance.now() - t0 })));
    if (data) req.write(data);
    req.end();
  });
}

let seq = 0;
function bodyFor(kind, stream) {
  const n = ++seq;
  if (kind === 'completions') {
    return { model: 'code_completions', prompt: `// request ${n}\nfunction add${n}(a, b) {\n  return`, max_tokens: 16, temperature: 0, stream };
  }
  return { model: 'duo_chat', messages: [{ role: 'user', content: `Explain request ${n} in one line.` }], max_tokens: 16, stream };
}

// One client request; returns its record. t: seconds since traffic start at the request's start.
async function one(port, agent, kind, stream, start) {
  const rec = { t: (Date.now() - start) / 1000, kind, stream, status: 0, ok: false };
  try {
    const r = await request({ port, method: 'POST', path: kind === 'completions' ? '/v1/completions' : '/v1/chat/completions', body: bodyFor(kind, stream), agent });
    rec.status = r.status; rec.ms = r.ms; rec.ttfb = r.ttfb;
    if (r.status !== 200) { rec.err = `http_${r.status}`; rec.body = r.body.slice(0, 400); return rec; }
    if (!stream) {
      try { const o = JSON.parse(r.body); rec.ok = Array.isArray(o.choices) && o.choices.length > 0; if (!rec.ok) { rec.err = 'bad_body'; rec.body = r.body.slice(0, 400); } } catch (e) { rec.err = 'bad_json'; rec.body = r.body.slice(0, 400); }
      return rec;
    }
    // Stream: a data event with an "error" member is the dialect's error event; no [DONE] is a cut stream.
    const events = r.body.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim());
    const errEv = events.find((e) => e !== '[DONE]' && /"error"\s*:/.test(e));
    if (errEv) { rec.dialectError = true; rec.err = 'stream_error_event'; rec.body = errEv.slice(0, 400); return rec; }
    if (!events.includes('[DONE]') || !r.complete) { rec.truncated = true; rec.err = r.err || 'no_done'; return rec; }
    rec.ok = true;
    return rec;
  } catch (e) {
    rec.ms = e.ms; rec.err = e.message === 'client_timeout' ? 'client_timeout' : (e.code || e.message);
    return rec;
  }
}

const MIX = [['completions', false], ['completions', true], ['chat', false], ['chat', true]];

async function drive(port, seconds, events) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONC, maxFreeSockets: CONC });
  const start = Date.now();
  const end = start + seconds * 1000;
  const recs = [];
  let k = 0;
  const pending = events.map((ev) => sleep(ev.at * 1000).then(async () => { ev.doneAt = Date.now(); ev.tRel = (ev.doneAt - start) / 1000; log(`  t=${ev.tRel.toFixed(1)}s ${ev.what}`); await ev.run(); ev.finishedAt = Date.now(); }));
  const workers = [];
  for (let w = 0; w < CONC; w++) {
    workers.push((async () => {
      while (Date.now() < end) {
        const [kind, stream] = MIX[k++ % MIX.length];
        recs.push(await one(port, agent, kind, stream, start));
      }
    })());
  }
  await Promise.all(workers);
  await Promise.all(pending);
  agent.destroy();
  return { start, recs };
}

// ------------------------------------------------------------------ statistics
function pct(values, p) {
  const v = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (!v.length) return null;
  return Math.round(v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] * 10) / 10;
}
const inWin = (recs, a, b) => recs.filter((r) => r.t >= a && r.t < b);
function summarizeFailures(list) {
  const by = {};
  for (const r of list) {
    const key = `${r.kind}${r.stream ? '/stream' : ''} ${r.err}`;
    const e = (by[key] ||= { count: 0, phases: {}, samples: [] });
    e.count++;
    const ph = r.t < EVENT_AT ? 'before' : r.t < RECOVER_AT ? 'during' : 'after';
    e.phases[ph] = (e.phases[ph] || 0) + 1;
    if (e.samples.length < 2 && r.body) e.samples.push(`t=${r.t.toFixed(2)}s ${r.body}`);
  }
  return by;
}

// ------------------------------------------------------------------ runs
async function chaosRun(mode) {
  log(`run "${mode}": starting fakes and airlockd`);
  const A = await new Fake('A').start();
  const B = await new Fake('B').start();
  const F = await new Fake('fallback').start();
  const timeouts = { connect: 1000, first_byte: FIRST_BYTE_MS };
  const config = {
    models: [
      { name: 'primary', family: 'general', identifier: 'fake-model', replicas: [{ base_url: A.url() }, { base_url: B.url() }], timeouts_ms: timeouts },
      { name: 'fallback', family: 'general', identifier: 'fake-fallback', base_url: F.url(), timeouts_ms: timeouts },
    ],
    features: {
      code_completions: { tiers: [[{ model: 'primary' }], [{ model: 'fallback' }]] },
      duo_chat: { tiers: [[{ model: 'primary' }], [{ model: 'fallback' }]] },
    },
    resilience: { probes: { interval_ms: 1000, timeout_ms: 500 } },
  };
  const gw = await startAirlockd(mode, config);
  const events = mode === 'kill'
    ? [{ at: EVENT_AT, what: 'SIGKILL replica A', run: async () => A.kill('SIGKILL') },
       { at: RECOVER_AT, what: 'restart replica A (same port)', run: async () => { await A.start(); } }]
    : [{ at: EVENT_AT, what: 'SIGUSR1 replica A (stall)', run: async () => A.kill('SIGUSR1') },
       { at: RECOVER_AT, what: 'SIGUSR1 replica A (resume)', run: async () => A.kill('SIGUSR1') }];
  log(`run "${mode}": ${DURATION} s of traffic, concurrency ${CONC}, airlockd on 127.0.0.1:${gw.port}`);
  const { start, recs } = await drive(gw.port, DURATION, events);
  await sleep(500);
  const trafficEnd = Date.now();
  await gw.stop();
  await Promise.all([A.stop(), B.stop(), F.stop()]);

  const ev = events[0].doneAt, rec = events[1].doneAt;
  const recoveredAt = mode === 'kill' ? A.listeningAt : events[1].doneAt;
  const firstBack = A.modelReqs(recoveredAt).filter((r) => !r.stalled)[0];
  // Per-second share of A after recovery: the first second in which A took >= half its steady share.
  const steadyShare = A.modelReqs(start, start + EVENT_AT * 1000).length /
    Math.max(1, [A, B, F].reduce((s, f) => s + f.modelReqs(start, start + EVENT_AT * 1000).length, 0));
  let shareBack = null;
  for (let s = 0; recoveredAt + s * 1000 < trafficEnd; s++) {
    const a = recoveredAt + s * 1000, b = a + 1000;
    const tot = [A, B, F].reduce((x, f) => x + f.modelReqs(a, b).length, 0);
    if (tot && A.modelReqs(a, b).length / tot >= steadyShare / 2) { shareBack = s + 1; break; }
  }
  const upstream = [A, B, F].reduce((s, f) => s + f.modelReqs(start, trafficEnd).length, 0);
  const phases = [['before', start, ev], ['during', ev, rec], ['after', rec, trafficEnd]];
  const perReplica = {};
  for (const f of [A, B, F]) perReplica[f.name] = Object.fromEntries(phases.map(([n, a, b]) => [n, f.modelReqs(a, b).length]));
  const clientPerPhase = Object.fromEntries(phases.map(([n, a, b]) => [n, inWin(recs, (a - start) / 1000, (b - start) / 1000).length]));
  const nonStream = recs.filter((r) => !r.stream);
  const streams = recs.filter((r) => r.stream);
  const cc = recs.filter((r) => r.kind === 'completions');
  const evRel = (ev - start) / 1000, recRel = (rec - start) / 1000;
  return {
    mode,
    client_requests: recs.length,
    client_requests_per_phase: clientPerPhase,
    nonstream_requests: nonStream.length,
    nonstream_failures: nonStream.filter((r) => !r.ok).length,
    stream_requests: streams.length,
    stream_http_failures: streams.filter((r) => !r.ok && !r.dialectError && !r.truncated).length,
    stream_dialect_errors: streams.filter((r) => r.dialectError).length,
    stream_truncated: streams.filter((r) => r.truncated).length,
    failures: summarizeFailures(recs.filter((r) => !r.ok)),
    p99_steady_ms: pct(inWin(recs, 0, evRel).map((r) => r.ms), 99),
    p99_after_event_5s_ms: pct(inWin(recs, evRel, evRel + 5).map((r) => r.ms), 99),
    p99_nonstream_steady_ms: pct(inWin(nonStream, 0, evRel).map((r) => r.ms), 99),
    p99_nonstream_after_event_5s_ms: pct(inWin(nonStream, evRel, evRel + 5).map((r) => r.ms), 99),
    cc_p99_healthy_ms: pct(inWin(cc, 0, evRel).map((r) => r.ms), 99),
    cc_p99_fault_ms: pct(inWin(cc, evRel, recRel).map((r) => r.ms), 99),
    cc_p99_after_ms: pct(inWin(cc, recRel, DURATION).map((r) => r.ms), 99),
    event_at_s: Math.round(evRel * 100) / 100,
    recover_at_s: Math.round(recRel * 100) / 100,
    replica_a_first_request_after_recovery_s: firstBack ? Math.round((firstBack.t - recoveredAt) / 10) / 100 : null,
    replica_a_half_share_after_recovery_s: shareBack,
    replica_a_restart_to_listening_ms: mode === 'kill' ? A.listeningAt - rec : null,
    upstream_attempts: upstream,
    retry_amplification: Math.round((upstream / Math.max(1, recs.length)) * 1000) / 1000,
    upstream_per_replica_per_phase: perReplica,
    airlockd_ejections: fs.readFileSync(gw.logFile, 'utf8').split('\n').filter((l) => /ejected/.test(l)),
    airlockd_log: gw.logFile,
  };
}

async function splitRun() {
  log(`run "split": 70/30 weighted tier, ${SPLIT_N} requests`);
  const S1 = await new Fake('split70', ['--tokens', '1', '--token-ms', '0']).start();
  const S2 = await new Fake('split30', ['--tokens', '1', '--token-ms', '0']).start();
  const config = {
    models: [
      { name: 'split_a', family: 'general', identifier: 'fake-a', base_url: S1.url() },
      { name: 'split_b', family: 'general', identifier: 'fake-b', base_url: S2.url() },
    ],
    features: { code_completions: { tiers: [[{ model: 'split_a', weight: 70 }, { model: 'split_b', weight: 30 }]] } },
  };
  const gw = await startAirlockd('split', config);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONC });
  const start = Date.now();
  let issued = 0;
  const recs = [];
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (issued < SPLIT_N) { issued++; recs.push(await one(gw.port, agent, 'completions', false, start)); }
  }));
  agent.destroy();
  const secs = (Date.now() - start) / 1000;
  await sleep(300);
  await gw.stop();
  await Promise.all([S1.stop(), S2.stop()]);
  const a = S1.modelReqs(start).length, b = S2.modelReqs(start).length;
  return { mode: 'split', client_requests: recs.length, failures: recs.filter((r) => !r.ok).length, failure_detail: summarizeFailures(recs.filter((r) => !r.ok)),
    upstream_split_a: a, upstream_split_b: b, observed_percent_a: Math.round((a / Math.max(1, a + b)) * 1000) / 10,
    observed_percent_b: Math.round((b / Math.max(1, a + b)) * 1000) / 10, seconds: Math.round(secs * 10) / 10,
    rps: Math.round(recs.length / secs), p99_ms: pct(recs.map((r) => r.ms), 99), airlockd_log: gw.logFile };
}

// ------------------------------------------------------------------ report
function table(results) {
  const W = `0-${EVENT_AT}s`, D = `${EVENT_AT}-${RECOVER_AT}s`, X = `${RECOVER_AT}-${DURATION}s`;
  const runs = results.filter((r) => r.mode !== 'split');
  const rows = [
    ['client requests', (r) => r.client_requests],
    ['non-stream failures (target 0)', (r) => `${r.nonstream_failures}/${r.nonstream_requests}`],
    ['stream HTTP failures', (r) => r.stream_http_failures],
    ['streams ended by dialect error', (r) => r.stream_dialect_errors],
    ['streams cut without [DONE]', (r) => r.stream_truncated],
    [`p99 steady ${W} (ms)`, (r) => r.p99_steady_ms],
    ['p99 5s after event (ms)', (r) => r.p99_after_event_5s_ms],
    ['non-stream p99 steady / after (ms)', (r) => `${r.p99_nonstream_steady_ms} / ${r.p99_nonstream_after_event_5s_ms}`],
    ['A takes traffic after recovery (s)', (r) => r.replica_a_first_request_after_recovery_s],
    ['A back to half its share (s, 1s bins)', (r) => r.replica_a_half_share_after_recovery_s],
    ['retry amplification (upstream/client)', (r) => `${r.retry_amplification} (${r.upstream_attempts}/${r.client_requests})`],
    [`code-compl p99 healthy ${W} (ms)`, (r) => r.cc_p99_healthy_ms],
    [`code-compl p99 fault ${D} (ms)`, (r) => r.cc_p99_fault_ms],
    [`code-compl p99 after ${X} (ms)`, (r) => r.cc_p99_after_ms],
    [`upstream A before/during/after`, (r) => Object.values(r.upstream_per_replica_per_phase.A).join('/')],
    [`upstream B before/during/after`, (r) => Object.values(r.upstream_per_replica_per_phase.B).join('/')],
    [`upstream fallback before/during/after`, (r) => Object.values(r.upstream_per_replica_per_phase.fallback).join('/')],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const cols = runs.map((r) => rows.map(([, f]) => String(f(r) ?? '-')));
  const widths = runs.map((r, i) => Math.max(r.mode.length + 4, ...cols[i].map((c) => c.length)));
  let out = '';
  if (runs.length) {
    out += 'metric'.padEnd(w0) + runs.map((r, i) => '  ' + `run:${r.mode}`.padStart(widths[i])).join('') + '\n';
    rows.forEach(([name], j) => { out += name.padEnd(w0) + runs.map((r, i) => '  ' + cols[i][j].padStart(widths[i])).join('') + '\n'; });
  }
  for (const s of results.filter((r) => r.mode === 'split')) {
    out += `split 70/30: ${s.upstream_split_a}/${s.upstream_split_b} upstream requests = ${s.observed_percent_a}% / ${s.observed_percent_b}%` +
      ` over ${s.client_requests} client requests (${s.failures} failures, ${s.rps} rps, p99 ${s.p99_ms} ms)\n`;
  }
  for (const r of runs) {
    for (const l of r.airlockd_ejections) out += `  [${r.mode}] airlockd: ${l}\n`;
    for (const [k, v] of Object.entries(r.failures)) out += `  [${r.mode}] ${k}: ${v.count} ${JSON.stringify(v.phases)}${v.samples.length ? '\n      ' + v.samples.join('\n      ') : ''}\n`;
  }
  return out;
}

(async () => {
  const results = [];
  try {
    for (const r of RUNS) {
      if (r === 'kill' || r === 'stall') results.push(await chaosRun(r));
      else if (r === 'split') results.push(await splitRun());
      else throw new SetupError(`unknown run "${r}"`);
      fs.writeFileSync(OUT, JSON.stringify({ settings: { DURATION, EVENT_AT, RECOVER_AT, CONC, SPLIT_N, WORKERS, FIRST_BYTE_MS, TOKENS, TOKEN_MS }, results }, null, 2));
    }
  } catch (e) {
    log(e instanceof SetupError ? 'setup failure: ' + e.message : 'failure: ' + (e.stack || e));
    cleanup();
    process.exit(2);
  }
  process.stdout.write(table(results));
  log(`results: ${OUT}`);
  cleanup();
  process.exit(0);
})();
