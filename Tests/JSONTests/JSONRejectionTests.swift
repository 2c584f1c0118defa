// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

/// One input the parser must refuse, with the error it must report.
struct Rejection: Sendable, CustomTestStringConvertible {
    var input: [UInt8]
    var reason: JSONParseError.Reason
    var offset: Int

    init(_ text: String, _ reason: JSONParseError.Reason, at offset: Int) {
        self.input = Array(text.utf8)
        self.reason = reason
        self.offset = offset
    }

    init(bytes: [UInt8], _ reason: JSONParseError.Reason, at offset: Int) {
        self.input = bytes
        self.reason = reason
        self.offset = offset
    }

    var testDescription: String { "\(input.map { String($0, radix: 16) }) -> \(reason)" }
}

/// Wraps raw bytes in double quotes: a string literal with exactly those contents.
private func quoted(_ bytes: [UInt8]) -> [UInt8] { [0x22] + bytes + [0x22] }

private let grammarRejections: [Rejection] = [
    Rejection("", .unexpectedEnd, at: 0),
    Rejection("   \n", .unexpectedEnd, at: 4),
    Rejection("[", .unexpectedEnd, at: 1),
    Rejection("{", .unexpectedEnd, at: 1),
    Rejection("[1,", .unexpectedEnd, at: 3),
    Rejection("{\"a\"", .unexpectedEnd, at: 4),
    Rejection("{\"a\":", .unexpectedEnd, at: 5),
    Rejection("{\"a\":1", .unexpectedEnd, at: 6),
    Rejection("[1,]", .unexpectedByte(UInt8(ascii: "]")), at: 3),
    Rejection("{\"a\":1,}", .unexpectedByte(UInt8(ascii: "}")), at: 7),
    Rejection("[,1]", .unexpectedByte(UInt8(ascii: ",")), at: 1),
    Rejection("{,}", .unexpectedByte(UInt8(ascii: ",")), at: 1),
    Rejection("[1 2]", .unexpectedByte(UInt8(ascii: "2")), at: 3),
    Rejection("{\"a\" 1}", .unexpectedByte(UInt8(ascii: "1")), at: 5),
    Rejection("{\"a\":1 \"b\":2}", .unexpectedByte(UInt8(ascii: "\"")), at: 7),
    Rejection("{\"a\":1,\"b\"}", .unexpectedByte(UInt8(ascii: "}")), at: 10),
    Rejection("{a:1}", .unexpectedByte(UInt8(ascii: "a")), at: 1),
    Rejection("{'a':1}", .unexpectedByte(UInt8(ascii: "'")), at: 1),
    Rejection("['a']", .unexpectedByte(UInt8(ascii: "'")), at: 1),
    Rejection("[1}", .unexpectedByte(UInt8(ascii: "}")), at: 2),
    Rejection("{\"a\":1]", .unexpectedByte(UInt8(ascii: "]")), at: 6),
    Rejection("{1:2}", .unexpectedByte(UInt8(ascii: "1")), at: 1),
    Rejection("[1]]", .trailingData, at: 3),
    Rejection("1 2", .trailingData, at: 2),
    Rejection("{}{}", .trailingData, at: 2),
    Rejection("truefalse", .trailingData, at: 4),
    Rejection("0x10", .trailingData, at: 1),
    Rejection("[0x10]", .unexpectedByte(UInt8(ascii: "x")), at: 2),
    Rejection("// comment\n1", .unexpectedByte(UInt8(ascii: "/")), at: 0),
    Rejection("/* c */ 1", .unexpectedByte(UInt8(ascii: "/")), at: 0),
    Rejection("[1] // c", .trailingData, at: 4),
    Rejection("[1,/*x*/2]", .unexpectedByte(UInt8(ascii: "/")), at: 3),
    Rejection("tru", .unexpectedEnd, at: 3),
    Rejection("trux", .unexpectedByte(UInt8(ascii: "x")), at: 3),
    Rejection("True", .unexpectedByte(UInt8(ascii: "T")), at: 0),
    Rejection("nul", .unexpectedEnd, at: 3),
    Rejection("nulL", .unexpectedByte(UInt8(ascii: "L")), at: 3),
    Rejection("undefined", .unexpectedByte(UInt8(ascii: "u")), at: 0),
    Rejection("\u{FEFF}1", .unexpectedByte(0xEF), at: 0),
    Rejection("\u{A0}1", .unexpectedByte(0xC2), at: 0),
    Rejection("[1\u{0B}]", .unexpectedByte(0x0B), at: 2),
    Rejection("[1\u{0C}]", .unexpectedByte(0x0C), at: 2),
    Rejection("é", .unexpectedByte(0xC3), at: 0),
]

