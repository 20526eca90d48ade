#!/usr/bin/env bash
# Runs the whole test suite: installs missing system packages (chromium for the report screenshot test), builds,
# tests. Tests that need ../shared (reference fixtures, real dataset samples) skip with a message when it is absent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PATH="$PATH:$HOME/.dotnet"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
"$root/build/ensure-system-deps.sh" chromium
dotnet test "$root/PerceptionEncoder.slnx" -c Release --logger "console;verbosity=normal" "$@"
