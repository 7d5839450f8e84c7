"""Request dependencies: the service, and Bearer-key authentication with scopes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from .keys import KeyInfo
from .service import Service

__all__ = ["get_service", "admit", "require", "authenticate", "ServiceDep"]


async def get_service(request: Request) -> Service:
    """The process's :class:`Service` (async: a sync dependency would cost a thread hop)."""
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]


async def authenticate(service: Service, authorization: str | None) -> KeyInfo:
    """The key of an ``Authorization: Bearer KEY`` header; 401 when missing or unknown."""
    if not authorization:
        raise HTTPException(401, "an API key is required: Authorization: Bearer KEY",
                            headers={"WWW-Authenticate": "Bearer"})
    scheme, _, secret = authorization.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise HTTPException(401, "the Authorization header must be 'Bearer KEY'",
                            headers={"WWW-Authenticate": "Bearer"})
    if len(secret) > 200 or not secret.isascii():
        info = None
    else:
        info = service.keys.cached(secret) or await service.run(service.keys.verify, secret)
    if info is None:
        raise HTTPException(401, "unknown or revoked API key",
                            headers={"WWW-Authenticate": "Bearer"})
    return info


async def admit(request: Request, scopes: tuple[str, ...]) -> KeyInfo:
    """The request's key when it holds any of ``scopes`` (``admin`` holds all) and is under
    its rate limit; else 401, 403 or 429. A key that :class:`api.guard.RequestGuard`
    already verified (requests with a body) is not verified again."""
    service: Service = request.app.state.service
    info = request.scope.get("state", {}).get("key")
    if info is None:
        info = await authenticate(service, request.headers.get("authorization"))
    if not any(info.allows(s) for s in scopes):
        raise HTTPException(403, f"this key lacks the {' or '.join(scopes)} scope")
    wait = service.rate_limiter.take(info.id)
    if wait > 0:
        raise HTTPException(429, f"key {info.name!r} is over its rate limit of "
                                 f"{service.config.rate_limit_per_s:g} requests/s",
                            headers={"Retry-After": str(max(1, round(wait + 0.5)))})
    request.state.key_name = info.name
    return info  # type: ignore[no-any-return]


def require(*scopes: str) -> Any:
    """A dependency that admits keys holding any of ``scopes`` (:func:`admit`).

    It takes the request only (each sub-dependency costs FastAPI time on every call); the
    Bearer scheme is declared in the OpenAPI document by :func:`api.main.create_app`.
    """

    async def dep(request: Request) -> KeyInfo:
        return await admit(request, scopes)

    dep.__doc__ = f"Bearer key with scope {' or '.join(scopes)}"
    return Depends(dep)
