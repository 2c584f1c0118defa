// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Relay

@Suite struct ClientRequestKeyTests {
    @Test(arguments: ["Type", "TYPE", "tYpE", "Ref", "REF", "D", "OK", "o\u{212A}"])
    func aKeyTheServerFoldsOntoAnEnvelopeKeyIsRefused(key: String) throws {
        let line = Array(#"{"type":"ping","ref":"a","\#(key)":"x"}"#.utf8)
        guard case .failure(let error) = ClientRequest.parse(line) else {
            Issue.record("accepted \(key)")
            return
        }
        #expect(error.code == .ambiguousKey)
        #expect(error.ref == "a")
    }

    @Test(arguments: ["types", "reference", "data", "kind", "t\u{017F}pe", "typé"])
    func otherKeysPassThrough(key: String) throws {
        let line = Array(#"{"type":"ping","\#(key)":1}"#.utf8)
        guard case .success(let request) = ClientRequest.parse(line) else {
            Issue.record("refused \(key)")
            return
        }
        #expect(request.type == "ping")
    }
}
