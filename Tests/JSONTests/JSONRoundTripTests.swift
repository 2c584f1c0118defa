// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

@Test func roundTripKeepsKeyOrderAndNumberLexemes() throws {
    let text = """
        {"type":"reply","d":{"n":1.0,"e":1e5,"E":1E+5,"z":-0,"f":-1.5e-7,\
        "big":123456789012345678901234567890,"tiny":0.000001},\
        "ref":"a1","ok":true,"x":null,"arr":[],"o":{},"nested":[[1,[2]],{"k":[false]}]}
        """
    let value = try JSONValue(parsing: text)
    #expect(value.serializedString() == text)
    #expect(value.objectValue?.keys == ["type", "d", "ref", "ok", "x", "arr", "o", "nested"])
    #expect(value["d"]?.objectValue?.keys == ["n", "e", "E", "z", "f", "big", "tiny"])
    #expect(value["d"]?["n"]?.numberValue?.text == "1.0")
    #expect(value["d"]?["e"]?.numberValue?.text == "1e5")
    #expect(value["d"]?["z"]?.numberValue?.text == "-0")
}

@Test func parserDropsInsignificantWhitespaceAndWriterWritesCompactly() throws {
    let text = " \t\r\n{ \"a\" :\n[ 1 , 2 ,\t{ } , [ ] ] , \"b\" : \"x y\" }\r\n "
    let value = try JSONValue(parsing: text)
    #expect(value.serializedString() == #"{"a":[1,2,{},[]],"b":"x y"}"#)
}

@Test(arguments: ["null", "true", "false", "0", "-0", "1.5e300", "\"\"", "\"x\"", "[]", "{}"])
func parserAcceptsAnyValueAtTopLevel(_ text: String) throws {
    let value = try JSONValue(parsing: text)
    #expect(value.serializedString() == text)
}

@Test func parsedScalarsHaveTheirCases() throws {
    #expect(try JSONValue(parsing: "null") == .null)
    #expect(try JSONValue(parsing: "true") == .bool(true))
    #expect(try JSONValue(parsing: "false") == .bool(false))
    #expect(try JSONValue(parsing: "\"s\"") == .string("s"))
    #expect(try JSONValue(parsing: "[1,\"a\",null]") == [1, "a", nil])
    #expect(try JSONValue(parsing: "{\"a\":{\"b\":true}}") == ["a": ["b": true]])
}

@Test func parserReadsAnyCollectionOfBytesAndReportsOffsetsWithinIt() throws {
    let bytes = Array("xx[1,{\"a\":true}]".utf8)
    let slice = bytes[2...]
    #expect(try JSONValue(parsing: slice) == [1, ["a": true]])
    // A lazy map has no contiguous storage, so the parser copies it first.
    #expect(try JSONValue(parsing: slice.lazy.map { $0 }) == [1, ["a": true]])
    #expect(try JSONValue(parsing: "[1]".utf8) == [1])
    let bad = Array("xx[1,]".utf8)[2...]
    #expect(throws: JSONParseError(reason: .unexpectedByte(0x5D), offset: 3)) {
        try JSONValue(parsing: bad)
    }
    let empty = UnsafeRawBufferPointer(start: nil, count: 0)
    #expect(throws: JSONParseError(reason: .unexpectedEnd, offset: 0)) {
        try JSONValue(parsing: empty)
    }
}

@Test func parserValueCanBeReusedWithItsLimits() throws {
    let parser = JSONParser(limits: JSONParser.Limits(maxDepth: 1, maxBytes: 64))
    #expect(try parser.parse("[1,2]") == [1, 2])
    #expect(try parser.parse(Array("{\"a\":true}".utf8)) == ["a": true])
    #expect(throws: JSONParseError(reason: .tooDeep(limit: 1), offset: 1)) {
        try parser.parse("[[]]")
    }
    #expect(JSONParser.Limits.default == JSONParser.Limits(maxDepth: 512, maxBytes: nil))
}
