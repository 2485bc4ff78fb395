import Foundation
import HTTPServer
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

struct ClosureHandler: HTTPHandler {
    let body: @Sendable (HTTPRequest) -> HTTPAction

    func handle(_ request: HTTPRequest) -> HTTPAction {
        body(request)
    }
}

/// Starts a server on 127.0.0.1 port 0, runs `body`, and stops the server whether `body` returns or throws.
func withServer<Result>(
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    accessLog: (@Sendable (HTTPAccessRecord) -> Void)? = nil,
    handler: @escaping @Sendable (HTTPRequest) -> HTTPAction,
    _ body: (HTTPServer) throws -> Result
) throws -> Result {
    var configuration = HTTPServerConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configure(&configuration)

    let server = HTTPServer(configuration: configuration, handler: ClosureHandler(body: handler), accessLog: accessLog)
    try server.start()
    defer { server.stop() }
    return try body(server)
}

/// A thread-safe list of values recorded by server threads and read by the test.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) {
        values.withLock { $0.append(value) }
    }

    var all: [Value] {
        values.withLock { $0 }
    }
}

/// What a test receiver saw, shared between the server thread and the test.
final class ReceiverProbe: Sendable {
    struct Part: Sendable, Equatable {
        var name: String
        var filename: String?
        var contentType: String?
        var byteCount: Int
        var path: String
    }

    struct State: Sendable {
        var parts: [Part] = []
        var finishCount = 0
        var cancelCount = 0
        var bytesReceived = 0
    }

    private let state = Mutex(State())

    func update(_ change: (inout State) -> Void) {
        state.withLock { change(&$0) }
    }

    var snapshot: State {
        state.withLock { $0 }
    }
}

/// A receiver that writes each part to its own file in `directory`, and deletes the files on cancel.
/// With `failAfterBytes` it throws `failure` once that many body bytes have arrived.
final class FileReceiver: HTTPBodyReceiver {
    private let directory: String
    private let probe: ReceiverProbe
    private let failAfterBytes: Int?
    private let failure: any Error
    private var descriptor: Int32 = -1
    private var paths: [String] = []
    private var bytesReceived = 0

    init(
        directory: String,
        probe: ReceiverProbe,
        failAfterBytes: Int? = nil,
        failure: any Error = HTTPError(status: 413, "the body is too large")
    ) {
        self.directory = directory
        self.probe = probe
        self.failAfterBytes = failAfterBytes
        self.failure = failure
    }

    func beginPart(name: String, filename: String?, contentType: String?) throws {
        let path = "\(directory)/part-\(paths.count)"
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            throw TestFailure("open \(path) failed: errno \(errno)")
        }
        paths.append(path)
        probe.update {
            $0.parts.append(
                .init(name: name, filename: filename, contentType: contentType, byteCount: 0, path: path))
        }
    }

    func receive(_ bytes: UnsafeRawBufferPointer) throws {
        bytesReceived += bytes.count
        probe.update {
            $0.bytesReceived += bytes.count
            $0.parts[$0.parts.count - 1].byteCount += bytes.count
        }
        if let failAfterBytes, bytesReceived >= failAfterBytes {
            throw failure
        }

        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else {
                throw TestFailure("write failed: errno \(errno)")
            }
            offset += written
        }
    }

    func endPart() throws {
        Glibc.close(descriptor)
        descriptor = -1
    }

    func finish() -> HTTPResponse {
        probe.update { $0.finishCount += 1 }
        let sizes = probe.snapshot.parts.map(\.byteCount)
        return .json(status: 201, ["partCount": sizes.count, "byteCount": sizes.reduce(0, +)])
    }

    func cancel() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
        for path in paths {
            unlink(path)
        }
        probe.update { $0.cancelCount += 1 }
    }
}

/// A receiver that keeps the body in memory, for small bodies.
final class MemoryReceiver: HTTPBodyReceiver {
    private let recorder: Recorder<[UInt8]>
    private let probe: ReceiverProbe
    private var bytes: [UInt8] = []

    init(recorder: Recorder<[UInt8]>, probe: ReceiverProbe) {
        self.recorder = recorder
        self.probe = probe
    }

