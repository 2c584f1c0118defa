// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import WebSocket

/// One HTTP/1.1 request as the dev server reads it.
struct HTTPRequest: Sendable, Equatable {
    /// The request line and header fields as `HTTPHeadParser` read them; an upgrade request
    /// goes on to `WebSocketUpgradeRequest(head:)` from here.
    var head: HTTPHead
    var method: String
    /// The request target as sent: path and optional query.
    var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    var version: String
    var body: [UInt8]

    /// Header fields in order, names as sent.
    var headers: [HTTPHeaderField] { head.headers }

    /// The first value of a header, matched case-insensitively (Go's `Header.Get`).
    func header(_ name: String) -> String? {
        head.headers.first(named: name)
    }

    /// The path without the query.
    var path: String { String(target.prefix { $0 != "?" }) }

    /// The query without `?`, empty when none.
    var query: String {
        guard let mark = target.firstIndex(of: "?") else { return "" }
        return String(target[target.index(after: mark)...])
    }

    /// Whether the connection stays open after the response (HTTP/1.1 unless `close`;
    /// HTTP/1.0 only with `keep-alive`).
    var keepsAlive: Bool {
        let tokens = head.headers.tokens(named: "Connection")
        if version == "HTTP/1.0" { return tokens.contains("keep-alive") }
        return !tokens.contains("close")
    }
}

/// Why a request could not be read; each maps to the status the server answers with
/// before closing the connection.
enum HTTPParseError: Error, Equatable, CustomStringConvertible {
    /// Malformed request line, header line, or `Content-Length`; chunked bodies too.
    case malformed(String)
    /// The request line and headers exceed `HTTPRequestParser.maxHeadBytes`.
    case headTooLarge(limit: Int)
    /// `Content-Length` exceeds `HTTPRequestParser.maxBodyBytes`.
    case bodyTooLarge(length: Int, limit: Int)

    /// 400, 431 or 413.
    var status: Int {
        switch self {
        case .malformed: 400
        case .headTooLarge: 431
        case .bodyTooLarge: 413
        }
    }

    var description: String {
        switch self {
        case .malformed(let what): "malformed request: \(what)"
        case .headTooLarge(let limit): "request head longer than \(limit) bytes"
        case .bodyTooLarge(let length, let limit): "body of \(length) bytes over \(limit)"
        }
    }
}

/// An incremental HTTP/1.1 request parser: feed bytes as they arrive, take requests out.
///
/// A state machine over two phases, head then body, that buffers only the request being
/// read. The head is split into lines and fields by the WebSocket target's `HTTPHeadParser`
/// (so an upgrade request is read exactly as the WebSocket layer expects); this parser adds
/// what a server needs on top: the request line, the head limit (431), `Content-Length`
/// bodies (413 beyond the limit) and pipelining. Heads must end lines with CRLF, as every
/// client we serve does; blank lines before a request line are skipped (RFC 9112 §2.2).
/// Bodies come only with `Content-Length` (no chunked uploads: our clients never send
/// them, and refusing with 400 is what a small server may do). After an error the parser
/// stays failed; the connection answers and closes.
struct HTTPRequestParser {
    /// The request line plus headers may take 16 KiB, like common servers' defaults; more
    /// is refused with 431.
    static let maxHeadBytes = 16 * 1024
    /// Bodies may take 1 MiB, the limit the real server's REST handlers set; more is 413.
    static let maxBodyBytes = 1 << 20

    private enum State {
        /// Reading a head: the parser so far and the bytes it has been given (kept for
        /// `takeLeftover`, and to measure the head).
        case head(HTTPHeadParser, given: [UInt8])
        case body(HTTPRequest, remaining: Int)
        case failed(HTTPParseError)
    }

    private var state = State.head(Self.makeHeadParser(), given: [])
    /// Received bytes not yet handed to the head parser or taken as a body.
    private var buffer: [UInt8] = []

