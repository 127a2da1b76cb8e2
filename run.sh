#!/usr/bin/env bash
# Installs what is missing, builds, and runs Argus's main job. For now that is the CLI demonstration:
# it fetches six public group photos, detects and compares the faces in them, and prints a summary.
# State goes to $ARGUS_HOME (default: .argus/ in this checkout); models to $ARGUS_MODELS (default: models/).
set -euo pipefail
repo="$(cd "$(dirname "$0")" && pwd)"
export ARGUS_HOME="${ARGUS_HOME:-$repo/.argus}"
source "$repo/scripts/setup.sh"
exec dotnet "$ARGUS_CLI" demo "$@"
