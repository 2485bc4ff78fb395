import Foundation
import HTTPServer
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Request bodies: multipart streaming, receiver errors, chunked bodies, 100-continue and aborts.
@Suite(.serialized)
struct UploadTests {
    @Test func multipartUploadStreamsPartsToDisk() throws {
        let probe = ReceiverProbe()
        let fileLength = 50 * 1024 * 1024 + 12_345
        let cover = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let body = MultipartBody(parts: [
            MultipartPart(name: "title", bytes: Array("Blue Album".utf8)),
            MultipartPart(name: "cover", filename: "cover.jpg", contentType: "image/jpeg", bytes: cover),
            MultipartPart(
                name: "track", filename: "01 Intro.flac", contentType: "audio/flac", patternLength: fileLength),
        ])

        try withTemporaryDirectory { directory in
            try withServer(handler: { _ in .receiveBody(FileReceiver(directory: directory, probe: probe)) }) { server in
                let client = try TestClient(port: server.port, timeoutSeconds: 30)
                let memoryBefore = residentMemoryKiB()

                try client.send(
                    "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: multipart/form-data; boundary=\(body.boundary)\r\n"
                        + "Content-Length: \(body.contentLength)\r\n\r\n")
                try body.send(to: client)
                let response = try client.readResponse()

                let memoryGrowthKiB = residentMemoryKiB() - memoryBefore
                #expect(response.status == 201)
                #expect(response.text == #"{"byteCount":\#(10 + 1000 + fileLength),"partCount":3}"#)
                // The file part alone is 50 MiB, so growth far below it shows that the body was not buffered.
                #expect(memoryGrowthKiB < 20 * 1024, "resident memory grew by \(memoryGrowthKiB) KiB")

                let state = probe.snapshot
                #expect(state.finishCount == 1)
                #expect(state.cancelCount == 0)
                try #require(state.parts.count == 3)
                #expect(state.parts[0].name == "title")
                #expect(state.parts[0].filename == nil)
                #expect(state.parts[0].byteCount == 10)
                #expect(state.parts[1].name == "cover")
                #expect(state.parts[1].filename == "cover.jpg")
                #expect(state.parts[1].contentType == "image/jpeg")
                #expect(state.parts[2].filename == "01 Intro.flac")
                #expect(state.parts[2].contentType == "audio/flac")
                #expect(state.parts[2].byteCount == fileLength)

                let title = try String(contentsOfFile: state.parts[0].path, encoding: .utf8)
                #expect(title == "Blue Album")
                #expect(Array(try Data(contentsOf: URL(fileURLWithPath: state.parts[1].path))) == cover)
                #expect(fileMatchesPattern(path: state.parts[2].path, length: fileLength))
            }
        }
    }

    @Test func multipartRepeatedNamesArriveAsSeparateParts() throws {
        let probe = ReceiverProbe()
        let body = MultipartBody(parts: [
            MultipartPart(name: "tracks", filename: "a.flac", bytes: Array("first".utf8)),
            MultipartPart(name: "tracks", filename: "b.flac", bytes: Array("second".utf8)),
            MultipartPart(name: "tracks", filename: "b.flac", bytes: Array("third".utf8)),
            MultipartPart(name: "empty", filename: "none.flac"),
        ])
        try withTemporaryDirectory { directory in
            try withServer(handler: { _ in .receiveBody(FileReceiver(directory: directory, probe: probe)) }) { server in
                let client = try TestClient(port: server.port)
                try client.send(
                    "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: multipart/form-data; boundary=\(body.boundary)\r\n"
                        + "Content-Length: \(body.contentLength)\r\n\r\n")
                try body.send(to: client)
                #expect(try client.readResponse().status == 201)

                let parts = probe.snapshot.parts
                #expect(parts.map(\.filename) == ["a.flac", "b.flac", "b.flac", "none.flac"])
                let contents = parts.map { (try? String(contentsOfFile: $0.path, encoding: .utf8)) ?? "?" }
                #expect(contents == ["first", "second", "third", ""])
            }
        }
    }

