"""API keys: create (the key is shown once), verify, list, revoke. Only hashes are stored."""

from __future__ import annotations

import builtins
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from .db import Database
from .models import ApiKey, iso_utc, utcnow

__all__ = ["SCOPES", "KeyInfo", "KeyStore", "hash_key", "parse_scopes"]

SCOPES = ("check", "upload", "review", "admin")
_PREFIX = "hs_"


def hash_key(key: str) -> str:
    """SHA-256 of a key. Keys are 256-bit random tokens, so a fast hash is enough: there is
    nothing to brute-force that a slow hash (bcrypt, argon2) would protect."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def parse_scopes(text: str) -> tuple[str, ...]:
    """``"check,upload"`` → ``("check","upload")``; raises ValueError naming unknown scopes."""
    scopes = tuple(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ValueError(f"scopes must be a comma-separated subset of {','.join(SCOPES)}"
                         + (f"; unknown: {','.join(bad)}" if bad else ""))
    return scopes


@dataclass(frozen=True)
class KeyInfo:
    """A stored key, without its secret."""

    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: str
    revoked_at: str | None

    def allows(self, scope: str) -> bool:
        """``admin`` may do everything; other scopes only what they name."""
        return scope in self.scopes or "admin" in self.scopes

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "prefix": self.prefix,
                "scopes": list(self.scopes), "created_at": self.created_at,
                "revoked_at": self.revoked_at}


def _info(k: ApiKey) -> KeyInfo:
    return KeyInfo(id=k.id, name=k.name, prefix=k.prefix, scopes=tuple(k.scopes.split(",")),
                   created_at=iso_utc(k.created_at) or "",
                   revoked_at=iso_utc(k.revoked_at))


class KeyStore:
    """Keys in the database, with a short-lived cache of verified keys (``cache_s``)."""

    def __init__(self, db: Database, cache_s: float = 5.0) -> None:
        self.db = db
        self.cache_s = cache_s
        self._cache: dict[str, tuple[float, KeyInfo]] = {}

    def create(self, name: str, scopes: tuple[str, ...] | str) -> tuple[str, KeyInfo]:
        """A new key: returns ``(secret, info)``; the secret is not kept anywhere."""
        if isinstance(scopes, str):
            scopes = parse_scopes(scopes)
        else:
            scopes = parse_scopes(",".join(scopes))
        name = name.strip()
        if not name:
            raise ValueError("a key needs a name")
        secret = _PREFIX + secrets.token_urlsafe(32)
        with self.db.session() as s:
            taken = s.scalar(select(ApiKey.id).where(ApiKey.name == name[:200],
                                                     ApiKey.revoked_at.is_(None)))
            if taken is not None:
                raise ValueError(f"an active key is already named {name!r} (id {taken}): "
                                 "names are unique; revoke it first or choose another")
            row = ApiKey(name=name[:200], prefix=secret[:10], key_hash=hash_key(secret),
                         scopes=",".join(scopes), created_at=utcnow())
            s.add(row)
            s.flush()
            info = _info(row)
        return secret, info

    def list(self) -> list[KeyInfo]:
        with self.db.session() as s:
            return [_info(k) for k in s.scalars(select(ApiKey).order_by(ApiKey.id))]

    def revoke(self, ident: str) -> builtins.list[KeyInfo]:
        """Revoke the active key with id ``ident`` (or, when it is not a number, the one
        active key of that name or prefix); returns the keys revoked (none or one). A name
        or prefix that more than one active key has (names made before they were unique)
        raises ValueError listing their ids: such keys are revoked by id."""
        with self.db.session() as s:
            active = ApiKey.revoked_at.is_(None)
            if ident.isdigit():
                rows = list(s.scalars(select(ApiKey).where(ApiKey.id == int(ident), active)))
            else:
                rows = list(s.scalars(select(ApiKey).where(
                    or_(ApiKey.name == ident, ApiKey.prefix == ident), active)))
                if len(rows) > 1:
                    raise ValueError(f"{len(rows)} active keys are named or start {ident!r} "
                                     f"(ids {', '.join(str(r.id) for r in rows)}): revoke "
                                     "one by its id")
            for r in rows:
                r.revoked_at = utcnow()
            s.flush()
            out = [_info(r) for r in rows]
        self._cache.clear()
        return out

    def cached(self, secret: str) -> KeyInfo | None:
        """The key's info when it was verified less than ``cache_s`` ago (no I/O)."""
        hit = self._cache.get(hash_key(secret))
        if hit is not None and time.monotonic() - hit[0] < self.cache_s:
            return hit[1]
        return None

    def verify(self, secret: str) -> KeyInfo | None:
        """The key's info when it exists and is not revoked, else None."""
        h = hash_key(secret)
        now = time.monotonic()
        hit = self._cache.get(h)
        if hit is not None and now - hit[0] < self.cache_s:
            return hit[1]
        with self.db.session() as s:
            row = s.scalar(select(ApiKey).where(ApiKey.key_hash == h))
            info = _info(row) if row is not None and row.revoked_at is None else None
        if info is None:
            self._cache.pop(h, None)
            return None
        if len(self._cache) > 10000:
            self._cache.clear()
        self._cache[h] = (now, info)
        return info
