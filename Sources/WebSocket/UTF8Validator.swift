// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// An incremental UTF-8 validator: feed it a message piece by piece and it says, at the first
/// byte that cannot be part of valid UTF-8, that the message is invalid.
///
/// It accepts exactly the well-formed sequences of Unicode §3.9 table 3-7: no overlong forms,
/// no surrogates (U+D800-DFFF), nothing above U+10FFFF. A sequence may be split anywhere
/// between pieces; `isAtCharacterBoundary` tells whether the bytes so far end a character,
/// which a complete message must. WebSocket text messages fail fast this way, as Autobahn's
/// cases 6.x expect: the connection is failed on the fragment (or even the part of a frame)
/// that holds the first impossible byte, without waiting for the end of the message.
public struct UTF8Validator: Sendable, Hashable {
    /// Continuation bytes still expected for the current character.
    private var remaining: UInt8 = 0
    /// The range the next continuation byte must fall in; the first continuation byte after
    /// E0, ED, F0 and F4 is narrower than 80-BF (that is how overlongs, surrogates and values
    /// above U+10FFFF are refused).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    /// Set at the first invalid byte; stays set until `reset()`.
    public private(set) var hasFailed = false

    public init() {}

    /// Whether the bytes validated so far end on a character boundary (and none was invalid).
    public var isAtCharacterBoundary: Bool { remaining == 0 && !hasFailed }

    /// Forgets everything, ready for the next message.
    public mutating func reset() { self = UTF8Validator() }

    /// Validates the next piece of the message.
    ///
    /// - Returns: `false` once any byte so far was invalid.
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !hasFailed else { return false }
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            if remaining == 0 {
                // ASCII fast path: skip eight bytes at a time while no high bit is set.
                while index + 8 <= count {
                    let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    guard word & 0x8080_8080_8080_8080 == 0 else { break }
                    index += 8
                }
                guard index < count else { break }
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                index += 1
                if byte < 0x80 { continue }
                guard startSequence(byte) else {
                    hasFailed = true
                    return false
                }
            } else {
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                index += 1
                guard byte >= lower && byte <= upper else {
                    hasFailed = true
                    return false
                }
                remaining -= 1
                lower = 0x80
                upper = 0xBF
            }
        }
        return true
    }

    /// Validates the next piece of the message; see `validate(_:)` for raw buffers.
    public mutating func validate(_ bytes: some Sequence<UInt8>) -> Bool {
        if let result = bytes.withContiguousStorageIfAvailable({
            validate(UnsafeRawBufferPointer($0))
        }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { validate($0) }
    }

    /// Whether `bytes` is a complete, valid UTF-8 string.
    public static func isValid(_ bytes: some Sequence<UInt8>) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) && validator.isAtCharacterBoundary
    }

    /// Sets up the state after a lead byte; `false` if it can never start a character.
    private mutating func startSequence(_ byte: UInt8) -> Bool {
        switch byte {
        case 0xC2...0xDF: remaining = 1
        case 0xE0:
            remaining = 2
            lower = 0xA0  // below A0 would be an overlong three-byte form
        case 0xE1...0xEC, 0xEE...0xEF: remaining = 2
        case 0xED:
            remaining = 2
            upper = 0x9F  // above 9F would encode a UTF-16 surrogate
        case 0xF0:
            remaining = 3
            lower = 0x90  // below 90 would be an overlong four-byte form
        case 0xF1...0xF3: remaining = 3
        case 0xF4:
            remaining = 3
            upper = 0x8F  // above 8F would exceed U+10FFFF
        default: return false  // 80-BF (stray continuation), C0-C1 (overlong), F5-FF
        }
        return true
    }
}
