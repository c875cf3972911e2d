import SocializerCore
import SocializerStore

/// `socializer doctor`: whether the database is healthy, one finding per
/// line, and with --fix the repairs that are safe. The checks and the
/// repairs' SQL are the Store's (`Doctor`); this file chooses, asks, renders.
enum DoctorCommand {
    static let quick = Option.flag("quick", help: "Run SQLite's quick_check instead of the slower integrity_check "
                                   + "(on PostgreSQL, which runs neither, it changes nothing).")
    static let deep = Option.flag("deep", help: "Also decrypt every user's memory with their key (reads every memory).")
    static let retention = Option.duration("retention", default: TimeSpan(seconds: 90 * 86_400),
                                           help: "Report error logs older than this.")
    static let strict = Option.flag("strict", help: "Exit 65 on info findings too, not only on errors and warnings.")
    static let fix = Option.flag("fix", help: "Repair what is safe to repair, after --yes or a prompt on a terminal; "
                                 + "with --dry-run, show what it would do.")

    static let node = CommandNode(
        "doctor",
        summary: "Check the database's health; repair what is safe with --fix.",
        discussion: """
            Runs every check and prints one finding per line: its severity (error, warning, info), a \
            stable code, the table and column, a count, a sentence and the command that fixes it. \
            Exit 0 when no error or warning is found (with --strict, no info either), 65 otherwise. \
            The database is only read, so a read-only file can be checked; --fix opens it for writing \
            and repairs only what is safe: file modes, orphan rows that belong to a missing row, \
            references to a missing user, duplicate AI members, expired revocations, \
            times stored in another form than YYYY-MM-DD HH:MM:SS.ffffff.
            """,
        options: [quick, deep, retention, strict, fix],
        examples: ["socializer doctor", "socializer --json doctor --quick > /var/log/socializer-doctor.json",
                   "socializer doctor --fix --dry-run", "socializer doctor --fix --yes"],
        output: { _, format in .fields(format == .table ? tableColumns : columns) },
        // --fix writes in three ways (file modes, one transaction for rows, a batched token purge): the escape hatch.
        custom: run)

    static let columns = ["severity", "code", "table", "column", "count", "message", "fix", "rowids"]
    /// The message already names the rowids in text.
    static let tableColumns = Array(columns.dropLast())

    static func run(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let fixing = arguments[fix]
        if context.globals.dryRun && !fixing {
            throw SocializerError.usage("--dry-run goes with --fix: without it doctor changes nothing",
                                        hint: "to see what the repairs would do: socializer doctor --fix --dry-run")
        }
        let db = try context.openEngine(fixing ? .write : .read, migrated: false)
        var options = Doctor.Options(now: context.clock.now(), path: context.globals.databasePath)
        options.quick = arguments[quick]
        options.deep = arguments[deep]
        options.retention = arguments[retention]
        options.busyTimeoutMilliseconds = context.globals.busyTimeoutMilliseconds
        let doctor = try Doctor(db, options: options)
        let findings = try doctor.run { progress in
            context.verbose("checked \(progress.check) in \(JSONValue.format((progress.milliseconds * 10).rounded() / 10)) ms")
        }
        var repairs: [DoctorRepair] = []
        var remaining = findings
        var failure: Error?
        if fixing {
            do {
                remaining = try repair(doctor, findings, context, arguments, into: &repairs)
            } catch {
                failure = error
            }
        }
        try render(repairs, remaining, context)
        // After a failed repair, the error is what stderr says; the findings still went to stdout.
        if let failure { throw failure }
        let counts = summary(repairs, remaining)
        guard remaining.allSatisfy({ $0.severity == .info && !arguments[strict] }) else {
            // -q prints nothing at all: the status says it.
            if context.globals.quiet { return .invalidData }
            // Like every failing status, exit 65 says why on stderr (a JSON object with --json).
            throw SocializerError.invalid(counts, hint: remaining.contains(where: \.isRepairable) && !fixing
                ? "make the safe repairs with: socializer doctor --fix" : nil)
        }
        if context.globals.format == .table && !(repairs.isEmpty && remaining.isEmpty) { context.notice(counts) }
        return .success
    }

