// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// The start line and header fields of an HTTP/1.1 request or response.
public struct HTTPHead: Hashable, Sendable {
    /// `GET /ws HTTP/1.1` or `HTTP/1.1 101 Switching Protocols`, without the CRLF.
    public var startLine: String
    public var headers: [HTTPHeaderField]
}

/// Reads an HTTP/1.1 message head from a byte stream that may arrive in any pieces.
///
/// Everything after the blank line that ends the head is returned untouched as `leftover`:
/// after a 101 those bytes are already WebSocket frames. Obsolete line folding (a header line
/// starting with white space, RFC 7230 §3.2.4) is refused, as are heads over `maxSize`.
public struct HTTPHeadParser: Sendable {
    /// What one call to `append(_:)` produced.
    public enum Step: Hashable, Sendable {
        case needMoreBytes
        case complete(HTTPHead, leftover: [UInt8])
        case invalid(String)
    }

    /// The largest head accepted, CRLFs included. 16 KiB is far above any real upgrade
    /// exchange (a few hundred bytes) and bounds what a hostile peer can make us buffer.
    public let maxSize: Int
    private var buffer: [UInt8] = []
    private var isFinished = false

    public init(maxSize: Int = 16 * 1024) { self.maxSize = maxSize }

    /// Adds bytes; completes once the blank line arrives.
    public mutating func append(_ bytes: ArraySlice<UInt8>) -> Step {
        guard !isFinished else { return .invalid("head already parsed") }
        // Resume the search for CRLF CRLF three bytes back: the terminator may be split.
        let searchStart = max(0, buffer.count - 3)
        buffer.append(contentsOf: bytes)
        var index = searchStart
        while index + 3 < buffer.count {
            if buffer[index] == 0x0D && buffer[index + 1] == 0x0A && buffer[index + 2] == 0x0D
                && buffer[index + 3] == 0x0A
            {
                guard index + 4 <= maxSize else { return fail("head larger than \(maxSize) bytes") }
                isFinished = true
                let leftover = Array(buffer[(index + 4)...])
                return parse(buffer[..<index]).map { .complete($0, leftover: leftover) }
                    ?? fail("malformed header line")
            }
            index += 1
        }
        return buffer.count > maxSize ? fail("head larger than \(maxSize) bytes") : .needMoreBytes
    }

    private mutating func fail(_ reason: String) -> Step {
        isFinished = true
        buffer = []
        return .invalid(reason)
    }

    /// Splits the head into lines and fields; `nil` if a field line is malformed.
    private func parse(_ bytes: ArraySlice<UInt8>) -> HTTPHead? {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == 0x0D, index + 1 < bytes.endIndex, bytes[index + 1] == 0x0A {
                lines.append(bytes[lineStart..<index])
                index += 2
                lineStart = index
            } else {
                index += 1
            }
        }
        lines.append(bytes[lineStart..<bytes.endIndex])
        var headers: [HTTPHeaderField] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                line.first != 0x20, line.first != 0x09
            else { return nil }
            let name = line[..<colon]
            guard name.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
            let value = Self.trimmed(line[(colon + 1)...])
            headers.append(
                HTTPHeaderField(
                    name: String(decoding: name, as: UTF8.self),
                    value: String(decoding: value, as: UTF8.self)
                )
            )
        }
        let startLine = String(decoding: lines[0], as: UTF8.self)
        return HTTPHead(startLine: startLine, headers: headers)
    }

    /// Drops leading and trailing spaces and tabs (optional white space, RFC 7230 §3.2.3).
    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice.removeFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice.removeLast() }
        return slice
    }
}