    @Test func receiverErrorWithSmallRemainderSendsErrorStatus() throws {
        let probe = ReceiverProbe()
        try withTemporaryDirectory { directory in
            try withServer(handler: { request in
                guard request.method == "POST" else {
                    return .respond(.text(status: 200, "still open"))
                }
                return .receiveBody(FileReceiver(directory: directory, probe: probe, failAfterBytes: 64 * 1024))
            }) { server in
                let client = try TestClient(port: server.port)
                let length = 300_000
                try client.send(
                    "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: \(length)\r\n\r\n")
                try forEachPatternBlock(length: length) { try client.send($0) }

                let response = try client.readResponse()
                #expect(response.status == 413)
                #expect(response.text == #"{"error":"the body is too large"}"#)

                let next = try client.get("/after")
                #expect(next.status == 200)
                #expect(next.text == "still open")
            }
        }
        #expect(probe.snapshot.cancelCount == 1)
        #expect(probe.snapshot.finishCount == 0)
        #expect(!FileManager.default.fileExists(atPath: probe.snapshot.parts.first?.path ?? "/"))
    }

    @Test func receiverErrorWithLargeRemainderClosesConnection() throws {
        let probe = ReceiverProbe()
        let records = Recorder<HTTPAccessRecord>()
        try withTemporaryDirectory { directory in
            try withServer(
                configure: { $0.maxDrainBytes = 64 * 1024 }, accessLog: { records.append($0) },
                handler: { _ in
                    .receiveBody(FileReceiver(directory: directory, probe: probe, failAfterBytes: 64 * 1024))
                }
            ) { server in
                let client = try TestClient(port: server.port)
                let length = 8 * 1024 * 1024
                try client.send(
                    "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(length)\r\n\r\n")
                var isOpen = true
                try forEachPatternBlock(length: length) { block in
                    if isOpen {
                        isOpen = try client.send(block)
                    }
                }
                #expect(try client.readUntilClosed().isEmpty)
            }
        }
        #expect(probe.snapshot.cancelCount == 1)
        #expect(probe.snapshot.finishCount == 0)
        #expect(waitUntil { records.all.count == 1 })
        #expect(records.all.first?.status == 0)
        #expect(records.all.first?.errorDescription != nil)
    }

