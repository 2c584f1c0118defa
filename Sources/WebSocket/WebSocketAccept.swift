// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import COpenSSL
import Foundation

/// The `Sec-WebSocket-Accept` computation of RFC 6455 §4.2.2, shared by both roles.
public enum WebSocketAccept {
    /// The GUID that §1.3 appends to the client's key.
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// base64(SHA-1(key + GUID)): what the server must send back for `key`.
    ///
    /// - Returns: `nil` only if OpenSSL's digest fails, which needs a broken libcrypto.
    public static func value(forKey key: String) -> String? {
        guard let digest = sha1(Array((key + guid).utf8)) else { return nil }
        return Data(digest).base64EncodedString()
    }

    /// SHA-1 through OpenSSL's EVP interface (one call, no context to manage).
    static func sha1(_ bytes: [UInt8]) -> [UInt8]? {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha1(), nil)
        }
        guard status == 1, length == 20 else { return nil }
        return Array(digest.prefix(20))
    }

    /// A fresh `Sec-WebSocket-Key`: 16 random bytes, base64 (§4.1).
    public static func makeKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}
