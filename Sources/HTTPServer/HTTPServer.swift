import CMicroHTTPD
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP/1.1 server on libmicrohttpd that passes requests to an ``HTTPHandler``.
///
/// The daemon polls with `poll` on an internal thread pool and suspends connections whose stream body has
/// nothing to send. Handlers, receivers and stream bodies run on the pool's threads and must not block.
public final class HTTPServer: Sendable {
    private let core: ServerCore
    private let state = Mutex(State())

    private struct State {
        var daemon: DaemonHandle?
        var port = 0
        var isStopped = false
    }

    /// The running daemon and what its lifetime holds.
    private struct DaemonHandle: @unchecked Sendable {
        let pointer: OpaquePointer
        /// The core retained for the daemon's callbacks, released after the daemon stops.
        let retainedCore: Unmanaged<ServerCore>
        let sweepTimer: DispatchSourceTimer
    }

    /// The interval between checks of suspended stream connections for clients that closed the socket.
    private static let sweepInterval = DispatchTimeInterval.seconds(1)

    /// The time that ``stop()`` waits for the daemon to resume suspended stream connections.
    private static let resumeTimeout = Duration.seconds(5)
    /// How long stop() waits for body receivers whose finish() is still running.
    private static let finishTimeout = Duration.seconds(60)

    /// Creates a server; ``start()`` binds it.
    ///
    /// - Parameter accessLog: Called once per completed request, on a server thread.
    public init(
        configuration: HTTPServerConfiguration,
        handler: any HTTPHandler,
        accessLog: (@Sendable (HTTPAccessRecord) -> Void)? = nil
    ) {
        self.core = ServerCore(configuration: configuration, handler: handler, accessLog: accessLog)
    }

    deinit {
        stop()
    }

    /// The bound port. It is the port the system picked when the configuration sets port 0, and 0 before ``start()``.
    public var port: Int {
        state.withLock { $0.port }
    }

    /// The number of stream responses whose body has not been closed yet.
    public var openStreamCount: Int {
        core.openStreamCount
    }

    /// Binds the configured address and starts serving. Ignores `SIGPIPE` for the whole process, because a
    /// write to a closed socket would otherwise end it.
    ///
    /// - Throws: ``HTTPServerError`` naming the host, port and cause, such as an address already in use, an
    ///   invalid host, or a second start.
    public func start() throws {
        let configuration = core.configuration
        try state.withLock { state in
            guard state.daemon == nil, !state.isStopped else {
                throw makeError("the server was already started")
            }
            guard let address = SocketAddress(host: configuration.host, port: configuration.port) else {
                throw makeError("the host is not an IPv4 or IPv6 literal or \"localhost\", or the port is not 0-65535")
            }
            try validateLimits(configuration)

            signal(SIGPIPE, SIG_IGN)

            var flags = MHD_USE_POLL_INTERNAL_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
            flags |= MHD_USE_ERROR_LOG.rawValue
            if address.isIPv6Wildcard {
                flags |= MHD_USE_DUAL_STACK.rawValue
            } else if address.isIPv6 {
                flags |= MHD_USE_IPv6.rawValue
            }

            let retainedCore = Unmanaged.passRetained(core)
            let daemon = address.withSockaddr { socketAddress, _ in
                sleeve_mhd_start_daemon(
                    flags,
                    socketAddress,
                    accessHandlerCallback,
                    retainedCore.toOpaque(),
                    requestCompletedCallback,
                    nil,
                    UInt32(configuration.threadPoolSize),
                    UInt32(configuration.connectionLimit),
                    UInt32(configuration.connectionTimeoutSeconds),
                    configuration.connectionMemoryLimit
                )
            }
            let startErrorNumber = errno

            guard let daemon else {
                retainedCore.release()
                if let bindError = address.probeBindError() {
                    throw makeError(String(cString: strerror(bindError)), errorNumber: bindError)
                }
                throw makeError(
                    "libmicrohttpd could not start the daemon (\(String(cString: strerror(startErrorNumber))))",
                    errorNumber: startErrorNumber)
            }

            let boundPort = sleeve_mhd_get_daemon_info(daemon, .DAEMON_INFO_BIND_PORT).map { Int($0.pointee.port) }
            state.port = boundPort ?? configuration.port
            state.daemon = DaemonHandle(pointer: daemon, retainedCore: retainedCore, sweepTimer: makeSweepTimer())
        }
    }

    /// Stops accepting connections, closes open ones, cancels body receivers and closes stream bodies, then
    /// returns. Idempotent, and callable from any thread except the server's own (a handler, receiver or stream
    /// body), where waiting for the server's threads would deadlock.
    public func stop() {
        let daemon = state.withLock { state -> DaemonHandle? in
            state.isStopped = true
            defer { state.daemon = nil }
            return state.daemon
        }
        guard let daemon else {
            return
        }

        daemon.sweepTimer.cancel()
        if !core.waitForFinishing(timeout: Self.finishTimeout) {
            // NOTE: libmicrohttpd aborts the process if a connection is still suspended at MHD_stop_daemon.
            let message = "HTTPServer.stop: a request body receiver did not finish in time\n"
            _ = message.withCString { write(2, $0, strlen($0)) }
        }
        if !core.resumeStreamsForStop(timeout: Self.resumeTimeout) {
            // NOTE: libmicrohttpd aborts the process if a connection is still suspended here. This happens only
            // when a server thread stays busy (a blocking handler) for the whole timeout.
            let message = "HTTPServer.stop: suspended stream connections were not resumed in time\n"
            _ = message.withCString { write(2, $0, strlen($0)) }
        }
        MHD_stop_daemon(daemon.pointer)
        daemon.retainedCore.release()
    }

    // MARK: - Helpers

    private func makeSweepTimer() -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "HTTPServer.stream-sweep"))
        timer.schedule(deadline: .now() + Self.sweepInterval, repeating: Self.sweepInterval, leeway: .milliseconds(100))
        timer.setEventHandler { [core] in
            core.sweepSuspendedStreams()
        }
        timer.resume()
        return timer
    }

    private func validateLimits(_ configuration: HTTPServerConfiguration) throws {
        guard (1...1024).contains(configuration.threadPoolSize) else {
            throw makeError("threadPoolSize must be 1-1024, not \(configuration.threadPoolSize)")
        }
        guard (1...Int(Int32.max)).contains(configuration.connectionLimit) else {
            throw makeError("connectionLimit must be at least 1, not \(configuration.connectionLimit)")
        }
        guard (0...Int(Int32.max)).contains(configuration.connectionTimeoutSeconds) else {
            throw makeError(
                "connectionTimeoutSeconds must not be negative, not \(configuration.connectionTimeoutSeconds)")
        }
        guard configuration.connectionMemoryLimit >= 4096 else {
            throw makeError(
                "connectionMemoryLimit must be at least 4096 bytes, not \(configuration.connectionMemoryLimit)")
        }
        guard configuration.maxDrainBytes >= 0 else {
            throw makeError("maxDrainBytes must not be negative, not \(configuration.maxDrainBytes)")
        }
    }

    private func makeError(_ reason: String, errorNumber: Int32? = nil) -> HTTPServerError {
        HTTPServerError(
            host: core.configuration.host,
            port: core.configuration.port,
            reason: reason,
            errorNumber: errorNumber
        )
    }
}