    func beginPart(name: String, filename: String?, contentType: String?) throws {
        probe.update {
            $0.parts.append(.init(name: name, filename: filename, contentType: contentType, byteCount: 0, path: ""))
        }
    }

    func receive(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes += bytes
        probe.update { $0.parts[$0.parts.count - 1].byteCount += bytes.count }
    }

    func endPart() throws {}

    func finish() -> HTTPResponse {
        recorder.append(bytes)
        probe.update { $0.finishCount += 1 }
        return .json(status: 200, ["byteCount": bytes.count])
    }

    func cancel() {
        probe.update { $0.cancelCount += 1 }
    }
}

/// A stream body fed by the test: bytes pushed are sent, and `end()` completes it.
final class TestStream: HTTPStreamBody {
    private struct State {
        var pending: [UInt8] = []
        var isEnded = false
        var wake: (@Sendable () -> Void)?
        var waitCount = 0
        var closeCount = 0
    }

    private let state = Mutex(State())

    func attach(wake: @escaping @Sendable () -> Void) {
        state.withLock { $0.wake = wake }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> HTTPStreamRead {
        state.withLock { state in
            if state.pending.isEmpty {
                if state.isEnded {
                    return .end
                }
                state.waitCount += 1
                return .wait
            }
            let count = min(buffer.count, state.pending.count)
            buffer.copyBytes(from: state.pending[..<count])
            state.pending.removeFirst(count)
            return .bytes(count)
        }
    }

    func closed() {
        state.withLock { $0.closeCount += 1 }
    }

    func push(_ text: String) {
        let wake = state.withLock { state in
            state.pending += Array(text.utf8)
            return state.wake
        }
        wake?()
    }

    func end() {
        let wake = state.withLock { state in
            state.isEnded = true
            return state.wake
        }
        wake?()
    }

    var waitCount: Int { state.withLock { $0.waitCount } }
    var closeCount: Int { state.withLock { $0.closeCount } }
}

/// One part of a multipart body: either fixed bytes or `patternLength` bytes of the test pattern.
struct MultipartPart {
    var name: String
    var filename: String?
    var contentType: String?
    var bytes: [UInt8] = []
    var patternLength = 0

    var head: [UInt8] {
        var text = "Content-Disposition: form-data; name=\"\(name)\""
        if let filename {
            text += "; filename=\"\(filename)\""
        }
        text += "\r\n"
        if let contentType {
            text += "Content-Type: \(contentType)\r\n"
        }
        return Array((text + "\r\n").utf8)
    }
}

/// Sends a multipart/form-data body without holding it in memory.
struct MultipartBody {
    let boundary = "sleeve-test-boundary-7d2f"
    var parts: [MultipartPart]

    var contentLength: Int {
        var length = 0
        for part in parts {
            length += "--\(boundary)\r\n".utf8.count + part.head.count + part.bytes.count + part.patternLength + 2
        }
        return length + "--\(boundary)--\r\n".utf8.count
    }

    func send(to client: TestClient) throws {
        for part in parts {
            try client.send(Array("--\(boundary)\r\n".utf8) + part.head + part.bytes)
            try forEachPatternBlock(length: part.patternLength) { try client.send($0) }
            try client.send("\r\n")
        }
        try client.send("--\(boundary)--\r\n")
    }
}

/// Creates a fresh temporary directory and removes it after `body`.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    let path = NSTemporaryDirectory() + "http-server-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// A receiver that rejects the body in beginPart, before any body byte is read.
final class RejectingReceiver: HTTPBodyReceiver {
    private let probe: ReceiverProbe

    init(probe: ReceiverProbe) {
        self.probe = probe
    }

    func beginPart(name: String, filename: String?, contentType: String?) throws {
        throw HTTPError(status: 415, "unsupported media type")
    }

    func receive(_ bytes: UnsafeRawBufferPointer) throws {}

    func endPart() throws {}

    func finish() -> HTTPResponse {
        probe.update { $0.finishCount += 1 }
        return HTTPResponse(status: 204)
    }

    func cancel() {
        probe.update { $0.cancelCount += 1 }
    }
}
