import SocializerCore
import SocializerSecurity
#if canImport(Glibc)
import Glibc
#endif

/// One connection to a PostgreSQL server through libpq (loaded at run
/// time, see `LibPQ`). Owns the `PGconn*`; nothing above this layer sees a
/// C pointer or a raw status. Its reading API mirrors `Connection`'s
/// (`execute`, `rows`, `firstRow`, `forEachRow`, `scalar`, `transaction`),
/// and rows come back as the same `Row` of `DatabaseValue`s, so models
/// decode them with their one `init(row:)`.
///
/// It is PostgreSQL's side of the engine seam (`Database`): statements are
/// written once, with `?` placeholders, and numbered `$1`, `$2`, … here once
/// per statement text (`SQLDialect.numberingPlaceholders`); SQL already
/// numbered runs as written.
/// Values travel as text (PQexecParams' text format) and come back as text,
/// turned into `DatabaseValue`s by column type: integers and floats as
/// numbers, booleans as 0/1 (as SQLite stores them), bytea as bytes, and
/// everything else, timestamps and JSON included, as text.
///
/// Not Sendable: a connection is used from the thread that opened it, and
/// runs one statement at a time (libpq cannot start a statement while
/// another's rows are still arriving).
public final class PostgresConnection {
    let pq: LibPQ
    let handle: OpaquePointer
    public let url: PostgresURL
    /// Where the connection went, in words: `db.example:5432`, or the Unix
    /// socket folder libpq used.
    public let server: String
    /// `150018` for 15.18 (PQserverVersion).
    public let serverVersion: Int
    /// The libpq file in use.
    public var library: String { pq.library }
    /// Rows changed by the last INSERT, UPDATE or DELETE (PQcmdTuples).
    public private(set) var changes = 0
    var tracer: ((String) -> Void)?
    /// Statements run once so far, and the server-side prepared statements
    /// of those run more than once: a one-off statement costs one round
    /// trip (PQexecParams), a repeated one is parsed once (PQprepare).
    private var executions: [String: Int] = [:]
    private var prepared: [String: String] = [:]
    /// Statement texts with their placeholders numbered, by the text as written.
    private var numbered: [String: String] = [:]
    /// Set while `forEachRow` reads a result; running another statement then would fail in libpq.
    private var streaming = false
    /// The COPY … FROM STDIN rows are being sent to (`PostgresConnection+Copy.swift`):
    /// ended, and its result checked, before any other statement runs.
    var copying: CopyIn?
    /// Rows per COPY statement, at most (`PostgresConnection+Copy.swift`):
    /// what the caller keeps to say where a failed row came from stays bounded.
    public var rowsPerCopy = 100_000

