import SocializerCore
import SocializerSecurity
import SocializerStore

/// `users takeout USER [--output FILE]`: everything the database holds about
/// one person, in one versioned document (issue 17; GDPR articles 15 and
/// 20). The shape is documented in socializer-users(1); a test holds the
/// sections' references against every table that refers to users.
enum UsersTakeout {
    /// `"socializer_takeout": 1`. Renaming or removing a member, or changing
    /// what one means, raises it; a new section or field does not (readers
    /// ignore members they do not know).
    static let version: Int64 = 1

    static let output = Option.path("output",
        help: "Write the document to FILE (created with mode 0600; an existing file is never replaced; - is standard output).")

    static let node = CommandNode(
        "takeout", summary: "Write everything the database holds about one user, as one JSON document.",
        discussion: """
            For a person's request for their data (GDPR articles 15 and 20): the account (no \
            password hash, encryption key or email hash; the email only when stored as typed), \
            the conversation memory decrypted with their key, the messages the app keeps in \
            users.messages, preferences, skill levels, training, the rooms they created and \
            belong to, every room and general chat message they sent, invites sent and received, \
            revoked tokens (shortened), error logs about them, and the rows of the app's other \
            tables that refer to them. Other people appear by username only. JSON, or JSON Lines \
            with --format jsonl; read in one snapshot with flat memory. Each takeout records one \
            audit entry, written before the document is published. socializer-users(1) \
            describes every section.
            """,
        positionals: [UsersCommand.user], options: [output],
        examples: ["socializer users takeout alice --output alice-takeout.json",
                   "socializer --format jsonl users takeout alice | gzip > alice-takeout.jsonl.gz"],
        output: { _, _ in .document([.table, .json, .jsonl]) },
        // A read that records one audit entry (handing out a person's data is accountable), in its own transaction.
        custom: run)

    // MARK: Sections

    /// One section of the document: its name, the references to users its
    /// rows are found by (a test holds them against the compiled schema, and
    /// `other_tables` takes every other reference the live schema has), and
    /// how it is written.
    struct Section: Sendable {
        let name: String
        let covers: [ReferenceCascade.Column]
        let write: @Sendable (Reader) throws -> Void

        init(_ name: String, covers: [ReferenceCascade.Column] = [], _ write: @escaping @Sendable (Reader) throws -> Void) {
            self.name = name
            self.covers = covers
            self.write = write
        }
    }

    /// What the sections read with and write to.
    final class Reader {
        let db: any Database
        let user: User
        let writer: SectionWriter
        let now: Timestamp
        /// What the document says about sections that could not be read as
        /// they should (memory that does not decrypt), written last.
        var notes: [(section: String, note: String)] = []

        init(db: any Database, user: User, writer: SectionWriter, now: Timestamp) {
            self.db = db
            self.user = user
            self.writer = writer
            self.now = now
        }

        /// A section of records, each written as `columns` say (the
        /// columns of the verbs that list the same rows, where there are).
        func list<Model>(_ name: String, _ columns: Columns<Model>, _ each: ((Model) throws -> Void) throws -> Void) throws {
            try writer.beginList(name, fields: columns.names)
            try each { try self.writer.item(cells: columns.cells($0)) }
            try writer.endList()
        }

        func note(_ section: String, _ text: String) { notes.append((section, text)) }
    }

