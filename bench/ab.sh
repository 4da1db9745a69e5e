#!/bin/sh
# Interleaved A/B of two esogen binaries: check, full, unchanged and
# one-team runs on tmpfs, wall seconds (peak RSS in KB for check and the
# full run), `cp -r` of the tree after each pair, and the load.
# The shape is bench/gen_config.py N (10 namespaces per team), or with
# SHAPE=teams bench/gen_teams.py N --secrets 5 (N teams of one namespace).
# usage: [SHAPE=teams] bench/ab.sh OLD_BINARY NEW_BINARY [N=10000] [ROUNDS=2]
set -eu
old=$1 new=$2 n=${3:-10000} rounds=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /dev/shm/esogen-ab-XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ "${SHAPE:-namespaces}" = teams ]; then
  python3 "$here/gen_teams.py" "$n" "$work/cfg" --secrets 5
  python3 "$here/gen_teams.py" "$n" "$work/cfg2" --secrets 5 --change-team 0
else
  python3 "$here/gen_config.py" "$n" "$work/cfg"
  python3 "$here/gen_config.py" "$n" "$work/cfg2" --change-team 0
fi
i=0
while [ "$i" -lt "$rounds" ]; do
  for bin in "$old" "$new"; do
    c=$( { /usr/bin/time -f "%e %M" "$bin" check -q --config "$work/cfg/tenants.toml" >/dev/null; } 2>&1 | tail -1)
    rm -rf "$work/out" && mkdir "$work/out" && cp "$work/cfg/tenants.toml" "$work/out/"
    f=$( { /usr/bin/time -f "%e %M" "$bin" generate --config "$work/out/tenants.toml" >/dev/null; } 2>&1 | tail -1)
    u=$( { /usr/bin/time -f "%e" "$bin" generate --config "$work/out/tenants.toml" >/dev/null; } 2>&1 | tail -1)
    cp "$work/cfg2/tenants.toml" "$work/out/"
    o=$( { /usr/bin/time -f "%e" "$bin" generate --config "$work/out/tenants.toml" >/dev/null; } 2>&1 | tail -1)
    echo "$bin check(s,KB)=$c full(s,KB)=$f unchanged=$u one_team=$o load=$(cut -d' ' -f1-3 /proc/loadavg)"
  done
  rm -rf "$work/copy"
  mv "$work/out/.esogen/cache.bin" "$work/cache.bin"
  cp=$( { /usr/bin/time -f "%e" cp -r "$work/out" "$work/copy"; } 2>&1 | tail -1)
  mv "$work/cache.bin" "$work/out/.esogen/cache.bin"
  echo "cp -r=$cp"
  i=$((i + 1))
done
