// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging
import SocketIO
import WebSocket

/// The dev server's loop-bound core: the chat store, the listener, HTTP connections and
/// the hub of WebSocket sessions with Sharkfin's fan-out rules.
///
/// Hub rules, as in the server's `hub.go` and `presence_handler.go`:
/// - the newest `/ws` session of a user takes that user's pushes; older ones still get
///   their replies, and when any of them closes the user no longer has a push target
///   unless the closing one was superseded;
/// - `message.new` goes to every push target that is a channel member, sender included;
/// - `presence` goes to every push target but its subject, on open (state reset to idle),
///   on close (offline) and on `set_state`;
/// - `/presence` sessions (newest per user) make a user online and receive pointers.
final class ChatServer {
    let configuration: DevServer.Configuration
    let loop: EventLoop
    let logger: Logger
    private(set) var store: ChatStore
    private var savedChangeCount: Int
    private var listener: Listener?
    private(set) var boundPort: UInt16?
    private var httpConnections: [UInt64: HTTPConnection] = [:]
    private var sessions: [ObjectIdentifier: ClientSession] = [:]
    private var pushTargets: [String: ClientSession] = [:]
    private var presenceTargets: [String: ClientSession] = [:]
    private var states: [String: String] = [:]
    private(set) var stallsReplies = false
    var refusal: ConnectionRefusal = .none

    init(
        configuration: DevServer.Configuration,
        store: ChatStore,
        loop: EventLoop,
        logger: Logger
    ) {
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.store = store
        self.savedChangeCount = store.changeCount
    }

    // MARK: Lifecycle

    /// Binds (the configured port, or the one bound before on restart) and accepts.
    func listen() throws -> UInt16 {
        let listener = try Listener.tcp(
            host: configuration.listenHost,
            port: boundPort ?? configuration.port,
            on: loop
        )
        let box = LoopBound(value: self)
        try listener.start { connection in box.value.accept(connection) }
        self.listener = listener
        boundPort = listener.port
        return listener.port ?? 0
    }

    /// Stops listening and drops every connection without close frames.
    func shutdown() {
        listener?.close()
        listener = nil
        dropAll(user: nil, includingHTTP: true)
    }

    /// In-process restart: drop every connection without close frames, keep the data, and
    /// go on accepting on the same port.
    ///
    /// The listening socket stays open, as it would across a restart under systemd socket
    /// activation. Closing and binding again would free the port for a moment, and with
    /// tests running in parallel another process can take it in that moment (then the
    /// bind fails with EADDRINUSE). Nothing is accepted while this runs on the loop, so
    /// every connection open before it ends and later ones are served afresh.
    func restart() throws {
        dropAll(user: nil, includingHTTP: true)
        logger.debug("dev server restarted", metadata: ["devserver.port": "\(boundPort ?? 0)"])
    }

    private func accept(_ connection: StreamConnection) {
        if refusal == .closeAfterAccept {
            connection.close()
            return
        }
        let http = HTTPConnection(connection: connection, server: self)
        httpConnections[connection.id] = http
        connection.start(delegate: http)
    }

    /// The connection closed, or upgraded to a WebSocket and left HTTP (its session is
    /// tracked from then on).
    func httpConnectionDidEnd(_ id: UInt64) {
        httpConnections[id] = nil
    }

    // MARK: Faults

    /// Drops the sessions of `user` (or all) with no close frame.
    func dropAll(user: String?, includingHTTP: Bool = false) {
        for session in sessions.values where user == nil || session.username == user {
            session.abort()
        }
        if includingHTTP {
            for connection in httpConnections.values { connection.abort() }
        }
    }

    func setStallsReplies(_ stalls: Bool) {
        stallsReplies = stalls
        if !stalls { sessions.values.forEach { $0.releaseHeldReplies() } }
    }

    // MARK: Authentication

    /// Checks `Authorization: ApiKey-v1 <key>` against the configured users.
    ///
    /// `Bearer` tokens are refused: the dev server has no JWT issuer to trust.
    func authenticate(_ header: String?) -> Result<DevUser, RESTFailureResponse> {
        guard let header, !header.isEmpty else {
            return .failure(
                RESTFailureResponse(.unauthorized("auth: missing Authorization header"))
            )
        }
        let scheme = "ApiKey-v1 "
        guard header.hasPrefix(scheme) else {
            return .failure(RESTFailureResponse(.unauthorized("auth: invalid token")))
        }
        let key = String(header.dropFirst(scheme.count))
        guard !key.isEmpty, let user = configuration.users.first(where: { $0.apiKey == key }) else {
            return .failure(RESTFailureResponse(.unauthorized("auth: invalid token")))
        }
        return .success(user)
    }

    /// Provisions the user's identity (as every authenticated REST call and `/ws` does).
    func provision(_ user: DevUser) -> Identity {
        let identity = store.provision(username: user.name, type: user.type)
        persistIfChanged()
        return identity
    }

    // MARK: Sessions

    /// Registers a freshly upgraded WebSocket on `stream` and starts it.
    func open(
        _ kind: ClientSession.Kind,
        user: DevUser,
        webSocket: WebSocketConnection,
        stream: StreamConnection
    ) {
        let session = ClientSession(
            kind: kind,
            username: user.name,
            webSocket: webSocket,
            stream: stream,
            server: self
        )
        sessions[ObjectIdentifier(session)] = session
        switch kind {
        case .chat:
            pushTargets[user.name] = session
            states[user.name] = "idle"
            broadcastPresence(user.name, online: true, state: "idle")
        case .presence:
            presenceTargets[user.name] = session
        }
        logger.debug(
            "websocket session opened",
            metadata: [
                "devserver.user": user.name, "devserver.kind": "\(kind)",
            ]
        )
        session.start()
    }