    static let sections: [Section] = [
        Section("account") { try $0.writer.record("account", account($0.user)) },
        Section("conversation_memory", memory),
        Section("stored_messages", storedMessages),
        Section("preferences", covers: [.init("user_preferences", "user_id")]) { r in
            try r.list("preferences", TakeoutColumns.preference) { try PreferenceRepository(r.db).list(userID: r.user.id, type: nil, $0) }
        },
        Section("skill_levels", covers: [.init("user_skills", "user_id")]) { r in
            try r.list("skill_levels", TakeoutColumns.level) { try SkillRepository(r.db).levels(userID: r.user.id, $0) }
        },
        Section("training", covers: [.init("training", "user_id")]) { r in
            var query = TrainingQuery()
            query.userID = r.user.id
            try r.list("training", TakeoutColumns.training) { try TrainingRepository(r.db).list(query, $0) }
        },
        Section("rooms_created", covers: [.init("chat_rooms", "creator_id")]) { r in
            var query = RoomQuery()
            query.creatorID = r.user.id
            try r.list("rooms_created", TakeoutColumns.room) { try RoomRepository(r.db).list(query, $0) }
        },
        Section("memberships", covers: [.init("room_members", "user_id")]) { r in
            try r.list("memberships", TakeoutColumns.membership) { try MemberRepository(r.db).memberships(userID: r.user.id, $0) }
        },
        Section("room_messages", covers: [.init("room_messages", "sender_id")]) { r in
            try r.list("room_messages", TakeoutColumns.roomMessage) { try MessageRepository(r.db).sent(byUserID: r.user.id, $0) }
        },
        Section("general_chat_messages", covers: [.init("general_chat_messages", "sender_id")]) { r in
            try r.list("general_chat_messages", TakeoutColumns.generalMessage) { try GeneralChatRepository(r.db).sent(byUserID: r.user.id, $0) }
        },
        Section("invites_sent", covers: [.init("room_invites", "inviter_id")]) { r in
            try r.list("invites_sent", TakeoutColumns.invite(other: "to")) {
                try InviteRepository(r.db).each(ofUserID: r.user.id, direction: .sent, $0)
            }
        },
        Section("invites_received", covers: [.init("room_invites", "invitee_id")]) { r in
            try r.list("invites_received", TakeoutColumns.invite(other: "from")) {
                try InviteRepository(r.db).each(ofUserID: r.user.id, direction: .received, $0)
            }
        },
        Section("revoked_tokens", covers: [.init("token_blacklist", "user_id")]) { r in
            try r.list("revoked_tokens", TakeoutColumns.token) {
                try TokenRepository(r.db).list(userID: r.user.id, expiry: .any, now: r.now, limit: nil, $0)
            }
        },
        Section("error_logs", covers: [.init("error_logs", "user_id")]) { r in
            var query = LogQuery()
            query.userID = r.user.id
            try r.list("error_logs", TakeoutColumns.log) { try LogRepository(r.db).list(query, $0) }
        },
        Section("other_tables", otherTables),
    ]

    /// Every reference to users that a section of its own reads.
    static let covered = Set(sections.flatMap(\.covers))

    /// The account as `users show` reports it, with the address itself
    /// when the app stored it as typed (never a hash of it, nor the
    /// password hash or the key).
    static func account(_ user: User) -> [(String, Cell)] {
        var fields = UserColumns.record.record(user)
        let after = (fields.firstIndex { $0.0 == "email_format" } ?? fields.count - 1) + 1
        fields.insert(("email", user.emailFormat == .plain ? .text(user.hashedEmail) : .null), at: after)
        return fields
    }

    /// The memory, decrypted with the user's key: the app's document as
    /// JSON; null when there is none, or when it cannot be decrypted (a
    /// note says why: the takeout goes on).
    static func memory(_ r: Reader) throws {
        let section = "conversation_memory"
        guard let token = r.user.conversationMemory else { return try r.writer.record(section, value: .null) }
        let plain: [UInt8]
        do {
            plain = try UsersMemory.decrypt(r.user, token, now: r.now.secondsSinceEpoch)
        } catch let error as SocializerError {
            r.note(section, "\(error.message); it is left out")
            return try r.writer.record(section, value: .null)
        }
        guard let text = String(validating: plain, as: UTF8.self) else {
            r.note(section, "the memory decrypts to bytes that are not UTF-8 text; it is left out")
            return try r.writer.record(section, value: .null)
        }
        guard let document = try? JSONParser.parse(text) else {
            r.note(section, "the memory decrypts to text that is not JSON; it is included as text")
            return try r.writer.record(section, value: .text(text))
        }
        if let problem = ConversationMemory.problem(with: plain) {
            r.note(section, "the memory is not the app's document (\(problem)); it is included as it decrypts")
        }
        try r.writer.record(section, value: .json(document))
    }

    /// The app's list in `users.messages`, item by item as stored; nothing
    /// for a count (what new users hold).
    static func storedMessages(_ r: Reader) throws {
        let section = "stored_messages"
        try r.writer.beginList(section)
        switch r.user.messages.contents {
        case .list(let items):
            for item in items { try r.writer.item(value: .json(item)) }
        case .count:
            break
        case .unreadable(let what):
            r.note(section, "users.messages holds \(what), neither a count nor the app's list of messages; it is included as stored")
            try r.writer.item(value: .json(r.user.messages.jsonValue))
        }
        try r.writer.endList()
    }

