import CSQLite
import SocializerCore
#if canImport(Glibc)
import Glibc
#endif

/// One connection to a SQLite database file. Owns the `sqlite3*` handle;
/// nothing above this layer sees a C pointer or a raw result code.
///
/// Not Sendable: a connection is used from the thread that opened it.
/// Relies on https://sqlite.org/c3ref/open.html and
/// https://sqlite.org/c3ref/busy_timeout.html.
public final class Connection {
    public enum OpenMode: Sendable {
        /// Open an existing file; never create one (read commands).
        case existing
        /// Open an existing file read-only.
        case readOnly
        /// Create the file (mode 0600) if it does not exist yet.
        case createIfMissing
    }

    let database: DatabaseHandle
    var handle: OpaquePointer { database.pointer }
    /// Prepared statements by SQL text, so a bulk loop parses each once
    /// (https://sqlite.org/c3ref/prepare.html is most of a small query's cost).
    private var statementCache: [String: Statement] = [:]
    /// The closure `trace` installed, kept alive while SQLite may call it.
    private var tracer: Tracer?
    public let path: String
    /// Whether this open created the file.
    public let created: Bool

    /// - Parameter reportedPath: the name error messages give the file, when
    ///   it is built under a temporary name (`PartialFile`).
    public init(path: String, mode: OpenMode = .existing, busyTimeoutMilliseconds: Int32 = 5000,
                reportedPath: String? = nil) throws {
        self.path = path
        let shown = reportedPath ?? path
        var createdFile = false
        var flags: Int32 = SQLITE_OPEN_NOMUTEX
        switch mode {
        case .readOnly:
            flags |= SQLITE_OPEN_READONLY
            try Connection.requireExistingFile(path, shown: shown)
        case .existing:
            flags |= SQLITE_OPEN_READWRITE
            try Connection.requireExistingFile(path, shown: shown)
        case .createIfMissing:
            flags |= SQLITE_OPEN_READWRITE
            createdFile = try Connection.createPrivateFileIfMissing(path, shown: shown)
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw DatabaseError(extendedCode: rc, message: message, sql: nil)
        }
        database = DatabaseHandle(db)
        created = createdFile
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        do {
            // Reading the schema is what tells a SQLite file from any other file.
            _ = try scalar("PRAGMA schema_version")
            try execute("PRAGMA foreign_keys = ON")
        } catch let error as DatabaseError where error.primaryCode == SQLITE_NOTADB {
            statementCache.removeAll()
            // Named here, where the file is known: the engine's words do not say which file.
            throw SocializerError.invalid("'\(Echo.cut(shown))' is not a SQLite database")
        } catch {
            statementCache.removeAll()
            throw error
        }
    }

