// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

extension JSONValue {
    /// The compact UTF-8 serialization: no whitespace, object keys in stored order, numbers
    /// as their lexeme.
    ///
    /// The output never contains a raw line feed (control characters are always escaped),
    /// so it can be sent as one line of a line-delimited protocol.
    public func serialized() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(128)
        write(into: &buffer)
        return buffer
    }

    /// The compact serialization as a `String`.
    public func serializedString() -> String {
        String(decoding: serialized(), as: UTF8.self)
    }

    /// Appends the compact serialization to `buffer`.
    ///
    /// Strings are written with the shortest escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
    /// `\t`, and `\u00XX` (lowercase hex) for the other control characters. Everything else,
    /// `/` and non-ASCII included, is written as raw UTF-8.
    ///
    /// Go's `encoding/json` also escapes `<`, `>`, `&`, U+2028 and U+2029 by default; this
    /// writer does not, so a string holding those serializes to different bytes (the same
    /// value) than the Go server would send. An escaping option would lift that if the
    /// devserver ever needs byte-identical output for such strings.
    public func write(into buffer: inout [UInt8]) {
        switch self {
        case .null:
            buffer.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(true):
            buffer.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case .bool(false):
            buffer.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        case .number(let number):
            buffer.append(contentsOf: number.text.utf8)
        case .string(let string):
            JSONValue.writeString(string, into: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { buffer.append(UInt8(ascii: ",")) }
                element.write(into: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let object):
            object.write(into: &buffer)
        }
    }

    /// Appends `string` as a quoted, escaped JSON string, copying unescaped runs whole.
    static func writeString(_ string: String, into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for position in 0..<utf8.count {
                let byte = utf8[position]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if runStart < position {
                    buffer.append(
                        contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position])
                    )
                }
                appendEscape(for: byte, into: &buffer)
                runStart = position + 1
            }
            if runStart < utf8.count {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// Appends the escape for a quote, backslash or control character.
    private static func appendEscape(for byte: UInt8, into buffer: inout [UInt8]) {
        let short: UInt8? =
            switch byte {
            case 0x22: UInt8(ascii: "\"")
            case 0x5C: UInt8(ascii: "\\")
            case 0x08: UInt8(ascii: "b")
            case 0x0C: UInt8(ascii: "f")
            case 0x0A: UInt8(ascii: "n")
            case 0x0D: UInt8(ascii: "r")
            case 0x09: UInt8(ascii: "t")
            default: nil
            }
        if let short {
            buffer.append(contentsOf: [UInt8(ascii: "\\"), short])
            return
        }
        let hexDigits: StaticString = "0123456789abcdef"
        buffer.append(contentsOf: [
            UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
            hexDigits.utf8Start[Int(byte >> 4)], hexDigits.utf8Start[Int(byte & 0x0F)],
        ])
    }
}

extension JSONObject {
    /// Appends the compact serialization, members in stored order.
    public func write(into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "{"))
        for (position, member) in members.enumerated() {
            if position > 0 { buffer.append(UInt8(ascii: ",")) }
            JSONValue.writeString(member.key, into: &buffer)
            buffer.append(UInt8(ascii: ":"))
            member.value.write(into: &buffer)
        }
        buffer.append(UInt8(ascii: "}"))
    }

    /// The compact UTF-8 serialization, members in stored order.
    public func serialized() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(128)
        write(into: &buffer)
        return buffer
    }
}
