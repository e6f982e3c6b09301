"""Which env keys and values look secret, and how to show text without revealing them.

Nothing in dockyard prints an env value without passing it through :func:`mask`, and
every line the surfaces write goes through :func:`mask_text` (see
:mod:`dockyard.surfaces.runtime`). :func:`mask_text` is a scanner of credential
shapes, linear in the length of its input:

* URL userinfo: ``scheme://user:password@host`` with any character in the password
  (``/``, ``@``, ``:``, percent escapes), and a token used as a URL's user
  (``https://<token>@host``, Sentry-style DSNs);
* ``key=value`` and ``key: value`` pairs whose key names a secret (libpq
  ``password=... host=...``, query strings ``?token=...&``, JSON ``"password": "..."``,
  ``--password=...``), quoted values included;
* ``Bearer``/``Basic``/``Token`` credentials, JWT-like tokens, tokens with a known
  vendor prefix (``ghp_``, ``glpat-``, ``sk_live_``, ``AKIA``, ...), PEM private keys;
* high-entropy words (upper and lower case letters and digits, 20 characters or more);
* every value :func:`remember` was told about (the secret values of the env files a
  command read), wherever it appears.

Every pattern starts at a word boundary (a look-behind) or scans a bounded length
(a URL scheme: 40 characters), so no scan restarts inside a long word: a 1 MB value
costs about ten times a 100 kB one.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter

__all__ = [
    "MASK",
    "forget_all",
    "is_placeholder",
    "is_secret_key",
    "looks_like_secret_value",
    "mask",
    "mask_text",
    "remember",
]

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
    {"METHOD", "TYPE", "MODE", "ENABLED", "LENGTH", "TTL", "EXPIRY", "EXPIRE", "ALGORITHM"}
    | {"FILE", "PATH", "HOST", "PORT", "USER", "USERNAME", "NAME", "TIMEOUT", "LIFETIME"}
)
_KNOWN_PREFIXES = (
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "pk_live_",
    "xoxa-",
    "xoxb-",
    "xoxp-",
    "xoxr-",
    "xoxs-",
    "AKIA",
    "ASIA",
    "AIza",
    "npm_",
    "hf_",
    "SG.",
    "-----BEGIN",
)
_PATH_LIKE = re.compile(r"[a-z0-9._:@-]*/[a-z0-9._/:@-]*")  # image refs, paths, hosts
_PLACEHOLDER = re.compile(
    r"^(|change[-_]?(?:me|this|it)|replace[-_]?(?:me|this)|todo|xxx+|\*+|<[^>]*>|\$\{[^}]*\}|"
    r"your[-_ ].*|example|dummy|secret|password|test|dev|none|null)$",
    re.IGNORECASE,
)

# --- the scanner's patterns: each starts where a word starts (look-behind), and uses
# possessive quantifiers, so a failed match never rescans the same characters.
_URL = re.compile(
    r"(?<![\w+.])(?P<scheme>[A-Za-z][\w+.-]{0,39}+)://"
    r"(?P<rest>(?:[^\s\"'<>`:]|:(?!//))*+)"
)
_PAIR = re.compile(
    r"(?<![\w.-])(?P<key>-{0,2}+[A-Za-z_][\w.-]*+)(?P<sep>\"?\s*+[=:]\s*+)"
    r"(?P<value>\"(?:[^\"\\\n]|\\.)*+\"|'(?:[^'\\\n]|\\.)*+'|[^\s,;&\"'<>`]++)"
)
# ``--db-password VALUE`` (one space: help texts align their columns with several)
_FLAG = re.compile(r"(?<![\w-])(?P<key>--?[A-Za-z][\w-]*+)(?P<sep> )(?P<value>[^\s-]\S*+)")
_SCHEME_AUTH = re.compile(
    r"(?i)(?<![\w-])(?P<kind>bearer|basic|token|digest)(?P<sep>\s++)"
    r"(?P<value>[A-Za-z0-9._~+/=-]{8,}+)"
)
_PREFIXED = re.compile(
    r"(?<![\w.-])(?:"
    + "|".join(re.escape(p) for p in _KNOWN_PREFIXES if not p.startswith("-"))
    + r")[\w.-]{8,}+"
)
_JWT = re.compile(r"(?<![\w-])eyJ[\w-]{4,}+\.[\w-]++(?:\.[\w-]*+)?")
# a PEM private key, up to its END line (or the end of the text: a cut-off key is
# still a key); one match consumes the rest, so many BEGINs cost one scan
_PEM = re.compile(
    r"-----BEGIN (?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY-----"
    r"(?:[^-]|-(?!----END))*+(?:-----END (?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY-----)?"
)
_ENTROPIC = re.compile(r"(?<![\w+=-])[A-Za-z0-9+=_-]{20,}+")
_HOST = re.compile(r"\[[0-9A-Fa-f:.]*+\]|[\w.%-]++")

# words that stand where a value would in prose and help texts ("KEY=value")
_NOT_VALUES = frozenset({
    "value", "values", "true", "false", "yes", "no", "on", "off",
    # the words of error messages about a key (compose: "POSTGRES_PASSWORD: required
    # variable POSTGRES_PASSWORD is missing a value"), never a value themselves
    "required", "missing", "invalid", "unset", "undefined", "empty", "expected",
    "must", "should", "cannot", "not", "is", "to",
})  # fmt: skip

_remembered: set[str] = set()
_lock = threading.Lock()


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
    if value.startswith(_KNOWN_PREFIXES) or _mask_urls(value) != value:
        return True
    if _PATH_LIKE.fullmatch(value):  # image references, paths, hosts
        return False
    return _scan(value, remembered=False) != value


def remember(value: str | None) -> None:
    """Mask ``value`` wherever it appears in text :func:`mask_text` sees from now on.

    Called with the values of secret keys of the env files a command reads, so a
    secret shows as ``********`` even in output dockyard did not format itself
    (compose's rendered configuration, a failed command's stderr). Placeholders and
    values shorter than 4 characters are not remembered (they would mask ordinary
    words).
    """
    if value is None or len(value) < 4 or is_placeholder(value):
        return
    with _lock:
        _remembered.add(value)


def forget_all() -> None:
    """Forget every remembered value (tests; a long-lived process between projects)."""
    with _lock:
        _remembered.clear()


def mask(key: str, value: str | None) -> str:
    """``value`` fit to print: masked whole for secret keys, credentials cut out of it."""
    if value is None:
        return ""
    if is_secret_key(key) or value.startswith(_KNOWN_PREFIXES):
        return MASK if value else ""
    return mask_text(value)


def mask_text(text: str) -> str:
    """``text`` with every credential-shaped part replaced by ``********``."""
    if not text:
        return text
    return _scan(text, remembered=True)


def _scan(text: str, *, remembered: bool) -> str:
    if remembered and _remembered:
        with _lock:
            values = sorted(_remembered, key=len, reverse=True)
        for value in values:
            if value in text:
                text = text.replace(value, MASK)
    text = _PEM.sub(MASK, text)
    text = _mask_urls(text)
    text = _PAIR.sub(_mask_pair, text)
    text = _FLAG.sub(_mask_pair, text)
    text = _SCHEME_AUTH.sub(lambda m: f"{m['kind']}{m['sep']}{MASK}", text)
    text = _JWT.sub(MASK, text)
    text = _PREFIXED.sub(MASK, text)
    return _ENTROPIC.sub(_mask_entropic, text)


def _mask_urls(text: str) -> str:
    """Every URL of ``text`` with its userinfo masked; URLs may follow each other
    without a space (``redis://a:b@h1,redis://c:d@h2``)."""
    out: list[str] = []
    pos = 0
    while (match := _URL.search(text, pos)) is not None:
        end = match.end()
        rest = match["rest"]
        if text.startswith("://", end):  # the next URL's scheme ends this one
            cut = len(rest)
            while cut > 0 and (rest[cut - 1].isalnum() or rest[cut - 1] in "_+.-"):
                cut -= 1
            end -= len(rest) - cut
            rest = rest[:cut]
        out.append(text[pos : match.start()])
        out.append(_mask_url(match["scheme"], rest))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _mask_url(scheme: str, rest: str) -> str:
    at = _userinfo_end(rest)
    if at < 0:
        return f"{scheme}://{rest}"
    userinfo, after = rest[:at], rest[at:]
    user, colon, password = userinfo.partition(":")
    if colon:
        shown = f"{user}:{MASK}" if password and not is_placeholder(password) else userinfo
    elif _tokenish(user) and "/" not in user:
        shown = MASK
    else:
        shown = userinfo
    return f"{scheme}://{shown}{after}"


def _userinfo_end(rest: str) -> int:
    """Index of the ``@`` that ends the userinfo of ``rest``, or -1 when it has none.

    The last ``@`` followed by a host (name, IPv4 or ``[IPv6]``, an optional port,
    then the end or one of ``/?#,;)``): passwords may hold ``@`` and ``/``, hosts not.
    """
    at = rest.rfind("@")
    while at >= 0:
        host = _HOST.match(rest, at + 1)
        end = host.end() if host else at + 1
        if end < len(rest) and rest[end] == ":":
            end += 1
            while end < len(rest) and rest[end].isdigit():
                end += 1
        if host and (end == len(rest) or rest[end] in "/?#,;)]}"):
            return at
        at = rest.rfind("@", 0, at)
    return -1


def _mask_pair(match: re.Match[str]) -> str:
    key, value = match["key"], match["value"]
    bare = key.lstrip("-_.")
    inner = value.strip("\"'")
    if not is_secret_key(bare) or is_placeholder(inner) or inner.lower() in _NOT_VALUES:
        return match[0]
    if match["sep"].startswith('"') and value[0] not in "\"'":
        return match[0]  # a JSON number, boolean or null: JSON strings are quoted
    if value[0] in "\"'" and len(value) >= 2 and value[-1] == value[0]:
        shown = f"{value[0]}{MASK}{value[0]}"
    else:
        shown = MASK
    return f"{key}{match['sep']}{shown}"


def _mask_entropic(match: re.Match[str]) -> str:
    word = match[0]
    return MASK if _random_looking(word) else word


def _tokenish(user: str) -> bool:
    """A URL user that is a credential rather than a name (postgres, git, admin)."""
    if user.startswith(_KNOWN_PREFIXES):
        return True
    letters = any(c.isalpha() for c in user)
    digits = any(c.isdigit() for c in user)
    return len(user) >= 16 or (len(user) >= 8 and letters and digits)


def _random_looking(word: str) -> bool:
    """Upper and lower case letters and digits, and a high character entropy."""
    return (
        any(c.isupper() for c in word)
        and any(c.islower() for c in word)
        and any(c.isdigit() for c in word)
        and _entropy(word) >= 3.5
    )


def _entropy(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())
