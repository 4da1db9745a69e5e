#!/usr/bin/env python3
"""esogen's benchmark: generation at 100, 1,000 and 10,000 namespaces
(5 ExternalSecrets each, three providers) against `cp -r` of the same tree
(the floor), a hand-rolled Python + Jinja2 generator, and
`git add -A && git commit`; on tmpfs and on disk. Prints a Markdown table of
medians; `BENCHMARKS.md` holds a run.

With `--shape teams` the configurations are many small teams instead
(`bench/gen_teams.py N --secrets 5`: N teams of one namespace and five
secrets, AWS Secrets Manager, admission policies on by default), sizes in
teams, `esogen check` timed too and no Python opponent. `--admission none`
gives those teams no admission policies (issue 18's tree had none). The
teams shape also times `bench/floor.rs` on the generated tree: the `stat`
calls and cache read and write that no incremental run can skip, the floor
of the unchanged and one-team runs (built with `rustc`).

usage: python3 bench/run.py [--shape namespaces|teams] [--sizes 100,1000,10000] [--runs 3]
                            [--disk DIR] [--fs tmpfs,disk] [--esogen PATH]
                            [--admission vap|kyverno|none]"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ESOGEN = os.path.join(ROOT, "target", "release", "esogen")
VENV = os.path.join(ROOT, "bench", ".venv")
GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
               GIT_CONFIG_NOSYSTEM="1", HOME=tempfile.gettempdir())

LAST_CPU = [0.0]

def timed(cmd, cwd=None, env=None):
    """Wall seconds and peak RSS (MiB) of one command, via /usr/bin/time;
    its CPU seconds (user + system) are left in LAST_CPU."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S"] + cmd, cwd=cwd, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout}\n{out.stderr}")
    wall, rss, user, system = out.stderr.strip().splitlines()[-1].split()
    LAST_CPU[0] = float(user) + float(system)
    return float(wall), int(rss) / 1024, out.stdout

def sh(cmd, cwd=None, env=None):
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def python():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        sh([sys.executable, "-m", "venv", VENV])
        sh([os.path.join(VENV, "bin", "pip"), "install", "--quiet", "jinja2", "pyyaml"])
    return py

def tree_bytes(d):
    total = files = 0
    for base, _, names in os.walk(d):
        for n in names:
            total += os.path.getsize(os.path.join(base, n)); files += 1
    return total, files

def configs(shape, n, cfg, cfg2, admission=None):
    """Writes the configuration of size `n` and its one-team change."""
    if shape == "teams":
        gen = [sys.executable, os.path.join(ROOT, "bench", "gen_teams.py"), str(n)]
        extra = ["--admission", admission] if admission else []
        sh(gen + [cfg, "--secrets", "5"] + extra)
        sh(gen + [cfg2, "--secrets", "5", "--change-team", "0"] + extra)
    else:
        gen = [sys.executable, os.path.join(ROOT, "bench", "gen_config.py"), str(n)]
        sh(gen + [cfg])
        sh(gen + [cfg2, "--change-team", "0"])

def build_floor():
    """`bench/floor.rs`, compiled; the path of its binary."""
    out = os.path.join(tempfile.mkdtemp(prefix="esogen-floor-"), "floor")
    sh(["rustc", "-O", "--edition", "2021", os.path.join(ROOT, "bench", "floor.rs"), "-o", out])
    return out

