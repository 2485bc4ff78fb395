import Foundation
import Synchronization

/// The state shared by the daemon callbacks of one server: configuration, handler and the open stream responses.
final class ServerCore: Sendable {
    let configuration: HTTPServerConfiguration
    let handler: any HTTPHandler
    let accessLog: (@Sendable (HTTPAccessRecord) -> Void)?

    private let streams = Mutex(StreamRegistry())
    /// Connections suspended while a receiver's finish() runs off the daemon's threads.
    private let finishing = Mutex(0)

    private struct StreamRegistry {
        var connections: [ObjectIdentifier: StreamConnection] = [:]
        var isStopping = false
    }

    init(
        configuration: HTTPServerConfiguration,
        handler: any HTTPHandler,
        accessLog: (@Sendable (HTTPAccessRecord) -> Void)?
    ) {
        self.configuration = configuration
        self.handler = handler
        self.accessLog = accessLog
    }

    /// Adds a stream so that the sweep and ``beginStopping()`` see it. A stream added during shutdown is marked
    /// as stopping at once.
    func register(_ stream: StreamConnection) {
        let isStopping = streams.withLock { registry in
            registry.connections[ObjectIdentifier(stream)] = stream
            return registry.isStopping
        }
        if isStopping {
            stream.beginStopping()
        }
    }

    func unregister(_ stream: StreamConnection) {
        _ = streams.withLock { registry in
            registry.connections.removeValue(forKey: ObjectIdentifier(stream))
        }
    }

    var openStreamCount: Int {
        streams.withLock { $0.connections.count }
    }

    /// Resumes suspended stream connections whose client has closed the socket, so that the daemon frees them.
    func sweepSuspendedStreams() {
        let snapshot = streams.withLock { Array($0.connections.values) }
        for stream in snapshot {
            stream.resumeIfPeerClosed()
        }
    }

    func beginFinishing() {
        finishing.withLock { $0 += 1 }
    }

    func endFinishing() {
        finishing.withLock { $0 -= 1 }
    }

    /// Waits up to `timeout` until no connection is suspended for a receiver's finish(). Returns whether none is.
    func waitForFinishing(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if finishing.withLock({ $0 == 0 }) {
                return true
            }
            usleep(2_000)
        }
        return false
    }

    /// Makes every stream ignore wake-ups and resumes the suspended ones, then waits up to `timeout` until the
    /// daemon has taken every connection off its suspended list. Returns whether it did.
    ///
    /// libmicrohttpd 0.9.75 aborts the process when MHD_stop_daemon finds a suspended connection, so this must
    /// run before it, while the daemon's threads still process resumptions.
    func resumeStreamsForStop(timeout: Duration) -> Bool {
        let snapshot = streams.withLock { registry in
            registry.isStopping = true
            return Array(registry.connections.values)
        }
        for stream in snapshot {
            stream.beginStopping()
        }

        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let pending = streams.withLock { $0.connections.values.contains { $0.mayBeSuspended } }
            if !pending {
                return true
            }
            usleep(2_000)
        }
        return false
    }
}
