// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON

/// One Sharkfin envelope, `{"type", "ref", "d", "ok"}`, kept as the parsed object so that
/// members we do not know and the server's key order survive a pass-through.
///
/// `object` is the single source of truth: `type`, `ref`, `data` and `ok` read and write
/// its members. The server writes replies as `{"type":"reply","d":…,"ref":R,"ok":true}`,
/// errors as `{"type":"error","d":{"message":…},"ref":R,"ok":false}`, answers the `ping`
/// operation with `{"type":"pong","ref":R,"ok":true}`, and sends pushes without `ref`.
public struct Envelope: Sendable, Hashable, CustomStringConvertible {
    /// The whole envelope as received (or built), key order kept.
    public var object: JSONObject

    /// Parses one text frame or line.
    ///
    /// - Throws: `EnvelopeError` unless `utf8` is a JSON object whose `type` is a string
    ///   and whose `ref`, when present and not `null`, is a string; the server answers the
    ///   same inputs with `invalid JSON` (or `unknown type: ` when `type` is missing).
    public init(parsing utf8: [UInt8]) throws(EnvelopeError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: utf8)
        } catch {
            throw .invalidJSON(error)
        }
        guard case .object(let object) = value else { throw .notAnObject }
        try self.init(validating: object)
    }

    /// Wraps an object that must carry a string `type` and, if any, a string `ref`.
    public init(validating object: JSONObject) throws(EnvelopeError) {
        switch object["type"] {
        case .string?: break
        case nil: throw .missingType
        case .some: throw .typeNotString
        }
        switch object["ref"] {
        case nil, .null?, .string?: break
        case .some: throw .refNotString
        }
        self.object = object
    }

    /// Builds a request (or push) envelope: `{"type", "ref"?, "d"?}`.
    public init(type: String, ref: String? = nil, data: JSONValue? = nil) {
        var object: JSONObject = ["type": .string(type)]
        if let ref { object.updateValue(.string(ref), forKey: "ref") }
        if let data { object.updateValue(data, forKey: "d") }
        self.object = object
    }

    /// The operation (requests), `reply`, `pong`, `error`, or the push type.
    public var type: String {
        get { object["type"]?.stringValue ?? "" }
        set { object.updateValue(.string(newValue), forKey: "type") }
    }

    /// The correlation string; nil for pushes (and a `null` ref).
    public var ref: String? {
        get { object["ref"]?.stringValue }
        set {
            if let newValue {
                object.updateValue(.string(newValue), forKey: "ref")
            } else {
                object.removeValue(forKey: "ref")
            }
        }
    }

    /// The payload, `"d"`: arguments of a request, result of a reply, body of a push.
    public var data: JSONValue? {
        get { object["d"] }
        set {
            if let newValue {
                object.updateValue(newValue, forKey: "d")
            } else {
                object.removeValue(forKey: "d")
            }
        }
    }

    /// `true` on replies and pongs, `false` on errors, nil on pushes and requests.
    public var ok: Bool? {
        get { object["ok"]?.boolValue }
        set {
            if let newValue {
                object.updateValue(.bool(newValue), forKey: "ok")
            } else {
                object.removeValue(forKey: "ok")
            }
        }
    }

    /// A reply, pong or error that answers a request: it has a ref.
    public var isReply: Bool {
        guard ref != nil else { return false }
        return type == "reply" || type == "pong" || type == "error"
    }

    /// Anything without a ref: `message.new`, `presence`, `capabilities`, and the server's
    /// ref-less `invalid JSON` error.
    public var isPush: Bool { ref == nil }

    /// Whether this is an error envelope (`type` `error` or `ok` false).
    public var isError: Bool { type == "error" || ok == false }

    /// The server's message of an error envelope (`d.message`), or nil for other envelopes.
    public var errorMessage: String? {
        guard isError else { return nil }
        return data?["message"]?.stringValue ?? ""
    }

    /// The envelope as compact UTF-8 JSON, members in their current order.
    public func serialized() -> [UInt8] { JSONValue.object(object).serialized() }

    public var description: String { JSONValue.object(object).serializedString() }
}

/// Why a frame or line is not an envelope.
public enum EnvelopeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not valid JSON at all.
    case invalidJSON(JSONParseError)
    /// Valid JSON, but an array, string, number, boolean or null.
    case notAnObject
    /// An object without `type`.
    case missingType
    /// `type` is not a string.
    case typeNotString
    /// `ref` is present but neither a string nor null.
    case refNotString

    public var description: String {
        switch self {
        case .invalidJSON(let error): "\(error)"
        case .notAnObject: "envelope is not a JSON object"
        case .missingType: "envelope has no type"
        case .typeNotString: "envelope type is not a string"
        case .refNotString: "envelope ref is not a string"
        }
    }
}

extension Envelope {
    /// Decodes `d` (absent `d` decodes as `{}`, so all-optional types still decode).
    func decodeData<T: Decodable>(_ type: T.Type) throws(SharkfinError) -> T {
        let payload = data ?? .object(JSONObject())
        do {
            return try JSONDecoder().decode(type, from: Data(payload.serialized()))
        } catch {
            throw .invalidResponse(reason: "\(self.type) reply: \(T.self): \(error)")
        }
    }
}
