import HTTPServer
import Synchronization

/// One client's Server-Sent Events stream of a job, served as a chunked HTTP body.
///
/// The stream sends the events it has not sent yet, then waits (the server suspends the connection) until the
/// hub wakes it. It ends after the job's final event has been sent.
public final class EventStream: HTTPStreamBody {
    let jobId: String
    private let hub: EventHub
    private let state: Mutex<State>

    private struct State {
        var lastEventId: Int64
        var pending: [UInt8]
        var wake: (@Sendable () -> Void)?
        var isClosed = false
    }

    init(hub: EventHub, jobId: String, lastEventId: Int64) {
        self.hub = hub
        self.jobId = jobId
        // With the retry field, an EventSource reconnects after 2 s instead of its default of about 3 s.
        state = Mutex(
            State(lastEventId: lastEventId, pending: Array(ServerSentEvents.retry(milliseconds: 2_000).utf8)))
    }

    public func attach(wake: @escaping @Sendable () -> Void) {
        state.withLock { $0.wake = wake }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> HTTPStreamRead {
        // The hub's lock is taken before a stream's when events are published, so the stream's lock is never
        // held while asking the hub. Only the server calls read, one call at a time per stream.
        let (needsEvents, lastEventId) = state.withLock { ($0.pending.isEmpty, $0.lastEventId) }
        var isFinished = false
        if needsEvents {
            let (events, finished) = hub.events(of: jobId, after: lastEventId)
            isFinished = finished
            var text = ""
            for stored in events {
                text += ServerSentEvents.encode(
                    id: stored.id, event: stored.event.kind.rawValue, data: stored.event.data)
            }
            state.withLock { state in
                state.pending.append(contentsOf: text.utf8)
                if let last = events.last {
                    state.lastEventId = last.id
                }
            }
        }

        return state.withLock { state in
            guard !state.pending.isEmpty else {
                return isFinished ? .end : .wait
            }
            let count = min(buffer.count, state.pending.count)
            state.pending.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<count]))
            }
            state.pending.removeFirst(count)
            return .bytes(count)
        }
    }

    public func closed() {
        state.withLock { state in
            state.isClosed = true
            state.wake = nil
        }
        hub.unsubscribe(self)
    }

    /// Resumes a waiting connection so that it reads new events.
    func wake() {
        let wake = state.withLock { $0.wake }
        wake?()
    }

    func sendComment(_ text: String) {
        let wake = state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.isClosed else { return nil }
            state.pending.append(contentsOf: ServerSentEvents.comment(text).utf8)
            return state.wake
        }
        wake?()
    }
}
