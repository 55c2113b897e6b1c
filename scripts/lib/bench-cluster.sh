# The scale-out benchmark (issue 25): ./scripts/bench --cluster. Sourced by scripts/bench after its build and set-up
# (loadgen, data, results, the exported settings), so every process here gets the same settings as the default run.
#
# One hot channel ("cluster-hot-channel"): deploy/local-cluster with 2 silos on Redis clustering and 1, 2, then 4
# gateways, 10,000 clients per gateway spread evenly, held by load processes of at most 15,000 connections each (the
# open-file limit is 20,000 per process), one sender. Many channels ("cluster-many-channels"): the 4-gateway cluster
# with 4,000 channels of 10 clients, each channel's clients spread over the gateways, and 100 senders spread over them
# too. Then the baseline a .NET team would build instead: bare SignalR gateways (bench/BareSignalR) on SignalR's Redis
# backplane, with the same gateways, clients, channels, senders and offered rates as ours in each scenario. Everything
# shares this machine's 2 cores with the load processes: the ratios and the per-delivery costs are what carry over.

CLUSTER_BASE=7600
CLUSTER_RATES="1,2,4,8"
CLUSTER_STEP=3
MANY_CHANNELS=4000
MANY_CHANNELS_SENDERS=100
# Ours carried 800 msg/s (8,000 deliveries/s) on one gateway in many-channels, the bare hub 1,600: the steps reach both.
MANY_CHANNELS_RATES="100,200,400,800,1600"
MANY_CHANNELS_STEP=5
# BENCH_CLUSTER_CLIENTS_PER_GATEWAY: fewer for a quick try of the script itself (the figures need the 10,000).
CLIENTS_PER_GATEWAY="${BENCH_CLUSTER_CLIENTS_PER_GATEWAY:-10000}"
BACKPLANE_PORTS=(5101 5102 5103 5104)
# BENCH_CLUSTER_ONLY: a comma-separated subset of hot-ours, many-ours, hot-backplane, many-backplane (all by default), to
# try or repeat one part; the report then pairs what this run measured with nothing for the parts left out.
CLUSTER_PARTS=",${BENCH_CLUSTER_ONLY:-hot-ours,many-ours,hot-backplane,many-backplane},"
part() { [[ "$CLUSTER_PARTS" == *",$1,"* ]]; }

# Grain state and the chat journal in Redis, as deploy/k8s stores them (its configmap's Storage__Provider) and as
# docs/capacity.md prices a message. BENCH_CLUSTER_STORAGE=AzureTable measures the cluster on Azurite instead (kept in
# memory, as in the single-machine runs; deploy/local-cluster says why): the emulator then spends ≈ 2 ms of the box's CPU
# a message on its one Node thread, which Azure Table storage would spend on its own machines (docs/performance.md).
CLUSTER_STORAGE="${BENCH_CLUSTER_STORAGE:-Redis}"
case "$CLUSTER_STORAGE" in
  Redis) CLUSTER_STORAGE_NOTE="Redis state and journal, Azurite idle" ;;
  AzureTable) CLUSTER_STORAGE_NOTE="Azurite state and journal" ;;
  *) die "BENCH_CLUSTER_STORAGE is Redis or AzureTable, not '$CLUSTER_STORAGE'" ;;
esac
cluster() { LOCAL_CLUSTER_PORT_BASE=$CLUSTER_BASE LOCAL_CLUSTER_STORAGE=$CLUSTER_STORAGE LOCAL_CLUSTER_AZURITE=memory LOCAL_CLUSTER_SKIP_BUILD=1 LOCAL_CLUSTER_CONFIGURATION=Release "$REPO_ROOT/deploy/local-cluster" "$@"; }

# cluster_pids GATEWAYS: the gateways first (they hold the connections), then the silos, Redis and Azurite.
cluster_pids() {
  local state="$REPO_ROOT/.run/local-cluster-$CLUSTER_BASE" names=() name i
  for ((i = 1; i <= $1; i++)); do names+=("gateway-$i"); done
  names+=(silo-1 silo-2 redis azurite)
  local pids=()
  for name in "${names[@]}"; do pids+=("$(cat "$state/$name.pid")"); done
  (IFS=,; echo "${pids[*]}")
}

load_processes() { echo $(((($1) + 14999) / 15000)); }

