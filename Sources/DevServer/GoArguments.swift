// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

/// Reads operation arguments the way Go's `json.Unmarshal` fills a struct, so the dev
/// server accepts and refuses exactly what the real server does.
///
/// - An absent `d` is an error (Go fails on empty input); `null` leaves every field zero.
/// - A `d` that is not an object is an error and leaves every field zero.
/// - Keys match field names exactly or case-insensitively; the last matching key wins.
/// - A field of the wrong type is an error, but decoding goes on with the other fields
///   (Go reports the first type error at the end), which matters to the handlers that
///   ignore the error (`set_state`, `unread_messages`).
/// - Integer fields take only integer literals (`1.0` and `1e2` are errors) in range;
///   `null` leaves a field at zero or absent.
struct GoArguments {
    /// Whether Go's `Unmarshal` would have returned an error.
    private(set) var failed: Bool
    private let object: JSONObject

    init(_ data: JSONValue?) {
        switch data {
        case nil:
            failed = true
            object = JSONObject()
        case .null?:
            failed = false
            object = JSONObject()
        case .object(let object)?:
            failed = false
            self.object = object
        case .bool?, .number?, .string?, .array?:
            failed = true
            object = JSONObject()
        }
    }

    /// Throws `invalidArguments` when any field failed to decode.
    func check() throws(ChatError) {
        if failed { throw .invalidArguments }
    }

    /// The value Go would assign to the field `name`, or `nil` for none.
    private func value(_ name: String) -> JSONValue? {
        var found: JSONValue? = nil
        for (key, value) in object where key == name || key.lowercased() == name.lowercased() {
            found = value
        }
        if case .null? = found { return nil }
        return found
    }

    mutating func string(_ name: String) -> String {
        optionalString(name) ?? ""
    }

    mutating func optionalString(_ name: String) -> String? {
        guard let value = value(name) else { return nil }
        guard case .string(let string) = value else {
            failed = true
            return nil
        }
        return string
    }

    mutating func bool(_ name: String) -> Bool {
        guard let value = value(name) else { return false }
        guard case .bool(let bool) = value else {
            failed = true
            return false
        }
        return bool
    }

    mutating func int64(_ name: String) -> Int64? {
        guard let value = value(name) else { return nil }
        guard case .number(let number) = value, let integer = Self.goInteger(number) else {
            failed = true
            return nil
        }
        return integer
    }

    mutating func int(_ name: String) -> Int {
        int64(name).flatMap { Int(exactly: $0) } ?? 0
    }

    /// A `[]string` field; `null` elements read as empty strings, as in Go.
    mutating func stringArray(_ name: String) -> [String] {
        guard let value = value(name) else { return [] }
        guard case .array(let elements) = value else {
            failed = true
            return []
        }
        var result: [String] = []
        for element in elements {
            switch element {
            case .string(let string): result.append(string)
            case .null: result.append("")
            default: failed = true
            }
        }
        return result
    }

    /// A `map[string]any` field, as REST `metadata`.
    mutating func object(_ name: String) -> JSONObject? {
        guard let value = value(name) else { return nil }
        guard case .object(let object) = value else {
            failed = true
            return nil
        }
        return object
    }

    /// Go's `strconv.ParseInt` on the literal: digits with an optional minus, in range.
    static func goInteger(_ number: JSONNumber) -> Int64? {
        let text = number.text
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return Int64(text)
    }
}
