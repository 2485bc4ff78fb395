import Foundation
import Synchronization

/// Runs queued jobs with a fixed number of workers, oldest first.
///
/// A worker claims a job in the store, renders it, and records every step as an event through the ``EventHub``.
/// Jobs found `running` at start-up were interrupted by a stop of the process: they go back to the queue until
/// they reach ``maxAttempts``.
public final class JobRunner: Sendable {
    private let store: any JobStore
    private let hub: EventHub
    private let media: any MediaStore
    private let renderer: Renderer
    private let workerCount: Int
    private let timeouts: Timeouts
    private let metrics: Metrics?
    private let logger: Logger
    private let state = Mutex(State())
    private let signal = WakeSignal()

    /// How many times a job is started before an interruption fails it.
    public let maxAttempts = 3

    /// Log lines of ffmpeg kept per job; further lines are counted, not stored.
    static let maxLogLines = 400

    private struct State {
        var workers: [Task<Void, Never>] = []
        /// Renders in progress by job id, so that a request can cancel one.
        var renders: [String: Task<RenderResult, any Error>] = [:]
        var cancelledByRequest: Set<String> = []
        /// The watchdog's reason for stopping a render, by job id.
        var timeouts: [String: String] = [:]
        var isDraining = false
    }

    /// Limits on how long renders may run.
    public struct Timeouts: Sendable {
        /// A render that reports no progress for this many seconds is stopped and its job fails.
        public var stallSeconds: Double = 300
        /// A render that runs longer than this many seconds is stopped and its job fails.
        public var jobSeconds: Double = 6 * 3600

        public init(stallSeconds: Double = 300, jobSeconds: Double = 6 * 3600) {
            self.stallSeconds = stallSeconds
            self.jobSeconds = jobSeconds
        }
    }

    /// The result of ``cancel(jobId:)``.
    public enum CancelOutcome: Sendable, Equatable {
        case cancelled
        case alreadyCancelled
        case alreadyFinished(JobStatus)
        case notFound
    }

    public init(
        store: any JobStore, hub: EventHub, media: any MediaStore, renderer: Renderer, workers: Int,
        timeouts: Timeouts = Timeouts(), metrics: Metrics? = nil, logger: Logger
    ) {
        self.store = store
        self.hub = hub
        self.media = media
        self.renderer = renderer
        self.workerCount = max(1, workers)
        self.timeouts = timeouts
        self.metrics = metrics
        self.logger = logger
    }

    /// Puts interrupted jobs back in the queue and starts the workers.
    public func start() throws {
        try rescueInterruptedJobs()

        for index in 0..<workerCount {
            let worker = Task { [self] in await work(number: index) }
            state.withLock { $0.workers.append(worker) }
        }
        notifyQueued()
    }

    /// Wakes idle workers because a job was queued.
    public func notifyQueued() {
        signal.notify()
    }

    /// Stops claiming queued jobs and waits until the running renders finish or `seconds` pass; then stops
    /// the workers as ``stop()`` does.
    public func drain(within seconds: Double) async {
        state.withLock { $0.isDraining = true }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && state.withLock({ !$0.renders.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(100))
        }
        await stop()
    }

    /// Whether ``drain(within:)`` has begun.
    public var isDraining: Bool { state.withLock { $0.isDraining } }

    /// Stops the workers, cancelling running renders, and waits for them. Cancelled jobs stay `running` in the
    /// store, so the next start rescues them.
    public func stop() async {
        let workers = state.withLock { state in
            let workers = state.workers
            state.workers = []
            return workers
        }
        for worker in workers {
            worker.cancel()
        }
        for worker in workers {
            await worker.value
        }
    }

    // MARK: - Workers

    private func work(number: Int) async {
        while !Task.isCancelled {
            if state.withLock({ $0.isDraining }) {
                await signal.wait(timeout: .seconds(1))
                continue
            }
            let claimed: Job?
            do {
                claimed = try store.claimNextQueued(at: Date())
            } catch {
                logger.error("claiming a job failed", ["error": "\(error)", "worker": "\(number)"])
                claimed = nil
            }

            guard let job = claimed else {
                // A periodic look also finds jobs that another process queued.
                await signal.wait(timeout: .seconds(2))
                continue
            }

            publishQueuePositions()
            await run(job)
        }
    }

