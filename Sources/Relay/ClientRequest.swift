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
        // The server decodes with Go's encoding/json, which matches keys without regard to
        // case (the last match wins). A second spelling of an envelope key would make the
        // server see another type or ref than the relay checked and routed by: a
        // read-only socket could send messages, a ref could reach another client's reply.
        for key in object.keys where !Self.envelopeKeys.contains(key) {
            if let meant = Self.envelopeKey(foldingLikeGo: key) {
                return .failure(
                    ClientLineError(
                        code: .ambiguousKey,
                        message: "the server would read \"\(key)\" as \"\(meant)\"; send "
                            + "\"\(meant)\" once, in lower case",
                        ref: ref
                    )
                )
            }
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

    /// The envelope's keys, spelt as the relay reads them.
    static let envelopeKeys: Set<String> = ["type", "ref", "d", "ok"]

    /// The envelope key that `key` matches under Go's case folding, if any: ASCII letters
    /// in any case, plus the two non-ASCII letters Go folds onto ASCII ones (U+212A KELVIN
    /// SIGN onto k, U+017F LONG S onto s).
    static func envelopeKey(foldingLikeGo key: String) -> String? {
        var folded = String.UnicodeScalarView()
        for scalar in key.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A: folded.append(Unicode.Scalar(scalar.value + 0x20)!)
            case 0x212A: folded.append("k")
            case 0x017F: folded.append("s")
            default: folded.append(scalar)
            }
        }
        let candidate = String(folded)
        return envelopeKeys.contains(candidate) ? candidate : nil
    }
}

/// Why a line could not be taken as a request; answered with an error line.
struct ClientLineError: Error, Equatable {
    let code: RelayErrorCode
    let message: String
    /// The request's `ref` when it could be read.
    let ref: String?
}