private let numberRejections: [Rejection] = [
    Rejection("NaN", .unexpectedByte(UInt8(ascii: "N")), at: 0),
    Rejection("Infinity", .unexpectedByte(UInt8(ascii: "I")), at: 0),
    Rejection("-Infinity", .invalidNumber, at: 1),
    Rejection("[-NaN]", .invalidNumber, at: 2),
    Rejection("01", .invalidNumber, at: 1),
    Rejection("-01", .invalidNumber, at: 2),
    Rejection("[00]", .invalidNumber, at: 2),
    Rejection("+1", .unexpectedByte(UInt8(ascii: "+")), at: 0),
    Rejection(".5", .unexpectedByte(UInt8(ascii: ".")), at: 0),
    Rejection("1.", .unexpectedEnd, at: 2),
    Rejection("[1.]", .invalidNumber, at: 3),
    Rejection("1.e5", .invalidNumber, at: 2),
    Rejection("1e", .unexpectedEnd, at: 2),
    Rejection("1e+", .unexpectedEnd, at: 3),
    Rejection("1ex", .invalidNumber, at: 2),
    Rejection("1e+-1", .invalidNumber, at: 3),
    Rejection("-", .unexpectedEnd, at: 1),
    Rejection("[-]", .invalidNumber, at: 2),
    Rejection("--1", .invalidNumber, at: 1),
    Rejection("1.5.5", .trailingData, at: 3),
]

private let stringRejections: [Rejection] = [
    Rejection("\"abc", .unexpectedEnd, at: 4),
    Rejection("\"a\u{01}b\"", .unescapedControlCharacter(0x01), at: 2),
    Rejection("\"a\nb\"", .unescapedControlCharacter(0x0A), at: 2),
    Rejection("\"\t\"", .unescapedControlCharacter(0x09), at: 1),
    Rejection(bytes: quoted([0x00]), .unescapedControlCharacter(0x00), at: 1),
    Rejection("\"\\x\"", .invalidEscape, at: 1),
    Rejection("\"\\U0041\"", .invalidEscape, at: 1),
    Rejection("\"\\'\"", .invalidEscape, at: 1),
    Rejection("\"\\u12G4\"", .invalidEscape, at: 5),
    Rejection("\"\\u12\"", .invalidEscape, at: 5),
    Rejection("\"\\", .unexpectedEnd, at: 2),
    Rejection("\"\\u00", .unexpectedEnd, at: 5),
    Rejection("\"\\ud800", .unexpectedEnd, at: 7),
    Rejection("\"\\ud800\"", .invalidUnicodeScalar, at: 1),
    Rejection("\"\\udc00\"", .invalidUnicodeScalar, at: 1),
    Rejection("\"\\uDFFF\\uD800\"", .invalidUnicodeScalar, at: 1),
    Rejection("\"\\ud800\\u0041\"", .invalidUnicodeScalar, at: 1),
    Rejection("\"\\ud800\\ud800\"", .invalidUnicodeScalar, at: 1),
    Rejection("\"ab\\ud800x\"", .invalidUnicodeScalar, at: 3),
    Rejection("\"\\ud800\\n\"", .invalidUnicodeScalar, at: 1),
    Rejection("{\"\\ud800\":1}", .invalidUnicodeScalar, at: 2),
]

private let utf8Rejections: [Rejection] = [
    Rejection(bytes: quoted([0x80]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xBF]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0x61, 0xC0, 0xAF]), .invalidUTF8, at: 2),
    Rejection(bytes: quoted([0xC1, 0xBF]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xE0, 0x80, 0xAF]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xE0, 0x9F, 0xBF]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xF0, 0x80, 0x80, 0xAF]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xF0, 0x8F, 0xBF, 0xBF]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xED, 0xA0, 0x80]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xED, 0xBF, 0xBF]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xED, 0xA0, 0xBD, 0xED, 0xB2, 0xA9]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xF4, 0x90, 0x80, 0x80]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xF5, 0x80, 0x80, 0x80]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xF8, 0x88, 0x80, 0x80, 0x80]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xFE]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xFF]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xC3]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xE2, 0x82]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xF0, 0x9F, 0x98]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xE2, 0x28, 0xA1]), .invalidUTF8, at: 1),
    Rejection(bytes: quoted([0xC3, 0xC3, 0xA9]), .invalidUTF8, at: 1),
    Rejection(bytes: [0x22, 0xE2, 0x82], .unexpectedEnd, at: 3),
    Rejection(bytes: [0x22, 0xF0, 0x9F], .unexpectedEnd, at: 3),
]

