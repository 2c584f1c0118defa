// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// The client's side of the opening handshake (RFC 6455 §4.1), without I/O.
///
/// Build it, write `request`, then feed it the server's bytes until it says `upgraded` (the
/// leftover bytes are the first WebSocket frames) or `failed`. A non-101 answer is read to the
/// end of its body (by `Content-Length`, chunked encoding, or until the server closes), at
/// most 64 KiB of it, so `handshakeRejected` can carry the server's explanation, such as
/// Sharkfin's `{"error":"auth: invalid token"}` on a 401.
public struct WebSocketClientHandshake: Sendable {
    /// What one step produced.
    public enum Step: Hashable, Sendable {
        case needMoreBytes
        /// The server accepted; `leftover` holds bytes that followed its head.
        case upgraded(leftover: [UInt8])
        case failed(WebSocketError)
    }

    /// Headers the handshake writes itself; callers may not set them.
    static let reservedHeaders: Set<String> = [
        "host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version",
        "sec-websocket-extensions", "content-length", "transfer-encoding",
    ]

    /// The most of a rejection body kept for `handshakeRejected`.
    public static let maxRejectionBody = 64 * 1024

    private enum State: Sendable {
        case readingHead(HTTPHeadParser)
        case readingBody(status: Int, reason: String, HTTPBodyReader)
        case finished
    }

    /// The `Sec-WebSocket-Key` sent.
    public let key: String
    /// The request bytes to write.
    public let request: [UInt8]
    private let offeredProtocols: [String]
    private var state = State.readingHead(HTTPHeadParser())

    /// Prepares the upgrade request for `url`.
    ///
    /// - Parameters:
    ///   - headers: extra header fields such as `Authorization`, sent after ours.
    ///   - key: the key to send; a fresh random one unless a test fixes it.
    /// - Throws: `handshakeInvalid` if a header is malformed or one the handshake owns.
    public init(
        url: WebSocketURL,
        headers: [HTTPHeaderField] = [],
        key: String = WebSocketAccept.makeKey()
    ) throws(WebSocketError) {
        self.key = key
        var text = "GET \(url.resourceName) HTTP/1.1\r\n"
        text += "Host: \(url.hostHeader)\r\n"
        text += "Upgrade: websocket\r\n"
        text += "Connection: Upgrade\r\n"
        text += "Sec-WebSocket-Key: \(key)\r\n"
        text += "Sec-WebSocket-Version: 13\r\n"
        for field in headers {
            guard field.isWellFormed else {
                throw .handshakeInvalid("header '\(field.name)' is not a valid HTTP field")
            }
            guard !Self.reservedHeaders.contains(field.name.lowercased()) else {
                throw .handshakeInvalid("header '\(field.name)' is set by the WebSocket client")
            }
            text += "\(field.name): \(field.value)\r\n"
        }
        text += "\r\n"
        request = Array(text.utf8)
        offeredProtocols = headers.tokens(named: "Sec-WebSocket-Protocol")
    }

    /// Feeds the server's next bytes.
    public mutating func bytesReceived(_ bytes: ArraySlice<UInt8>) -> Step {
        switch state {
        case .readingHead(var parser):
            switch parser.append(bytes) {
            case .needMoreBytes:
                state = .readingHead(parser)
                return .needMoreBytes
            case .invalid(let reason):
                return finish(.failed(.handshakeInvalid(reason)))
            case .complete(let head, let leftover):
                return headReceived(head, leftover: leftover)
            }
        case .readingBody(let status, let reason, var body):
            let isComplete = body.append(bytes)
            state = .readingBody(status: status, reason: reason, body)
            return isComplete ? rejected(status, reason, body) : .needMoreBytes
        case .finished:
            return .failed(.handshakeInvalid("bytes after the handshake finished"))
        }
    }

    /// The server closed the connection before the handshake finished.
    public mutating func transportClosed() -> Step {
        switch state {
        case .readingHead:
            return finish(
                .failed(
                    .handshakeInvalid(
                        "the server closed the connection before answering the upgrade"
                    )
                )
            )
        case .readingBody(let status, let reason, let body):
            return rejected(status, reason, body)
        case .finished:
            return .failed(.closed)
        }
    }

    private mutating func finish(_ step: Step) -> Step {
        state = .finished
        return step
    }

    private mutating func rejected(_ status: Int, _ reason: String, _ body: HTTPBodyReader) -> Step
    {
        let text = String(decoding: body.body, as: UTF8.self)
        return finish(.failed(.handshakeRejected(status: status, reason: reason, body: text)))
    }

    private mutating func headReceived(_ head: HTTPHead, leftover: [UInt8]) -> Step {
        let parts = head.startLine.split(
            separator: " ",
            maxSplits: 2,
            omittingEmptySubsequences: false
        )
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3,
            let status = Int(parts[1])
        else {
            return finish(.failed(.handshakeInvalid("malformed status line '\(head.startLine)'")))
        }
        let reason = parts.count > 2 ? String(parts[2]) : ""
        guard status == 101 else {
            var body = HTTPBodyReader(
                headers: head.headers,
                status: status,
                limit: Self.maxRejectionBody
            )
            let isComplete = body.append(leftover[...])
            state = .readingBody(status: status, reason: reason, body)
            return isComplete ? rejected(status, reason, body) : .needMoreBytes
        }
        if let problem = problem(with: head.headers) {
            return finish(.failed(.handshakeInvalid(problem)))
        }
        return finish(.upgraded(leftover: leftover))
    }

    /// What is wrong with a 101 answer's headers (§4.1, the client's checks 1-6), if anything.
    private func problem(with headers: [HTTPHeaderField]) -> String? {
        guard headers.tokens(named: "Upgrade").contains("websocket") else {
            return "the 101 answer has no 'Upgrade: websocket'"
        }
        guard headers.tokens(named: "Connection").contains("upgrade") else {
            return "the 101 answer has no 'Connection: Upgrade'"
        }
        guard let accept = headers.first(named: "Sec-WebSocket-Accept") else {
            return "the 101 answer has no Sec-WebSocket-Accept"
        }
        guard accept == WebSocketAccept.value(forKey: key) else {
            return "Sec-WebSocket-Accept does not match the key sent"
        }
        if !headers.tokens(named: "Sec-WebSocket-Extensions").filter({ !$0.isEmpty }).isEmpty {
            return "the server selected an extension although none was offered"
        }
        let chosen = headers.tokens(named: "Sec-WebSocket-Protocol").filter { !$0.isEmpty }
        if chosen.count > 1 || (chosen.count == 1 && !offeredProtocols.contains(chosen[0])) {
            return "the server selected a subprotocol that was not offered"
        }
        return nil
    }
}
