// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON
import Testing

/// A typed model that carries part of its payload as raw JSON.
private struct Envelope: Codable, Equatable {
    var type: String
    var d: JSONValue?
    var ref: String?
    var ok: Bool?
}

@Test func typedModelsHoldRawJSONThroughFoundationsDecoder() throws {
    let line = #"""
        {"type":"reply","d":{"users":[{"username":"bob","online":true}],"n":-3,"x":null},\#
        "ref":"a1","ok":true}
        """#
    let envelope = try JSONDecoder().decode(Envelope.self, from: Data(line.utf8))
    #expect(envelope.type == "reply")
    #expect(envelope.d?["users"]?[0]?["username"] == "bob")
    #expect(envelope.d?["users"]?[0]?["online"] == true)
    #expect(envelope.d?["n"]?.int64Value == -3)
    #expect(envelope.d?["x"]?.isNull == true)
    // Foundation's decoder does not report key order; the bridge sorts keys.
    #expect(envelope.d?.objectValue?.keys == ["n", "users", "x"])
}

@Test func valueEncodesThroughFoundationsEncoder() throws {
    let value: JSONValue = ["b": [1, 2.5, "s", nil, true], "a": ["z": -7]]
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let data = try encoder.encode(value)
    #expect(String(decoding: data, as: UTF8.self) == #"{"a":{"z":-7},"b":[1,2.5,"s",null,true]}"#)
}

@Test func encodingBridgeParsesWhatTheEncoderWrites() throws {
    let envelope = Envelope(type: "send_message", d: ["body": "hi", "id": 9], ref: "c1", ok: nil)
    let value = try JSONValue(encoding: envelope)
    #expect(value["type"] == "send_message")
    #expect(value["d"]?["body"] == "hi")
    #expect(value["d"]?["id"]?.intValue == 9)
    #expect(value["ref"] == "c1")
    #expect(value["ok"] == nil)
    #expect(try value.decode(Envelope.self) == envelope)
}

@Test func decodingBridgeFeedsSerializedBytesToFoundation() throws {
    let value: JSONValue = ["type": "pong", "ref": "a2", "ok": true]
    let envelope = try value.decode(Envelope.self)
    #expect(envelope == Envelope(type: "pong", d: nil, ref: "a2", ok: true))
    #expect(throws: DecodingError.self) { try JSONValue.array([]).decode(Envelope.self) }
}

@Test func bridgeKeepsNumberValuesAndTellsBooleansFromNumbers() throws {
    let value = try JSONValue(
        parsing: """
            [1, 0, true, false, -9223372036854775808, 18446744073709551615, 0.1, 1e+300, "1"]
            """
    )
    let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(value.serialized()))
    #expect(decoded == value)
    // The bridge goes through Int64 and Double, so lexemes become canonical.
    let lexemes = try JSONValue(parsing: "[1.0, -0, 1E2, 2.50]")
    let bridged = try JSONDecoder().decode(JSONValue.self, from: Data(lexemes.serialized()))
    #expect(bridged.arrayValue?.compactMap(\.doubleValue) == [1, 0, 100, 2.5])
    #expect(try JSONValue(encoding: lexemes) == [1, 0, 100, 2.5])
}

@Test func numbersBeyondDoubleCannotBeEncoded() throws {
    let huge = try JSONValue(parsing: "1e400")
    #expect(throws: EncodingError.self) { try JSONEncoder().encode(huge) }
}
