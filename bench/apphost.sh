# Sourced by the bench scripts: one AppHost (Release, already built) of a checkout on a data directory of its own.

# start_apphost <checkout> <data directory> <Api port> [more AppHost settings ...]: starts it, sets APPHOST_PID, and
# returns once the Api answers /health (fails after 300 s).
start_apphost() {
  local checkout=$1 data=$2 port=$3; shift 3
  # The previous AppHost's Api can outlive it by a few seconds; its /health must not be taken for this one's.
  for _ in $(seq 1 60); do ss -ltn "sport = :$port" | grep -q LISTEN || break; sleep 1; done
  # Still taken after a minute: another system answers there, and measuring it would measure the wrong build.
  if ss -ltn "sport = :$port" | grep -q LISTEN; then echo "port $port is still in use: not starting $checkout" >&2; return 1; fi
  (cd "$checkout" && exec dotnet run -c Release --no-build --project OmniFlow.AppHost -- --Api:Port="$port" \
    --AppHost:DataDirectory="$data" --AppHost:PreferWellKnownPorts=false "$@") > "$data/apphost.log" 2>&1 &
  APPHOST_PID=$!
  for _ in $(seq 1 300); do curl -sf -m 2 "http://127.0.0.1:$port/health" >/dev/null && return 0; sleep 1; done
  return 1
}

# stop_apphost: SIGTERM to the AppHost started last (it stops what it started), then waits for it.
stop_apphost() {
  for pid in $(pgrep -P "$APPHOST_PID"); do kill -TERM "$pid" 2>/dev/null; done
  wait "$APPHOST_PID" 2>/dev/null || true
}
