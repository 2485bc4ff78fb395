import Foundation
import HTTPServer
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Stream bodies with suspend and resume, and file bodies with byte ranges.
@Suite(.serialized)
struct StreamAndFileTests {
    /// A list of open test streams that the handler fills.
    final class StreamHub: Sendable {
        private let streams = Mutex<[TestStream]>([])

        func subscribe() -> TestStream {
            let stream = TestStream()
            streams.withLock { $0.append(stream) }
            return stream
        }

        var all: [TestStream] { streams.withLock { $0 } }
    }

    private static func eventStreamResponse(_ stream: TestStream) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/event-stream")
        headers.add("Cache-Control", "no-cache")
        return HTTPResponse(status: 200, headers: headers, body: .stream(stream))
    }

    @Test func streamDeliversEventsInOrderToTwoClients() throws {
        let hub = StreamHub()
        try withServer(handler: { _ in .respond(Self.eventStreamResponse(hub.subscribe())) }) { server in
            let first = try TestClient(port: server.port)
            let second = try TestClient(port: server.port)
            try first.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try second.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(waitUntil { hub.all.count == 2 && hub.all.allSatisfy { $0.waitCount > 0 } })

            let publisher = Thread {
                for number in 1...3 {
                    for stream in hub.all {
                        stream.push("data: event \(number)\n\n")
                    }
                    usleep(150_000)
                }
                for stream in hub.all {
                    stream.end()
                }
            }
            publisher.start()

            for client in [first, second] {
                let head = try client.readHead()
                #expect(head.status == 200)
                #expect(head.headers["Content-Type"] == "text/event-stream")
                #expect(head.headers["Transfer-Encoding"]?.lowercased() == "chunked")
                var received = ""
                while let chunk = try client.readChunk() {
                    received += String(decoding: chunk, as: UTF8.self)
                }
                #expect(received == "data: event 1\n\ndata: event 2\n\ndata: event 3\n\n")
            }

            // Every event after the first found the stream waiting, so the connection was suspended and resumed.
            #expect(hub.all.allSatisfy { $0.waitCount >= 3 })
            #expect(waitUntil { hub.all.allSatisfy { $0.closeCount == 1 } })
            #expect(waitUntil { server.openStreamCount == 0 })
        }
    }

    @Test func streamClientDisconnectClosesBody() throws {
        let hub = StreamHub()
        try withServer(handler: { _ in .respond(Self.eventStreamResponse(hub.subscribe())) }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(waitUntil { hub.all.first.map { $0.waitCount > 0 } ?? false })
            hub.all.first?.push("data: hello\n\n")
            #expect(try client.readHead().status == 200)
            #expect(try client.readChunk().map { String(decoding: $0, as: UTF8.self) } == "data: hello\n\n")

            let closedAt = Date()
            client.close()
            #expect(waitUntil(timeout: 3) { hub.all.first?.closeCount == 1 })
            let seconds = Date().timeIntervalSince(closedAt)
            #expect(seconds < 3, "closed() came \(seconds) s after the client closed")
            #expect(server.openStreamCount == 0)
        }
    }

    @Test func streamWakeRacesLoseNoEvents() throws {
        let hub = StreamHub()
        let clientCount = 16
        let eventCount = 200
        try withServer(handler: { _ in .respond(Self.eventStreamResponse(hub.subscribe())) }) { server in
            let clients = try (0..<clientCount).map { _ in try TestClient(port: server.port) }
            for client in clients {
                try client.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            }
            #expect(waitUntil { hub.all.count == clientCount })

            // Events are pushed without pauses from two threads, so wake-ups arrive while the server thread
            // reads, suspends or resumes the same connection.
            let streams = hub.all
            let halves = [Array(streams[..<(clientCount / 2)]), Array(streams[(clientCount / 2)...])]
            for half in halves {
                Thread.detachNewThread {
                    for number in 0..<eventCount {
                        for stream in half {
                            stream.push("\(number),")
                        }
                        if number % 20 == 0 {
                            usleep(1_000)
                        }
                    }
                    for stream in half {
                        stream.end()
                    }
                }
            }

            let expected = (0..<eventCount).map { "\($0)," }.joined()
            for client in clients {
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == expected)
            }
            #expect(waitUntil { server.openStreamCount == 0 })
        }
        #expect(hub.all.allSatisfy { $0.closeCount == 1 })
    }

    @Test func streamSendsHeadersBeforeFirstEvent() throws {
        let hub = StreamHub()
        try withServer(handler: { _ in .respond(Self.eventStreamResponse(hub.subscribe())) }) { server in
            let client = try TestClient(port: server.port, timeoutSeconds: 2)
            try client.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let head = try client.readHead()
            #expect(head.status == 200)
            hub.all.first?.end()
            #expect(try client.readChunk() == nil)
        }
    }

    @Test func stopWithOpenStreamReturnsPromptly() throws {
        let hub = StreamHub()
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        let server = HTTPServer(
            configuration: configuration,
            handler: ClosureHandler { _ in .respond(Self.eventStreamResponse(hub.subscribe())) })
        try server.start()
        defer { server.stop() }

        let client = try TestClient(port: server.port)
        try client.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(waitUntil { hub.all.first.map { $0.waitCount > 0 } ?? false })

        let start = Date()
        server.stop()
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 2, "stop() took \(seconds) s")
        #expect(hub.all.first?.closeCount == 1)

        // A wake-up after stop must do nothing.
        hub.all.first?.push("data: late\n\n")
        server.stop()
        _ = try? client.readUntilClosed()
    }

    @Test func fileBodyServesRangeAndRejectsUnsatisfiableRange() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/data.bin"
            let content = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(content)))

            try withServer(handler: { request in
                let descriptor = open(path, O_RDONLY)
                guard descriptor >= 0 else {
                    return .respond(.error(status: 500, "open failed"))
                }
                let length = Int64(content.count)
                var headers = HTTPHeaders()
                headers.add("Accept-Ranges", "bytes")

                switch HTTPByteRange.parse(request.headers["Range"], length: length) {
                case nil:
                    return .respond(
                        HTTPResponse(
                            status: 200, headers: headers,
                            body: .file(descriptor: descriptor, offset: 0, length: length)))
                case .unsatisfiable:
                    close(descriptor)
                    headers.add("Content-Range", HTTPByteRange.unsatisfiable.contentRange(length: length))
                    return .respond(HTTPResponse(status: 416, headers: headers))
                case .range(let offset, let count):
                    headers.add(
                        "Content-Range", HTTPByteRange.range(offset: offset, length: count).contentRange(length: length)
                    )
                    return .respond(
                        HTTPResponse(
                            status: 206, headers: headers,
                            body: .file(descriptor: descriptor, offset: offset, length: count)))
                }
            }) { server in
                let descriptorsBefore = openDescriptorCount()
                let client = try TestClient(port: server.port)

                let whole = try client.get("/file")
                #expect(whole.status == 200)
                #expect(whole.body == content)

                let partial = try client.get("/file", headers: ["Range: bytes=10-19"])
                #expect(partial.status == 206)
                #expect(partial.headers["Content-Range"] == "bytes 10-19/1000")
                #expect(partial.body == Array(content[10...19]))

                let suffix = try client.get("/file", headers: ["Range: bytes=-5"])
                #expect(suffix.status == 206)
                #expect(suffix.body == Array(content[995...]))

                let beyond = try client.get("/file", headers: ["Range: bytes=1000-"])
                #expect(beyond.status == 416)
                #expect(beyond.headers["Content-Range"] == "bytes */1000")

                client.close()
                #expect(waitUntil { openDescriptorCount() <= descriptorsBefore })
            }
        }
    }

    @Test func fileResponseHandlesRangesAndMissingFiles() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/track.flac"
            let content = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 17 &+ 1) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(content)))

            try withServer(handler: { request in
                .respond(.file(path: directory + request.path, contentType: "audio/flac", request: request))
            }) { server in
                let descriptorsBefore = openDescriptorCount()
                let client = try TestClient(port: server.port)

                let whole = try client.get("/track.flac")
                #expect(whole.status == 200)
                #expect(whole.headers["Content-Type"] == "audio/flac")
                #expect(whole.headers["Accept-Ranges"] == "bytes")
                #expect(whole.body == content)

                let partial = try client.get("/track.flac", headers: ["Range: bytes=4990-"])
                #expect(partial.status == 206)
                #expect(partial.headers["Content-Range"] == "bytes 4990-4999/5000")
                #expect(partial.body == Array(content[4990...]))

                let conditional = try client.get(
                    "/track.flac", headers: ["Range: bytes=0-9", "If-Range: \"some-etag\""])
                #expect(conditional.status == 200)
                #expect(conditional.body.count == content.count)

                let unsatisfiable = try client.get("/track.flac", headers: ["Range: bytes=6000-7000"])
                #expect(unsatisfiable.status == 416)
                #expect(unsatisfiable.headers["Content-Range"] == "bytes */5000")

                #expect(try client.get("/missing.flac").status == 404)
                #expect(try client.get("/").status == 404)

                client.close()
                #expect(waitUntil { openDescriptorCount() <= descriptorsBefore })
            }
        }
    }
}
