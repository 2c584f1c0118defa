// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

@testable import DevServer

@Suite struct RESTTests {
    @Test func routesMatchTheServersMux() throws {
        #expect(
            try RESTRoute.match(method: "POST", path: "/api/v1/channels/a%20b/join").get()
                == .joinChannel("a b")
        )
        #expect(
            try RESTRoute.match(method: "GET", path: "/api/v1/channels/x/messages").get()
                == .listMessages("x")
        )
        #expect(
            try RESTRoute.match(method: "DELETE", path: "/api/v1/webhooks/abc").get()
                == .deleteWebhook("abc")
        )
        #expect(throws: RESTFailure.methodNotAllowed(allow: ["GET", "POST"])) {
            try RESTRoute.match(method: "PUT", path: "/api/v1/channels").get()
        }
        #expect(throws: RESTFailure.notFound) {
            try RESTRoute.match(method: "GET", path: "/api/v2/channels").get()
        }
        #expect(RESTRoute.queryValue("limit", in: "a=1&limit=2&limit=3") == "2")
        #expect(RESTRoute.queryValue("q", in: "q=a+b%21") == "a b!")
    }

    @Test func handlersAnswerLikeTheServer() throws {
        var store = ChatStore()
        let alice = store.provision(username: "alice", type: .user)
        let bob = store.provision(username: "bob", type: .user)
        let now = Timestamp(microseconds: 1_796_312_056_000_000)
        func call(_ method: String, _ target: String, _ body: String = "", as caller: Identity)
            -> RESTResponse
        {
            let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
            let request = RESTRequest(
                method: method,
                path: parts[0],
                query: parts.count > 1 ? parts[1] : "",
                body: Array(body.utf8)
            )
            let route = try! RESTRoute.match(method: method, path: parts[0]).get()
            return route.handle(request, caller: caller, store: &store, now: now)
        }
        func text(_ response: RESTResponse) -> String {
            String(decoding: response.body, as: UTF8.self)
        }

        // Any user may create channels over REST; no permission check there.
        let created = call("POST", "/api/v1/channels", #"{"name":"r","public":true}"#, as: bob)
        #expect(created.status == 201)
        #expect(text(created) == "{\"id\":2,\"name\":\"r\",\"public\":true}\n")
        #expect(call("POST", "/api/v1/channels", "{}", as: bob).status == 400)
        #expect(call("POST", "/api/v1/channels/r/join", as: bob).status == 500)
        #expect(call("POST", "/api/v1/channels/nope/join", as: bob).status == 404)
        #expect(call("POST", "/api/v1/channels/r/join", as: alice).status == 200)
        let posted = call(
            "POST",
            "/api/v1/channels/r/messages",
            #"{"body":"<hi>","metadata":{"z":[1,{"b":2,"a":1}],"a":null}}"#,
            as: bob
        )
        #expect(
            text(posted)
                == #"{"body":"\u003chi\u003e","id":1,"metadata":{"a":null,"z":[1,{"a":1,"b":2}]},"#
                + #""sent_at":"2026-12-03T15:34:16Z"}"# + "\n"
        )
        #expect(posted.sentMessage?.view.metadata == #"{"a":null,"z":[1,{"a":1,"b":2}]}"#)
        #expect(
            call("POST", "/api/v1/channels/r/messages", #"{"body":"x","metadata":"s"}"#, as: bob)
                .status == 400
        )
        #expect(
            call("POST", "/api/v1/channels/r/messages", #"{"body":"x","thread_id":9}"#, as: bob)
                .status == 500
        )
        for _ in 0..<3 {
            _ = call("POST", "/api/v1/channels/r/messages", #"{"body":"m"}"#, as: alice)
        }
        let page = call("GET", "/api/v1/channels/r/messages?limit=2&before=4", as: bob)
        #expect(try JSONValue(parsing: page.body).arrayValue?.map { $0["id"] } == [2, 3])
        #expect(text(call("GET", "/api/v1/channels/general/messages", as: bob)) == "[]\n")

        let hook = call("POST", "/api/v1/webhooks", #"{"url":"http://h/x"}"#, as: bob)
        #expect(hook.status == 201)
        let id = try JSONValue(parsing: hook.body)["id"]?.stringValue ?? ""
        let again = call("POST", "/api/v1/webhooks", #"{"url":"http://h/x"}"#, as: bob)
        #expect(try JSONValue(parsing: again.body)["id"]?.stringValue == id)
        #expect(
            text(call("GET", "/api/v1/webhooks", as: bob))
                == "[{\"id\":\"\(id)\",\"url\":\"http://h/x\",\"active\":true}]\n"
        )
        #expect(call("DELETE", "/api/v1/webhooks/\(id)", as: bob).status == 204)
        #expect(text(call("GET", "/api/v1/webhooks", as: bob)) == "[]\n")
    }
}
