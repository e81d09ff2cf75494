"""Serving one of our MCP servers over streamable HTTP so that only its user can use it.

- A bearer token, new for each start: every request must carry `Authorization: Bearer TOKEN`
  (401 otherwise). It is printed once, and written (mode 0600, in a 0700 folder of the user's:
  `$XDG_RUNTIME_DIR/qwen-operator/mcp`, else `~/.local/state/qwen-operator/mcp`) under the
  address, where our own hub finds it and sends it; the file goes when the server stops.
- The Host header must name the bound address (or, on loopback, any loopback name) and an
  Origin header, if sent, the same: a web page that rebinds a name to 127.0.0.1 (or to the
  machine's address) is refused with 421/403, whatever the bind address. The SDK checks these
  headers only for the exact hosts 127.0.0.1/localhost/::1; here they are always set.
- A non-loopback address (0.0.0.0, a LAN address) is refused unless `allow_remote` is given,
  and then a warning says who can reach it. `[::1]:PORT` binds IPv6 loopback.
- SIGTERM stops the server within a few seconds (uvicorn's graceful stop, then a forced exit),
  even with a tool call still running in a worker thread.

The SDK's own auth hook (`token_verifier` with `AuthSettings`) is built for OAuth (it needs an
issuer URL and advertises resource metadata); a fixed token is checked here by a small ASGI
middleware in front of the SDK's app instead, compared in constant time.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import ipaddress
import logging
import os
import secrets
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

_log = logging.getLogger(__name__)
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class ExposureError(ValueError):
    """An address or token folder that would expose the server; the message names the fix."""


@dataclass(frozen=True)
class Address:
    host: str  # as the socket takes it: "127.0.0.1", "::1", "0.0.0.0"
    port: int

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def netloc(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.netloc}/mcp"


def parse_address(value: str, default_host: str = "127.0.0.1") -> Address:
    """HOST:PORT, [IPV6]:PORT or :PORT (loopback)."""
    host, _, port = value.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ExposureError(
            f"--http takes HOST:PORT (like 127.0.0.1:8765 or [::1]:8765), not {value!r}"
        )
    if host.startswith("[") != host.endswith("]"):
        raise ExposureError(f"--http: unbalanced brackets in {value!r}")
    return Address(host.strip("[]") or default_host, int(port))


def security_settings(address: Address) -> TransportSecuritySettings:
    """Host and Origin checks for this bind address, on every address."""
    names = {address.netloc}
    if address.loopback:
        names |= {f"{name}:{address.port}" for name in _LOOPBACK_NAMES}
    elif address.host in ("0.0.0.0", "::"):
        names |= {f"{name}:{address.port}" for name in _machine_names()}
    hosts = sorted(names)
    origins = [f"http://{host}" for host in hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


def _machine_names() -> set[str]:
    names = {socket.gethostname(), socket.getfqdn(), *_LOOPBACK_NAMES}
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None):
            host = str(info[4][0])
            names.add(f"[{host}]" if ":" in host else host)
    return names


def token_dir(environ: dict[str, str], home: Path) -> Path:
    """Where tokens of our servers are kept for this user (called at the edges)."""
    runtime = environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime else home / ".local" / "state"
    return base / "qwen-operator" / "mcp"


def default_token_dir() -> Path:
    return token_dir(dict(os.environ), Path.home())


def token_file(folder: Path, netloc: str) -> Path:
    return folder / (netloc.replace("[", "").replace("]", "").replace(":", "_") + ".token")


def read_token(folder: Path, url: str) -> str | None:
    """The token our server at `url` wrote, if there is one and it is kept privately."""
    netloc = urlsplit(url).netloc
    path = token_file(folder, netloc)
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            return None
        return path.read_text().strip() or None
    except OSError:
        return None


@contextlib.contextmanager
def written_token(folder: Path, netloc: str, token: str) -> Iterator[Path]:
    """The token written 0600 under the address, for as long as the server runs."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise ExposureError(
            f"{folder} must be a folder of yours that only you can open (chmod 700 {folder})"
        )
    path = token_file(folder, netloc)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            if path.read_text().strip() == token:  # not a later server's on the same address
                path.unlink()


class BearerToken:
    """ASGI middleware: HTTP requests without the right bearer token get 401."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app, self._expected = app, f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                response = Response(
                    "missing or wrong bearer token: send the Authorization header printed when "
                    "the server started",
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class HttpSettings:
    address: Address
    allow_remote: bool = False
    token: str | None = None  # a fresh one if None
    tokens: Path | None = None  # where our hub finds it; not written if None


def serve_http(server: MCPServer, settings: HttpSettings, say: Callable[[str], None]) -> None:
    """Run `server` at http://ADDRESS/mcp until SIGTERM or Ctrl-C."""
    import uvicorn

    address = settings.address
    if not address.loopback and not settings.allow_remote:
        raise ExposureError(
            f"{address.host} is not a loopback address: anyone who can reach it could use the "
            "server. Bind 127.0.0.1 (or [::1]), or pass --allow-remote to expose it on purpose"
        )
    if not address.loopback:
        reach = "reachable from other machines: only the token keeps them out"
        say(f"WARNING: serving on {address.netloc}, {reach}; traffic is not encrypted")
    token = settings.token or secrets.token_urlsafe(32)
    app: Any = server.streamable_http_app(
        streamable_http_path="/mcp",
        transport_security=security_settings(address),
        host=address.host,
    )
    config = uvicorn.Config(
        BearerToken(app, token),
        host=address.host,
        port=address.port,
        log_level=server.settings.log_level.lower(),
        timeout_graceful_shutdown=3,
    )
    with contextlib.ExitStack() as stack:
        where = ""
        if settings.tokens is not None:
            path = stack.enter_context(written_token(settings.tokens, address.netloc, token))
            where = f" (also in {path}, where our MCP hub reads it)"
        say(f"MCP server at {address.url}: send Authorization: Bearer {token}{where}")
        _Server(config, stack.close).run()
    _exit_if_a_call_still_runs()


class _Server:
    """uvicorn's server, and a promise on SIGTERM or Ctrl-C: if its graceful stop has not
    ended the process within `_FORCED_EXIT` seconds (a tool call still running in a worker
    thread holds it), the process ends anyway, after `cleanup`."""

    def __init__(self, config: Any, cleanup: Callable[[], None]) -> None:
        import uvicorn

        cleanup_then_exit = functools.partial(_exit_later, cleanup)

        class Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: Any) -> None:
                threading.Thread(target=cleanup_then_exit, daemon=True).start()
                super().handle_exit(sig, frame)

        self._server = Server(config)

    def run(self) -> None:
        self._server.run()


_FORCED_EXIT = 5.0


def _exit_later(cleanup: Callable[[], None]) -> None:
    time.sleep(_FORCED_EXIT)
    with contextlib.suppress(Exception):
        cleanup()
    logging.shutdown()
    os._exit(0)


def _exit_if_a_call_still_runs() -> None:
    """After the server stopped, a tool call stuck in a worker thread would keep the process
    alive (Python waits for such threads at exit): end it now instead."""
    busy = [t for t in threading.enumerate() if t is not threading.current_thread()]
    if any(thread.is_alive() and not thread.daemon for thread in busy):
        logging.shutdown()
        os._exit(0)
