"""A repository in the flat layout of the migration seed's "current state", for tests.

Root docker-compose.yml (unused, mounts .env) plus docker-compose.{dev,test,ci}.yml with
hard-coded and interpolated environment entries and relative paths; .env, .env.dev,
.env.test, .env.example; docker/Dockerfile running as root; requirements files; a
Makefile driving compose; a .gitignore with the `env/` trap.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["CORPUS", "FILES", "manifest", "write_flat_repo"]

BASE = """\
# Base compose file: not used by any make target, mounts .env into the container
services:
  app:
    build:
      context: .
      dockerfile: docker/Dockerfile
    ports:
      - "8000:8000"
    volumes:
      - ./src:/app/src
      - ./.env:/app/.env
"""

DEV = """\
# Development stack
name: shop-dev

services:
  postgres:
    image: postgres:17.6-alpine3.22
    environment:
      POSTGRES_USER: ${POSTGRES_USER:-shop_user}
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-shop_password}  # local only
      POSTGRES_DB: ${POSTGRES_DB:-shop_dev}
    ports:
      - "${POSTGRES_PORT:-5432}:5432"
    volumes:
      - postgres_dev_data:/var/lib/postgresql/data

  app:
    build:
      context: .
      dockerfile: docker/Dockerfile
      target: development
    environment:
      - DATABASE_URL=${DATABASE_URL:-postgresql+asyncpg://shop_user:shop_password@postgres:5432/shop_dev}
      - DEBUG=true
      - SECRET_KEY=${SECRET_KEY:-dev-secret-key}
    ports:
      - "${APP_PORT:-8000}:8000"
    volumes:
      - ./src:/app/src:rw
      - ./tests:/app/tests:rw
      - ./alembic.ini:/app/alembic.ini:ro
    depends_on:
      - postgres

volumes:
  postgres_dev_data:
"""

TEST = """\
name: shop-test

services:
  postgres:
    image: postgres:17.6-alpine3.22
    environment:
      POSTGRES_USER: ${POSTGRES_USER:-shop_user}
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-shop_password}
      POSTGRES_DB: shop_test
    tmpfs:
      - /var/lib/postgresql/data

  app:
    build:
      context: .
      dockerfile: docker/Dockerfile
      target: development
    environment:
      DATABASE_URL: postgresql+asyncpg://shop_user:shop_password@postgres:5432/shop_test
      TESTING: "true"
    volumes:
      - ./src:/app/src
      - ./tests:/app/tests
    command: ["pytest", "-q"]
    depends_on:
      - postgres
"""

CI = """\
name: shop-ci

