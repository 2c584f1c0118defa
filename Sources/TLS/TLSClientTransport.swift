// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import COpenSSL
import Glibc
import Logging
import SocketIO

/// A `ByteStreamTransport` that speaks TLS as a client over a connected, non-blocking
/// socket: SNI, certificate chain and host name verification, then encrypted reads and
/// writes. Plug it in through `TCPConnector.connect(...transportFactory:)`.
///
/// The handshake needs no extra calls. `init` sends the ClientHello at once (a TLS client
/// speaks first, while `StreamConnection` only reads once the socket is readable), and the
/// first `read` or `write` calls finish the handshake, answering
/// `.wouldBlock(.readable/.writable)` until it is done. A failed handshake surfaces as the
/// error thrown from that `read` or `write`, so the connection's delegate hears
/// `didCloseWith(TLSError)` and never sees a byte.
///
/// Limits a caller must respect:
/// - After `write` answered `.wouldBlock`, the next `write` must offer the same bytes
///   again (OpenSSL may hold an encrypted record made from them); `StreamConnection` does.
/// - Read buffers should hold at least 16 KiB, one TLS record. `SSL_read` returns one
///   record at a time, so a smaller buffer can leave decrypted bytes inside OpenSSL that
///   no readiness event announces. The loop's shared buffer is 64 KiB.
/// - The handshake has no deadline of its own: the caller's connect or upgrade timeout
///   must cover it (a server that accepts and stays silent keeps it waiting).
/// - If the kernel cannot take the whole ClientHello in `init` (impossible on a fresh
///   socket, whose send buffer is far larger), the rest goes out with the first `write`;
///   a client that never writes would then wait for the server forever.
///
/// Used on one thread at a time: created anywhere, then driven on the connection's loop.
public final class TLSClientTransport: ByteStreamTransport {
    private enum Phase {
        case handshaking
        case established
        /// A read or write failed; OpenSSL forbids further I/O on this `SSL`.
        case failed(TLSError)
        case closed
    }

    /// The socket underneath, owned from a successful `init` until `close()`.
    public let descriptor: Int32
    /// The name (or IP address) the server's certificate must match, as normalised for
    /// SNI and verification: without IPv6 brackets or a trailing dot.
    public let serverHostname: String
    /// Whether `serverHostname` is an IP literal (verified, but not sent as SNI).
    public let isIPAddress: Bool
    let context: TLSContext
    let ssl: OpaquePointer
    let observations: ConnectionObservations
    private let logger: Logger
    private var phase = Phase.handshaking
    private var isOutputShutdownPending = false

    /// The negotiated protocol, e.g. `TLSv1.3`, once the handshake is done.
    public private(set) var negotiatedVersion: String?
    /// The negotiated cipher suite, e.g. `TLS_AES_256_GCM_SHA384`, once the handshake is
    /// done.
    public private(set) var negotiatedCipher: String?

    /// Whether the handshake finished and the server was verified (when configured).
    public var isHandshakeComplete: Bool {
        if case .established = phase { return true }
        return false
    }

    /// Prepares the TLS session and sends the ClientHello.
    ///
    /// - Parameters:
    ///   - descriptor: A connected, non-blocking stream socket. Owned by the transport
    ///     once `init` returns; if `init` throws, the caller still owns (and closes) it,
    ///     which is what `TCPConnector` does with a throwing `transportFactory`.
    ///   - context: Trust roots and policy; kept alive by the transport.
    ///   - serverHostname: The host from the URL: a DNS name (sent as SNI and matched
    ///     against the certificate) or an IPv4/IPv6 literal (matched against the
    ///     certificate's IP addresses only; RFC 6066 forbids IP literals in SNI).
    ///   - logger: Receives `debug` entries for handshake completion and failure.
    /// - Throws: `TLSError.contextSetup` for an unusable host name or an OpenSSL setup
    ///   failure, `TLSError.io` if the ClientHello cannot be sent. Nothing the server says
    ///   is read here, so every handshake error arrives through `read`/`write`.
    public init(
        descriptor: Int32,
        context: TLSContext,
        serverHostname: String,
        logger: Logger = .disabled
    ) throws(TLSError) {
        let name = Self.normalized(serverHostname)
        guard !name.isEmpty, !name.utf8.contains(0) else {
            throw .contextSetup("unusable server host name \"\(serverHostname)\"")
        }
        ERR_clear_error()
        guard Self.observationsIndex >= 0 else {
            throw contextSetupError("SSL_get_ex_new_index")
        }
        guard let ssl = SSL_new(context.context) else { throw contextSetupError("SSL_new") }
        let observations = ConnectionObservations(descriptor: descriptor)
        let isIPAddress = Self.isIPLiteral(name)
        do throws(TLSError) {
            try Self.prepare(
                ssl,
                context: context,
                observations: observations,
                name: name,
                isIPAddress: isIPAddress
            )
        } catch {
            SSL_free(ssl)
            throw error
        }
        self.descriptor = descriptor
        self.serverHostname = name
        self.isIPAddress = isIPAddress
        self.context = context
        self.ssl = ssl
        self.observations = observations
        self.logger = logger.with(["tls.server_name": name])
        observations.isReadingHeldBack = true
        defer { observations.isReadingHeldBack = false }
        do throws(TLSError) {
            _ = try advanceHandshake()
        } catch {
            // The caller keeps the descriptor; only our half is released.
            phase = .closed
            SSL_free(ssl)
            throw error
        }
    }

