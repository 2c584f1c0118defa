#!/usr/bin/env python3
# sharkfin-relay: a strict, independent WebSocket peer for WebSocketTests.
# SPDX-License-Identifier: Apache-2.0
"""Echo server on the `websockets` library, the independent implementation our client is
tested against. Listens on 127.0.0.1, port 0, and prints `PORT <n>` once ready.

Paths:
  /echo       echo every message back, same type
  /headers    send the request's Authorization header as a text message, then echo
  /ping       ping the client with payload b"are you there", report the pong, then echo
  /close      close at once with 4001 "server says bye"
  /drop       close the TCP connection without a close frame after the first message
  /reject     refuse the upgrade: 401 with a JSON body
Every connection's end is printed as `CLOSED <path> <code> <reason>` (the code the client
sent, as the library saw it).
"""
import asyncio
import http
import os
import sys
import threading

from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response


def report(*parts):
    print(*parts, flush=True)


def process_request(connection, request):
    if request.path == "/reject":
        body = b'{"error":"auth: invalid token"}'
        headers = Headers([("Content-Type", "application/json"),
                           ("Content-Length", str(len(body)))])
        return Response(http.HTTPStatus.UNAUTHORIZED, "Unauthorized", headers, body)
    return None


async def handler(ws):
    path = ws.request.path
    try:
        if path == "/headers":
            await ws.send(ws.request.headers.get("Authorization", "<none>"))
        elif path == "/ping":
            pong_waiter = await ws.ping(b"are you there")
            await asyncio.wait_for(pong_waiter, 5)
            await ws.send("pong received")
        elif path == "/close":
            await ws.close(4001, "server says bye")
            return
        elif path == "/drop":
            await ws.recv()
            ws.transport.abort()
            return
        async for message in ws:
            await ws.send(message)
    except ConnectionClosed:
        pass
    finally:
        code = ws.close_code if ws.close_code is not None else "none"
        report("CLOSED", path, code, ws.close_reason or "")


async def main():
    async with serve(handler, "127.0.0.1", 0, process_request=process_request,
                     max_size=2 ** 24, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        report("PORT", port)
        await asyncio.get_running_loop().create_future()


def exit_when_stdin_closes():
    """The test closes our standard input to stop us; we never outlive it."""
    def watch():
        sys.stdin.buffer.read()
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    exit_when_stdin_closes()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
