// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Certificates made at test time with the `openssl` command: a test CA and leaf
/// certificates for every verification outcome the tests check. EC P-256 keys keep
/// generation quick (a dozen `openssl` runs, well under a second).
///
/// OpenSSL 3.0's `openssl x509` has no `-not_before`/`-not_after` (those came in 3.4), so
/// the expired certificate is issued with `openssl ca -startdate/-enddate` from a minimal
/// CA database in the same directory.
///
/// Shared by TLSTests, WebSocketTests and RelayCLITests.
public struct TLSTestCertificates: Sendable {
    /// A PEM certificate and its private key.
    public struct Identity: Sendable {
        public var certificate: String
        public var key: String
    }

    public let directory: TemporaryDirectory
    /// The test CA's certificate: the trust root for the "good" cases.
    public let caFile: String
    /// `CN=localhost`, SANs `DNS:localhost` and `IP:127.0.0.1`, signed by the test CA.
    public let server: Identity
    /// Same names, signed by the test CA, valid only during 2020.
    public let expired: Identity
    /// Same names, signed by the test CA, valid only from 2099 on.
    public let notYetValid: Identity
    /// `CN=wrong.example`, SAN `DNS:wrong.example`, signed by the test CA.
    public let wrongHost: Identity
    /// Self-signed `CN=localhost` with the right SANs: no CA anyone trusts.
    public let selfSigned: Identity
    /// Right names, signed by `CN=sharkfin other CA`, which is not in `caFile`.
    public let otherCA: Identity

    public static let caName = "CN=sharkfin test CA"
    public static let otherCAName = "CN=sharkfin other CA"

    /// Generates everything into a fresh temporary directory; call `remove()` when done.
    public static func generate() async throws -> TLSTestCertificates {
        let directory = TemporaryDirectory(prefix: "sfr-tls")
        do {
            return try await generate(in: directory)
        } catch {
            directory.remove()
            throw error
        }
    }

    public func remove() { directory.remove() }

    private static func generate(in directory: TemporaryDirectory) async throws
        -> TLSTestCertificates
    {
        let goodNames = "subjectAltName=DNS:localhost,IP:127.0.0.1"
        try write(
            "\(goodNames)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
            to: directory.file("good.ext")
        )
        try write(
            "subjectAltName=DNS:wrong.example\nbasicConstraints=CA:FALSE\n",
            to: directory.file("wrong.ext")
        )

        try await makeCA(named: caName, file: "ca", in: directory)
        try await makeCA(named: otherCAName, file: "other-ca", in: directory)

        try await makeKey("server", in: directory)
        try await openssl(
            ["req", "-new", "-key", "server.key", "-subj", "/CN=localhost", "-out", "server.csr"],
            in: directory
        )
        try await sign(
            "server.csr",
            with: "ca",
            extensions: "good.ext",
            out: "server.pem",
            in: directory
        )
        try await sign(
            "server.csr",
            with: "other-ca",
            extensions: "good.ext",
            out: "other.pem",
            in: directory
        )

        try await makeKey("wrong", in: directory)
        try await openssl(
            [
                "req", "-new", "-key", "wrong.key", "-subj", "/CN=wrong.example", "-out",
                "wrong.csr",
            ],
            in: directory
        )
        try await sign(
            "wrong.csr",
            with: "ca",
            extensions: "wrong.ext",
            out: "wrong.pem",
            in: directory
        )

        try await makeExpired(in: directory)

        try await makeKey("self", in: directory)
        try await openssl(
            [
                "req", "-x509", "-new", "-key", "self.key", "-subj", "/CN=localhost",
                "-days", "2", "-addext", goodNames, "-out", "self.pem",
            ],
            in: directory
        )

        func identity(_ certificate: String, _ key: String) -> Identity {
            Identity(certificate: directory.file(certificate), key: directory.file(key))
        }
        return TLSTestCertificates(
            directory: directory,
            caFile: directory.file("ca.pem"),
            server: identity("server.pem", "server.key"),
            expired: identity("expired.pem", "server.key"),
            notYetValid: identity("future.pem", "server.key"),
            wrongHost: identity("wrong.pem", "wrong.key"),
            selfSigned: identity("self.pem", "self.key"),
            otherCA: identity("other.pem", "server.key")
        )
    }

