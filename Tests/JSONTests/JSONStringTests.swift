// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

@Test func parserDecodesEveryEscape() throws {
    let text = #""\"\\\/\b\f\n\r\t\u0041\u00e9\u00E9\u20ac\ud834\udd1e\uD83D\uDE00\u0000""#
    let value = try JSONValue(parsing: text)
    #expect(value == .string("\"\\/\u{8}\u{C}\n\r\tAéé€𝄞😀\u{0}"))
}

@Test func parserDecodesEscapesBetweenUnescapedRuns() throws {
    let value = try JSONValue(parsing: #"["plain","a\nb","é\té","\u00e9x","end\\"]"#)
    #expect(value == ["plain", "a\nb", "é\té", "éx", "end\\"])
    let keys = try JSONValue(parsing: #"{"a\"b":1,"ab":2,"\u0061":3}"#)
    #expect(keys.objectValue?.keys == ["a\"b", "ab", "a"])
}

@Test func parserAcceptsWellFormedUTF8AtEveryBoundary() throws {
    let samples: [[UInt8]] = [
        [0x7F],  // U+007F
        [0xC2, 0x80],  // U+0080
        [0xDF, 0xBF],  // U+07FF
        [0xE0, 0xA0, 0x80],  // U+0800
        [0xED, 0x9F, 0xBF],  // U+D7FF, last before the surrogates
        [0xEE, 0x80, 0x80],  // U+E000, first after them
        [0xEF, 0xBF, 0xBF],  // U+FFFF
        [0xF0, 0x90, 0x80, 0x80],  // U+10000
        [0xF4, 0x8F, 0xBF, 0xBF],  // U+10FFFF
    ]
    for sample in samples {
        let value = try JSONValue(parsing: [0x22] + sample + [0x22])
        #expect(value.stringValue.map { Array($0.utf8) } == sample)
        #expect(value.serialized() == [0x22] + sample + [0x22])
    }
}

@Test func writerEscapesQuotesBackslashesAndControlCharactersOnly() {
    let value = JSONValue.string(
        "q\" b\\ s/ \u{8}\u{C}\n\r\t \u{0}\u{1}\u{1F}\u{7F} é€😀 \u{2028}"
    )
    let expected = #""q\" b\\ s/ \b\f\n\r\t \u0000\u0001\u001f"# + "\u{7F} é€😀 \u{2028}\""
    #expect(value.serializedString() == expected)
}

@Test func writerOutputHasNoRawLineFeed() throws {
    let value: JSONValue = ["line": "one\ntwo\r\n", "n\nkey": [nil, "\u{0A}"]]
    let bytes = value.serialized()
    #expect(!bytes.contains(0x0A))
    #expect(try JSONValue(parsing: bytes) == value)
    #expect(value.serializedLine() == bytes + [0x0A])
}

@Test func everyControlCharacterRoundTrips() throws {
    let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
    let value = JSONValue.string(controls)
    let bytes = value.serialized()
    #expect(!bytes.contains { $0 < 0x20 })
    #expect(try JSONValue(parsing: bytes) == value)
}

@Test func parserHandlesOneMebibyteStrings() throws {
    let size = 1 << 20
    let plain = String(repeating: "abcdefgh", count: size / 8)
    let parsedPlain = try JSONValue(parsing: "\"" + plain + "\"")
    #expect(parsedPlain.stringValue?.utf8.count == size)
    #expect(parsedPlain.serialized().count == size + 2)

    // A newline every 64 bytes exercises the escape path and run copying at scale.
    let line = String(repeating: "x", count: 63) + "\n"
    let escaped = String(repeating: line, count: size / 64)
    let parsedEscaped = try JSONValue(parsing: JSONValue.string(escaped).serialized())
    #expect(parsedEscaped.stringValue == escaped)

    let wide = String(repeating: "é€😀", count: size / 9)
    let parsedWide = try JSONValue(parsing: JSONValue.string(wide).serialized())
    #expect(parsedWide.stringValue == wide)
}

@Test func parserHandlesLargeArraysAndObjects() throws {
    let count = 100_000
    let array = JSONValue.array((0..<count).map { JSONValue($0) })
    #expect(try JSONValue(parsing: array.serialized()) == array)

    let object = JSONObject((0..<count).map { ("k\($0)", JSONValue($0)) })
    #expect(object.count == count)
    let text = JSONValue.object(object).serialized()
    #expect(try JSONValue(parsing: text) == .object(object))
}