    /// The head parser's own limit is ours plus slack: we check `maxHeadBytes` ourselves so
    /// that an oversized head is told apart (431) from a malformed one (400).
    private static func makeHeadParser() -> HTTPHeadParser {
        HTTPHeadParser(maxSize: 2 * maxHeadBytes)
    }

    /// Appends received bytes.
    mutating func feed(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete request, `nil` when more bytes are needed.
    ///
    /// - Throws: `HTTPParseError` once the input cannot be a valid request.
    mutating func nextRequest() throws(HTTPParseError) -> HTTPRequest? {
        switch state {
        case .failed(let error):
            throw error
        case .head(var parser, var given):
            if given.isEmpty {
                let blank = buffer.prefix { $0 == 0x0D || $0 == 0x0A }.count
                buffer.removeFirst(blank)
            }
            guard !buffer.isEmpty else { return nil }
            let chunk = buffer
            buffer = []
            given += chunk
            switch parser.append(chunk[...]) {
            case .needMoreBytes:
                guard given.count <= Self.maxHeadBytes else {
                    return try fail(.headTooLarge(limit: Self.maxHeadBytes))
                }
                state = .head(parser, given: given)
                return nil
            case .invalid(let reason):
                guard given.count <= Self.maxHeadBytes else {
                    return try fail(.headTooLarge(limit: Self.maxHeadBytes))
                }
                return try fail(.malformed(reason))
            case .complete(let head, let leftover):
                guard given.count - leftover.count <= Self.maxHeadBytes else {
                    return try fail(.headTooLarge(limit: Self.maxHeadBytes))
                }
                buffer = leftover
                let request: HTTPRequest
                let length: Int
                do throws(HTTPParseError) {
                    (request, length) = try Self.parseHead(head)
                } catch {
                    return try fail(error)
                }
                state = .body(request, remaining: length)
                return try nextRequest()
            }
        case .body(var request, let remaining):
            guard buffer.count >= remaining else { return nil }
            request.body = Array(buffer[..<remaining])
            buffer.removeFirst(remaining)
            state = .head(Self.makeHeadParser(), given: [])
            return request
        }
    }

    /// Bytes received after the last request taken, e.g. the first WebSocket frames that
    /// arrived with an upgrade request. Clears them from the parser.
    mutating func takeLeftover() -> [UInt8] {
        var leftover = buffer
        if case .head(_, let given) = state {
            leftover = given + buffer
            state = .head(Self.makeHeadParser(), given: [])
        }
        buffer = []
        return leftover
    }

    private mutating func fail(_ error: HTTPParseError) throws(HTTPParseError) -> HTTPRequest? {
        state = .failed(error)
        buffer = []
        throw error
    }

    /// Checks a head's request line and framing, returning the request (empty body) and
    /// its body length.
    static func parseHead(_ head: HTTPHead) throws(HTTPParseError) -> (HTTPRequest, Int) {
        let parts = head.startLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[1].hasPrefix("/") || parts[1] == "*",
            parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0",
            parts[0].utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A })
        else { throw .malformed("request line") }
        let request = HTTPRequest(
            head: head,
            method: String(parts[0]),
            target: String(parts[1]),
            version: String(parts[2]),
            body: []
        )
        if let encoding = request.header("Transfer-Encoding"), !encoding.isEmpty {
            throw .malformed("Transfer-Encoding \(encoding) is not supported")
        }
        let lengths = head.headers.filter { $0.name.lowercased() == "content-length" }
            .map(\.value)
        guard let first = lengths.first else { return (request, 0) }
        guard lengths.allSatisfy({ $0 == first }), !first.isEmpty,
            first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), first.utf8.count <= 18,
            let length = Int(first)
        else { throw .malformed("Content-Length") }
        guard length <= maxBodyBytes else {
            throw .bodyTooLarge(length: length, limit: maxBodyBytes)
        }
        return (request, length)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[start...end]))
    }
}
