"""A flat repository in the second seed's "current state", and tree manifests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

FILES: dict[str, str] = {
    "docker-compose.yml": """\
# unused base file (wrong .env mounting)
services:
  app:
    build: .
    volumes:
      - ./.env:/app/.env
    ports:
      - "8000:8000"
""",
    "docker-compose.dev.yml": """\
name: dashtam-dev
services:
  postgres:
    image: postgres:17.6-alpine3.22
    environment:
      POSTGRES_USER: ${POSTGRES_USER:-dashtam_user}
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-dev_password}
    volumes:
      - postgres_dev_data:/var/lib/postgresql/data
  app:
    build:
      context: .  # the repository root
      dockerfile: docker/Dockerfile
    env_file: .env.dev
    environment:
      - APP_ENV=${APP_ENV:-development}
      - DEBUG=true
    volumes:
      - ./src:/app/src:rw
      - ./alembic.ini:/app/alembic.ini:ro
volumes:
  postgres_dev_data:
""",
    "docker-compose.test.yml": """\
services:
  app:
    build:
      context: .
      dockerfile: docker/Dockerfile
    environment:
      DATABASE_URL: ${DATABASE_URL:-postgresql://test@postgres/test}
    volumes:
      - ./tests:/app/tests
""",
    "docker-compose.ci.yml": """\
services:
  app:
    build:
      context: .
      dockerfile: docker/Dockerfile
    command: ["pytest", "-x"]
""",
    ".env": "SECRET_KEY=root-secret-canary\n",
    ".env.dev": "POSTGRES_PASSWORD=dev-secret-canary\nAPP_PORT=8000\n",
    ".env.test": "DATABASE_URL=postgresql://test@postgres/test\n",
    ".env.example": "POSTGRES_PASSWORD=\nAPP_PORT=8000\n",
    "docker/Dockerfile": (
        'FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "-m", "app"]\n'
    ),
    "requirements.txt": "fastapi>=0.110\nsqlalchemy==2.0.30  # orm\n",
    "requirements-dev.txt": "-r requirements.txt\npytest>=8\n",
    "Makefile": (
        "dev-up:\n\tdocker compose -f docker-compose.dev.yml up -d\n"
        "test:\n\tdocker compose -f docker-compose.test.yml run app pytest\n"
        "ci-test:\n\tdocker compose -f docker-compose.ci.yml up --abort-on-container-exit\n"
        "lint:\n\truff check .\n"
    ),
    ".gitignore": "env/\n.env*\n__pycache__/\n",
    "src/app/__init__.py": "",
    "alembic.ini": "[alembic]\n",
    "tests/test_x.py": "def test_x():\n    assert True\n",
}


def write_flat_repo(root: Path, files: dict[str, str] | None = None) -> Path:
    """Write the flat layout at ``root``; env files get mode 0640 like a hand-made checkout."""
    for rel, text in (files or FILES).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if rel.startswith(".env"):
            path.chmod(0o640)
    return root


def manifest(root: Path) -> dict[str, tuple[str, int]]:
    """path -> (sha256 of the bytes, mode) for every file and folder below ``root``."""
    found: dict[str, tuple[str, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            mode = path.lstat().st_mode & 0o7777
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            found[rel] = (digest, mode)
    return found
