// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import COpenSSL
import Glibc
import Logging
import SocketIO

extension TLSClientTransport {
    /// A `transportFactory` for `TCPConnector.connect` that wraps each connected socket in
    /// TLS for `serverHostname`:
    ///
    ///     let connection = try await TCPConnector.connect(
    ///         host: host, port: 443, timeout: .seconds(10), on: loop,
    ///         transportFactory: TLSClientTransport.factory(context: tls, serverHostname: host)
    ///     )
    ///
    /// Handshake failures then reach the connection's delegate as `didCloseWith(TLSError)`.
    public static func factory(
        context: TLSContext,
        serverHostname: String,
        logger: Logger = .disabled
    ) -> @Sendable (Int32) throws -> any ByteStreamTransport {
        { descriptor in
            try TLSClientTransport(
                descriptor: descriptor,
                context: context,
                serverHostname: serverHostname,
                logger: logger
            )
        }
    }

    /// The `SSL` ex_data slot that points (unretained) at a connection's
    /// `ConnectionObservations`, for the verify callback. Allocated once per process;
    /// -1 if OpenSSL could not allocate it, which `init` reports.
    static let observationsIndex: Int32 = copenssl_SSL_get_ex_new_index()

    /// The observations attached to `ssl` by `prepare`, if any.
    static func observations(of ssl: OpaquePointer) -> ConnectionObservations? {
        guard observationsIndex >= 0, let data = SSL_get_ex_data(ssl, observationsIndex) else {
            return nil
        }
        return Unmanaged<ConnectionObservations>.fromOpaque(data).takeUnretainedValue()
    }

    /// The host as SNI and verification want it: `[::1]` becomes `::1`, and a DNS name
    /// loses one trailing dot (`example.com.`), which certificates never carry.
    static func normalized(_ host: String) -> String {
        var name = Substring(host)
        if name.hasPrefix("["), name.hasSuffix("]") {
            name = name.dropFirst().dropLast()
        } else if name.hasSuffix(".") {
            name = name.dropLast()
        }
        return String(name)
    }

    /// Whether `name` is an IPv4 or IPv6 address literal.
    static func isIPLiteral(_ name: String) -> Bool {
        var storage = in6_addr()
        return withUnsafeMutableBytes(of: &storage) { bytes in
            inet_pton(AF_INET, name, bytes.baseAddress) == 1
                || inet_pton(AF_INET6, name, bytes.baseAddress) == 1
        }
    }

    /// Attaches our socket BIO and observations to `ssl` and sets SNI and the identity the
    /// certificate must prove.
    static func prepare(
        _ ssl: OpaquePointer,
        context: TLSContext,
        observations: ConnectionObservations,
        name: String,
        isIPAddress: Bool
    ) throws(TLSError) {
        let unretained = Unmanaged.passUnretained(observations).toOpaque()
        guard SSL_set_ex_data(ssl, observationsIndex, unretained) == 1 else {
            throw contextSetupError("SSL_set_ex_data")
        }
        guard let bio = SocketBIO.make(method: context.bioMethod, observations: observations)
        else {
            throw contextSetupError("BIO_new")
        }
        // One reference serves as both read and write BIO; SSL_free releases it.
        SSL_set_bio(ssl, bio, bio)
        SSL_set_connect_state(ssl)

        if !isIPAddress {
            guard copenssl_SSL_set_tlsext_host_name(ssl, name) == 1 else {
                throw contextSetupError("SSL_set_tlsext_host_name(\(name))")
            }
        }
        guard context.configuration.verifyPeer else { return }
        // "*.example.com" matches "a.example.com" only; no "a*.example.com" patterns.
        SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        if isIPAddress {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                throw contextSetupError("X509_VERIFY_PARAM_set1_ip_asc(\(name))")
            }
        } else {
            guard SSL_set1_host(ssl, name) == 1 else {
                throw contextSetupError("SSL_set1_host(\(name))")
            }
        }
    }
}