services:
  app:
    build:
      context: .
      dockerfile: docker/Dockerfile
      target: development
    environment:
      DATABASE_URL: ${DATABASE_URL:-sqlite:///tmp/ci.db}
      CI: "true"
    command: ["pytest", "-q"]
"""

DOCKERFILE = """\
FROM python:3.13-slim
WORKDIR /app
COPY requirements.txt requirements-dev.txt ./
RUN pip install -r requirements.txt -r requirements-dev.txt
COPY . .
CMD ["uvicorn", "src.main:app", "--host", "0.0.0.0"]
"""

MAKEFILE = """\
.PHONY: dev-up dev-down dev-build test ci-test migrate-db lint

dev-up:
\t@echo "Starting DEVELOPMENT environment..."
\t@docker compose -f docker-compose.dev.yml --env-file .env.dev up -d

dev-down:
\t@docker compose -f docker-compose.dev.yml --env-file .env.dev down

dev-build:
\t@docker compose -f docker-compose.dev.yml --env-file .env.dev build

test:
\t@docker compose -f docker-compose.test.yml --env-file .env.test run --rm app pytest

ci-test:
\tdocker compose -f docker-compose.ci.yml up --build --abort-on-container-exit

migrate-db:
\tdocker compose -f docker-compose.dev.yml --env-file .env.dev exec app alembic upgrade head

lint:
\truff check src
"""

GITIGNORE = """\
__pycache__/
*.pyc
# virtualenvs
venv/
env/
.venv/
# secrets
.env
.env.*
!.env.example
"""

FILES: dict[str, tuple[str, int]] = {
    "docker-compose.yml": (BASE, 0o644),
    "docker-compose.dev.yml": (DEV, 0o644),
    "docker-compose.test.yml": (TEST, 0o644),
    "docker-compose.ci.yml": (CI, 0o644),
    ".env": ("APP_ENV=local\nSECRET_KEY=root-dotenv-secret\n", 0o600),
    ".env.dev": ("APP_ENV=dev\nSECRET_KEY=real-dev-secret-123\nPOSTGRES_PORT=5433\n", 0o600),
    ".env.test": ("APP_ENV=test\n", 0o640),
    ".env.example": ("APP_ENV=dev\nSECRET_KEY=\n", 0o644),
    "docker/Dockerfile": (DOCKERFILE, 0o644),
    "requirements.txt": ("fastapi>=0.110\nsqlalchemy[asyncio]==2.0.30\n# comment\n", 0o644),
    "requirements-dev.txt": ("-r requirements.txt\npytest>=8\nruff\n", 0o644),
    "Makefile": (MAKEFILE, 0o644),
    ".gitignore": (GITIGNORE, 0o644),
    "alembic.ini": ("[alembic]\n", 0o644),
    "src/main.py": ("app = None\n", 0o644),
    "tests/test_main.py": ("def test_ok():\n    assert True\n", 0o644),
    "scripts/run.sh": ("#!/bin/sh\necho run\n", 0o755),
}


def write_flat_repo(root: Path, files: dict[str, tuple[str, int]] | None = None) -> Path:
    """Write the flat repository into ``root`` (created); return ``root``."""
    for rel, (text, mode) in (FILES if files is None else files).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
    return root


def manifest(root: Path) -> dict[str, tuple[str, int]]:
    """Every file and folder under ``root``: path -> (sha256 or "dir", mode)."""
    result: dict[str, tuple[str, int]] = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        for name in dirs:
            path = base / name
            result[path.relative_to(root).as_posix()] = ("dir", path.stat().st_mode & 0o7777)
        for name in files:
            path = base / name
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            result[path.relative_to(root).as_posix()] = (digest, path.stat().st_mode & 0o7777)
    return result


# -- a small corpus of flat repositories, modeled on public projects' layouts ------------
# Each entry: files (path -> (text, mode)) and the files a fresh clone lacks (ignored).

Repo = dict[str, tuple[str, int]]


# compose.yaml whose profiles are selected in a committed .env
PROFILES: Repo = {
    "compose.yaml": (
        """\
services:
  web:
    image: nginx:1.27
    profiles: [web]
    ports: ['8080:80']
  worker:
    image: busybox:1.36
    profiles: [worker]
    command: [sh, -c, 'sleep 3600']
    environment:
      QUEUE: ${QUEUE:-default}
  debug:
    image: busybox:1.36
    profiles: [debug]
""",
        0o644,
    ),
    ".env": (
        """\
COMPOSE_PROFILES=web,worker
QUEUE=high
""",
        0o644,
    ),
    "Makefile": (
        """\
up:
\tdocker compose up -d

logs-%:
\tdocker compose logs $*
""",
        0o644,
    ),
}


# base + override + an extra file
OVERRIDE: Repo = {
    "docker-compose.yml": (
        """\
services:
  app:
    build: .
    environment:
      LOG_LEVEL: info
    depends_on: [db]
  db:
    image: postgres:16
    volumes:
      - pgdata:/var/lib/postgresql/data
volumes:
  pgdata:
""",
        0o644,
    ),
    "docker-compose.override.yml": (
        """\
services:
  app:
    volumes:
      - ./src:/app/src
    command: uvicorn app:app --reload
  mailhog:
    image: mailhog/mailhog
""",
        0o644,
    ),
    "docker-compose.test.yml": (
        """\
services:
  app:
    build: .
    environment:
      LOG_LEVEL: warning
    command: pytest -q
""",
        0o644,
    ),
    "Dockerfile": (
        """\
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}
WORKDIR /app
COPY . .
EXPOSE 8000
CMD ["python", "-m", "app"]
""",
        0o644,
    ),
    "src/app.py": ("app = None\n", 0o644),
}


# a project template: compose/ already holds Dockerfiles, .envs/ folders, anchors
TEMPLATE: Repo = {
    "docker-compose.local.yml": (
        """\
x-django: &django
  build:
    context: .
    dockerfile: ./compose/local/django/Dockerfile
  volumes:
    - .:/app:z
  env_file:
    - ./.envs/.local/.django
    - ./.envs/.local/.postgres
  depends_on: [postgres]
services:
  django:
    <<: *django
    ports: ['8000:8000']
    command: /start
  celeryworker:
    <<: *django
    command: /start-celeryworker
  postgres:
    image: postgres:16
    env_file:
      - ./.envs/.local/.postgres
""",
        0o644,
    ),
    "docker-compose.production.yml": (
        """\
services:
  django:
    build:
      context: .
      dockerfile: ./compose/production/django/Dockerfile
    env_file:
      - ./.envs/.production/.django
    command: /start
""",
        0o644,
    ),
    "compose/local/django/Dockerfile": (
        """\
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE} AS python
RUN echo "build dependencies would be installed here" > /etc/motd

FROM python AS local
WORKDIR /app
COPY ./compose/local/django/start /start
ENTRYPOINT ["/bin/sh"]
CMD ["/start"]
""",
        0o644,
    ),
    "compose/local/django/start": ("echo start\n", 0o644),
    "compose/production/django/Dockerfile": ("FROM python:3.12-slim\n", 0o644),
    ".envs/.local/.django": (
        """\
DJANGO_DEBUG=True
REDIS_URL=redis://redis:6379/0
""",
        0o644,
    ),
    ".envs/.local/.postgres": (
        """\
POSTGRES_DB=app
POSTGRES_USER=debug
""",
        0o644,
    ),
    ".envs/.production/.django": ("DJANGO_DEBUG=False\n", 0o600),
}


# KEY: ${KEY} pass-through entries fed by an ignored .env.dev made from its template
PASSTHROUGH: Repo = {
    "docker-compose.dev.yml": (
        """\
