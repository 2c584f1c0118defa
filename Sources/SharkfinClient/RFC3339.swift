// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Parses the server's timestamps: RFC 3339 in UTC (`2026-12-03T15:34:16Z`), with or
/// without fractional seconds (`mention_group` uses microseconds), or with an offset.
enum RFC3339 {
    /// The date `text` names, or nil when it is not RFC 3339.
    static func date(from text: String) -> Date? {
        let whole = Date.ISO8601FormatStyle(includingFractionalSeconds: false)
        if let date = try? whole.parse(text) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? fractional.parse(text)
    }
}
