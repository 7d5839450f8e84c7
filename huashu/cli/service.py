"""``huashu serve`` and ``huashu keys create|list|revoke``."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from ..config import get_settings

__all__ = ["register"]

log = logging.getLogger("huashu.api")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    level = str(args.log_level or settings.log_level).lower()
    # Access lines carry method, path and status only: never headers, so never keys.
    uvicorn.run("api.main:create_app", factory=True, host=args.host, port=args.port,
                log_level=level, access_log=not args.no_access_log, loop="auto",
                http="auto", timeout_graceful_shutdown=10, proxy_headers=False)
    return 0


def _store() -> Any:
    from api.db import Database
    from api.keys import KeyStore

    return KeyStore(Database.from_settings(get_settings().service))


def cmd_keys_create(args: argparse.Namespace) -> int:
    try:
        secret, info = _store().create(args.name, args.scopes)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    out = sys.stdout
    out.write(f"created key {info.id} '{info.name}' with scopes {','.join(info.scopes)}; "
              "it is shown only now:\n")
    out.write(secret + "\n")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    keys = _store().list()
    out = sys.stdout
    out.write(f"{'id':>4}  {'prefix':<10}  {'name':<24}  {'scopes':<28}  {'created':<25}  "
              "revoked\n")
    for k in keys:
        out.write(f"{k.id:>4}  {k.prefix:<10}  {k.name[:24]:<24}  {','.join(k.scopes):<28}  "
                  f"{k.created_at[:25]:<25}  {k.revoked_at or '-'}\n")
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    try:
        done = _store().revoke(args.key)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    if not done:
        log.error("no active key with id, name or prefix %r", args.key)
        return 1
    for k in done:
        sys.stdout.write(f"revoked key {k.id} '{k.name}' ({k.prefix}…)\n")
    return 0


def register(sub: Any) -> None:
    """Add ``serve`` and ``keys`` to the ``huashu`` command."""
    s = sub.add_parser("serve", help="run the HTTP service")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    s.add_argument("--no-access-log", action="store_true", help="no per-request log lines")
    s.set_defaults(func=cmd_serve)

    k = sub.add_parser("keys", help="manage API keys of the service")
    ks = k.add_subparsers(dest="keys_command", required=True)
    c = ks.add_parser("create", help="create a key (printed once, as the last line)")
    c.add_argument("--name", required=True)
    c.add_argument("--scopes", required=True, help="comma-separated: check,upload,review,admin")
    c.set_defaults(func=cmd_keys_create)
    ls = ks.add_parser("list", help="list keys (never their secrets)")
    ls.set_defaults(func=cmd_keys_list)
    r = ks.add_parser("revoke", help="revoke a key by id, name or prefix")
    r.add_argument("key")
    r.set_defaults(func=cmd_keys_revoke)