    /// "2 repair(s); found 1 error(s), 0 warning(s), 3 info(s)".
    static func summary(_ repairs: [DoctorRepair], _ findings: [DoctorFinding]) -> String {
        let counts = DoctorFinding.Severity.allCases.map { severity in
            "\(findings.filter { $0.severity == severity }.count) \(severity.rawValue)(s)"
        }
        return (repairs.isEmpty ? "" : "\(repairs.count) repair(s); ") + "found " + counts.joined(separator: ", ")
    }

    /// Makes the safe repairs (file modes, then the rows in one transaction,
    /// then the token purge in batches) and returns the findings left.
    /// One audit entry records the run, after its last change, with what it repaired.
    static func repair(_ doctor: Doctor, _ findings: [DoctorFinding], _ context: CommandContext,
                       _ arguments: ParsedArguments, into repairs: inout [DoctorRepair]) throws -> [DoctorFinding] {
        let audit = try AuditRecorder(context, arguments)
        let repairable = findings.filter(\.isRepairable)
        guard !repairable.isEmpty else {
            context.notice("nothing to repair")
            return findings
        }
        if findings.contains(where: { $0.code == .integrity || $0.code == .checkFailed }) {
            throw SocializerError(.ioError, "the database is damaged; doctor repairs nothing in it",
                                  hint: "recover what is left with: sqlite3 DB .recover | sqlite3 NEW.db")
        }
        let dryRun = context.globals.dryRun
        let codes = Set(repairable.map(\.code.rawValue)).sorted().joined(separator: ", ")
        try context.confirm("repair \(repairable.count) finding(s) in '\(context.globals.databasePath)' (\(codes))")
        let before = repairs.count
        repairs += try doctor.repairFileModes(dryRun: dryRun)
        var (rowRepairs, changes) = try doctor.db.countingChanges {
            try doctor.db.transaction(.immediate, commit: !dryRun) { try doctor.repairRows(findings, dryRun: dryRun) }
        }
        repairs += rowRepairs
        var stopped: SocializerError?
        if repairable.contains(where: { $0.code == .expiredTokens }) {
            let report = try PurgeSupport.purge(context, PurgeEngine(db: doctor.db), doctor.expiredTokens)
            if let done = Doctor.repair(report) { repairs.append(done) }
            changes.add(ChangeSet(tables: [.init(table: report.table, deleted: report.rowsDeleted)]))
            stopped = PurgeSupport.stoppedEarly(report)
        }
        let done = repairs[before...]
        let audited = Result {
            try audit.recordRun(doctor.db, target: nil, changes: changes, report: .array(done.map { repair in
                .object([("code", .string(repair.code.rawValue)), ("table", repair.table.map(JSONValue.string) ?? .null),
                         ("count", .integer(repair.count))])
            }))
        }
        if var stopped {
            if case .failure = audited { stopped.message += "; its audit entry could not be written either" }
            throw stopped
        }
        if case .failure(let error) = audited {
            throw AuditRecorder.unrecorded(error, after: "made \(done.count) repair(s)")
        }
        if dryRun { context.notice("dry run: nothing was changed") }
        return findings.filter { !$0.isRepairable }
    }

    static func render(_ repairs: [DoctorRepair], _ findings: [DoctorFinding], _ context: CommandContext) throws {
        if context.globals.quiet { return }
        let table = context.globals.format == .table
        if table && repairs.isEmpty && findings.isEmpty {
            context.stdout.write("ok: no problems found\n")
            return
        }
        let location = context.globals.database
        let database = context.globals.databaseOption
        let renderer = context.rowRenderer()
        try renderer.begin(columns: table ? tableColumns : columns)
        let done = context.globals.dryRun ? "would-fix" : "fixed"
        let width = table ? tableColumns.count : columns.count
        for repair in repairs {
            let cells: [Cell] = [.text(done), .text(repair.code.rawValue), .optional(repair.table), .optional(repair.column),
                                 .integer(repair.count), .text(repair.message), .null, .json(.array([]))]
            try renderer.row(Array(cells.prefix(width)))
        }
        for finding in findings {
            let cells: [Cell] = [.text(finding.severity.rawValue), .text(finding.code.rawValue), .optional(finding.table),
                                 .optional(finding.column), .integer(finding.count), .text(finding.message),
                                 .optional(DoctorRemedies.text(for: finding, at: location, database: database)),
                                 .json(.array(finding.rowids.map(JSONValue.integer)))]
            try renderer.row(Array(cells.prefix(width)))
        }
        renderer.finish()
    }
}