    /// Connects as `psql` would: libpq reads the URL, the `PG*` variables
    /// of `environment` (`PGPASSWORD`, `PGSSLMODE`, `PGPASSFILE`, … — every
    /// variable libpq documents, found through PQconndefaults), then its
    /// password file (`~/.pgpass`) and service file. What the URL says wins
    /// over the environment. socializer adds only defaults: a 10-second
    /// `connect_timeout` (psql waits forever) unless the URL or
    /// `$PGCONNECT_TIMEOUT` set one, `application_name` socializer unless
    /// set, and UTF-8 as the client encoding. `lockTimeoutMilliseconds`
    /// becomes the session's `lock_timeout` (at least 1 ms: 0 would wait
    /// forever), as the busy timeout does for SQLite.
    ///
    /// Connection failures are exit 69 naming the server, except a refused
    /// login (77) and a database that does not exist (66); the password is
    /// never in any message.
    public init(url: PostgresURL, environment: [String: String], lockTimeoutMilliseconds: Int32 = 5000,
                library: LibPQ? = nil) throws {
        let pq = try library ?? LibPQ.load(environment: environment)
        self.pq = pq
        self.url = url
        var settings = [("connect_timeout", "10")]
        if let defaults = pq.conndefaults() {
            for option in LibPQ.conninfoOptions(defaults) where option.keyword != "client_encoding" {
                if let variable = option.environmentVariable, let value = environment[variable], !value.isEmpty {
                    settings.append((option.keyword, value))
                }
            }
            pq.conninfoFree(defaults)
        }
        settings += try PostgresConnection.parameters(of: url, pq)
        settings += [("client_encoding", "UTF8"), ("fallback_application_name", "socializer")]
        let connection = PostgresConnection.withCStrings(settings.map(\.0) + [nil]) { keywords in
            PostgresConnection.withCStrings(settings.map(\.1) + [nil]) { values in pq.connectdbParams(keywords, values, 0) }
        }
        guard let connection else {
            throw SocializerError(.unavailable, "cannot connect to PostgreSQL: libpq is out of memory")
        }
        let text = { (pointer: UnsafeMutablePointer<CChar>?) in pointer.map { String(cString: $0) } ?? "" }
        let host = text(pq.host(connection))
        let port = text(pq.port(connection))
        server = host.hasPrefix("/") || host.hasPrefix("@") ? "the Unix socket in \(host) (port \(port))"
            : host.isEmpty ? "the default server" : "\(host):\(port)"
        guard pq.status(connection) == LibPQ.connectionOK else {
            let failure = PostgresConnection.connectionFailure(url.scrubbed(text(pq.errorMessage(connection))), server: server,
                                                              user: text(pq.user(connection)), database: text(pq.db(connection)))
            pq.finish(connection)
            throw failure
        }
        handle = connection
        serverVersion = Int(pq.serverVersion(connection))
        // libpq prints NOTICEs on stderr by default; the tool's output is its own.
        _ = pq.setNoticeProcessor(connection, { _, _ in }, nil)
        try executeScript("SET lock_timeout = \(max(1, lockTimeoutMilliseconds)); SET DateStyle = 'ISO, YMD'; "
                          + "SET TimeZone = 'UTC'; SET bytea_output = 'hex'")
    }

    deinit { pq.finish(handle) }

    /// The URL's settings as libpq itself parses them (PQconninfoParse), so
    /// they can follow the environment's in one list; a URL libpq cannot
    /// read is a usage error in libpq's words (with any secret scrubbed).
    static func parameters(of url: PostgresURL, _ pq: LibPQ) throws -> [(String, String)] {
        var problem: UnsafeMutablePointer<CChar>?
        guard let options = pq.conninfoParse(url.connectionText, &problem) else {
            let message = problem.map { String(cString: $0) } ?? "libpq is out of memory"
            free(problem)
            throw SocializerError.usage("libpq cannot read the PostgreSQL URL \(url.redacted): \(url.scrubbed(message.trimmedSpaces))",
                                        hint: "its parameters are libpq's: https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS")
        }
        defer { pq.conninfoFree(options) }
        return LibPQ.conninfoOptions(options).compactMap { option in option.value.map { (option.keyword, $0) } }
    }

    /// A failed connection, in words and exit code. libpq gives no SQLSTATE
    /// for it, only its message (English in this process, which never sets
    /// a locale; the server's part is in the server's language), so the
    /// known causes are told apart by their wording and anything else is
    /// "unavailable".
    static func connectionFailure(_ message: String, server: String, user: String, database: String) -> SocializerError {
        let lines = message.split(separator: "\n").map { $0.trimmedSpaces }.filter { !$0.isEmpty }
        let lower = message.lowercased()
        if ["password authentication failed", "no password supplied", "authentication failed", "pg_hba.conf",
            "permission denied for database"].contains(where: lower.contains)
            || (lower.contains("role \"") && lower.contains("does not exist")) {
            return SocializerError(.permissionDenied, "the PostgreSQL server at \(server) refused the login of user '\(user)' to database '\(database)'",
                                   hint: "check the user and password (in the URL, $PGPASSWORD or ~/.pgpass) and the server's pg_hba.conf",
                                   details: lines)
        }
        if lower.contains("database \"") && lower.contains("does not exist") {
            return SocializerError(.notFound, "database '\(database)' does not exist on the PostgreSQL server at \(server)",
                                   hint: "create it (createdb \(database)), or correct the database name in the URL", details: lines)
        }
        if lower.hasPrefix("invalid ") {
            return SocializerError.usage("libpq refused a setting of the connection: \(lines.first ?? message)",
                                         hint: "correct it in the URL or the PG* environment variable that set it")
        }
        return SocializerError(.unavailable, "cannot connect to the PostgreSQL server at \(server)",
                               hint: "check that the server runs and accepts connections there (host, port, firewall, sslmode)",
                               details: lines)
    }

