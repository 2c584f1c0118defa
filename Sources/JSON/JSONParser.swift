// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A strict RFC 8259 parser from UTF-8 bytes to `JSONValue`.
///
/// Strict means: exactly one value with optional whitespace around it; no comments,
/// trailing commas, single quotes, `NaN`, leading zeros or `+` signs; no raw control
/// characters in strings; well-formed UTF-8 in strings; `\u` escapes that pair their
/// surrogates. Anything else is a `JSONParseError` naming the reason and byte offset.
///
/// The parser keeps its own stack instead of recursing, so nesting depth is bounded only by
/// `Limits.maxDepth`, never by the thread's stack. Unescaped runs of a string are copied
/// into the `String` in one piece.
public struct JSONParser: Sendable {
    /// Bounds on what the parser accepts.
    public struct Limits: Sendable, Equatable {
        /// The deepest nesting of arrays and objects accepted; `[[1]]` has depth 2.
        ///
        /// 512 is far deeper than any Sharkfin envelope (about 5) and keeps the recursion
        /// that compares, writes and frees a parsed value well within a thread's stack.
        public var maxDepth: Int
        /// The longest input accepted, in bytes; `nil` means no bound beyond memory.
        public var maxBytes: Int?

        public init(maxDepth: Int = 512, maxBytes: Int? = nil) {
            self.maxDepth = maxDepth
            self.maxBytes = maxBytes
        }

        /// Depth 512, no size bound.
        public static let `default` = Limits()
    }

    /// The bounds this parser enforces.
    public var limits: Limits

    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// Parses one JSON text from `bytes`.
    ///
    /// Contiguous collections (`[UInt8]`, `ArraySlice`, `UnsafeRawBufferPointer`,
    /// `String.UTF8View` of a native string) are read in place; others are copied first.
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            parse(buffer: buffer)
        }
        if let result { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer { parse(buffer: $0) }.get()
    }

    /// Parses one JSON text from the UTF-8 of `text`.
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { parse(buffer: $0) }.get()
    }

    private func parse(buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        if let maxBytes = limits.maxBytes, buffer.count > maxBytes {
            return .failure(
                JSONParseError(reason: .inputTooLarge(limit: maxBytes), offset: maxBytes)
            )
        }
        var cursor = JSONCursor(bytes: buffer, maxDepth: limits.maxDepth)
        do throws(JSONParseError) {
            return .success(try cursor.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}

extension JSONValue {
    /// Parses one JSON text from UTF-8 `bytes`.
    ///
    /// - Throws: `JSONParseError` with the reason and byte offset of the first violation.
    public init(
        parsing bytes: some Collection<UInt8>,
        limits: JSONParser.Limits = .default
    ) throws(JSONParseError) {
        self = try JSONParser(limits: limits).parse(bytes)
    }

    /// Parses one JSON text from a string.
    ///
    /// - Throws: `JSONParseError` with the reason and UTF-8 byte offset of the first
    ///   violation.
    public init(parsing text: String) throws(JSONParseError) {
        self = try JSONParser().parse(text)
    }
}

/// The parser's working state over one contiguous input.
///
/// Pending container contents live on two flat stacks (`values`, `keys`) shared by all
/// open containers; each open container records where its part starts. Closing a
/// container moves its part out into an array or object.
struct JSONCursor {
    /// One open array or object.
    private struct Frame {
        var isObject: Bool
        var valueStart: Int
        var keyStart: Int
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    let maxDepth: Int
    /// Unescaped bytes of the string being decoded, reused across strings.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Parses the whole input as one value with optional surrounding whitespace.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        var frames: [Frame] = []
        var values: [JSONValue] = []
        var keys: [String] = []

        nextValue: while true {
            skipWhitespace()
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            var value: JSONValue
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[index] == UInt8(ascii: "{")
                guard frames.count < maxDepth else { throw error(.tooDeep(limit: maxDepth)) }
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == (isObject ? 0x7D : 0x5D) {
                    index += 1
                    value = isObject ? .object(JSONObject()) : .array([])
                } else {
                    frames.append(
                        Frame(isObject: isObject, valueStart: values.count, keyStart: keys.count)
                    )
                    if isObject { keys.append(try parseKey()) }
                    continue nextValue
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case let byte:
                throw error(.unexpectedByte(byte))
            }

            // A value is complete: hand it to the open container, closing containers as
            // long as their closing bracket follows.
            while let frame = frames.last {
                values.append(value)
                skipWhitespace()
                guard index < bytes.count else { throw error(.unexpectedEnd) }
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: ",") {
                    if frame.isObject { keys.append(try parseKey()) }
                    continue nextValue
                }
                if frame.isObject && byte == UInt8(ascii: "}") {
                    let members = zip(keys[frame.keyStart...], values[frame.valueStart...])
                    let count = keys.count - frame.keyStart
                    value = .object(JSONObject(deduplicating: members, count: count))
                    keys.removeSubrange(frame.keyStart...)
                } else if !frame.isObject && byte == UInt8(ascii: "]") {
                    value = .array(Array(values[frame.valueStart...]))
                } else {
                    index -= 1
                    throw error(.unexpectedByte(byte))
                }
                values.removeSubrange(frame.valueStart...)
                frames.removeLast()
            }

            skipWhitespace()
            guard index == bytes.count else { throw error(.trailingData) }
            return value
        }
    }

    /// Parses `"key"` and the `:` after it, leaving the index at the member's value.
    private mutating func parseKey() throws(JSONParseError) -> String {
        skipWhitespace()
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        guard bytes[index] == UInt8(ascii: "\"") else {
            throw error(.unexpectedByte(bytes[index]))
        }
        let key = try parseString()
        skipWhitespace()
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        guard bytes[index] == UInt8(ascii: ":") else { throw error(.unexpectedByte(bytes[index])) }
        index += 1
        return key
    }

    /// Matches a number and keeps its text.
    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = index
        switch JSONNumber.scan(bytes, from: start) {
        case .success(let end):
            index = end
            let text = String(
                decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]),
                as: UTF8.self
            )
            return JSONNumber(uncheckedText: text)
        case .failure(.truncated):
            index = bytes.count
            throw error(.unexpectedEnd)
        case .failure(.invalid(let offset)):
            index = offset
            throw error(.invalidNumber)
        }
    }

    /// Matches `literal` byte for byte at the index.
    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let expected = UnsafeBufferPointer(
            start: literal.utf8Start,
            count: literal.utf8CodeUnitCount
        )
        for byte in expected {
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            guard bytes[index] == byte else { throw error(.unexpectedByte(bytes[index])) }
            index += 1
        }
    }

    /// Skips JSON's four whitespace bytes.
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// An error at the current index.
    func error(_ reason: JSONParseError.Reason) -> JSONParseError {
        JSONParseError(reason: reason, offset: index)
    }
}
