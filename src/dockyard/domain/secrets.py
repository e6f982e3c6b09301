"""Which env keys and values look secret, and how to show them without revealing them.

Nothing in dockyard prints an env value without passing it through :func:`mask`.
"""

from __future__ import annotations

import math
import re
from collections import Counter

__all__ = ["MASK", "is_placeholder", "is_secret_key", "looks_like_secret_value", "mask"]

MASK = "********"

# A key is secret-looking when one of its words (split on _ and -) is one of these.
_SECRET_WORDS = frozenset(
    {
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "SECRET",
        "SECRETS",
        "TOKEN",
        "TOKENS",
        "KEY",
        "KEYS",
        "APIKEY",
        "PRIVATE",
        "CREDENTIAL",
        "CREDENTIALS",
        "CREDS",
        "AUTH",
        "SALT",
        "SIGNATURE",
        "SIGNING",
        "COOKIE",
        "SESSION",
        "DSN",
        "CERT",
        "PEPPER",
        "OTP",
        "JWT",
        "BEARER",
        "WEBHOOK",
    }
)
_SECRET_SUFFIXES = ("PASSWORD", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY")
#: Last words of keys that configure how a secret is used, not the secret itself.
_SETTING_WORDS = frozenset(
    {
        "METHOD",
        "TYPE",
        "MODE",
        "ENABLED",
        "LENGTH",
        "TTL",
        "EXPIRY",
        "EXPIRE",
        "ALGORITHM",
        "FILE",
        "PATH",
        "HOST",
        "PORT",
        "USER",
        "USERNAME",
        "NAME",
        "TIMEOUT",
        "LIFETIME",
    }
)
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@"
)
_KNOWN_PREFIXES = re.compile(
    r"^(ghp_|gho_|ghs_|github_pat_|sk-|sk_live_|rk_live_|xox[abpr]-|AKIA|ASIA|AIza|glpat-|"
    r"-----BEGIN)"
)
_PATH_LIKE = re.compile(r"[a-z0-9._:@-]*/[a-z0-9._/:@-]*")  # image refs, paths, hosts
_PLACEHOLDER = re.compile(
    r"^(|changeme|change-me|change_me|replace-?me|todo|xxx+|\*+|<[^>]*>|\$\{[^}]*\}|"
    r"your[-_ ].*|example|dummy|secret|password|test|dev|none|null)$",
    re.IGNORECASE,
)


def is_secret_key(key: str) -> bool:
    """True for PASSWORD, DB_PASSWORD, API_KEY, GITHUB_TOKEN, SECRET_KEY_BASE, ...

    A key that names a setting about a secret rather than the secret itself is not
    one: POSTGRES_HOST_AUTH_METHOD, PASSWORD_MIN_LENGTH, TOKEN_TTL.
    """
    upper = key.upper()
    parts = [w for w in re.split(r"[_\-.]+", upper) if w]
    if parts and parts[-1] in _SETTING_WORDS:
        return False
    return bool(set(parts) & _SECRET_WORDS) or upper.endswith(_SECRET_SUFFIXES)


def is_placeholder(value: str) -> bool:
    """True for values that are obviously not real secrets (empty, changeme, <...>)."""
    return bool(_PLACEHOLDER.match(value.strip()))


def looks_like_secret_value(value: str) -> bool:
    """True when a value looks like a real credential, whatever its key is called."""
    if _KNOWN_PREFIXES.match(value):
        return True
    url = _URL_CREDENTIALS.search(value)
    if url is not None:
        return not is_placeholder(url["pw"])
    # long, random-looking, with letters and digits (image names and paths have no digits
    # mixed in like that: "local/python-base:bookworm" is not a secret)
    if _PATH_LIKE.fullmatch(value):
        return False
    return (
        len(value) >= 24
        and " " not in value
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and _entropy(value) >= 4.0
    )


def mask(key: str, value: str | None) -> str:
    """``value`` fit to print: masked whole for secret keys, passwords cut out of URLs."""
    if value is None:
        return ""
    if is_secret_key(key) or _KNOWN_PREFIXES.match(value):
        return MASK if value else ""
    return _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", value)


def _entropy(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())