def bench(n, fs_dir, runs, py, shape="namespaces", admission=None, floor=None):
    work = tempfile.mkdtemp(prefix=f"esogen-bench-{n}-", dir=fs_dir)
    cfg, cfg2 = os.path.join(work, "cfg"), os.path.join(work, "cfg2")
    configs(shape, n, cfg, cfg2, admission)
    r = {k: [] for k in ["check", "check_rss", "full", "full_rss", "full_cpu", "unchanged", "one_team", "one_team_cpu", "cp", "python", "git_full", "esogen_commit_full", "git_one", "esogen_commit_one", "floor"]}
    notes = {}
    for _ in range(runs):
        t, rss, _ = timed([ESOGEN, "check", "--config", os.path.join(cfg, "tenants.toml")])
        r["check"].append(t); r["check_rss"].append(rss)
        out = os.path.join(work, "out")
        shutil.rmtree(out, ignore_errors=True); os.makedirs(out)
        shutil.copy(os.path.join(cfg, "tenants.toml"), out)
        t, rss, _ = timed([ESOGEN, "generate", "--config", os.path.join(out, "tenants.toml")])
        r["full"].append(t); r["full_rss"].append(rss); r["full_cpu"].append(LAST_CPU[0])
        t, _, o = timed([ESOGEN, "generate", "--config", os.path.join(out, "tenants.toml")])
        assert "up to date" in o, o
        r["unchanged"].append(t)
        shutil.copy(os.path.join(cfg2, "tenants.toml"), out)
        t, _, o = timed([ESOGEN, "generate", "--config", os.path.join(out, "tenants.toml")])
        notes["one_team_written"] = o.strip()
        r["one_team"].append(t); r["one_team_cpu"].append(LAST_CPU[0])
        if floor:
            _, _, o = timed([floor, out])
            r["floor"].append(float(o.strip()))
        # The floor copies the generated tree, not esogen's local cache.
        copy = os.path.join(work, "copy")
        shutil.rmtree(copy, ignore_errors=True)
        cache, aside = os.path.join(out, ".esogen", "cache.bin"), os.path.join(work, "cache.bin")
        os.rename(cache, aside)
        t, _, _ = timed(["cp", "-r", out, copy])
        os.rename(aside, cache)
        r["cp"].append(t)
        if py:
            pyout = os.path.join(work, "py")
            shutil.rmtree(pyout, ignore_errors=True)
            t, _, _ = timed([py, os.path.join(ROOT, "bench", "pygen.py"), os.path.join(cfg, "tenants.yaml"), pyout])
            r["python"].append(t)
        # git add -A && git commit of the full tree, then of the one-team change.
        g = os.path.join(work, "git")
        shutil.rmtree(g, ignore_errors=True); os.makedirs(g)
        sh(["git", "init", "-q", "-b", "main"], cwd=g, env=GIT_ENV)
        shutil.copy(os.path.join(cfg, "tenants.toml"), g)
        sh([ESOGEN, "generate", "--config", os.path.join(g, "tenants.toml")])
        t, _, _ = timed(["sh", "-c", "git add -A && git commit -q -m full"], cwd=g, env=GIT_ENV)
        r["git_full"].append(t)
        shutil.copy(os.path.join(cfg2, "tenants.toml"), g)
        sh([ESOGEN, "generate", "--config", os.path.join(g, "tenants.toml")])
        t, _, _ = timed(["sh", "-c", "git add -A && git commit -q -m one"], cwd=g, env=GIT_ENV)
        r["git_one"].append(t)
        e = os.path.join(work, "esogen-git")
        shutil.rmtree(e, ignore_errors=True); os.makedirs(e)
        sh(["git", "init", "-q", "-b", "main"], cwd=e, env=GIT_ENV)
        shutil.copy(os.path.join(cfg, "tenants.toml"), e)
        t, _, _ = timed([ESOGEN, "generate", "--commit", "--config", os.path.join(e, "tenants.toml")], env=GIT_ENV)
        r["esogen_commit_full"].append(t)
        shutil.copy(os.path.join(cfg2, "tenants.toml"), e)
        t, _, _ = timed([ESOGEN, "generate", "--commit", "--config", os.path.join(e, "tenants.toml")], env=GIT_ENV)
        r["esogen_commit_one"].append(t)
    size, files = tree_bytes(os.path.join(work, "copy"))
    shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(v) if v else float("nan") for k, v in r.items()}
    med["bytes"] = size; med["files"] = files; med["notes"] = notes
    return med

