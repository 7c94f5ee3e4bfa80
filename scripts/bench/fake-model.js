#!/usr/bin/env node
// A small fake OpenAI-compatible model server for the chaos benchmark (scripts/bench-chaos.sh).
//
//   node scripts/bench/fake-model.js [--name A] [--port 0] [--tokens 8] [--token-ms 3] [--stall]
//
// Routes: POST /v1/chat/completions, POST /v1/completions (streamed as SSE iff the body has
// "stream": true; `--tokens` pieces, `--token-ms` apart, then "data: [DONE]"; a whole answer comes
// after tokens x token-ms), GET /v1/models, GET /health, and GET /_stats (counters as JSON; always
// answered, also while stalled: it is the bench's, not a model server's).
// Listens on 127.0.0.1 only (port 0: the kernel picks a free one). Prints one JSON line on stdout
// when listening: {"event":"listening","name":...,"port":...}, then one line per request it accepts:
// {"event":"req","name":...,"t":<epoch ms>,"route":"completions"|"chat"|"models"|"health"|"other",
//  "stalled":bool}. stdout writes to a pipe are synchronous on Linux, so a parent that reads them
// still sees every request of a process it SIGKILLs.
// Stall mode (--stall, or SIGUSR1 toggles it): every request except /_stats is accepted and read,
// and never answered: no status line, the connection stays open until the client gives up. Requests
// stalled before a resume stay stalled (as on a wedged server); new ones are answered again.
'use strict';

const http = require('http');

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}
const NAME = String(arg('name', 'fake'));
const PORT = Number(arg('port', 0));
const TOKENS = Math.max(1, Number(arg('tokens', 8)));
const TOKEN_MS = Math.max(0, Number(arg('token-ms', 3)));
let stalled = arg('stall', false) === true;

const stats = { name: NAME, pid: process.pid, requests: 0, completions: 0, chat: 0, streams: 0, health: 0,
  models: 0, stalled_requests: 0, aborted: 0, first_request_at: null, last_request_at: null, stalled: stalled };

function emit(o) { process.stdout.write(JSON.stringify(o) + '\n'); }

process.on('SIGUSR1', () => { stalled = !stalled; stats.stalled = stalled; emit({ event: 'stall', name: NAME, t: Date.now(), stalled }); });
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

function piece(i) { return i === 0 ? 'tok0' : ' tok' + i; }

function answer(req, res, route, body) {
  const model = typeof body.model === 'string' ? body.model : 'fake-model';
  const id = (route === 'chat' ? 'chatcmpl-' : 'cmpl-') + NAME + '-' + stats.requests;
  const created = Math.floor(Date.now() / 1000);
  const promptTokens = 16;
  res.on('close', () => { if (!res.writableFinished) stats.aborted++; });
  if (body.stream === true) {
    stats.streams++;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Fake-Replica': NAME });
    let i = 0;
    const tick = () => {
      if (res.destroyed) return;
      if (i < TOKENS) {
        const choice = route === 'chat'
          ? { index: 0, delta: i === 0 ? { role: 'assistant', content: piece(i) } : { content: piece(i) }, finish_reason: null }
          : { index: 0, text: piece(i), finish_reason: null };
        res.write('data: ' + JSON.stringify({ id, object: route === 'chat' ? 'chat.completion.chunk' : 'text_completion',
          created, model, choices: [choice] }) + '\n\n');
        i++;
        setTimeout(tick, TOKEN_MS);
        return;
      }
      const last = route === 'chat' ? { index: 0, delta: {}, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop' };
      res.write('data: ' + JSON.stringify({ id, object: route === 'chat' ? 'chat.completion.chunk' : 'text_completion',
        created, model, choices: [last] }) + '\n\n');
      res.end('data: [DONE]\n\n');
    };
    tick();
    return;
  }
  setTimeout(() => {
    if (res.destroyed) return;
    let text = '';
    for (let i = 0; i < TOKENS; i++) text += piece(i);
    const usage = { prompt_tokens: promptTokens, completion_tokens: TOKENS, total_tokens: promptTokens + TOKENS };
    const out = route === 'chat'
      ? { id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage }
      : { id, object: 'text_completion', created, model, choices: [{ index: 0, text, finish_reason: 'stop' }], usage };
    const data = JSON.stringify(out);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), 'X-Fake-Replica': NAME });
    res.end(data);
  }, TOKENS * TOKEN_MS);
}

const server = http.createServer((req, res) => {
  const url = req.url.split('?')[0];
  if (url === '/_stats') {
    const data = JSON.stringify(stats);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
    res.end(data);
    return;
  }
  let route = 'other';
  if (req.method === 'POST' && (url === '/v1/chat/completions' || url === '/chat/completions')) route = 'chat';
  else if (req.method === 'POST' && (url === '/v1/completions' || url === '/completions')) route = 'completions';
  else if (req.method === 'GET' && (url === '/v1/models' || url === '/models')) route = 'models';
  else if (req.method === 'GET' && url === '/health') route = 'health';
  const now = Date.now();
  stats.requests++;
  if (route === 'chat') stats.chat++;
  else if (route === 'completions') stats.completions++;
  else if (route === 'health') stats.health++;
  else if (route === 'models') stats.models++;
  if (route === 'chat' || route === 'completions') {
    if (stats.first_request_at === null) stats.first_request_at = now;
    stats.last_request_at = now;
  }
  const wasStalled = stalled;
  if (wasStalled) stats.stalled_requests++;
  emit({ event: 'req', name: NAME, t: now, route, stalled: wasStalled });

  const chunks = [];
  let size = 0;
  req.on('data', (c) => { size += c.length; if (size <= 4 << 20) chunks.push(c); });
  req.on('end', () => {
    if (wasStalled) return; // accepted, read, never answered
    if (route === 'health') { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"status":"ok"}'); return; }
    if (route === 'models') {
      const data = JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: NAME }] });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(data);
      return;
    }
    if (route === 'other') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'no route ' + req.method + ' ' + url, type: 'invalid_request_error', code: 404 } }));
      return;
    }
    let body = {};
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'); } catch (e) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'invalid JSON', type: 'invalid_request_error', code: 400 } }));
      return;
    }
    answer(req, res, route, body);
  });
});
server.keepAliveTimeout = 60000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(PORT, '127.0.0.1', () => emit({ event: 'listening', name: NAME, pid: process.pid, port: server.address().port, stalled }));
