#!/usr/bin/env python3
"""esogen's benchmark: generation at 100, 1,000 and 10,000 namespaces
(5 ExternalSecrets each, three providers) against `cp -r` of the same tree
(the floor), a hand-rolled Python + Jinja2 generator, and
`git add -A && git commit`; on tmpfs and on disk. Prints a Markdown table of
medians; `BENCHMARKS.md` holds a run.

usage: python3 bench/run.py [--sizes 100,1000,10000] [--runs 3] [--disk DIR] [--fs tmpfs,disk]"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ESOGEN = os.path.join(ROOT, "target", "release", "esogen")
VENV = os.path.join(ROOT, "bench", ".venv")
GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
               GIT_CONFIG_NOSYSTEM="1", HOME=tempfile.gettempdir())

def timed(cmd, cwd=None, env=None):
    """Wall seconds and peak RSS (MiB) of one command, via /usr/bin/time."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, cwd=cwd, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout}\n{out.stderr}")
    wall, rss = out.stderr.strip().splitlines()[-1].split()
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

def bench(n, fs_dir, runs, py):
    work = tempfile.mkdtemp(prefix=f"esogen-bench-{n}-", dir=fs_dir)
    cfg, cfg2 = os.path.join(work, "cfg"), os.path.join(work, "cfg2")
    sh([sys.executable, os.path.join(ROOT, "bench", "gen_config.py"), str(n), cfg])
    sh([sys.executable, os.path.join(ROOT, "bench", "gen_config.py"), str(n), cfg2, "--change-team", "0"])
    r = {k: [] for k in ["full", "full_rss", "unchanged", "one_team", "cp", "python", "git_full", "esogen_commit_full", "git_one", "esogen_commit_one"]}
    notes = {}
    for _ in range(runs):
        out = os.path.join(work, "out")
        shutil.rmtree(out, ignore_errors=True); os.makedirs(out)
        shutil.copy(os.path.join(cfg, "tenants.toml"), out)
        t, rss, _ = timed([ESOGEN, "generate", "--config", os.path.join(out, "tenants.toml")])
        r["full"].append(t); r["full_rss"].append(rss)
        t, _, o = timed([ESOGEN, "generate", "--config", os.path.join(out, "tenants.toml")])
        assert "up to date" in o, o
        r["unchanged"].append(t)
        shutil.copy(os.path.join(cfg2, "tenants.toml"), out)
        t, _, o = timed([ESOGEN, "generate", "--config", os.path.join(out, "tenants.toml")])
        notes["one_team_written"] = o.strip()
        r["one_team"].append(t)
        # The floor copies the generated tree, not esogen's local cache.
        copy = os.path.join(work, "copy")
        shutil.rmtree(copy, ignore_errors=True)
        cache, aside = os.path.join(out, ".esogen", "cache.bin"), os.path.join(work, "cache.bin")
        os.rename(cache, aside)
        t, _, _ = timed(["cp", "-r", out, copy])
        os.rename(aside, cache)
        r["cp"].append(t)
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
    med = {k: statistics.median(v) for k, v in r.items()}
    med["bytes"] = size; med["files"] = files; med["notes"] = notes
    return med

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--disk", default=os.path.join(ROOT, "bench", ".work"))
    ap.add_argument("--fs", default="tmpfs,disk", help="which file systems to run on")
    args = ap.parse_args()
    if not os.path.exists(ESOGEN):
        sh(["cargo", "build", "--release", "--locked"], cwd=ROOT)
    os.makedirs(args.disk, exist_ok=True)
    py = python()
    rows = []
    for fs, d in [("tmpfs", "/dev/shm"), ("disk", args.disk)]:
        if fs not in args.fs.split(","):
            continue
        for n in [int(x) for x in args.sizes.split(",")]:
            m = bench(n, d, args.runs, py)
            rows.append((fs, n, m))
            print(f"# {fs} {n}: {m}", file=sys.stderr, flush=True)
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
