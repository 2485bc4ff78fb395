import Foundation
import HTTPServer

#if canImport(Glibc)
    import Glibc
#endif

struct TestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A response read by ``TestClient``.
struct TestResponse {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking HTTP/1.1 client on a raw socket, for cases that URLSession cannot express: keep-alive checks,
/// partial bodies, aborts and `Expect: 100-continue`.
final class TestClient {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var isClosed = false

    /// Connects to 127.0.0.1:`port`. Reads time out after `timeoutSeconds` with an error.
    init(port: Int, timeoutSeconds: Int = 5) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else {
            throw TestFailure("socket failed: errno \(errno)")
        }

        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw TestFailure("connect to port \(port) failed: errno \(error)")
        }
    }

    deinit {
        close()
    }

    func close() {
        guard !isClosed else {
            return
        }
        isClosed = true
        Glibc.close(descriptor)
    }

    /// Sends all bytes. Returns false when the server closed or reset the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) throws -> Bool {
        try bytes.withUnsafeBytes { try send($0) }
    }

    @discardableResult
    func send(_ text: String) throws -> Bool {
        try send(Array(text.utf8))
    }

    @discardableResult
    func send(_ bytes: UnsafeRawBufferPointer) throws -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = Glibc.send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if sent < 0 {
                let error = errno
                if error == EINTR {
                    continue
                }
                if error == EPIPE || error == ECONNRESET {
                    return false
                }
                throw TestFailure("send failed: errno \(error)")
            }
            offset += sent
        }
        return true
    }

    /// Reads more bytes into the buffer. Returns false at the end of the stream or on a reset.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return true
            }
            if count == 0 {
                return false
            }
            let error = errno
            if error == EINTR {
                continue
            }
            if error == ECONNRESET {
                return false
            }
            if error == EAGAIN || error == EWOULDBLOCK {
                throw TestFailure("read timed out")
            }
            throw TestFailure("recv failed: errno \(error)")
        }
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<index])
                buffer.removeFirst(index + 1)
                if line.last == UInt8(ascii: "\r") {
                    line.removeLast()
                }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else {
                throw TestFailure("connection closed while reading a line")
            }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else {
                throw TestFailure("connection closed after \(buffer.count) of \(count) bytes")
            }
        }
        let bytes = Array(buffer[..<count])
        buffer.removeFirst(count)
        return bytes
    }

    /// Reads a status line and header fields.
    func readHead() throws -> (status: Int, headers: HTTPHeaders) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw TestFailure("invalid status line: \(statusLine)")
        }

        var headers = HTTPHeaders()
        while true {
            let line = try readLine()
            if line.isEmpty {
                break
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw TestFailure("invalid header line: \(line)")
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.add(String(line[..<colon]), value)
        }
        return (status, headers)
    }

    /// Reads one chunk of a chunked body; returns nil for the last (empty) chunk, after its trailer.
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        let sizeText = sizeLine.split(separator: ";").first.map(String.init) ?? ""
        guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
            throw TestFailure("invalid chunk size line: \(sizeLine)")
        }
        if size == 0 {
            while try !readLine().isEmpty {}
            return nil
        }
        let data = try readExactly(size)
        _ = try readExactly(2)
        return data
    }

    /// Reads a whole response; `isHead` skips the body of a response to HEAD.
    func readResponse(isHead: Bool = false) throws -> TestResponse {
        let (status, headers) = try readHead()
        if isHead || status == 204 || status == 304 || (100..<200).contains(status) {
            return TestResponse(status: status, headers: headers, body: [])
        }

        if headers["Transfer-Encoding"]?.lowercased() == "chunked" {
            var body: [UInt8] = []
            while let chunk = try readChunk() {
                body += chunk
            }
            return TestResponse(status: status, headers: headers, body: body)
        }
        if let lengthText = headers["Content-Length"], let length = Int(lengthText) {
            return TestResponse(status: status, headers: headers, body: try readExactly(length))
        }

        while try fill() {}
        let body = buffer
        buffer = []
        return TestResponse(status: status, headers: headers, body: body)
    }

    /// Reads until the server closes the connection and returns the bytes that arrived before.
    func readUntilClosed() throws -> [UInt8] {
        while try fill() {}
        let bytes = buffer
        buffer = []
        return bytes
    }

    func get(_ target: String, headers: [String] = []) throws -> TestResponse {
        let lines = ["GET \(target) HTTP/1.1", "Host: 127.0.0.1"] + headers
        try send(lines.joined(separator: "\r\n") + "\r\n\r\n")
        return try readResponse()
    }
}

/// Polls `condition` every 10 ms until it is true or `timeout` seconds pass, and returns its last value.
func waitUntil(timeout: Double = 3, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() {
            return true
        }
        usleep(10_000)
    }
    return condition()
}

/// Returns the resident set size of this process in KiB, read from /proc/self/status.
func residentMemoryKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
        return 0
    }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return 0
}

/// Returns the number of open file descriptors of this process.
func openDescriptorCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}

/// A block of the test pattern: 64 KiB whose first 8 bytes are the block index and whose other bytes derive from
/// it, so that a missing, repeated or reordered block fails a comparison.
func patternBlock(_ index: Int) -> [UInt8] {
    var block = [UInt8](repeating: UInt8(truncatingIfNeeded: index &* 7 &+ 3), count: patternBlockSize)
    withUnsafeBytes(of: UInt64(index).littleEndian) { indexBytes in
        for offset in 0..<8 {
            block[offset] = indexBytes[offset]
        }
    }
    return block
}

let patternBlockSize = 64 * 1024

/// Calls `body` with the pattern bytes of a stream of `length` bytes, block by block.
func forEachPatternBlock(length: Int, _ body: ([UInt8]) throws -> Void) rethrows {
    var remaining = length
    var index = 0
    while remaining > 0 {
        let block = patternBlock(index)
        let count = min(remaining, block.count)
        try body(count == block.count ? block : Array(block[..<count]))
        remaining -= count
        index += 1
    }
}

/// Returns whether the file at `path` contains exactly the pattern stream of `length` bytes.
func fileMatchesPattern(path: String, length: Int) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        return false
    }
    defer { try? handle.close() }

    var matches = true
    forEachPatternBlock(length: length) { expected in
        guard matches, let data = try? handle.read(upToCount: expected.count), Array(data) == expected else {
            matches = false
            return
        }
    }
    let trailing = try? handle.read(upToCount: 1)
    return matches && (trailing ?? Data()).isEmpty
}
