// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import Systemd

extension RelayServer {
    /// Checks a client just accepted against its socket's allow-lists. A refused client
    /// gets one `relay.access_denied` error line (no greeting before it) and is closed once
    /// that is flushed; it never enters the client table.
    ///
    /// - Returns: whether the client may stay.
    func admit(_ client: LocalClient) -> Bool {
        let credentials = client.connection.peerCredentials
        guard !client.access.admits(credentials) else { return true }
        counters.clientsRefused += 1
        var metadata = clientMetadata(client)
        metadata["message.id"] = RelayMessageID.clientRefused
        metadata["socket.access"] = client.access.accessDescription
        logger.warning("client refused: not in the allow-lists", metadata: metadata)
        let who = credentials.map { "uid \($0.uid), gid \($0.gid)" } ?? "an unknown peer"
        client.isClosing = true
        client.connection.write(
            RelayMessages.error(
                .accessDenied,
                "\(who) may not use this relay (allow-uid / allow-gid)",
                ref: nil
            )
        )
        closeLingering(client)
        return false
    }

    /// Ends a connection after its final line without resetting it: the output is flushed
    /// and shut (FIN), and input is read and thrown away until the client closes or
    /// `goodbyeFlushTimeout` passes.
    ///
    /// Closing at once, with the client's request still unread in our buffer, makes the
    /// kernel reset the connection: the client's write then fails with EPIPE and most
    /// clients (socat, the CLI) never read the line that says why.
    func closeLingering(_ client: LocalClient) {
        client.connection.shutdownOutputAfterFlushing()
        let connection = client.connection
        loop.schedule(after: configuration.limits.goodbyeFlushTimeout) { connection.close() }
    }

    /// On a read-only socket, refuses a request that could change state on the server with
    /// `relay.read_only`. Lines that do not parse pass on, so `handleLine` reports them as
    /// on any socket.
    ///
    /// A passed line is parsed again by `handleLine`; only read-only clients pay for that.
    ///
    /// - Returns: whether the line may go on to `handleLine`.
    func readOnlySocketAllows(_ line: [UInt8], from client: LocalClient) -> Bool {
        guard case .success(let request) = ClientRequest.parse(line),
            !client.access.permits(operation: request.type)
        else { return true }
        var metadata = clientMetadata(client)
        metadata["request.type"] = request.type
        logger.debug("request refused: read-only socket", metadata: metadata)
        let reason =
            request.type == "unread_messages"
            ? "unread_messages marks messages read on the server"
            : "\(request.type) is not one of the read operations this socket allows"
        writeReply(
            RelayMessages.error(
                .readOnly,
                "this socket is read-only: \(reason); use the relay's main socket",
                ref: request.ref
            ),
            to: client
        )
        return false
    }
}

extension LocalAccessPolicy {
    /// What the relay's listening log lines say about a socket's policy.
    var logMetadata: LogMetadata {
        var metadata: LogMetadata = ["socket.access": accessDescription]
        if restrictsPeers {
            metadata["socket.allowed_uids"] = allowedUIDs.sorted().map(String.init).joined(
                separator: ","
            )
            metadata["socket.allowed_gids"] = allowedGIDs.sorted().map(String.init).joined(
                separator: ","
            )
        }
        return metadata
    }
}