    /// The rows of every other table that refers to the user (the app's
    /// `life_events`, `training_schedules`, and any it adds later), every
    /// column as stored, except that a reference to a user holds that
    /// user's name, under the column's name without `_id` (as fixtures
    /// name references): other people by username only. A table with no
    /// row about the user is listed empty, so the document shows it was read.
    static func otherTables(_ r: Reader) throws {
        let references = try ReferencesToUsers(r.db)
        let users = UserRepository(r.db)
        try r.writer.beginGroup("other_tables")
        for table in references.tables {
            let columns = references.columns(of: table).filter { !covered.contains(.init(table, $0)) }
            guard !columns.isEmpty else { continue }
            let referring = Set(references.columns(of: table))
            try r.writer.beginList(table)
            try references.rows(of: table, through: columns, referringTo: r.user.id) { row in
                var fields: [(String, Cell)] = []
                for (name, value) in zip(row.columns, row.values) {
                    guard referring.contains(name) else {
                        fields.append((name, cell(value)))
                        continue
                    }
                    let key = name.hasSuffix("_id") && name.count > 3 ? String(name.dropLast(3)) : name
                    let username: Cell = if case .integer(let id) = value { .optional(try users.find(.id(id))?.username) } else { .null }
                    fields.append((row.columns.contains(key) && key != name ? name : key, username))
                }
                try r.writer.item(fields)
            }
            try r.writer.endList()
        }
        try r.writer.endGroup()
    }

    /// A stored value as it is: numbers, text, NULL; a blob as base64.
    static func cell(_ value: DatabaseValue) -> Cell {
        switch value {
        case .null: return .null
        case .integer(let i): return .integer(i)
        case .real(let d): return .number(d)
        case .text(let s): return .text(s)
        case .blob(let b): return .json(.object([("base64", .string(Base64.encode(b)))]))
        }
    }

    // MARK: Running

    /// What a run wrote: records per section, for the notice and the audit entry.
    struct Summary {
        var counts: [(section: String, records: Int)]
        var records: Int { counts.reduce(0) { $0 + $1.records } }

        /// `account 1, preferences 2, …`: the sections that hold something.
        var described: String {
            counts.filter { $0.records > 0 }.map { "\($0.section) \($0.records)" }.joined(separator: ", ")
        }
    }

    /// Writes the whole document inside one read transaction: every section
    /// sees the database as of one moment.
    static func write(_ found: User, _ db: any Database, to out: TextOutput, _ context: CommandContext) throws -> Summary {
        let writer = SectionWriter(out: out, form: context.globals.format == .jsonl ? .jsonl : .json)
        let now = context.clock.now()
        try db.transaction(.deferred) {
            // Read again inside the snapshot: the document is of the row as it is now.
            guard let user = try UserRepository(db).find(.id(found.id)) else {
                throw SocializerError.notFound("user '\(found.username)' was deleted while the takeout was being read")
            }
            try writer.begin([("socializer_takeout", .integer(version)), ("generated_at", .time(now)),
                              ("user", .json(.object([("id", .integer(user.id)), ("username", .string(user.username))])))])
            let reader = Reader(db: db, user: user, writer: writer, now: now)
            for section in sections { try section.write(reader) }
            try writer.beginList("notes")
            for (section, note) in reader.notes { try writer.item([("section", .text(section)), ("note", .text(note))]) }
            try writer.endList()
            try writer.finish()
        }
        return Summary(counts: writer.counts)
    }

