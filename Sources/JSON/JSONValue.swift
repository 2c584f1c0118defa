// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A JSON value that keeps what Foundation's `JSONSerialization` loses: the order of object
/// keys and the exact text of numbers.
///
/// Parse with `init(parsing:)`, write with `serialized()` or `write(into:)`. Strings are
/// kept decoded (escapes resolved), so a round trip preserves every value, key order and
/// number lexeme, but writes escapes in this package's one canonical form.
///
/// Equality is structural and exact: key order and number spelling count.
///
/// Values nest by recursion, so comparing, hashing, writing or freeing a value recurses
/// once per level. Parsed values are bounded by `JSONParser.Limits.maxDepth`; values built
/// in code should stay within a few thousand levels as well.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

// MARK: - Accessors

extension JSONValue {
    /// The member `key` when this is an object that has it, otherwise `nil`.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The element at `index` when this is an array and `index` is in bounds, else `nil`.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let array) = self, array.indices.contains(index) else { return nil }
        return array[index]
    }

    /// The string, when this is a string.
    public var stringValue: String? {
        guard case .string(let string) = self else { return nil }
        return string
    }

    /// The Boolean, when this is `true` or `false`.
    public var boolValue: Bool? {
        guard case .bool(let bool) = self else { return nil }
        return bool
    }

    /// The number, when this is a number.
    public var numberValue: JSONNumber? {
        guard case .number(let number) = self else { return nil }
        return number
    }

    /// The number as an `Int64`, when this is a number with an integral value in range.
    public var int64Value: Int64? { numberValue?.int64Value }

    /// The number as an `Int`, when this is a number with an integral value in range.
    public var intValue: Int? { int64Value.flatMap { Int(exactly: $0) } }

    /// The number as a `Double`, when this is a number.
    public var doubleValue: Double? { numberValue?.doubleValue }

    /// The object, when this is an object.
    public var objectValue: JSONObject? {
        guard case .object(let object) = self else { return nil }
        return object
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        guard case .array(let array) = self else { return nil }
        return array
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) {
        self = .number(JSONNumber(value))
    }
}

extension JSONValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) {
        self = .number(JSONNumber(value))
    }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// An object with the literal's members in written order (a repeated key keeps its last
    /// value at its first position).
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}

// MARK: - Convenience initialisers

extension JSONValue {
    /// A number value with the decimal text of `value`.
    public init(_ value: some BinaryInteger) {
        self = .number(JSONNumber(value))
    }

    /// A number value with the shortest round-trip text of `value`.
    ///
    /// - Precondition: `value` is finite.
    public init(_ value: Double) {
        self = .number(JSONNumber(value))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact serialized form.
    public var description: String { serializedString() }
}
