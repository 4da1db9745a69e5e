#!/usr/bin/env node
// Self-test of eval.mjs: proves the harness allows what IAM allows, denies what
// IAM denies, and reports errors instead of allowing. Runs every case through
// the real CLI (one batch on stdin), checks malformed input is rejected, and
// checks the harness's own evaluation path agrees with the library's.
// Usage: node selftest.mjs   (or: node eval.mjs --selftest). Exit 1 on any mismatch.

import { spawnSync } from 'node:child_process'
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { evaluateRequest, LIBRARY_VERSION } from './eval.mjs'

const EVAL = fileURLToPath(new URL('./eval.mjs', import.meta.url))
const ACCOUNT = '123456789012'
const SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:`
const PARAM = `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/`
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
const OIDC = 'oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF'

const policy = (...Statement) => ({ Version: '2012-10-17', Statement })
const allow = (Action, Resource, Condition) => ({
  Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {})
})
const deny = (Action, Resource, Condition) => ({
  Effect: 'Deny', Action, Resource, ...(Condition ? { Condition } : {})
})
const req = (identity, action, resource, context, extra = {}) => ({
  identity_policies: identity, action, resource, ...(context ? { context } : {}), ...extra
})

const prefixA = [policy(allow('secretsmanager:GetSecretValue', `${SECRET}prod/a/*`))]
const prefixAStar = [policy(allow('secretsmanager:GetSecretValue', `${SECRET}prod/a*`))]
const tagged = [
  policy(
    allow('secretsmanager:GetSecretValue', `${SECRET}*`, {
      StringEquals: { 'aws:ResourceTag/managed-by': 'external-secrets' }
    })
  )
]
const kmsIdentity = [
  policy(
    allow('kms:Decrypt', KEY, {
      StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
      StringLike: { 'kms:EncryptionContext:SecretARN': `${SECRET}prod/a/*` }
    })
  )
]
const keyPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'EnableIamPolicies',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*'
    }
  ]
}
const viaSm = (secretArn) => ({
  'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com',
  'kms:EncryptionContext:SecretARN': secretArn
})
const trustPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'IrsaServiceAccount',
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OIDC}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${OIDC}:aud`]: 'sts.amazonaws.com',
          [`${OIDC}:sub`]: 'system:serviceaccount:payments:eso-aws'
        }
      }
    }
  ]
}
const assume = (sub) =>
  req([], 'sts:AssumeRoleWithWebIdentity', `arn:aws:iam::${ACCOUNT}:role/eso-payments`,
    { [`${OIDC}:aud`]: 'sts.amazonaws.com', [`${OIDC}:sub`]: sub },
    { principal: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OIDC}`, resource_policy: trustPolicy })
const tagOnCreate = [
  policy(
    allow('secretsmanager:CreateSecret', `${SECRET}prod/a/*`, {
      StringEquals: { 'aws:RequestTag/managed-by': 'external-secrets' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['managed-by', 'team'] }
    })
  )
]

const ALLOWED = { decision: 'Allowed' }
const IMPLICIT = { decision: 'ImplicitlyDenied' }
const EXPLICIT = { decision: 'ExplicitlyDenied' }
const error = (re) => ({ error: re })

/** [name, request, expectation]; expectation = {decision} (and no errors) or {error: RegExp}. */
export const CASES = [
  // Prefix wildcards: "prod/a/*" stops at the slash, "prod/a*" does not.
  ['prod/a/* allows prod/a/db-AbCdEf', req(prefixA, 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), ALLOWED],
  ['prod/a/* denies prod/ab/db-AbCdEf', req(prefixA, 'secretsmanager:GetSecretValue', `${SECRET}prod/ab/db-AbCdEf`), IMPLICIT],
  ['prod/a/* denies prod/b/db-AbCdEf', req(prefixA, 'secretsmanager:GetSecretValue', `${SECRET}prod/b/db-AbCdEf`), IMPLICIT],
  ['prod/a* allows prod/ab/db-AbCdEf (over-broad prefix)', req(prefixAStar, 'secretsmanager:GetSecretValue', `${SECRET}prod/ab/db-AbCdEf`), ALLOWED],
  ['prod/a* allows prod/a/db-AbCdEf', req(prefixAStar, 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), ALLOWED],
  ['other account is denied', req(prefixA, 'secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:prod/a/db-AbCdEf'), IMPLICIT],
  ['other region is denied', req(prefixA, 'secretsmanager:GetSecretValue', `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/a/db-AbCdEf`), IMPLICIT],
  ['action not granted is denied', req(prefixA, 'secretsmanager:PutSecretValue', `${SECRET}prod/a/db-AbCdEf`), IMPLICIT],
  // The random six-character suffix is part of the ARN.
  ['name without suffix does not match the suffixed ARN', req([policy(allow('secretsmanager:GetSecretValue', `${SECRET}prod/a/db`))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), IMPLICIT],
  ['name-?????? matches the suffixed ARN', req([policy(allow('secretsmanager:GetSecretValue', `${SECRET}prod/a/db-??????`))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), ALLOWED],
  // Tag conditions.
  ['ResourceTag managed-by=external-secrets allows with the tag', req(tagged, 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`, { 'aws:ResourceTag/managed-by': 'external-secrets' }), ALLOWED],
  ['ResourceTag condition denies without the tag', req(tagged, 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), IMPLICIT],
  ['ResourceTag condition denies with another value', req(tagged, 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`, { 'aws:ResourceTag/managed-by': 'terraform' }), IMPLICIT],
  ['secretsmanager:ResourceTag allows with the tag (harness-evaluated key)', req([policy(allow('secretsmanager:GetSecretValue', `${SECRET}*`, { StringEquals: { 'secretsmanager:ResourceTag/team': 'a' } }))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`, { 'secretsmanager:ResourceTag/team': 'a' }), ALLOWED],
  ['secretsmanager:ResourceTag denies without the tag', req([policy(allow('secretsmanager:GetSecretValue', `${SECRET}*`, { StringEquals: { 'secretsmanager:ResourceTag/team': 'a' } }))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), IMPLICIT],
  ['RequestTag + TagKeys allow CreateSecret with the allowed tags', req(tagOnCreate, 'secretsmanager:CreateSecret', `${SECRET}prod/a/new-AbCdEf`, { 'aws:RequestTag/managed-by': 'external-secrets', 'aws:TagKeys': ['managed-by', 'team'] }), ALLOWED],
  ['TagKeys denies CreateSecret with an extra tag key', req(tagOnCreate, 'secretsmanager:CreateSecret', `${SECRET}prod/a/new-AbCdEf`, { 'aws:RequestTag/managed-by': 'external-secrets', 'aws:TagKeys': ['managed-by', 'owner'] }), IMPLICIT],
  // Explicit deny wins.
  ['explicit Deny wins over Allow', req([policy(allow('secretsmanager:*', '*'), deny('secretsmanager:GetSecretValue', `${SECRET}prod/a/*`))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), EXPLICIT],
  ['explicit Deny in a second policy wins', req([policy(allow('secretsmanager:GetSecretValue', '*')), policy(deny('*', '*', { StringNotEquals: { 'aws:ResourceTag/managed-by': 'external-secrets' } }))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), EXPLICIT],
  // SSM Parameter Store.
  ['ssm:GetParameter on parameter/prod/a/* allowed', req([policy(allow('ssm:GetParameter', `${PARAM}prod/a/*`))], 'ssm:GetParameter', `${PARAM}prod/a/db`), ALLOWED],
  ['ssm:GetParameter outside the prefix denied', req([policy(allow('ssm:GetParameter', `${PARAM}prod/a/*`))], 'ssm:GetParameter', `${PARAM}prod/b/db`), IMPLICIT],
  ['ssm:GetParametersByPath on the path allowed', req([policy(allow('ssm:GetParametersByPath', `${PARAM}prod/a`))], 'ssm:GetParametersByPath', `${PARAM}prod/a`), ALLOWED],
  ['ssm:DescribeParameters on * allowed', req([policy(allow('ssm:DescribeParameters', '*'))], 'ssm:DescribeParameters', '*'), ALLOWED],
  ['ssm:DescribeParameters on an ARN is an error', req([policy(allow('ssm:DescribeParameters', '*'))], 'ssm:DescribeParameters', `${PARAM}prod/a`), error(/must\.use\.wildcard/)],
  // KMS: the key policy must let IAM policies apply; conditions on the encryption context.
  ['kms:Decrypt via Secrets Manager for prod/a allowed', req(kmsIdentity, 'kms:Decrypt', KEY, viaSm(`${SECRET}prod/a/db-AbCdEf`), { resource_policy: keyPolicy }), ALLOWED],
  ['kms:Decrypt for another SecretARN denied', req(kmsIdentity, 'kms:Decrypt', KEY, viaSm(`${SECRET}prod/b/db-AbCdEf`), { resource_policy: keyPolicy }), IMPLICIT],
  ['kms:Decrypt not via Secrets Manager denied', req(kmsIdentity, 'kms:Decrypt', KEY, { 'kms:EncryptionContext:SecretARN': `${SECRET}prod/a/db-AbCdEf` }, { resource_policy: keyPolicy }), IMPLICIT],
  ['kms:Decrypt without a key policy denied', req(kmsIdentity, 'kms:Decrypt', KEY, viaSm(`${SECRET}prod/a/db-AbCdEf`)), IMPLICIT],
  // IRSA trust policy.
  ['trust policy allows the service account', assume('system:serviceaccount:payments:eso-aws'), ALLOWED],
  ['trust policy denies another service account', assume('system:serviceaccount:payments:other'), IMPLICIT],
  // Errors, never allows.
  ['unknown request action is an error', req([policy(allow('*', '*'))], 'secretsmanager:GetSecretValu', `${SECRET}prod/a/db-AbCdEf`), error(/invalid\.action/)],
  ['unknown service is an error', req([policy(allow('*', '*'))], 'secretsmanagr:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), error(/invalid\.service/)],
  ['unknown action in a policy is an error', req([policy(allow(['secretsmanager:GetSecretValue', 'secretsmanager:GetSecretValu'], '*'))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), error(/unknown action "secretsmanager:GetSecretValu"/)],
  ['resource of the wrong type is an error', req([policy(allow('*', '*'))], 'secretsmanager:GetSecretValue', `${PARAM}prod/a/db`), error(/no\.resource\.types/)],
  ['kms:Decrypt on an alias ARN is an error', req([policy(allow('*', '*'))], 'kms:Decrypt', `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/prod-a`), error(/no\.resource\.types/)],
  ['unknown context key is an error', req([policy(allow('*', '*'))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`, { 'aws:ResourceTagg/x': 'y' }), error(/unknown context key/)],
  ['unknown condition key in a policy is an error', req([policy(allow('*', '*', { StringEquals: { 'secretsmanager:ResourceTagg/x': 'y' } }))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), error(/unknown condition key/)],
  ['unknown condition operator in a Deny is an error', req([policy(allow('*', '*'), deny('*', '*', { StringEqualz: { 'aws:ResourceTag/x': 'y' } }))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`, { 'aws:ResourceTag/x': 'y' }), error(/unknown condition operator/)],
  ['non-ARN policy resource is an error', req([policy(allow('secretsmanager:GetSecretValue', 'prod/a/*'))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), error(/neither "\*" nor an ARN/)],
  ['invalid policy is an error', req([policy({ Effect: 'Alow', Action: '*', Resource: '*' })], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), error(/Effect/)],
  ['array for a single-valued key is an error', req([policy(allow('*', '*'))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`, { 'aws:ResourceTag/x': ['a', 'b'] }), error(/single-valued/)],
  ['unresolvable policy variable is an error', req([policy(allow('*', '*'), deny('*', `${SECRET}\${aws:PrincipalTag/team}/*`))], 'secretsmanager:GetSecretValue', `${SECRET}prod/a/db-AbCdEf`), error(/not found in request context/)]
]

function check(name, got, want) {
  const problems = []
  if (!got || typeof got.decision !== 'string' || !Array.isArray(got.errors)) {
    return [`malformed result ${JSON.stringify(got)}`]
  }
  if (want.error) {
    if (got.decision === 'Allowed') problems.push('decision is Allowed despite an error')
    if (!got.errors.some((e) => want.error.test(e))) {
      problems.push(`expected an error matching ${want.error}, got ${JSON.stringify(got.errors)}`)
    }
  } else {
    if (got.decision !== want.decision) {
      problems.push(`expected ${want.decision}, got ${got.decision} ${JSON.stringify(got.detail)}`)
    }
    if (got.errors.length > 0) problems.push(`unexpected errors ${JSON.stringify(got.errors)}`)
  }
  return problems
}

function runCli(input) {
  return spawnSync(process.execPath, [EVAL], { input, encoding: 'utf8', maxBuffer: 1 << 28 })
}

export async function runSelftest() {
  let passed = 0
  let failed = 0
  const record = (name, problems) => {
    if (problems.length === 0) {
      passed++
      console.log(`ok   ${name}`)
    } else {
      failed++
      console.log(`FAIL ${name}\n     ${problems.join('\n     ')}`)
    }
  }

  // 0. The pinned library version is the one installed.
  const pinned = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
    .dependencies['@cloud-copilot/iam-simulate']
  record(`iam-simulate ${LIBRARY_VERSION} is the pinned ${pinned}`, LIBRARY_VERSION === pinned ? [] : ['version mismatch'])

  // 1. Every case through the real CLI, in one batch.
  const run = runCli(JSON.stringify({ requests: CASES.map(([, r]) => r) }))
  let results = []
  if (run.status !== 0) {
    record('CLI batch run', [`exit ${run.status}: ${run.stderr}`])
  } else {
    results = JSON.parse(run.stdout).results
    record('CLI returns one result per request', results.length === CASES.length ? [] : [`${results.length} results for ${CASES.length} requests`])
  }
  CASES.forEach(([name, , want], i) => record(name, check(name, results[i], want)))

  // 2. The harness's own evaluation path (used for kms:EncryptionContext:*,
  // secretsmanager:ResourceTag/* and OIDC claims) agrees with the library's.
  for (const [name, r, want] of CASES) {
    if (want.error || r.resource.includes('*')) continue
    const plain = Object.keys(r.context ?? {}).every(
      (k) => !/^kms:EncryptionContext:|^secretsmanager:ResourceTag\/|:(aud|sub)$/i.test(k)
    )
    if (!plain) continue
    const viaShim = await evaluateRequest(r, { forceShim: true })
    record(`harness path agrees: ${name}`, check(name, viaShim, want))
  }

  // 3. Malformed input fails the call (exit 2, nothing on stdout).
  const malformed = {
    'not JSON': '{"requests": [',
    'two documents': '{"requests": []} {"requests": []}',
    'no requests array': '{"request": []}',
    'request without action': JSON.stringify({ requests: [{ identity_policies: [], resource: '*' }] }),
    'misspelled field': JSON.stringify({ requests: [{ identity_policies: [], action: 'ssm:DescribeParameters', resource: '*', contexts: {} }] }),
    'context value not a string': JSON.stringify({ requests: [{ identity_policies: [], action: 'ssm:DescribeParameters', resource: '*', context: { 'aws:SourceIp': 1 } }] }),
    'policy not an object': JSON.stringify({ requests: [{ identity_policies: ['{}'], action: 'ssm:DescribeParameters', resource: '*' }] })
  }
  for (const [name, input] of Object.entries(malformed)) {
    const r = runCli(input)
    record(`malformed input rejected: ${name}`, r.status === 2 && r.stdout === '' ? [] : [`exit ${r.status}, stdout ${JSON.stringify(r.stdout)}`])
  }
  const empty = runCli('{"requests": []}')
  record('empty batch is fine', empty.status === 0 && empty.stdout.trim() === '{"results":[]}' ? [] : [`exit ${empty.status}: ${empty.stdout}${empty.stderr}`])

  console.log(`iam-simulate selftest: ${passed} passed, ${failed} failed`)
  return failed === 0
}

const invokedDirectly =
  process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
if (invokedDirectly) {
  runSelftest().then(
    (ok) => { process.exitCode = ok ? 0 : 1 },
    (e) => { console.error(e); process.exitCode = 1 }
  )
}
