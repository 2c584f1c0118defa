// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

@Test func objectKeepsInsertionOrderAndReplacesInPlace() {
    var object: JSONObject = ["type": "ping", "ref": "c1"]
    object["seq"] = 7
    object["ref"] = "r42"
    #expect(object.keys == ["type", "ref", "seq"])
    #expect(JSONValue.object(object).serializedString() == #"{"type":"ping","ref":"r42","seq":7}"#)
    object["ref"] = nil
    #expect(object.keys == ["type", "seq"])
    #expect(object.count == 2)
    #expect(!object.isEmpty)
    #expect(object.removeValue(forKey: "absent") == nil)
    #expect(object.updateValue("pong", forKey: "type") == "ping")
    #expect(Array(object.map(\.key)) == ["type", "seq"])
    #expect(JSONObject().isEmpty)
}

@Test func duplicateKeysKeepLastValueAtFirstPosition() throws {
    let parsed = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
    #expect(parsed.objectValue?.keys == ["a", "b"])
    #expect(parsed["a"] == 3)
    #expect(parsed.serializedString() == #"{"a":3,"b":2}"#)

    let literal: JSONObject = ["a": 1, "b": 2, "a": 3]
    #expect(literal == parsed.objectValue)
    #expect(JSONObject([("x", 1), ("x", nil)]) == ["x": nil])
}

@Test func duplicateKeysInLargeObjectsUseTheSameRule() throws {
    let first = (0..<40).map { "\"k\($0)\":\($0)" }
    let text = "{" + (first + ["\"k3\":\"last\"", "\"k39\":true"]).joined(separator: ",") + "}"
    let object = try #require(try JSONValue(parsing: text).objectValue)
    #expect(object.count == 40)
    #expect(object.keys == (0..<40).map { "k\($0)" })
    #expect(object["k3"] == "last")
    #expect(object["k39"] == true)
}

@Test func objectEqualityIsOrdered() {
    let ab: JSONObject = ["a": 1, "b": 2]
    let ba: JSONObject = ["b": 2, "a": 1]
    #expect(ab != ba)
    #expect(ab == JSONObject([("a", 1), ("b", 2)]))
    #expect(Set([ab, ba, ab]).count == 2)
}

@Test func valueAccessorsReturnNilForOtherCases() {
    let value: JSONValue = [
        "s": "x", "n": 3, "f": 2.5, "b": false, "z": nil, "a": [1, 2], "o": [:],
    ]
    #expect(value["s"]?.stringValue == "x")
    #expect(value["n"]?.intValue == 3)
    #expect(value["n"]?.int64Value == 3)
    #expect(value["f"]?.doubleValue == 2.5)
    #expect(value["f"]?.intValue == nil)
    #expect(value["b"]?.boolValue == false)
    #expect(value["z"]?.isNull == true)
    #expect(value["a"]?[1] == 2)
    #expect(value["a"]?[2] == nil)
    #expect(value["a"]?[-1] == nil)
    #expect(value["o"]?.objectValue?.isEmpty == true)
    #expect(value["missing"] == nil)
    #expect(value["s"]?.intValue == nil)
    #expect(value["n"]?.stringValue == nil)
    #expect(value[0] == nil)
    #expect(value["a"]?["key"] == nil)
    #expect(value.arrayValue == nil)
    let name = "bob"
    #expect(JSONValue("hi \(name)") == .string("hi bob"))
}

@Test func envelopeRewriteKeepsEverythingElseByteForByte() throws {
    let line = #"{"type":"reply","d":{"id":1,"f":1.50},"ref":"r17","ok":true}"#
    let envelope = try JSONObject(parsing: Array(line.utf8))
    #expect(envelope.string(forKey: "ref") == "r17")
    let rewritten = envelope.insertingOrReplacing(key: "ref", value: "c3")
        .insertingOrReplacing(key: "seq", value: 12)
    #expect(
        String(decoding: rewritten.serializedLine(), as: UTF8.self)
            == #"{"type":"reply","d":{"id":1,"f":1.50},"ref":"c3","ok":true,"seq":12}"# + "\n"
    )
    #expect(
        rewritten.removing(key: "seq").removing(key: "nope").keys == ["type", "d", "ref", "ok"]
    )
    #expect(envelope.string(forKey: "ok") == nil)
}

@Test func objectParsingRejectsOtherValuesAtTheirFirstByte() {
    #expect(throws: JSONParseError(reason: .notAnObject, offset: 2)) {
        try JSONObject(parsing: Array(" \n[1]".utf8))
    }
    #expect(throws: JSONParseError(reason: .trailingData, offset: 3)) {
        try JSONObject(parsing: Array("{} x".utf8))
    }
}
