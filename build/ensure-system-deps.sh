#!/usr/bin/env bash
# Installs what a fresh Debian 12 / Ubuntu machine lacks to build and run the toolkit, and nothing else:
#   the .NET 10 SDK (if `dotnet` is missing), g++ and patchelf (the Debian 12 libstdc++ fix, build/README.md),
#   libgtk-3-0 (OpenCvSharp's native library links GTK 3), fontconfig and DejaVu fonts (text in pictures).
# Extra packages can be asked for as arguments (e.g. chromium for the report screenshot test).
# Quiet and quick when everything is present.
set -euo pipefail

want=(g++ patchelf libgtk-3-0 libfontconfig1 fonts-dejavu-core "$@")
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >&2 || true
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "Installing the .NET 10 SDK into \$HOME/.dotnet" >&2
  as_root apt-get install -y -qq --no-install-recommends curl ca-certificates libicu-dev >&2 || true
  curl -sSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh
  bash /tmp/dotnet-install.sh --channel 10.0 --install-dir "$HOME/.dotnet" >&2
  echo "dotnet installed in $HOME/.dotnet; add it to PATH (export PATH=\$HOME/.dotnet:\$PATH)" >&2
fi
