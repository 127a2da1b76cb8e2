#!/usr/bin/env bash
# Shared by run.sh and test.sh: installs what is missing, builds, fetches the pinned models.
# Idempotent: a second run installs nothing and only rebuilds what changed.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
configuration="${ARGUS_CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export ARGUS_MODELS="${ARGUS_MODELS:-$repo/models}"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# Debian packages: libgtk-3-0 is what OpenCV's native runtime links against (without it OpenCvSharp throws
# DllNotFoundException); libgomp1 is OpenMP for native vector search; ffmpeg reads network cameras and encodes
# test videos; rtsp-server-perl is the RTSP server the stream tests run on loopback; chromium is the browser the
# console's end-to-end tests drive (Playwright never downloads one).
apt_packages=(libgtk-3-0 libgomp1 ffmpeg rtsp-server-perl chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package enables a system RTSP service; Argus only starts its own instances in tests.
  if command -v systemctl >/dev/null; then $sudo_cmd systemctl disable --now rtsp-server-perl >/dev/null 2>&1 || true; fi
fi

for tool in dotnet npm; do
  command -v "$tool" >/dev/null || { echo "setup: $tool is required (see README.md)" >&2; exit 1; }
done

log "building ($configuration)"
dotnet build "$repo/Argus.slnx" -c "$configuration" -nologo -clp:ErrorsOnly -v:quiet

argus_dll="$repo/src/Argus.Cli/bin/$configuration/net10.0/linux-x64/argus.dll"
log "models: verifying or fetching into $ARGUS_MODELS"
dotnet "$argus_dll" models fetch >&2
export ARGUS_CLI="$argus_dll"
export ARGUS_SERVER="$repo/src/Argus.Server/bin/$configuration/net10.0/linux-x64/Argus.Server.dll"
