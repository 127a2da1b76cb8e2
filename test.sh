#!/usr/bin/env bash
# Installs what is missing, builds, checks formatting, and runs the whole test suite.
# Tests that need the dev faces read ../shared/data/faces-dev (or $ARGUS_FACES_DEV) and are skipped, saying so,
# when it is absent.
set -euo pipefail
repo="$(cd "$(dirname "$0")" && pwd)"
export ARGUS_HOME="${ARGUS_HOME:-$repo/.argus/test-home}"
source "$repo/scripts/setup.sh"
# A local PostgreSQL on loopback for the storage tests (exports ARGUS_TEST_POSTGRES).
source "$repo/scripts/postgres.sh"

log "checking formatting (dotnet format --verify-no-changes)"
dotnet format "$repo/Argus.slnx" --verify-no-changes --no-restore -v:quiet

log "running tests"
mkdir -p "$repo/artifacts"
output="$repo/artifacts/test-output.txt"
status=0
dotnet test "$repo/Argus.slnx" -c "${ARGUS_CONFIGURATION:-Release}" --no-build --nologo 2>&1 | tee "$output" || status=$?

# The search kernels pick the best instruction set at start-up; run their tests again with each tier switched off so
# that every fallback (AVX2 without VNNI, scalar) is exercised on a machine that has the newer ones.
for tier in AVX512F AVXVNNI AVX2; do
  log "search tests with DOTNET_Enable$tier=0"
  env "DOTNET_Enable$tier=0" dotnet test "$repo/tests/Argus.Search.Tests/Argus.Search.Tests.csproj" \
    -c "${ARGUS_CONFIGURATION:-Release}" --no-build --nologo 2>&1 | tee -a "$output" || status=$?
done

# One closing line over all test projects, summed from dotnet test's per-project summaries.
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$output"
exit $status
