"""Password hashes for `dashboard.auth.users`: the stdlib's scrypt, compared in constant time.

The stored form is `scrypt$N$r$p$<salt>$<key>` (salt and key in unpadded base64url), so a
hash says how it was made and old hashes keep working if the defaults grow.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1  # ~16 MiB and ~50 ms per check: slow for guessing, fine for a login
KEY_BYTES = 32
_MAX_N = 2**20  # refuse hashes that would make one login cost more than ~1 GiB


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=128 * n * r * p + 2**20)


def hash_password(password: str) -> str:
    """A new salted hash of `password`, to paste into ronde.yaml."""
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, N, R, P, KEY_BYTES)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(key)}"


def hash_problem(encoded: str) -> str | None:
    """Why `encoded` is not a hash this module can check (None when it is)."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return "not a password hash (expected scrypt$N$r$p$salt$key, as printed by " \
               "`ronde dashboard hash-password`)"
    n, r, p = parts[1:4]
    if not (n.isdigit() and r.isdigit() and p.isdigit()):
        return "N, r and p of the hash must be integers"
    if int(n) < 2**10 or int(n) > _MAX_N or int(n) & (int(n) - 1) or not (
        1 <= int(r) <= 32 and 1 <= int(p) <= 16
    ):
        return "hash parameters out of range (expected N a power of two from 1024 to 2^20)"
    try:
        salt, key = _unb64(parts[4]), _unb64(parts[5])
    except ValueError:
        return "salt or key of the hash is not base64url"
    if len(salt) < 8 or len(key) < 16:
        return "salt or key of the hash is too short"
    return None


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches `encoded`; constant-time on the derived key."""
    if hash_problem(encoded) is not None:
        return False
    _, n, r, p, salt, key = encoded.split("$")
    expected = _unb64(key)
    derived = _scrypt(password, _unb64(salt), int(n), int(r), int(p), len(expected))
    return hmac.compare_digest(derived, expected)


@functools.cache
def _dummy() -> str:
    return hash_password(secrets.token_urlsafe(12))


def burn_time(password: str) -> None:
    """Spend what one check costs, so an unknown user name answers as slowly as a known one."""
    verify_password(password, _dummy())
