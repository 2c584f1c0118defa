// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging

extension RelayServer {
    /// Handles one complete line from a client.
    func handleLine(_ line: [UInt8], from client: LocalClient) {
        let request: ClientRequest
        switch ClientRequest.parse(line) {
        case .success(let parsed):
            request = parsed
        case .failure(let error):
            counters.badLines += 1
            writeReply(RelayMessages.error(error.code, error.message, ref: error.ref), to: client)
            return
        }
        if request.isRelayOperation {
            counters.relayOperations += 1
            handleRelayOperation(request, from: client)
            return
        }
        logger.debug(
            "request",
            metadata: clientMetadata(client).merging(
                ["request.type": request.type],
                uniquingKeysWith: { $1 }
            )
        )
        client.outstandingRequests += 1
        let forwarded = ForwardedRequest(
            client: client.id,
            ref: request.ref,
            envelope: request.object
        )
        perform(router.submit(client: client.id, payload: forwarded, now: .now))
    }

    /// Performs the router's decisions, and those they lead to, in order.
    func perform(_ actions: [RequestRouter<ForwardedRequest>.Action]) {
        var work = actions[...]
        while let action = work.popFirst() {
            switch action {
            case .dispatch(let request):
                work.append(contentsOf: dispatch(request))
            case .fail(let request, let failure):
                let error = Self.routerError(failure, timeout: router.requestTimeout)
                finish(request.payload, with: error)
            }
        }
    }

    /// Sends one request upstream; returns follow-up actions if it could not be sent.
    private func dispatch(
        _ request: RequestRouter<ForwardedRequest>.Request
    ) -> [RequestRouter<ForwardedRequest>.Action] {
        let remaining = request.deadline - .now
        guard let session, remaining > .zero else {
            // Its time ran out while it waited (between two sweeps) or the session just
            // went away: end it here and hand its slot on.
            let error: (RelayErrorCode, String) =
                session == nil
                ? (.upstreamUnavailable, "not connected to the server")
                : Self.routerError(.timedOut, timeout: router.requestTimeout)
            finish(request.payload, with: error)
            return router.completed(request.ticket)
        }
        counters.requestsForwarded += 1
        inFlight[request.ticket] = request.payload
        let ticket = request.ticket
        session.send(request.payload.envelope, timeout: remaining) { [weak self] result in
            self?.requestCompleted(ticket, result)
        }
        return []
    }

    /// The session answered (or failed) a forwarded request.
    private func requestCompleted(
        _ ticket: RequestTicket,
        _ result: Result<JSONObject, RelayUpstreamRequestError>
    ) {
        if case .failure(let failure) = result,
            failure == .connectionLost || failure == .notConnected
        {
            // The session is going; keep the waiting requests for the next one instead of
            // handing them to a session that can only fail them.
            perform(router.upstreamReadinessChanged(isReady: false))
        }
        let followUps = router.completed(ticket)
        // Absent when stop(deadline:) already answered it.
        if let request = inFlight.removeValue(forKey: ticket) {
            switch result {
            case .success(let reply):
                deliver(RelayMessages.restoringRef(request.ref, in: reply), for: request)
            case .failure(let failure):
                finish(request, with: Self.upstreamError(failure, timeout: router.requestTimeout))
            }
        }
        perform(followUps)
        stopProgress?()
    }

    /// Ends a request with a relay error line.
    func finish(_ request: ForwardedRequest, with error: (RelayErrorCode, String)) {
        counters.requestsFailed += 1
        deliver(RelayMessages.error(error.0, error.1, ref: request.ref), for: request)
    }

    /// Writes the final line of a request to its client, if the client is still here.
    private func deliver(_ line: [UInt8], for request: ForwardedRequest) {
        guard let client = clients[request.client] else {
            counters.lateRepliesDropped += 1
            return
        }
        client.outstandingRequests -= 1
        writeReply(line, to: client)
        closeIfFinished(client)
    }

    /// The code and message a client sees for a router failure.
    static func routerError(
        _ failure: RequestRouter<ForwardedRequest>.Failure,
        timeout: Duration
    ) -> (RelayErrorCode, String) {
        switch failure {
        case .timedOut:
            (.timeout, "no reply within \(timeout); the server was unreachable or busy")
        case .clientQueueFull(let limit):
            (.queueFull, "you already have \(limit) requests waiting; wait for replies")
        case .relayQueueFull(let limit):
            (.queueFull, "the relay already has \(limit) requests waiting; try again later")
        case .shuttingDown:
            (.shuttingDown, "relay shutting down")
        }
    }

    /// The code and message a client sees for an upstream failure.
    static func upstreamError(
        _ failure: RelayUpstreamRequestError,
        timeout: Duration
    ) -> (RelayErrorCode, String) {
        switch failure {
        case .timedOut:
            (.timeout, "no reply from the server within \(timeout)")
        case .connectionLost:
            (
                .upstreamLost,
                "the connection to the server was lost before the reply came; "
                    + "the request may or may not have been carried out"
            )
        case .notConnected:
            (.upstreamUnavailable, "not connected to the server")
        case .other(let reason):
            (.upstreamUnavailable, reason)
        }
    }
}
