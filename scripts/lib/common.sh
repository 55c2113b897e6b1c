# Shared by the scripts: find the repo, check and install what a fresh machine lacks. Sourced, not run.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

die() { echo "error: $*" >&2; exit 1; }
say() { echo "==> $*"; }

# The .NET SDK comes with the machine; Node.js is installed from Debian if it is missing.
ensure_tools() {
  command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH; this project needs .NET 10."
  dotnet --list-sdks | grep -q '^10\.' || die "no .NET 10 SDK found (dotnet --list-sdks)."
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    [ "$(id -u)" = 0 ] || die "Node.js and npm are missing; install them (apt-get install nodejs npm) and retry."
    say "installing Node.js and npm from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
      || die "could not install nodejs/npm with apt-get."
  fi
}

# Debian's redis-server: the Redis providers' tests and the local cluster start their own on a free port.
ensure_redis() {
  if ! command -v redis-server >/dev/null && [ ! -x /usr/bin/redis-server ]; then
    [ "$(id -u)" = 0 ] || die "redis-server is missing; install it (apt-get install redis-server) and retry."
    say "installing redis-server from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null \
      || die "could not install redis-server with apt-get."
    # Debian's package starts a system-wide server on 6379; this project starts its own, so stop that one.
    if command -v service >/dev/null; then service redis-server stop >/dev/null 2>&1 || true; fi
  fi
}

# Debian's Chromium for the browser tests (Playwright drives it; Playwright's own browser download does not work here).
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    [ "$(id -u)" = 0 ] || die "chromium is missing; install it (apt-get install chromium) and retry."
    say "installing chromium from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      || die "could not install chromium with apt-get."
  fi
}

# npm packages (Azurite, the SignalR browser client) live under the repo; reinstall when the lock file changed.
ensure_npm() {
  local marker="$REPO_ROOT/node_modules/.installed-lock"
  if [ ! -f "$marker" ] || ! cmp -s "$REPO_ROOT/package-lock.json" "$marker"; then
    say "installing npm packages (npm ci)"
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed."
    cp "$REPO_ROOT/package-lock.json" "$marker"
  fi
}

build_solution() {
  local configuration="$1"
  say "building ($configuration)"
  (cd "$REPO_ROOT" && dotnet build CommunityScale.sln -c "$configuration" -nologo -v quiet -clp:ErrorsOnly) \
    || die "the build failed."
}

# build_project PROJECT CONFIGURATION: builds one project (and what it references) quietly, or dies with the errors.
build_project() {
  local project="$1" configuration="$2"
  say "building $(basename "$project" .csproj) ($configuration)"
  (cd "$REPO_ROOT" && dotnet build "$project" -c "$configuration" -nologo -v quiet -clp:ErrorsOnly) \
    || die "the build of $project failed."
}

# pid_running PID: the process exists and has not exited. `kill -0` alone also succeeds on a zombie, and here the
# processes the scripts start in the background are orphans whose new parent reaps them late: a silo that exited on
# SIGTERM stayed a zombie long enough for `deploy/local-cluster start` to take it for running (issue 28's chaos run).
pid_running() {
  local state
  state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# wait_http URL SECONDS PID: waits for a 200 from URL while PID lives.
wait_http() {
  local url="$1" seconds="$2" pid="$3" i
  for ((i = 0; i < seconds * 4; i++)); do
    pid_running "$pid" || return 1
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}

# wait_port PORT SECONDS PID: waits until something listens on 127.0.0.1:PORT while PID lives.
wait_port() {
  local port="$1" seconds="$2" pid="$3" i
  for ((i = 0; i < seconds * 4; i++)); do
    pid_running "$pid" || return 1
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}

port_in_use() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_pids PID...: asks each process to stop (TERM), waits up to 30 s for all of them, then kills what is left.
stop_pids() {
  local pid i
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = 0; i < 120; i++)); do
    local alive=false
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=true; done
    $alive || break
    sleep 0.25
  done
  for pid in "$@"; do
    kill -0 "$pid" 2>/dev/null && { echo "warning: process $pid did not stop within 30 s; killing it" >&2; kill -KILL "$pid" 2>/dev/null || true; }
    wait "$pid" 2>/dev/null || true
  done
}
