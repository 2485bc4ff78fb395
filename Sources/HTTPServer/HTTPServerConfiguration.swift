/// Settings for an ``HTTPServer``.
public struct HTTPServerConfiguration: Sendable {
    /// The address to bind: an IPv4 or IPv6 literal (brackets allowed), or "localhost" for 127.0.0.1.
    public var host: String = "127.0.0.1"

    /// The TCP port to bind; 0 lets the system pick a free port, which ``HTTPServer/port`` reports after start.
    public var port: Int = 8080

    /// The number of threads that serve connections.
    public var threadPoolSize: Int = 2

    /// The maximum number of open connections, shared by all threads.
    public var connectionLimit: Int = 4096

    /// The time in seconds after which an idle connection is closed; 0 disables the timeout.
    public var connectionTimeoutSeconds: Int = 60

    /// The memory in bytes that each connection may use for headers and buffers.
    public var connectionMemoryLimit: Int = 32 * 1024

    /// The maximum number of request body bytes that the server reads and discards before it sends a response
    /// that does not need the body. A longer body makes the server close the connection.
    public var maxDrainBytes: Int64 = 1 << 20

    public init() {}
}