    static func run(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let destination = arguments[output].flatMap { $0 == "-" ? nil : $0 }
        if let destination { try PrivateDocument.requireFree(destination) }
        let audit = try AuditRecorder(context, arguments)
        let recorded = !context.globals.dryRun && !context.globals.noAudit
        if recorded {
            do {
                try FileChecks.requireWritable(databaseAt: context.globals.databasePath)
            } catch let error as SocializerError {
                throw SocializerError(error.code, "a takeout is recorded in the audit trail, and \(error.message)",
                                      hint: "make it writable, or skip the entry with --no-audit and SOCIALIZER_AUDIT=off")
            }
        }
        let db = try context.openEngine(recorded ? .write : .read)
        let user = try UsersCommand.require(db, arguments[UsersCommand.user])
        if context.globals.dryRun {
            let summary = try write(user, db, to: DiscardedOutput(), context)
            context.notice("dry run: the takeout of user '\(user.username)' would hold \(summary.records) record(s) (\(summary.described)); "
                           + "nothing was written or recorded")
            return .success
        }
        let document = try destination.map(PrivateDocument.file) ?? PrivateDocument.spool(environment: context.environment)
        defer { document.discard() }
        let summary = try write(user, db, to: document.output, context)
        try document.complete()
        // The entry first: a document nobody recorded is never handed out.
        do {
            try audit.recordRun(db, target: .user(user), changes: ChangeSet(), report: report(summary, context))
        } catch {
            var failure = AuditRecorder.domainError(error)
            failure.message = "the takeout of user '\(user.username)' was not written: its audit entry could not be written: \(failure.message)"
            throw failure
        }
        try document.publish(to: context.stdout)
        if let destination {
            context.notice("wrote the takeout of user '\(user.username)' to '\(destination)': \(summary.records) record(s)")
        }
        return .success
    }

    /// What the audit entry keeps: the form and what the document held, per section.
    static func report(_ summary: Summary, _ context: CommandContext) -> JSONValue {
        .object([("format", .string(context.globals.format == .jsonl ? "jsonl" : "json")),
                 ("records", .integer(Int64(summary.records))),
                 ("sections", .object(summary.counts.map { ($0.section, .integer(Int64($0.records))) }))])
    }
}

/// The fields of each list section: the columns of the verbs that list the
/// same rows where there are (`training list`, `rooms show`, `rooms
/// messages list`, `rooms general list`), without the ones naming the
/// user, whose document it is; declared here for the rest.
enum TakeoutColumns {
    static let preference = Columns<Preference>([
        Column("id") { .integer($0.id) },
        Column("type") { .text($0.type) },
        Column("key") { .text($0.key) },
        Column("value") { .json($0.value) },
        Column("confidence") { .number($0.confidence) },
        Column("last_updated") { .text($0.lastUpdated) },
    ])

    static let level = Columns<UserSkillLevel>([
        Column("skill") { .optional($0.skill) },
        Column("level") { .integer($0.level) },
    ])

    static let training = TrainingColumns.record.only(["skill", "status", "progress", "started_at", "completed_at", "notes"])
    static let room = RoomColumns.record.only(["id", "name", "type", "created_at", "active", "public", "ai", "has_password"])

    static let membership = Columns<UserMembership>([
        Column("room_id") { .integer($0.member.roomID) },
        Column("room") { .optional($0.roomName) },
        Column("role") { .text($0.member.role) },
        Column("active") { .bool($0.member.isActive) },
        Column("joined_at") { .time($0.member.joinedAt) },
        Column("last_read_at") { .optional($0.member.lastReadAt) },
        Column("room_active") { $0.roomActive.map(Cell.bool) ?? .null },
    ])

    static let roomMessage = MessageColumns.all.only(["id", "room_id", "room", "created_at", "sender_type", "message_type", "content",
                                                      "edited_at", "deleted", "metadata"])
    static let generalMessage = GeneralColumns.all.only(["id", "created_at", "content"])

    /// `other` names the other person: `to` for invites sent, `from` for those received.
    static func invite(other: String) -> Columns<UserInvite> {
        Columns([
            Column("id") { .integer($0.id) },
            Column("room_id") { .integer($0.roomID) },
            Column("room") { .optional($0.roomName) },
            Column(other) { .optional($0.otherUsername) },
            Column("status") { .text($0.status) },
            Column("message_id") { .optional($0.messageID) },
            Column("created_at") { .time($0.createdAt) },
            Column("responded_at") { .optional($0.respondedAt) },
        ])
    }

    /// Shortened as `tokens list` shows them: never a whole token.
    static let token = Columns<RevokedToken>([
        Column("id") { .integer($0.id) },
        Column("token") { .text($0.shortened) },
        Column("created_at") { .time($0.createdAt) },
        Column("expires_at") { .time($0.expiresAt) },
        Column("reason") { .optional($0.reason) },
    ])

    static let log = Columns<ErrorLog>([
        Column("id") { .integer($0.id) },
        Column("timestamp") { .time($0.timestamp) },
        Column("type") { .text($0.type) },
        Column("message") { .text($0.message) },
        Column("stack_trace") { .optional($0.stackTrace) },
        Column("context") { LogsCommand.contextCell($0.context, pretty: false) },
    ])
}
