import Foundation
import Synchronization

/// Turns a renderer's events into job events and keeps the job's `percent` in the store.
///
/// The percent sent to clients never decreases, also when a rescued job renders again from the start. It stays
/// at the highest value reached until the new attempt passes it.
final class RenderRecorder: Sendable {
    private let hub: EventHub
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var job: Job
        var logLines = 0
        var omittedLogLines = 0
        var lastActivity = Date()
    }

    init(job: Job, hub: EventHub, logger: Logger) {
        self.hub = hub
        self.logger = logger
        state = Mutex(State(job: job))
    }

    func currentJob() -> Job {
        state.withLock { $0.job }
    }

    func log(_ line: String) {
        save(appending: JobEvent(kind: .log, data: line))
    }

    /// Seconds since the renderer last reported anything.
    var secondsSinceActivity: Double {
        state.withLock { Date().timeIntervalSince($0.lastActivity) }
    }

    func record(_ event: RenderEvent) {
        state.withLock { $0.lastActivity = Date() }
        switch event {
        case .log(let line):
            let isKept = state.withLock { state in
                guard state.logLines < JobRunner.maxLogLines else {
                    state.omittedLogLines += 1
                    return false
                }
                state.logLines += 1
                return true
            }
            if isKept {
                log(line)
            }

        case .segment(let index, let total, let percent):
            logger.info("job step", ["job.step": "segment", "job.track": "\(index)"])
            progress(percent) { ["step": "segment", "index": index, "total": total, "percent": $0] }

        case .concat(let percent):
            logger.info("job step", ["job.step": "concat"])
            let omitted = state.withLock { $0.omittedLogLines }
            if omitted > 0 {
                log("\(omitted) more lines of ffmpeg output were left out of this log.")
            }
            progress(percent) { ["step": "concat", "percent": $0] }

        case .progress(let percent):
            progress(percent) { ["percent": $0] }
        }
    }

    /// Saves the new percent (kept from going backwards) with a progress event built by `makeBody`.
    private func progress(_ percent: Double, makeBody: (Double) -> [String: Any]) {
        let rounded = (min(max(percent, 0), 100) * 10).rounded() / 10
        state.withLock { state in
            state.job.percent = max(state.job.percent, rounded)
            let event = JobEvent(kind: .progress, data: JobJSON.string(makeBody(state.job.percent)))
            save(state.job, appending: event)
        }
    }

    private func save(appending event: JobEvent) {
        state.withLock { state in save(state.job, appending: event) }
    }

    /// Saves under the recorder's lock, so events reach the store in the order their values were computed.
    private func save(_ job: Job, appending event: JobEvent) {
        do {
            try hub.update(job, appending: [event])
        } catch {
            logger.error("saving a job event failed", ["error": "\(error)", "event.kind": event.kind.rawValue])
        }
    }
}
