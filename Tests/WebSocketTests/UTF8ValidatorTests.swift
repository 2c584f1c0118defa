// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import WebSocket

@Suite struct UTF8ValidatorTests {
    static let valid: [[UInt8]] = [
        [],
        Array("plain ASCII that is longer than eight bytes".utf8),
        Array("κόσμε".utf8),
        [0xC2, 0x80], [0xDF, 0xBF],
        [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF],
        [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
        Array("emoji 😀 mixed with ascii".utf8),
    ]

    static let invalid: [[UInt8]] = [
        [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF],  // stray continuation, overlong 2-byte
        [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],  // overlong 3-byte
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],  // surrogates
        [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],  // overlong 4-byte
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],  // above U+10FFFF
        [0xC2], [0xE2, 0x82], [0xF0, 0x9F, 0x98],  // truncated
        [0xC2, 0x41], Array("abcdefgh".utf8) + [0xCE, 0xBA, 0xE1],
    ]

    @Test func acceptsWellFormedSequences() {
        for bytes in Self.valid { #expect(UTF8Validator.isValid(bytes), "\(bytes)") }
    }

    @Test func refusesIllFormedSequences() {
        for bytes in Self.invalid { #expect(!UTF8Validator.isValid(bytes), "\(bytes)") }
    }

    /// Split at every position the validator must agree with the standard library.
    @Test func agreesWithTheStandardLibraryAtEverySplit() {
        var generator = SeededGenerator(seed: 42)
        let alphabet: [UInt8] = [
            0x41, 0x7F, 0x80, 0xBF, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xA0, 0x90,
            0x8F,
        ]
        var inputs = Self.valid + Self.invalid
        for _ in 0..<400 {
            inputs.append(
                (0..<Int.random(in: 1...12, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator)!
                }
            )
        }
        for bytes in inputs {
            let expected = String(validating: bytes, as: UTF8.self) != nil
            for split in 0...bytes.count {
                var validator = UTF8Validator()
                let first = validator.validate(bytes[..<split])
                let second = validator.validate(bytes[split...])
                #expect(
                    (first && second && validator.isAtCharacterBoundary) == expected,
                    "\(bytes) split \(split)"
                )
            }
        }
    }

    @Test func failsOnTheFirstImpossibleByte() {
        var validator = UTF8Validator()
        let prefixIsValid = validator.validate([0xCE, 0xBA, 0xE1, 0xBD])  // mid-character
        #expect(prefixIsValid)
        #expect(!validator.isAtCharacterBoundary)
        let badByteIsValid = validator.validate([0xC0])
        #expect(!badByteIsValid)
        #expect(validator.hasFailed)
        let laterIsValid = validator.validate([0x41])
        #expect(!laterIsValid)
    }
}
