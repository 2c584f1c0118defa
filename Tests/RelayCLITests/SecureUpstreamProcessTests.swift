// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import JSON
import TestSupport
import Testing

@testable import RelayCLI

/// A TLS-terminating proxy in front of a devserver: Python's `ssl` with a certificate
/// made for this run, forwarding each connection's bytes to the devserver's plain port.
/// Without an identity it is a plain HTTP server answering 400 to anything, as a web
/// server does when a `wss://` client speaks TLS to it.
struct TLSProxyProcess {
    let process: ManagedProcess
    let port: UInt16

    static func start(
        identity: TLSTestCertificates.Identity?,
        upstreamPort: UInt16
    ) async throws -> TLSProxyProcess {
        let process = try ManagedProcess(
            "/usr/bin/env",
            [
                "python3", "-c", script, identity?.certificate ?? "-", identity?.key ?? "-",
                String(upstreamPort),
            ],
            keepStandardInputOpen: true
        )
        let line = try await process.waitForLine(containing: "PORT ")
        guard let port = UInt16(line.dropFirst(5)) else {
            throw TestTimeout(what: "a port in '\(line)'")
        }
        return TLSProxyProcess(process: process, port: port)
    }

    private static let script = """
        import asyncio, os, ssl, sys, threading

        def watch_parent():
            sys.stdin.read()
            os._exit(0)
        threading.Thread(target=watch_parent, daemon=True).start()

        certificate, key, upstream_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        context = None
        if certificate != "-":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate, key)

        async def pipe(reader, writer):
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except Exception:
                pass
            finally:
                writer.close()

        async def handle(client_reader, client_writer):
            if context is None:
                await client_reader.read(4096)
                client_writer.write(b"HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\n\\r\\n")
                await client_writer.drain()
                client_writer.close()
                return
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", upstream_port)
            except Exception:
                client_writer.close()
                return
            await asyncio.gather(pipe(client_reader, writer), pipe(reader, client_writer))

        async def main():
            server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
            print("PORT", server.sockets[0].getsockname()[1], flush=True)
            await asyncio.Future()

        asyncio.run(main())
        """
}

/// `sharkfin-relay serve` over `wss://` through the proxy.
@Suite(.serialized) struct SecureUpstreamProcessTests {
    /// The relay's `relay.status` reply `d`, or nil while it cannot be read.
    static func status(_ relay: RelayProcess) -> JSONValue? {
        guard let connection = try? LocalRelayConnection(path: relay.socketPath),
            let reply = try? connection.request(
                ["type": "relay.status", "ref": "probe"],
                timeout: .seconds(2)
            )
        else { return nil }
        return reply["d"]
    }

    @Test func connectsOverWSSWithTheCAFile() async throws {
        let certificates = try await TLSTestCertificates.generate()
        defer { certificates.remove() }
        let server = try await DevServerProcess.start()
        let proxy = try await TLSProxyProcess.start(
            identity: certificates.server,
            upstreamPort: server.port
        )
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let relay = try await RelayProcess.start(
            upstream: "wss://localhost:\(proxy.port)/ws",
            directory: directory,
            extraArguments: ["--ca-file", certificates.caFile]
        )
        try await relay.waitUntilConnected()
        let version = try await runRelayCommand(["call", "version", "--socket", relay.socketPath])
        #expect(version.status == 0, "\(version.err)")

        let errors = relay.process.standardError
        let configured = try await relay.process.waitForLine(
            containing: "TLS configured",
            onStandardError: true
        )
        #expect(configured.contains("tls.verify=on"))
        #expect(configured.contains("TLS 1.2"))
        // REST cannot use the CA file (libcurl, system trust store): one warning, no retry.
        try await relay.process.waitForLine(
            containing: "identity lookup gave up",
            onStandardError: true
        )
        #expect(!errors.values.contains { $0.contains("VERIFICATION IS OFF") })
        relay.process.signal(SIGTERM)
        #expect(try await relay.process.waitForExit() == 0)
    }

    @Test func insecureSkipVerifyConnectsToAnUntrustedServerAndSaysSoAtErrorLevel()
        async throws
    {
        let certificates = try await TLSTestCertificates.generate()
        defer { certificates.remove() }
        let server = try await DevServerProcess.start()
        let proxy = try await TLSProxyProcess.start(
            identity: certificates.selfSigned,
            upstreamPort: server.port
        )
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let relay = try await RelayProcess.start(
            upstream: "wss://127.0.0.1:\(proxy.port)/ws",
            directory: directory,
            extraArguments: ["--insecure-skip-verify"]
        )
        try await relay.waitUntilConnected()
        let warning = try await relay.process.waitForLine(
            containing: "TLS CERTIFICATE VERIFICATION IS OFF",
            onStandardError: true
        )
        #expect(warning.contains(" error "), "\(warning)")
        relay.process.signal(SIGTERM)
        #expect(try await relay.process.waitForExit() == 0)
    }

    @Test(arguments: [
        ("expired", "certificate has expired"),
        ("wrongHost", "is not valid for 127.0.0.1"),
        ("otherCA", "authority we do not trust"),
        ("plainHTTP", "plain text, not TLS"),
    ])
    func refusedCertificatesShowTheirReasonInStatusAndLogs(
        identityName: String,
        expected: String
    ) async throws {
        let certificates = try await TLSTestCertificates.generate()
        defer { certificates.remove() }
        let server = try await DevServerProcess.start()
        let port: UInt16
        let identity: TLSTestCertificates.Identity?
        switch identityName {
        case "expired": identity = certificates.expired
        case "wrongHost": identity = certificates.wrongHost
        case "otherCA": identity = certificates.otherCA
        default: identity = nil
        }
        let proxy = try await TLSProxyProcess.start(identity: identity, upstreamPort: server.port)
        port = proxy.port
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let relay = try await RelayProcess.start(
            upstream: "wss://127.0.0.1:\(port)/ws",
            directory: directory,
            extraArguments: ["--ca-file", certificates.caFile]
        )
        try await waitUntil("the TLS error in relay.status") {
            let error = Self.status(relay)?["upstream"]?["last_error"]?.stringValue
            return error?.contains(expected) == true
        }
        let state = Self.status(relay)?["upstream"]?["state"]?.stringValue
        #expect(state != "connected")
        #expect(relay.process.standardError.values.contains { $0.contains(expected) })
        relay.process.signal(SIGTERM)
        let code = try await relay.process.waitForExit()
        #expect(code == 0, "\(relay.process.standardError.values.suffix(12))")
        _ = proxy
    }
}
