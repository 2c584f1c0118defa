// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// One HTTP header line; names compare case-insensitively where it matters (lookups).
public struct HTTPHeaderField: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Prints the name only: header values may hold credentials (`Authorization`).
    public var description: String { "\(name): …" }

    /// Whether a name or value can be written on a header line without breaking the request
    /// (no CR, LF or NUL; names also without colon or white space).
    var isWellFormed: Bool {
        let nameIsToken =
            !name.isEmpty
            && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
        let valueIsSafe = value.utf8.allSatisfy { $0 != 0x0D && $0 != 0x0A && $0 != 0x00 }
        return nameIsToken && valueIsSafe
    }
}

extension [HTTPHeaderField] {
    /// The value of the first field called `name` (case-insensitive).
    public func first(named name: String) -> String? {
        first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value of the fields called `name`, split at commas and trimmed: the token list
    /// form of headers such as `Connection: keep-alive, Upgrade`.
    public func tokens(named name: String) -> [String] {
        filter { $0.name.lowercased() == name.lowercased() }
            .flatMap { $0.value.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }
}