/// Each remedy in the CLI's words: the command that fixes a finding. The
/// one place doctor's findings meet the command table (a test checks that
/// every command named here is declared).
enum DoctorRemedies {
    /// The fix of one finding: a value outside its domain in a table that
    /// has a verb for that column is corrected through the verb (validated
    /// and audited), row by row; other values through the Store's remedy.
    /// `location`: the database, which an SQL statement is run on
    /// (`sqlite3 PATH`, `psql URL` without its password); `database`: the
    /// `--db` given on the command line, which every `socializer` command
    /// of the fix then names (`Hints.aiming`).
    static func text(for finding: DoctorFinding, at location: DatabaseLocation, database: String? = nil) -> String? {
        if finding.code == .outOfDomain, let table = finding.table, let column = finding.column,
           let verb = domainVerbs["\(table).\(column)"] {
            return Hints.aiming(verb, at: database)
        }
        return text(finding.remedy, at: location).map { Hints.aiming($0, at: database) }
    }

    /// The verbs that set a column with a domain, by `table.column`.
    static let domainVerbs = [
        "users.temperature": "socializer users update USER --temperature 0.7",
        "user_skills.level": "socializer skills set-level USER SKILL LEVEL",
        "training.status": "socializer training reset USER SKILL",
        "training.progress": "socializer training progress USER SKILL VALUE",
        "user_preferences.confidence": "socializer users prefs set USER TYPE KEY JSON --confidence 1.0",
        "room_members.role": "socializer rooms members role ROOM USER member",
    ]

    static func text(_ remedy: DoctorFinding.Remedy?, at location: DatabaseLocation) -> String? {
        let db = Hints.shellQuoted(location.commandText)
        switch remedy {
        case nil: return nil
        case .repair: return "socializer doctor --fix"
        case .recover: return "sqlite3 \(db) .recover | sqlite3 NEW.db"
        case .baseline: return "socializer migrate baseline"
        case .migrateUp: return "socializer migrate up"
        case .compareMigrations: return "socializer migrate status"
        case .newerTool: return "use a newer socializer; this one does not know that version"
        case .purgeTokens: return "socializer tokens purge"
        case .purgeLogs(let span): return "socializer logs purge --older-than \(TimeSpan.describe(span))"
        case .walMode: return "sqlite3 \(db) 'PRAGMA journal_mode=WAL' (with the app stopped)"
        case .restrictFolder(let folder): return "chmod 700 \(Hints.shellQuoted(folder)) (if only the database lives there)"
        case .restrictFiles(let files): return "chmod 600 " + files.map(Hints.shellQuoted).joined(separator: " ")
        case .setPasswords: return "socializer users set-password USER"
        case .clearMemoryAndRotateKey: return "socializer users memory clear USER --null, then socializer users rotate-key USER"
        case .clearMemory: return "socializer users memory clear USER"
        case .updateUsers(let column, let value): return "socializer users update USER --\(column) \(value)"
        case .rehashEmails: return "socializer users update USER --email ADDRESS"
        case .setMemberRole: return "socializer rooms members role ROOM USER member"
        case .setRoomAI: return "socializer rooms update ROOM --no-ai (or --ai to keep the AI)"
        case .hideMessages: return "socializer rooms messages delete ID"
        case .statement(let sql):
            if case .postgres = location { return "psql \(db) -c \(shellWord(sql))" }
            return "sqlite3 \(db) \(shellWord(sql))"
        }
    }

    /// SQL as one shell word: in double quotes when it holds single ones
    /// (and nothing the shell expands there), else in single quotes.
    static func shellWord(_ sql: String) -> String {
        if !sql.contains("'") { return "'" + sql + "'" }
        if !sql.contains(where: { "\"$`\\!".contains($0) }) { return "\"" + sql + "\"" }
        return Hints.shellQuoted(sql)
    }
}
