#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerStore

/// The command kit's side of the audit trail (issue 17): who runs the verb,
/// what it was given, and the one `admin_audit` entry each change records.
/// The write-action runner records inside its transaction, so a verb declared
/// with `write:` is audited without a line of its own; the escape hatches
/// that commit in several transactions (purges, `users rotate-key --all`)
/// record one entry per run with `recordRun`. A dry run, a refusal and a
/// rollback record nothing: the entry is part of the change.
struct AuditRecorder {
    let context: CommandContext
    let arguments: ParsedArguments
    /// `$SOCIALIZER_ACTOR`, else `$SUDO_USER`, else the login name.
    let actor: String

    static let actorVariable = "SOCIALIZER_ACTOR"
    static let sudoVariable = "SUDO_USER"
    /// What the trail keeps of a redacted argument.
    static let notRecorded = JSONValue.string("(not recorded)")
    /// Longer text arguments are cut (`logs add --message`): an entry says
    /// what was done, it is not a copy of the data.
    static let maximumTextLength = 1000

    /// Resolved before anything is read or written, so a bad actor is
    /// refused before the change, not after.
    init(_ context: CommandContext, _ arguments: ParsedArguments) throws {
        self.context = context
        self.arguments = arguments
        actor = try AuditRecorder.actor(environment: context.environment)
    }

    var command: String { context.path.joined(separator: " ") }

    // MARK: Recording

    /// Runs a write action's change inside its transaction, counting the
    /// rows it changes, and records its entry in the same transaction.
    func recording(_ db: any Database, _ change: () throws -> WriteOutcome) throws -> WriteOutcome {
        if context.globals.dryRun || context.globals.noAudit { return try change() }
        let (outcome, changes) = try db.countingChanges(change)
        guard try trailExists(db) else { return outcome }
        let repository = AuditRepository(db)
        let target = try outcome.target ?? repository.target(ofIDs: outcome.ids, in: changes, table: outcome.table)
        _ = try repository.insert(at: context.clock.now(), actor: actor, command: command, target: target,
                                  changes: changes, details: details())
        return outcome
    }

    /// The one entry of a run that committed in several transactions, in
    /// its own transaction after the last, with the run's report.
    func recordRun(_ db: any Database, target: AuditTarget?, changes: ChangeSet, report: JSONValue) throws {
        if context.globals.dryRun || context.globals.noAudit { return }
        try db.transaction(.immediate) {
            guard try trailExists(db) else { return }
            _ = try AuditRepository(db).insert(at: context.clock.now(), actor: actor, command: command, target: target,
                                               changes: changes, details: details(report: report))
        }
    }

    /// The error of a run whose changes are committed but whose entry could
    /// not be written (the lock not given back in time, a full disk): `done`
    /// says what stays done.
    static func unrecorded(_ error: any Error, after done: String) -> SocializerError {
        var failure = domainError(error)
        failure.message = "\(done), but its audit entry could not be written: \(failure.message)"
        return failure
    }

    /// Why an entry could not be written, in the domain's words (a lock
    /// held too long: 75; a full disk: 74; a refusing trigger: 65).
    static func domainError(_ error: any Error) -> SocializerError {
        (error as? any DatabaseFailure)?.domainError ?? (error as? SocializerError) ?? SocializerError.internalError("\(error)")
    }

    /// A database not yet migrated to 0005 has no trail: the change goes
    /// ahead (cron jobs keep working after the binary is upgraded) and a
    /// warning says it was not recorded, once per run.
    private func trailExists(_ db: any Database) throws -> Bool {
        if try AuditRepository(db).isAvailable() { return true }
        context.warn("this change is not audited: the database has no audit trail before migration "
                     + "\(Migrations.migration(AuditRepository.sinceVersion)?.identifier ?? "0005"); add it with: socializer migrate up")
        return false
    }

    // MARK: Details

    /// `{"arguments": {…}}`, plus `"report"` for a run.
    func details(report: JSONValue? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("arguments", .object(recordedArguments()))]
        if let report { members.append(("report", report)) }
        return .object(members)
    }

    /// The verb's positionals (by their synopsis names, `USER`) and options
    /// (by name, `role`) that were given, in declaration order; global
    /// options are not the verb's. A secret positional or a redacted option
    /// is recorded as given, never with its value.
    func recordedArguments() -> [(String, JSONValue)] {
        guard let node = context.node else { return [] }
        var recorded: [(String, JSONValue)] = []
        for spec in node.positionals {
            guard let value = arguments.values[spec.name] else { continue }
            recorded.append((spec.name, spec.secret ? AuditRecorder.notRecorded : AuditRecorder.json(value)))
        }
        for spec in node.options {
            guard let value = arguments.values[spec.name] else { continue }
            recorded.append((spec.name, spec.redacted && !spec.isFlag ? AuditRecorder.notRecorded : AuditRecorder.json(value)))
        }
        return recorded
    }

    static func json(_ value: ArgumentValue) -> JSONValue {
        switch value {
        case .flag: return .bool(true)
        case .string(let text): return .string(cut(text))
        case .integer(let number): return .integer(number)
        case .number(let number): return .number(number)
        case .duration(let span): return .string(TimeSpan.describe(span))
        case .time(let instant): return .string(instant.iso8601)
        case .json(let value):
            let text = value.compactText
            return text.count > maximumTextLength ? .string(cut(text)) : value
        case .list(let items), .strings(let items): return .array(items.map { .string(cut($0)) })
        }
    }

    static func cut(_ text: String) -> String {
        text.count > maximumTextLength ? String(text.prefix(maximumTextLength - 1)) + "…" : text
    }

    // MARK: Actor

    /// Who makes the change: `$SOCIALIZER_ACTOR` (a script or a web console
    /// names the person it acts for), else `$SUDO_USER` (the person behind
    /// `sudo`), else the login name. A name with control characters or over
    /// 200 characters is refused (exit 78) rather than recorded.
    static func actor(environment: [String: String], loginName: () -> String? = AuditRecorder.loginName) throws -> String {
        for variable in [actorVariable, sudoVariable] {
            guard let value = environment[variable]?.trimmedSpaces, !value.isEmpty else { continue }
            guard value.count <= 200, Echo.escapingControls(value) == value else {
                throw SocializerError.configuration(
                    "$\(variable) is not a usable name for the audit trail: it holds control characters or is longer than 200 characters",
                    hint: "set it to the name of the person making the change")
            }
            return value
        }
        return loginName() ?? "uid \(getuid())"
    }

    /// The login name, as logname(1) prints it; without a controlling
    /// terminal (cron, a service) there is none, so the name of the real
    /// user id in the password database.
    static func loginName() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        if getlogin_r(&buffer, buffer.count) == 0, buffer[0] != 0 {
            return String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
        }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var storage = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(getuid(), &entry, &storage, storage.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return nil
        }
        return String(cString: name)
    }
}
