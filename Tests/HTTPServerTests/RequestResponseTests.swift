import Foundation
import HTTPServer
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// Requests without bodies, keep-alive and start-up, each against a real server on 127.0.0.1.
@Suite(.serialized)
struct RequestResponseTests {
    struct Greeting: Codable, Equatable {
        var message: String
        var path: String
    }

    @Test func getJSONAndNotFound() async throws {
        let records = Recorder<HTTPAccessRecord>()
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        let handler = ClosureHandler { request in
            guard request.path == "/hello" else {
                return .respond(.error(status: 404, "not found"))
            }
            return .respond(.json(status: 200, Greeting(message: "hi", path: request.path)))
        }
        let server = HTTPServer(configuration: configuration, handler: handler, accessLog: { records.append($0) })
        try server.start()
        defer { server.stop() }
        #expect(server.port > 0)

        let url = try #require(URL(string: "http://127.0.0.1:\(server.port)/hello"))
        let (data, response) = try await URLSession.shared.data(from: url)
        let httpResponse = try #require(response as? HTTPURLResponse)
        #expect(httpResponse.statusCode == 200)
        #expect(httpResponse.value(forHTTPHeaderField: "Content-Type") == "application/json; charset=utf-8")
        #expect(httpResponse.value(forHTTPHeaderField: "X-Request-Id")?.isEmpty == false)
        #expect(try JSONDecoder().decode(Greeting.self, from: data) == Greeting(message: "hi", path: "/hello"))

        let missingURL = try #require(URL(string: "http://127.0.0.1:\(server.port)/missing"))
        let (missingData, missingResponse) = try await URLSession.shared.data(from: missingURL)
        #expect((missingResponse as? HTTPURLResponse)?.statusCode == 404)
        #expect(String(decoding: missingData, as: UTF8.self) == #"{"error":"not found"}"#)

        #expect(waitUntil { records.all.count == 2 })
        let statuses = records.all.map(\.status).sorted()
        #expect(statuses == [200, 404])
        #expect(records.all.allSatisfy { $0.durationSeconds >= 0 })
        #expect(records.all.allSatisfy { $0.durationSeconds < 5 })
        #expect(Set(records.all.map(\.requestId)).count == 2)
    }

    @Test func keepAliveServesTwoRequestsOnOneSocket() throws {
        try withServer(handler: { request in
            .respond(.text(status: 200, "path=\(request.path)"))
        }) { server in
            let client = try TestClient(port: server.port)
            let first = try client.get("/one")
            let second = try client.get("/two")

            #expect(first.status == 200)
            #expect(first.text == "path=/one")
            #expect(first.headers["Connection"]?.lowercased() != "close")
            #expect(second.status == 200)
            #expect(second.text == "path=/two")
            #expect(first.headers["X-Request-Id"] != nil)
            #expect(first.headers["X-Request-Id"] != second.headers["X-Request-Id"])
        }
    }

    @Test func keepAliveServesManyRequests() throws {
        try withServer(handler: { request in .respond(.text(status: 200, request.query["n"] ?? "")) }) { server in
            let client = try TestClient(port: server.port)
            for number in 0..<300 {
                let response = try client.get("/count?n=\(number)")
                #expect(response.status == 200)
                #expect(response.text == "\(number)")
            }
        }
    }

    @Test func pathAndQueryArePercentDecoded() throws {
        let requests = Recorder<HTTPRequest>()
        try withServer(handler: { request in
            requests.append(request)
            return .respond(HTTPResponse(status: 204))
        }) { server in
            let client = try TestClient(port: server.port)
            let response = try client.get("/api/a%20b/log?x=1&name=hello%20world&flag", headers: ["X-Custom: Value"])
            #expect(response.status == 204)
        }

        let request = try #require(requests.all.first)
        #expect(request.method == "GET")
        #expect(request.path == "/api/a b/log")
        #expect(request.query["x"] == "1")
        #expect(request.query["name"] == "hello world")
        #expect(request.query["flag"] == "")
        #expect(request.headers["x-custom"] == "Value")
        #expect(request.contentLength == nil)
    }

