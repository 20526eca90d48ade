#!/usr/bin/env bash
# Runs the benchmark suites (all, or those named) and prints their Markdown sections; copy them into
# bench/RESULTS.md. Installs the Python baselines (Debian's python3-torch with OpenBLAS) when missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/build/ensure-system-deps.sh" python3-torch python3-numpy libopenblas0-pthread
dotnet build "$root/bench/PerceptionEncoder.Bench/PerceptionEncoder.Bench.csproj" -c Release --nologo -v q
bench="$root/bench/PerceptionEncoder.Bench/bin/Release/net10.0/linux-x64/PerceptionEncoder.Bench"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(backbone eval tracking cache detection depth)
for s in "${suites[@]}"; do "$bench" "$s"; done
