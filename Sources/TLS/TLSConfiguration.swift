// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import COpenSSL

/// Where the certificates that anchor trust in a server come from.
public enum TrustRoots: Sendable, Hashable, CustomStringConvertible {
    /// OpenSSL's default locations: on Debian `/etc/ssl/certs` (via `/usr/lib/ssl`), as
    /// maintained by the `ca-certificates` package. `SSL_CERT_FILE` and `SSL_CERT_DIR`
    /// override them, as for every OpenSSL program.
    case systemDefault
    /// One PEM file holding one or more CA certificates, e.g. a private CA or a test CA.
    case caFile(String)

    public var description: String {
        switch self {
        case .systemDefault: "system default trust store"
        case .caFile(let path): "CA file \(path)"
        }
    }
}

/// The lowest TLS version a connection accepts.
public enum TLSVersion: Sendable, Hashable, CustomStringConvertible {
    case tls12
    case tls13

    /// OpenSSL's constant for the version (`TLS1_2_VERSION`, `TLS1_3_VERSION`).
    var openSSLValue: Int32 {
        switch self {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }

    public var description: String {
        switch self {
        case .tls12: "TLS 1.2"
        case .tls13: "TLS 1.3"
        }
    }
}

/// How TLS client connections authenticate servers; turned into a `TLSContext` once.
public struct TLSConfiguration: Sendable, Hashable {
    /// The CAs a server's chain must lead to.
    public var trustRoots: TrustRoots
    /// Whether the server's chain and name are checked. Set `false` only through an
    /// explicit "insecure" option, and log loudly when it is: without verification anyone
    /// on the path can read and alter the session.
    public var verifyPeer: Bool
    /// Servers that cannot speak at least this version are refused.
    public var minimumVersion: TLSVersion

    public init(
        trustRoots: TrustRoots = .systemDefault,
        verifyPeer: Bool = true,
        minimumVersion: TLSVersion = .tls12
    ) {
        self.trustRoots = trustRoots
        self.verifyPeer = verifyPeer
        self.minimumVersion = minimumVersion
    }
}
