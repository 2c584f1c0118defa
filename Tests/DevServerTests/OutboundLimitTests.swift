// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import Synchronization
import TestSupport
import Testing
import WebSocket

@testable import DevServer

/// The outbound limit: text frames queued but not yet taken by the kernel are counted
/// exactly, and frames beyond the limit are dropped silently.
@Suite struct OutboundLimitTests {
    @Test func ledgerCountsAFrameUntilItsLastByteIsWritten() {
        #expect(OutboundFrameLedger.encodedSize(ofText: [UInt8](repeating: 0x61, count: 10)) == 12)
        #expect(
            OutboundFrameLedger.encodedSize(ofText: [UInt8](repeating: 0x61, count: 200)) == 204
        )
        #expect(
            OutboundFrameLedger.encodedSize(ofText: [UInt8](repeating: 0x61, count: 70_000))
                == 70_010
        )
        var ledger = OutboundFrameLedger()
        ledger.recordFrame(encodedSize: 12, streamEnd: 100)  // ends at 112
        // Handed over inside a delegate callback: not in the stream yet, so the stream's end
        // has not moved and the frame goes after the previous one.
        ledger.recordFrame(encodedSize: 12, streamEnd: 100)  // ends at 124
        // A pong (6 bytes) written in between moved the stream's end past 124.
        ledger.recordFrame(encodedSize: 12, streamEnd: 130)  // ends at 142
        #expect(ledger.unwrittenFrameCount(written: 0) == 3)
        #expect(ledger.unwrittenFrameCount(written: 111) == 3)
        #expect(ledger.unwrittenFrameCount(written: 112) == 2)
        #expect(ledger.unwrittenFrameCount(written: 141) == 1)
        #expect(ledger.unwrittenFrameCount(written: 142) == 0)
    }

    @Test func aClientThatStopsReadingLosesOnlyFramesBeyondTheLimit() async throws {
        let loop = try EventLoop(name: "outbound-limit")
        defer { loop.shutdown() }
        let fixture = SessionFixture(limit: 4)
        let reader = TextFrameCounter()
        let port = try await loop.submit { try fixture.listen(on: loop) }
        let client = try await TCPConnector.connect(
            host: "127.0.0.1",
            port: port,
            timeout: .seconds(5),
            on: loop
        )
        await loop.submit {
            client.start(delegate: reader)
            client.pauseReading()
        }
        try await waitUntil("the session", timeout: .seconds(5)) { fixture.isOpen }
        let fill = await loop.submit { fixture.fillUntilFramesDrop() }
        #expect(fill.dropped > 0)
        #expect(fill.unwritten == 4)
        #expect(fill.miscounted == 0, "unwritten count disagreed with the stream's bytes")
        #expect(fill.droppedBelowLimit == 0)
        await loop.submit { client.resumeReading() }
        try await waitUntil("every frame handed over", timeout: .seconds(20)) {
            reader.count >= fill.handedOver
        }
        #expect(reader.count == fill.handedOver)
        #expect(await loop.submit { fixture.unwrittenFrameCount } == 0)
        await loop.submit {
            fixture.close()
            client.close()
        }
    }
}

/// A `ClientSession` over a real accepted TCP connection, without HTTP. Loop-bound.
///
/// Unchecked Sendable: everything but `opened` is touched only on the loop.
private final class SessionFixture: @unchecked Sendable {
    struct Fill: Sendable {
        var handedOver = 0
        var dropped = 0
        var unwritten = 0
        /// Checks where the unwritten count did not match the stream's queued bytes.
        var miscounted = 0
        /// Frames dropped while fewer than `limit` were unwritten.
        var droppedBelowLimit = 0
    }

    static let payload = [UInt8](repeating: 0x61, count: 64 * 1024)

    let limit: Int
    private let opened = Atomic<Bool>(false)
    private var server: ChatServer?
    private var listener: Listener?
    private var stream: StreamConnection?
    private var session: ClientSession?

    init(limit: Int) { self.limit = limit }

    var isOpen: Bool { opened.load(ordering: .acquiring) }

    var unwrittenFrameCount: Int { session?.unwrittenFrameCount ?? -1 }

    func listen(on loop: EventLoop) throws -> UInt16 {
        let server = ChatServer(
            configuration: .init(outboundFrameLimit: limit),
            store: ChatStore(),
            loop: loop,
            logger: .disabled
        )
        self.server = server
        let listener = try Listener.tcp(on: loop)
        try listener.start { [self] stream in
            let webSocket = WebSocketConnection(
                acceptedOn: stream,
                leftover: [],
                configuration: WebSocketConfiguration(),
                logger: .disabled
            )
            let session = ClientSession(
                kind: .chat(notificationsOnly: false),
                username: "alice",
                webSocket: webSocket,
                stream: stream,
                server: server
            )
            self.stream = stream
            self.session = session
            session.start()
            opened.store(true, ordering: .releasing)
        }
        self.listener = listener
        return listener.port ?? 0
    }

    /// Sends 64 KiB frames until one is dropped (the kernel's buffers full and `limit`
    /// frames queued), checking the count against the stream's bytes before each send.
    func fillUntilFramesDrop() -> Fill {
        guard let session, let stream else { return Fill() }
        let frameSize = OutboundFrameLedger.encodedSize(ofText: Self.payload)
        var fill = Fill()
        for _ in 0..<4000 where fill.dropped < 3 {
            let unwritten = session.unwrittenFrameCount
            // With nothing but our frames on the wire, `unwritten` frames hold all the queued
            // bytes: more than `unwritten - 1` whole frames, at most `unwritten`.
            let pending = stream.pendingWriteBytes
            if pending > unwritten * frameSize || pending <= (unwritten - 1) * frameSize {
                if !(unwritten == 0 && pending == 0) { fill.miscounted += 1 }
            }
            let droppedBefore = session.droppedFrames
            session.send(Self.payload)
            if session.droppedFrames > droppedBefore {
                fill.dropped += 1
                if unwritten < limit { fill.droppedBelowLimit += 1 }
            } else {
                fill.handedOver += 1
            }
        }
        fill.unwritten = session.unwrittenFrameCount
        return fill
    }

    func close() {
        session?.abort()
        listener?.close()
    }
}

/// Counts the text frames a client reads. Loop-bound parser; the count is atomic.
private final class TextFrameCounter: StreamConnectionDelegate, @unchecked Sendable {
    // Invariant: `parser` is touched only on the connection's loop.
    private var parser = FrameParser(
        role: .client,
        maxFrameSize: 1 << 20,
        maxMessageSize: 1 << 20
    )
    private let counted = Atomic<Int>(0)

    var count: Int { counted.load(ordering: .acquiring) }

    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        parser.append(bytes)
        while case .frame(let frame) = parser.next() {
            if frame.opcode == .text { counted.add(1, ordering: .releasing) }
        }
    }

    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {}
}
