import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `sleeve serve` binary running as a child process on 127.0.0.1 with a free port, for tests that kill it.
public final class ServerProcess: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public let logFile: URL
    public var client: CurlClient { CurlClient(baseURL: "http://127.0.0.1:\(port)") }

    /// Starts `binary serve --port 0` with `arguments` and waits until it logs its port.
    public init(binary: String, arguments: [String], logFile: URL) async throws {
        self.logFile = logFile
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0"] + arguments
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()

        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
            let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            if let range = text.range(of: "http.port=") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let found else {
            process.terminate()
            let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            throw Command.Failure(description: "sleeve serve did not start: \(text.suffix(2_000))")
        }
        port = found
    }

    /// Sends `signal` to the server and waits for it to exit.
    public func stop(signal: Int32 = SIGTERM) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        while process.isRunning {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
