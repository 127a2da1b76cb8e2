#!/usr/bin/env bash
# Floods a fresh server (SQLite, own data directory) with N unauthenticated requests carrying made-up bearer keys, all
# from one source, then N bad logins, N requests with a stale session cookie and N without credentials (each kind from
# its own loopback address), and reports what the audit log
# and the database grew by, and whether the administrator (another source: 127.0.0.2) could still log in meanwhile.
# Needs a Release build. Usage: bench/audit-flood.sh [N per kind, default 10000] [port, default 5098]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
n=${1:-10000}; port=${2:-5098}; base=http://127.0.0.1:$port
home=$(mktemp -d); state=$(mktemp -d)
ARGUS_HOME=$home/data XDG_STATE_HOME=$state ARGUS_MODELS=${ARGUS_MODELS:-$repo/models} Argus__WarmUpModels=false Argus__Cameras=false \
  ASPNETCORE_URLS=$base dotnet $repo/src/Argus.Server/bin/Release/net10.0/linux-x64/Argus.Server.dll > $home/server.log 2>&1 &
pid=$!
trap '{ kill $pid; wait $pid; } 2>/dev/null || true; rm -rf $home $state' EXIT
until curl -sf $base/health >/dev/null; do sleep 0.5; done
pw=$(awk '/password:/ {print $3}' $home/server.log)
python3 - "$base" "$n" "$home/data/argus.db" "$pw" <<'PY'
import sys, json, time, sqlite3, os, uuid, http.client, threading, collections
from concurrent.futures import ThreadPoolExecutor
base, n, db, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
host, port = base[7:].split(':'); port = int(port)
def records():
    c = sqlite3.connect(db); r = c.execute("select count(*) from audit_log").fetchone()[0]; c.close(); return r
def size(): return sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
local = threading.local()
def send(source, method, path, headers, body=None):
    # One keep-alive connection per thread and source address (each kind floods from its own loopback address).
    key = "c" + source
    for attempt in range(2):
        try:
            if getattr(local, key, None) is None:
                setattr(local, key, http.client.HTTPConnection(host, port, source_address=(source, 0), timeout=30))
            c = getattr(local, key); c.request(method, path, body=body, headers=headers); r = c.getresponse(); r.read(); return r.status
        except (http.client.HTTPException, OSError):
            setattr(local, key, None)
    return 0
kinds = {
    "made-up bearer keys (127.0.0.1)": lambda i: send("127.0.0.1", "GET", "/api/v1/watchlists", {"Authorization": f"Bearer argus_{uuid.uuid4().hex}_{'s'*40}"}),
    "bad logins, typed names (127.0.0.3)": lambda i: send("127.0.0.3", "POST", "/api/v1/session", {"Content-Type": "application/json"}, json.dumps({"username": f"guess-{uuid.uuid4().hex}", "password": "x"})),
    "stale session cookie (127.0.0.4)": lambda i: send("127.0.0.4", "GET", "/api/v1/session", {"Cookie": "argus_session=stale-" + str(i % 7)}),
    "no credentials (127.0.0.5)": lambda i: send("127.0.0.5", "GET", "/api/v1/watchlists", {}),
}
admin_ok = []
def admin_login():
    c = http.client.HTTPConnection(host, port, source_address=("127.0.0.2", 0), timeout=30)
    c.request("POST", "/api/v1/session", body=json.dumps({"username": "admin", "password": pw}), headers={"Content-Type": "application/json"})
    r = c.getresponse(); r.read(); admin_ok.append(r.status)
print(f"| kind | requests | seconds | statuses | audit records added | database bytes added | admin login from another source during the flood |")
print("|---|---|---|---|---|---|---|")
for name, fn in kinds.items():
    r0, s0, t0 = records(), size(), time.time()
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(fn, i) for i in range(n)]
        admin_login()
        statuses = collections.Counter(f.result() for f in futures)
    dt = time.time() - t0
    print(f"| {name} | {n:,} | {dt:.1f} | {dict(sorted(statuses.items()))} | {records() - r0} | {size() - s0:,} | {admin_ok[-1]} |")
PY
echo "after shutdown (open groups chained):"
kill $pid; wait $pid 2>/dev/null || true
python3 -c "import sqlite3,sys; c=sqlite3.connect('$home/data/argus.db'); print(c.execute('select count(*) from audit_log').fetchone()[0], 'records in all:'); [print(' ', *r) for r in c.execute('select seq, actor, action, outcome, details from audit_log order by seq')]"
