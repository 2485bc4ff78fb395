import Foundation

/// An HTTP client for tests that runs curl, so requests travel over a real socket exactly as a user's would.
public struct CurlClient: Sendable {
    public let baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    public struct Response: Sendable {
        public var status: Int
        /// Header values by lower-cased name.
        public var headers: [String: String]
        public var body: Data

        public var text: String { String(decoding: body, as: UTF8.self) }

        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        }
    }

    /// One part of a multipart form: a text value, or a file with the file name the client declares.
    public enum FormPart: Sendable {
        case text(String)
        case file(URL, filename: String? = nil, contentType: String? = nil)
    }

    /// Sends a request and returns the final response.
    ///
    /// curl runs on a thread of its own, so a waiting test never blocks one of the few threads of Swift's
    /// cooperative pool that the server's job runner needs too.
    public func request(
        _ method: String, _ path: String, headers: [String: String] = [:], form: [(String, FormPart)] = [],
        body: Data? = nil, timeout: Double = 60
    ) async throws -> Response {
        let form = form.map { Field(name: $0.0, part: $0.1) }
        return try await onOwnThread {
            try blockingRequest(method, path, headers: headers, form: form, body: body, timeout: timeout)
        }
    }

    private struct Field: Sendable {
        var name: String
        var part: FormPart
    }

    private func blockingRequest(
        _ method: String, _ path: String, headers: [String: String], form: [Field], body: Data?, timeout: Double
    ) throws -> Response {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let headerFile = folder.appendingPathComponent("headers")
        let bodyFile = folder.appendingPathComponent("body")

        var arguments = [
            "-sS", "-X", method, "-D", headerFile.path, "-o", bodyFile.path, "-w", "%{http_code}",
            "--max-time", String(timeout),
        ]
        if method == "HEAD" {
            arguments = arguments.filter { $0 != "-X" && $0 != "HEAD" } + ["-I"]
        }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            arguments += ["-H", "\(name): \(value)"]
        }
        for field in form {
            let name = field.name
            switch field.part {
            case .text(let value):
                arguments += ["--form-string", "\(name)=\(value)"]
            case .file(let url, let filename, let contentType):
                var spec = "\(name)=@\(url.path)"
                if let filename {
                    // curl splits -F values at ';' unless the value is quoted.
                    let quoted = filename.replacingOccurrences(of: "\\", with: "\\\\")
                        .replacingOccurrences(of: "\"", with: "\\\"")
                    spec += ";filename=\"\(quoted)\""
                }
                if let contentType { spec += ";type=\(contentType)" }
                arguments += ["-F", spec]
            }
        }
        if let body {
            let file = folder.appendingPathComponent("request")
            try body.write(to: file)
            arguments += ["--data-binary", "@\(file.path)"]
        }
        arguments.append(baseURL + path)

        let output = try Command.run("curl", arguments, allowFailure: true)
        guard output.status == 0 else {
            throw Command.Failure(
                description: "curl \(method) \(path) failed (\(output.status)): \(output.standardError)")
        }
        return Response(
            status: Int(output.text) ?? 0,
            headers: Self.parseHeaders((try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""),
            body: (try? Data(contentsOf: bodyFile)) ?? Data())
    }

    /// Reads an event stream until the server closes it or `timeout` passes, and returns the raw text.
    public func eventStream(_ path: String, lastEventId: Int64? = nil, timeout: Double = 120) async throws -> String {
        try await onOwnThread { try blockingEventStream(path, lastEventId: lastEventId, timeout: timeout) }
    }

    private func blockingEventStream(_ path: String, lastEventId: Int64?, timeout: Double) throws -> String {
        var arguments = ["-sN", "--max-time", String(timeout), "-H", "Accept: text/event-stream"]
        if let lastEventId {
            arguments += ["-H", "Last-Event-ID: \(lastEventId)"]
        }
        return try Command.run("curl", arguments + [baseURL + path], allowFailure: true).text
    }

    /// Keeps only the last response's headers, since curl writes those of a `100 Continue` too.
    static func parseHeaders(_ text: String) -> [String: String] {
        let blocks = text.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
        var headers: [String: String] = [:]
        for line in (blocks.last ?? "").components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }
}

/// One event parsed from a `text/event-stream` body.
public struct ParsedEvent: Sendable, Equatable {
    public var id: Int64?
    public var event: String
    public var data: String

    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]) ?? [:]
    }

    /// Parses a stream as an EventSource would: fields per block, `data` lines joined with newlines, comments
    /// and `retry` skipped.
    public static func parse(_ text: String) -> [ParsedEvent] {
        var events: [ParsedEvent] = []
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        for block in normalized.components(separatedBy: "\n\n") {
            var id: Int64?
            var name = "message"
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix(":") { continue }
                let field = line.prefix { $0 != ":" }
                var value = line.dropFirst(field.count).dropFirst()
                if value.hasPrefix(" ") { value = value.dropFirst() }
                switch field {
                case "id": id = Int64(value)
                case "event": name = String(value)
                case "data": data.append(String(value))
                default: break
                }
            }
            if !data.isEmpty {
                events.append(ParsedEvent(id: id, event: name, data: data.joined(separator: "\n")))
            }
        }
        return events
    }
}

/// Runs blocking work on a new thread and returns its result to the awaiting task.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
