import Dispatch
import Foundation
import HTTPServer
import Synchronization

/// The single path by which job events are written and delivered.
///
/// An event is committed to the ``JobStore`` first and then handed to the subscribers of its job. Both happen
/// under one lock, so a subscriber that loads a job's history never misses or repeats an event that is being
/// published at the same moment. Subscribers replay from the log by event id and then follow live events,
/// which gives late clients, `Last-Event-ID` reconnects and restarts the same behaviour.
public final class EventHub: Sendable {
    private let store: any JobStore
    private let state = Mutex(State())
    private let heartbeat: RepeatingTimer

    private struct State {
        /// Events of jobs that have subscribers or are running, keyed by job id.
        var channels: [String: Channel] = [:]
    }

    private struct Channel {
        var events: [StoredEvent]
        var subscribers: [ObjectIdentifier: EventStream] = [:]

        var hasFinalEvent: Bool { events.last?.event.isFinal ?? false }
    }

    /// Creates a hub that sends a comment to every subscriber each `heartbeatInterval` seconds.
    public init(store: any JobStore, heartbeatInterval: Double = 10) {
        self.store = store
        heartbeat = RepeatingTimer(label: "sleeve.events.heartbeat")
        heartbeat.start(interval: heartbeatInterval) { [weak self] in self?.sendHeartbeat() }
    }

    deinit {
        heartbeat.cancel()
    }

    // MARK: - Writing

    /// Stores a new job with its first events and publishes them.
    public func insert(_ job: Job, events: [JobEvent]) throws {
        try state.withLock { state in
            let stored = try store.insert(job, events: events)
            deliver(stored, to: job.id, in: &state)
        }
    }

    /// Appends events to a job's log and publishes them.
    public func append(_ events: [JobEvent], to jobId: String) throws {
        guard !events.isEmpty else { return }
        try state.withLock { state in
            let stored = try store.append(events, to: jobId)
            deliver(stored, to: jobId, in: &state)
        }
    }

    /// Saves a job and appends events to its log in one transaction, then publishes the events.
    public func update(_ job: Job, appending events: [JobEvent] = []) throws {
        try state.withLock { state in
            let stored = try store.update(job, appending: events)
            deliver(stored, to: job.id, in: &state)
        }
    }

    private func deliver(_ stored: [StoredEvent], to jobId: String, in state: inout State) {
        guard !stored.isEmpty, state.channels[jobId] != nil else { return }

        // No subscriber is connected, so the next one loads the history from the store.
        guard !state.channels[jobId]!.subscribers.isEmpty else {
            state.channels[jobId] = nil
            return
        }

        state.channels[jobId]!.events.append(contentsOf: stored)
        for subscriber in state.channels[jobId]!.subscribers.values {
            subscriber.wake()
        }
    }

    // MARK: - Reading

    /// Returns a stream of a job's events after `lastEventId` (0 for all of them) that ends after the final event.
    public func subscribe(jobId: String, after lastEventId: Int64) throws -> EventStream {
        try state.withLock { state in
            if state.channels[jobId] == nil {
                state.channels[jobId] = Channel(events: try store.events(of: jobId, after: 0))
            }
            let stream = EventStream(hub: self, jobId: jobId, lastEventId: lastEventId)
            state.channels[jobId]!.subscribers[ObjectIdentifier(stream)] = stream
            return stream
        }
    }

    /// Returns the final event of a job (`done` or `error`), or nil while the job has not ended.
    public func finalEvent(of jobId: String) throws -> StoredEvent? {
        try store.events(of: jobId, after: 0).last { $0.event.isFinal }
    }

    /// The number of connected stream clients, over all jobs.
    public var subscriberCount: Int {
        state.withLock { state in state.channels.values.reduce(0) { $0 + $1.subscribers.count } }
    }

    /// Returns the events after `lastEventId` and whether the final event is among those already known.
    func events(of jobId: String, after lastEventId: Int64) -> (events: ArraySlice<StoredEvent>, isFinished: Bool) {
        state.withLock { state in
            guard let channel = state.channels[jobId] else { return ([], true) }
            let start = channel.events.partitioningIndex { $0.id > lastEventId }
            return (channel.events[start...], channel.hasFinalEvent)
        }
    }

    func unsubscribe(_ stream: EventStream) {
        state.withLock { state in
            guard var channel = state.channels[stream.jobId] else { return }
            channel.subscribers[ObjectIdentifier(stream)] = nil
            // Without subscribers the events are read back from the store when a client asks again.
            if channel.subscribers.isEmpty {
                state.channels[stream.jobId] = nil
            } else {
                state.channels[stream.jobId] = channel
            }
        }
    }

    private func sendHeartbeat() {
        let subscribers = state.withLock { state in state.channels.values.flatMap { $0.subscribers.values } }
        for subscriber in subscribers {
            subscriber.sendComment("keep-alive")
        }
    }
}

extension Collection {
    /// Returns the index of the first element for which `predicate` is true, assuming the collection is
    /// partitioned so that all such elements come after all others.
    func partitioningIndex(where predicate: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if predicate(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
