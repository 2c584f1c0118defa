// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

@testable import DevServer

/// Replays every request of the recorded transcript against the pure protocol layer and
/// compares each reply with the real server's, field by field and in key order (times,
/// random ids and database error texts aside).
@Suite struct ProtocolReplayTests {
    /// The transcript's identities; alice was provisioned first, so she is admin.
    static let identities: [(String, IdentityType)] = [
        ("alice", .user), ("admin", .user), ("agent1", .agent), ("bob", .user),
        ("bot", .service), ("carol", .user),
    ]

    /// Maps a transcript session name (`bob/notif`, `bob2`) to its user.
    static func user(of session: String) -> String {
        let base = session.split(separator: "/").first.map(String.init) ?? session
        return base == "bob2" ? "bob" : base
    }

    @Test func everyTranscriptReplyMatchesTheRealServer() throws {
        var store = ChatStore()
        for (name, type) in Self.identities { store.provision(username: name, type: type) }
        var online = Set<String>()
        var states: [String: String] = [:]
        let events = Transcript.events()
        var compared = 0
        let clock = Timestamp(microseconds: 1_796_312_056_000_000)

        for (index, event) in events.enumerated() {
            switch event {
            case .connected(let session, let path):
                if path == "/presence" {
                    online.insert(Self.user(of: session))
                } else {
                    states[Self.user(of: session)] = "idle"
                }

            case .send(let session, let frame):
                let user = Self.user(of: session)
                let identity = try #require(store.identity(named: user))
                let lookup = PresenceLookup(
                    isOnline: { online.contains($0) },
                    state: { states[$0] ?? "" }
                )
                let outcome = ChatProtocol.handle(
                    frame: Array(frame.utf8),
                    session: SessionContext(
                        identity: identity,
                        notificationsOnly: session.hasSuffix("/notif")
                    ),
                    store: &store,
                    presence: lookup,
                    version: "dev-6e44a7d",
                    now: clock
                )
                if case .stateChanged(let state)? = outcome.effect { states[user] = state }
                let expected = try #require(
                    Self.expectedReply(to: session, after: index, in: events),
                    "no recorded reply for \(frame)"
                )
                let actual = String(decoding: GoEncoding.goSerialized(outcome.reply), as: UTF8.self)
                #expect(
                    Transcript.normalized(actual) == Transcript.normalized(expected),
                    "request \(frame)"
                )
                compared += 1

            case .http(let method, let target, let headers, let body):
                let key = headers["Authorization"].map {
                    String($0.dropFirst("ApiKey-v1 key-".count))
                }
                let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
                let request = RESTRequest(
                    method: method,
                    path: parts[0],
                    query: parts.count > 1 ? parts[1] : "",
                    body: Array(body.utf8)
                )
                guard let user = key, let caller = store.identity(named: user)
                else { continue }
                let route = try RESTRoute.match(method: method, path: request.path).get()
                let response = route.handle(request, caller: caller, store: &store, now: clock)
                guard
                    case .httpResponse(let status, let expectedBody)? = events[(index + 1)...].first
                else {
                    Issue.record("no response after \(target)")
                    continue
                }
                #expect(response.status == status, "\(method) \(target)")
                let actualBody = String(decoding: response.body, as: UTF8.self)
                #expect(
                    Transcript.normalized(actualBody) == Transcript.normalized(expectedBody),
                    "\(method) \(target)"
                )
                compared += 1

            case .receive, .httpResponse:
                continue
            }
        }
        #expect(compared == 93)
    }

    /// The first reply, pong or error recorded for `session` after `index`.
    static func expectedReply(to session: String, after index: Int, in events: [TranscriptEvent])
        -> String?
    {
        for event in events[(index + 1)...] {
            guard case .receive(let who, let frame) = event, who == session else { continue }
            let type = (try? JSONValue(parsing: Array(frame.utf8)))?["type"]?.stringValue
            if type == "reply" || type == "pong" || type == "error" { return frame }
        }
        return nil
    }
}
