"""The migration invariant on recorded ``docker compose config --format json`` output."""

from __future__ import annotations

import copy
import json
from typing import Any

from dockyard.domain.layout.invariant import compare_configs, flatten_config

# Recorded from compose v2.40.3 for a flat repository at /r/flat (docker-compose.dev.yml
# at the root, env_file .env.dev also bind-mounted as /app/.env).
BEFORE: dict[str, Any] = json.loads(
    """
{"name": "flat", "networks": {"default": {"name": "flat_default", "ipam": {}}},
 "services": {
  "app": {"build": {"context": "/r/flat", "dockerfile": "Dockerfile", "args": {"A": "1"},
                    "target": "dev"},
          "command": ["uvicorn", "app:app", "--reload"],
          "depends_on": {"db": {"condition": "service_started", "required": true}},
          "entrypoint": null,
          "environment": {"DEBUG": "true", "PASSWORD": "hunter2", "SECRET_KEY": "x", "X": "1"},
          "networks": {"default": null},
          "ports": [{"mode": "ingress", "target": 8000, "published": "8000", "protocol": "tcp"}],
          "volumes": [
            {"type": "bind", "source": "/r/flat/src", "target": "/app/src",
             "bind": {"create_host_path": true}},
            {"type": "volume", "source": "data", "target": "/data", "volume": {}},
            {"type": "bind", "source": "/r/flat/.env.dev", "target": "/app/.env"}]},
  "db": {"command": null, "entrypoint": null, "image": "postgres",
         "networks": {"default": null},
         "volumes": [{"type": "volume", "source": "pg", "target": "/var/lib/postgresql/data",
                      "volume": {}}]}},
 "volumes": {"data": {"name": "flat_data"}, "pg": {"name": "fixed-pg"}}}
"""
)

MOVES = {".env.dev": "env/.env.dev", "docker-compose.dev.yml": "compose/docker-compose.dev.yml"}


def _after(root: str = "/r/flat") -> dict[str, Any]:
    """The same stack after a move to compose/ (what compose printed there)."""
    after = copy.deepcopy(BEFORE)
    app = after["services"]["app"]
    app["build"]["context"] = root
    app["volumes"] = [
        {"type": "volume", "source": "data", "target": "/data", "volume": {}},
        {"type": "bind", "source": f"{root}/env/.env.dev", "target": "/app/.env"},
        {"type": "bind", "source": f"{root}/src", "target": "/app/src"},
    ]
    return after


def test_a_moved_stack_is_unchanged_even_in_another_checkout() -> None:
    after = _after("/elsewhere/flat")
    assert (
        compare_configs(
            BEFORE, after, root_before="/r/flat", root_after="/elsewhere/flat", moves=MOVES
        )
        == []
    )


def test_a_bind_mounted_file_that_did_not_follow_its_move_is_a_difference() -> None:
    after = _after()
    after["services"]["app"]["volumes"][1]["source"] = "/r/flat/.env.dev"
    assert compare_configs(
        BEFORE, after, root_before="/r/flat", root_after="/r/flat", moves=MOVES
    ) == ["service app: volumes./app/.env: 'bind env/.env.dev' → 'bind .env.dev'"]


def test_a_dropped_literal_value_is_named_with_both_sides() -> None:
    after = _after()
    del after["services"]["app"]["environment"]["DEBUG"]
    differences = compare_configs(
        BEFORE, after, root_before="/r/flat", root_after="/r/flat", moves=MOVES
    )
    assert differences == ["service app: environment.DEBUG: 'true' → absent"]


def test_secret_values_are_masked_in_differences() -> None:
    after = _after()
    after["services"]["app"]["environment"]["PASSWORD"] = "other-password"
    (line,) = compare_configs(
        BEFORE, after, root_before="/r/flat", root_after="/r/flat", moves=MOVES
    )
    assert line.startswith("service app: environment.PASSWORD:")
    assert "hunter2" not in line
    assert "other-password" not in line


def test_project_name_and_volume_names_are_compared() -> None:
    after = _after()
    after["name"] = "compose"
    after["volumes"]["data"]["name"] = "compose_data"
    differences = compare_configs(
        BEFORE, after, root_before="/r/flat", root_after="/r/flat", moves=MOVES
    )
    assert differences == [
        "project: name: 'flat' → 'compose'",
        "project: volumes.data.name: 'flat_data' → 'compose_data'",
    ]


def test_each_compared_field_can_differ() -> None:
    after = _after()
    app = after["services"]["app"]
    app["build"]["target"] = "prod"
    app["build"]["dockerfile"] = "docker/Dockerfile"
    app["build"]["args"]["A"] = "2"
    app["command"] = ["python", "-m", "app"]
    app["entrypoint"] = ["tini", "--"]
    app["user"] = "1000"
    app["ports"][0]["published"] = "8001"
    app["depends_on"] = {}
    app["networks"] = {"front": None}
    after["services"]["db"]["image"] = "postgres:17"
    fields = {
        line.split(": ", 2)[1]
        for line in compare_configs(
            BEFORE, after, root_before="/r/flat", root_after="/r/flat", moves=MOVES
        )
    }
    assert fields == {
        "build.target",
        "build.dockerfile",
        "build.args.A",
        "command",
        "entrypoint",
        "user",
        "ports.8000/tcp",
        "depends_on.db",
        "networks.default",
        "networks.front",
        "image",
    }


def test_a_service_that_disappears_is_named() -> None:
    after = _after()
    del after["services"]["db"]
    assert compare_configs(
        BEFORE, after, root_before="/r/flat", root_after="/r/flat", moves=MOVES
    ) == ["service db: present → absent"]


def test_order_compose_ignores_is_ignored() -> None:
    after = _after()
    env = after["services"]["app"]["environment"]
    after["services"]["app"]["environment"] = dict(reversed(list(env.items())))
    after["services"] = dict(reversed(list(after["services"].items())))
    assert (
        compare_configs(BEFORE, after, root_before="/r/flat", root_after="/r/flat", moves=MOVES)
        == []
    )


def test_dockerfile_is_compared_as_a_path_from_the_root() -> None:
    flat = flatten_config(BEFORE, root="/r/flat", moves={"Dockerfile": "docker/Dockerfile"})
    assert flat["app"]["build.context"] == "."
    assert flat["app"]["build.dockerfile"] == "docker/Dockerfile"
    assert flat["app"]["volumes./app/src"] == "bind src"