    @Test func headReturnsHeadersWithoutBody() throws {
        try withServer(handler: { _ in .respond(.text(status: 200, "twelve bytes")) }) { server in
            let client = try TestClient(port: server.port)
            try client.send("HEAD /thing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let head = try client.readResponse(isHead: true)
            #expect(head.status == 200)
            #expect(head.headers["Content-Length"] == "12")
            #expect(head.headers["X-Request-Id"] != nil)

            // A body sent after the HEAD head would be read here as the status line.
            let next = try client.get("/after")
            #expect(next.text == "twelve bytes")
        }
    }

    @Test func idleConnectionClosesAfterTimeout() throws {
        try withServer(configure: { $0.connectionTimeoutSeconds = 1 }, handler: { _ in .respond(.init(status: 204)) }) {
            server in
            let client = try TestClient(port: server.port)
            #expect(try client.get("/").status == 204)
            let start = Date()
            #expect(try client.readUntilClosed().isEmpty)
            let seconds = Date().timeIntervalSince(start)
            #expect(seconds > 0.5, "the idle connection closed after \(seconds) s")
            #expect(seconds < 4, "the idle connection closed after \(seconds) s")
        }
    }

    @Test func respondDrainsSmallBodyAndKeepsConnection() throws {
        try withServer(handler: { request in
            .respond(.text(status: 202, "ignored body of \(request.contentLength ?? -1)"))
        }) { server in
            let client = try TestClient(port: server.port)
            let body = [UInt8](repeating: 0x61, count: 100_000)
            try client.send("POST /drop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n\r\n")
            try client.send(body)
            let response = try client.readResponse()
            #expect(response.status == 202)
            #expect(response.text == "ignored body of 100000")

            let next = try client.get("/again")
            #expect(next.status == 202)
        }
    }

    @Test func respondWithBodyOverDrainLimitClosesAfterResponse() throws {
        try withServer(
            configure: { $0.maxDrainBytes = 1000 },
            handler: { _ in
                .respond(.text(status: 200, "done"))
            }
        ) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /drop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000000\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "done")
            #expect(try client.readUntilClosed().isEmpty)
        }
    }

    @Test func rejectFromContentLengthBeforeBody() throws {
        let records = Recorder<HTTPAccessRecord>()
        try withServer(
            accessLog: { records.append($0) },
            handler: { request in
                if let length = request.contentLength, length > 1000 {
                    return .reject(.error(status: 413, "the body exceeds 1000 bytes"))
                }
                return .respond(.text(status: 200, "ok"))
            }
        ) { server in
            let client = try TestClient(port: server.port)
            try client.send("PUT /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000000\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.text == #"{"error":"the body exceeds 1000 bytes"}"#)
            #expect(try client.readUntilClosed().isEmpty)
        }
        #expect(waitUntil { records.all.count == 1 })
        #expect(records.all.first?.status == 413)
        #expect(records.all.first?.bytesReceived == 0)
    }

    @Test func startOnPortInUseThrowsDescriptiveError() throws {
        try withServer(handler: { _ in .respond(HTTPResponse(status: 204)) }) { server in
            var configuration = HTTPServerConfiguration()
            configuration.port = server.port
            let second = HTTPServer(
                configuration: configuration, handler: ClosureHandler { _ in .respond(.init(status: 204)) })
            defer { second.stop() }

            let error = #expect(throws: HTTPServerError.self) { try second.start() }
            let description = error.map(String.init(describing:)) ?? ""
            #expect(description.contains("127.0.0.1:\(server.port)"))
            #expect(description.contains("in use"))
        }
    }

    @Test func invalidHostThrows() {
        var configuration = HTTPServerConfiguration()
        configuration.host = "example.invalid"
        configuration.port = 0
        let server = HTTPServer(
            configuration: configuration, handler: ClosureHandler { _ in .respond(.init(status: 204)) })
        defer { server.stop() }
        #expect(throws: HTTPServerError.self) { try server.start() }
    }

    @Test func ipv6LoopbackServesRequests() throws {
        var configuration = HTTPServerConfiguration()
        configuration.host = "::1"
        configuration.port = 0
        let server = HTTPServer(
            configuration: configuration, handler: ClosureHandler { _ in .respond(.text(status: 200, "v6")) })
        do {
            try server.start()
        } catch {
            // A machine without IPv6 on loopback cannot run this case.
            return
        }
        defer { server.stop() }
        #expect(server.port > 0)

        let descriptor = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = UInt16(server.port).bigEndian
        address.sin6_addr = in6addr_loopback
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        #expect(connected == 0)
        let request = Array("GET / HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n".utf8)
        #expect(send(descriptor, request, request.count, Int32(MSG_NOSIGNAL)) == request.count)
        var buffer = [UInt8](repeating: 0, count: 4096)
        var received: [UInt8] = []
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 {
                break
            }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200"))
        #expect(text.hasSuffix("v6"))
    }
}
