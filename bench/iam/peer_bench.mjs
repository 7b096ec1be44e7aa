// peer_bench.mjs - @cloud-copilot/iam-simulate's figures for bench_iam's sets
// (a) and (b), printed beside mamori's with the ratio (issue 3's target:
// mamori at least 300 times as fast, in the same run).
//
//   node peer_bench.mjs --peer DIR --sets DIR [--n N]
//
// --sets DIR is what `bench_iam --sets DIR` wrote: a.json and b.json (the
// same requests and policies, in docs/iam.md's format) and mamori.json
// (mamori's figures from that run). --peer DIR holds the installed package
// (bench/iam-compat/install-peer.sh). Each decision is one awaited call of
// iam-simulate's public runSimulation() on the request translated by
// bench/iam-compat/translate.mjs (the translation is done once, untimed);
// runSimulation takes policies as JSON and has no compiled form, so each
// call parses and validates them: that is the cost a user of the package
// pays per decision. The package's runUnsafeSimulation() skips that
// validation and is timed too, where it can decide the set (0.1.173 throws
// on a resource policy, so it decides (a) only); the ratio against the
// target is the lowest of all. Median and p99 are per call; decisions/s is n
// calls over their total time. The first 10% of calls warm the JIT and are
// not counted.
import fs from 'node:fs';
import path from 'node:path';
import { loadPeer } from '../iam-compat/compat.mjs';
import { toSimulation } from '../iam-compat/translate.mjs';

function args() {
  const o = { n: 5000 };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) o[a[i].replace(/^--/, '')] = a[i + 1];
  o.n = Math.max(100, Number(o.n));
  return o;
}

// Time n awaited calls of decide() (which returns the decision).
async function time(decide, n) {
  const warm = Math.ceil(n / 10);
  let decision;
  for (let i = 0; i < warm; i++) decision = await decide();
  const t = new Float64Array(n);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    await decide();
    t[i] = Number(process.hrtime.bigint() - a);
  }
  const total = Number(process.hrtime.bigint() - start);
  t.sort();
  return { decision, perSecond: (n * 1e9) / total, medianNs: t[n >> 1], p99Ns: t[Math.floor(n * 0.99)] };
}

const fmtTime = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(1)} us`);

async function main() {
  const o = args();
  const peer = await loadPeer(o.peer);
  const mamori = JSON.parse(fs.readFileSync(path.join(o.sets, 'mamori.json'), 'utf8'));
  const names = { a: '(a) identity set, 8 statements', b: '(b) + 3 SCP levels, boundary, bucket policy' };
  console.log(`iam-simulate ${peer.version} (node ${process.versions.node}), ${o.n} decisions per set ` +
    `and API, one core:`);
  let low = Infinity;
  for (const set of ['a', 'b']) {
    const q = JSON.parse(fs.readFileSync(path.join(o.sets, `${set}.json`), 'utf8'));
    const t = toSimulation(q);
    if (t.skip) throw new Error(`set ${set}: ${t.skip}`);
    const first = await peer.runSimulation(t.sim, {});
    if (first.resultType === 'error') throw new Error(`set ${set}: iam-simulate refuses: ${JSON.stringify(first.errors)}`);
    const apis = [['runSimulation', async () => (await peer.runSimulation(t.sim, {})).overallResult]];
    if (peer.runUnsafeSimulation) apis.push(['runUnsafeSimulation', () => peer.runUnsafeSimulation(t.sim, {})]);
    for (const [api, decide] of apis) {
      const label = `${names[set]} ${api}`;
      try {
        await decide();
      } catch (e) {
        console.log(`${label}: cannot decide this set (throws: ${e.message})`);
        continue;
      }
      const p = await time(decide, o.n);
      const m = mamori[set];
      const ratio = p.medianNs / m.medianNs;
      const rate = m.perSecond / p.perSecond;
      low = Math.min(low, ratio, rate);
      console.log(`${label.padEnd(64)} ${p.decision.padEnd(9)} ${p.perSecond.toFixed(0).padStart(7)} ` +
        `decisions/s  median ${fmtTime(p.medianNs).padStart(9)}  p99 ${fmtTime(p.p99Ns).padStart(9)}` +
        `  mamori ${ratio.toFixed(0)}x faster by median, ${rate.toFixed(0)}x by decisions/s` +
        (p.decision === m.decision ? '' : `  (DECISIONS DIFFER: mamori ${m.decision})`));
    }
  }
  console.log(`iam-simulate ratio: ${low >= 300 ? 'meets' : 'BELOW'} the 300x target (lowest ${low.toFixed(0)}x)`);
}

main().catch((e) => {
  console.log(`iam-simulate: peer unavailable: ${e.message}`);
});
