"""Reading settings from the environment, failing loudly on anything we cannot understand.

A typo in a deployment file must stop the process at start-up, not silently fall back to a
default (``CHARTER_DEBUG=ture`` is an error, not ``False``).
"""

import os
import re
import secrets
import urllib.parse
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(choices)}")
    return value


def env_secret(name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker secrets)."""
    path = env_str(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return env_str(name)


def imap_account(name: str, *, host: str, port: int, ssl: bool) -> dict:
    """One more IMAP account, named ``name``, from ``CHARTER_MAIL_IMAP_<NAME>_…``: its user
    (required) and password, its server (``host``, ``port`` and ``ssl``, the first account's, unless
    given), its folders and the division and team its mail goes to when no rule places it."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise ImproperlyConfigured(
            f"CHARTER_MAIL_IMAP_ACCOUNTS: {name!r} is not a name (letters, digits, _)"
        )
    prefix = f"CHARTER_MAIL_IMAP_{name.upper()}_"
    account = {
        "name": name.lower(),
        "host": env_str(prefix + "HOST", host),
        "ssl": env_bool(prefix + "SSL", ssl),
        "user": env_str(prefix + "USER", ""),
        "password": env_secret(prefix + "PASSWORD") or "",
        "folders": env_list(prefix + "FOLDERS", ["INBOX"]),
        "division": env_str(prefix + "DIVISION", ""),
        "team": env_str(prefix + "TEAM", ""),
    }
    # The first account's port goes with its encryption; the other encryption's usual port.
    usual = port if account["ssl"] == ssl else (993 if account["ssl"] else 143)
    account["port"] = env_int(prefix + "PORT", usual, minimum=1)
    for part in ("host", "user"):
        if not account[part]:
            raise ImproperlyConfigured(f"{prefix}{part.upper()} must be set")
    return account


#: The settings of the first IMAP account that ``INBOUND_IMAP_URL`` stands for.
IMAP_URL_PARTS = (
    "CHARTER_MAIL_IMAP_HOST",
    "CHARTER_MAIL_IMAP_PORT",
    "CHARTER_MAIL_IMAP_SSL",
    "CHARTER_MAIL_IMAP_USER",
    "CHARTER_MAIL_IMAP_PASSWORD",
    "CHARTER_MAIL_IMAP_PASSWORD_FILE",
    "CHARTER_MAIL_IMAP_FOLDERS",
)


def imap_url(name: str) -> dict | None:
    """The first IMAP account from the URL in ``NAME`` (or the file ``NAME_FILE`` names):
    ``imaps://user:password@host:993/INBOX`` (``imap://``: without TLS; the port 993 or 143
    when left out; user and password percent-encoded; the folders, comma-separated and
    percent-encoded, ``INBOX`` when left out) as ``host``, ``port``, ``ssl``, ``user``,
    ``password`` and ``folders``; ``None`` when unset. Refused when malformed, or when any of
    the ``CHARTER_MAIL_IMAP_…`` settings it stands for is set as well. The errors never show
    the password."""
    value = env_secret(name)
    if not value:
        return None
    given = [part for part in IMAP_URL_PARTS if env_str(part) is not None]
    if given:
        raise ImproperlyConfigured(
            f"{name} and {', '.join(given)} both name the first IMAP account: set one or the other"
        )
    shape = "like imaps://user:password@host:993/INBOX"
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} cannot be read ({exc}): write it {shape}") from None
    problem = ""
    if parts.scheme not in ("imap", "imaps"):
        problem = f"the scheme {parts.scheme!r} is not imap or imaps"
    elif not parts.hostname:
        problem = "it names no host"
    elif not parts.username:
        problem = "it names no user"
    elif parts.query or parts.fragment:
        problem = "it has a query or a fragment (? or #: percent-encode them in the password)"
    elif port == 0:
        problem = "its port is 0"
    if problem:
        raise ImproperlyConfigured(f"{name}: {problem}; write it {shape}")
    ssl = parts.scheme == "imaps"
    folders = [urllib.parse.unquote(folder).strip() for folder in parts.path.lstrip("/").split(",")]
    return {
        "host": parts.hostname,
        "port": port or (993 if ssl else 143),
        "ssl": ssl,
        "user": urllib.parse.unquote(parts.username),
        "password": urllib.parse.unquote(parts.password or ""),
        "folders": [folder for folder in folders if folder] or ["INBOX"],
    }


def local_secret_key(var_dir: Path) -> str:
    """The secret key of local mode: generated once into ``var/`` and kept there."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        tmp.chmod(0o600)
        # Two processes starting together must end up with the same key.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="utf-8").strip()
