// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

/// One well-formed request line from a local client.
struct ClientRequest {
    /// The operation: a Sharkfin type to forward, or a `relay.` operation.
    let type: String
    /// The client's own `ref`, restored on the reply; `nil` when the line had none.
    let ref: String?
    /// The whole envelope as the client sent it, key order kept.
    let object: JSONObject

    /// Whether the relay answers this itself instead of forwarding it.
    var isRelayOperation: Bool { type.hasPrefix("relay.") }

    /// Parses one line (without its terminator) into a request.
    ///
    /// The checks run in this order, so each bad line gets the most telling error: valid
    /// UTF-8, valid JSON, an object, `ref` absent or a string, `type` a string. The
    /// error carries the `ref` when it could be read, so a client can match it.
    static func parse(_ line: [UInt8]) -> Result<ClientRequest, ClientLineError> {
        guard String(validating: line, as: UTF8.self) != nil else {
            return .failure(
                ClientLineError(
                    code: .invalidUTF8,
                    message: "the line is not valid UTF-8",
                    ref: nil
                )
            )
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: line)
        } catch {
            return .failure(
                ClientLineError(code: .invalidJSON, message: error.description, ref: nil)
            )
        }
        guard case .object(let object) = value else {
            return .failure(
                ClientLineError(
                    code: .notAnObject,
                    message: "expected one JSON object per line, like {\"type\":\"relay.help\"}",
                    ref: nil
                )
            )
        }
        var ref: String?
        switch object["ref"] {
        case nil:
            ref = nil
        case .string(let text)?:
            ref = text
        case .some:
            return .failure(
                ClientLineError(
                    code: .invalidRef,
                    message: "\"ref\" must be a string",
                    ref: nil
                )
            )
        }
        guard case .string(let type)? = object["type"] else {
            let message =
                object["type"] == nil
                ? "missing \"type\"; send {\"type\":\"relay.help\"} to list operations"
                : "\"type\" must be a string"
            return .failure(ClientLineError(code: .invalidType, message: message, ref: ref))
        }
        return .success(ClientRequest(type: type, ref: ref, object: object))
    }
}

/// Why a line could not be taken as a request; answered with an error line.
struct ClientLineError: Error, Equatable {
    let code: RelayErrorCode
    let message: String
    /// The request's `ref` when it could be read.
    let ref: String?
}
