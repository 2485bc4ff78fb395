import Foundation
import SleeveCore

/// A Sleeve server on 127.0.0.1 with a free port and a fresh data folder, for one test.
public final class TestServer: @unchecked Sendable {
    public let server: SleeveServer
    public let dataFolder: URL
    public let client: CurlClient

    /// Starts a server; `configure` adjusts the configuration first.
    public init(configure: (inout ServeConfiguration) -> Void = { _ in }) throws {
        dataFolder = FileManager.default.temporaryDirectory.appendingPathComponent("sleeve-e2e-\(UUID().uuidString)")
        var configuration = ServeConfiguration()
        configuration.port = 0
        configuration.dataFolder = dataFolder
        // Tests stop at once unless they test the shutdown grace period; free space is not the test machine's
        // business unless a test sets a margin.
        configuration.shutdownGraceSeconds = 0
        configuration.minFreeMebibytes = 0
        configure(&configuration)
        server = try SleeveServer(configuration: configuration, logger: Logger(label: "test", level: .warning))
        try server.start()
        client = CurlClient(baseURL: "http://127.0.0.1:\(server.port)")
    }

    /// Stops the server and removes its data folder.
    public func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: dataFolder)
    }

    /// Stops the server and keeps its data folder, for tests that look at what it left.
    public func stopKeepingData() async {
        await server.stop()
    }

    /// Files left under the data folder's `uploads` and `jobs` folders.
    public func storedFiles() -> [String] {
        var found: [String] = []
        for folder in ["uploads", "jobs"] {
            let root = dataFolder.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(atPath: root.path) else { continue }
            while let path = walker.nextObject() as? String {
                found.append("\(folder)/\(path)")
            }
        }
        return found
    }
}

/// Runs `body` with a started server and stops it afterwards, whether `body` returns or throws.
public func withTestServer<T>(
    configure: (inout ServeConfiguration) -> Void = { _ in }, _ body: (TestServer) async throws -> T
) async throws -> T {
    let server = try TestServer(configure: configure)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
