// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import Foundation
import JSON
import Logging
import SocketIO

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An in-process dev server on a free port plus an event loop for test clients.
struct ServerHarness {
    let server: DevServer
    let port: UInt16
    let loop: EventLoop
    var users: [DevUser] { server.configuration.users }

    /// Starts a server; `body` runs with it, and everything is torn down afterwards.
    static func with<T>(
        _ configuration: DevServer.Configuration = .init(provisionsUsersAtStart: true),
        _ body: (ServerHarness) async throws -> T
    ) async throws -> T {
        let server = DevServer(configuration: configuration, logger: .disabled)
        let port = try await server.start()
        let loop = try EventLoop(name: "test-clients")
        let harness = ServerHarness(server: server, port: port, loop: loop)
        do {
            let result = try await body(harness)
            await server.stop()
            loop.shutdown()
            return result
        } catch {
            await server.stop()
            loop.shutdown()
            throw error
        }
    }

    /// Opens a WebSocket as `user` (by name; its key from the configuration).
    func connect(
        _ user: String,
        path: String = "/ws"
    ) async throws -> TestWebSocketClient {
        let key = users.first { $0.name == user }?.apiKey
        return try await TestWebSocketClient.connect(
            port: port,
            path: path,
            apiKey: key,
            on: loop
        )
    }

    /// One HTTP request on a fresh connection; returns status and body.
    func http(
        _ method: String,
        _ target: String,
        headers: [String: String] = [:],
        body: String = ""
    ) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(target)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if !body.isEmpty { request.httpBody = Data(body.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return (status, String(decoding: data, as: UTF8.self))
    }
}

extension TestWebSocketClient {
    /// Sends a request and returns the next text frame that carries `ref`.
    func request(_ frame: String, ref: String) async throws -> JSONValue {
        send(frame)
        while true {
            let text = try await nextText()
            let value = try JSONValue(parsing: Array(text.utf8))
            if value["ref"]?.stringValue == ref { return value }
        }
    }

    /// The next text frame parsed.
    func nextJSON(timeout: Duration = .seconds(5)) async throws -> JSONValue {
        try JSONValue(parsing: Array(try await nextText(timeout: timeout).utf8))
    }

    /// `nil` when no text frame arrives within `timeout` (pings are skipped).
    func textOrNil(within timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            switch await nextOrNil(timeout: deadline - ContinuousClock.now) {
            case .text(let text)?: return text
            case .ping?: continue
            case let other?: return "\(other)"
            case nil: return nil
            }
        }
        return nil
    }
}
