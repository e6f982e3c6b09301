#!/bin/sh
# Run the tests inside the compose service.
set -eu
docker compose -f docker-compose.yml run --rm recipes python -m pytest -q "$@"
