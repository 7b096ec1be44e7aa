// triage.mjs - the documented rules behind the known disagreements between
// mamori and iam-simulate, as counterfactuals: each rule rewrites
// iam-simulate's input so that it states what AWS's documentation says
// (the root user's full access, a federated-user session without a session
// policy, ...). A disagreement belongs to a rule when iam-simulate, given the
// rewritten input, decides as mamori does. triaged.json names each rule with
// the AWS page it comes from and the side that page supports;
// docs/iam-compat.md explains them. Rules never touch mamori's side.

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
// A policy that allows nothing this harness asks for.
const ALLOW_NOTHING = (principal) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', ...(principal ? { Principal: { AWS: 'arn:aws:iam::999999999999:root' } } : {}),
    Action: 'ec2:DescribeRegions', Resource: '*' }],
});

const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const statements = (p) => list(p?.Statement);

function needsResourceAllow(action) {
  const a = action.toLowerCase();
  return ['sts:assumerole', 'sts:assumerolewithsaml', 'sts:assumerolewithwebidentity', 'sts:tagsession',
    'sts:setsourceidentity', 'sts:setcontext'].includes(a) || a.startsWith('kms:');
}

// The layers AWS checks a NotPrincipal against, for this caller (the
// account, then the role, then the user or session ARN: "AWS JSON policy
// elements: NotPrincipal").
function layers(info) {
  const acct = info.account;
  const names = (xs) => xs.filter(Boolean);
  switch (info.type) {
    case 'root': return [names([acct, `arn:aws:iam::${acct}:root`])];
    case 'user': case 'federated-user':
      return [names([acct, `arn:aws:iam::${acct}:root`]), [info.arn]];
    case 'role': return [names([acct, `arn:aws:iam::${acct}:root`]), [info.roleArn], [info.arn]];
    case 'service': return [[info.arn]];
    default: return [['\u0000never']];
  }
}

function excepted(np, info) {
  if (np === '*') return true;
  const named = new Set([...list(np.AWS), ...list(np.Service), ...list(np.Federated)]);
  if (named.has('*')) return true;
  if (info.hasBoundary) return false;
  return layers(info).every((alts) => alts.some((n) => named.has(n)));
}

// Whether the context has a value for key (case-insensitive; [] is none).
function hasKey(ctx, key) {
  const k = Object.keys(ctx).find((x) => x.toLowerCase() === key.toLowerCase());
  return k !== undefined && !(Array.isArray(ctx[k]) && ctx[k].length === 0);
}

// Whether a Principal element names this caller itself (its user, session
// or federated-user ARN, or everyone), not its role or account.
function namesDirectly(p, info) {
  if (p === '*') return true;
  return list(p?.AWS).some((n) => n === '*' || n === info.arn);
}

// Epoch seconds -> ISO 8601, as AWS lets a date be either.
const EPOCH = /^\d+$/;
const iso = (v) => (EPOCH.test(v) ? new Date(Number(v) * 1000).toISOString() : v);
const DATE_KEYS = ['aws:currenttime', 'aws:epochtime', 'aws:tokenissuetime'];

// Call fn(policy, kind) on every policy of sim and put back what it
// returns; null removes the policy (a session policy or boundary becomes
// one that allows nothing, since removing it would lift its limit).
function eachPolicy(sim, fn) {
  const map = (arr, kind) => arr.map((p) => ({ ...p, policy: fn(p.policy, kind) })).filter((p) => p.policy !== null);
  sim.identityPolicies = map(sim.identityPolicies, 'identity');
  for (const lv of sim.serviceControlPolicies) lv.policies = map(lv.policies, 'scp');
  for (const lv of sim.resourceControlPolicies) lv.policies = map(lv.policies, 'rcp');
  if (sim.vpcEndpointPolicies) sim.vpcEndpointPolicies = map(sim.vpcEndpointPolicies, 'vpc-endpoint');
  if (sim.permissionBoundaryPolicies)
    sim.permissionBoundaryPolicies = sim.permissionBoundaryPolicies.map((p) => ({ ...p,
      policy: fn(p.policy, 'boundary') ?? ALLOW_NOTHING(false) }));
  if (sim.resourcePolicy) {
    const r = fn(sim.resourcePolicy, 'resource');
    if (r === null) delete sim.resourcePolicy;
    else sim.resourcePolicy = r;
  }
  if (sim.sessionPolicy) sim.sessionPolicy = fn(sim.sessionPolicy, 'session') ?? ALLOW_NOTHING(false);
}

