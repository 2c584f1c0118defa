// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import COpenSSL

/// An OpenSSL client context (`SSL_CTX`): trust roots, verification mode and minimum
/// version, built once and shared by every connection made with it.
///
/// Loading the system trust store parses a few hundred certificates, so build one context
/// per configuration and keep it, rather than one per connection.
public final class TLSContext: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `context` and `bioMethod` are fully configured in
    // `init` and never changed afterwards. OpenSSL documents a configured SSL_CTX as safe
    // for concurrent SSL_new, and a BIO_METHOD is a read-only table.

    /// The settings this context was built from.
    public let configuration: TLSConfiguration
    /// The `SSL_CTX`, freed in `deinit`; connections keep the context alive.
    let context: OpaquePointer
    /// Our socket BIO's method table (see `SocketBIO`), freed in `deinit`.
    let bioMethod: OpaquePointer

    /// Builds the context.
    ///
    /// - Throws: `TLSError.contextSetup` with OpenSSL's error text, e.g. when the CA file
    ///   is missing or holds no certificate.
    public init(configuration: TLSConfiguration) throws(TLSError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw contextSetupError("SSL_CTX_new")
        }
        do throws(TLSError) {
            try Self.configure(context, with: configuration)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        guard let bioMethod = SocketBIO.makeMethod() else {
            SSL_CTX_free(context)
            throw contextSetupError("BIO_meth_new")
        }
        self.configuration = configuration
        self.context = context
        self.bioMethod = bioMethod
    }

    deinit {
        SSL_CTX_free(context)
        BIO_meth_free(bioMethod)
    }

    private static func configure(
        _ context: OpaquePointer,
        with configuration: TLSConfiguration
    ) throws(TLSError) {
        let version = configuration.minimumVersion.openSSLValue
        guard copenssl_SSL_CTX_set_min_proto_version(context, version) == 1 else {
            throw contextSetupError(
                "SSL_CTX_set_min_proto_version(\(configuration.minimumVersion))"
            )
        }
        // Partial writes let SSL_write report each record as it leaves, so a large chunk
        // does not hold the loop; a moving buffer lets the caller retry from a new address.
        let mode = Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
        _ = copenssl_SSL_CTX_set_mode(context, mode)

        switch configuration.trustRoots {
        case .systemDefault:
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw contextSetupError("SSL_CTX_set_default_verify_paths")
            }
        case .caFile(let path):
            guard SSL_CTX_load_verify_locations(context, path, nil) == 1 else {
                throw contextSetupError("loading CA file \(path)")
            }
        }
        if configuration.verifyPeer {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, recordVerifyFailure)
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
    }
}

/// OpenSSL's verify callback: remembers the first failing check with the certificate it
/// concerned, so the transport can say *which* certificate expired or which issuer is
/// unknown. It never changes OpenSSL's verdict.
private func recordVerifyFailure(_ preverifyOK: Int32, _ store: OpaquePointer?) -> Int32 {
    guard preverifyOK == 0, let store,
        let ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
        let observations = TLSClientTransport.observations(of: OpaquePointer(ssl)),
        observations.verifyFailure == nil
    else { return preverifyOK }
    let certificate = X509_STORE_CTX_get_current_cert(store)
    observations.verifyFailure = VerifyFailure(
        code: X509_STORE_CTX_get_error(store),
        depth: X509_STORE_CTX_get_error_depth(store),
        subject: certificate.map { distinguishedName(X509_get_subject_name($0)) } ?? "unknown",
        issuer: certificate.map { distinguishedName(X509_get_issuer_name($0)) } ?? "unknown"
    )
    return preverifyOK
}

/// An X.509 name in RFC 2253 form, e.g. `CN=localhost,O=Example`.
func distinguishedName(_ name: OpaquePointer?) -> String {
    guard let name, let bio = BIO_new(BIO_s_mem()) else { return "unknown" }
    defer { BIO_free(bio) }
    guard X509_NAME_print_ex(bio, name, 0, copenssl_XN_FLAG_RFC2253()) >= 0 else {
        _ = drainOpenSSLErrors()
        return "unknown"
    }
    var bytes: UnsafeMutablePointer<CChar>?
    let length = copenssl_BIO_get_mem_data(bio, &bytes)
    guard let bytes, length > 0 else { return "" }
    return String(
        decoding: UnsafeRawBufferPointer(start: bytes, count: length),
        as: UTF8.self
    )
}
