#!/usr/bin/env bash
# Installs what is missing, builds, and starts the Argus server on 127.0.0.1 (ASPNETCORE_URLS, default
# http://127.0.0.1:5080): the REST API under /api/v1, the console at /, health at /health. On the first run it
# creates the administrator `admin` and prints its password once. Ctrl+C stops it gracefully.
#   ./run.sh          start the server
#   ./run.sh --demo   the demonstration (for now: the CLI's photo comparison), then the server
# State goes to $ARGUS_HOME (default: .argus/ in this checkout); models to $ARGUS_MODELS (default: models/).
set -euo pipefail
repo="$(cd "$(dirname "$0")" && pwd)"
export ARGUS_HOME="${ARGUS_HOME:-$repo/.argus}"

demo=0
for arg in "$@"; do
  case "$arg" in
    --demo) demo=1 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (try --help)" >&2; exit 1 ;;
  esac
done

source "$repo/scripts/setup.sh"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:5080}"

if ((demo)); then
  export ARGUS_DEMO=1
  dotnet "$ARGUS_CLI" demo
fi

log "starting the server on $ASPNETCORE_URLS (data in $ARGUS_HOME; Ctrl+C stops it)"
log "console: ${ASPNETCORE_URLS%%;*}/   API: ${ASPNETCORE_URLS%%;*}/api   health: ${ASPNETCORE_URLS%%;*}/health"
exec dotnet "$ARGUS_SERVER"
