// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A JSON object that keeps its members in order.
///
/// Members stay in the order they were parsed or inserted, and `serialized()` writes them
/// in that order, so a forwarded envelope keeps the sender's key order. Keys are unique:
///
/// - Setting an existing key replaces its value in place; a new key is appended.
/// - Duplicate keys in parsed input or in a literal keep the *last* value at the *first*
///   key's position. The value matches Go's `encoding/json` (last one wins) and the
///   position keeps the object's shape stable for readers that look at key order.
///
/// Lookups scan the members linearly, which beats hashing for the handful of keys an
/// envelope has; objects with thousands of keys work but make each lookup O(n).
///
/// Equality and hashing are ordered: `{"a":1,"b":2}` and `{"b":2,"a":1}` differ.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One member: a key and its value.
    public typealias Element = (key: String, value: JSONValue)

    /// The members in order; keys are unique.
    public private(set) var members: [Element]

    /// An empty object.
    public init() {
        self.members = []
    }

    /// An object of `pairs` in order; a repeated key keeps its last value at its first
    /// position.
    public init(_ pairs: [(String, JSONValue)]) {
        self.init(deduplicating: pairs, count: pairs.count)
    }

    /// An object of `pairs` in order; a repeated key keeps its last value at its first
    /// position.
    ///
    /// Small objects find duplicates by scanning; larger ones through a hash index, so a
    /// hostile input with many keys costs O(n), not O(n²).
    init<Pairs: Sequence<(String, JSONValue)>>(deduplicating pairs: Pairs, count: Int) {
        var members: [Element] = []
        members.reserveCapacity(count)
        var positions: [String: Int]? = count > 16 ? [:] : nil
        for (key, value) in pairs {
            let existing: Int?
            if positions != nil {
                existing = positions![key]
                if existing == nil { positions![key] = members.count }
            } else {
                existing = members.firstIndex { $0.key == key }
            }
            if let existing {
                members[existing].value = value
            } else {
                members.append((key, value))
            }
        }
        self.members = members
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// The value for `key`, or `nil` when absent.
    ///
    /// Setting a value replaces an existing member in place or appends a new one; setting
    /// `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let index = index(forKey: key) else { return nil }
            return members[index].value
        }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The values in key order.
    public var values: [JSONValue] { members.map(\.value) }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The position of `key` among the members, or `nil` when absent.
    public func index(forKey key: String) -> Int? {
        members.firstIndex { $0.key == key }
    }

    /// Replaces the value of `key` in place, or appends the member when `key` is new.
    ///
    /// - Returns: The value replaced, or `nil` when the member was appended.
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        if let index = index(forKey: key) {
            let old = members[index].value
            members[index].value = value
            return old
        }
        members.append((key, value))
        return nil
    }

    /// Removes the member for `key`, keeping the others in order.
    ///
    /// - Returns: The value removed, or `nil` when there was no such member.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = index(forKey: key) else { return nil }
        return members.remove(at: index).value
    }

    public func makeIterator() -> IndexingIterator<[Element]> {
        members.makeIterator()
    }

    public var underestimatedCount: Int { members.count }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.elementsEqual(rhs.members) { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for (key, value) in members {
            hasher.combine(key)
            hasher.combine(value)
        }
    }
}

extension JSONObject: CustomStringConvertible {
    /// The compact serialized form.
    public var description: String { JSONValue.object(self).serializedString() }
}
