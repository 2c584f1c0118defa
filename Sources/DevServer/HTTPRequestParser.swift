// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// One HTTP/1.1 request as the dev server reads it.
struct HTTPRequest: Sendable, Equatable {
    var method: String
    /// The request target as sent: path and optional query.
    var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    var version: String
    /// Header fields in order, names as sent.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.version == rhs.version
            && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 }) && lhs.body == rhs.body
    }

    /// The first value of a header, matched case-insensitively (Go's `Header.Get`).
    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
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
        let connection = header("Connection")?.lowercased() ?? ""
        let tokens = connection.split(separator: ",").map { $0.trimmingSpaces() }
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
/// read. Bodies come only with `Content-Length` (no chunked uploads: our clients never send
/// them, and refusing with 400 is what a small server may do). After an error the parser
/// stays failed; the connection answers and closes.
struct HTTPRequestParser {
    /// The request line plus headers may take 16 KiB, like common servers' defaults; more
    /// is refused with 431.
    static let maxHeadBytes = 16 * 1024
    /// Bodies may take 1 MiB, the limit the real server's REST handlers set; more is 413.
    static let maxBodyBytes = 1 << 20

    private enum State {
        case head
        case body(HTTPRequest, remaining: Int)
        case failed(HTTPParseError)
    }

    private var state: State = .head
    private var buffer: [UInt8] = []
    /// Where the search for the blank line resumes, so each byte is scanned once.
    private var scanOffset = 0

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
        case .head:
            guard let headEnd = findHeadEnd() else {
                if buffer.count > Self.maxHeadBytes {
                    return try fail(.headTooLarge(limit: Self.maxHeadBytes))
                }
                return nil
            }
            guard headEnd <= Self.maxHeadBytes else {
                return try fail(.headTooLarge(limit: Self.maxHeadBytes))
            }
            let head = buffer[..<headEnd]
            buffer.removeFirst(headEnd)
            scanOffset = 0
            let request: HTTPRequest
            let length: Int
            do throws(HTTPParseError) {
                (request, length) = try Self.parseHead(head)
            } catch {
                return try fail(error)
            }
            state = .body(request, remaining: length)
            return try nextRequest()
        case .body(var request, let remaining):
            guard buffer.count >= remaining else { return nil }
            request.body = Array(buffer[..<remaining])
            buffer.removeFirst(remaining)
            state = .head
            return request
        }
    }

    /// Bytes received after the last request taken, e.g. the first WebSocket frames that
    /// arrived with an upgrade request. Clears them from the parser.
    mutating func takeLeftover() -> [UInt8] {
        defer {
            buffer = []
            scanOffset = 0
        }
        return buffer
    }

    private mutating func fail(_ error: HTTPParseError) throws(HTTPParseError) -> HTTPRequest? {
        state = .failed(error)
        buffer = []
        throw error
    }

    /// The index just past `\r\n\r\n` (or a bare `\n\n`), if the buffer holds it.
    private mutating func findHeadEnd() -> Int? {
        var index = max(0, scanOffset)
        while index < buffer.count {
            if buffer[index] == 0x0A {
                if index >= 1, buffer[index - 1] == 0x0A { return index + 1 }
                if index >= 2, buffer[index - 1] == 0x0D, buffer[index - 2] == 0x0A {
                    return index + 1
                }
            }
            index += 1
        }
        scanOffset = max(0, buffer.count - 2)
        return nil
    }

    /// Parses a request head, returning the request (empty body) and its body length.
    static func parseHead(_ head: ArraySlice<UInt8>) throws(HTTPParseError) -> (HTTPRequest, Int) {
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        // Tolerate blank lines before a request line, as RFC 9112 §2.2 suggests.
        while lines.first?.isEmpty == true { lines.removeFirst() }
        guard let requestLine = lines.first,
            let line = String(validating: requestLine, as: UTF8.self)
        else { throw .malformed("request line") }
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[1].hasPrefix("/") || parts[1] == "*",
            parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0",
            parts[0].utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A })
        else { throw .malformed("request line") }
        var headers: [(name: String, value: String)] = []
        for rawLine in lines.dropFirst() {
            guard let colon = rawLine.firstIndex(of: 0x3A),
                colon != rawLine.startIndex,
                let name = String(validating: rawLine[..<colon], as: UTF8.self),
                !name.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 < 0x21 }),
                let value = String(validating: rawLine[(colon + 1)...], as: UTF8.self)
            else { throw .malformed("header line") }
            headers.append((name, value.trimmingSpaces()))
        }
        var request = HTTPRequest(
            method: String(parts[0]),
            target: String(parts[1]),
            version: String(parts[2]),
            headers: headers,
            body: []
        )
        if let encoding = request.header("Transfer-Encoding"), !encoding.isEmpty {
            throw .malformed("Transfer-Encoding \(encoding) is not supported")
        }
        let lengths = headers.filter { $0.name.lowercased() == "content-length" }.map(\.value)
        guard let first = lengths.first else { return (request, 0) }
        guard lengths.allSatisfy({ $0 == first }), !first.isEmpty,
            first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), first.utf8.count <= 18,
            let length = Int(first)
        else { throw .malformed("Content-Length") }
        guard length <= maxBodyBytes else {
            throw .bodyTooLarge(length: length, limit: maxBodyBytes)
        }
        request.body = []
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