    // MARK: Tracing

    /// Calls `body` with the text of every statement as it starts to run:
    /// the SQL as written, with `$n` for parameters, never their values.
    public func trace(_ body: ((String) -> Void)?) { tracer = body }

    // MARK: Running SQL

    /// Runs one statement with bound parameters, discarding any rows.
    public func execute(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws {
        _ = try run(sql, arguments)
    }

    /// Runs several statements without parameters in one round trip
    /// (PQexec: one implicit transaction unless the script has its own).
    public func executeScript(_ sql: String) throws {
        try requireIdle(sql)
        tracer?(sql)
        let result = PostgresResult(pq, pq.exec(handle, sql))
        try check(result, sql: sql)
        changes = result.changes
    }

    /// All rows of a query. For long results use `forEachRow`, which streams.
    public func rows(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws -> [Row] {
        let result = try run(sql, arguments)
        let columns = result.columns()
        return (0..<result.rowCount).map { result.row($0, columns) }
    }

    public func firstRow(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws -> Row? {
        let result = try run(sql, arguments)
        return result.rowCount > 0 ? result.row(0, result.columns()) : nil
    }

    public func scalar(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws -> DatabaseValue {
        try firstRow(sql, arguments)?.values.first ?? .null
    }

    public func scalarInt(_ sql: String, _ arguments: [DatabaseValueConvertible?] = []) throws -> Int64 {
        if case .integer(let v) = try scalar(sql, arguments) { return v }
        return 0
    }

    /// Streams rows one at a time (libpq's single-row mode): memory does not
    /// grow with the row count. No other statement may run on this
    /// connection until it returns. When `body` throws, the rest of the
    /// query is cancelled on the server.
    public func forEachRow(_ sql: String, _ arguments: [DatabaseValueConvertible?] = [],
                           _ body: (Row) throws -> Void) throws {
        let sent = try dispatch(sql, arguments) { name, count, values in
            if let name { return pq.sendQueryPrepared(handle, name, count, values, nil, nil, 0) }
            return pq.sendQueryParams(handle, numberedText(sql), count, nil, values, nil, nil, 0)
        }
        guard sent == 1 else { throw connectionError(sql) }
        _ = pq.setSingleRowMode(handle)
        streaming = true
        defer { streaming = false }
        var failure: Error?
        var columns: ColumnIndex?
        while let pointer = pq.getResult(handle) {
            let result = PostgresResult(pq, pointer)
            guard failure == nil else { continue }
            let status = result.status
            if status == LibPQ.ResultStatus.singleTuple {
                let index = columns ?? result.columns()
                columns = index
                do { try body(result.row(0, index)) } catch {
                    failure = error
                    cancelRunningStatement()
                }
            } else if status == LibPQ.ResultStatus.tuplesOK || status == LibPQ.ResultStatus.commandOK {
                changes = result.changes
            } else {
                failure = self.error(result, sql: sql)
            }
        }
        if let failure { throw failure }
    }

    /// Runs `sql` to completion and returns its whole result.
    private func run(_ sql: String, _ arguments: [DatabaseValueConvertible?]) throws -> PostgresResult {
        let pointer = try dispatch(sql, arguments) { name, count, values in
            if let name { return pq.execPrepared(handle, name, count, values, nil, nil, 0) }
            return pq.execParams(handle, numberedText(sql), count, nil, values, nil, nil, 0)
        }
        let result = PostgresResult(pq, pointer)
        try check(result, sql: sql)
        changes = result.changes
        return result
    }

    /// Checks that no other statement is running, converts the parameters
    /// to text, traces `sql`, and hands the values to `send` with the name
    /// of its prepared statement (nil: send the text itself).
    private func dispatch<R>(_ sql: String, _ arguments: [DatabaseValueConvertible?],
                             _ send: (String?, Int32, LibPQ.Strings?) -> R) throws -> R {
        try requireIdle(sql)
        let values = try arguments.map { try PostgresConnection.parameterText($0?.databaseValue ?? .null) }
        let text = numberedText(sql)
        let name = try preparedName(for: text)
        tracer?(text)
        return PostgresConnection.withCStrings(values) { send(name, Int32(values.count), $0) }
    }

    /// `sql` with its `?` placeholders numbered, rewritten once per text.
    private func numberedText(_ sql: String) -> String {
        if let text = numbered[sql] { return text }
        let text = SQLDialect.numberingPlaceholders(sql)
        numbered[sql] = text
        return text
    }

    /// The prepared statement for `sql` from its second run on; nil the first time.
    private func preparedName(for sql: String) throws -> String? {
        if let name = prepared[sql] { return name }
        let runs = (executions[sql] ?? 0) + 1
        executions[sql] = runs
        guard runs >= 2 else { return nil }
        let name = "socializer_\(prepared.count + 1)"
        let result = PostgresResult(pq, pq.prepare(handle, name, sql, 0, nil))
        try check(result, sql: sql)
        prepared[sql] = name
        executions[sql] = nil
        return name
    }

    func requireIdle(_ sql: String) throws {
        guard !streaming else {
            throw SocializerError.internalError("a statement ran while another's rows were still being read (PostgreSQL runs one at a time per connection): \(sql)")
        }
        if copying != nil { try settleCopy(before: sql) }
    }

    private func cancelRunningStatement() {
        guard let cancel = pq.getCancel(handle) else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = pq.cancel(cancel, &buffer, Int32(buffer.count))
        pq.freeCancel(cancel)
    }

    // MARK: Errors

    private func check(_ result: PostgresResult, sql: String?) throws {
        guard result.pointer != nil else { throw connectionError(sql) }
        switch result.status {
        case LibPQ.ResultStatus.emptyQuery, LibPQ.ResultStatus.commandOK, LibPQ.ResultStatus.tuplesOK,
             LibPQ.ResultStatus.singleTuple:
            return
        default:
            throw error(result, sql: sql)
        }
    }

    func error(_ result: PostgresResult, sql: String?) -> PostgresError {
        let field = { (code: Int32) in self.pq.resultErrorField(result.pointer, code).map { String(cString: $0) } }
        let message = field(LibPQ.Field.primaryMessage)
            ?? pq.resultErrorMessage(result.pointer).map { String(cString: $0).trimmedSpaces } ?? "unknown error"
        var error = PostgresError(sqlState: field(LibPQ.Field.sqlState) ?? "", message: url.scrubbed(message),
                                  table: field(LibPQ.Field.table), column: field(LibPQ.Field.column),
                                  constraint: field(LibPQ.Field.constraint),
                                  keyColumns: PostgresError.keyColumns(fromDetail: field(LibPQ.Field.detail)), sql: sql)
        if error.sqlState == "2BP01", let detail = field(LibPQ.Field.detail) {
            error.dependents = detail.split(separator: "\n").map { $0.trimmedSpaces }.filter { !$0.isEmpty }
        }
        return error
    }

    /// libpq could not even produce a result: the connection is gone.
    func connectionError(_ sql: String?) -> PostgresError {
        let message = pq.errorMessage(handle).map { String(cString: $0).trimmedSpaces } ?? "no connection to the server"
        return PostgresError(sqlState: "", message: url.scrubbed(message), sql: sql)
    }

    // MARK: Values

    /// A parameter in PostgreSQL's text input form; nil is SQL NULL. Text
    /// holding a NUL is refused: PostgreSQL cannot store one, and a C string
    /// would silently end there.
    static let nulRefusal = SocializerError.invalid("a text value holds a NUL character, which PostgreSQL cannot store")

    static func parameterText(_ value: DatabaseValue) throws -> String? {
        switch value {
        case .null: return nil
        case .integer(let v): return String(v)
        case .real(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            return "\(d)"
        case .text(let s):
            guard !s.utf8.contains(0) else {
                throw PostgresConnection.nulRefusal
            }
            return s
        case .blob(let bytes):
            return "\\x" + Hex.encode(bytes)
        }
    }

    static func withCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> R) rethrows -> R {
        let copies = strings.map { $0.map { strdup($0) } }
        defer { copies.forEach { free($0 ?? nil) } }
        return try copies.map { $0.flatMap { $0.map { UnsafePointer($0) } } }.withUnsafeBufferPointer { try body($0.baseAddress) }
    }

    // MARK: Transactions

    /// Whether a transaction is open (and possibly failed, waiting for its ROLLBACK).
    public var isInTransaction: Bool {
        // A COPY in progress is inside the transaction that will end it (libpq says "active").
        if copying != nil { return true }
        let status = pq.transactionStatus(handle)
        return status == LibPQ.TransactionStatus.inTransaction || status == LibPQ.TransactionStatus.inError
    }

    /// Runs `body` in a transaction, or in a savepoint when one is already
    /// open, with `Connection.transaction`'s contract: any error rolls back
    /// and is rethrown; `commit: false` rolls back even on success (dry
    /// runs). `kind` is accepted for that symmetry and changes nothing:
    /// PostgreSQL locks rows as they are written, so a plain BEGIN never
    /// fails where SQLite's deferred one would. After an error PostgreSQL
    /// refuses every statement until the rollback, which is why a nested
    /// body's failure rolls back to its savepoint, leaving the outer
    /// transaction usable.
    public func transaction<T>(_ kind: Connection.TransactionKind = .immediate, commit: Bool = true,
                               _ body: () throws -> T) throws -> T {
        try TransactionModel.run(begin: "BEGIN", isInTransaction: { isInTransaction }, execute: { try execute($0) },
                                 commit: commit, body)
    }

    /// How long a statement waits for a lock before failing with 55P03 (exit 75).
    public func setLockTimeout(milliseconds: Int32) throws {
        try execute("SET lock_timeout = \(max(1, milliseconds))")
    }
}

/// One `PGresult*`, cleared when released; its rows copied out as `Row`s.
final class PostgresResult {
    let pq: LibPQ
    let pointer: OpaquePointer?

    init(_ pq: LibPQ, _ pointer: OpaquePointer?) {
        self.pq = pq
        self.pointer = pointer
    }

    deinit { if let pointer { pq.clear(pointer) } }

    var status: Int32 { pq.resultStatus(pointer) }
    var rowCount: Int { Int(pq.ntuples(pointer)) }
    /// PQcmdTuples: the rows an INSERT, UPDATE or DELETE changed; 0 for other statements.
    var changes: Int { pq.cmdTuples(pointer).flatMap { Int(String(cString: $0)) } ?? 0 }

    func columns() -> ColumnIndex {
        ColumnIndex((0..<pq.nfields(pointer)).map { pq.fname(pointer, $0).map { String(cString: $0) } ?? "?column?" })
    }

    func row(_ index: Int, _ columns: ColumnIndex) -> Row {
        let row = Int32(index)
        let values = (0..<Int32(columns.names.count)).map { value(row, $0) }
        return Row(index: columns, values: values)
    }

    /// Type OIDs of pg_type (src/include/catalog/pg_type.dat).
    enum TypeOID {
        static let bool: UInt32 = 16
        static let bytea: UInt32 = 17
        static let integers: Set<UInt32> = [20, 21, 23, 26] // int8, int2, int4, oid
        static let floats: Set<UInt32> = [700, 701] // float4, float8
        static let numeric: UInt32 = 1700
    }

    func value(_ row: Int32, _ column: Int32) -> DatabaseValue {
        if pq.getisnull(pointer, row, column) != 0 { return .null }
        guard let cell = pq.getvalue(pointer, row, column) else { return .null }
        let length = Int(pq.getlength(pointer, row, column))
        let type = pq.ftype(pointer, column)
        let bytes = UnsafeRawBufferPointer(start: cell, count: length)
        switch type {
        case TypeOID.bool:
            return .integer(bytes.first == UInt8(ascii: "t") ? 1 : 0)
        case _ where TypeOID.integers.contains(type):
            if let v = Int64(String(cString: cell)) { return .integer(v) }
        case _ where TypeOID.floats.contains(type):
            if let v = Double(String(cString: cell)) { return .real(v) }
        case TypeOID.numeric:
            let text = String(cString: cell)
            if let v = Int64(text) { return .integer(v) }
            if let v = Double(text) { return .real(v) }
        case TypeOID.bytea:
            if length >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"),
               let decoded = Hex.decode(String(decoding: bytes.dropFirst(2), as: UTF8.self)) {
                return .blob(decoded)
            }
        default:
            break
        }
        // Text (and the forms above that did not parse): UTF-8 as the
        // client encoding asks; bytes from a SQL_ASCII database that are not
        // UTF-8 are kept as bytes, never repaired.
        guard let text = String(validating: bytes, as: UTF8.self) else { return .blob(Array(bytes)) }
        return .text(text)
    }
}
