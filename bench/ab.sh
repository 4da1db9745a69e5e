#!/bin/sh
# Interleaved A/B of two esogen binaries on the existing shape
# (bench/gen_config.py N, 10 namespaces per team): full, unchanged and
# one-team runs on tmpfs, wall seconds (and peak RSS in KB for the full run).
# usage: bench/ab.sh OLD_BINARY NEW_BINARY [N=10000] [ROUNDS=2]
set -eu
old=$1 new=$2 n=${3:-10000} rounds=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /dev/shm/esogen-ab-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_config.py" "$n" "$work/cfg"
python3 "$here/gen_config.py" "$n" "$work/cfg2" --change-team 0
i=0
while [ "$i" -lt "$rounds" ]; do
  for bin in "$old" "$new"; do
    rm -rf "$work/out" && mkdir "$work/out" && cp "$work/cfg/tenants.toml" "$work/out/"
    f=$( { /usr/bin/time -f "%e %M" "$bin" generate --config "$work/out/tenants.toml" >/dev/null; } 2>&1 | tail -1)
    u=$( { /usr/bin/time -f "%e" "$bin" generate --config "$work/out/tenants.toml" >/dev/null; } 2>&1 | tail -1)
    cp "$work/cfg2/tenants.toml" "$work/out/"
    o=$( { /usr/bin/time -f "%e" "$bin" generate --config "$work/out/tenants.toml" >/dev/null; } 2>&1 | tail -1)
    echo "$bin full(s,KB)=$f unchanged=$u one_team=$o load=$(cut -d' ' -f1-3 /proc/loadavg)"
  done
  i=$((i + 1))
done
