#!/usr/bin/env python3
"""The hand-rolled alternative esogen is measured against: what a platform
team writes instead. Reads tenants.yaml with PyYAML's libyaml loader and
renders the same overlay tree with Jinja2 templates (no validation, no
diffing: it rewrites every file, as such scripts do).

usage: pygen.py tenants.yaml OUT_DIR"""
import json, os, sys

import jinja2
import yaml

HEADER = "# Generated from tenants.yaml. Do not edit.\n"
ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
KUSTOMIZATION = ENV.from_string(HEADER + """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {{ ns }}
resources:
- ../../bases/tenant/{{ provider }}
{% for s in secrets %}- externalsecret-{{ s.name }}.yaml
{% endfor %}patches:
- path: patch-serviceaccount.yaml
labels:
- pairs:
    app.kubernetes.io/managed-by: pygen
    team: {{ team }}
  includeSelectors: false
""")
PATCH = ENV.from_string(HEADER + """apiVersion: v1
kind: ServiceAccount
metadata:
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::{{ account }}:role/eso-{{ cluster }}-{{ ns }}
  name: eso-{{ provider }}
""")
EXTERNAL_SECRET = ENV.from_string(HEADER + """apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: {{ s.name }}
spec:
  refreshInterval: 1h
  secretStoreRef:
    name: {{ provider }}
    kind: SecretStore
  target:
    name: {{ s.name }}
    creationPolicy: Owner
{% if s.data %}  data:
  - secretKey: password
    remoteRef:
      key: {{ s.key }}
      property: password
  - secretKey: username
    remoteRef:
      key: {{ s.key }}
      property: username
{% else %}  dataFrom:
  - extract:
      key: {{ s.key }}
{% endif %}""")

def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src) as f:
        cfg = yaml.load(f, Loader=yaml.CSafeLoader)
    cluster = cfg["cluster"]
    for team in cfg["teams"]:
        p = cfg["providers"][team["provider"]]
        for ns in team["namespaces"]:
            d = os.path.join(out, "overlays", ns)
            os.makedirs(d, exist_ok=True)
            ctx = dict(ns=ns, team=team["name"], provider=team["provider"], cluster=cluster,
                       account=p["account_id"], secrets=team["secrets"])
            with open(os.path.join(d, "kustomization.yaml"), "w") as f:
                f.write(KUSTOMIZATION.render(**ctx))
            with open(os.path.join(d, "patch-serviceaccount.yaml"), "w") as f:
                f.write(PATCH.render(**ctx))
            for s in team["secrets"]:
                with open(os.path.join(d, f"externalsecret-{s['name']}.yaml"), "w") as f:
                    f.write(EXTERNAL_SECRET.render(s=s, **ctx))
            pd = os.path.join(out, "policies", ns)
            os.makedirs(pd, exist_ok=True)
            arn = f"arn:aws:secretsmanager:{p['region']}:{p['account_id']}:secret:{team['prefix']}*"
            policy = {"Version": "2012-10-17", "Statement": [{"Sid": "ReadTeamPrefix", "Effect": "Allow",
                      "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
                                 "secretsmanager:ListSecretVersionIds"], "Resource": [arn]}]}
            with open(os.path.join(pd, f"{team['provider']}.iam-policy.json"), "w") as f:
                json.dump(policy, f, indent=2)
            trust = {"Version": "2012-10-17", "Statement": [{"Sid": "Irsa", "Effect": "Allow",
                     "Principal": {"Federated": f"arn:aws:iam::{p['account_id']}:oidc-provider/{p['oidc_provider']}"},
                     "Action": ["sts:AssumeRoleWithWebIdentity"],
                     "Condition": {"StringEquals": {f"{p['oidc_provider']}:sub": f"system:serviceaccount:{ns}:eso-{team['provider']}",
                                                    f"{p['oidc_provider']}:aud": "sts.amazonaws.com"}}}]}
            with open(os.path.join(pd, f"{team['provider']}.trust-policy.json"), "w") as f:
                json.dump(trust, f, indent=2)

if __name__ == "__main__":
    main()
