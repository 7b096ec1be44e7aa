// compat.mjs - the IAM differential check: mamori's decisions against
// @cloud-copilot/iam-simulate's, on every tests/iam/cases/*.json case and on
// generated policy/request pairs (gen.mjs), with the triaged list of known
// disagreements (triaged.json, explained in docs/iam-compat.md).
//
//   node compat.mjs --mamori BIN --peer DIR --cases DIR --triaged FILE
//                   [--seed N] [--count N] [--out DIR] [--list]
//
// --peer DIR holds node_modules/@cloud-copilot/iam-simulate (install-peer.sh).
// mamori decides through `mamori iam simulate` (JSON Lines in and out);
// iam-simulate through its public runSimulation(). A request iam-simulate
// refuses (its input validation: an unknown action, a resource type the
// action does not take, a policy its validator rejects) or whose context it
// trims (keys the action does not take, per its catalog) is decided with its
// runUnsafeSimulation() instead when that can (no resource or session
// policy), else counted as not comparable, with the reason. Exit status: 0 when every
// disagreement is in triaged.json, 1 when some is new, 2 on a setup error.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generate } from './gen.mjs';
import { toSimulation } from './translate.mjs';
import { explain } from './triage.mjs';

function args() {
  const o = { seed: 20261128, count: 10000, list: false };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const k = a[i].replace(/^--/, '');
    if (k === 'list') o.list = true;
    else o[k] = a[++i];
  }
  o.seed = Number(o.seed);
  o.count = Number(o.count);
  for (const k of ['mamori', 'peer', 'cases', 'triaged'])
    if (!o[k]) throw new Error(`--${k} is required`);
  return o;
}

export async function loadPeer(dir) {
  const req = createRequire(path.join(path.resolve(dir), 'package.json'));
  const main = req.resolve('@cloud-copilot/iam-simulate');
  const pkg = path.join(path.resolve(dir), 'node_modules/@cloud-copilot/iam-simulate/package.json');
  const version = JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
  const mod = await import(pathToFileURL(main).href);
  return { runSimulation: mod.runSimulation, runUnsafeSimulation: mod.runUnsafeSimulation, version };
}

// A generated pair's signature: the hash of its request, stable for a seed.
const signature = (q) => `gen:${createHash('sha256').update(JSON.stringify(q)).digest('hex').slice(0, 16)}`;

