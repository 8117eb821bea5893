"""Open a MongoDB client that fails fast, with messages that never show a password."""
from __future__ import annotations

import logging
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import ConfigurationError, OperationFailure, PyMongoError

from newsbot.redact import redact_text, redact_uri

logger = logging.getLogger(__name__)


class MongoConnectError(RuntimeError):
    """MONGO_URI is malformed, or the server cannot be reached or refuses us."""


def describe(error: BaseException, uri: str | None) -> str:
    """``error`` as one short line with any credential of ``uri`` masked.

    pymongo's server-selection errors end with a long topology dump; it is cut off.

    >>> describe(ValueError("x:1: refused, Timeout: 0.5s, Topology Description: <...>"), None)
    'ValueError: x:1: refused'
    """
    text = str(error).split(", Timeout: ", 1)[0].split(", Topology Description: ", 1)[0]
    return redact_text(f"{type(error).__name__}: {text}", uri)


async def connect(uri: str, timeout_ms: int = 5000, app_name: str = "newsbot") -> AsyncMongoClient[dict[str, Any]]:
    """A client whose server answered a ping within ``timeout_ms``.

    Raises :class:`MongoConnectError` with a clear message (URI redacted) otherwise.
    """
    shown = redact_uri(uri)
    try:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            uri,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=max(60_000, 6 * timeout_ms),
            appname=app_name,
        )
    except (ConfigurationError, ValueError, TypeError) as error:
        raise MongoConnectError(f"invalid MONGO_URI {shown}: {describe(error, uri)}") from None
    try:
        await client.admin.command("ping")
    except OperationFailure as error:
        await client.close()
        raise MongoConnectError(
            f"MongoDB at {shown} refused us (check the user and password): {describe(error, uri)}"
        ) from None
    except PyMongoError as error:
        await client.close()
        raise MongoConnectError(
            f"cannot reach MongoDB at {shown} within {timeout_ms} ms "
            f"(is the server running and MONGO_URI right?): {describe(error, uri)}"
        ) from None
    logger.info("connected to MongoDB at %s", shown)
    return client
