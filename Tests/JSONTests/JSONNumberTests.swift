// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

@Test(arguments: [
    "0", "-0", "1", "-1", "1.0", "1e5", "1E+5", "1e-5", "0.0001", "-0.0e-0", "1e0009",
    "123456789012345678901234567890", "1.5e300", "9223372036854775808",
])
func numberAcceptsRFC8259Lexemes(_ text: String) {
    #expect(JSONNumber(text: text)?.text == text)
}

@Test(arguments: [
    "", " 1", "1 ", "+1", "01", "-01", "1.", ".1", "1e", "1e+", "--1", "-", "NaN", "Infinity",
    "-Infinity", "0x1", "1_000", "1,5", "١", "1.5.5", "1ee5",
])
func numberRejectsEverythingElse(_ text: String) {
    #expect(JSONNumber(text: text) == nil)
}

@Test func int64ValueIsExactForIntegralValuesInRange() {
    let cases: [(String, Int64?)] = [
        ("12", 12), ("-0", 0), ("0.000", 0), ("0e999999999999999999999", 0),
        ("1.0", 1), ("1.2e1", 12), ("120e-1", 12), ("100e-2", 1),
        ("1e18", 1_000_000_000_000_000_000),
        ("9223372036854775807", .max), ("-9223372036854775808", .min),
        ("9.223372036854775807e18", .max),
        ("1.5", nil), ("1e-400", nil), ("1e19", nil), ("9223372036854775808", nil),
        ("-9223372036854775809", nil), ("1e99999999999999999999999", nil),
        ("123456789012345678901234567890", nil), ("0.1e1", 1), ("10e-1", 1), ("15e-1", nil),
    ]
    for (text, expected) in cases {
        #expect(JSONNumber(text: text)?.int64Value == expected, "\(text)")
    }
}

@Test func uint64ValueCoversTheUnsignedRange() {
    #expect(JSONNumber(text: "18446744073709551615")?.uint64Value == .max)
    #expect(JSONNumber(text: "18446744073709551616")?.uint64Value == nil)
    #expect(JSONNumber(text: "18446744073709551615")?.int64Value == nil)
    #expect(JSONNumber(text: "-1")?.uint64Value == nil)
    #expect(JSONNumber(text: "-0")?.uint64Value == 0)
}

@Test func doubleValueRoundsToNearestAndSaturates() {
    #expect(JSONNumber(text: "0.1")?.doubleValue == 0.1)
    #expect(JSONNumber(text: "-0")?.doubleValue.sign == .minus)
    #expect(JSONNumber(text: "1e400")?.doubleValue == .infinity)
    #expect(JSONNumber(text: "-1e400")?.doubleValue == -.infinity)
    #expect(JSONNumber(text: "1e-400")?.doubleValue == 0)
    #expect(JSONNumber(text: "9007199254740993")?.doubleValue == 9_007_199_254_740_992)
}

@Test func numberFromDoubleUsesShortestRoundTripText() {
    #expect(JSONNumber(0.1).text == "0.1")
    #expect(JSONNumber(1.0).text == "1.0")
    #expect(JSONNumber(-0.0).text == "-0.0")
    #expect(JSONNumber(1e16).text == "1e+16")
    #expect(JSONNumber(5e-324).text == "5e-324")
    #expect(JSONNumber(Double.greatestFiniteMagnitude).text == "1.7976931348623157e+308")
}

@Test func numberFromRandomFiniteDoublesIsValidAndExact() {
    var generator = SeededGenerator(seed: 0x5EED)
    for _ in 0..<5_000 {
        let double = Double(bitPattern: generator.next())
        guard double.isFinite else { continue }
        let number = JSONNumber(double)
        #expect(JSONNumber(text: number.text) != nil, "\(number.text)")
        #expect(number.doubleValue.bitPattern == double.bitPattern, "\(number.text)")
    }
}

@Test func numberFromIntegersUsesDecimalText() {
    #expect(JSONNumber(42).text == "42")
    #expect(JSONNumber(Int64.min).text == "-9223372036854775808")
    #expect(JSONNumber(UInt64.max).text == "18446744073709551615")
    #expect(JSONNumber(Int64.min).int64Value == .min)
    let literal: JSONNumber = 7
    #expect(literal.text == "7")
}

@Test func numberEqualityComparesLexemes() {
    #expect(JSONNumber(text: "1.0") != JSONNumber(text: "1"))
    #expect(JSONNumber(text: "1.0")?.int64Value == JSONNumber(text: "1")?.int64Value)
    #expect(JSONNumber(text: "1e5") == JSONNumber(text: "1e5"))
}
