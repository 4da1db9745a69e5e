#!/usr/bin/env python3
"""Writes a tenants.toml with N namespaces (10 per team, 5 ExternalSecrets
each) spread over three providers, and the same data as YAML for the
hand-rolled Python + Jinja2 generator.

usage: gen_config.py N OUT_DIR [--change-team K]
--change-team K adds a secret to team K only (the one-team change)."""
import sys, os

def main():
    n = int(sys.argv[1]); out = sys.argv[2]
    change = int(sys.argv[sys.argv.index("--change-team") + 1]) if "--change-team" in sys.argv else None
    per_team = 10
    teams = max(1, n // per_team)
    providers = [
        ("aws-eu", "eu-west-1", "111111111111"),
        ("aws-us", "us-east-1", "222222222222"),
        ("aws-ap", "ap-southeast-2", "333333333333"),
    ]
    lines = ["version = 1", "[cluster]", 'name = "bench"', 'platform = "eks"',
             'store_scope = "namespace"', 'gitops = "argocd"',
             'repo_url = "https://git.example.com/platform/gitops.git"', ""]
    for name, region, account in providers:
        lines += [f"[providers.{name}]", 'kind = "aws-secrets-manager"', f'region = "{region}"',
                  f'account_id = "{account}"',
                  f'oidc_provider = "oidc.eks.{region}.amazonaws.com/id/BENCH"',
                  'role_name = "eso-{{cluster}}-{{namespace}}"', ""]
    yaml_teams = []
    for t in range(teams):
        provider = providers[t % len(providers)][0]
        ns = [f"t{t}-n{j}" for j in range(per_team)]
        prefix = f"prod/t{t}/"
        secrets = [(f"s{k}", f"{prefix}s{k}", k % 2 == 0) for k in range(5)]
        if change is not None and t == change:
            secrets[0] = (secrets[0][0], secrets[0][1] + "-v2", secrets[0][2])
        lines += ["[[teams]]", f'name = "t{t}"', f'provider = "{provider}"', f'prefix = "{prefix}"',
                  "namespaces = [" + ", ".join(f'"{x}"' for x in ns) + "]"]
        for name, key, with_data in secrets:
            if with_data:
                lines.append(f'[[teams.secrets]]\nname = "{name}"\nkey = "{key}"\ndata = {{ username = "username", password = "password" }}')
            else:
                lines.append(f'[[teams.secrets]]\nname = "{name}"\nkey = "{key}"')
        lines.append("")
        yaml_teams.append((f"t{t}", provider, prefix, ns, secrets))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tenants.toml"), "w") as f:
        f.write("\n".join(lines))
    # The same tenants as YAML, for the Python generator.
    with open(os.path.join(out, "tenants.yaml"), "w") as f:
        f.write("cluster: bench\nproviders:\n")
        for name, region, account in providers:
            f.write(f"  {name}: {{region: {region}, account_id: '{account}', oidc_provider: oidc.eks.{region}.amazonaws.com/id/BENCH}}\n")
        f.write("teams:\n")
        for name, provider, prefix, ns, secrets in yaml_teams:
            f.write(f"- name: {name}\n  provider: {provider}\n  prefix: {prefix}\n  namespaces: [{', '.join(ns)}]\n  secrets:\n")
            for sname, key, with_data in secrets:
                f.write(f"  - {{name: {sname}, key: '{key}', data: {str(with_data).lower()}}}\n")

if __name__ == "__main__":
    main()
