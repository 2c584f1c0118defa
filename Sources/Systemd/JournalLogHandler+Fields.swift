// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

extension JournalLogHandler {
    /// The prefix of every field made from a metadata key.
    public static let metadataFieldPrefix = "SHARKFIN_"

    /// The field that keeps a metadata entry whose key cannot become a field name; its
    /// value is `key=value`, so nothing is lost.
    static let unmappedField = "SHARKFIN_UNMAPPED_METADATA"

    /// The longest field name journald accepts; longer ones are silently dropped by it.
    static let maximumFieldNameLength = 64

    /// The journal field for metadata `key`, or `nil` when none can be made.
    ///
    /// Letters are uppercased; `.`, `-` and any other character outside `A-Z`, `0-9`,
    /// `_` become `_`; `SHARKFIN_` goes in front, so the name never starts with `_` or a
    /// digit (which journald reserves or rejects). `client.pid` becomes
    /// `SHARKFIN_CLIENT_PID`. Keys that are empty, or that would exceed journald's 64
    /// characters, yield `nil`; the handler then logs them in `SHARKFIN_UNMAPPED_METADATA`.
    ///
    /// Distinct keys can meet in one name (`a.b`, `a-b`); journald then keeps both values
    /// under that field, in key order.
    public static func fieldName(forMetadataKey key: String) -> String? {
        guard !key.isEmpty else { return nil }
        var name = metadataFieldPrefix
        var length = name.unicodeScalars.count
        for scalar in key.unicodeScalars {
            length += 1
            if length > maximumFieldNameLength { return nil }
            switch scalar {
            case "A"..."Z", "0"..."9", "_":
                name.unicodeScalars.append(scalar)
            case "a"..."z":
                name.unicodeScalars.append(Unicode.Scalar(scalar.value - 0x20)!)
            default:
                name.unicodeScalars.append("_")
            }
        }
        return name
    }

    /// Whether journald would store a field named `name`: 1 to 64 characters from
    /// `A-Z`, `0-9` and `_`, not starting with `_` (reserved for trusted fields) or a
    /// digit.
    public static func isValidFieldName(_ name: String) -> Bool {
        let scalars = name.unicodeScalars
        guard let first = scalars.first, scalars.count <= maximumFieldNameLength else {
            return false
        }
        if first == "_" || ("0"..."9").contains(first) { return false }
        return scalars.allSatisfy { scalar in
            ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
        }
    }
}
