import SocializerCore

/// One thing `Doctor` found: what, where, how many, in a sentence, and what
/// would fix it. Codes are stable (monitoring matches on them); each code
/// has one severity.
public struct DoctorFinding: Sendable, Equatable {
    public enum Severity: String, Sendable, CaseIterable, Comparable {
        /// The database is damaged or not what this socializer expects.
        case error
        /// Data the app or the tool may mishandle, or a risk to act on.
        case warning
        /// Worth knowing; often the app's own behaviour or housekeeping.
        case info

        public static func < (a: Severity, b: Severity) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public enum Code: String, Sendable, CaseIterable {
        case notMigrated = "not-migrated"
        case schemaNewer = "schema-newer"
        case migrationModified = "migration-modified"
        case schemaDrift = "schema-drift"
        case integrity
        case orphanRows = "orphan-rows"
        case checkFailed = "check-failed"
        case notBaselined = "not-baselined"
        case missingIndex = "missing-index"
        case outOfDomain = "out-of-domain"
        case badBoolean = "bad-boolean"
        case badDate = "bad-date"
        case badDatetime = "bad-datetime"
        case noncanonicalDatetime = "noncanonical-datetime"
        case badJSON = "bad-json"
        case duplicateAIMembers = "duplicate-ai-members"
        case plainEmails = "plain-emails"
        case unknownEmailFormat = "unknown-email-format"
        case unverifiablePasswordHashes = "unverifiable-password-hashes"
        case invalidEncryptionKeys = "invalid-encryption-keys"
        case undecryptableMemory = "undecryptable-memory"
        case memoryNotAppDocument = "memory-not-app-document"
        case filePermissions = "file-permissions"
        case folderWritable = "folder-writable"
        case pendingMigrations = "pending-migrations"
        case unknownTables = "unknown-tables"
        case plaintextRoomPasswords = "plaintext-room-passwords"
        case legacyEmailFormat = "legacy-email-format"
        case expiredTokens = "expired-tokens"
        case oldLogs = "old-logs"
        case journalMode = "journal-mode"
        case folderReadable = "folder-readable"
        case auditGaps = "audit-gaps"
        case userMemberAIRole = "user-member-ai-role"
        case aiMemberWrongRole = "ai-member-wrong-role"
        case aiOffWithAIMember = "ai-off-with-ai-member"
        case userMessageWithoutSender = "user-message-without-sender"
        case aiMessageWithSender = "ai-message-with-sender"

        public var severity: Severity {
            switch self {
            case .notMigrated, .schemaNewer, .migrationModified, .schemaDrift, .integrity, .orphanRows, .checkFailed:
                return .error
            case .notBaselined, .missingIndex, .outOfDomain, .badBoolean, .badDate, .badDatetime, .noncanonicalDatetime,
                 .badJSON, .duplicateAIMembers, .plainEmails, .unknownEmailFormat, .unverifiablePasswordHashes,
                 .invalidEncryptionKeys, .undecryptableMemory, .memoryNotAppDocument, .filePermissions, .folderWritable,
                 .auditGaps, .userMemberAIRole, .aiMemberWrongRole, .aiOffWithAIMember, .userMessageWithoutSender,
                 .aiMessageWithSender:
                return .warning
            case .pendingMigrations, .unknownTables, .plaintextRoomPasswords, .legacyEmailFormat, .expiredTokens,
                 .oldLogs, .journalMode, .folderReadable:
                return .info
            }
        }
    }

    /// What would fix a finding. Lower layers name no command: the CLI
    /// phrases each remedy in its own words.
    public enum Remedy: Sendable, Equatable {
        /// The doctor's own safe repair does it.
        case repair
        /// Copy out what is readable (the file is corrupt).
        case recover
        case baseline
        case migrateUp
        /// Compare the recorded history with the compiled one.
        case compareMigrations
        /// A newer socializer migrated the database.
        case newerTool
        case purgeTokens
        case purgeLogs(olderThan: TimeSpan)
        case walMode
        case restrictFolder(String)
        /// chmod 600 of these files, by hand: the database is read-only,
        /// so the doctor's own repair cannot run on it.
        case restrictFiles([String])
        case setPasswords
        /// Clear the memory the key cannot open, then give a new key.
        case clearMemoryAndRotateKey
        case clearMemory
        /// `users update` of this column (role, temperature) or activation (is_active).
        case updateUsers(column: String, value: String)
        /// Re-store the address in the configured email scheme.
        case rehashEmails
        /// Give each user's membership named by rowid the role member.
        case setMemberRole
        /// Turn the room's AI off again (its AI member leaves), or on.
        case setRoomAI
        /// Hide each message named by rowid, as the app's delete does.
        case hideMessages
        /// An SQL statement for the operator to run (or adapt) in sqlite3:
        /// listing rows to review, correcting a value, recreating an index.
        case statement(String)
    }

    public var code: Code
    public var table: String?
    public var column: String?
    /// Rows, users, files or problems, as the message says.
    public var count: Int64
    public var message: String
    /// The rowids of the first few rows concerned (at most `sampleSize`).
    public var rowids: [Int64]
    public var remedy: Remedy?

    public var severity: Severity { code.severity }

    public static let sampleSize = 10

    public init(_ code: Code, table: String? = nil, column: String? = nil, count: Int64, _ message: String,
                rowids: [Int64] = [], remedy: Remedy? = nil) {
        self.code = code
        self.table = table
        self.column = column
        self.count = count
        self.message = message
        self.rowids = rowids
        self.remedy = remedy
    }

    /// ` (rowid 4, 9, …)`: where the rows are, for the message.
    static func rowidNote(_ rowids: [Int64], of count: Int64) -> String {
        guard !rowids.isEmpty else { return "" }
        let more = Int64(rowids.count) < count ? ", …" : ""
        return " (rowid \(rowids.map(String.init).joined(separator: ", "))\(more))"
    }
}

/// One repair `Doctor` made (or, in a dry run, would make).
public struct DoctorRepair: Sendable, Equatable {
    public var code: DoctorFinding.Code
    public var table: String?
    public var column: String?
    public var count: Int64
    /// What was done, in a sentence ("deleted 3 rows …").
    public var message: String

    public init(_ code: DoctorFinding.Code, table: String? = nil, column: String? = nil, count: Int64, _ message: String) {
        self.code = code
        self.table = table
        self.column = column
        self.count = count
        self.message = message
    }
}
