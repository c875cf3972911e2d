import CSQLite
import SocializerCore

/// Whether a database is healthy: a list of checks, each producing
/// findings (`DoctorFinding`), and the repairs that are safe to make
/// (`Doctor+Repair.swift`). Everything is driven by what the Store already
/// declares: the value domains (`ColumnDomain.all`), the compiled
/// references (`SchemaModel`), the live schema, the migrations.
///
/// Written once against `any Database`: on PostgreSQL the row checks run
/// as the same aggregates (the dialect's fragments), and what only a
/// SQLite file has (`integrity_check`, the journal mode, file modes, text
/// in typed columns, a timestamp's stored form, the audit counter that
/// rolls back) is not checked, because the server enforces or does not
/// have it (man/socializer-doctor.1, POSTGRESQL).
///
/// Performance: each check is one indexed or single-pass query (a table's
/// domains and references are counted together, in one aggregate over it),
/// except `integrity_check` and the deep memory check, which decrypts every
/// user's memory.
public struct Doctor {
    public struct Options: Sendable {
        /// `quick_check` instead of `integrity_check` (SQLite).
        public var quick = false
        /// Decrypt every user's memory with their key.
        public var deep = false
        /// Error logs older than this are reported.
        public var retention = TimeSpan(seconds: 90 * 86_400)
        public var now: Timestamp
        /// The database file, for its permissions and its folder's (SQLite).
        public var path: String
        /// How long the second connection (the integrity check's) waits for a lock.
        public var busyTimeoutMilliseconds: Int32 = 5000

        public init(now: Timestamp, path: String) {
            self.now = now
            self.path = path
        }
    }

    public let db: any Database
    public let options: Options

    /// The SQL function that applies `Timestamp.parse` to a value.
    static let timestampTest = "socializer_timestamp_ok"
    /// The SQL function true for a DATETIME that `Timestamp.parse` reads in
    /// another form than the one stored (`Timestamp.isNonCanonical`).
    static let nonCanonicalTest = "socializer_timestamp_noncanonical"
    /// The SQL function giving the storage form of any value `Timestamp.parse` reads.
    static let canonicalForm = "socializer_timestamp_canonical"

    public init(_ db: any Database, options: Options) throws {
        self.db = db
        self.options = options
        // SQLite's DATETIME is text, read through these; PostgreSQL's TIMESTAMP is typed.
        if let file {
            try file.defineTextTest(Doctor.timestampTest) { Timestamp.parse(utf8: $0) != nil }
            try file.defineTextTest(Doctor.nonCanonicalTest) { Timestamp.isNonCanonical(utf8: $0) }
            try file.defineTextMap(Doctor.canonicalForm) { Timestamp.parse(utf8: $0)?.databaseText }
        }
    }

    /// The SQLite connection, whose file has checks of its own (integrity,
    /// journal mode, permissions); nil on PostgreSQL, whose server keeps
    /// its files.
    var file: Connection? { db as? Connection }

    /// One check done, for `-v`: its name and how long it took.
    public struct Progress: Sendable {
        public var check: String
        public var milliseconds: Double
    }

    /// Runs every check; findings come errors first, then in check order.
    /// A check the database cannot answer (a corrupt page) becomes a
    /// `check-failed` finding and the others go on; a lock or a missing
    /// file is thrown.
    public func run(progress: (Progress) -> Void = { _ in }) throws -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        /// Runs one check; `body` may say how long it really took (the integrity check, which ran beside the others).
        func check(_ name: String, _ body: () throws -> (findings: [DoctorFinding], milliseconds: Double?)) throws {
            let stopwatch = Stopwatch()
            var milliseconds: Double?
            do {
                let result = try body()
                findings += result.findings
                milliseconds = result.milliseconds
            } catch let error as DatabaseError where Doctor.isDamage(error) {
                findings.append(DoctorFinding(.checkFailed, count: 1,
                    "the \(name) check could not read the database: \(error.message)", remedy: .recover))
            }
            progress(Progress(check: name, milliseconds: milliseconds ?? Double(stopwatch.elapsedMicroseconds) / 1000))
        }
        func check(_ name: String, _ body: () throws -> [DoctorFinding]) throws {
            try check(name) { (try body(), nil) }
        }
        // The integrity check reads every page of the file: it runs on a
        // second connection, on the other core, while the checks below scan
        // the tables (bench/doctor.sh).
        let integrity = file == nil ? nil : IntegrityCheck(options)
        var schema: SchemaFacts?
        try check("schema") {
            let facts = try SchemaFacts.read(db, now: options.now)
            schema = facts
            return try schemaFindings(facts)
        }
        // The integrity check's findings go here, after the schema's, whenever it ends.
        let integrityPosition = findings.count
        if let schema, schema.dataIsKnown {
            for table in schema.scannedTables {
                try check("table \(table)") { try tableFindings(table, schema) }
            }
            try check("declared references") { try declaredReferenceFindings(schema) }
            if schema.live.table("room_members") != nil {
                try check("AI members") { try aiMemberFindings() }
            }
            if schema.live.table("users") != nil {
                try check("users") { try userFindings(schema) }
                if options.deep { try check("memory") { try memoryFindings() } }
            }
            try check("housekeeping") { try housekeepingFindings(schema) }
            // Where a rolled-back change keeps its id (PostgreSQL), a hole is no sign of a deleted entry.
            if schema.live.table(AuditRepository.table) != nil && db.dialect.rolledBackIDsReturn {
                try check("audit trail") { try auditFindings() }
            }
        }
        guard let file, let integrity else { return Doctor.ordered(findings) }
        try check("journal mode") { try journalFindings(file) }
        try check("file permissions") { fileFindings() }
        let before = findings.count
        try check("\(integrity.pragma) (on a second connection, beside the others)") {
            let result = try integrity.findings()
            return (result.findings, result.milliseconds)
        }
        let integrityFindings = findings[before...]
        findings.removeSubrange(before...)
        findings.insert(contentsOf: integrityFindings, at: integrityPosition)
        return Doctor.ordered(findings)
    }

    /// Errors first, then warnings, then infos, each in check order.
    static func ordered(_ findings: [DoctorFinding]) -> [DoctorFinding] {
        findings.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity < b.element.severity : a.offset < b.offset
        }.map(\.element)
    }

    /// Errors that mean the file is damaged, not that the check is wrong.
    static func isDamage(_ error: DatabaseError) -> Bool {
        [SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_IOERR, SQLITE_FORMAT].contains(error.primaryCode)
    }

    // MARK: Journal and files

    func journalFindings(_ file: Connection) throws -> [DoctorFinding] {
        guard case .text(let mode) = try file.scalar("PRAGMA journal_mode"), mode.lowercased() != "wal" else { return [] }
        return [DoctorFinding(.journalMode, count: 1,
            "the journal mode is \(mode), not WAL: readers wait for writers, and purges and backups hold the app's writes longer",
            remedy: .walMode)]
    }
}
