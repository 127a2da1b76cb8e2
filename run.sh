#!/usr/bin/env bash
# Installs what is missing, builds, and starts the Argus server on 127.0.0.1 (ASPNETCORE_URLS, default
# http://127.0.0.1:5080): the REST API under /api/v1, the console at /, health at /health. On the first run it
# creates the administrator `admin` and prints its password once. Ctrl+C stops it gracefully.
#   ./run.sh          start the server
#   ./run.sh --demo   load a demonstration (users, a wanted and a grey list, a replayed camera inside a deployment,
#                     service galleries with a consenting customer; credentials printed once), then the server:
#                     live alerts within a minute
# State goes to $ARGUS_HOME (default: .argus/ in this checkout, .argus/demo/ for --demo); models to $ARGUS_MODELS
# (default: models/).
set -euo pipefail
repo="$(cd "$(dirname "$0")" && pwd)"

demo=0
for arg in "$@"; do
  case "$arg" in
    --demo) demo=1 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (try --help)" >&2; exit 1 ;;
  esac
done

# The demonstration keeps its own store, so demo people never mix with real data.
if ((demo)); then default_home="$repo/.argus/demo"; else default_home="$repo/.argus"; fi
export ARGUS_HOME="${ARGUS_HOME:-$default_home}"

source "$repo/scripts/setup.sh"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:5080}"

if ((demo)); then
  export ARGUS_DEMO=1
  dotnet "$ARGUS_CLI" demo --load
  # The service galleries are sealed with the key the demonstration generated (unless ARGUS_SERVICE_KEY was set).
  if [ -z "${ARGUS_SERVICE_KEY:-}" ] && [ -f "$ARGUS_HOME/secrets/service.key" ]; then
    ARGUS_SERVICE_KEY="$(cat "$ARGUS_HOME/secrets/service.key")"
    export ARGUS_SERVICE_KEY
  fi
  # The demo camera replays its clip in a loop.
  export Argus__LoopFiles=true
fi

log "starting the server on $ASPNETCORE_URLS (data in $ARGUS_HOME; Ctrl+C stops it)"
log "console: ${ASPNETCORE_URLS%%;*}/   API: ${ASPNETCORE_URLS%%;*}/api   health: ${ASPNETCORE_URLS%%;*}/health"
exec dotnet "$ARGUS_SERVER"
