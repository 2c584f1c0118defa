// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import SharkfinClient

/// An in-process DevServer with four users, and clients for them.
///
/// `alice` should connect (or register) first: the first identity becomes admin.
struct DevServerHarness {
    static let users = [
        DevUser(name: "alice", apiKey: "key-alice"),
        DevUser(name: "bob", apiKey: "key-bob"),
        DevUser(name: "carol", apiKey: "key-carol"),
        DevUser(name: "bot", apiKey: "key-bot", type: .service),
    ]

    let server: DevServer
    let port: UInt16

    static func start() async throws -> DevServerHarness {
        let server = DevServer(
            configuration: DevServer.Configuration(users: users),
            logger: .disabled
        )
        let port = try await server.start()
        return DevServerHarness(server: server, port: port)
    }

    func endpoint(_ user: String, key: String? = nil) throws -> SharkfinEndpoint {
        try SharkfinEndpoint(url: "ws://127.0.0.1:\(port)/ws", apiKey: key ?? "key-\(user)")
    }

    /// A client for `user` with short reconnect delays, not yet connected.
    func client(
        _ user: String,
        key: String? = nil,
        configure: (inout SharkfinClient.Options) -> Void = { _ in }
    ) throws -> SharkfinClient {
        var options = SharkfinClient.Options(
            requestTimeout: .seconds(5),
            backoff: Backoff.constant(.milliseconds(50))
        )
        configure(&options)
        return SharkfinClient(endpoint: try endpoint(user, key: key), options: options)
    }

    /// A connected client for `user`.
    func connected(
        _ user: String,
        configure: (inout SharkfinClient.Options) -> Void = { _ in }
    ) async throws -> SharkfinClient {
        let client = try client(user, configure: configure)
        try await client.connect()
        return client
    }

    func stop() async { await server.stop() }
}

/// Collects a client's events in the background so a test can wait for one that matches.
final class EventLog: Sendable {
    private final class Storage: Sendable {
        let events = Mutex<[SharkfinEvent]>([])
        let finished = Mutex(false)
    }

    private let storage = Storage()
    private let task: Task<Void, Never>

    init(_ client: SharkfinClient) {
        let stream = client.events
        let storage = self.storage
        task = Task {
            for await event in stream { storage.events.withLock { $0.append(event) } }
            storage.finished.withLock { $0 = true }
        }
    }

    deinit { task.cancel() }

    var all: [SharkfinEvent] { storage.events.withLock { $0 } }

    /// Whether the sequence has ended.
    var isFinished: Bool { storage.finished.withLock { $0 } }

    /// Waits (at most 10 s) for an event that `match` maps to a value, and returns it.
    @discardableResult
    func first<T: Sendable>(
        _ what: String,
        where match: @escaping @Sendable (SharkfinEvent) -> T?
    ) async throws -> T {
        let storage = self.storage
        let found = FoundValue<T>()
        try await waitUntil(what) {
            let value = storage.events.withLock { $0.lazy.compactMap(match).first }
            found.value.withLock { $0 = value }
            return value != nil
        }
        return found.value.withLock { $0! }
    }

    private final class FoundValue<T: Sendable>: Sendable {
        let value = Mutex<T?>(nil)
    }
}

/// Matchers for `EventLog.first`.
extension SharkfinEvent {
    var messageNew: MessageEvent? {
        if case .messageNew(let message) = self { return message }
        return nil
    }

    var presence: PresenceEvent? {
        if case .presence(let presence) = self { return presence }
        return nil
    }

    var isDisconnected: Bool {
        if case .disconnected = self { return true }
        return false
    }

    var isReconnected: Bool {
        if case .reconnected = self { return true }
        return false
    }

    var reconnectFailure: SharkfinError? {
        if case .reconnectFailed(let error) = self { return error }
        return nil
    }
}

/// Runs `body` expecting a `SharkfinError`, and returns it (records an issue otherwise).
func expectSharkfinError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> SharkfinError? {
    do {
        try await body()
        Issue.record("expected a SharkfinError", sourceLocation: sourceLocation)
        return nil
    } catch let error as SharkfinError {
        return error
    } catch {
        Issue.record("expected a SharkfinError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