function mamoriDecide(bin, queries) {
  const input = queries.map((q) => JSON.stringify(q)).join('\n') + '\n';
  const r = spawnSync(bin, ['iam', 'simulate'], { input, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  const out = r.stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  if (out.length !== queries.length)
    throw new Error(`mamori iam simulate answered ${out.length} of ${queries.length} requests`);
  return out.map((o) => o.result?.decision ?? `error: ${o.error}`);
}

async function peerDecide(peer, q) {
  let t;
  try {
    t = toSimulation(q);
  } catch (e) {
    return { skip: `translation: ${e.message}` };
  }
  if (t.skip) return { skip: t.skip };
  let r = await runPeer(peer, t.sim, false);
  // runSimulation trims the context to the keys its catalog gives the action
  // and refuses a resource ARN of no type the action takes: input checks,
  // not evaluation. runUnsafeSimulation skips them, but in 0.1.173 ignores a
  // session policy and throws on a resource policy, so it is used only for
  // requests with neither.
  const unsafe = r.skip && (r.ignored || /no\.resource\.types/.test(r.skip)) && !t.sim.resourcePolicy &&
    !t.sim.sessionPolicy && peer.runUnsafeSimulation;
  if (unsafe) r = await runPeer(peer, t.sim, true);
  return r.skip ? r : { ...r, sim: t.sim, info: t.info, unsafe: Boolean(unsafe) };
}

async function runPeer(peer, sim, unsafe) {
  let r;
  try {
    if (unsafe) return { decision: peer.runUnsafeSimulation(sim, {}) };
    r = await peer.runSimulation(sim, {});
  } catch (e) {
    return { skip: `iam-simulate threw: ${e.message}` };
  }
  if (r.resultType === 'error') return { skip: `iam-simulate refuses: ${refusal(r.errors)}` };
  const ignored = r.result?.ignoredContextKeys || [];
  if (ignored.length) return { skip: 'iam-simulate drops context keys the action does not take', ignored };
  return { decision: r.overallResult };
}

function refusal(e) {
  for (const [k, v] of Object.entries(e)) {
    if (k === 'message') continue;
    const first = Array.isArray(v) ? v[0] : Object.values(v)[0]?.[0];
    if (first) return `${e.message} (${typeof first === 'string' ? first : first.message})`;
  }
  return e.message;
}

function loadTriaged(file) {
  const t = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map();
  for (const d of t.disagreements) byId.set(d.id, d);
  const rules = new Map();
  for (const r of t.rules) rules.set(r.id, r);
  return { byId, rules };
}

async function main() {
  const o = args();
  const peer = await loadPeer(o.peer);
  const triaged = loadTriaged(o.triaged);
  const files = fs.readdirSync(o.cases).filter((f) => f.endsWith('.json')).sort();
  const items = files.map((f) => ({
    set: 'cases',
    id: `case:${f.replace(/\.json$/, '')}`,
    q: JSON.parse(fs.readFileSync(path.join(o.cases, f), 'utf8')),
  }));
  for (const { q, features } of generate(o.seed, o.count))
    items.push({ set: 'generated', id: signature(q), q, features });
  const md = mamoriDecide(o.mamori, items.map((it) => it.q));
  const stats = {};
  const ruleCount = {};
  const skipped = {};
  const rows = [];
  for (const [i, it] of items.entries()) {
    const s = (stats[it.set] ??= { total: 0, compared: 0, unsafe: 0, agree: 0, triaged: 0, fresh: 0, skipped: 0 });
    s.total++;
    const p = await peerDecide(peer, it.q);
    if (p.skip) {
      s.skipped++;
      const k = `${it.set}: ${p.skip}`;
      skipped[k] = (skipped[k] || 0) + 1;
      continue;
    }
    s.compared++;
    if (p.unsafe) s.unsafe++;
    if (p.decision === md[i]) {
      s.agree++;
      continue;
    }
    // Known: listed by id, or explained by documented rules (triage.mjs).
    const t = triaged.byId.get(it.id);
    let known = Boolean(t && t.mamori === md[i] && t.peer === p.decision);
    let rules = null;
    if (!known) {
      rules = await explain(p.info, p.sim, md[i], async (sim) => (await runPeer(peer, sim, p.unsafe)).decision);
      known = Boolean(rules && rules.every((id) => triaged.rules.has(id)));
    }
    if (known) s.triaged++;
    else s.fresh++;
    const why = t ? `listed: ${t.side} side` : rules ? `rule ${rules.join(' + ')}` : 'unexplained';
    for (const id of rules || []) ruleCount[`${it.set}: ${id}`] = (ruleCount[`${it.set}: ${id}`] || 0) + 1;
    rows.push({ id: it.id, set: it.set, mamori: md[i], peer: p.decision, known, why, features: it.features,
      q: it.q });
  }
  console.log(`iam-compat: mamori vs @cloud-copilot/iam-simulate ${peer.version} (runSimulation), ` +
    `seed ${o.seed}`);
  for (const [set, s] of Object.entries(stats))
    console.log(`  ${set.padEnd(10)} ${s.total} requests, ${s.compared} compared` +
      (s.unsafe ? ` (${s.unsafe} through runUnsafeSimulation)` : '') + `: ${s.agree} agree, ` +
      `${s.triaged + s.fresh} disagree (${s.triaged} triaged, ${s.fresh} new); ${s.skipped} not comparable`);
  for (const [k, n] of Object.entries(skipped).sort()) console.log(`    not comparable: ${k}: ${n}`);
  for (const [k, n] of Object.entries(ruleCount).sort()) {
    const id = k.slice(k.indexOf(': ') + 2);
    console.log(`    ${k.slice(0, k.indexOf(':'))}: rule ${id}: ${n} (${triaged.rules.get(id)?.side ?? 'NOT IN triaged.json'} side)`);
  }
  const listed = rows.filter((r) => r.why.startsWith('listed')).length;
  if (listed) console.log(`    listed by id in triaged.json: ${listed}`);
  const fresh = rows.filter((r) => !r.known);
  for (const r of o.list ? rows : fresh)
    console.log(`  ${r.known ? 'triaged' : 'NEW'} ${r.id}: mamori ${r.mamori}, iam-simulate ${r.peer} (${r.why})` +
      (r.features ? ` [${r.features.join(' ')}]` : ''));
  if (o.out) {
    fs.mkdirSync(o.out, { recursive: true });
    fs.writeFileSync(path.join(o.out, 'disagreements.jsonl'),
      rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  }
  const stale = [...triaged.byId.keys()].filter((id) => !rows.some((r) => r.id === id));
  if (stale.length) console.log(`  ${stale.length} triaged entries no longer disagree: ${stale.join(' ')}`);
  console.log(fresh.length ? `iam-compat: FAIL: ${fresh.length} disagreements not in triaged.json`
    : 'iam-compat: ok: every disagreement is triaged');
  process.exitCode = fresh.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`iam-compat: ${e.message}`);
    process.exitCode = 2;
  });
}