// The ${key} and ${key, 'default'} variables of a text.
const VARS = /\$\{([^}]*)\}/g;
function unresolved(text, ctx) {
  for (const m of text.matchAll(VARS)) {
    const inner = m[1];
    if (['*', '?', '$'].includes(inner.trim()) || inner.includes(',')) continue;
    const key = Object.keys(ctx).find((k) => k.toLowerCase() === inner.trim().toLowerCase());
    const v = key === undefined ? undefined : ctx[key];
    if (v === undefined || (Array.isArray(v) && v.length !== 1)) return true;
  }
  return false;
}
const statementUnresolved = (s, ctx) =>
  [...list(s.Resource), ...list(s.NotResource)].some((r) => unresolved(r, ctx)) ||
  Object.entries(s.Condition || {}).some(([op, block]) => /^(for(allvalues|anyvalue):)?(string|arn)/i.test(op) &&
    Object.values(block).some((v) => list(v).some((x) => unresolved(String(x), ctx))));

// Each rule: applies(info, sim) and rewrite(sim, info) (in place).
export const RULES = {
  'root-full-access': {
    applies: (info) => info.type === 'root',
    rewrite: (sim) => {
      sim.identityPolicies = [{ name: 'root-full-access', policy: ALLOW_ALL }];
      delete sim.permissionBoundaryPolicies;
    },
  },
  'federated-user-needs-session-policy': {
    applies: (info, sim) => info.type === 'federated-user' && !sim.sessionPolicy,
    rewrite: (sim) => {
      sim.sessionPolicy = ALLOW_NOTHING(false);
    },
  },
  'no-scp-for-service-principals': {
    applies: (info, sim) => info.type === 'service' && sim.serviceControlPolicies.length > 0,
    rewrite: (sim) => {
      sim.serviceControlPolicies = [];
    },
  },
  'trust-and-key-policies-must-allow': {
    applies: (info, sim) => needsResourceAllow(info.action) && !sim.resourcePolicy,
    rewrite: (sim) => {
      sim.resourcePolicy = ALLOW_NOTHING(true);
    },
  },
  'notprincipal-every-layer': {
    applies: (info, sim) => statements(sim.resourcePolicy).some((s) => s.NotPrincipal !== undefined),
    rewrite: (sim, info) => {
      const out = [];
      for (const s of statements(sim.resourcePolicy)) {
        if (s.NotPrincipal === undefined) out.push(s);
        else if (!excepted(s.NotPrincipal, info)) {
          const { NotPrincipal, ...rest } = s;
          out.push({ ...rest, Principal: '*' });
        }
      }
      sim.resourcePolicy = { ...sim.resourcePolicy, Statement: out.length ? out : ALLOW_NOTHING(true).Statement };
    },
  },
  'caller-named-by-resource-policy': {
    applies: (info, sim) => ['user', 'role', 'federated-user'].includes(info.type) &&
      sim.request.resource.accountId === info.account &&
      (sim.sessionPolicy || sim.permissionBoundaryPolicies) &&
      statements(sim.resourcePolicy).some((s) => s.Effect === 'Allow' && namesDirectly(s.Principal, info)),
    rewrite: (sim) => {
      const loosen = (p) => ({ Version: '2012-10-17',
        Statement: [...statements(p).filter((s) => s.Effect === 'Deny'), ...ALLOW_ALL.Statement] });
      if (sim.sessionPolicy) sim.sessionPolicy = loosen(sim.sessionPolicy);
      for (const b of sim.permissionBoundaryPolicies || []) b.policy = loosen(b.policy);
    },
  },
  'unresolved-variable-voids-statement': {
    applies: (info, sim) => {
      let hit = false;
      eachPolicy(sim, (p) => {
        if (p?.Version === '2012-10-17' && statements(p).some((st) => statementUnresolved(st, sim.request.contextVariables)))
          hit = true;
        return p;
      });
      return hit;
    },
    rewrite: (sim) => {
      eachPolicy(sim, (p) => {
        if (p?.Version !== '2012-10-17') return p;
        const kept = statements(p).filter((st) => !statementUnresolved(st, sim.request.contextVariables));
        return kept.length ? { ...p, Statement: kept } : null;
      });
    },
  },
  'ifexists-missing-key-is-true': {
    applies: (info, sim) => {
      let hit = false;
      eachPolicy(sim, (p) => {
        for (const st of statements(p))
          for (const [op, block] of Object.entries(st.Condition || {}))
            if (/^for(allvalues|anyvalue):.*ifexists$/i.test(op) &&
                Object.keys(block).some((k) => !hasKey(sim.request.contextVariables, k))) hit = true;
        return p;
      });
      return hit;
    },
    rewrite: (sim) => {
      eachPolicy(sim, (p) => {
        const copy = structuredClone(p);
        for (const st of statements(copy))
          for (const [op, block] of Object.entries(st.Condition || {})) {
            if (!/ifexists$/i.test(op)) continue;
            for (const k of Object.keys(block)) if (!hasKey(sim.request.contextVariables, k)) delete block[k];
            if (!Object.keys(block).length) delete st.Condition[op];
          }
        return copy;
      });
    },
  },
  'empty-string-is-a-value': {
    applies: (info, sim) => Object.values(sim.request.contextVariables).some((v) => v === '') &&
      JSON.stringify(sim).includes('${'),
    rewrite: (sim) => {
      const ctx = sim.request.contextVariables;
      const empty = new Set(Object.keys(ctx).filter((k) => ctx[k] === '').map((k) => k.toLowerCase()));
      eachPolicy(sim, (p) => {
        if (p?.Version !== '2012-10-17') return p;
        // ${key} and ${key, 'default'} of a key whose value is "" become "".
        const text = JSON.stringify(p).replace(/\$\{([^},]*)(,[^}]*)?\}/g,
          (m, key) => (empty.has(key.trim().toLowerCase()) ? '' : m));
        return JSON.parse(text);
      });
    },
  },
  'ip-address-forms': {
    applies: (info, sim) => JSON.stringify(sim).match(/IpAddress/i) !== null,
    rewrite: (sim) => {
      const ctx = sim.request.contextVariables;
      eachPolicy(sim, (p) => {
        const copy = structuredClone(p);
        for (const st of statements(copy))
          for (const [op, block] of Object.entries(st.Condition || {})) {
            if (!/ipaddress/i.test(op)) continue;
            for (const k of Object.keys(block)) {
              const ck = Object.keys(ctx).find((x) => x.toLowerCase() === k.toLowerCase());
              const seen = ck === undefined ? [] : list(ctx[ck]);
              if (seen.length !== 1) continue;
              const v6 = seen[0].includes(':');
              let vals = list(block[k]).filter((c) => c.includes(':') === v6)
                .map((c) => (c.includes('/') ? c : `${c}/${v6 ? 128 : 32}`))
                .flatMap((c) => (c === '0.0.0.0/0' ? ['0.0.0.0/1', '128.0.0.0/1'] : c === '::/0' ? ['::/1', '8000::/1'] : [c]));
              if (!vals.length) {
                if (/not/i.test(op)) {
                  delete block[k];
                  continue;
                }
                vals = [v6 ? '100::/128' : '192.0.2.255/32'];
              }
              block[k] = vals;
            }
            if (!Object.keys(block).length) delete st.Condition[op];
          }
        return copy;
      });
    },
  },
  'dates-epoch-or-iso': {
    applies: (info, sim) => Object.keys(sim.request.contextVariables).some((k) => DATE_KEYS.includes(k.toLowerCase())),
    rewrite: (sim) => {
      const ctx = sim.request.contextVariables;
      for (const k of Object.keys(ctx))
        if (DATE_KEYS.includes(k.toLowerCase())) ctx[k] = Array.isArray(ctx[k]) ? ctx[k].map(iso) : iso(ctx[k]);
      eachPolicy(sim, (p) => {
        const copy = structuredClone(p);
        for (const s of statements(copy))
          for (const [op, block] of Object.entries(s.Condition || {}))
            if (/date/i.test(op))
              for (const k of Object.keys(block)) block[k] = Array.isArray(block[k]) ? block[k].map(iso) : iso(block[k]);
        return copy;
      });
    },
  },
  'variables-need-version-2012': {
    applies: (info, sim) => {
      let hit = false;
      eachPolicy(sim, (p) => {
        if (p?.Version !== '2012-10-17' && JSON.stringify(p).includes('${')) hit = true;
        return p;
      });
      return hit;
    },
    rewrite: (sim) => {
      eachPolicy(sim, (p) => {
        if (p?.Version === '2012-10-17' || !JSON.stringify(p).includes('$')) return p;
        // Literal text under 2012-10-17: every $ written as ${$}.
        const text = JSON.stringify({ ...p, Version: undefined }).replaceAll('$', '${$}');
        return { Version: '2012-10-17', ...JSON.parse(text) };
      });
    },
  },
};

// Which rules, alone or together, make iam-simulate decide as mamori did.
// decide(sim) runs iam-simulate; returns the rule ids, or null.
export async function explain(info, sim, want, decide) {
  const ids = Object.keys(RULES).filter((id) => RULES[id].applies(info, sim));
  const attempt = async (chosen) => {
    const s = structuredClone(sim);
    for (const id of chosen) RULES[id].rewrite(s, info);
    return (await decide(s)) === want;
  };
  for (const id of ids) if (await attempt([id])) return [id];
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++) if (await attempt([ids[i], ids[j]])) return [ids[i], ids[j]];
  if (ids.length > 2 && (await attempt(ids))) return ids;
  return null;
}
