import Foundation

/// Persistent storage of jobs and their events.
///
/// The embedded implementation is ``SQLiteJobStore``; the protocol is kept small so that a store shared by
/// workers on several machines can implement it too. Every method is atomic: it either commits fully or throws.
public protocol JobStore: Sendable {
    /// Inserts a new job with its first events, in one transaction.
    @discardableResult
    func insert(_ job: Job, events: [JobEvent]) throws -> [StoredEvent]

    /// Returns the job with `id`, or nil when there is none.
    func job(id: String) throws -> Job?

    /// Replaces the stored job with `job` (matched by id) and appends `events`, in one transaction.
    @discardableResult
    func update(_ job: Job, appending events: [JobEvent]) throws -> [StoredEvent]

    /// Appends events to a job's log.
    @discardableResult
    func append(_ events: [JobEvent], to jobId: String) throws -> [StoredEvent]

    /// Returns a job's events with an id greater than `afterId`, oldest first.
    func events(of jobId: String, after afterId: Int64) throws -> [StoredEvent]

    /// Marks the oldest queued job as running, counts the attempt and returns it; nil when none is queued.
    func claimNextQueued(at date: Date) throws -> Job?

    /// Sets a job's status to `status` only when it is now `expected`, and reports whether it did.
    func transition(_ jobId: String, from expected: JobStatus, to status: JobStatus, at date: Date) throws -> Bool

    /// Returns the ids of queued jobs, oldest first.
    func queuedJobIds() throws -> [String]

    /// Returns the ids of jobs in `running` state, which at start-up means an interrupted render.
    func runningJobIds() throws -> [String]

    /// Returns the number of jobs in each status, by the status's raw value.
    func countByStatus() throws -> [String: Int]

    /// Returns finished jobs whose output is not yet expired and that finished before `date`.
    func jobsFinished(before date: Date) throws -> [Job]
}
