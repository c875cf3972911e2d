/// The exit statuses of SPEC §4 (sysexits), the only numbers `main` returns.
public enum ExitCode: Int32, Sendable {
    case success = 0
    /// A predicate answered no (`users check-password`, `tokens check`).
    case predicateFalse = 1
    case usage = 64
    case invalidData = 65
    case notFound = 66
    /// A service the command needs is missing or unreachable (libpq, the PostgreSQL server).
    case unavailable = 69
    case internalError = 70
    case cannotCreate = 73
    case ioError = 74
    case temporarilyUnavailable = 75
    case permissionDenied = 77
    case configuration = 78
    case interrupted = 130
}

/// A domain error: what went wrong, in words for an operator, and the exit
/// status it maps to. Never carries a bound value, token, key or hash.
///
/// Core, Security and Store never name a command or an option of the CLI
/// (a test scans their sources): where the remedy is "run this command" or
/// "pass this option", they say *what* happened with a `reason`, and the CLI
/// turns the reason into the hint in one place (`Hints.swift`). Environment
/// variables (`$SOCIALIZER_EMAIL_KEY`) are configuration shared with the app,
/// not CLI words: lower layers may name them.
public struct SocializerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ExitCode
    public var message: String
    public var hint: String?
    /// Further lines (every bad record of an import, every schema difference).
    public var details: [String]
    /// What happened, for the CLI to phrase a remedy in its own words.
    public var reason: Reason?

    /// The situations whose remedy is a command or an option.
    public enum Reason: Sendable, Equatable {
        /// The database file does not exist (`path` as the operator wrote it).
        case databaseMissing(path: String)
        /// The database has no schema yet.
        case notMigrated
        /// The app created the database; it has no migration history.
        case legacyNeedsBaseline
        /// As `legacyNeedsBaseline`, met while migrating up.
        case legacyNeedsBaselineFirst
        /// An applied migration differs from the compiled one.
        case migrationModified
        /// Migrating up to `target`, below the current version.
        case targetBelowCurrent(target: Int)
        /// A migration step found rows whose references do not resolve.
        case unresolvedReferences
        /// Another connection holds the lock for longer than the busy timeout.
        case locked
        /// A secret file its group or others can read.
        case insecureSecretFile(path: String)
        /// No JWT signing secret is configured.
        case missingJWTSecret
        /// No email hashing key is configured.
        case missingEmailKey
        /// Skills to add exist already.
        case skillExists
        /// A training to start exists already (in any status).
        case trainingExists
        /// A user who is not an active member of the room acted in it.
        case notRoomMember(roomID: Int64, username: String)
        /// The room is archived (is_active 0).
        case roomArchived(roomID: Int64)
        /// The room has AI turned off (ai_enabled 0).
        case roomAIDisabled(roomID: Int64)
        /// An invite to answer is not pending; sending it again makes it
        /// pending (the users' names, nil when their rows are gone).
        case inviteNotPending(roomID: Int64, inviter: String?, invitee: String?)
        /// A stored value is not what its column holds (a date that is no
        /// date): the database's health check finds every such value.
        case unreadableStoredValue
        /// A load met records that are stored already (conflict policy fail).
        case recordsExist
    }

    public init(_ code: ExitCode, _ message: String, hint: String? = nil, details: [String] = [], reason: Reason? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.details = details
        self.reason = reason
    }

    public var description: String { message }

    public static func usage(_ message: String, hint: String? = nil, reason: Reason? = nil) -> SocializerError {
        SocializerError(.usage, message, hint: hint, reason: reason)
    }
    public static func invalid(_ message: String, hint: String? = nil, details: [String] = [], reason: Reason? = nil) -> SocializerError {
        SocializerError(.invalidData, message, hint: hint, details: details, reason: reason)
    }
    public static func notFound(_ message: String, hint: String? = nil, reason: Reason? = nil) -> SocializerError {
        SocializerError(.notFound, message, hint: hint, reason: reason)
    }
    public static func configuration(_ message: String, hint: String? = nil, reason: Reason? = nil) -> SocializerError {
        SocializerError(.configuration, message, hint: hint, reason: reason)
    }
    public static func internalError(_ message: String) -> SocializerError {
        SocializerError(.internalError, message)
    }
}
