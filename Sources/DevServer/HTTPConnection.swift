// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import SocketIO
import WebSocket

/// One accepted TCP connection: HTTP/1.1 requests with keep-alive, one response per
/// request in order, until it upgrades to a WebSocket. Loop-bound.
///
/// On upgrade the stream's delegate becomes the `WebSocketConnection`'s `streamDelegate`
/// (`StreamConnection.replaceDelegate`), so this object hears nothing more and is released.
final class HTTPConnection: StreamConnectionDelegate {
    private enum Mode {
        case http
        /// Answered with `Connection: close`; reads are ignored until the stream closes.
        case closing
        /// Handed over to a WebSocket.
        case upgraded
    }

    /// Server-side WebSocket settings. Messages may take 1 MiB (close 1009 beyond), far
    /// above any Sharkfin request; the closing handshake gets 1 s to flush our close frame.
    static let webSocketConfiguration = WebSocketConfiguration(
        maxMessageSize: 1 << 20,
        closeTimeout: .seconds(1)
    )

    private let connection: StreamConnection
    private unowned let server: ChatServer
    private var parser = HTTPRequestParser()
    private var mode = Mode.http

    init(connection: StreamConnection, server: ChatServer) {
        self.connection = connection
        self.server = server
    }

    func abort() {
        connection.close()
    }

