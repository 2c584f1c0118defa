// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

/// The error parsing `bytes` throws, or `nil` when it parses.
func parseError(_ bytes: [UInt8], limits: JSONParser.Limits = .default) -> JSONParseError? {
    do {
        _ = try JSONValue(parsing: bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// The error parsing the UTF-8 of `text` throws, or `nil` when it parses.
func parseError(_ text: String, limits: JSONParser.Limits = .default) -> JSONParseError? {
    parseError(Array(text.utf8), limits: limits)
}

/// A small, seeded, reproducible random number generator (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
