"""A forward proxy on 127.0.0.1 in front of the simulated web, as corporate networks have.

It speaks what curl, requests and aiohttp send through ``HTTP(S)_PROXY``: ``CONNECT
host:port`` for HTTPS (answered ``200 Connection established``, then bytes are relayed
to the sim's listener for that host) and absolute-form requests (``GET http://host/path``)
for plain HTTP. Hosts are resolved with the sim's own resolver, so the proxy reaches
nothing but the sim's loopback ports. ``mode="refuse"`` answers every request 403, as a
proxy that does not let the runner out.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

_HEAD_LIMIT = 64 * 1024


@dataclass
class ProxyRecord:
    method: str
    target: str  # host:port for CONNECT, the absolute URL otherwise
    status: int


class Resolves(Protocol):
    """What the proxy needs of the sim (``SimWeb``, which imports this module)."""

    def resolve(self, host: str, port: int) -> tuple[str, int]: ...


@dataclass
class SimProxy:
    """``await web.proxy()`` starts one; ``.url`` goes into ``HTTPS_PROXY``."""

    web: Resolves
    mode: str = "forward"  # forward | refuse
    log: list[ProxyRecord] = field(default_factory=list)
    _server: asyncio.base_events.Server | None = None
    _sock: socket.socket | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def port(self) -> int:
        assert self._sock is not None, "SimProxy not started"
        return int(self._sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._sock = sock
        self._server = await asyncio.start_server(self._serve, sock=sock)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._server = None

    def hosts(self) -> list[str]:
        """Host names requested through the proxy, in order."""
        names = []
        for r in self.log:
            target = r.target if r.method == "CONNECT" else (urlsplit(r.target).netloc or "")
            names.append(target.rsplit(":", 1)[0].lower())
        return names

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._one(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _HEAD_LIMIT:
            return
        request_line, _, rest = head.partition(b"\r\n")
        method, target, version = request_line.decode("latin-1").split(" ", 2)
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            port_number = int(port or 443)
        else:
            parts = urlsplit(target)
            host, port_number = parts.hostname or "", parts.port or 80
        upstream = self._upstream(host, port_number)
        connection = None
        if self.mode != "refuse" and upstream is not None:
            with contextlib.suppress(OSError):
                connection = await asyncio.open_connection(*upstream)
        if connection is None:
            status, reason = (403, "Forbidden") if self.mode == "refuse" else (502, "Bad Gateway")
            self.log.append(ProxyRecord(method, target, status))
            answer = f"{version} {status} {reason}\r\nContent-Length: 0\r\nConnection: close"
            writer.write(answer.encode() + b"\r\n\r\n")
            await writer.drain()
            return
        up_reader, up_writer = connection
        self.log.append(ProxyRecord(method, target, 200))
        if method == "CONNECT":
            writer.write(f"{version} 200 Connection established\r\n\r\n".encode())
            await writer.drain()
        else:  # origin-form upstream; one request per connection keeps the relay simple
            parts = urlsplit(target)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            headers = [
                line
                for line in rest.split(b"\r\n")
                if line and not line.lower().startswith((b"connection:", b"proxy-"))
            ]
            up_writer.write(
                f"{method} {path} {version}\r\n".encode()
                + b"\r\n".join([*headers, b"Connection: close"])
                + b"\r\n\r\n"
            )
        await asyncio.gather(_relay(reader, up_writer), _relay(up_reader, writer))

    def _upstream(self, host: str, port: int) -> tuple[str, int] | None:
        """Where the sim serves ``host:port`` (only ever a sim loopback port), or None."""
        try:
            address, real_port = self.web.resolve(host, port)
        except OSError:
            return None
        return (address, real_port) if address == "127.0.0.1" else None


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(64 * 1024):
            writer.write(chunk)
            await writer.drain()
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
