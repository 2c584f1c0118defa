#!/usr/bin/env python3
# sharkfin-relay: a deliberately misbehaving WebSocket server for WebSocketTests.
# SPDX-License-Identifier: Apache-2.0
"""Completes the opening handshake by hand, then sends whatever bytes the request path
names, and reports what the client sends back. Listens on 127.0.0.1, port 0, and prints
`PORT <n>` once ready.

Paths:
  /raw/<hex>   after the 101, send the hex-decoded bytes, then read the client's frames
  /silent      after the 101, read and ignore everything, never answer, never close
  /stall       accept TCP, read the request, never answer it
For every frame the client sends: `FRAME <path> <opcode> <masked 0|1> <payload hex>`;
for its close frame also `CLOSE <path> <code or none>`. After the client's close frame the
server answers with a close frame of its own and closes TCP, as RFC 6455 §7.1.1 wants.
"""
import asyncio
import base64
import hashlib
import os
import sys
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def report(*parts):
    print(*parts, flush=True)


async def read_frame(reader):
    head = await reader.readexactly(2)
    opcode = head[0] & 0x0F
    masked = head[1] & 0x80 != 0
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    key = await reader.readexactly(4) if masked else b"\0\0\0\0"
    data = bytearray(await reader.readexactly(length))
    for i in range(length):
        data[i] ^= key[i % 4]
    return opcode, masked, bytes(data)


async def handle(reader, writer):
    path = "?"
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1]
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if path == "/stall":
            await reader.read()
            return
        accept = base64.b64encode(
            hashlib.sha1((headers["sec-websocket-key"] + GUID).encode()).digest()).decode()
        writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
        if path.startswith("/raw/"):
            writer.write(bytes.fromhex(path[len("/raw/"):]))
        await writer.drain()
        if path == "/silent":
            while await reader.read(65536):
                pass
            return
        while True:
            opcode, masked, payload = await read_frame(reader)
            report("FRAME", path, opcode, int(masked), payload.hex())
            if opcode == 8:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else "none"
                report("CLOSE", path, code)
                writer.write(b"\x88\x02" + payload[:2] if len(payload) >= 2 else b"\x88\x00")
                await writer.drain()
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        report("EOF", path)
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    report("PORT", server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


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
