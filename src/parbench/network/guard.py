"""Refuse every socket connection that would leave the machine.

Installed with the mock network in the main process and in each process worker, so
that a request the mock does not catch fails loudly instead of reaching the internet.
"""

from __future__ import annotations

import _socket
import ipaddress
import socket
from typing import Any

from parbench.errors import ParbenchError

# What ``install`` replaced, restored by ``uninstall``: guards nest with any wrapper that
# was there before (a test's own, for one).
_previous: tuple[Any, Any] | None = None
# What a guard left behind after ``uninstall`` passes to: the methods ``socket.socket``
# inherits. (Whoever saved the guarded methods while the guard was on, as a test's
# monkeypatch does, may put them back after it is off.)
_UNGUARDED = (_socket.socket.connect, _socket.socket.connect_ex)


class OutboundConnectionRefused(ParbenchError, ConnectionRefusedError):
    """A connection to an address off this machine was attempted while it was forbidden."""


def is_local(address: Any) -> bool:
    """Whether a socket address stays on this machine (loopback, ``localhost`` or a path)."""
    if not isinstance(address, tuple):
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _refuse_remote(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address):
        raise OutboundConnectionRefused(
            f"refused a connection to {address!r}: the network is mocked, and no "
            "connection may leave this machine (use --parbench-network=live for real sockets)"
        )


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if _previous is None:
        return _UNGUARDED[0](self, address)
    _refuse_remote(self, address)
    return _previous[0](self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if _previous is None:
        return _UNGUARDED[1](self, address)
    _refuse_remote(self, address)
    return _previous[1](self, address)


def _unguarded(method: Any, guarded: Any, fallback: Any) -> Any:
    """``method``, or where it is a guard left behind, what that guard passes to."""
    return fallback if method is guarded else method


def install() -> None:
    """Refuse remote connections in this process until ``uninstall``; a no-op if installed."""
    global _previous
    if not installed():
        _previous = (
            _unguarded(socket.socket.connect, _guarded_connect, _UNGUARDED[0]),
            _unguarded(socket.socket.connect_ex, _guarded_connect_ex, _UNGUARDED[1]),
        )
        # Replacing the class's methods is the point: every socket, whoever made it.
        socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    """Put back the connect methods that ``install`` replaced."""
    global _previous
    if installed() and _previous is not None:
        socket.socket.connect, socket.socket.connect_ex = _previous  # type: ignore[method-assign]
        _previous = None


def installed() -> bool:
    """Whether this process refuses remote connections."""
    return _previous is not None and socket.socket.connect is _guarded_connect