    func sessionDidClose(_ session: ClientSession) {
        sessions[ObjectIdentifier(session)] = nil
        switch session.kind {
        case .chat:
            if pushTargets[session.username] === session { pushTargets[session.username] = nil }
            states[session.username] = nil
            broadcastPresence(session.username, online: false, state: "")
        case .presence:
            if presenceTargets[session.username] === session {
                presenceTargets[session.username] = nil
            }
        }
        logger.debug("websocket session closed", metadata: ["devserver.user": session.username])
    }

    /// Handles one `/ws` text frame and sends the reply and any pushes.
    func handleRequest(_ frame: [UInt8], from session: ClientSession) {
        guard let identity = store.identity(named: session.username) else { return }
        let lookup = PresenceLookup(
            isOnline: { [presenceTargets] in presenceTargets[$0] != nil },
            state: { [states] in states[$0] ?? "" }
        )
        let outcome = ChatProtocol.handle(
            frame: frame,
            session: SessionContext(
                identity: identity,
                notificationsOnly: session.notificationsOnly
            ),
            store: &store,
            presence: lookup,
            version: configuration.version,
            now: .now()
        )
        logger.trace(
            "request handled",
            metadata: [
                "devserver.user": session.username, "devserver.type": outcome.type,
            ]
        )
        session.sendReply(GoEncoding.goSerialized(outcome.reply))
        switch outcome.effect {
        case .messageSent(let sent, let recipients)?:
            pushMessage(sent)
            sendPointers(for: sent, to: recipients)
        case .stateChanged(let state)?:
            states[session.username] = state
            broadcastPresence(session.username, online: true, state: state)
        case nil:
            break
        }
        persistIfChanged()
    }

    private func pushMessage(_ sent: SentMessage) {
        guard let channel = store.channel(id: sent.channelID) else { return }
        let frame = GoEncoding.goSerialized(GoEncoding.messagePush(sent))
        for (username, session) in pushTargets {
            guard let identity = store.identity(named: username),
                store.isMember(identity.id, of: channel)
            else { continue }
            session.send(frame)
        }
    }

    func sendPointers(for sent: SentMessage, to recipients: [String]) {
        let frame = GoEncoding.goSerialized(GoEncoding.pointer(sent))
        for name in recipients { presenceTargets[name]?.send(frame) }
    }

    private func broadcastPresence(_ username: String, online: Bool, state: String) {
        let frame = GoEncoding.goSerialized(
            GoEncoding.presencePush(username: username, online: online, state: state)
        )
        for (name, session) in pushTargets where name != username { session.send(frame) }
    }

    // MARK: REST

    /// Serves an authenticated REST call and fans out what it caused.
    func handleREST(_ route: RESTRoute, _ request: RESTRequest, user: DevUser) -> RESTResponse {
        let caller = provision(user)
        let response = route.handle(request, caller: caller, store: &store, now: .now())
        if let sent = response.sentMessage {
            sendPointers(for: sent, to: response.pointerRecipients)
        }
        persistIfChanged()
        return response
    }

    /// `DevServer.postMessageViaREST`: the REST path without HTTP.
    func postViaREST(
        channel: String,
        body: String,
        username: String,
        threadID: Int64?,
        metadata: String?
    ) throws -> Int64 {
        guard let user = configuration.users.first(where: { $0.name == username }) else {
            throw DevServerError.restFailed(status: 401, body: "unknown user \(username)")
        }
        var object: JSONObject = ["body": .string(body)]
        if let threadID { object["thread_id"] = JSONValue(threadID) }
        if let metadata {
            object["metadata"] =
                (try? JSONValue(parsing: Array(metadata.utf8))) ?? .string(metadata)
        }
        let request = RESTRequest(
            method: "POST",
            path: "/api/v1/channels/\(channel)/messages",
            query: "",
            body: JSONValue.object(object).serialized()
        )
        let response = handleREST(.postMessage(channel), request, user: user)
        guard response.status == 201, let id = response.sentMessage?.view.id else {
            throw DevServerError.restFailed(
                status: response.status,
                body: String(decoding: response.body, as: UTF8.self)
            )
        }
        return id
    }

    // MARK: Persistence

    /// Writes the state file after any change (atomically; a failure is logged, the
    /// server keeps running on its in-memory state).
    ///
    /// Logged at `error`, above the library's usual `debug`, because a dev server that
    /// silently stops persisting loses data its operator expects to keep.
    func persistIfChanged() {
        guard store.changeCount != savedChangeCount else { return }
        savedChangeCount = store.changeCount
        guard let path = configuration.stateFile else { return }
        do throws(DevServerError) {
            try StateFile.save(store, to: path)
        } catch {
            logger.error("cannot save state", metadata: ["devserver.error": "\(error)"])
        }
    }
}

/// A prepared answer to a request that failed before reaching a handler.
struct RESTFailureResponse: Error {
    var response: RESTResponse
    init(_ response: RESTResponse) { self.response = response }
}

/// Loop-bound: used only on its event loop's thread.
@available(*, unavailable)
extension ChatServer: Sendable {}
