#!/usr/bin/env bash
# Times purpose-bound watchlist searches over HTTP against a fresh server (SQLite, own data directory), one client,
# sequential requests, one enrolled entry: the HTTP, multipart, authentication, audit and face pipeline cost per search.
# Needs a Release build, the models ($ARGUS_MODELS, default models/) and the dev faces (../shared/data/faces-dev).
# Usage: bench/http-search.sh [N searches, default 40] [port, default 5097]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
home=$(mktemp -d); port=${2:-5097}; base=http://127.0.0.1:$port
img="${ARGUS_FACES_DEV:-$repo/../shared/data/faces-dev}/images/fr_obama"
models="${ARGUS_MODELS:-$repo/models}"
ARGUS_HOME=$home ARGUS_MODELS=$models ARGUS_SEARCH_LIMIT_PER_HOUR=100000 Argus__RequestsPerMinute=100000 ASPNETCORE_URLS=$base \
  dotnet $repo/src/Argus.Server/bin/Release/net10.0/linux-x64/Argus.Server.dll > $home/server.log 2>&1 &
pid=$!
trap 'kill $pid; wait $pid 2>/dev/null; rm -rf $home' EXIT
until curl -sf $base/ready >/dev/null; do sleep 0.5; done
pw=$(awk '/password:/ {print $3}' $home/server.log)
curl -sf -c $home/cj -H 'Content-Type: application/json' -d "{\"username\":\"admin\",\"password\":\"$pw\"}" $base/api/v1/session > $home/s.json
csrf=$(python3 -c "import json;print(json.load(open('$home/s.json'))['csrf_token'])")
adm() { curl -sf -b $home/cj -H "X-Argus-CSRF: $csrf" -H 'Content-Type: application/json' "$@"; }
key() { adm -d '{}' $base/api/v1/users/$1/keys | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])'; }
adm -d '{"name":"wanted","category":"wanted"}' $base/api/v1/watchlists >/dev/null
adm -d '{"username":"inv","roles":["investigator"],"scope":{"sites":["*"],"cameras":["*"],"watchlists":["*"]},"password":"investigator password 1"}' $base/api/v1/users >/dev/null
adm -d '{"username":"appr","roles":["approver"],"scope":{"sites":["*"],"cameras":["*"],"watchlists":["*"]},"password":"approver password 1"}' $base/api/v1/users >/dev/null
inv=$(key inv); appr=$(key appr)
entry=$(curl -sf -H "Authorization: Bearer $inv" -F subject_reference=obama -F case=C-1 -F grounds=robbery -F officer="DI Jones" -F authority=Met \
  -F instrument="Warrant 1" -F expires=$(date -u -d '+30 days' +%F) -F image_source=custody:1 -F photos=@$img/obama.jpg $base/api/v1/watchlists/wanted/entries \
  | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')
curl -sf -H "Authorization: Bearer $appr" -H 'Content-Type: application/json' -d '{"reason":"checked"}' $base/api/v1/entries/$entry/approve >/dev/null
search() { curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $inv" -F watchlist=wanted -F purpose=investigation -F case=C-1 \
  -F justification="matches the description given by two witnesses" -F authorisation=Order-1 -F image=@$img/obama2.jpg $base/api/v1/searches; }
search >/dev/null   # warm-up: first search builds the index
for i in $(seq 1 ${1:-40}); do search; done | sort -n | awk '{a[NR]=$1} END {printf "searches %d  p50 %.1f ms  p90 %.1f ms  max %.1f ms\n", NR, a[int(NR*0.5)]*1000, a[int(NR*0.9)]*1000, a[NR]*1000}'
curl -sf -o /dev/null -w 'health %{time_total}\n' $base/health