    deinit {
        guard case .closed = phase else {
            assertionFailure("TLS socket \(descriptor) leaked: its owner never closed it")
            return
        }
    }

    // MARK: ByteStreamTransport

    public func read(
        into buffer: UnsafeMutableRawBufferPointer
    ) throws(TLSError) -> TransportResult {
        if let blocked = try handshakeIfNeeded() { return .wouldBlock(blocked) }
        ERR_clear_error()
        var count = 0
        let result = SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count)
        if result == 1 { return .processed(count) }
        return try outcomeOfTransfer(SSL_get_error(ssl, result), call: "SSL_read")
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(TLSError) -> TransportResult {
        if let blocked = try handshakeIfNeeded() { return .wouldBlock(blocked) }
        guard !bytes.isEmpty else { return .processed(0) }
        ERR_clear_error()
        var count = 0
        let result = SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &count)
        if result == 1 { return .processed(count) }
        return try outcomeOfTransfer(SSL_get_error(ssl, result), call: "SSL_write")
    }

    /// Sends `close_notify` and then a FIN, best effort; reading continues. Asked for
    /// during the handshake, it waits for the handshake to finish (a FIN now would make
    /// the handshake fail). Does nothing after a failure, as OpenSSL requires.
    public func shutdownOutput() {
        switch phase {
        case .handshaking:
            isOutputShutdownPending = true
        case .established:
            ERR_clear_error()
            let result = SSL_shutdown(ssl)
            if result >= 0 {
                _ = Glibc.shutdown(descriptor, Int32(SHUT_WR))
            } else {
                // A full socket buffer (WANT_WRITE) or a dead peer; the close that follows
                // settles either way.
                let entries = drainOpenSSLErrors()
                logger.debug(
                    "TLS close_notify not sent",
                    metadata: ["tls.error": describe(entries, call: "SSL_shutdown")]
                )
            }
        case .failed, .closed:
            return
        }
    }

    /// Frees the TLS session and closes the socket. Idempotent.
    public func close() {
        if case .closed = phase { return }
        phase = .closed
        SSL_free(ssl)
        _ = Glibc.close(descriptor)
    }

    // MARK: Handshake

    /// Runs the handshake if it is not done: nil once established, else the readiness it
    /// waits for.
    private func handshakeIfNeeded() throws(TLSError) -> IOInterest? {
        switch phase {
        case .established: return nil
        case .handshaking: return try advanceHandshake()
        case .failed(let error): throw error
        case .closed: preconditionFailure("I/O on closed TLS socket \(descriptor)")
        }
    }

    private func advanceHandshake() throws(TLSError) -> IOInterest? {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            try finishHandshake()
            return nil
        }
        let code = SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_WANT_READ: return .readable
        case SSL_ERROR_WANT_WRITE: return .writable
        default: throw fail(handshakeError(sslError: code))
        }
    }

    private func finishHandshake() throws(TLSError) {
        // OpenSSL already aborted on a failed verification; checking again costs nothing
        // and keeps a misconfigured context from passing silently.
        if context.configuration.verifyPeer {
            if let error = verificationError() { throw fail(error) }
            guard SSL_get0_peer_certificate(ssl) != nil else {
                throw fail(.certificateInvalid(reason: "the server presented no certificate"))
            }
        }
        phase = .established
        negotiatedVersion = SSL_get_version(ssl).map { String(cString: $0) }
        negotiatedCipher = SSL_get_current_cipher(ssl)
            .flatMap { SSL_CIPHER_get_name($0) }
            .map { String(cString: $0) }
        logger.debug(
            "TLS handshake completed",
            metadata: [
                "tls.version": negotiatedVersion ?? "unknown",
                "tls.cipher": negotiatedCipher ?? "unknown",
                "tls.verified": context.configuration.verifyPeer ? "true" : "false",
            ]
        )
        if isOutputShutdownPending {
            isOutputShutdownPending = false
            shutdownOutput()
        }
    }

    /// Records `error` as the connection's final state and returns it for throwing.
    func fail(_ error: TLSError) -> TLSError {
        if case .handshaking = phase {
            logger.debug("TLS handshake failed", metadata: ["tls.error": "\(error)"])
        }
        phase = .failed(error)
        return error
    }
}
