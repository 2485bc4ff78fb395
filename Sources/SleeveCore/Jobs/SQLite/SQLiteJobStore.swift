import Foundation
import Synchronization

/// A ``JobStore`` in one SQLite database file, in WAL mode with full syncs, so a committed job survives a crash.
///
/// One connection serves every caller, guarded by a mutex: SQLite connections are not thread-safe, and the
/// writes here are small.
public final class SQLiteJobStore: JobStore {
    private let database: Mutex<SQLiteDatabaseBox>

    /// The schema version this code writes, kept in `PRAGMA user_version`.
    static let schemaVersion = 1

    /// Opens or creates the store at `path`.
    public init(path: String) throws {
        let connection = try SQLiteDatabase(path: path)
        try Self.migrate(connection)
        database = Mutex(SQLiteDatabaseBox(connection: connection))
    }

    private static func migrate(_ connection: SQLiteDatabase) throws {
        let version = try connection.query("PRAGMA user_version") { Int($0.int(0)) }.first ?? 0
        guard version < schemaVersion else { return }

        try connection.transaction {
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS jobs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    status TEXT NOT NULL,
                    percent REAL NOT NULL,
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    error TEXT,
                    album TEXT,
                    options TEXT NOT NULL,
                    tracks TEXT NOT NULL,
                    expired INTEGER NOT NULL DEFAULT 0,
                    attempts INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs(status, seq);
                CREATE TABLE IF NOT EXISTS events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    data TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX IF NOT EXISTS events_by_job ON events(job_id, id);
                PRAGMA user_version = \(schemaVersion);
                """)
        }
    }

    /// Closes the connection. Later calls throw.
    public func close() {
        database.withLock { box in
            box.connection?.close()
            box.connection = nil
        }
    }

    // MARK: - JobStore

    @discardableResult
    public func insert(_ job: Job, events: [JobEvent]) throws -> [StoredEvent] {
        try withConnection { db in
            try db.transaction {
                try db.run(
                    """
                    INSERT INTO jobs (id, status, percent, created_at, started_at, finished_at, error, album,
                                      options, tracks, expired, attempts)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    try Self.columns(of: job))
                return try Self.append(events, to: job.id, in: db)
            }
        }
    }

    public func job(id: String) throws -> Job? {
        try withConnection { db in
            try db.query("SELECT \(Self.jobColumns) FROM jobs WHERE id = ?", [.text(id)], row: Self.decodeJob).first
        }
    }

    @discardableResult
    public func update(_ job: Job, appending events: [JobEvent]) throws -> [StoredEvent] {
        try withConnection { db in
            try db.transaction {
                var values = try Self.columns(of: job)
                values.append(values.removeFirst())
                try db.run(
                    """
                    UPDATE jobs SET status = ?, percent = ?, created_at = ?, started_at = ?, finished_at = ?,
                                    error = ?, album = ?, options = ?, tracks = ?, expired = ?, attempts = ?
                    WHERE id = ?
                    """,
                    values)
                return try Self.append(events, to: job.id, in: db)
            }
        }
    }

    @discardableResult
    public func append(_ events: [JobEvent], to jobId: String) throws -> [StoredEvent] {
        try withConnection { db in
            try db.transaction { try Self.append(events, to: jobId, in: db) }
        }
    }

    public func events(of jobId: String, after afterId: Int64) throws -> [StoredEvent] {
        try withConnection { db in
            try db.query(
                "SELECT id, kind, data FROM events WHERE job_id = ? AND id > ? ORDER BY id",
                [.text(jobId), .integer(afterId)]
            ) { row in
                let kind = JobEvent.Kind(rawValue: row.text(1) ?? "") ?? .log
                return StoredEvent(id: row.int(0), jobId: jobId, event: JobEvent(kind: kind, data: row.text(2) ?? ""))
            }
        }
    }

    public func claimNextQueued(at date: Date) throws -> Job? {
        try withConnection { db in
            try db.transaction {
                let found = try db.query(
                    "SELECT \(Self.jobColumns) FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1",
                    row: Self.decodeJob)
                guard var job = found.first else { return nil }

                job.status = .running
                job.startedAt = date
                job.attempts += 1
                try db.run(
                    "UPDATE jobs SET status = 'running', started_at = ?, attempts = ? WHERE id = ?",
                    [.real(date.timeIntervalSince1970), .integer(Int64(job.attempts)), .text(job.id)])
                return job
            }
        }
    }

    public func transition(_ jobId: String, from expected: JobStatus, to status: JobStatus, at date: Date) throws
        -> Bool
    {
        try withConnection { db in
            try db.run(
                "UPDATE jobs SET status = ?, finished_at = ? WHERE id = ? AND status = ?",
                [
                    .text(status.rawValue), status.isFinished ? .real(date.timeIntervalSince1970) : .null,
                    .text(jobId), .text(expected.rawValue),
                ])
            return db.changes > 0
        }
    }

    public func queuedJobIds() throws -> [String] {
        try withConnection { db in
            try db.query("SELECT id FROM jobs WHERE status = 'queued' ORDER BY seq") { $0.text(0) ?? "" }
        }
    }

    public func runningJobIds() throws -> [String] {
        try withConnection { db in
            try db.query("SELECT id FROM jobs WHERE status = 'running' ORDER BY seq") { $0.text(0) ?? "" }
        }
    }

    public func countByStatus() throws -> [String: Int] {
        try withConnection { db in
            let rows = try db.query("SELECT status, COUNT(*) FROM jobs GROUP BY status") {
                ($0.text(0) ?? "", Int($0.int(1)))
            }
            return Dictionary(rows, uniquingKeysWith: +)
        }
    }

    public func jobsFinished(before date: Date) throws -> [Job] {
        try withConnection { db in
            try db.query(
                """
                SELECT \(Self.jobColumns) FROM jobs
                WHERE status IN ('done', 'failed', 'cancelled') AND expired = 0 AND finished_at < ? ORDER BY seq
                """,
                [.real(date.timeIntervalSince1970)], row: Self.decodeJob)
        }
    }

    /// Runs `PRAGMA integrity_check` and returns its first line (`ok` for a sound database).
    public func integrityCheck() throws -> String {
        try withConnection { db in
            try db.query("PRAGMA integrity_check") { $0.text(0) ?? "" }.first ?? ""
        }
    }

    // MARK: - Rows

    private static let jobColumns =
        "id, status, percent, created_at, started_at, finished_at, error, album, options, tracks, expired, attempts"

    private static func columns(of job: Job) throws -> [SQLiteValue] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let options = String(decoding: try encoder.encode(job.options), as: UTF8.self)
        let tracks = String(decoding: try encoder.encode(job.tracks), as: UTF8.self)
        return [
            .text(job.id),
            .text(job.status.rawValue),
            .real(job.percent),
            .real(job.createdAt.timeIntervalSince1970),
            .optional(job.startedAt?.timeIntervalSince1970),
            .optional(job.finishedAt?.timeIntervalSince1970),
            .optional(job.error),
            .optional(job.album),
            .text(options),
            .text(tracks),
            .integer(job.isExpired ? 1 : 0),
            .integer(Int64(job.attempts)),
        ]
    }

    private static func decodeJob(_ row: SQLiteStatement) throws -> Job {
        let decoder = JSONDecoder()
        let id = row.text(0) ?? ""
        guard let status = JobStatus(rawValue: row.text(1) ?? "") else {
            throw SQLiteError(code: 0, message: "job \(id) has an unknown status", operation: "decode")
        }
        let options = try decoder.decode(RenderOptions.self, from: Data((row.text(8) ?? "{}").utf8))
        let tracks = try decoder.decode([JobTrack].self, from: Data((row.text(9) ?? "[]").utf8))
        return Job(
            id: id,
            status: status,
            percent: row.double(2),
            createdAt: Date(timeIntervalSince1970: row.double(3)),
            startedAt: row.optionalDouble(4).map(Date.init(timeIntervalSince1970:)),
            finishedAt: row.optionalDouble(5).map(Date.init(timeIntervalSince1970:)),
            error: row.text(6),
            album: row.text(7),
            options: options,
            tracks: tracks,
            isExpired: row.int(10) != 0,
            attempts: Int(row.int(11)))
    }

    private static func append(_ events: [JobEvent], to jobId: String, in db: SQLiteDatabase) throws
        -> [StoredEvent]
    {
        let now = Date().timeIntervalSince1970
        return try events.map { event in
            try db.run(
                "INSERT INTO events (job_id, kind, data, created_at) VALUES (?, ?, ?, ?)",
                [.text(jobId), .text(event.kind.rawValue), .text(event.data), .real(now)])
            return StoredEvent(id: db.lastInsertRowId, jobId: jobId, event: event)
        }
    }

    private func withConnection<T>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        try database.withLock { box in
            guard let connection = box.connection else {
                throw SQLiteError(code: 0, message: "the job store is closed", operation: "use")
            }
            return try body(connection)
        }
    }
}

/// Holds the connection inside the mutex; the mutex is what makes the non-Sendable connection safe to share.
struct SQLiteDatabaseBox: @unchecked Sendable {
    var connection: SQLiteDatabase?
}
