"""The one masking function: every string that leaves the process goes through :func:`mask`.

Console lines, log records, ``run.json``, executed notebooks (papermill's injected-parameters
cell and metadata included), HTML pages, exceptions' text and history rows are masked here and
nowhere else. What is masked (replaced by ``***``):

* the password of a URI with user info (``postgresql://user:PW@host``): ``user:***@``; for an
  ``s3://`` URI the whole user info (``s3://KEY:SECRET@bucket`` -> ``s3://***@bucket``, the key
  id being half of the credential);
* secret query-string and ``key=value`` parameters (``?password=``, ``&sslpassword=``,
  ``X-Amz-Signature``, ``X-Amz-Credential``, ``X-Amz-Security-Token``, ``token``, ``secret``...),
  in URLs and in libpq connection strings (``host=h password=PW``);
* AWS access key ids (``AKIA...``, ``ASIA...``: 20 characters) and, as known values, the secret
  access key and session token of the environment;
* the values of ``PGPASSWORD``, ``NBA_RECON_DB_PASSWORD``, ``AWS_SECRET_ACCESS_KEY``,
  ``AWS_SESSION_TOKEN`` and the passwords of the database URLs in the environment, wherever
  they appear (raw, JSON-escaped or URL-encoded);
* values registered with :func:`register` (the pipeline registers every secret-named parameter
  and every URL password given with ``-p``);
* in a mapping, the value of every key whose NAME looks secret (password, secret, token,
  credential, api/access/private key, auth, signature).

Fails closed: a URL's password runs to the LAST ``@`` of the URL (so it may hold ``/``, ``@``,
``#``, ``?``, ``%``); ``scheme://user:TEXT`` whose TEXT is not a port, and which that rule could
not place (a space or quote in it), is masked up to the next ``@`` on the line or the end of the
word; every query parameter whose NAME looks secret (``api_key=``, ``access_token=``) is masked.
A path holding ``:...@`` is sometimes masked too: better a garbled path than a leaked password.

Shown text is also made honest (:func:`visible`): bidi controls (U+202E...) and control
characters are written as escapes, so a key cannot read backwards in a report or a console.

Pure and idempotent: ``mask(mask(x)) == mask(x)``; non-string scalars pass through.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from . import settings

REDACTED = "***"
#: environment variables whose values are secrets wherever they appear
#: (besides the package's own secret settings, ``settings.secret_values``)
SECRET_ENV = ("PGPASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID")
#: environment variables holding URLs whose passwords are secrets (besides ``settings.secret_urls``)
URL_ENV = ("DATABASE_URL",)
#: a known secret shorter than this is masked only where it is structurally a secret (URL
#: password, secret-named key), not in all text: masking "test" everywhere would garble output
MIN_KNOWN_LEN = 6

_SECRET_NAME = re.compile(
    r"pass(word|wd)?|pwd|secret|token|credential|api[_-]?key|access[_-]?key|private[_-]?key|"
    r"session[_-]?key|auth|signature|(^|_)key$",
    re.I,
)
# scheme://user:password@ -- failing closed: the password runs to the LAST '@' of the URL (it
# may hold '/', '@', '#', '?', '%': whatever sits between the first ':' and the last '@' is
# masked, at the cost of masking a path's ':...@' now and then)
_USERINFO = re.compile(
    r"(?P<scheme>\b[a-zA-Z][\w+.-]*://)(?P<user>[^:/@?#\s\"'<>]*):"
    r"(?P<pw>[^\s\"'<>]*)@"
)
# scheme://user:TEXT where TEXT is not a port: a password the pattern above could not place (a
# space or a quote in it): masked up to the next '@' on the line, else to the end of the word
_LOOSE_PW = re.compile(
    r"(?P<scheme>\b[a-zA-Z][\w+.-]*://)(?P<user>[^:/@?#\s\"'<>]+):"
    r"(?!\d*(?:[/?#\s\"'<>]|$)|\*\*\*(?:@|$))"
    r"(?P<pw>[^@\n]{1,200}?(?=@)|[^@\s\"'<>]+(?=[\s\"'<>]|$))"
)
# s3://ANYTHING@bucket: user info in a lake URI is a credential as a whole
_S3_USERINFO = re.compile(
    r"(?P<scheme>\bs3[an]?://)(?P<info>[^/@\s:\"'<>]*:[^\s\"'<>]*|"
    r"[^/@\s\"'<>]+)@",
    re.I,
)
_QUERY_NAMES = (
    r"password|passwd|pwd|sslpassword|secret|[\w-]*token|x-amz-signature|"
    r"x-amz-credential|x-amz-security-token|signature|aws_secret_access_key|"
    r"aws_session_token|sig"
)
_QUERY_SECRET = re.compile(rf"(?P<k>[?&;](?:{_QUERY_NAMES})=)[^&#\s\"'<>]*", re.I)
# any other query parameter whose NAME looks secret (api_key=, apikey=, access_token=, auth=...)
_QUERY_PARAM = re.compile(r"(?P<k>[?&;](?P<name>[\w.\[\]-]{1,64})=)(?P<v>[^&#\s\"'<>]*)")
# libpq conninfo: "host=h password=pw" (also PGPASSWORD=pw in a quoted command line)
_KV_SECRET = re.compile(
    rf"(?P<k>(?<![\w?&;/.-])(?:{_QUERY_NAMES}|pgpassword)=)"
    r"(?P<v>'[^'\n]*'|(?!\\)[^\s&,;'\"\\]+)",
    re.I,
)
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA|ANPA|AGPA)[A-Z0-9]{16}\b")

_registered: set[str] = set()
_lock = threading.Lock()


def is_secret_name(name: Any) -> bool:
    """Whether a parameter or field NAME says its value is a secret."""
    return bool(_SECRET_NAME.search(str(name)))


def register(*values: Any) -> None:
    """Remember secret values to mask wherever they appear from now on (this process)."""
    with _lock:
        for v in values:
            if isinstance(v, str) and v and v != REDACTED:
                _registered.add(v)


def register_params(params: Mapping[str, Any]) -> None:
    """Register the secrets held by parameters: secret-named values and URL passwords."""
    register(*secret_values(params))


def secret_values(params: Mapping[str, Any]) -> list[str]:
    """The secret strings held by ``params``: values of secret-named keys, URL passwords and
    the user info of ``s3://`` URIs (longest first)."""
    out: set[str] = set()

    def visit(name: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                visit(str(k), v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                visit(name, v)
        elif isinstance(value, str) and value:
            if is_secret_name(name) and value != REDACTED:
                out.add(value)
            out.update(_url_secrets(value))

    for k, v in params.items():
        visit(str(k), v)
    return sorted(out, key=len, reverse=True)


def _url_secrets(text: str) -> set[str]:
    out = set()
    for m in _USERINFO.finditer(text):
        if m["pw"] and m["pw"] != REDACTED:
            out.add(m["pw"])
    for m in _S3_USERINFO.finditer(text):
        if m["info"] != REDACTED:
            out.update(p for p in m["info"].split(":") if p and p != REDACTED)
    for m in _KV_SECRET.finditer(text):
        v = m["v"].strip("'")
        if v and v != REDACTED:
            out.add(v)
    for m in _QUERY_SECRET.finditer(text):
        v = m.group(0)[len(m["k"]) :]
        if v and v != REDACTED:
            out.add(v)
    for m in _QUERY_PARAM.finditer(text):
        if m["v"] and m["v"] != REDACTED and is_secret_name(m["name"]):
            out.add(m["v"])
    for m in _LOOSE_PW.finditer(text):
        out.add(m["pw"])
    return out


def known_secrets() -> list[str]:
    """Secret values to mask in any text: the environment's and the registered ones."""
    found = set(_registered)
    found.update(v for v in (os.environ.get(name) for name in SECRET_ENV) if v)
    found.update(settings.secret_values())
    for v in [*(os.environ.get(name) for name in URL_ENV), *settings.secret_urls()]:
        if v:
            found.update(_url_secrets(v))
    found.discard(REDACTED)
    return sorted(found, key=len, reverse=True)


def _forms(secret: str) -> set[str]:
    forms = {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret), repr(secret)[1:-1]}
    return {f for f in forms if len(f) >= MIN_KNOWN_LEN}


def _secrets(extra: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """The known secrets (with their escaped forms) to replace in text, longest first."""
    values = {*known_secrets(), *(s for s in extra if isinstance(s, str) and s)}
    values.discard(REDACTED)
    return tuple(
        tuple(sorted(_forms(s), key=len, reverse=True))
        for s in sorted(values, key=len, reverse=True)
        if len(s) >= MIN_KNOWN_LEN
    )


# characters that make shown text lie: bidi overrides/isolates/marks (a key with U+202E reads
# backwards) and control characters other than tab, newline, carriage return and ESC (ANSI
# colours of tracebacks); shown as \uXXXX / \xNN escapes
_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with bidi controls and control characters shown as escapes (``\u202e``)."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m[0]):04x}" if ord(m[0]) > 0xFF else f"\\x{ord(m[0]):02x}", text)


#: texts at least this long are masked once per (text, secrets): a notebook's outputs (its
#: images' base64 text above all) are masked again at every save of the notebook and its page
_LONG_TEXT = 4096


def _mask_text(text: str, secrets: tuple[tuple[str, ...], ...]) -> str:
    if not text:
        return text
    return _mask_long(text, secrets) if len(text) >= _LONG_TEXT else _mask_now(text, secrets)


@functools.lru_cache(maxsize=64)
def _mask_long(text: str, secrets: tuple[tuple[str, ...], ...]) -> str:
    return _mask_now(text, secrets)


def _mask_now(text: str, secrets: tuple[tuple[str, ...], ...]) -> str:
    text = visible(text)
    out = _S3_USERINFO.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)
    out = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@" if m["pw"] else m.group(0), out)
    out = _LOOSE_PW.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}", out)
    out = _QUERY_SECRET.sub(lambda m: f"{m['k']}{REDACTED}", out)
    out = _QUERY_PARAM.sub(lambda m: f"{m['k']}{REDACTED}" if m["v"] and is_secret_name(m["name"]) else m.group(0), out)
    out = _KV_SECRET.sub(lambda m: f"{m['k']}{REDACTED}" if m["v"] != REDACTED else m.group(0), out)
    out = _AWS_KEY_ID.sub(REDACTED, out)
    for forms in secrets:
        for form in forms:
            if form in out:
                out = out.replace(form, REDACTED)
    return out