    private func run(_ claimed: Job) async {
        var job = claimed
        let jobLogger = logger.with(["job.id": job.id])
        jobLogger.info("job started", ["job.step": "start", "job.attempt": "\(job.attempts)"])

        let recorder = RenderRecorder(job: job, hub: hub, logger: jobLogger)
        recorder.log(
            job.attempts > 1
                ? "Rendering started again (attempt \(job.attempts) of \(maxAttempts))."
                : "Rendering started.")

        let output = media.outputFile(of: job.id)
        do {
            let work = try media.makeWorkFolder(for: job.id)
            let input = media.inputFolder(of: job.id)
            let tracks = job.tracks.map { track in
                RenderTrack(
                    audio: input.appendingPathComponent(track.audioFile),
                    cover: track.cover.source(in: input),
                    title: track.title,
                    artist: track.artist,
                    duration: track.duration,
                    sampleRate: track.sampleRate)
            }

            let options = job.options
            let renderer = self.renderer
            let render = Task {
                try await renderer.render(tracks: tracks, options: options, workDirectory: work, output: output) {
                    event in recorder.record(event)
                }
            }
            state.withLock { $0.renders[job.id] = render }
            defer { state.withLock { _ = $0.renders.removeValue(forKey: claimed.id) } }
            if Task.isCancelled || state.withLock({ $0.cancelledByRequest.contains(claimed.id) }) {
                render.cancel()
            }
            let watchdog = watch(render, of: claimed.id, recorder: recorder)
            defer { watchdog.cancel() }
            let result = try await withTaskCancellationHandler {
                try await render.value
            } onCancel: {
                render.cancel()
            }

            job = recorder.currentJob()
            for index in job.tracks.indices where index < result.trackStarts.count {
                job.tracks[index].start = result.trackStarts[index]
            }
            job.status = .done
            job.percent = 100
            job.finishedAt = Date()
            media.removeInputs(of: job.id)
            try hub.update(job, appending: [JobEvent(kind: .done, data: JobJSON.doneEvent(for: job))])
            metrics?.recordRender(seconds: job.finishedAt!.timeIntervalSince(job.startedAt!), outcome: "done")
            jobLogger.info(
                "job finished",
                [
                    "job.step": "done",
                    "job.duration_s": String(format: "%.3f", job.finishedAt!.timeIntervalSince(job.startedAt!)),
                ])
        } catch is CancellationError where state.withLock({ $0.cancelledByRequest.remove(claimed.id) != nil }) {
            endWithoutVideo(recorder.currentJob(), as: .cancelled, message: Self.cancelMessage, logger: jobLogger)
            jobLogger.info("job cancelled", ["job.step": "cancelled"])
        } catch is CancellationError where state.withLock({ $0.timeouts[claimed.id] != nil }) {
            let message = state.withLock { $0.timeouts.removeValue(forKey: claimed.id) } ?? "The render timed out."
            endWithoutVideo(recorder.currentJob(), as: .failed, message: message, logger: jobLogger)
            jobLogger.warning("job timed out", ["job.step": "failed", "error": message])
        } catch is CancellationError {
            // The process is stopping: the job stays `running` and is rescued at the next start.
            media.removeOutput(of: job.id)
            jobLogger.info("job interrupted by shutdown", ["job.step": "interrupted"])
        } catch {
            let message = String(describing: error)
            endWithoutVideo(recorder.currentJob(), as: .failed, message: message, logger: jobLogger)
            jobLogger.warning("job failed", ["job.step": "failed", "error": message])
        }
    }

    /// Removes a job's files and saves it as `status` with `message`, which also ends its stream as an `error`.
    private func endWithoutVideo(_ unfinished: Job, as status: JobStatus, message: String, logger jobLogger: Logger) {
        media.removeOutput(of: unfinished.id)
        media.removeInputs(of: unfinished.id)
        var job = unfinished
        job.status = status
        job.error = message
        job.finishedAt = Date()
        saveFinal(job, event: JobEvent(kind: .error, data: message), logger: jobLogger)
    }

