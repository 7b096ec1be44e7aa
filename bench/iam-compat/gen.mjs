// gen.mjs - random IAM policy/request pairs from a fixed seed, in mamori's
// request format (docs/iam.md), for the differential check (compat.mjs).
//
// The same seed always gives the same pairs: the generator uses its own
// xorshift32 stream, never Math.random. Each pair draws a principal (IAM
// user, role session, root, federated user, AWS service; in the resource's
// account or another), an action on a resource whose type the action takes
// (so that iam-simulate, which checks both against the Service Authorization
// Reference, accepts the request), a request context, and policies: identity
// policies, and sometimes a permissions boundary, a session policy, a
// resource policy (Principal, NotPrincipal), SCPs at one to three levels and
// RCPs. Statements mix Action/NotAction, Resource/NotResource, wildcards,
// policy variables and conditions with most operators, IfExists and
// ForAllValues/ForAnyValue. Values are drawn from small pools that overlap
// the request's, so that about as many conditions hold as fail.
//
//   node gen.mjs [--seed N] [--count N]     JSON Lines on stdout

import path from 'node:path';
import { pathToFileURL } from 'node:url';

const A = '111122223333'; // the caller's account
const B = '444455556666'; // another account
const ORG = 'o-a1b2c3d4e5';

export function rng(seed) {
  let s = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const r = {
    int: (n) => next() % n,
    chance: (p) => next() / 4294967296 < p,
    pick: (arr) => arr[next() % arr.length],
    some: (arr, lo, hi) => {
      const n = lo + (next() % (hi - lo + 1));
      const out = [];
      for (let i = 0; i < n; i++) {
        const v = arr[next() % arr.length];
        if (!out.includes(v)) out.push(v);
      }
      return out;
    },
  };
  return r;
}

// Actions with a resource of a type they take; region us-east-1.
const ACTIONS = [
  { action: 's3:GetObject', arn: (acct) => 'arn:aws:s3:::corp-data/home/alice/report.csv', s3: true },
  { action: 's3:PutObject', arn: () => 'arn:aws:s3:::corp-data/shared/plan.txt', s3: true },
  { action: 's3:DeleteObject', arn: () => 'arn:aws:s3:::logs/2024/app.log', s3: true },
  { action: 's3:ListBucket', arn: () => 'arn:aws:s3:::corp-data', s3: true, keys: ['s3:prefix', 's3:max-keys'] },
  { action: 'sqs:SendMessage', arn: (acct) => `arn:aws:sqs:us-east-1:${acct}:orders`, tags: true },
  { action: 'sqs:ReceiveMessage', arn: (acct) => `arn:aws:sqs:us-east-1:${acct}:orders` },
  { action: 'dynamodb:GetItem', arn: (acct) => `arn:aws:dynamodb:us-east-1:${acct}:table/Users`, tags: true },
  { action: 'sns:Publish', arn: (acct) => `arn:aws:sns:us-east-1:${acct}:alerts`, tags: true },
  { action: 'ec2:DescribeInstances', arn: () => '*' },
  { action: 'iam:GetUser', arn: (acct) => `arn:aws:iam::${acct}:user/alice` },
  { action: 'secretsmanager:GetSecretValue', arn: (acct) => `arn:aws:secretsmanager:us-east-1:${acct}:secret:db-AbCdEf`, tags: true },
];

const ACTION_PATTERNS = [
  's3:GetObject', 's3:Get*', 's3:*Object', 's3:???Object', 's3:*', 's3:List*', 's3:ListBucket',
  'S3:getobject', 'sqs:*', 'sqs:Send*', 'sqs:*Message', 'dynamodb:Get*', 'dynamodb:*', 'sns:Publish',
  'ec2:Describe*', 'ec2:*', 'iam:Get*', 'iam:*', 'secretsmanager:*', '*', 's3:Put*', 's3:Delete*',
];