def main():
    global ESOGEN
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="namespaces", choices=["namespaces", "teams"])
    ap.add_argument("--sizes", default=None)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--disk", default=os.path.join(ROOT, "bench", ".work"))
    ap.add_argument("--fs", default="tmpfs,disk", help="which file systems to run on")
    ap.add_argument("--esogen", default=ESOGEN, help="the binary to measure")
    ap.add_argument("--admission", default=None, choices=["vap", "kyverno", "none"],
                    help="[cluster] admission of the teams shape (default: esogen's default, vap)")
    args = ap.parse_args()
    ESOGEN = os.path.abspath(args.esogen)
    sizes = args.sizes or ("1000,10000,20000" if args.shape == "teams" else "100,1000,10000")
    if not os.path.exists(ESOGEN):
        sh(["cargo", "build", "--release", "--locked"], cwd=ROOT)
    os.makedirs(args.disk, exist_ok=True)
    py = python() if args.shape == "namespaces" else None
    floor = build_floor() if args.shape == "teams" else None
    rows = []
    for fs, d in [("tmpfs", "/dev/shm"), ("disk", args.disk)]:
        if fs not in args.fs.split(","):
            continue
        for n in [int(x) for x in sizes.split(",")]:
            m = bench(n, d, args.runs, py, args.shape, args.admission, floor)
            rows.append((fs, n, m))
            print(f"# {fs} {n}: {m}", file=sys.stderr, flush=True)
    if args.shape == "teams":
        print_teams(rows)
    else:
        print_namespaces(rows)

def print_teams(rows):
    print("| fs | teams | files | MB | check | full | full CPU | peak RSS MiB | cp -r | floor | unchanged | one-team | one-team CPU | git add+commit | esogen --commit | git (one team) | esogen --commit (one team) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for fs, n, m in rows:
        print(f"| {fs} | {n} | {m['files']} | {m['bytes']/1e6:.1f} | {m['check']:.2f}s | {m['full']:.2f}s | {m['full_cpu']:.2f}s | {m['full_rss']:.0f} | {m['cp']:.2f}s | {m['floor']:.2f}s | {m['unchanged']:.2f}s | {m['one_team']:.2f}s | {m['one_team_cpu']:.2f}s | {m['git_full']:.2f}s | {m['esogen_commit_full']:.2f}s | {m['git_one']:.2f}s | {m['esogen_commit_one']:.2f}s |")
    print()
    print("| fs | teams | full / cp -r | floor / full | unchanged / full | one-team / full | --commit / git | --commit / git (one team) | RSS / (2×bytes+50MB) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for fs, n, m in rows:
        budget = (2 * m["bytes"] / 2**20) + 50
        print(f"| {fs} | {n} | {m['full']/m['cp']:.2f} | {m['floor']/m['full']:.0%} | {m['unchanged']/m['full']:.0%} | {m['one_team']/m['full']:.0%} | {m['esogen_commit_full']/m['git_full']:.2f} | {m['esogen_commit_one']/m['git_one']:.2f} | {m['full_rss']/budget:.2f} |")

def print_namespaces(rows):
    print("| fs | namespaces | files | MB | esogen full | peak RSS MiB | cp -r | python+jinja2 | unchanged | one-team | git add+commit | esogen --commit | git (one team) | esogen --commit (one team) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for fs, n, m in rows:
        print(f"| {fs} | {n} | {m['files']} | {m['bytes']/1e6:.1f} | {m['full']:.2f}s | {m['full_rss']:.0f} | {m['cp']:.2f}s | {m['python']:.2f}s | {m['unchanged']:.2f}s | {m['one_team']:.2f}s | {m['git_full']:.2f}s | {m['esogen_commit_full']:.2f}s | {m['git_one']:.2f}s | {m['esogen_commit_one']:.2f}s |")
    print()
    print("| fs | namespaces | full / cp -r | python / full | unchanged / full | one-team / full | --commit / git | git / --commit (one team) | RSS / (2×bytes+50MB) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for fs, n, m in rows:
        budget = (2 * m["bytes"] / 2**20) + 50
        print(f"| {fs} | {n} | {m['full']/m['cp']:.2f} | {m['python']/m['full']:.1f}× | {m['unchanged']/m['full']:.0%} | {m['one_team']/m['full']:.0%} | {m['esogen_commit_full']/m['git_full']:.2f} | {m['git_one']/m['esogen_commit_one']:.1f}× | {m['full_rss']/budget:.2f} |")

if __name__ == "__main__":
    main()
