// translate.mjs - turn one mamori IAM request (the JSON format of docs/iam.md,
// "Request format") into the Simulation object of @cloud-copilot/iam-simulate.
//
// Written for mamori from iam-simulate's public type declarations
// (Simulation, runUnsafeSimulation); no code of that package is copied here.
// The package is AGPL: mamori only runs it as an outside program.
//
// mamori derives global keys from the principal and resource (aws:PrincipalArn,
// aws:username, tags, ...; src/iam/context.c). iam-simulate takes the request
// context as given, so the same keys are written into contextVariables here:
// the comparison is then about policy evaluation, not about how each side
// fills the context. A request that iam-simulate's input cannot express
// (a management account, a service-linked role, a canonical user, an explicit
// resourceMustAllow) is returned as {skip: reason}.

const TYPES = {
  anonymous: 'anonymous', root: 'root', account: 'root', user: 'user', iamuser: 'user',
  role: 'role', assumedrole: 'role', 'assumed-role': 'role', 'federated-user': 'federated-user',
  federateduser: 'federated-user', service: 'service', awsservice: 'service',
  federated: 'federated', webidentity: 'federated', saml: 'federated',
};

// The principal type from its ARN, as src/iam/query.c reads it.
export function typeFromArn(arn) {
  if (!arn) return 'anonymous';
  if (arn.includes(':iam::') && arn.endsWith(':root')) return 'root';
  if (arn.includes(':user/')) return 'user';
  if (arn.includes(':assumed-role/') || arn.includes(':role/')) return 'role';
  if (arn.includes(':federated-user/')) return 'federated-user';
  if (arn.includes(':saml-provider/') || arn.includes(':oidc-provider/')) return 'federated';
  if (arn.endsWith('.amazonaws.com')) return 'service';
  return 'user';
}

function arnField(arn, n) {
  const f = (arn || '').split(':');
  return f.length > n ? f[n] : '';
}

// arn:P:sts::A:assumed-role/NAME/SESSION -> arn:P:iam::A:role/NAME
function roleArnOf(arn) {
  const m = /^arn:([^:]*):sts::([^:]*):assumed-role\/([^/]*)/.exec(arn || '');
  if (m) return `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`;
  return arnField(arn, 5).startsWith('role/') ? arn : '';
}

function text(v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error('context values are strings, numbers or booleans');
}

function policyDoc(p) {
  if (typeof p === 'string') return JSON.parse(p);
  if (p && typeof p === 'object' && p.document !== undefined) return policyDoc(p.document);
  return p;
}

const named = (p, name) => ({ name, policy: policyDoc(p) });

// {sim: the Simulation for request q, info: the caller}, or {skip: reason}.
export function toSimulation(q) {
  const pr = typeof q.principal === 'string' ? { arn: q.principal } : q.principal || {};
  const res = typeof q.resource === 'string' ? { arn: q.resource } : q.resource || {};
  const pol = q.policies || {};
  if (pr.managementAccount) return { skip: 'management account (not expressible)' };
  if (res.managementAccount) return { skip: 'resource in the management account (not expressible)' };
  if (pr.serviceLinkedRole) return { skip: 'service-linked role (not expressible)' };
  if (pr.canonicalUser) return { skip: 'canonical user (not expressible)' };
  if (pol.resourceMustAllow) return { skip: 'resourceMustAllow (not expressible)' };
  const arn = pr.arn || '';
  const type = pr.type ? TYPES[String(pr.type).toLowerCase()] : typeFromArn(arn);
  if (!type) throw new Error(`unknown principal type ${pr.type}`);
  if (pr.type && type !== typeFromArn(arn))
    return { skip: `principal type ${type} that its ARN does not show (not expressible)` };
  if (pr.roleArn && pr.roleArn !== roleArnOf(arn))
    return { skip: 'a role ARN with a path (not expressible)' };

  // The accounts, as src/iam/context.c takes them.
  const hasAccount = ['root', 'user', 'role', 'federated-user'].includes(type);
  const account = hasAccount ? pr.account || arnField(arn, 4) : pr.account || '';
  const resourceAccount = res.account || account;

  // The context: the caller's keys first, then what mamori derives.
  const ctx = {};
  const have = new Set();
  const put = (k, v, force) => {
    if (v === undefined || v === null) return;
    if (!force && (v === '' || have.has(k.toLowerCase()))) return;
    have.add(k.toLowerCase());
    ctx[k] = v;
  };
  const ctxIn = q.context || {};
  for (const [k, v] of Object.entries(ctxIn)) put(k, Array.isArray(v) ? v.map(text) : text(v), true);
  for (const [k, v] of Object.entries(pr.tags || {})) put(`aws:PrincipalTag/${k}`, text(v), true);
  for (const [k, v] of Object.entries(res.tags || {})) put(`aws:ResourceTag/${k}`, text(v), true);
  if (pr.ouPath !== undefined)
    put('aws:PrincipalOrgPaths', Array.isArray(pr.ouPath) ? pr.ouPath.map(text) : text(pr.ouPath), true);
  const principalArn = type === 'role' ? pr.roleArn || roleArnOf(arn) : arn;
  if (!['anonymous', 'service', 'federated'].includes(type)) put('aws:PrincipalArn', principalArn);
  put('aws:PrincipalAccount', account);
  put('aws:PrincipalOrgID', pr.orgId);
  const ptype = { root: 'Account', user: 'User', role: 'AssumedRole',
    'federated-user': 'FederatedUser', anonymous: 'Anonymous' }[type];
  put('aws:PrincipalType', ptype);
  if (type === 'user') put('aws:username', arn.slice(arn.lastIndexOf('/') + 1));
  if (type === 'service') put('aws:PrincipalServiceName', arn);
  put('aws:PrincipalIsAWSService', type === 'service' ? 'true' : 'false');
  put('aws:ResourceAccount', resourceAccount);
  put('aws:ResourceOrgID', res.orgId);

  const levels = (lv, what) =>
    (lv || []).map((level, i) => ({
      orgIdentifier: `${what}-level-${i}`,
      policies: (Array.isArray(level) ? level : [level]).map((p, j) => named(p, `${what}[${i}][${j}]`)),
    }));
  const resourcePolicy = pol.resource ?? pol.trust ?? pol.keyPolicy;
  const sim = {
    request: {
      principal: type === 'anonymous' ? { type: 'Anonymous' } : arn,
      action: q.action,
      resource: { resource: res.arn || '*', accountId: resourceAccount || '000000000000' },
      contextVariables: ctx,
    },
    identityPolicies: type === 'anonymous' ? [] : (pol.identity || []).map((p, i) => named(p, `identity[${i}]`)),
    serviceControlPolicies: type === 'anonymous' ? [] : levels(pol.scp, 'scp'),
    resourceControlPolicies: levels(pol.rcp, 'rcp'),
  };
  if (resourcePolicy !== undefined) sim.resourcePolicy = policyDoc(resourcePolicy);
  if (pol.boundary !== undefined && type !== 'anonymous')
    sim.permissionBoundaryPolicies = [named(pol.boundary, 'boundary')];
  if (pol.session !== undefined && type !== 'anonymous') sim.sessionPolicy = policyDoc(pol.session);
  if (pol.vpcEndpoint !== undefined) sim.vpcEndpointPolicies = [named(pol.vpcEndpoint, 'vpc-endpoint')];
  // What the triage rules (triage.mjs) need to know of the caller.
  const info = { type, arn, account, action: q.action, roleArn: type === 'role' ? principalArn : '',
    hasBoundary: pol.boundary !== undefined && (type === 'user' || type === 'role') };
  return { sim, info };
}