const RESOURCE_PATTERNS = (acct) => [
  '*', 'arn:aws:s3:::corp-data/*', 'arn:aws:s3:::corp-data', 'arn:aws:s3:::corp-data*',
  'arn:aws:s3:::corp-data/home/${aws:username}/*', 'arn:aws:s3:::corp-data/home/${aws:PrincipalTag/team, \'alice\'}/*',
  'arn:aws:s3:::logs/*', 'arn:aws:s3:::*', 'arn:aws:s3:::corp-data/shared/*',
  `arn:aws:sqs:us-east-1:${acct}:orders`, 'arn:aws:sqs:*:*:orders', 'arn:aws:sqs:us-east-1:*:*',
  `arn:aws:dynamodb:us-east-1:${acct}:table/Users`, 'arn:aws:dynamodb:*:*:table/*',
  `arn:aws:sns:us-east-1:${acct}:alerts`, 'arn:aws:sns:*:*:al?rts',
  `arn:aws:iam::${acct}:user/alice`, 'arn:aws:iam::*:user/${aws:username}', `arn:aws:iam::${acct}:user/*`,
  `arn:aws:secretsmanager:us-east-1:${acct}:secret:db-*`, 'arn:aws:secretsmanager:*:*:secret:*',
  `arn:aws:*:*:${acct}:*`, 'arn:aws:s3:::corp-data/${aws:PrincipalTag/team}/*',
];

// Condition keys: name, value type, request values, policy values.
const KEYS = [
  { key: 'aws:SourceIp', type: 'ip', req: ['10.20.30.40', '192.168.1.5', '203.0.113.9', '2001:db8::1'],
    pol: ['10.0.0.0/8', '192.168.0.0/16', '203.0.113.0/24', '2001:db8::/32', '10.20.30.40', '172.16.0.0/12'] },
  { key: 'aws:PrincipalTag/team', type: 'string', req: ['analytics', 'Analytics', 'ops', ''],
    pol: ['analytics', 'ops', 'ANALYTICS', 'anal*', '*', 'o?s', '${aws:username}', '${aws:PrincipalTag/team}'] },
  { key: 'aws:RequestedRegion', type: 'string', req: ['us-east-1', 'eu-west-1', 'ap-south-1'],
    pol: ['us-east-1', 'eu-west-1', 'us-*', '*-west-?'] },
  { key: 'aws:SecureTransport', type: 'bool', req: ['true', 'false'], pol: ['true', 'false', 'TRUE'] },
  { key: 'aws:MultiFactorAuthPresent', type: 'bool', req: ['true', 'false'], pol: ['true', 'false'] },
  { key: 'aws:MultiFactorAuthAge', type: 'number', req: ['30', '3600', '86400', '7200.5'],
    pol: ['3600', '60', '86400', '3600.0', '10000'] },
  { key: 'aws:CurrentTime', type: 'date',
    req: ['2024-06-01T12:00:00Z', '2025-01-01T00:00:00Z', '2023-12-31T23:59:59Z'],
    pol: ['2024-01-01T00:00:00Z', '2024-06-01T12:00:00Z', '2025-01-01', '2024-06-01T14:00:00+02:00'] },
  { key: 'aws:EpochTime', type: 'date', req: ['1717243200', '1735689600'],
    pol: ['1717243200', '1700000000', '2024-06-01T12:00:00Z'] },
  { key: 'aws:PrincipalOrgID', type: 'string', derived: true, req: [], pol: [ORG, 'o-other', 'o-*'] },
  { key: 'aws:PrincipalAccount', type: 'string', derived: true, req: [], pol: [A, B, '1111*'] },
  { key: 'aws:PrincipalArn', type: 'arn', derived: true, req: [],
    pol: [`arn:aws:iam::${A}:user/alice`, `arn:aws:iam::${A}:role/app`, `arn:aws:iam::${A}:*`,
      'arn:aws:iam::*:role/*', `arn:aws:iam::${B}:user/*`] },
  { key: 'aws:SourceArn', type: 'arn',
    req: [`arn:aws:sns:us-east-1:${A}:alerts`, `arn:aws:s3:::corp-data`],
    pol: [`arn:aws:sns:us-east-1:${A}:alerts`, 'arn:aws:sns:*:*:*', 'arn:aws:s3:::corp-*', `arn:aws:sns:us-east-1:${B}:*`] },
  { key: 'aws:SourceAccount', type: 'string', req: [A, B], pol: [A, B] },
  { key: 'aws:TagKeys', type: 'string', multi: true, req: ['team', 'owner', 'cost-center', 'Team'],
    pol: ['team', 'owner', 'project', 'cost-*'] },
  { key: 'aws:PrincipalOrgPaths', type: 'string', multi: true,
    req: [`${ORG}/r-ab12/ou-ab12-11111111/`, `${ORG}/r-ab12/ou-ab12-22222222/`],
    pol: [`${ORG}/r-ab12/ou-ab12-11111111/*`, `${ORG}/r-ab12/*`, `${ORG}/r-ab12/ou-ab12-33333333/`] },
  { key: 'aws:ResourceTag/env', type: 'string', req: ['prod', 'dev'], pol: ['prod', 'dev', 'p*'] },
  { key: 's3:prefix', type: 'string', action: 's3:ListBucket', req: ['home/alice/', 'shared/', ''],
    pol: ['home/${aws:username}/*', 'shared/*', 'home/*', ''] },
  { key: 's3:max-keys', type: 'number', action: 's3:ListBucket', req: ['10', '1000', '100'],
    pol: ['100', '50', '1000'] },
];

