import CMicroHTTPD
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A stream body bound to the connection that sends it, with the suspend and resume bookkeeping.
///
/// Lock order: this object's lock, then the daemon's internal lock (taken inside `MHD_suspend_connection` and
/// `MHD_resume_connection`). The daemon never calls the content reader or the free callback while it holds its
/// own lock, so the order cannot invert.
final class StreamConnection: Sendable {
    let body: any HTTPStreamBody
    private let core: ServerCore
    private let state: Mutex<State>

    private struct State {
        /// The connection, or nil once the response is freed.
        var connection: ConnectionHandle?
        var isSuspended = false
        /// MHD_resume_connection was called and the daemon has not yet read from or freed the connection, so
        /// the daemon may still list it as suspended.
        var isAwaitingResume = false
        /// A wake-up arrived while the connection was not suspended; the next `.wait` reads again instead.
        var isWakePending = false
        var isPeerClosed = false
        var isStopping = false
    }

    /// A connection pointer that may cross threads; every use happens under the lock of the owning stream.
    struct ConnectionHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    init(body: any HTTPStreamBody, connection: OpaquePointer, core: ServerCore) {
        self.body = body
        self.core = core
        self.state = Mutex(State(connection: ConnectionHandle(pointer: connection)))
    }

    /// Fills `buffer` for the content reader callback and returns its result: a byte count, 0 after suspending
    /// the connection, or one of the `MHD_CONTENT_READER_END_*` values.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let endOfStream = -1
        let endWithError = -2

        while true {
            let isPeerClosed = state.withLock { state in
                state.isAwaitingResume = false
                return state.isPeerClosed
            }
            if isPeerClosed {
                return endWithError
            }

            switch body.read(into: buffer) {
            case .bytes(let count) where count > 0:
                return min(count, buffer.count)
            case .end:
                return endOfStream
            case .wait, .bytes:
                break
            }

            // Returning 0 without suspending would make the daemon call the reader again at once, spinning a
            // core, so the connection is suspended until a wake-up.
            let outcome = state.withLock { state -> SuspendOutcome in
                if state.isStopping {
                    return .end
                }
                if state.isWakePending {
                    state.isWakePending = false
                    return .readAgain
                }
                guard let connection = state.connection else {
                    return .end
                }
                MHD_suspend_connection(connection.pointer)
                state.isSuspended = true
                return .suspended
            }

            switch outcome {
            case .suspended:
                return 0
            case .readAgain:
                continue
            case .end:
                return endWithError
            }
        }
    }

    private enum SuspendOutcome {
        case suspended
        case readAgain
        case end
    }

    /// Resumes the connection if it is suspended, or records the wake-up for the next read. Callable from any
    /// thread; does nothing after the response is freed or while the server stops.
    func wake() {
        state.withLock { state in
            guard !state.isStopping, let connection = state.connection else {
                return
            }
            guard state.isSuspended else {
                state.isWakePending = true
                return
            }
            state.isSuspended = false
            state.isAwaitingResume = true
            MHD_resume_connection(connection.pointer)
        }
    }

    /// Peeks at the socket of a suspended connection and resumes the connection when the client has closed it.
    /// The next read then ends the response with an error, and the daemon closes the connection.
    ///
    /// NOTE: A client that only shuts down its sending side looks closed here. A client that sent unread bytes
    /// before closing looks open until the next write to it fails.
    func resumeIfPeerClosed() {
        state.withLock { state in
            guard state.isSuspended, !state.isStopping, let connection = state.connection else {
                return
            }
            guard let info = sleeve_mhd_get_connection_info(connection.pointer, .CONNECTION_INFO_CONNECTION_FD)
            else {
                return
            }

            var byte: UInt8 = 0
            let received = recv(info.pointee.connect_fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            let errorNumber = errno
            let isOpen = received > 0 || (received < 0 && [EAGAIN, EWOULDBLOCK, EINTR].contains(errorNumber))
            guard !isOpen else {
                return
            }

            state.isPeerClosed = true
            state.isSuspended = false
            state.isAwaitingResume = true
            MHD_resume_connection(connection.pointer)
        }
    }

    /// Makes later wake-ups do nothing and resumes a suspended connection, whose next read then ends the
    /// response. libmicrohttpd 0.9.75 aborts the process when MHD_stop_daemon finds a suspended connection.
    func beginStopping() {
        state.withLock { state in
            state.isStopping = true
            guard state.isSuspended, let connection = state.connection else {
                return
            }
            state.isSuspended = false
            state.isAwaitingResume = true
            MHD_resume_connection(connection.pointer)
        }
    }

    /// Whether the daemon may still list this connection as suspended.
    var mayBeSuspended: Bool {
        state.withLock { $0.connection != nil && ($0.isSuspended || $0.isAwaitingResume) }
    }

    /// Handles the response's free callback: clears the connection pointer and closes the body.
    func free() {
        state.withLock { state in
            state.connection = nil
            state.isSuspended = false
            state.isAwaitingResume = false
        }
        core.unregister(self)
        body.closed()
    }
}
