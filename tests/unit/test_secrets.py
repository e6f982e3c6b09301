"""Secret-looking keys and values, and masking."""

from __future__ import annotations

import pytest

from dockyard.domain.secrets import (
    MASK,
    is_placeholder,
    is_secret_key,
    looks_like_secret_value,
    mask,
    mask_text,
)


@pytest.mark.parametrize(
    "key",
    [
        "PASSWORD",
        "DB_PASSWORD",
        "POSTGRES_PASSWORD",
        "API_KEY",
        "SECRET_KEY",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "JWT_SIGNING_KEY",
        "SENTRY_DSN",
        "dbPassword",
        "APIKEY",
    ],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["APP_PORT", "DEBUG", "KEYBOARD_LAYOUT", "POSTGRES_USER", "HOST"])
def test_plain_keys(key: str) -> None:
    assert not is_secret_key(key)


def test_mask_hides_secret_keys_and_url_passwords() -> None:
    assert mask("DB_PASSWORD", "hunter2") == MASK
    assert mask("DB_PASSWORD", "") == ""
    assert mask("DATABASE_URL", "postgres://u:hunter2@db/x") == f"postgres://u:{MASK}@db/x"
    assert mask("APP_PORT", "8000") == "8000"
    assert mask("SOMETHING", "ghp_abcdefghijklmnopqrstuvwxyz0123456789") == MASK


def test_secret_values_and_placeholders() -> None:
    assert looks_like_secret_value("AKIAIOSFODNN7EXAMPLE")
    assert looks_like_secret_value("q8Zr3LmP0vXy7TnB2sKd9WfH4jGc6")
    assert not looks_like_secret_value("localhost")
    assert not looks_like_secret_value("a sentence with several words in it, long enough")
    for value in ("", "changeme", "<your token>", "${FROM_ENV}", "xxxx"):
        assert is_placeholder(value)
    assert not is_placeholder("hunter2")


def test_image_names_and_paths_are_not_secret_values() -> None:
    assert not looks_like_secret_value("local/python-base:bookworm")
    assert not looks_like_secret_value("ghcr.io/astral-sh/uv:python3.13-trixie-slim")


def test_url_credentials_are_secret_values_placeholders_are_not() -> None:
    assert looks_like_secret_value("postgres://app:real9pw@db/app")
    assert looks_like_secret_value("https://ghp_abcdefghijklmnop0123456789@github.com/o/r")
    assert not looks_like_secret_value("postgres://app:${DB_PASSWORD}@db/app")
    assert not looks_like_secret_value("postgres://app:changeme@db/app")
    assert not looks_like_secret_value("postgres://postgres@db/app")


def test_remembered_values_are_masked_anywhere_until_forgotten() -> None:
    from dockyard.domain.secrets import forget_all, mask_text, remember

    try:
        remember("Tq7-remembered")
        remember("abc")  # too short to remember: it would mask ordinary words
        remember("changeme")  # a placeholder
        assert (
            mask_text("error: auth failed for Tq7-remembered") == f"error: auth failed for {MASK}"
        )
        assert mask_text("abc changeme") == "abc changeme"
    finally:
        forget_all()
    assert mask_text("Tq7-remembered") == "Tq7-remembered"


def test_masking_keeps_prose_help_columns_and_json_numbers() -> None:
    from dockyard.domain.secrets import mask_text

    for text in (
        "env/.env.dev:4: error: line does not parse as KEY=value [ENV003]",
        "  --prompt-for-sudo-password         Prompt user at start of session",
        '{"pass": 17, "fail": 2}',
        "sha256:" + "ab12" * 16,
        "local/python-base:bookworm",
        "postgres://postgres@db:5432/app",
    ):
        assert mask_text(text) == text


def test_compose_messages_about_a_secret_key_stay_readable() -> None:
    message = (
        "error while interpolating services.db.environment.POSTGRES_PASSWORD: required "
        "variable POSTGRES_PASSWORD is missing a value: set it in .env"
    )
    assert mask_text(message) == message
    assert mask_text("POSTGRES_PASSWORD: hunter2xyz is set") == "POSTGRES_PASSWORD: ******** is set"
    assert mask_text("API_KEY=missing-in-prod-9f8e") == "API_KEY=********"
    hint = "fix: add BOOKMARKS_SECRET_KEY= to .env (see .env.example)"
    assert mask_text(hint) == hint
