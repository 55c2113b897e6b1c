# Starts and stops Azurite + silo + gateway on localhost, by pid. Sourced after common.sh.
# Usage: start_system DATA_DIR [memory]  (sets SYSTEM_PIDS; call stop_system to end them).

GATEWAY_URL="http://127.0.0.1:5080"
SILO_URL="http://127.0.0.1:5081"
AZURITE_PORT=10002
# Blob storage (attachments) on Azurite's default blob port, which "UseDevelopmentStorage=true" points at.
AZURITE_BLOB_PORT=10000
SYSTEM_PIDS=()

start_system() {
  local data_dir="$1" storage="${2:-disk}" logs="$1/logs" port
  mkdir -p "$data_dir/azurite" "$logs"
  for port in 5080 5081 $AZURITE_PORT $AZURITE_BLOB_PORT 11111 30000; do
    port_in_use "$port" && die "port $port is already in use by another program (is ./scripts/run running?); free it and retry."
  done

  # "memory": Azurite keeps its data in memory only, lost when it stops (the benchmark: on disk it rewrites its whole
  # database every 5 s, a cost of the emulator that Azure Table storage does not have). An argument, not an environment
  # variable, so that ./scripts/run can never lose data by inheriting it.
  local persistence=(--location "$data_dir/azurite")
  case "$storage" in
    disk) ;;
    memory) persistence=(--inMemoryPersistence) ;;
    *) die "start_system: storage is 'disk' or 'memory', not '$storage'" ;;
  esac
  say "starting Azurite (logs: $logs/azurite.log)"
  # --silent: no access-log line per request (6 MB a bench run); its log keeps start-up and errors. deploy/local-cluster
  # keeps the access log for diagnosis.
  node "$REPO_ROOT/node_modules/azurite/dist/src/table/main.js" --tableHost 127.0.0.1 --tablePort "$AZURITE_PORT" \
    "${persistence[@]}" --disableTelemetry --skipApiVersionCheck --silent >"$logs/azurite.log" 2>&1 &
  SYSTEM_PIDS+=($!)
  wait_port "$AZURITE_PORT" 30 "${SYSTEM_PIDS[-1]}" || die "Azurite did not start; see $logs/azurite.log"
  node "$REPO_ROOT/node_modules/azurite/dist/src/blob/main.js" --blobHost 127.0.0.1 --blobPort "$AZURITE_BLOB_PORT" \
    "${persistence[@]}" --disableTelemetry --skipApiVersionCheck --silent >"$logs/azurite-blob.log" 2>&1 &
  SYSTEM_PIDS+=($!)
  wait_port "$AZURITE_BLOB_PORT" 30 "${SYSTEM_PIDS[-1]}" || die "Azurite's blob service did not start; see $logs/azurite-blob.log"

  say "starting the silo (logs: $logs/silo.log)"
  (cd "$REPO_ROOT/Silo" && exec dotnet bin/Release/net10.0/CommunityScale.Silo.dll) >"$logs/silo.log" 2>&1 &
  SYSTEM_PIDS+=($!)
  wait_http "$SILO_URL/health/ready" 90 "${SYSTEM_PIDS[-1]}" || die "the silo did not become ready; see $logs/silo.log"

  say "starting the gateway (logs: $logs/gateway.log)"
  : >"$logs/gateway.log"
  launch_gateway "$logs" "${#SYSTEM_PIDS[@]}"
}

# launch_gateway LOGS INDEX: starts the gateway (log appended to LOGS/gateway.log), keeps its pid at SYSTEM_PIDS[INDEX]
# (before waiting, so a gateway that never gets ready is still stopped), and waits until it is ready.
launch_gateway() {
  local logs="$1" index="$2"
  (cd "$REPO_ROOT/Gateway" && exec dotnet bin/Release/net10.0/CommunityScale.Gateway.dll) >>"$logs/gateway.log" 2>&1 &
  SYSTEM_PIDS[$index]=$!
  wait_http "$GATEWAY_URL/health/ready" 90 "${SYSTEM_PIDS[$index]}" || die "the gateway did not become ready; see $logs/gateway.log"
}

# Restarts only the gateway (the last process start_system started): a fresh process, so that a benchmark scenario's
# memory per connection is not shaped by the heap an earlier scenario grew.
restart_gateway() {
  local logs="$1/logs" last=$((${#SYSTEM_PIDS[@]} - 1))
  ((last >= 0)) || die "restart_gateway: the system is not running (call start_system first)"
  stop_pids "${SYSTEM_PIDS[$last]}"
  launch_gateway "$logs" "$last"
}

# Stops in reverse start order (gateway, silo, Azurite): TERM, up to 30 s, then KILL.
stop_system() {
  local i reversed=()
  for ((i = ${#SYSTEM_PIDS[@]} - 1; i >= 0; i--)); do
    reversed+=("${SYSTEM_PIDS[$i]}")
  done
  stop_pids "${reversed[@]}"
  SYSTEM_PIDS=()
}

# Ends the system at once (KILL), for a caller that throws its storage away (the benchmark: Azurite in memory, a Redis
# that never saves), so a graceful stop's work is read by no one: a silo that had served the benchmark's fan-out
# scenarios spent its whole 30-s limit deactivating some 40,000 grains, each writing what it held (the run of 9b61a1f).
discard_system() {
  local pid
  for pid in "${SYSTEM_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${SYSTEM_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SYSTEM_PIDS=()
}