    private static func makeKey(_ name: String, in directory: TemporaryDirectory) async throws {
        try await openssl(
            [
                "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", "\(name).key",
            ],
            in: directory
        )
    }

    private static func makeCA(
        named name: String,
        file: String,
        in directory: TemporaryDirectory
    ) async throws {
        try await makeKey(file, in: directory)
        try await openssl(
            [
                "req", "-x509", "-new", "-key", "\(file).key", "-subj",
                "/\(name.replacing(",", with: "/"))",
                "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "\(file).pem",
            ],
            in: directory
        )
    }

    private static func sign(
        _ request: String,
        with ca: String,
        extensions: String,
        out: String,
        in directory: TemporaryDirectory
    ) async throws {
        try await openssl(
            [
                "x509", "-req", "-in", request, "-CA", "\(ca).pem", "-CAkey", "\(ca).key",
                "-set_serial", "\(Int.random(in: 1000...999_999))", "-days", "2",
                "-extfile", extensions, "-out", out,
            ],
            in: directory
        )
    }

    /// Issues `expired.pem` for the server key, valid from 2020-01-01 to 2021-01-01, and
    /// `future.pem`, valid from 2099-01-01.
    private static func makeExpired(in directory: TemporaryDirectory) async throws {
        try FileManager.default.createDirectory(
            atPath: directory.file("db"),
            withIntermediateDirectories: true
        )
        try write("", to: directory.file("db/index.txt"))
        try write("1000\n", to: directory.file("db/serial"))
        try write(
            """
            [ ca ]
            default_ca = test
            [ test ]
            database = db/index.txt
            serial = db/serial
            new_certs_dir = db
            certificate = ca.pem
            private_key = ca.key
            default_md = sha256
            policy = anything
            unique_subject = no
            [ anything ]
            commonName = supplied
            [ server ]
            subjectAltName = DNS:localhost,IP:127.0.0.1
            basicConstraints = CA:FALSE

            """,
            to: directory.file("ca.cnf")
        )
        try await openssl(
            [
                "ca", "-batch", "-config", "ca.cnf", "-extensions", "server", "-in", "server.csr",
                "-startdate", "20200101000000Z", "-enddate", "20210101000000Z",
                "-out", "expired.pem",
            ],
            in: directory
        )
        try await openssl(
            [
                "ca", "-batch", "-config", "ca.cnf", "-extensions", "server", "-in", "server.csr",
                "-startdate", "20990101000000Z", "-enddate", "20991231000000Z",
                "-out", "future.pem",
            ],
            in: directory
        )
    }

    private static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Runs `openssl` with `arguments` in `directory`, failing with its stderr.
    private static func openssl(_ arguments: [String], in directory: TemporaryDirectory)
        async throws
    {
        try await runProcess("/usr/bin/openssl", arguments, in: directory.path)
    }
}

/// A helper process failed.
public struct ProcessFailure: Error, CustomStringConvertible {
    public var command: String
    public var status: Int32
    public var standardError: String
    public var description: String { "\(command) exited with \(status): \(standardError)" }
}

/// Runs a program to completion without blocking a cooperative thread. For short helpers
/// such as `openssl`.
///
/// A `ManagedProcess` (posix_spawn), not Foundation's `Process`, which crashes on Linux when
/// parallel tests spawn at once.
public func runProcess(_ executable: String, _ arguments: [String], in directory: String)
    async throws
{
    let process = try ManagedProcess(executable, arguments, workingDirectory: directory)
    let status = try await process.waitForExit(timeout: .seconds(60))
    guard status == 0 else {
        throw ProcessFailure(
            command: "\(executable) \(arguments.joined(separator: " "))",
            status: status,
            standardError: process.standardError.values.joined(separator: "\n")
        )
    }
}
