#!/usr/bin/env bash
set -euo pipefail
files=(-f docker/docker-compose.yml -f docker/docker-compose.test.yml)
docker compose "${files[@]}" build pytest
docker compose "${files[@]}" run --rm pytest
