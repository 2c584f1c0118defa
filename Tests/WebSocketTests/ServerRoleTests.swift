// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import TestSupport
import Testing

@testable import WebSocket

/// Reads an upgrade request the way our devserver does, answers 101, then hands the stream
/// to the server-role `WebSocketConnection` (`replaceDelegate(webSocket.streamDelegate)`).
final class UpgradeHandler: StreamConnectionDelegate {
    private var parser = HTTPHeadParser()
    private let delegate: RecordingDelegate

    init(delegate: RecordingDelegate) { self.delegate = delegate }

    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        switch parser.append(bytes) {
        case .needMoreBytes:
            return
        case .invalid:
            connection.close()
        case .complete(let head, let leftover):
            guard let key = try? WebSocketUpgradeRequest(head: head).validatedKey(),
                let response = WebSocketServerHandshake.switchingProtocolsResponse(key: key)
            else {
                connection.write(
                    WebSocketServerHandshake.rejectionResponse(status: 400, reason: "Bad Request")
                )
                connection.closeAfterFlushing(timeout: .seconds(1))
                return
            }
            connection.write(response)
            let webSocket = WebSocketConnection(
                acceptedOn: connection,
                leftover: leftover,
                configuration: WebSocketConfiguration(),
                logger: .disabled
            )
            connection.replaceDelegate(webSocket.streamDelegate)
            webSocket.start(delegate: delegate)
        }
    }

    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {}
}

@Suite struct ServerRoleTests {
    static let client = """
        import asyncio, sys
        from websockets.asyncio.client import connect
        async def main():
            async with connect(sys.argv[1], max_size=2 ** 24) as ws:
                await ws.send("hello")
                print("TEXT", await ws.recv(), flush=True)
                await ws.send(b"\\x00\\x01\\xff")
                print("BINARY", (await ws.recv()).hex(), flush=True)
                big = bytes(range(256)) * 1000
                await ws.send(big)
                print("BIG", await ws.recv() == big, flush=True)
                pong = await ws.ping(b"xyz")
                await asyncio.wait_for(pong, 5)
                print("PONG", flush=True)
            print("CLOSED", ws.close_code, flush=True)
        asyncio.run(main())
        """

    @Test func servesAnIndependentClientAndClosesCleanly() async throws {
        let loop = try EventLoop(name: "ws-server-test")
        defer { loop.shutdown() }
        let delegate = RecordingDelegate(echoes: true)
        let port = try await loop.submit { () throws -> UInt16 in
            let listener = try Listener.tcp(on: loop)
            try listener.start { stream in
                stream.start(delegate: UpgradeHandler(delegate: delegate))
            }
            return listener.port ?? 0
        }
        let peer = try PythonPeer.run(
            program: Self.client,
            arguments: ["ws://127.0.0.1:\(port)/ws"]
        )
        defer { peer.stop() }
        try await withTimeout(.seconds(20)) {
            #expect(try await peer.waitForLine(prefix: "TEXT") == "TEXT hello")
            #expect(try await peer.waitForLine(prefix: "BINARY") == "BINARY 0001ff")
            #expect(try await peer.waitForLine(prefix: "BIG") == "BIG True")
            try await peer.waitForLine(prefix: "PONG")
            #expect(try await peer.waitForLine(prefix: "CLOSED") == "CLOSED 1000")
            let closure = try await delegate.closure()
            #expect(
                closure
                    == WebSocketClosure(
                        code: .normalClosure,
                        reason: "",
                        wasClean: true,
                        error: nil
                    )
            )
            #expect(try await peer.waitForExit() == 0)
        }
    }
}