@Test(arguments: grammarRejections)
func parserRejectsMalformedStructure(_ rejection: Rejection) {
    let error = parseError(rejection.input)
    #expect(error == JSONParseError(reason: rejection.reason, offset: rejection.offset))
}

@Test(arguments: numberRejections)
func parserRejectsNumbersOutsideRFC8259(_ rejection: Rejection) {
    let error = parseError(rejection.input)
    #expect(error == JSONParseError(reason: rejection.reason, offset: rejection.offset))
}

@Test(arguments: stringRejections)
func parserRejectsBadEscapesAndControlCharacters(_ rejection: Rejection) {
    let error = parseError(rejection.input)
    #expect(error == JSONParseError(reason: rejection.reason, offset: rejection.offset))
}

@Test(arguments: utf8Rejections)
func parserRejectsInvalidUTF8InStrings(_ rejection: Rejection) {
    let error = parseError(rejection.input)
    #expect(error == JSONParseError(reason: rejection.reason, offset: rejection.offset))
}

@Test func parserRejectsInvalidUTF8InKeys() {
    let input = Array("{\"".utf8) + [0xED, 0xA0, 0x80] + Array("\":1}".utf8)
    #expect(parseError(input) == JSONParseError(reason: .invalidUTF8, offset: 2))
}

@Test func parserRejectsHundredThousandOpenBracketsWithoutCrashing() {
    let input = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
    #expect(parseError(input) == JSONParseError(reason: .tooDeep(limit: 512), offset: 512))
    let closed = input + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
    #expect(parseError(closed) == JSONParseError(reason: .tooDeep(limit: 512), offset: 512))
    let objects = String(repeating: "{\"a\":", count: 100_000)
    #expect(parseError(objects)?.reason == .tooDeep(limit: 512))
}

@Test func parserAcceptsNestingUpToTheDepthLimitAndNoFurther() throws {
    let atLimit = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
    var value = try JSONValue(parsing: atLimit)
    var depth = 0
    while let inner = value.arrayValue {
        depth += 1
        guard let first = inner.first else { break }
        value = first
    }
    #expect(depth == 512)
    let beyond = "[" + atLimit + "]"
    #expect(parseError(beyond) == JSONParseError(reason: .tooDeep(limit: 512), offset: 512))
}

@Test func parserAppliesCustomDepthLimitToEmptyContainersToo() {
    let limits = JSONParser.Limits(maxDepth: 2)
    #expect(parseError("[[1]]", limits: limits) == nil)
    #expect(
        parseError("[[[]]]", limits: limits)
            == JSONParseError(reason: .tooDeep(limit: 2), offset: 2)
    )
    #expect(
        parseError("{\"a\":{\"b\":[]}}", limits: limits)
            == JSONParseError(reason: .tooDeep(limit: 2), offset: 10)
    )
    #expect(parseError("1", limits: JSONParser.Limits(maxDepth: 0)) == nil)
    #expect(parseError("[]", limits: JSONParser.Limits(maxDepth: 0))?.reason == .tooDeep(limit: 0))
}

@Test func parserRejectsInputLongerThanMaxBytes() {
    let limits = JSONParser.Limits(maxBytes: 10)
    #expect(parseError("[1,2,3,4]", limits: limits) == nil)
    #expect(
        parseError("[1,2,3,4,5]", limits: limits)
            == JSONParseError(reason: .inputTooLarge(limit: 10), offset: 10)
    )
}

@Test func errorDescriptionsNameReasonByteAndOffset() {
    #expect(
        parseError("[1,]")?.description == "invalid JSON: unexpected byte 0x5D (']') at offset 3"
    )
    #expect(
        parseError([0x22, 0x01, 0x22])?.description
            == "invalid JSON: unescaped control character 0x01 in string at offset 1"
    )
    #expect(parseError("")?.description == "invalid JSON: unexpected end of input at offset 0")
}
