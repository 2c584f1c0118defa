// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import TestSupport

/// A `wss://` peer in Python for one test: the `websockets` library behind Python's `ssl`
/// (an independent TLS and WebSocket implementation), or a hand-written server for the
/// closing cases the library does not produce, or a plain HTTP server.
///
/// Runs through `ManagedProcess` (posix_spawn) and exits when its stdin closes or the
/// test's handle goes away.
struct SecureWebSocketPeer {
    /// What the peer does with each connection.
    enum Mode: String {
        /// `websockets` over TLS: echo every message.
        case echo
        /// TLS, by hand: answer the upgrade, send Close 1000 "bye", read the client's
        /// Close, then drop TCP without a TLS close_notify.
        case closeThenDrop
        /// TLS, by hand: answer the upgrade, wait for the client's Close, answer it with
        /// Close 1000, then drop TCP without a TLS close_notify.
        case answerCloseThenDrop
        /// Plain TCP: answer whatever arrives with `HTTP/1.1 400 Bad Request`.
        case plainHTTP
    }

    let process: ManagedProcess
    let port: UInt16

    /// Starts the peer with `identity` (unused for `plainHTTP`) and waits for its port.
    static func start(
        _ mode: Mode,
        identity: TLSTestCertificates.Identity?
    ) async throws -> SecureWebSocketPeer {
        let process = try ManagedProcess(
            "/usr/bin/env",
            [
                "python3", "-W", "ignore", "-c", script, mode.rawValue,
                identity?.certificate ?? "-",
                identity?.key ?? "-",
            ],
            keepStandardInputOpen: true
        )
        let line = try await process.waitForLine(containing: "PORT ", timeout: .seconds(10))
        guard let port = UInt16(line.dropFirst(5)) else {
            throw TestTimeout(what: "a port in '\(line)'")
        }
        return SecureWebSocketPeer(process: process, port: port)
    }

    func stop() { process.closeStandardInput() }

    private static let script = """
        import asyncio, base64, hashlib, os, ssl, sys, threading

        def watch_parent():
            sys.stdin.read()
            os._exit(0)
        threading.Thread(target=watch_parent, daemon=True).start()

        mode, certificate, key = sys.argv[1], sys.argv[2], sys.argv[3]
        context = None
        if mode != "plainHTTP":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate, key)

        GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

        async def read_frame(reader):
            first, second = await reader.readexactly(2)
            length = second & 0x7F
            if length == 126:
                length = int.from_bytes(await reader.readexactly(2), "big")
            mask = await reader.readexactly(4) if second & 0x80 else b"\\0\\0\\0\\0"
            data = await reader.readexactly(length)
            return first & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data))

        def close_frame():
            payload = (1000).to_bytes(2, "big") + b"bye"
            return bytes([0x88, len(payload)]) + payload

        async def by_hand(reader, writer):
            try:
                head = await reader.readuntil(b"\\r\\n\\r\\n")
                lines = head.split(b"\\r\\n")
                client_key = next(line.split(b":", 1)[1].strip() for line in lines
                                  if line.lower().startswith(b"sec-websocket-key:"))
                accept = base64.b64encode(hashlib.sha1(client_key + GUID).digest())
                writer.write(b"HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\n"
                             b"Connection: Upgrade\\r\\nSec-WebSocket-Accept: " + accept
                             + b"\\r\\n\\r\\n")
                if mode == "closeThenDrop":
                    writer.write(close_frame())
                    await writer.drain()
                    while (await read_frame(reader))[0] != 8:
                        pass
                else:
                    await writer.drain()
                    while (await read_frame(reader))[0] != 8:
                        pass
                    writer.write(close_frame())
                    await writer.drain()
                print("DROPPED", flush=True)
                # abort(): the socket closes at once, without a TLS close_notify.
                writer.transport.abort()
            except Exception as error:
                print("peer:", type(error).__name__, error, file=sys.stderr, flush=True)
                writer.transport.abort()

        async def plain(reader, writer):
            await reader.read(4096)
            writer.write(b"HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\n"
                         b"Connection: close\\r\\n\\r\\n")
            await writer.drain()
            writer.close()

        async def echo(ws):
            print("OPENED", flush=True)
            async for message in ws:
                await ws.send(message)

        async def main():
            if mode == "echo":
                from websockets.asyncio.server import serve
                server = await serve(echo, "127.0.0.1", 0, ssl=context)
            elif mode == "plainHTTP":
                server = await asyncio.start_server(plain, "127.0.0.1", 0)
            else:
                server = await asyncio.start_server(by_hand, "127.0.0.1", 0, ssl=context)
            port = server.sockets[0].getsockname()[1]
            print("PORT", port, flush=True)
            await asyncio.Future()

        asyncio.run(main())
        """
}