    /// Stops `render` when it reports nothing for the stall timeout or runs past the job timeout.
    private func watch(_ render: Task<RenderResult, any Error>, of jobId: String, recorder: RenderRecorder)
        -> Task<Void, Never>
    {
        let timeouts = self.timeouts
        let started = Date()
        return Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                var reason: String?
                if recorder.secondsSinceActivity > timeouts.stallSeconds {
                    reason =
                        "The render made no progress for \(Int(timeouts.stallSeconds)) seconds and was stopped. The files may be damaged; check them and submit the album again."
                } else if Date().timeIntervalSince(started) > timeouts.jobSeconds {
                    reason =
                        "The render ran longer than the limit of \(Int(timeouts.jobSeconds / 60)) minutes and was stopped. Split the album or ask the operator to raise --job-timeout-minutes."
                }
                if let reason {
                    state.withLock { $0.timeouts[jobId] = reason }
                    render.cancel()
                    return
                }
            }
        }
    }

    private func saveFinal(_ job: Job, event: JobEvent, logger jobLogger: Logger) {
        if let startedAt = job.startedAt, let finishedAt = job.finishedAt {
            metrics?.recordRender(seconds: finishedAt.timeIntervalSince(startedAt), outcome: job.status.rawValue)
        }
        do {
            try hub.update(job, appending: [event])
        } catch {
            jobLogger.error("saving a finished job failed", ["error": "\(error)", "job.status": job.status.rawValue])
        }
    }

    static let cancelMessage = "The job was cancelled."

    // MARK: - Cancelling

    /// Cancels a queued or running job. A running render stops its ffmpeg processes, and the job's files are
    /// removed. The stream ends with an `error` event that reports the cancellation.
    public func cancel(jobId: String) throws -> CancelOutcome {
        guard var job = try store.job(id: jobId) else { return .notFound }

        switch job.status {
        case .cancelled:
            return .alreadyCancelled
        case .done, .failed:
            return .alreadyFinished(job.status)
        case .queued:
            let now = Date()
            if try store.transition(jobId, from: .queued, to: .cancelled, at: now) {
                job.status = .cancelled
                job.error = Self.cancelMessage
                job.finishedAt = now
                media.removeInputs(of: jobId)
                try hub.update(job, appending: [JobEvent(kind: .error, data: Self.cancelMessage)])
                logger.info("job cancelled", ["job.id": jobId, "job.step": "cancelled"])
                publishQueuePositions()
                return .cancelled
            }
            // A worker claimed it in the meantime: cancel the render instead.
            return try cancel(jobId: jobId)
        case .running:
            let render = state.withLock { state in
                state.cancelledByRequest.insert(jobId)
                return state.renders[jobId]
            }
            render?.cancel()
            return .cancelled
        }
    }

    /// Tells each queued job its place in the queue.
    private func publishQueuePositions() {
        do {
            let queued = try store.queuedJobIds()
            for (index, id) in queued.enumerated() {
                try hub.append([JobEvent(kind: .log, data: "Waiting in the queue: position \(index + 1).")], to: id)
            }
        } catch {
            logger.error("publishing queue positions failed", ["error": "\(error)"])
        }
    }

    private func rescueInterruptedJobs() throws {
        for id in try store.runningJobIds() {
            guard var job = try store.job(id: id) else { continue }

            media.removeOutput(of: id)
            if job.attempts >= maxAttempts {
                let message =
                    "The render was interrupted \(job.attempts) times, the maximum, so the job failed. Submit the album again."
                job.status = .failed
                job.error = message
                job.finishedAt = Date()
                media.removeInputs(of: id)
                try hub.update(job, appending: [JobEvent(kind: .error, data: message)])
                logger.warning("interrupted job failed", ["job.id": id, "job.attempt": "\(job.attempts)"])
            } else {
                job.status = .queued
                try hub.update(
                    job,
                    appending: [
                        JobEvent(
                            kind: .log, data: "Sleeve restarted while this album was rendering; it is queued again.")
                    ])
                logger.info("interrupted job queued again", ["job.id": id, "job.attempt": "\(job.attempts)"])
            }
        }
    }
}

extension StoredCover {
    func source(in folder: URL) -> CoverSource {
        switch self {
        case .image(let file): .image(folder.appendingPathComponent(file))
        case .embedded(let audioFile): .embedded(audio: folder.appendingPathComponent(audioFile))
        }
    }
}
