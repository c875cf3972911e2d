#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerStore

/// What every purge verb shares: its options, the engine run with Ctrl-C
/// handled between batches, and the report a cron job logs.
enum PurgeSupport {
    static let batchSize = Option.integer("batch-size", 1...1_000_000, default: 5000,
                                          help: "The most rows one batch (one write transaction) deletes.")
    static let maxLockMs = Option.integer("max-lock-ms", 1...60_000, default: 100,
                                          help: "Time budget of one batch; batch sizes adapt to stay under it.")
    /// The tuning every purge takes.
    static let tuning: [any OptionDeclaring] = [batchSize, maxLockMs]

    static let olderThan = Option.duration("older-than", help: "Purge what is older than this (30d, 12h, 2w).")
    static let before = Option.time("before", help: "Purge what is older than this time (2026-01-31, or a duration: that long ago).")
    /// `--older-than D | --before T`: the age cutoff of a purge, exactly one of them.
    static let cutoff: [any OptionDeclaring] = [olderThan, before]
    static let cutoffRules = [[olderThan.name, before.name]]

    /// A cutoff after now purges what has not aged yet: asked for, not
    /// assumed (`--yes`, or an answer on a terminal; a dry run needs neither).
    /// For `tokens purge`, whose cutoff is an expiry time: now is its default
    /// (the tokens that have expired), and only a later one purges
    /// revocations still in force.
    static func confirmIfFuture(_ context: CommandContext, _ cutoff: Timestamp, _ consequence: String) throws {
        guard cutoff > context.clock.now() else { return }
        try context.confirm("purge up to \(cutoff.iso8601), a time in the future (\(consequence))")
    }

    /// An age cutoff that is not strictly in the past (`--older-than 0s`,
    /// `--before` now or later) purges everything, the newest included:
    /// asked for, not assumed, like a future one.
    static func confirmUnlessPast(_ context: CommandContext, _ arguments: ParsedArguments, _ cutoff: Timestamp,
                                  _ consequence: String) throws {
        let now = now(context, arguments)
        guard cutoff >= now else { return }
        let when = cutoff == now ? "now" : "\(cutoff.iso8601), a time in the future"
        try context.confirm("purge up to \(when) (\(consequence))")
    }

    /// The instant `--older-than` or `--before` names.
    static func cutoff(_ context: CommandContext, _ arguments: ParsedArguments) -> Timestamp {
        let now = now(context, arguments)
        if let span = arguments[olderThan] { return now.adding(seconds: -span.seconds) }
        return arguments[before] ?? now
    }

    /// Now, as the parser read relative times (`--before 30d`): one instant
    /// for the cutoff and for comparing it with now.
    static func now(_ context: CommandContext, _ arguments: ParsedArguments) -> Timestamp {
        arguments.now ?? context.clock.now()
    }

    static let columns = ["at", "table", "rows_deleted", "batches", "longest_batch_ms", "elapsed_ms", "dry_run", "complete"]
    static let output = OutputCheck.sentenceOrRecord(columns)
    /// A purge whose target sets references NULL (`rooms messages purge`:
    /// the invites of the messages) also reports how many.
    static let detachingColumns = columns + ["rows_detached"]
    static let detachingOutput = OutputCheck.sentenceOrRecord(detachingColumns)

    /// Runs the purge and records its one audit entry, with the report,
    /// after the last batch (a purge commits batch by batch).
    static func run(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database,
                    _ target: PurgeTarget) throws -> ExitCode {
        let audit = try AuditRecorder(context, arguments)
        let engine = PurgeEngine(db: db, maxBatchSize: Int(arguments[batchSize]),
                                 maxLockMilliseconds: Double(arguments[maxLockMs]))
        let report = try purge(context, engine, target)
        let audited = Result {
            try audit.recordRun(db, target: AuditTarget(table: report.table),
                                changes: ChangeSet(tables: [.init(table: report.table, deleted: report.rowsDeleted)]),
                                report: auditReport(report, context))
        }
        try render(report, context)
        if var stopped = stoppedEarly(report) {
            if case .failure = audited { stopped.message += "; its audit entry could not be written either" }
            throw stopped
        }
        if case .failure(let error) = audited {
            throw AuditRecorder.unrecorded(error, after: "purged \(report.rowsDeleted) row(s) from \(report.table)")
        }
        return .success
    }

    /// What an audit entry keeps of a purge's report.
    static func auditReport(_ report: PurgeReport, _ context: CommandContext) -> JSONValue {
        .object(fields(report, context).filter { !["at", "table", "dry_run"].contains($0.0) }.map { ($0.0, $0.1.jsonValue) })
    }

    /// Runs the engine with Ctrl-C stopping it between batches (the open
    /// batch finishes or rolls back), and progress under --verbose.
    static func purge(_ context: CommandContext, _ engine: PurgeEngine, _ target: PurgeTarget) throws -> PurgeReport {
        try Interruptible.run {
            try engine.run(target, dryRun: context.globals.dryRun) { progress in
                context.verbose("batch \(progress.batches): \(progress.rowsDeleted) row(s) purged so far")
            }
        }
    }

    /// Why a purge stopped before the end, said with what stays purged.
    static func stoppedEarly(_ report: PurgeReport) -> SocializerError? {
        guard var stopped = report.stoppedEarly else { return nil }
        let kept = report.rowsDeleted == 0 ? "nothing was purged" : "the \(report.rowsDeleted) row(s) already purged stay purged"
        stopped.message += "; \(kept)"
        if stopped.code == .temporarilyUnavailable {
            stopped.hint = "run it again to finish; raise --busy-timeout to wait longer for the lock"
        }
        return stopped
    }

    /// The report's fields: `columns`, and `rows_detached` when the target detaches references.
    static func fields(_ report: PurgeReport, _ context: CommandContext) -> [(String, Cell)] {
        let longest = (report.longestBatchMilliseconds * 10).rounded() / 10
        let cells: [Cell] = [.time(context.clock.now()), .text(report.table), .integer(Int64(report.rowsDeleted)),
                             .integer(Int64(report.batches)), .number(longest), .integer(report.elapsedMilliseconds),
                             .bool(report.dryRun), .bool(report.stoppedEarly == nil)]
        return Array(zip(columns, cells)) + (report.rowsDetached.map { [("rows_detached", .integer(Int64($0)))] } ?? [])
    }

    static func render(_ report: PurgeReport, _ context: CommandContext) throws {
        if context.globals.quiet {
            context.stdout.write("\(report.rowsDeleted)\n")
            return
        }
        let longest = (report.longestBatchMilliseconds * 10).rounded() / 10
        if context.globals.format == .table {
            // "…, setting NULL 2 reference(s) to them": the invites of purged messages.
            let detached = report.rowsDetached.map { ", \(report.dryRun ? "would set" : "setting") NULL \($0) reference(s) to them" } ?? ""
            if report.dryRun {
                context.stdout.write("would purge \(report.rowsDeleted) row(s) from \(report.table)\(detached) (dry run: nothing was deleted)\n")
            } else {
                context.stdout.write("purged \(report.rowsDeleted) row(s) from \(report.table) in \(report.batches) batch(es)\(detached); "
                                     + "longest batch \(JSONValue.format(longest)) ms, \(report.elapsedMilliseconds) ms in all\n")
            }
            return
        }
        let fields = fields(report, context)
        if context.globals.format == .json {
            // One line per run, stamped, so `>> purge.log` from cron reads as a log.
            var options = context.renderOptions
            options.format = .jsonl
            try RecordRenderer(out: context.stdout, options: options).render(fields)
        } else {
            try context.recordRenderer().render(fields)
        }
    }
}
