// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import Testing

/// The transcript replayed over real sockets with the project's own WebSocket client
/// (`WebSocketConnection` behind `TestWebSocketClient`) against an in-process dev server:
/// the same checks as the Python replay in `WireReplayTests`, from the other side.
@Suite struct SwiftWireReplayTests {
    /// Sessions that stay open to the end of the transcript; the rest close after their
    /// last event, and the server must echo close code 1000.
    static let longLived: Set<String> = ["alice", "bob", "carol", "bob/presence"]

    @Test func ourClientReplaysTheTranscriptWithoutDifferences() async throws {
        let configuration = DevServer.Configuration(
            users: WireReplayTests.transcriptUsers,
            version: "dev-6e44a7d",
            provisionsUsersAtStart: true
        )
        try await ServerHarness.with(configuration) { harness in
            let events = Transcript.events()
            var lastSeen: [String: Int] = [:]
            for (index, event) in events.enumerated() {
                if let session = Self.session(of: event) { lastSeen[session] = index }
            }
            var sockets: [String: TestWebSocketClient] = [:]
            var checks = 0
            replay: for (index, event) in events.enumerated() {
                switch event {
                case .connected(let session, let path):
                    // Section 18, keepalive, is covered by FaultTests with a short timeout.
                    if session == "carol" { break replay }
                    sockets[session] = try await harness.connect(
                        ProtocolReplayTests.user(of: session),
                        path: path
                    )
                case .send(let session, let frame):
                    try #require(sockets[session]).send(frame)
                case .receive(let session, let frame):
                    let actual = try await #require(sockets[session]).nextText(timeout: .seconds(3))
                    #expect(
                        Transcript.normalized(actual) == Transcript.normalized(frame),
                        "\(session) frame \(index)"
                    )
                    checks += 1
                case .http(let method, let target, let headers, let body):
                    guard
                        case .httpResponse(let status, let expected)? = events[(index + 1)...].first
                    else { continue }
                    let answer = try await harness.http(
                        method,
                        target,
                        headers: headers,
                        body: body
                    )
                    #expect(answer.status == status, "\(method) \(target)")
                    #expect(
                        Transcript.normalized(answer.body) == Transcript.normalized(expected),
                        "\(method) \(target)"
                    )
                    checks += 1
                case .httpResponse:
                    continue
                }
                if let session = Self.session(of: event), !Self.longLived.contains(session),
                    lastSeen[session] == index, let socket = sockets.removeValue(forKey: session)
                {
                    socket.sendClose()
                    #expect(try await socket.next() == .close(1000), "\(session) close echo")
                }
            }
            // Every check before any close: a closing session makes presence pushes.
            for (session, socket) in sockets {
                let extra = await socket.textOrNil(within: .milliseconds(500))
                #expect(extra == nil, "\(session): unexpected extra frame")
            }
            for socket in sockets.values { socket.sendClose() }
            #expect(checks > 100, "only \(checks) checks")
        }
    }

    /// The WebSocket session an event belongs to, if any.
    static func session(of event: TranscriptEvent) -> String? {
        switch event {
        case .connected(let session, _), .send(let session, _), .receive(let session, _):
            session
        case .http, .httpResponse:
            nil
        }
    }
}