    private static func requireExistingFile(_ path: String, shown: String) throws {
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == EACCES {
                throw SocializerError(.permissionDenied, "cannot read database '\(shown)': permission denied")
            }
            throw SocializerError.notFound("database '\(shown)' does not exist", reason: .databaseMissing(path: shown))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw SocializerError.notFound("database '\(shown)' is a directory, not a file")
        }
        if access(path, R_OK) != 0 {
            throw SocializerError(.permissionDenied, "cannot read database '\(shown)': permission denied")
        }
    }

    /// Creates the file with mode 0600 before SQLite opens it: SQLite would
    /// use 0644, and the journal and WAL files inherit the database's mode.
    private static func createPrivateFileIfMissing(_ path: String, shown: String) throws -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            fchmod(fd, 0o600)
            close(fd)
            return true
        }
        switch errno {
        case EEXIST:
            try requireExistingFile(path, shown: shown)
            return false
        case EACCES, EPERM:
            throw SocializerError(.permissionDenied, "cannot create database '\(shown)': permission denied")
        case EROFS:
            throw SocializerError(.cannotCreate, "cannot create database '\(shown)': read-only file system")
        case ENOENT, ENOTDIR:
            throw SocializerError(.cannotCreate, "cannot create database '\(shown)': its folder does not exist")
        default:
            throw SocializerError(.cannotCreate, "cannot create database '\(shown)': \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        // Statements may outlive the connection; the closure they would call must not be left dangling.
        if tracer != nil { sqlite3_trace_v2(handle, 0, nil, nil) }
    }

    // MARK: Tracing

    final class Tracer {
        let body: (String) -> Void
        init(_ body: @escaping (String) -> Void) { self.body = body }
    }

    /// Calls `body` with the text of every statement as it starts to run
    /// (https://sqlite.org/c3ref/trace_v2.html, SQLITE_TRACE_STMT): the SQL as
    /// written, with `?` for parameters, never the bound values, which may be
    /// secrets. `-v` prints these; tests read the SQL really run. nil stops it.
    public func trace(_ body: ((String) -> Void)?) {
        guard let body else {
            sqlite3_trace_v2(handle, 0, nil, nil)
            tracer = nil
            return
        }
        let tracer = Tracer(body)
        self.tracer = tracer
        sqlite3_trace_v2(handle, UInt32(SQLITE_TRACE_STMT), { _, context, _, text in
            guard let context, let text else { return 0 }
            Unmanaged<Tracer>.fromOpaque(context).takeUnretainedValue()
                .body(String(cString: text.assumingMemoryBound(to: CChar.self)))
            return 0
        }, Unmanaged.passUnretained(tracer).toOpaque())
    }

    // MARK: Errors

    func lastError(_ code: Int32, sql: String?) -> DatabaseError {
        database.lastError(code, sql: sql)
    }

    // MARK: Running SQL

    /// A new statement, owned by the caller. SQL holding more than one
    /// statement is an error (use `executeScript`).
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(database: database, sql: sql)
    }

    /// The cached statement for `sql`, reset and ready; a fresh one when the
    /// cached one is still running (a query nested in another's loop).
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let cached = statementCache[sql] {
            if !cached.isBusy { return cached }
            return try prepare(sql)
        }
        let statement = try prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs one statement with bound parameters, discarding any rows.
    public func execute(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        while try statement.step() {}
    }

    /// Runs a script of several statements without parameters (migrations).
    public func executeScript(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw DatabaseError(extendedCode: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// All rows of a query. For long results use `forEachRow`, which streams.
    public func rows(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws -> [Row] {
        var result: [Row] = []
        try forEachRow(sql, arguments) { result.append($0) }
        return result
    }

    public func firstRow(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws -> Row? {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        return try statement.step() ? statement.currentRow() : nil
    }

    /// Streams rows one at a time; memory does not grow with the row count.
    /// The statement is reset at the end, so no read stays open.
    public func forEachRow(_ sql: String, _ arguments: [DatabaseValueConvertible?] = [],
                           _ body: (Row) throws -> Void) throws {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        while try statement.step() {
            try body(statement.currentRow())
        }
    }

    public func scalar(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws -> DatabaseValue {
        try firstRow(sql, arguments)?.values.first ?? .null
    }

    public func scalarInt(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws -> Int64 {
        if case .integer(let v) = try scalar(sql, arguments) { return v }
        return 0
    }

    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes64(handle)) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    public func setBusyTimeout(milliseconds: Int32) { sqlite3_busy_timeout(handle, milliseconds) }

    /// Whether the file holds no table, index, view or trigger at all.
    public var hasNoSchema: Bool {
        get throws { try scalarInt("SELECT count(*) FROM sqlite_master") == 0 }
    }

    /// Puts the database in WAL mode (persistent), so readers never wait for a writer.
    public func enableWAL() throws {
        _ = try scalar("PRAGMA journal_mode = WAL")
    }

    /// For a file nobody else can see yet (built under a temporary name): its
    /// rollback journal in memory and no syncs, so a bulk load writes each
    /// page once. A failure or a crash discards the file anyway.
    public func beginUnsyncedBuild() throws {
        _ = try scalar("PRAGMA journal_mode = MEMORY")
        try execute("PRAGMA synchronous = OFF")
    }

    /// Ends `beginUnsyncedBuild`: syncs from now on, and WAL mode (written in
    /// place: the WAL this opens stays empty and goes when the connection closes).
    public func endUnsyncedBuild() throws {
        try execute("PRAGMA synchronous = FULL")
        try enableWAL()
    }

    /// Copies every page of the WAL into the database file and empties the
    /// WAL (https://sqlite.org/pragma.html#pragma_wal_checkpoint), so the
    /// file alone is the whole database; fails if another connection kept
    /// the checkpoint from completing.
    public func checkpointCompletely() throws {
        guard let row = try firstRow("PRAGMA wal_checkpoint(TRUNCATE)"), row[0] == .integer(0) else {
            throw DatabaseError(extendedCode: SQLITE_BUSY, message: "the WAL could not be checkpointed", sql: nil)
        }
    }

    /// `PRAGMA quick_check`: a corrupt file must not be changed further.
    public func requireIntact() throws {
        let result = try scalar("PRAGMA quick_check")
        guard result == .text("ok") else {
            throw DatabaseError(extendedCode: SQLITE_CORRUPT, message: "quick_check failed", sql: nil)
        }
    }

    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

