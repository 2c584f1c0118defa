// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Systemd

#if canImport(Glibc)
import Glibc
#endif

/// The choice and validation of a passed descriptor, over ordinary descriptors in this
/// process (the numbers do not matter to the validator).
@Suite struct SocketActivationValidationTests {
    let directory: ScratchDirectory

    init() throws {
        directory = try ScratchDirectory()
    }

    private func listener(_ name: String) throws -> BoundSocket {
        try BoundSocket(path: directory.path + "/" + name, type: SOCK_STREAM, listen: true)
    }

    @Test func notActivatedMeansNoListener() throws {
        #expect(try SocketActivation.unixStreamListener(named: "relay", from: []) == nil)
        #expect(try SocketActivation.unixStreamListener(named: nil, from: []) == nil)
    }

    @Test func singleListeningUnixStreamSocketIsAdoptedWithCloseOnExec() throws {
        let socket = try listener("a")
        #expect(fcntl(socket.fd, F_SETFD, 0) == 0)
        let fd = try SocketActivation.unixStreamListener(
            named: nil,
            from: [(fd: socket.fd, name: "unknown")]
        )
        #expect(fd == socket.fd)
        #expect(fcntl(socket.fd, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func singleSocketIsAdoptedEvenUnderAnotherName() throws {
        let socket = try listener("a")
        let fd = try SocketActivation.unixStreamListener(
            named: "relay",
            from: [(fd: socket.fd, name: "sharkfin-relay.socket")]
        )
        #expect(fd == socket.fd)
    }

    @Test func wantedNamePicksOneOfSeveral() throws {
        let first = try listener("a")
        let second = try listener("b")
        let fd = try SocketActivation.unixStreamListener(
            named: "relay",
            from: [(fd: first.fd, name: "metrics"), (fd: second.fd, name: "relay")]
        )
        #expect(fd == second.fd)
    }

    @Test func severalWithoutTheWantedNameAreAmbiguous() throws {
        let first = try listener("a")
        let second = try listener("b")
        let passed = [(fd: first.fd, name: "unknown"), (fd: second.fd, name: "unknown")]
        #expect(
            throws: SystemdError.ambiguousDescriptors(
                wanted: "relay",
                names: ["unknown", "unknown"]
            )
        ) {
            try SocketActivation.unixStreamListener(named: "relay", from: passed)
        }
        #expect(
            throws: SystemdError.ambiguousDescriptors(
                wanted: nil,
                names: ["unknown", "unknown"]
            )
        ) {
            try SocketActivation.unixStreamListener(named: nil, from: passed)
        }
    }

    @Test func twoWithTheWantedNameAreAmbiguous() throws {
        let first = try listener("a")
        let second = try listener("b")
        #expect(
            throws: SystemdError.ambiguousDescriptors(
                wanted: "relay",
                names: ["relay", "relay"]
            )
        ) {
            try SocketActivation.unixStreamListener(
                named: "relay",
                from: [(fd: first.fd, name: "relay"), (fd: second.fd, name: "relay")]
            )
        }
    }

    @Test func datagramSocketIsRejectedSayingWhatItIs() throws {
        let socket = try BoundSocket(path: directory.path + "/d", type: SOCK_DGRAM)
        let error = #expect(throws: SystemdError.self) {
            try SocketActivation.unixStreamListener(
                named: "relay",
                from: [(fd: socket.fd, name: "relay")]
            )
        }
        #expect(
            error
                == .unsuitableDescriptor(
                    fd: socket.fd,
                    name: "relay",
                    actual: "a non-listening AF_UNIX datagram socket"
                )
        )
        #expect(error?.description.contains("expected a listening AF_UNIX stream socket") == true)
    }

    @Test func unlistenedStreamAndTcpSocketsAreRejected() throws {
        let unix = try PlainSocket(family: AF_UNIX, type: SOCK_STREAM)
        #expect(
            throws: SystemdError.unsuitableDescriptor(
                fd: unix.fd,
                name: "x",
                actual: "a non-listening AF_UNIX stream socket"
            )
        ) {
            try SocketActivation.unixStreamListener(named: nil, from: [(fd: unix.fd, name: "x")])
        }
        let tcp = try PlainSocket(family: AF_INET, type: SOCK_STREAM)
        #expect(
            throws: SystemdError.unsuitableDescriptor(
                fd: tcp.fd,
                name: "x",
                actual: "a non-listening AF_INET stream socket"
            )
        ) {
            try SocketActivation.unixStreamListener(named: nil, from: [(fd: tcp.fd, name: "x")])
        }
    }

    @Test func regularFileAndPipeAreRejected() throws {
        let file = open(directory.path + "/file", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        try #require(file >= 0)
        defer { close(file) }
        #expect(
            throws: SystemdError.unsuitableDescriptor(
                fd: file,
                name: "relay",
                actual: "a regular file"
            )
        ) {
            try SocketActivation.unixStreamListener(named: nil, from: [(fd: file, name: "relay")])
        }
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        #expect(
            throws: SystemdError.unsuitableDescriptor(
                fd: ends[0],
                name: "relay",
                actual: "a FIFO or pipe"
            )
        ) {
            try SocketActivation.unixStreamListener(
                named: nil,
                from: [(fd: ends[0], name: "relay")]
            )
        }
    }

    @Test func closedDescriptorIsAnErrorNamingTheCall() throws {
        let fd = try PlainSocket(family: AF_UNIX, type: SOCK_STREAM).fd
        #expect(throws: SystemdError.callFailed(call: "sd_is_socket_unix", errno: EBADF)) {
            try SocketActivation.unixStreamListener(named: nil, from: [(fd: fd, name: "x")])
        }
    }
}

extension ProcessEnvironmentTests {
    /// `listenFileDescriptors()` reading `LISTEN_*` in this process. Only cases that touch
    /// no descriptor run here: descriptor 3 belongs to the test runner, so the adopting
    /// path runs in a child process (`SocketActivationChildTests`).
    @Suite struct ListenEnvironmentTests {
        @Test func noListenVariablesMeansNoDescriptors() throws {
            let fds = try withEnvironment([
                "LISTEN_PID": nil, "LISTEN_FDS": nil, "LISTEN_FDNAMES": nil,
            ]) { try SocketActivation.listenFileDescriptors() }
            #expect(fds.isEmpty)
            let listener = try withEnvironment(["LISTEN_PID": nil, "LISTEN_FDS": nil]) {
                try SocketActivation.unixStreamListener(named: "relay")
            }
            #expect(listener == nil)
        }

        @Test func descriptorsMeantForAnotherProcessAreIgnored() throws {
            let fds = try withEnvironment([
                "LISTEN_PID": String(getpid() + 1), "LISTEN_FDS": "1", "LISTEN_FDNAMES": "relay",
            ]) { try SocketActivation.listenFileDescriptors() }
            #expect(fds.isEmpty)
        }

        @Test func malformedListenFdsIsAnError() {
            #expect(
                throws: SystemdError.callFailed(call: "sd_listen_fds_with_names", errno: EINVAL)
            ) {
                try withEnvironment([
                    "LISTEN_PID": String(getpid()), "LISTEN_FDS": "many", "LISTEN_FDNAMES": nil,
                ]) { try SocketActivation.listenFileDescriptors() }
            }
        }
    }
}
