#!/usr/bin/env bash
# Start to map drawn (and first matrix) of two built bundles, alternating runs at the same load:
# tells a slower bundle from a busier machine (the smoke test's goals are absolute seconds).
#
#   benchmarks/bundle_start_ab.sh BASELINE_FOLDER NEW_FOLDER [ROUNDS]
#
# Each run is `territory-desktop --smoke` as installers/smoke_test.sh runs it (headless, a fresh
# home: a fresh install); prints the load average before each run.
set -euo pipefail
base=$(realpath "$1") new=$(realpath "$2") rounds=${3:-3}
name=territory-desktop
echo "$(nproc) CPUs; baseline $base; new $new"
for round in $(seq "$rounds"); do
  for which in baseline new; do
    folder=$base; [ "$which" = new ] && folder=$new
    home=$(mktemp -d "${TMPDIR:-/tmp}/bundle-ab.XXXXXX")
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    figures=$(cd "$home" && env -i PATH="$PATH" HOME="$home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
      QTWEBENGINE_DISABLE_SANDBOX=1 timeout 300 "$folder/$name" --smoke 2>/dev/null \
      | grep -o 'start_to_map_s [0-9.]*\|first_matrix_s [0-9.]*\|smoke: OK' | tr '\n' ' ' || true)
    rm -rf "$home"
    printf 'round %s %-8s load %s: %s\n' "$round" "$which" "$load" "$figures"
  done
done
