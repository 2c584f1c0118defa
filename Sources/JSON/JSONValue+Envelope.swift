// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Helpers for the relay's hot path: parse an envelope, rewrite a member or two, write it
/// back out with everything else untouched.
extension JSONObject {
    /// Parses a JSON text that must be an object.
    ///
    /// - Throws: `JSONParseError`; `notAnObject` (at the value's first byte) when the text
    ///   is valid JSON but not an object.
    public init(
        parsing bytes: some Collection<UInt8>,
        limits: JSONParser.Limits = .default
    ) throws(JSONParseError) {
        guard case .object(let object) = try JSONValue(parsing: bytes, limits: limits) else {
            let offset = bytes.prefix { [0x20, 0x0A, 0x0D, 0x09].contains($0) }.count
            throw JSONParseError(reason: .notAnObject, offset: offset)
        }
        self = object
    }

    /// A copy with `key` set to `value`: replaced in place when present, appended when not.
    ///
    /// The relay uses this to rewrite `ref` without moving it, and to add `seq` at the end.
    public func insertingOrReplacing(key: String, value: JSONValue) -> JSONObject {
        var copy = self
        copy.updateValue(value, forKey: key)
        return copy
    }

    /// A copy without the member `key` (unchanged when absent).
    public func removing(key: String) -> JSONObject {
        var copy = self
        copy.removeValue(forKey: key)
        return copy
    }

    /// The string member `key`, or `nil` when absent or not a string.
    public func string(forKey key: String) -> String? {
        self[key]?.stringValue
    }

    /// The serialization followed by one line feed, ready for a line-delimited socket.
    public func serializedLine() -> [UInt8] {
        var buffer = serialized()
        buffer.append(0x0A)
        return buffer
    }
}

extension JSONValue {
    /// The serialization followed by one line feed, ready for a line-delimited socket.
    public func serializedLine() -> [UInt8] {
        var buffer = serialized()
        buffer.append(0x0A)
        return buffer
    }
}
