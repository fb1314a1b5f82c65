# Sourced by the admission scripts: Apis run alone (Release, no OTLP exporter) with a sold-out SOLDOUT-1, sharing one
# private redis-server and one OmniFlow.TemporalServer, each with its own SQLite file.

# start_api_services <checkout with a Release OmniFlow.TemporalServer>: sets WORK, PIDS and the ports; cleans up on exit.
start_api_services() {
  WORK=$(mktemp -d)
  PIDS=()
  trap stop_api_services EXIT
  REDIS_PORT=$(free_port); TEMPORAL_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >/dev/null & PIDS+=($!)
  "$1/OmniFlow.TemporalServer/bin/Release/net10.0/OmniFlow.TemporalServer" server start-dev --port "$TEMPORAL_PORT" >/dev/null 2>&1 & PIDS+=($!)
}

stop_api_services() {
  for pid in "${PIDS[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_api <checkout> <port> <name> [VAR=value ...]: the checkout's Release Api (Development unless VAR=value says
# otherwise), healthy, with SOLDOUT-1 sold out. In a session of its own, as DCP runs a service, so that the kernel's
# autogroup scheduling does not put it in wrk's group (bench/results.md, 2026-12-04 night).
start_api() {
  local checkout=$1 port=$2 name=$3; shift 3
  (cd "$checkout/OmniFlow.Api" && exec setsid env DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development \
    Admin__ApiKey=dev-admin-key Payments__WebhookSecret=dev-webhook-secret \
    ConnectionStrings__redis="127.0.0.1:$REDIS_PORT" ConnectionStrings__omniflowdb="Data Source=$WORK/$name.db" \
    Temporal__Address="127.0.0.1:$TEMPORAL_PORT" Api__Port="$port" "$@" bin/Release/net10.0/OmniFlow.Api) >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 120); do curl -sf -m 2 "http://127.0.0.1:$port/health" >/dev/null && break; sleep 1; done
  curl -sf -X PUT "http://127.0.0.1:$port/api/v1/products/SOLDOUT-1" -H 'X-Api-Key: dev-admin-key' -H 'Content-Type: application/json' \
    -d '{"name":"Sold out","price":100,"stock":0,"warehouse":"SH"}' >/dev/null
}
