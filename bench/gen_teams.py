#!/usr/bin/env python3
"""Writes a tenants.toml with N teams of one namespace each, for timing
`esogen check` on many teams (bench/gen_config.py scales namespaces).

usage: gen_teams.py N OUT_DIR [--shared] [--namespaces K] [--secrets S] [--change-team T]
                     [--admission MODE]
Without --shared every team has its own prefix (`prod/t<i>/`), so the
configuration is valid; with --shared every team has `prod/shared/`, so
every pair of teams overlaps (the hostile case of issue 14, item 10).
--namespaces K gives each team K namespaces (default 1) and --secrets S
gives it S secrets (default 0), every other one limited to the team's
namespaces by an explicit `namespaces` list. --change-team T changes
one key of team T (its first secret's), for timing a one-team change.
--admission MODE sets `[cluster] admission` (`vap`, `kyverno` or `none`;
without it the default, `vap`, applies)."""
import os
import sys


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    shared = "--shared" in sys.argv
    per_team = int(sys.argv[sys.argv.index("--namespaces") + 1]) if "--namespaces" in sys.argv else 1
    secrets = int(sys.argv[sys.argv.index("--secrets") + 1]) if "--secrets" in sys.argv else 0
    change = int(sys.argv[sys.argv.index("--change-team") + 1]) if "--change-team" in sys.argv else None
    admission = sys.argv[sys.argv.index("--admission") + 1] if "--admission" in sys.argv else None
    lines = [
        "version = 1",
        "[cluster]",
        'name = "bench"',
        'platform = "eks"',
        'store_scope = "namespace"',
    ]
    if admission is not None:
        lines.append(f'admission = "{admission}"')
    lines += [
        "",
        "[providers.aws]",
        'kind = "aws-secrets-manager"',
        'region = "eu-west-1"',
        'account_id = "111111111111"',
        'oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/BENCH"',
        'role_name = "eso-{{cluster}}-{{namespace}}"',
        "",
    ]
    for t in range(n):
        prefix = "prod/shared/" if shared else f"prod/t{t}/"
        ns = ", ".join(f'"t{t}-{j}"' for j in range(per_team)) if per_team > 1 else f'"t{t}"'
        lines += [
            "[[teams]]",
            f'name = "t{t}"',
            'provider = "aws"',
            f'prefix = "{prefix}"',
            f"namespaces = [{ns}]",
            "",
        ]
        for k in range(secrets):
            suffix = "-changed" if (t, k) == (change, 0) else ""
            lines += ["[[teams.secrets]]", f'name = "s{k}"', f'key = "{prefix}s{k}{suffix}"']
            if k % 2 == 1:
                lines.append(f"namespaces = [{ns}]")
            lines.append("")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tenants.toml"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
