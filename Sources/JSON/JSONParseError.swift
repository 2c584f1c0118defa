// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Why a JSON text was rejected, and where.
///
/// `offset` is the zero-based byte offset into the input of the first byte that could not
/// be accepted (for `unexpectedEnd`, the input's length). Parsing stops at the first
/// error; the parser never traps on input.
public struct JSONParseError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The rule the input broke.
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// The input ended inside a value (or was empty or only whitespace).
        case unexpectedEnd
        /// A byte that no JSON rule allows at this position.
        case unexpectedByte(UInt8)
        /// A string holds bytes that are not well-formed UTF-8: overlong forms, UTF-8
        /// encoded surrogates, code points above U+10FFFF, stray continuation bytes or
        /// a sequence cut short.
        case invalidUTF8
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
        case invalidEscape
        /// A raw control character (U+0000 to U+001F) inside a string.
        case unescapedControlCharacter(UInt8)
        /// A `\uXXXX` escape names a lone surrogate (no matching pair).
        case invalidUnicodeScalar
        /// A number breaks RFC 8259's grammar: leading zeros, a missing digit after `-`,
        /// `.` or the exponent marker, `+` signs, `NaN`, `Infinity` and the like.
        case invalidNumber
        /// Containers nest deeper than `JSONParser.Limits.maxDepth`.
        case tooDeep(limit: Int)
        /// The input is longer than `JSONParser.Limits.maxBytes`.
        case inputTooLarge(limit: Int)
        /// A complete value is followed by something other than whitespace.
        case trailingData
        /// The value parsed, but the caller asked for an object and got something else.
        case notAnObject

        public var description: String {
            switch self {
            case .unexpectedEnd: "unexpected end of input"
            case .unexpectedByte(let byte): "unexpected byte \(Self.describe(byte))"
            case .invalidUTF8: "invalid UTF-8 in string"
            case .invalidEscape: "invalid escape sequence in string"
            case .unescapedControlCharacter(let byte):
                "unescaped control character \(Self.describe(byte)) in string"
            case .invalidUnicodeScalar: "\\u escape names a lone surrogate"
            case .invalidNumber: "invalid number"
            case .tooDeep(let limit): "nesting deeper than \(limit) levels"
            case .inputTooLarge(let limit): "input longer than \(limit) bytes"
            case .trailingData: "data after the JSON value"
            case .notAnObject: "expected a JSON object"
            }
        }

        /// Renders a byte as hex, with the character when it is printable ASCII.
        private static func describe(_ byte: UInt8) -> String {
            let hex = String(byte, radix: 16, uppercase: true)
            let code = "0x" + (hex.count == 1 ? "0" + hex : hex)
            guard byte >= 0x20, byte < 0x7F else { return code }
            return "\(code) ('\(Character(Unicode.Scalar(byte)))')"
        }
    }

    /// The rule the input broke.
    public var reason: Reason
    /// Zero-based byte offset of the offending byte in the input.
    public var offset: Int

    public init(reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "invalid JSON: \(reason) at offset \(offset)" }
}
