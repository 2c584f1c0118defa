// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

extension JSONCursor {
    /// Parses a string whose opening quote is at the index, leaving the index past the
    /// closing quote.
    ///
    /// A string without escapes becomes a `String` straight from the input bytes; escapes
    /// switch to assembling the bytes in `scratch`, copying each unescaped run whole.
    /// Non-ASCII bytes are checked against Unicode's table of well-formed UTF-8 (Table 3-7).
    mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        var runStart = index
        var usesScratch = false
        while true {
            while index < bytes.count {
                let byte = bytes[index]
                guard byte >= 0x20, byte < 0x80, byte != 0x22, byte != 0x5C else { break }
                index += 1
            }
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            switch bytes[index] {
            case 0x22:
                let run = UnsafeBufferPointer(rebasing: bytes[runStart..<index])
                index += 1
                guard usesScratch else { return String(decoding: run, as: UTF8.self) }
                scratch.append(contentsOf: run)
                return String(decoding: scratch, as: UTF8.self)
            case 0x5C:
                if !usesScratch {
                    scratch.removeAll(keepingCapacity: true)
                    usesScratch = true
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                try parseEscape()
                runStart = index
            case let byte where byte < 0x20:
                throw error(.unescapedControlCharacter(byte))
            default:
                try skipUTF8Sequence()
            }
        }
    }

    /// Checks the multi-byte UTF-8 sequence whose lead byte is at the index and skips it.
    ///
    /// Rejects what Table 3-7 of the Unicode Standard rejects: continuation bytes as lead
    /// bytes, overlong forms (C0, C1, E0 80-9F, F0 80-8F), surrogates (ED A0-BF), code
    /// points above U+10FFFF (F4 90 and up, F5-FF) and sequences cut short.
    private mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = bytes[index]
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondHigh = 0x9F
        case 0xF0:
            length = 4
            secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondHigh = 0x8F
        default: throw error(.invalidUTF8)
        }
        for position in 1..<length {
            guard index + position < bytes.count else {
                index = bytes.count
                throw error(.unexpectedEnd)
            }
            let byte = bytes[index + position]
            let low = position == 1 ? secondLow : 0x80
            let high = position == 1 ? secondHigh : 0xBF
            guard byte >= low, byte <= high else { throw error(.invalidUTF8) }
        }
        index += length
    }

    /// Decodes the escape whose backslash is at the index into `scratch`.
    private mutating func parseEscape() throws(JSONParseError) {
        guard index + 1 < bytes.count else {
            index = bytes.count
            throw error(.unexpectedEnd)
        }
        let decoded: UInt8
        switch bytes[index + 1] {
        case UInt8(ascii: "\""): decoded = 0x22
        case UInt8(ascii: "\\"): decoded = 0x5C
        case UInt8(ascii: "/"): decoded = 0x2F
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            try parseUnicodeEscape()
            return
        default:
            throw error(.invalidEscape)
        }
        scratch.append(decoded)
        index += 2
    }

    /// Decodes `\uXXXX`, or a `\uD8xx\uDCxx` surrogate pair, into UTF-8 in `scratch`.
    ///
    /// A high surrogate must be followed at once by an escaped low surrogate; a low
    /// surrogate alone, or a high one without its partner, is `invalidUnicodeScalar`
    /// reported at the first escape's backslash.
    private mutating func parseUnicodeEscape() throws(JSONParseError) {
        let escapeStart = index
        var scalar = try hexQuad(at: index + 2)
        index += 6
        switch scalar {
        case 0xD800...0xDBFF:
            // Input that ends where the low surrogate's escape could still follow is cut
            // short; anything else in that place leaves the high surrogate alone.
            let backslashFollows = index < bytes.count && bytes[index] == 0x5C
            guard index < bytes.count, !backslashFollows || index + 1 < bytes.count else {
                index = bytes.count
                throw error(.unexpectedEnd)
            }
            guard backslashFollows, bytes[index + 1] == UInt8(ascii: "u") else {
                index = escapeStart
                throw error(.invalidUnicodeScalar)
            }
            let low = try hexQuad(at: index + 2)
            guard (0xDC00...0xDFFF).contains(low) else {
                index = escapeStart
                throw error(.invalidUnicodeScalar)
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            index += 6
        case 0xDC00...0xDFFF:
            index = escapeStart
            throw error(.invalidUnicodeScalar)
        default:
            break
        }
        appendUTF8(of: scalar)
    }

    /// Reads four hex digits at `offset`.
    private mutating func hexQuad(at offset: Int) throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for position in offset..<(offset + 4) {
            guard position < bytes.count else {
                index = bytes.count
                throw error(.unexpectedEnd)
            }
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                index = position
                throw error(.invalidEscape)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Appends the UTF-8 encoding of a scalar value (never a surrogate) to `scratch`.
    private mutating func appendUTF8(of scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(0xC0 | UInt8(scalar >> 6))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(0xE0 | UInt8(scalar >> 12))
            scratch.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        default:
            scratch.append(0xF0 | UInt8(scalar >> 18))
            scratch.append(0x80 | UInt8(scalar >> 12 & 0x3F))
            scratch.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        }
    }
}