services:
  api:
    image: python:3.12-slim
    env_file: .env.dev
    environment:
      DATABASE_URL: ${DATABASE_URL}
      API_TOKEN: ${API_TOKEN}
      MODE: ${MODE:-dev}
      DEBUG: 'true'
    volumes:
      - ./.env.dev:/app/.env:ro
  ui:
    image: node:20
    environment:
      - PORT=3000
""",
        0o644,
    ),
    "docker-compose.prod.yml": (
        """\
services:
  api:
    image: registry.example/api:1.0
    environment:
      DATABASE_URL: ${DATABASE_URL}
      DEBUG: 'false'
""",
        0o644,
    ),
    ".env.dev": (
        """\
DATABASE_URL=postgresql://u:pw@db/dev
API_TOKEN=tok-123456
""",
        0o644,
    ),
    ".env.dev.example": (
        """\
DATABASE_URL=postgresql://u:change-me@db/dev
API_TOKEN=
""",
        0o644,
    ),
    ".gitignore": (".env.dev\n", 0o644),
    "Makefile": (
        """\
dev:
\tdocker compose -f docker-compose.dev.yml --env-file .env.dev up -d

prod-config:
\tdocker compose -f docker-compose.prod.yml config
""",
        0o644,
    ),
}


# the only compose file, a dev stack, with a committed .env holding a required value
COMMITTED_DOTENV: Repo = {
    "docker-compose.yml": (
        """\
services:
  app:
    image: python:3.12-slim
    command: python -m http.server 8000
    environment:
      APP_SECRET: ${APP_SECRET:?set APP_SECRET in .env}
    volumes:
      - ./:/srv:ro
""",
        0o644,
    ),
    ".env": ("APP_SECRET=not-a-real-one\n", 0o644),
    "Makefile": (
        """\
run:
\tdocker compose up

test:
\tdocker compose run --rm app pytest -x -q
""",
        0o644,
    ),
}


# a per-environment template the test env file is made from
TEST_TEMPLATE: Repo = {
    "docker-compose.dev.yml": (
        """\
services:
  app:
    image: python:3.12-slim
    env_file: .env.dev
""",
        0o644,
    ),
    "docker-compose.test.yml": (
        """\
services:
  app:
    image: python:3.12-slim
    env_file: .env.test
    environment:
      TESTING: 'true'
""",
        0o644,
    ),
    ".env.example": ("DATABASE_URL=postgresql://db/dev\n", 0o644),
    ".env.test.example": ("DATABASE_URL=postgresql://db/test\n", 0o644),
    ".env.dev": ("DATABASE_URL=postgresql://db/dev\n", 0o600),
    ".env.test": ("DATABASE_URL=postgresql://db/test\n", 0o600),
    ".gitignore": (
        """\
.env.dev
.env.test
ENV/
uv.lock
""",
        0o644,
    ),
}

# compose files named by COMPOSE_FILE in the .env a developer copies from a template:
# a bare `docker compose` runs the base file with the tools overlay
COMPOSE_FILE_VAR: Repo = {
    "docker-compose.yml": (
        """\
services:
  api:
    image: python:3.12-slim
    command: python -m http.server 8000
    environment:
      LOG_LEVEL: ${LOG_LEVEL:-info}
    volumes:
      - ./src:/srv/src:ro
  db:
    image: postgres:17
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?copy .env.example to .env}
""",
        0o644,
    ),
    "docker-compose.tools.yml": (
        """\
services:
  adminer:
    image: adminer:4
    depends_on: [db]
    ports: ["8081:8080"]
""",
        0o644,
    ),
    ".env.example": (
        "COMPOSE_FILE=docker-compose.yml:docker-compose.tools.yml\nPOSTGRES_PASSWORD=changethis\n",
        0o644,
    ),
    ".env": (
        (
            "COMPOSE_FILE=docker-compose.yml:docker-compose.tools.yml\n"
            "POSTGRES_PASSWORD=local-db-password\nLOG_LEVEL=debug\n"
        ),
        0o600,
    ),
    "src/app.py": ("print('api')\n", 0o644),
    "Makefile": (
        """\
up:
\tdocker compose up -d

psql:
\tdocker compose exec db psql -U postgres
""",
        0o644,
    ),
    ".gitignore": (".env\n", 0o644),
}

#: name -> (files, paths a fresh clone lacks)
CORPUS: dict[str, tuple[Repo, tuple[str, ...]]] = {
    "profiles": (PROFILES, ()),
    "override": (OVERRIDE, ()),
    "template": (TEMPLATE, (".envs/.production/.django",)),
    "passthrough": (PASSTHROUGH, (".env.dev",)),
    "committed-dotenv": (COMMITTED_DOTENV, ()),
    "test-template": (TEST_TEMPLATE, (".env.dev", ".env.test")),
    "compose-file-var": (COMPOSE_FILE_VAR, (".env",)),
}
