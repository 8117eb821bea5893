"""Which MongoDB errors are worth retrying."""
from __future__ import annotations

from pymongo.errors import AutoReconnect, ConnectionFailure, OperationFailure

# Server error codes that mean "try again later", not "this write is wrong".
TRANSIENT_CODES = frozenset({
    6,      # HostUnreachable
    7,      # HostNotFound
    64,     # WriteConcernFailed
    89,     # NetworkTimeout
    91,     # ShutdownInProgress
    112,    # WriteConflict
    189,    # PrimarySteppedDown
    262,    # ExceededTimeLimit
    9001,   # SocketException
    10107,  # NotWritablePrimary
    11600,  # InterruptedAtShutdown
    11602,  # InterruptedDueToReplStateChange
    13435,  # NotPrimaryNoSecondaryOk
    13436,  # NotPrimaryOrSecondary
})
TRANSIENT_LABELS = ("RetryableWriteError", "TransientTransactionError")
DUPLICATE_KEY = 11000


def is_transient(error: BaseException) -> bool:
    """True for network trouble and for server errors that say "retry".

    AutoReconnect covers NetworkTimeout, ServerSelectionTimeoutError and NotPrimaryError.
    """
    if isinstance(error, (AutoReconnect, ConnectionFailure)):
        return True
    if isinstance(error, OperationFailure):
        if error.code in TRANSIENT_CODES:
            return True
        return any(error.has_error_label(label) for label in TRANSIENT_LABELS)
    return False


def code_is_transient(code: int | None) -> bool:
    return code in TRANSIENT_CODES

