"""Request dependencies: the service, and Bearer-key authentication with scopes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .keys import KeyInfo
from .service import Service

__all__ = ["get_service", "require", "authenticate", "ServiceDep"]

_bearer = HTTPBearer(auto_error=False, description="An API key from `huashu keys create`.")


def get_service(request: Request) -> Service:
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


def require(*scopes: str) -> Any:
    """A dependency that admits keys holding any of ``scopes`` (``admin`` holds all)."""

    async def dep(request: Request,
                  _cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
                  ) -> KeyInfo:
        service = get_service(request)
        info = await authenticate(service, request.headers.get("authorization"))
        if not any(info.allows(s) for s in scopes):
            raise HTTPException(403, f"this key lacks the {' or '.join(scopes)} scope")
        request.state.key_name = info.name
        return info

    return Depends(dep)
