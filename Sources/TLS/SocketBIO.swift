// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import COpenSSL
import Glibc

/// A certificate check that failed, as OpenSSL's verify callback saw it.
struct VerifyFailure: Equatable {
    /// The `X509_V_ERR_*` code.
    var code: Int32
    /// 0 for the server's own certificate, 1 for its issuer, and so on.
    var depth: Int32
    /// RFC 2253 names of the certificate at `depth`.
    var subject: String
    var issuer: String
}

/// What one connection observed below OpenSSL: filled in by our socket BIO and verify
/// callback, read by the transport to turn a failure into a specific `TLSError`.
///
/// Used only by the thread that drives the connection's `SSL` (see `TLSClientTransport`).
final class ConnectionObservations {
    /// How many of the peer's first bytes are kept for recognising a non-TLS peer.
    static let previewLimit = 48

    let descriptor: Int32
    /// The start of what the peer sent, up to `previewLimit` bytes.
    private(set) var firstBytes: [UInt8] = []
    /// The `errno` of the last socket call that failed with something other than `EAGAIN`.
    var lastErrno: Int32 = 0
    /// The peer closed its side of the TCP connection.
    var sawEndOfFile = false
    /// The first certificate check that failed, if any.
    var verifyFailure: VerifyFailure?
    /// While set, reads answer "retry" without touching the socket: `init` uses it to send
    /// the ClientHello and nothing else, so every answer from the server (and so every
    /// handshake error) is met on the loop, never inside `init`.
    var isReadingHeldBack = false

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Adds what is already waiting on the socket to `firstBytes`, without blocking, so a
    /// non-TLS answer is shown whole (OpenSSL stops after a 5-byte record header).
    func extendPreviewFromSocket() {
        let wanted = Self.previewLimit - firstBytes.count
        guard wanted > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: wanted)
        let count = recv(descriptor, &buffer, wanted, Int32(MSG_DONTWAIT))
        if count > 0 { firstBytes += buffer[..<count] }
    }

    func noteReceived(_ bytes: UnsafeRawBufferPointer) {
        guard firstBytes.count < Self.previewLimit else { return }
        firstBytes += bytes.prefix(Self.previewLimit - firstBytes.count)
    }

    /// Whether the peer's first byte cannot start a TLS record. A TLS server's first
    /// record is a handshake (22) or an alert (21); content types run from 20 to 24.
    var peerSentNonTLS: Bool {
        guard let first = firstBytes.first else { return false }
        return !(20...24).contains(first)
    }

    /// The peer's first bytes as one printable line, e.g. `HTTP/1.1 400 Bad Request`.
    var printablePreview: String {
        var text = ""
        for byte in firstBytes {
            if byte == 0x0D || byte == 0x0A { break }
            if (0x20..<0x7F).contains(byte) {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return text
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A BIO method that reads and writes a non-blocking socket directly.
///
/// OpenSSL's own socket BIO writes with `write(2)`, which raises `SIGPIPE` when the peer
/// has gone; a library must not depend on the process ignoring that signal. Ours uses
/// `send(MSG_NOSIGNAL)`, maps `EAGAIN` to OpenSSL's retry flags, keeps the `errno` of real
/// failures, reports end-of-file through `BIO_CTRL_EOF` (which OpenSSL 3 needs to tell an
/// unexpected EOF from an I/O error) and records the peer's first bytes.
enum SocketBIO {
    /// Builds the method table; freed with `BIO_meth_free` by its owner (`TLSContext`).
    static func makeMethod() -> OpaquePointer? {
        let type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK
        guard let method = BIO_meth_new(type, "sharkfin-relay socket") else { return nil }
        guard BIO_meth_set_write_ex(method, socketBIOWrite) == 1,
            BIO_meth_set_read_ex(method, socketBIORead) == 1,
            BIO_meth_set_ctrl(method, socketBIOControl) == 1,
            BIO_meth_set_destroy(method, socketBIODestroy) == 1
        else {
            BIO_meth_free(method)
            return nil
        }
        return method
    }

    /// A BIO for one connection. It holds a strong reference to `observations` until
    /// OpenSSL destroys it (with the `SSL` that owns it); it never closes the descriptor.
    static func make(method: OpaquePointer, observations: ConnectionObservations) -> OpaquePointer?
    {
        guard let bio = BIO_new(method) else { return nil }
        BIO_set_data(bio, Unmanaged.passRetained(observations).toOpaque())
        BIO_set_init(bio, 1)
        return bio
    }

    fileprivate static func observations(of bio: OpaquePointer?) -> ConnectionObservations? {
        guard let bio, let data = BIO_get_data(bio) else { return nil }
        return Unmanaged<ConnectionObservations>.fromOpaque(data).takeUnretainedValue()
    }
}

private func socketBIOWrite(
    _ bio: OpaquePointer?,
    _ data: UnsafePointer<CChar>?,
    _ length: Int,
    _ written: UnsafeMutablePointer<Int>?
) -> Int32 {
    guard let observations = SocketBIO.observations(of: bio) else { return 0 }
    copenssl_BIO_clear_retry_flags(bio)
    while true {
        let result = send(observations.descriptor, data, length, Int32(MSG_NOSIGNAL))
        if result >= 0 {
            written?.pointee = result
            return 1
        }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK {
            copenssl_BIO_set_retry_write(bio)
        } else {
            observations.lastErrno = code
        }
        return 0
    }
}

private func socketBIORead(
    _ bio: OpaquePointer?,
    _ data: UnsafeMutablePointer<CChar>?,
    _ length: Int,
    _ readCount: UnsafeMutablePointer<Int>?
) -> Int32 {
    guard let observations = SocketBIO.observations(of: bio) else { return 0 }
    copenssl_BIO_clear_retry_flags(bio)
    if observations.isReadingHeldBack {
        copenssl_BIO_set_retry_read(bio)
        return 0
    }
    while true {
        let result = recv(observations.descriptor, data, length, 0)
        if result > 0 {
            observations.noteReceived(UnsafeRawBufferPointer(start: data, count: result))
            readCount?.pointee = result
            return 1
        }
        if result == 0 {
            observations.sawEndOfFile = true
            return 0
        }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK {
            copenssl_BIO_set_retry_read(bio)
        } else {
            observations.lastErrno = code
        }
        return 0
    }
}

private func socketBIOControl(
    _ bio: OpaquePointer?,
    _ command: Int32,
    _ argument: Int,
    _ pointer: UnsafeMutableRawPointer?
) -> Int {
    switch command {
    case BIO_CTRL_FLUSH:
        // Writes go straight to the kernel; nothing is buffered here.
        return 1
    case BIO_CTRL_EOF:
        return SocketBIO.observations(of: bio)?.sawEndOfFile == true ? 1 : 0
    default:
        return 0
    }
}

private func socketBIODestroy(_ bio: OpaquePointer?) -> Int32 {
    guard let bio, let data = BIO_get_data(bio) else { return 1 }
    Unmanaged<ConnectionObservations>.fromOpaque(data).release()
    BIO_set_data(bio, nil)
    BIO_set_init(bio, 0)
    return 1
}