    @Test func receiverErrorBeforeLargeBodySendsStatusThenCloses() throws {
        let probe = ReceiverProbe()
        try withServer(
            configure: { $0.maxDrainBytes = 1000 },
            handler: { _ in
                .receiveBody(RejectingReceiver(probe: probe))
            }
        ) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50000000\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 415)
            #expect(try client.readUntilClosed().isEmpty)
        }
        #expect(probe.snapshot.cancelCount == 1)
        #expect(probe.snapshot.finishCount == 0)
    }

    @Test func receiverErrorBeforeSmallBodyKeepsConnection() throws {
        let probe = ReceiverProbe()
        try withServer(handler: { request in
            request.method == "POST"
                ? .receiveBody(RejectingReceiver(probe: probe)) : .respond(.text(status: 200, "ok"))
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n0123456789")
            #expect(try client.readResponse().status == 415)
            #expect(try client.get("/next").status == 200)
        }
        #expect(probe.snapshot.cancelCount == 1)
    }

    @Test func receiverInternalErrorSends500() throws {
        let probe = ReceiverProbe()
        let records = Recorder<HTTPAccessRecord>()
        try withTemporaryDirectory { directory in
            try withServer(
                accessLog: { records.append($0) },
                handler: { _ in
                    .receiveBody(
                        FileReceiver(
                            directory: directory, probe: probe, failAfterBytes: 10,
                            failure: TestFailure("disk full")))
                }
            ) { server in
                let client = try TestClient(port: server.port)
                try client.send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n")
                try client.send([UInt8](repeating: 1, count: 100))
                let response = try client.readResponse()
                #expect(response.status == 500)
                #expect(response.text == #"{"error":"internal server error"}"#)
            }
        }
        #expect(probe.snapshot.cancelCount == 1)
        #expect(waitUntil { records.all.count == 1 })
        #expect(records.all.first?.errorDescription == "disk full")
    }

    @Test func malformedMultipartSends400() throws {
        let probe = ReceiverProbe()
        try withTemporaryDirectory { directory in
            try withServer(handler: { _ in .receiveBody(FileReceiver(directory: directory, probe: probe)) }) { server in
                let client = try TestClient(port: server.port)
                let body = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated"
                try client.send(
                    "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
                let response = try client.readResponse()
                #expect(response.status == 400)
                #expect(response.text.contains("multipart"))

                let missingBoundary = try TestClient(port: server.port)
                try missingBoundary.send(
                    "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data\r\n"
                        + "Content-Length: 4\r\n\r\nabcd")
                #expect(try missingBoundary.readResponse().status == 400)
            }
        }
        #expect(probe.snapshot.cancelCount == 2)
        #expect(probe.snapshot.finishCount == 0)
    }

    @Test func chunkedUploadReachesReceiver() throws {
        let probe = ReceiverProbe()
        let bodies = Recorder<[UInt8]>()
        try withServer(handler: { _ in .receiveBody(MemoryReceiver(recorder: bodies, probe: probe)) }) { server in
            let client = try TestClient(port: server.port)
            try client.send(
                "POST /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n")
            let chunks = ["first,", "second,", String(repeating: "x", count: 40_000)]
            for chunk in chunks {
                try client.send(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n")
                usleep(20_000)
            }
            try client.send("0\r\n\r\n")

            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == #"{"byteCount":\#(chunks.joined().utf8.count)}"#)
        }
        #expect(
            bodies.all.first.map { String(decoding: $0, as: UTF8.self) } == "first,second,"
                + String(repeating: "x", count: 40_000))
        #expect(probe.snapshot.parts.map(\.name) == [""])
        #expect(probe.snapshot.parts.first?.contentType == "text/plain")
    }

    @Test func expectContinueGets100BeforeBody() throws {
        let probe = ReceiverProbe()
        let bodies = Recorder<[UInt8]>()
        try withServer(handler: { _ in .receiveBody(MemoryReceiver(recorder: bodies, probe: probe)) }) { server in
            let client = try TestClient(port: server.port)
            try client.send(
                "PUT /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            let interim = try client.readHead()
            #expect(interim.status == 100)

            try client.send("hello")
            let response = try client.readResponse()
            #expect(response.status == 200)
        }
        #expect(bodies.all == [Array("hello".utf8)])
    }

    @Test func stopDuringUploadCancelsReceiver() throws {
        let probe = ReceiverProbe()
        try withTemporaryDirectory { directory in
            var configuration = HTTPServerConfiguration()
            configuration.port = 0
            let server = HTTPServer(
                configuration: configuration,
                handler: ClosureHandler { _ in .receiveBody(FileReceiver(directory: directory, probe: probe)) })
            try server.start()
            defer { server.stop() }

            let client = try TestClient(port: server.port)
            try client.send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n")
            try client.send(patternBlock(0))
            #expect(waitUntil { probe.snapshot.bytesReceived > 0 })

            server.stop()
            #expect(probe.snapshot.cancelCount == 1)
            #expect(probe.snapshot.finishCount == 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    @Test func clientAbortMidUploadCancelsReceiver() throws {
        let probe = ReceiverProbe()
        try withTemporaryDirectory { directory in
            try withServer(handler: { _ in .receiveBody(FileReceiver(directory: directory, probe: probe)) }) { server in
                let client = try TestClient(port: server.port)
                try client.send(
                    "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n")
                try client.send(patternBlock(0))
                #expect(waitUntil { probe.snapshot.bytesReceived > 0 })
                client.close()

                #expect(waitUntil { probe.snapshot.cancelCount == 1 })
                #expect(probe.snapshot.finishCount == 0)
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory)
                #expect(leftovers.isEmpty)
            }
        }
    }
}