# cluster_ours SCENARIO GATEWAYS CHANNELS SENDERS RATES STEP: a fresh local cluster with that many gateways, measured, then stopped.
cluster_ours() {
  local scenario="$1" gateways="$2" channels="$3" senders="$4" rates="$5" step="$6" up urls clients
  say "$scenario (ours, $gateways gateways, $channels channels; at $((SECONDS / 60)) min $((SECONDS % 60)) s)"
  up=$(LOCAL_CLUSTER_GATEWAYS="$gateways" cluster up) || die "deploy/local-cluster up failed: $up"
  urls=$(echo "$up" | sed -n 's/^gateway: //p' | paste -sd, -)
  clients=$((CLIENTS_PER_GATEWAY * gateways))
  loadgen --mode cluster --scenario "$scenario" --role ours --urls "$urls" --gateways "$gateways" --pids "$(cluster_pids "$gateways")" \
    --clients "$clients" --channels "$channels" --senders "$senders" --processes "$(load_processes "$clients")" --rates "$rates" \
    --step-seconds "$step" --warmup 2 \
    --notes "$channels channel(s), $clients clients spread over $gateways gateways of deploy/local-cluster (2 silos, Redis clustering, $CLUSTER_STORAGE_NOTE), $senders sender(s); pids: gateways, silos, Redis, Azurite"
  cluster down >/dev/null
}

# cluster_backplane SCENARIO GATEWAYS CHANNELS SENDERS RATES STEP: that many bare hubs behind SignalR's Redis backplane, on a Redis of their own.
cluster_backplane() {
  local scenario="$1" gateways="$2" channels="$3" senders="$4" rates="$5" step="$6" port urls=() pids=() i
  local clients=$((CLIENTS_PER_GATEWAY * gateways))
  say "$scenario (signalr-redis-backplane, $gateways gateways, $channels channels; at $((SECONDS / 60)) min $((SECONDS % 60)) s)"
  start_bench_redis
  stop_baseline
  for port in "${BACKPLANE_PORTS[@]:0:$gateways}"; do
    port_in_use "$port" && die "port $port is already in use; free it and retry."
    dotnet bench/BareSignalR/bin/Release/net10.0/CommunityScale.BareSignalR.dll --urls "http://127.0.0.1:$port" \
      --Redis "127.0.0.1:$BENCH_REDIS_PORT" >>"$data/logs/backplane-$port.log" 2>&1 &
    BASELINE_PIDS+=($!)
    urls+=("http://127.0.0.1:$port")
  done
  for ((i = 0; i < gateways; i++)); do
    wait_http "${urls[$i]}/health/ready" 60 "${BASELINE_PIDS[$i]}" || die "a backplane gateway did not start; see $data/logs/backplane-${BACKPLANE_PORTS[$i]}.log"
  done
  pids=("${BASELINE_PIDS[@]}" "$BENCH_REDIS_PID")
  loadgen --mode cluster --scenario "$scenario" --role baseline --baseline-name signalr-redis-backplane --bare \
    --urls "$(IFS=,; echo "${urls[*]}")" --gateways "$gateways" --pids "$(IFS=,; echo "${pids[*]}")" \
    --clients "$clients" --channels "$channels" --senders "$senders" --processes "$(load_processes "$clients")" --rates "$rates" \
    --step-seconds "$step" --warmup 2 \
    --notes "$gateways bare SignalR gateways with AddStackExchangeRedis on one Redis, $clients clients in $channels channel(s) spread over them, $senders sender(s); pids: gateways, Redis"
  stop_baseline
  stop_bench_redis
}

run_cluster_bench() {
  trap 'trap - EXIT; cluster down >/dev/null 2>&1; stop_all' EXIT
  ensure_redis
  local gateways
  if part hot-ours; then
    for gateways in 1 2 4; do cluster_ours "$(hot_channel_scenario "$gateways")" "$gateways" 1 1 "$CLUSTER_RATES" "$CLUSTER_STEP"; done
  fi
  part many-ours && cluster_ours cluster-many-channels 4 "$MANY_CHANNELS" "$MANY_CHANNELS_SENDERS" "$MANY_CHANNELS_RATES" "$MANY_CHANNELS_STEP"
  if part hot-backplane; then
    for gateways in 1 2 4; do cluster_backplane "$(hot_channel_scenario "$gateways")" "$gateways" 1 1 "$CLUSTER_RATES" "$CLUSTER_STEP"; done
  fi
  part many-backplane && cluster_backplane cluster-many-channels 4 "$MANY_CHANNELS" "$MANY_CHANNELS_SENDERS" "$MANY_CHANNELS_RATES" "$MANY_CHANNELS_STEP"
  return 0
}

# Ours and the backplane at the same gateways share a name, which pairs them in the report. The 4-gateway run keeps the
# issue's name; the smaller ones say how many.
hot_channel_scenario() {
  case "$1" in
    1) echo cluster-hot-channel-1-gateway ;;
    4) echo cluster-hot-channel ;;
    *) echo "cluster-hot-channel-$1-gateways" ;;
  esac
}
