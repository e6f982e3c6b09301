"""No secret leaves dockyard: every output of the env tasks and of ``check``, and mask().

A repository's env file (and its compose file) holds more than 30 shapes of secret,
under secret-looking keys and under plain ones. Every output is searched for the
secret part of each shape: the env tasks, ``check`` in every format to stdout, to
``--output`` files and to ``$GITHUB_STEP_SUMMARY``, and ``dev.up --dry-run``. A
hypothesis property puts generated secrets inside generated values; a timing test
checks that masking grows linearly with the value's length.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.domain.secrets import mask, mask_text
from tests.checks_support import FILES

# (key, value, the part that must never be printed)
SHAPES: list[tuple[str, str, str]] = [
    ("DATABASE_URL", "postgres://app:Hq7-pw-url1@db:5432/app", "Hq7-pw-url1"),
    ("DB_URL_SLASH", "postgres://app:Kp/9a@b@Zq@db/app", "Kp/9a@b@Zq"),
    ("DB_URL_ESCAPED", "mysql://u:Pa%40ss%2Fw0rd9@h/db", "Pa%40ss%2Fw0rd9"),
    ("CACHE_URL", "redis://:Only7Redis8Pw@cache:6379/0", "Only7Redis8Pw"),
    ("BROKER_URL", "amqp://guest:Rb9!mq*Pw2@rabbit:5672//", "Rb9!mq*Pw2"),
    ("MONGO_URL", "mongodb+srv://u:Mg4:colon:Pw@cluster0.example.net/?w=1", "Mg4:colon:Pw"),
    ("MONGO_HOSTS", "mongodb://u:Mh5Multi6Pw@h1:27017,h2:27017/db", "Mh5Multi6Pw"),
    (
        "UPSTREAM",
        "https://3f9a8b7c6d5e4f30a1b2c3d4e5f60718@o450.ingest.sentry.io/42",
        "3f9a8b7c6d5e4f30a1b2c3d4e5f60718",
    ),
    (
        "REPO",
        "https://ghp_Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6@github.com/o/r.git",
        "ghp_Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6",
    ),
    ("MIRROR", "https://x-access-token:Xa7Tok9Mirror2@github.com/o/r", "Xa7Tok9Mirror2"),
    ("PG_CONN", "host=db port=5432 user=app password=Lq8/libpq@Pw dbname=app", "Lq8/libpq@Pw"),
    ("PG_CONN_QUOTED", "host=db password='Lq9 quoted Pw' user=app", "Lq9 quoted Pw"),
    ("JDBC", "jdbc:postgresql://db/app?user=app&password=Jd7bcPw4", "Jd7bcPw4"),
    ("ODBC", "Server=db;Database=app;User Id=sa;Password=Od8bcPw5;", "Od8bcPw5"),
    ("CALLBACK", "https://h.example/cb?access_token=Qs6TokenPw3&a=1", "Qs6TokenPw3"),
    ("HEADER", "Authorization: Bearer Br4rerTok9en.x", "Br4rerTok9en.x"),
    ("HEADER_BASIC", "Authorization: Basic dXNlcjpCYXNpYzdQdw==", "dXNlcjpCYXNpYzdQdw=="),
    ("ID_BLOB", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.Sg5nAtUrE9x", "eyJzdWIiOiI0MiJ9"),
    ("SOME_VALUE", "ghp_Zz1Yy2Xx3Ww4Vv5Uu6Tt7Ss8Rr9Qq0Pp1Oo2", "Zz1Yy2Xx3Ww4Vv5Uu6Tt7Ss8Rr9Qq0Pp1"),
    ("PAT", "github_pat_11AB2CD3E0abcdefghijklmn_OPQRSTUVWXYZ0123456789", "11AB2CD3E0abcdefgh"),
    ("GITLAB", "glpat-Gl4bTok5enXy7Zw8Vu", "Gl4bTok5enXy7Zw8Vu"),
    ("SLACK_HOOK_ID", "xoxb-1234567890-Sl4ckT0kenAbCdEf", "Sl4ckT0kenAbCdEf"),
    ("STRIPE", "sk_live_St7ripeK3yAbCdEfGh9", "St7ripeK3yAbCdEfGh9"),
    ("AWS_ID", "AKIAIOSFODNN7EXAMPL3", "IOSFODNN7EXAMPL3"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "bPxRfiCYEXAMPLEKEY"),
    ("GOOGLE", "AIzaSyGo0gle4ApiK3yAbCdEfGhIjKlMn", "SyGo0gle4ApiK3yAbCdEfGh"),
    ("OPAQUE", "q8Zr3LmP0vXy7TnB2sKd9WfH4jGc6", "q8Zr3LmP0vXy7TnB2sKd9WfH4jGc6"),
    (
        "PRIVATE_KEY",
        "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpQIBAAKCAQEA7pem\\n",
        "MIIEpQIBAAKCAQEA7pem",
    ),
    ("DB_PASSWORD", "s3cr3t-Pw-29", "s3cr3t-Pw-29"),
    ("SECRET_KEY", "django-insecure-+x@!k9Dj4ng0", "+x@!k9Dj4ng0"),
    ("API_KEY", "Ap1K3yValue77", "Ap1K3yValue77"),
    ("CONFIG_JSON", '{"user": "svc", "password": "Js0nPw8Inside"}', "Js0nPw8Inside"),
    ("NPM", "npm_Np7mTok3nAbCdEfGhIjKl", "Np7mTok3nAbCdEfGhIjKl"),
    ("HF", "hf_Hf5aceTok9nAbCdEfGhIj", "Hf5aceTok9nAbCdEfGhIj"),
    ("CMD_ARGS", "--db-password Fl4gPw6Val --verbose", "Fl4gPw6Val"),
    ("SENTRY_DSN", "https://Sd8nKey@o1.ingest.sentry.io/2", "Sd8nKey"),
    ("DB_PASS", "quoted value Qv9", "quoted value Qv9"),
    ("SESSION_COOKIE_SECRET", "Ck7ie-secret-Val", "Ck7ie-secret-Val"),
]
SECRETS = [secret for _, _, secret in SHAPES]


def _env_text() -> str:
    lines = ["APP_NAME=demo"]
    for key, value, _ in SHAPES:
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'{key}="{quoted}"')
    return "\n".join(lines) + "\n"


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def dockyard(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKYARD_", "GITHUB_"))}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "dockyard", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("leaks") / "repo"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "env/.env.dev").write_text(_env_text(), encoding="utf-8")
    (root / "env/.env.dev").chmod(0o644)  # so that env.check has something to say
    example = "APP_NAME=demo\n" + "".join(f"{key}=changeme\n" for key, _, _ in SHAPES[:5])
    (root / "env/.env.example").write_text(example, encoding="utf-8")
    compose = (root / "compose/docker-compose.dev.yml").read_text(encoding="utf-8")
    hard_coded = "".join(
        f"      {key}: {value!r}\n" for key, value, _ in SHAPES if "\\n" not in value
    )
    compose = compose.replace("      LOG_LEVEL: debug\n", "      LOG_LEVEL: debug\n" + hard_coded)
    (root / "compose/docker-compose.dev.yml").write_text(compose, encoding="utf-8")
    return root


def test_there_are_enough_shapes() -> None:
    assert len(SHAPES) >= 30


@pytest.mark.parametrize(
    "args",
    [("env.show",), ("env.check",), ("env.explain", "APP_NAME"), ("env.init", "--env", "test")],
    ids=["show", "check", "explain", "init"],
)
def test_env_tasks_print_no_secret(repo: Path, args: tuple[str, ...]) -> None:
    done = dockyard(repo, *args)
    assert "Traceback" not in done.stderr
    assert _leaks(done.stdout + done.stderr) == []


def test_env_explain_of_every_shape_prints_no_secret(repo: Path) -> None:
    leaked: dict[str, list[str]] = {}
    for key, _, _ in SHAPES:
        done = dockyard(
            repo, "env.explain", key, env={key: f"process-{key}"} if key == "API_KEY" else None
        )
        assert done.returncode == 0, done.stderr
        if found := _leaks(done.stdout + done.stderr):
            leaked[key] = found
    assert leaked == {}


def test_process_environment_values_are_masked_too(repo: Path) -> None:
    done = dockyard(
        repo, "env.show", env={"DB_PASSWORD": "Pr0cess-Env-Pw", "PG_CONN": "password=Pr0cPw2"}
    )
    assert "Pr0cess-Env-Pw" not in done.stdout
    assert "Pr0cPw2" not in done.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github"])
def test_check_prints_and_writes_no_secret(repo: Path, tmp_path: Path, fmt: str) -> None:
    summary = tmp_path / "summary.md"
    done = dockyard(repo, "check", "--format", fmt, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode in (0, 1), done.stderr
    assert _leaks(done.stdout + done.stderr) == []
    if fmt == "github":
        assert summary.is_file()
        assert _leaks(summary.read_text(encoding="utf-8")) == []
    report = tmp_path / f"report.{fmt}"
    done = dockyard(repo, "check", "--format", fmt, "--output", str(report))
    assert done.returncode in (0, 1), done.stderr
    assert report.is_file()
    assert _leaks(report.read_text(encoding="utf-8") + done.stdout + done.stderr) == []


@pytest.mark.engine
def test_dev_up_dry_run_prints_no_secret(repo: Path, docker_client: object) -> None:
    done = dockyard(repo, "dev.up", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "DB_PASSWORD" in done.stdout
    assert _leaks(done.stdout + done.stderr) == []


@pytest.mark.parametrize(("key", "value", "secret"), SHAPES, ids=[s[0] for s in SHAPES])
def test_mask_hides_each_shape(key: str, value: str, secret: str) -> None:
    assert secret not in mask(key, value)
    assert secret not in mask_text(f"{key}={value}")


# --- a property: a generated secret inside a generated value --------------------------

_WORDS = st.sampled_from(["see", "the", "value", "config", "x=1", "host", "port=5432", "ok"])
_CONTEXT = st.lists(_WORDS, max_size=4).map(" ".join)
_PW_CHARS = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPRSTUVWXYZ0123456789/@:%!*$^()-_+=.~#?"
_TOKEN_CHARS = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_NAME = st.text("abcdefghijklmnopr", min_size=1, max_size=10)
_HOST = st.builds(lambda a, b: f"{a}.{b}", _NAME, st.sampled_from(["internal", "example.net"]))


def _marked(core: str) -> str:
    """Every generated secret holds 'Q7', which no generated context contains."""
    return f"Q7{core}"


_PASSWORD = (
    st.text(_PW_CHARS, min_size=4, max_size=40).filter(lambda s: "://" not in s).map(_marked)
)
_TOKEN = st.lists(st.sampled_from(_TOKEN_CHARS), min_size=22, max_size=40, unique=True).map(
    lambda chars: _marked("".join(chars))
)
_PLAIN_PW = st.text(_TOKEN_CHARS + "/@:!*.-_+", min_size=4, max_size=30).map(_marked)


@st.composite
def _secret_in_value(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(
        st.sampled_from(
            [
                "url",
                "url-token-user",
                "libpq",
                "libpq-quoted",
                "bearer",
                "prefixed",
                "entropy",
                "query",
                "json",
            ]
        )
    )
    host = draw(_HOST)
    user = draw(_NAME)
    if kind == "url":
        secret = draw(_PASSWORD)
        scheme = draw(st.sampled_from(["postgres", "postgresql+asyncpg", "redis", "amqp", "https"]))
        shape = f"{scheme}://{user}:{secret}@{host}:5432/{user}"
    elif kind == "url-token-user":
        secret = draw(_TOKEN)
        shape = f"https://{secret}@{host}/{user}"
    elif kind == "libpq":
        secret = draw(_PLAIN_PW)
        shape = f"host={host} user={user} password={secret} dbname={user}"
    elif kind == "libpq-quoted":
        secret = draw(st.text(_TOKEN_CHARS + " /@", min_size=4, max_size=30).map(_marked))
        shape = f"host={host} password='{secret}' user={user}"
    elif kind == "bearer":
        secret = draw(_TOKEN)
        shape = f"Authorization: Bearer {secret}"
    elif kind == "prefixed":
        secret = draw(st.sampled_from(["ghp_", "glpat-", "sk_live_", "xoxb-", "npm_"])) + draw(
            _TOKEN
        )
        shape = secret
    elif kind == "entropy":
        secret = draw(_TOKEN)
        shape = secret
    elif kind == "query":
        secret = draw(_PLAIN_PW.filter(lambda s: not set(s) & set("&?#")))
        shape = f"https://{host}/cb?user={user}&token={secret}&x=1"
    else:
        secret = draw(st.text(_TOKEN_CHARS + " /@:", min_size=4, max_size=30).map(_marked))
        shape = f'{{"user": "{user}", "password": "{secret}"}}'
    value = " ".join(part for part in (draw(_CONTEXT), shape, draw(_CONTEXT)) if part)
    return value, secret


@settings(max_examples=400, deadline=None)
@given(_secret_in_value())
def test_a_generated_secret_never_survives_mask(case: tuple[str, str]) -> None:
    value, secret = case
    assert secret not in mask("SETTING", value)


# --- linear time ----------------------------------------------------------------------

_ADVERSARIAL = [
    "a" * 10,
    "a-",
    "a://",
    "a@",
    "x:",
    "k=",
    "postgres://u:p/@",
    "password=x ",
    "Bearer ",
    "eyJa.",
    "Ab1+",
]


def _seconds(value: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        mask("SETTING", value)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("unit", _ADVERSARIAL)
def test_masking_time_grows_linearly(unit: str) -> None:
    small = (unit * (100_000 // len(unit) + 1))[:100_000]
    large = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    t_small, t_large = _seconds(small), _seconds(large)
    # linear: about 10x; quadratic would be about 100x
    assert t_large < max(30 * t_small, 0.05), (t_small, t_large)
    assert t_large < 5.0
