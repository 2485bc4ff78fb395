import CSQLite
import Foundation

/// An error from SQLite, with its result code and message.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public var message: String
    public var operation: String

    public var description: String { "SQLite \(operation) failed (code \(code)): \(message)" }
}

/// One SQLite connection.
///
/// Not thread-safe: the owner serialises access (``SQLiteJobStore`` guards its connection with a mutex).
/// The handle is closed by ``close()`` or, failing that, in `deinit`.
final class SQLiteDatabase {
    private var handle: OpaquePointer?
    /// Prepared statements by SQL text, reused so that frequent queries are compiled once.
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens or creates the database at `path`, in WAL mode with foreign keys on.
    init(path: String) throws {
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(connection)
            throw SQLiteError(code: code, message: "\(message) (\(path))", operation: "open")
        }
        handle = connection

        sqlite3_busy_timeout(connection, 5_000)
        try execute("PRAGMA journal_mode = WAL")
        // FULL syncs the WAL on every commit, so a job acknowledged with 202 survives a power loss too.
        try execute("PRAGMA synchronous = FULL")
        try execute("PRAGMA foreign_keys = ON")
    }

    deinit {
        close()
    }

    func close() {
        statements = [:]
        guard let handle else { return }
        sqlite3_close_v2(handle)
        self.handle = nil
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(errorMessage)
            throw SQLiteError(code: code, message: message, operation: "exec")
        }
    }

    /// Prepares `sql`, or takes its cached statement, and binds `values` to its parameters in order.
    func prepare(_ sql: String, _ values: [SQLiteValue] = []) throws -> SQLiteStatement {
        let prepared: SQLiteStatement
        if let cached = statements[sql] {
            cached.reset()
            prepared = cached
        } else {
            var statement: OpaquePointer?
            try check(sqlite3_prepare_v2(handle, sql, -1, &statement, nil), "prepare")
            prepared = SQLiteStatement(statement: statement!, database: self)
            statements[sql] = prepared
        }
        for (index, value) in values.enumerated() {
            try prepared.bind(value, at: Int32(index + 1))
        }
        return prepared
    }

    /// Runs a statement that returns no rows.
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws {
        let statement = try prepare(sql, values)
        while try statement.step() {}
    }

    /// Runs a query and maps each row.
    func query<T>(_ sql: String, _ values: [SQLiteValue] = [], row: (SQLiteStatement) throws -> T) throws -> [T] {
        let statement = try prepare(sql, values)
        var rows: [T] = []
        while try statement.step() {
            rows.append(try row(statement))
        }
        return rows
    }

    var lastInsertRowId: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    func check(_ code: Int32, _ operation: String) throws {
        guard code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE else {
            throw SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)), operation: operation)
        }
    }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    static func optional(_ text: String?) -> SQLiteValue { text.map(SQLiteValue.text) ?? .null }
    static func optional(_ number: Double?) -> SQLiteValue { number.map(SQLiteValue.real) ?? .null }
}

/// A prepared statement, finalized when released.
final class SQLiteStatement {
    private let statement: OpaquePointer
    // Unowned: the database owns its cached statements and outlives every use of them.
    private unowned let database: SQLiteDatabase

    /// The SQLite "copy this value" destructor constant, which the C header defines as a cast of -1.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit {
        sqlite3_finalize(statement)
    }

    func bind(_ value: SQLiteValue, at index: Int32) throws {
        let code: Int32
        switch value {
        case .null: code = sqlite3_bind_null(statement, index)
        case .integer(let number): code = sqlite3_bind_int64(statement, index, number)
        case .real(let number): code = sqlite3_bind_double(statement, index, number)
        case .text(let text): code = sqlite3_bind_text(statement, index, text, -1, Self.transient)
        }
        try database.check(code, "bind")
    }

    /// Makes the statement ready to run again and clears its bindings.
    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    /// Advances to the next row; returns false when the statement is done.
    func step() throws -> Bool {
        let code = sqlite3_step(statement)
        try database.check(code, "step")
        return code == SQLITE_ROW
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: pointer)
    }

    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
}
