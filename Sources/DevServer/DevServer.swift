// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO

/// A user the dev server's stand-in auth service knows: name, API key and type.
public struct DevUser: Sendable, Hashable {
    public var name: String
    /// Accepted as `Authorization: ApiKey-v1 <apiKey>`.
    public var apiKey: String
    public var type: IdentityType

    public init(name: String, apiKey: String, type: IdentityType = .user) {
        self.name = name
        self.apiKey = apiKey
        self.type = type
    }

    /// The users a dev server runs with when none are configured.
    public static let demoUsers = [
        DevUser(name: "alice", apiKey: "alice-key"), DevUser(name: "bob", apiKey: "bob-key"),
    ]
}

/// An in-memory server that behaves like Sharkfin on the wire: `/ws`, `/presence` and the
/// REST API, with Sharkfin's replies, pushes, keepalive and limits, plus fault injection
/// for tests.
///
/// Everything runs on one event loop thread the server owns, so requests are handled one
/// at a time in arrival order. Use it in-process:
///
///     let server = DevServer(configuration: .init(users: DevUser.demoUsers), logger: log)
///     let port = try await server.start()
///     defer { Task { await server.stop() } }
public final class DevServer: @unchecked Sendable {
    // Invariant: `core` and `loop` are set once in `start()` before any other use and
    // afterwards only read; the core's own state is touched only on its loop's thread.

    /// How a dev server is set up.
    public struct Configuration: Sendable {
        /// Known users; the first to authenticate becomes admin, as on a fresh server.
        public var users: [DevUser]
        public var listenHost: String
        /// 0 picks a free port; `start()` returns the one bound.
        public var port: UInt16
        /// Read deadline without pongs; pings go out every half of it. Default 20 s.
        public var presenceTimeout: Duration
        /// Frames a connection may have queued unwritten; more are dropped silently.
        public var outboundFrameLimit: Int
        /// Where to keep the chat state across restarts; `nil` keeps it in memory only.
        public var stateFile: String?
        /// Whether `/_dev/faults` accepts fault-injection commands over HTTP.
        public var enablesFaultControl: Bool
        /// The `version` reply.
        public var version: String
        /// Whether to provision every configured user at start, in order (the first
        /// becomes admin), as on a server whose database already knows them. Otherwise a
        /// user is provisioned on first authenticated use, as on a fresh server.
        public var provisionsUsersAtStart: Bool

        public init(
            users: [DevUser] = DevUser.demoUsers,
            listenHost: String = "127.0.0.1",
            port: UInt16 = 0,
            presenceTimeout: Duration = .seconds(20),
            outboundFrameLimit: Int = 256,
            stateFile: String? = nil,
            enablesFaultControl: Bool = false,
            version: String = "devserver",
            provisionsUsersAtStart: Bool = false
        ) {
            self.users = users
            self.listenHost = listenHost
            self.port = port
            self.presenceTimeout = presenceTimeout
            self.outboundFrameLimit = outboundFrameLimit
            self.stateFile = stateFile
            self.enablesFaultControl = enablesFaultControl
            self.version = version
            self.provisionsUsersAtStart = provisionsUsersAtStart
        }
    }

    public let configuration: Configuration
    private let logger: Logger
    private var loop: EventLoop?
    private var core: ChatServer?

    /// Fault injection: drop connections, stall replies, refuse connections, restart.
    public var faults: FaultControls { FaultControls(server: self) }

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Loads the state file (if any), binds and starts accepting.
    ///
    /// - Returns: the bound port.
    /// - Throws: `DevServerError` when the state file cannot be read or the address bound.
    public func start() async throws -> UInt16 {
        guard core == nil else { throw DevServerError.alreadyStarted }
        var store = try StateFile.load(configuration.stateFile)
        if configuration.provisionsUsersAtStart {
            for user in configuration.users {
                store.provision(username: user.name, type: user.type)
            }
        }
        let loop = try EventLoop(name: "devserver")
        let core = ChatServer(
            configuration: configuration,
            store: store,
            loop: loop,
            logger: logger
        )
        self.loop = loop
        self.core = core
        do {
            let box = LoopBound(value: core)
            let port = try await loop.submit { () throws -> UInt16 in try box.value.listen() }
            logger.debug("dev server listening", metadata: ["devserver.port": "\(port)"])
            return port
        } catch {
            loop.shutdown()
            throw error
        }
    }

    /// Stops listening, drops every connection (no close frames, as a stopping server
    /// does) and stops the loop. Idempotent.
    public func stop() async {
        guard let loop, let core else { return }
        let box = LoopBound(value: core)
        await loop.submit { box.value.shutdown() }
        loop.shutdown()
        self.loop = nil
    }

    /// Stores a message as `POST /api/v1/channels/{channel}/messages` does: no `/ws`
    /// pushes, only `/presence` pointers; no membership check, no mentions.
    ///
    /// - Parameter metadata: a JSON object text, stored re-encoded as Go does.
    /// - Returns: the message id.
    public func postMessageViaREST(
        channel: String,
        body: String,
        as username: String,
        threadID: Int64? = nil,
        metadata: String? = nil
    ) async throws -> Int64 {
        let core = try requireCore()
        let box = LoopBound(value: core)
        return try await core.loop.submit { () throws -> Int64 in
            try box.value.postViaREST(
                channel: channel,
                body: body,
                username: username,
                threadID: threadID,
                metadata: metadata
            )
        }
    }

    /// The port being listened on, `nil` before `start()`.
    public var port: UInt16? {
        get async {
            guard let core else { return nil }
            let box = LoopBound(value: core)
            return await core.loop.submit { box.value.boundPort }
        }
    }

    func requireCore() throws(DevServerError) -> ChatServer {
        guard let core, loop != nil else { throw .notRunning }
        return core
    }
}

/// Failures of the dev server itself (not protocol errors, which are `ChatError`).
public enum DevServerError: Error, Sendable, CustomStringConvertible {
    case notRunning
    /// `start()` was called on a server that was started before (even if stopped since);
    /// make a new `DevServer` instead.
    case alreadyStarted
    case stateFileUnreadable(path: String, reason: String)
    case stateFileUnwritable(path: String, reason: String)
    case restFailed(status: Int, body: String)

    public var description: String {
        switch self {
        case .notRunning: "the dev server is not running"
        case .alreadyStarted: "the dev server was already started"
        case .stateFileUnreadable(let path, let reason): "cannot read state file \(path): \(reason)"
        case .stateFileUnwritable(let path, let reason):
            "cannot write state file \(path): \(reason)"
        case .restFailed(let status, let body): "REST call failed with \(status): \(body)"
        }
    }
}