    // MARK: StreamConnectionDelegate

    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        switch mode {
        case .closing, .upgraded:
            return
        case .http:
            parser.feed(bytes)
            readRequests()
        }
    }

    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {
        mode = .closing
        server.httpConnectionDidEnd(connection.id)
    }

    private func readRequests() {
        while case .http = mode {
            let request: HTTPRequest
            do throws(HTTPParseError) {
                guard let next = try parser.nextRequest() else { return }
                request = next
            } catch {
                server.logger.debug("bad HTTP request", metadata: ["devserver.error": "\(error)"])
                respond(.text(error.status, Self.reason(error.status)), keepAlive: false)
                return
            }
            handle(request)
        }
    }

    private func handle(_ request: HTTPRequest) {
        if server.refusal == .serviceUnavailable {
            respond(.text(503, "Service Unavailable"), keepAlive: false)
            return
        }
        if request.path == "/_dev/faults", server.configuration.enablesFaultControl {
            respond(handleFaultCommand(request), keepAlive: request.keepsAlive)
            return
        }
        if request.path == "/ws" || request.path == "/presence" {
            upgrade(request)
            return
        }
        let rest = RESTRequest(
            method: request.method,
            path: request.path,
            query: request.query,
            body: request.body
        )
        switch RESTRoute.match(method: request.method, path: request.path) {
        case .failure(let failure):
            respond(failure.response, keepAlive: request.keepsAlive)
        case .success(let route):
            switch server.authenticate(request.header("Authorization")) {
            case .failure(let failure):
                respond(failure.response, keepAlive: request.keepsAlive)
            case .success(let user):
                let response = server.handleREST(route, rest, user: user)
                respond(response, keepAlive: request.keepsAlive, head: request.method == "HEAD")
            }
        }
    }

    /// `GET /ws` and `GET /presence`: authenticate, provision (`/ws` only), check the
    /// upgrade, answer 101 and hand the stream over to a server-role `WebSocketConnection`.
    private func upgrade(_ request: HTTPRequest) {
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = RESTResponse.text(405, "Method Not Allowed")
            response.headers.append(("Allow", "GET, HEAD"))
            respond(response, keepAlive: request.keepsAlive)
            return
        }
        let user: DevUser
        switch server.authenticate(request.header("Authorization")) {
        case .failure(let failure):
            respond(failure.response, keepAlive: request.keepsAlive)
            return
        case .success(let found):
            user = found
        }
        let isChat = request.path == "/ws"
        if isChat { _ = server.provision(user) }
        let key: String
        switch Self.checkUpgrade(request) {
        case .failure(let refusal):
            refuseUpgrade(refusal.response)
            return
        case .success(let found):
            key = found
        }
        guard let accept = WebSocketServerHandshake.switchingProtocolsResponse(key: key) else {
            refuseUpgrade(.text(500, "Internal Server Error"))
            return
        }
        connection.write(accept)
        mode = .upgraded
        let webSocket = WebSocketConnection(
            acceptedOn: connection,
            leftover: parser.takeLeftover(),
            configuration: Self.webSocketConfiguration,
            logger: server.logger
        )
        connection.replaceDelegate(webSocket.streamDelegate)
        server.httpConnectionDidEnd(connection.id)
        let notificationsOnly =
            RESTRoute.queryValue("notifications_only", in: request.query) == "true"
        server.open(
            isChat ? .chat(notificationsOnly: notificationsOnly) : .presence,
            user: user,
            webSocket: webSocket,
            stream: connection
        )
    }

    /// gorilla/websocket's upgrade checks: the RFC 6455 rules (`validatedKey()`) answered
    /// with 400 and `Sec-Websocket-Version: 13`, then its same-origin check (403). The key
    /// on success.
    ///
    /// gorilla checks the origin before the key's form, so a request with both wrong gets
    /// 403 there and 400 here; no client we serve sends either.
    static func checkUpgrade(_ request: HTTPRequest) -> Result<String, RESTFailureResponse> {
        let key: String
        do throws(WebSocketError) {
            key = try WebSocketUpgradeRequest(head: request.head).validatedKey()
        } catch {
            var response = RESTResponse.text(400, "Bad Request")
            response.headers.append(("Sec-Websocket-Version", "13"))
            return .failure(RESTFailureResponse(response))
        }
        if let origin = request.header("Origin"), !origin.isEmpty {
            let afterScheme = origin.firstRange(of: "://").map { origin[$0.upperBound...] }
            let host = afterScheme.map { String($0.prefix { $0 != "/" }) }
            guard let host, host.lowercased() == (request.header("Host") ?? "").lowercased() else {
                var response = RESTResponse.text(403, "Forbidden")
                response.headers.append(("Sec-Websocket-Version", "13"))
                return .failure(RESTFailureResponse(response))
            }
        }
        return .success(key)
    }

    /// Answers a failed handshake and closes, as `WebSocketServerHandshake` words it.
    private func refuseUpgrade(_ response: RESTResponse) {
        let bytes = WebSocketServerHandshake.rejectionResponse(
            status: response.status,
            reason: Self.reason(response.status),
            headers: response.headers.map { HTTPHeaderField(name: $0.0, value: $0.1) },
            body: response.body,
            contentType: response.contentType ?? "text/plain; charset=utf-8"
        )
        connection.write(bytes)
        mode = .closing
        connection.closeAfterFlushing(timeout: .seconds(2))
    }

    private func handleFaultCommand(_ request: HTTPRequest) -> RESTResponse {
        guard request.method == "POST" else { return .text(405, "Method Not Allowed") }
        guard case .object(let command)? = try? JSONValue(parsing: request.body),
            let action = command["action"]?.stringValue
        else { return .text(400, "expected {\"action\": ...}") }
        let ok = RESTResponse.json(200, .object(["ok": true]))
        switch action {
        case "drop":
            server.dropAll(user: command["user"]?.stringValue)
        case "stall":
            server.setStallsReplies(command["enabled"]?.boolValue ?? true)
        case "release":
            server.setStallsReplies(false)
        case "refuse":
            guard let refusal = ConnectionRefusal(rawValue: command["mode"]?.stringValue ?? "")
            else { return .text(400, "mode must be none, close or 503") }
            server.refusal = refusal
        case "restart":
            // Answer first: the restart drops this connection too.
            let box = LoopBound(value: server)
            server.loop.execute {
                do { try box.value.restart() } catch {
                    box.value.logger.debug(
                        "restart failed",
                        metadata: ["devserver.error": "\(error)"]
                    )
                }
            }
        default:
            return .text(400, "unknown action \(action)")
        }
        server.logger.debug("fault injected", metadata: ["devserver.fault": action])
        return ok
    }

    private func respond(_ response: RESTResponse, keepAlive: Bool, head: Bool = false) {
        var text = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        if let type = response.contentType { text += "Content-Type: \(type)\r\n" }
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        if response.status != 204 { text += "Content-Length: \(response.body.count)\r\n" }
        if !keepAlive { text += "Connection: close\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        if !head { bytes += response.body }
        connection.write(bytes)
        if !keepAlive {
            mode = .closing
            connection.closeAfterFlushing(timeout: .seconds(2))
        }
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Request Entity Too Large"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// Loop-bound: used only on its event loop's thread.
@available(*, unavailable)
extension HTTPConnection: Sendable {}
