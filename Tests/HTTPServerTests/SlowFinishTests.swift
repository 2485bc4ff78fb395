import Foundation
import HTTPServer
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A receiver whose finish() takes `seconds`, as a receiver that probes its files does.
private final class SlowFinishReceiver: HTTPBodyReceiver {
    private let seconds: Double

    init(seconds: Double) {
        self.seconds = seconds
    }

    func beginPart(name: String, filename: String?, contentType: String?) throws {}
    func receive(_ bytes: UnsafeRawBufferPointer) throws {}
    func endPart() throws {}

    func finish() -> HTTPResponse {
        usleep(UInt32(seconds * 1_000_000))
        return .text(status: 202, "finished")
    }

    func cancel() {}
}

@Suite struct SlowFinishTests {
    @Test func slowFinishDoesNotBlockOtherRequests() throws {
        try withServer(
            configure: { $0.threadPoolSize = 1 },
            handler: { request in
                request.path == "/slow"
                    ? .receiveBody(SlowFinishReceiver(seconds: 2)) : .respond(.text(status: 200, "quick"))
            }
        ) { server in
            let slow = try TestClient(port: server.port)
            try slow.send(
                "POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbody")
            usleep(200_000)

            // One daemon thread serves both connections, so the quick response must arrive while finish() runs.
            let started = ContinuousClock.now
            let quick = try TestClient(port: server.port).get("/quick")
            let waited = ContinuousClock.now - started
            #expect(quick.status == 200)
            #expect(waited < .milliseconds(1_000), "the quick request waited \(waited)")

            let response = try slow.readResponse()
            #expect(response.status == 202)
            #expect(response.text == "finished")
            // The connection stays usable after the suspended finish.
            #expect(try slow.get("/quick").status == 200)
        }
    }

    @Test func stopWaitsForRunningFinish() throws {
        let server = HTTPServer(
            configuration: {
                var configuration = HTTPServerConfiguration()
                configuration.port = 0
                return configuration
            }(),
            handler: ClosureHandler { _ in .receiveBody(SlowFinishReceiver(seconds: 1)) })
        try server.start()
        let client = try TestClient(port: server.port)
        try client.send("POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\nok")
        usleep(200_000)
        // The daemon aborts the process when it stops with a suspended connection, so surviving this is the check.
        server.stop()
        #expect(server.openStreamCount == 0)
    }
}

@Suite struct RequestLimitTests {
    @Test func oversizedHeadersAreRejected() throws {
        try withServer(
            configure: { $0.connectionMemoryLimit = 16 * 1024 },
            handler: { _ in .respond(.text(status: 200, "ok")) }
        ) { server in
            let client = try TestClient(port: server.port)
            let huge = String(repeating: "a", count: 40_000)
            _ = try client.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Large: \(huge)\r\n\r\n")
            let answer = String(decoding: try client.readUntilClosed(), as: UTF8.self)
            // libmicrohttpd sends 431 or closes the connection when the head does not fit the connection's memory.
            #expect(!answer.contains(" 200 "), "a head over the limit must not be served: \(answer.prefix(80))")

            // The server goes on serving others.
            #expect(try TestClient(port: server.port).get("/").status == 200)
        }
    }

    @Test func slowClientIsTimedOut() throws {
        try withServer(
            configure: { $0.connectionTimeoutSeconds = 1 },
            handler: { _ in .respond(.text(status: 200, "ok")) }
        ) { server in
            let client = try TestClient(port: server.port)
            _ = try client.send("GET / HTTP/1.1\r\nHost: 127.")
            let started = ContinuousClock.now
            _ = try client.readUntilClosed()
            let waited = ContinuousClock.now - started
            #expect(waited < .seconds(5), "a client that stops sending is closed after the timeout, not \(waited)")
        }
    }
}