def mask_text(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every secret masked (see the module docstring)."""
    return _mask_text(text, _secrets(extra)) if text else text


def mask(value: Any, extra: Iterable[str] = ()) -> Any:
    """``value`` safe to show or write down: strings masked, mappings and sequences recursively
    (values of secret-named keys replaced whole); a SQLAlchemy URL becomes its masked string;
    other values as they are."""
    return _mask(value, _secrets(extra))


def _mask(value: Any, secrets) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return _mask_text(value, secrets)
    if hasattr(value, "render_as_string") and hasattr(value, "drivername"):  # sqlalchemy URL
        return _mask_text(value.render_as_string(hide_password=True), secrets)
    if isinstance(value, Mapping):
        return {
            k: (
                REDACTED
                if is_secret_name(k) and isinstance(value[k], str) and value[k] not in ("", REDACTED)
                else _mask(value[k], secrets)
            )
            for k in value
        }
    if isinstance(value, (list, tuple)):
        return [_mask(v, secrets) for v in value]
    if isinstance(value, BaseException):
        return _mask_text(str(value), secrets)
    return value


def was_masked(value: Any) -> bool:
    """A value kept without its secret (``***``, or a URL whose password is ``***``): using it
    would send the mask as the password."""
    if value == REDACTED:
        return True
    if isinstance(value, (list, tuple)):
        return any(was_masked(v) for v in value)
    return isinstance(value, str) and (
        any(m["pw"] == REDACTED for m in _USERINFO.finditer(value))
        or any(m["info"] == REDACTED for m in _S3_USERINFO.finditer(value))
        or f"={REDACTED}" in value
        or any(m["pw"] == REDACTED for m in _LOOSE_PW.finditer(value))
        or bool(re.search(rf"://[^:/@?#\s]+:{re.escape(REDACTED)}(?:[\s/]|$)", value))
    )


def lake_credentials(uri: Any) -> bool:
    """Whether a lake URI carries credentials (``s3://KEY:SECRET@bucket``, ``s3://KEY@bucket``)."""
    return isinstance(uri, str) and bool(_S3_USERINFO.match(uri.strip()))


class MaskingStream:
    """A text stream that masks what is written to it (the console: stdout, stderr)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._stream.write(mask_text(text) if isinstance(text, str) else text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class MaskingFilter:
    """A logging filter masking each record's message (arguments merged in) and traceback."""

    def filter(self, record) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's to report
            return True
        record.msg, record.args = mask_text(msg), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True