const OPS = {
  string: ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase',
    'StringLike', 'StringNotLike'],
  number: ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals',
    'NumericGreaterThan', 'NumericGreaterThanEquals'],
  date: ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan',
    'DateGreaterThanEquals'],
  bool: ['Bool'],
  ip: ['IpAddress', 'NotIpAddress'],
  arn: ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'StringLike', 'StringEquals'],
};

function principalPool(r) {
  return r.pick([
    { kind: 'user', arn: `arn:aws:iam::${A}:user/alice`, tags: { team: 'analytics' } },
    { kind: 'user', arn: `arn:aws:iam::${A}:user/bob`, tags: { team: 'ops' } },
    { kind: 'user', arn: `arn:aws:iam::${A}:user/alice` },
    { kind: 'role', arn: `arn:aws:sts::${A}:assumed-role/app/session-1`, tags: { team: 'analytics' } },
    { kind: 'role', arn: `arn:aws:sts::${A}:assumed-role/app/session-1` },
    { kind: 'root', arn: `arn:aws:iam::${A}:root` },
    { kind: 'federated-user', arn: `arn:aws:sts::${A}:federated-user/carol` },
    { kind: 'service', arn: 'sns.amazonaws.com' },
  ]);
}

function condition(r, action, features) {
  const cond = {};
  const n = 1 + r.int(2);
  for (let i = 0; i < n; i++) {
    const k = r.pick(KEYS.filter((x) => !x.action || x.action === action));
    let op = r.pick(OPS[k.type]);
    if (r.chance(0.15)) {
      op += 'IfExists';
      features.add('IfExists');
    }
    // A multivalued key always takes a set operator (AWS: "Multivalued
    // context keys require a condition set operator"); a single-valued one
    // sometimes does, as a set of one.
    if (k.multi || r.chance(0.08)) {
      const q = r.pick(['ForAllValues:', 'ForAnyValue:']);
      if (q) features.add(q.slice(0, -1));
      op = q + op;
    }
    if (r.chance(0.07)) {
      op = 'Null';
      cond[op] = { ...(cond[op] || {}), [k.key]: r.pick(['true', 'false']) };
      features.add('Null');
      continue;
    }
    features.add(op.replace(/^For(All|Any)Values:/, '').replace(/IfExists$/, ''));
    const vals = r.some(k.pol, 1, 3);
    if (vals.some((v) => v.includes('${'))) features.add('variable');
    cond[op] = { ...(cond[op] || {}), [k.key]: vals.length === 1 && r.chance(0.5) ? vals[0] : vals };
  }
  return cond;
}

function statement(r, ctx, opts, features) {
  const st = { Effect: r.chance(opts.denyRate ?? 0.3) ? 'Deny' : 'Allow' };
  if (r.chance(0.3)) st.Sid = `S${r.int(100)}`;
  if (opts.principal) {
    if (st.Effect === 'Deny' && r.chance(0.2) && !opts.rcp) {
      st.NotPrincipal = r.pick([
        { AWS: `arn:aws:iam::${A}:root` },
        { AWS: [`arn:aws:iam::${A}:root`, `arn:aws:iam::${A}:user/alice`] },
        { AWS: [`arn:aws:iam::${A}:root`, `arn:aws:iam::${A}:role/app`, `arn:aws:sts::${A}:assumed-role/app/session-1`] },
      ]);
      features.add('NotPrincipal');
    } else {
      st.Principal = opts.rcp
        ? '*'
        : r.pick([
            '*', { AWS: '*' }, { AWS: A }, { AWS: `arn:aws:iam::${A}:root` }, { AWS: `arn:aws:iam::${B}:root` },
            { AWS: `arn:aws:iam::${A}:user/alice` }, { AWS: `arn:aws:iam::${A}:role/app` },
            { AWS: `arn:aws:sts::${A}:assumed-role/app/session-1` }, { AWS: [`arn:aws:iam::${A}:user/bob`, B] },
            { Service: 'sns.amazonaws.com' }, { AWS: `arn:aws:sts::${A}:federated-user/carol` },
          ]);
      features.add('Principal');
    }
  }
  const actions = opts.rcp ? ACTION_PATTERNS.filter((a) => a !== '*') : ACTION_PATTERNS;
  const acts = r.some(actions, 1, 3);
  if (!opts.rcp && r.chance(0.15)) {
    st.NotAction = acts.length === 1 ? acts[0] : acts;
    features.add('NotAction');
  } else st.Action = acts.length === 1 ? acts[0] : acts;
  const res = r.some(RESOURCE_PATTERNS(r.pick([A, B])), 1, 3);
  if (res.some((v) => v.includes('${'))) features.add('variable');
  if (r.chance(0.12)) {
    st.NotResource = res.length === 1 ? res[0] : res;
    features.add('NotResource');
  } else st.Resource = res.length === 1 ? res[0] : res;
  if (r.chance(0.5)) st.Condition = condition(r, ctx.action, features);
  return st;
}

