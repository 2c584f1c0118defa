// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

/// Builds random values from a seeded generator, favouring the awkward cases: escapes,
/// non-ASCII, surrogate-pair scalars, unusual number lexemes, empty and nested containers.
private struct ValueGenerator {
    var random: SeededGenerator

    private static let scalars: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}",
        "\u{D}", "\u{1F}", "\u{7F}", "é", "ß", "€", "\u{2028}", "\u{FFFF}", "😀", "𝄞",
        "\u{10FFFF}",
    ]

    private static let lexemes = [
        "0", "-0", "1.0", "1e5", "1E+5", "-1.5e-7", "0.000001", "123456789012345678901234567890",
        "9223372036854775807", "-9223372036854775808",
    ]

    mutating func string() -> String {
        let length = Int.random(in: 0...12, using: &random)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length { scalars.append(Self.scalars.randomElement(using: &random)!) }
        return String(scalars)
    }

    mutating func number() -> JSONNumber {
        switch Int.random(in: 0..<3, using: &random) {
        case 0: JSONNumber(Int64.random(in: .min ... .max, using: &random))
        case 1: JSONNumber(Double.random(in: -1e12...1e12, using: &random))
        default: JSONNumber(text: Self.lexemes.randomElement(using: &random)!)!
        }
    }

    mutating func value(depth: Int) -> JSONValue {
        let kinds = depth > 0 ? 7 : 5
        switch Int.random(in: 0..<kinds, using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(number())
        case 3, 4: return .string(string())
        case 5:
            let count = Int.random(in: 0...5, using: &random)
            return .array((0..<count).map { _ in value(depth: depth - 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                object[string()] = value(depth: depth - 1)
            }
            return .object(object)
        }
    }
}

@Test func serializedRandomValuesParseBackToEqualValues() throws {
    var generator = ValueGenerator(random: SeededGenerator(seed: 20_261_203))
    for _ in 0..<2_000 {
        let value = generator.value(depth: 4)
        let bytes = value.serialized()
        let parsed = try JSONValue(parsing: bytes)
        #expect(parsed == value, "\(value)")
        #expect(parsed.serialized() == bytes)
        #expect(!bytes.contains(0x0A))
    }
}

@Test func truncatedSerializedArraysAreAlwaysRejected() {
    var generator = ValueGenerator(random: SeededGenerator(seed: 7))
    for _ in 0..<200 {
        let value = JSONValue.array([generator.value(depth: 3)])
        let bytes = value.serialized()
        for cut in 0..<bytes.count {
            #expect(parseError(Array(bytes[..<cut])) != nil, "\(value) cut at \(cut)")
        }
    }
}

@Test func mutatedInputEitherParsesOrFailsCleanly() throws {
    var generator = ValueGenerator(random: SeededGenerator(seed: 99))
    let interesting: [UInt8] = [
        0x00, 0x0A, 0x22, 0x2C, 0x2D, 0x30, 0x5B, 0x5C, 0x5D, 0x75, 0x7B,
        0x7D, 0x80, 0xBF, 0xC0, 0xE0, 0xED, 0xF4, 0xFF,
    ]
    for _ in 0..<2_000 {
        var bytes = generator.value(depth: 3).serialized()
        guard !bytes.isEmpty else { continue }
        for _ in 0..<Int.random(in: 1...3, using: &generator.random) {
            let position = Int.random(in: 0..<bytes.count, using: &generator.random)
            bytes[position] = interesting.randomElement(using: &generator.random)!
        }
        do {
            let parsed = try JSONValue(parsing: bytes)
            #expect(try JSONValue(parsing: parsed.serialized()) == parsed)
        } catch {
            #expect(error.offset >= 0 && error.offset <= bytes.count)
        }
    }
}
