#!/usr/bin/env bash
# Runs the benchmark suites (all, or those named, or one with its arguments) and prints their Markdown sections; copy them into
# bench/RESULTS.md. Installs the Python baselines (Debian's python3-torch with OpenBLAS) when missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/build/ensure-system-deps.sh" python3-torch python3-numpy libopenblas0-pthread
dotnet build "$root/bench/PerceptionEncoder.Bench/PerceptionEncoder.Bench.csproj" -c Release --nologo -v q
bench="$root/bench/PerceptionEncoder.Bench/bin/Release/net10.0/linux-x64/PerceptionEncoder.Bench"
all=(backbone eval tracking cache detection depth)
# `run.sh SUITE [MODE] [--key value ...]` runs one suite with its own arguments; `run.sh [SUITE ...]` runs several.
if [ $# -ge 2 ] && [[ " ${all[*]} " != *" $2 "* ]]; then exec "$bench" "$@"; fi
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=("${all[@]}")
for s in "${suites[@]}"; do "$bench" "$s"; done
