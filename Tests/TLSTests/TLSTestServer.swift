// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import TestSupport

/// A real TLS (or deliberately not-TLS) peer: Python's `ssl` module, an independent
/// implementation over the same OpenSSL, in a child process on 127.0.0.1 port 0.
struct TLSTestServer: Sendable {
    /// What the server does with each connection.
    enum Mode: String, Sendable {
        /// TLS, echo until the client's close_notify, then answer it with ours.
        case echo
        /// TLS, send `hello\n` right after the handshake, then echo.
        case greet
        /// TLS, echo one chunk, then close the socket without close_notify.
        case truncate
        /// TLS 1.0–1.1 only (security level 0 so OpenSSL 3 agrees to offer them).
        case tls11
        /// TLS 1.2 at most.
        case tls12
        /// Plain TCP: read the ClientHello, answer `HTTP/1.1 400 Bad Request`, close.
        case plainHTTP
        /// Read the ClientHello, then close the TCP connection (a FIN, no TLS alert).
        case closeAfterHello
    }

    let port: UInt16
    /// Runs as a `ManagedProcess` (posix_spawn and raw read threads): Foundation's
    /// `Process` and `FileHandle` readers crash on Linux under parallel tests. Its stdin is
    /// a pipe held open for the server's life; the script exits when it closes.
    private let process: ManagedProcess

    /// Starts the server and waits (at most 10 s) for it to report its port.
    static func start(
        _ mode: Mode,
        identity: TLSTestCertificates.Identity?,
        in directory: TemporaryDirectory
    ) async throws -> TLSTestServer {
        let script = directory.file("server.py")
        if !FileManager.default.fileExists(atPath: script) {
            try serverScript.write(toFile: script, atomically: true, encoding: .utf8)
        }
        let process = try ManagedProcess(
            "/usr/bin/python3",
            [
                "-W", "ignore", script, mode.rawValue,
                identity?.certificate ?? "-", identity?.key ?? "-",
            ],
            keepStandardInputOpen: true
        )
        do {
            try await waitUntil("TLS test server's port", timeout: .seconds(10)) {
                !process.standardOutput.values.isEmpty || !process.isRunning
            }
        } catch {
            process.signal(SIGKILL)
            throw error
        }
        guard let line = process.standardOutput.values.first, let port = UInt16(line) else {
            process.signal(SIGKILL)
            throw ServerFailure(log: process.standardError.values.joined(separator: "\n"))
        }
        return TLSTestServer(port: port, process: process)
    }

    /// Stops the server (SIGTERM); it holds no state worth a graceful exit.
    func stop() {
        process.signal(SIGTERM)
        process.closeStandardInput()
    }

    /// The server exited or wrote garbage before reporting its port.
    struct ServerFailure: Error, CustomStringConvertible {
        /// The server's standard error.
        var log: String
        var description: String { "TLS test server failed to start: \(log)" }
    }

    private static let serverScript = """
        import os, socket, ssl, sys, threading

        # Exit with the test process: its end of our stdin closes when it goes.
        def watch_parent():
            sys.stdin.read()
            os._exit(0)
        threading.Thread(target=watch_parent, daemon=True).start()

        mode, certificate, key = sys.argv[1], sys.argv[2], sys.argv[3]
        listener = socket.create_server(("127.0.0.1", 0))
        context = None
        if mode not in ("plainHTTP", "closeAfterHello"):
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate, key)
            if mode == "tls11":
                context.set_ciphers("DEFAULT:@SECLEVEL=0")
                context.minimum_version = ssl.TLSVersion.TLSv1
                context.maximum_version = ssl.TLSVersion.TLSv1_1
            elif mode == "tls12":
                context.maximum_version = ssl.TLSVersion.TLSv1_2
        print(listener.getsockname()[1], flush=True)

        def serve(connection):
            try:
                if mode == "closeAfterHello":
                    connection.recv(4096)
                    return
                if mode == "plainHTTP":
                    connection.recv(4096)
                    connection.sendall(b"HTTP/1.1 400 Bad Request\\r\\n"
                                       b"Content-Length: 0\\r\\nConnection: close\\r\\n\\r\\n")
                    return
                connection = context.wrap_socket(connection, server_side=True)
                if mode == "greet":
                    connection.sendall(b"hello\\n")
                while True:
                    data = connection.recv(65536)
                    if not data:
                        break
                    connection.sendall(data)
                    if mode == "truncate":
                        return
                connection.unwrap()
            except Exception as error:
                print("server:", type(error).__name__, error, file=sys.stderr, flush=True)
            finally:
                connection.close()

        while True:
            accepted, _ = listener.accept()
            threading.Thread(target=serve, args=(accepted,), daemon=True).start()
        """
}
