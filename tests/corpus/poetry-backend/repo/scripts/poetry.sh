#!/usr/bin/env bash
# Run Poetry for the backend: on the host with its own environment, or inside the
# running container (`scripts/poetry.sh --docker show`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--docker" ]; then
    shift
    exec docker compose -f docker-compose.yml exec backend poetry "$@"
fi
cd backend
exec poetry "$@"