function policy(r, ctx, opts, features) {
  const n = 1 + r.int(opts.max ?? 3);
  const sts = [];
  for (let i = 0; i < n; i++) sts.push(statement(r, ctx, opts, features));
  const p = {};
  if (opts.rcp || r.chance(0.95)) p.Version = '2012-10-17';
  else features.add('no-version');
  p.Statement = sts.length === 1 && r.chance(0.3) ? sts[0] : sts;
  return p;
}

const FULL = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } };

// One pair: a request with its policies, and the features it exercises.
export function pair(r) {
  const features = new Set();
  const who = principalPool(r);
  const act = r.pick(ACTIONS);
  const cross = who.kind !== 'service' && r.chance(0.25);
  if (cross) features.add('cross-account');
  const resAcct = cross ? B : A;
  const q = { principal: { arn: who.arn }, action: act.action };
  if (who.tags) q.principal.tags = who.tags;
  if (who.kind !== 'service' && r.chance(0.7)) {
    q.principal.orgId = ORG;
    features.add('org');
  }
  q.resource = { arn: act.arn(resAcct), account: resAcct };
  if (act.tags && r.chance(0.4)) q.resource.tags = { env: r.pick(['prod', 'dev']) };
  const context = {};
  for (const k of KEYS) {
    if (k.derived || (k.action && k.action !== act.action) || k.key.startsWith('aws:ResourceTag')) continue;
    if (!r.chance(0.5)) continue;
    context[k.key] = k.multi ? r.some(k.req, 0, 3) : r.pick(k.req);
  }
  q.context = context;
  features.add(who.kind);
  const pol = {};
  const ctx = { action: act.action };
  if (['user', 'role', 'federated-user'].includes(who.kind) && r.chance(0.9)) {
    pol.identity = [];
    for (let i = 0, n = 1 + r.int(3); i < n; i++) pol.identity.push(policy(r, ctx, {}, features));
  }
  if ((who.kind === 'user' || who.kind === 'role') && r.chance(0.2)) {
    pol.boundary = policy(r, ctx, { denyRate: 0.15, max: 2 }, features);
    features.add('boundary');
  }
  if ((who.kind === 'role' || who.kind === 'federated-user') && r.chance(who.kind === 'role' ? 0.2 : 0.8)) {
    pol.session = policy(r, ctx, { denyRate: 0.1, max: 2 }, features);
    features.add('session');
  }
  if (r.chance(cross || who.kind === 'service' ? 0.8 : 0.35)) {
    pol.resource = policy(r, ctx, { principal: true, max: 3 }, features);
    features.add('resource-policy');
  }
  if (who.kind !== 'service' && r.chance(0.3)) {
    pol.scp = [];
    for (let l = 0, n = 1 + r.int(3); l < n; l++)
      pol.scp.push(r.chance(0.6) ? [FULL, ...(r.chance(0.5) ? [policy(r, ctx, { denyRate: 0.6, max: 2 }, features)] : [])]
        : [policy(r, ctx, { denyRate: 0.2, max: 2 }, features)]);
    features.add('scp');
  }
  if (r.chance(0.1)) {
    pol.rcp = [[policy(r, ctx, { principal: true, rcp: true, denyRate: 1, max: 2 }, features)]];
    features.add('rcp');
  }
  q.policies = pol;
  return { q, features: [...features].sort() };
}

export function* generate(seed, count) {
  const r = rng(seed);
  for (let i = 0; i < count; i++) yield pair(r);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  for (const { q } of generate(arg('--seed', 20261128), arg('--count', 10000)))
    process.stdout.write(`${JSON.stringify(q)}\n`);
}
