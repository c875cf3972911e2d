import SocializerCore
import SocializerSecurity
import SocializerStore

/// `users memory show|set|clear` and `users rotate-key`: the per-user
/// Fernet key and the conversation memory it encrypts.
enum UsersMemory {
    static let node = CommandNode(
        "memory", summary: "Show, set or clear a user's encrypted conversation memory.",
        children: [
            CommandNode("show", summary: "Decrypt and print the memory with the user's key.",
                        positionals: [UsersCommand.user],
                        output: { _, format in format == .table ? .text : .fields(showColumns) }, action: show),
            CommandNode("set", summary: "Encrypt a new memory document (the app's JSON object) from a file or standard input.",
                discussion: """
                    The memory must be the app's document: a JSON object with the arrays messages, \
                    general_chat and ai_conversation and the object metadata. A missing member is added \
                    with the app's empty value (and reported); anything else is refused, since the app \
                    would discard it.
                    """,
                positionals: [UsersCommand.user], options: [file, stdin],
                exclusive: [[file.name, stdin.name]], requireOneOf: [[file.name, stdin.name]],
                output: UserColumns.record.output, write: .onEitherEngine(prepare: prepareSet, apply: applySet)),
            CommandNode("clear", summary: "Replace the memory with the app's empty document (NULL with --null).",
                        positionals: [UsersCommand.user], options: [null],
                        output: UserColumns.record.output, write: UsersCommand.change { user, context, arguments in
                            guard !arguments[null] else { user.conversationMemory = nil; return }
                            try store(ConversationMemory.empty(userID: user.id, now: context.clock.now()), in: &user,
                                      now: context.clock.now())
                        }),
        ])

    static let file = Option.path("file", help: "Read the memory from FILE (- for standard input).")
    static let stdin = Option.flag("stdin", help: "Read the memory from standard input.")
    static let null = Option.flag("null", help: "Store NULL instead of the app's empty document.")
    static let rotateUser = Positional.optional("USER", help: "The user to rotate.")
    static let all = Option.flag("all", help: "Rotate every user.")
    static let showColumns = ["id", "username", "memory"]

    static let rotateKeyNode = CommandNode(
        "rotate-key", summary: "Give users a new Fernet key, re-encrypting their memory (atomic per user).",
        discussion: """
            With --all, every user is rotated in id order, each in its own transaction, with \
            progress on a terminal; between users the write lock is left free about as long as \
            they held it (at most 25 ms at a time), so the app's writes get through a long run. \
            An interrupted run can simply be run again. Users whose \
            memory cannot be decrypted are listed and left untouched, the others rotate, and \
            the exit status is 65.
            """,
        positionals: [rotateUser], options: [all],
        examples: ["socializer users rotate-key alice", "socializer users rotate-key --all --yes"],
        output: { arguments, format in
            guard arguments[all] else { return .fields(UserColumns.record.names) }
            return format == .table ? .text : .fields(rotateAllColumns)
        },
        // With --all, one transaction per user with the lock shared between them: the escape hatch.
        custom: rotateKey)

    static let rotateAllColumns = ["rotated", "users", "dry_run"]

    static func key(of user: User) throws -> FernetKey {
        guard let text = user.encryptionKey else {
            throw SocializerError.invalid("user '\(user.username)' has no encryption key",
                                          hint: "give them one with: socializer users rotate-key \(user.username)")
        }
        do {
            return try FernetKey(encoded: text)
        } catch {
            throw SocializerError.invalid("invalid Fernet key for user '\(user.username)'",
                                          hint: "rotate-key cannot recover the memory it protected; clear the memory, then rotate")
        }
    }

    static func decrypt(_ user: User, _ token: String, now: Int64) throws -> [UInt8] {
        do {
            return try Fernet.decrypt(token, key: try key(of: user), now: now)
        } catch let error as FernetError {
            throw SocializerError.invalid("\(error.message): the memory of user '\(user.username)' cannot be decrypted with their key")
        }
    }

    static func show(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let user = try UsersCommand.require(db, arguments[UsersCommand.user])
        guard let token = user.conversationMemory else {
            context.notice("user '\(user.username)' has no memory")
            return .success
        }
        let plain = try decrypt(user, token, now: context.clock.now().secondsSinceEpoch)
        if let problem = ConversationMemory.problem(with: plain) {
            context.warn("the memory of user '\(user.username)' is not the app's document (\(problem)); the app will discard it")
        }
        let text = String(decoding: plain, as: UTF8.self)
        if context.globals.format != .table {
            try context.recordRenderer().render([("id", .integer(user.id)), ("username", .text(user.username)), ("memory", .text(text))])
        } else {
            let shown = context.terminal.stdoutIsTerminal ? Echo.escapingControls(text, keeping: ["\n", "\t"]) : text
            context.stdout.write(shown.hasSuffix("\n") || shown.isEmpty ? shown : shown + "\n")
        }
        return .success
    }

    /// The memory to store, read and parsed before the write lock is taken.
    static func prepareSet(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (JSONValue, ParsedArguments) {
        let bytes = try InputFile.read(arguments[file], stdin: arguments[stdin], context, what: "the memory",
                                       file: "--file", limit: FileReader.Limit.memory)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SocializerError.invalid("the memory is not valid UTF-8 text")
        }
        do {
            return (try JSONParser.parse(text), arguments)
        } catch {
            throw SocializerError.invalid("the memory is not JSON: \(error)",
                hint: "the app keeps {\"messages\": [], \"general_chat\": [], \"ai_conversation\": [], \"metadata\": {…}}")
        }
    }

    static func applySet(_ plan: (JSONValue, ParsedArguments), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let (value, arguments) = plan
        let repository = UserRepository(db)
        let original = try UsersCommand.require(db, arguments[UsersCommand.user])
        var user = original
        let now = context.clock.now()
        let completed = try ConversationMemory.complete(value, userID: user.id, now: now)
        try store(completed.document, in: &user, now: now)
        try repository.update(user, from: original)
        if !completed.added.isEmpty {
            context.notice("added the app's empty " + completed.added.map { "\"\($0)\"" }.joined(separator: ", ")
                           + " to the memory, which lacked \(completed.added.count == 1 ? "it" : "them")")
        }
        return UsersCommand.recordOutcome(user)
    }

    /// Encrypts a memory document with the user's key (made first if they have none).
    static func store(_ document: JSONValue, in user: inout User, now: Timestamp) throws {
        if user.encryptionKey == nil { user.encryptionKey = try FernetKey.generate().encoded }
        user.conversationMemory = try Fernet.encrypt(Array(document.compactText.utf8), key: key(of: user),
                                                     now: now.secondsSinceEpoch)
    }

    static let rotateOne = WriteAction.onEitherEngine { context, arguments, db in
        let repository = UserRepository(db)
        let original = try UsersCommand.require(db, arguments[rotateUser] ?? "")
        let rotated = try rotate(original, now: context.clock.now().secondsSinceEpoch)
        try repository.update(rotated, from: original)
        return UsersCommand.recordOutcome(rotated)
    }

    /// New key; memory decrypted with the old one and encrypted with the new.
    static func rotate(_ user: User, now: Int64) throws -> User {
        var rotated = user
        let newKey = try FernetKey.generate()
        if let token = user.conversationMemory {
            let plain = try decrypt(user, token, now: now)
            rotated.conversationMemory = try Fernet.encrypt(plain, key: newKey, now: now)
        }
        rotated.encryptionKey = newKey.encoded
        return rotated
    }

    static func rotateKey(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let all = arguments[all]
        if all == (arguments[rotateUser] != nil) {
            throw SocializerError.usage("give either USER or --all")
        }
        let now = context.clock.now().secondsSinceEpoch
        if !all { return try rotateOne.run(context, arguments) }
        let audit = try AuditRecorder(context, arguments)
        let db = try context.openEngine(.write)
        let repository = UserRepository(db)
        try context.confirm("rotate the encryption key of every user")
        // Ids first, so no read cursor stays open across the per-user commits.
        var ids: [Int64] = []
        var query = UserQuery()
        query.sort = .id
        try repository.list(query) { ids.append($0.id) }
        var failed: [String] = []
        var rotated = 0
        let showProgress = context.terminal.stderrIsTerminal && !context.globals.quiet
        // One short transaction per user, and the lock left free between
        // them as purges do, so the app's writes get through a long run.
        var pacer = LockPacer()
        var changes = ChangeSet()
        for (offset, id) in ids.enumerated() {
            do {
                let (_, changed) = try db.countingChanges {
                    try pacer.transaction(on: db, commit: !context.globals.dryRun) {
                        guard let user = try repository.find(.id(id)) else { return }
                        try repository.update(try rotate(user, now: now), from: user)
                    }
                }
                changes.add(changed)
                rotated += 1
                if context.globals.quiet { context.stdout.write("\(id)\n") }
            } catch let error as SocializerError where error.code == .invalidData {
                failed.append(error.message)
            }
            if showProgress { context.stderr.write("\rrotated \(offset + 1)/\(ids.count)"); context.stderr.flush() }
        }
        if showProgress { context.stderr.write("\n") }
        // One entry for the run, after its last transaction (each user committed on its own).
        let audited = Result {
            try audit.recordRun(db, target: AuditTarget(table: "users"), changes: changes, report: .object([
                ("rotated", .integer(Int64(rotated))), ("users", .integer(Int64(ids.count))), ("failed", .integer(Int64(failed.count)))]))
        }
        if context.globals.quiet {
        } else if context.globals.format == .table {
            let verb = context.globals.dryRun ? "would rotate" : "rotated"
            context.stdout.write("\(verb) \(rotated) of \(ids.count) user(s)\n")
        } else {
            try context.recordRenderer().render(Array(zip(rotateAllColumns, [
                .integer(Int64(rotated)), .integer(Int64(ids.count)), .bool(context.globals.dryRun)])))
        }
        guard failed.isEmpty else {
            let unaudited = if case .failure = audited { "; the run's audit entry could not be written" } else { "" }
            throw SocializerError.invalid("\(failed.count) user(s) were left untouched: their memory or key is unusable\(unaudited)",
                                          hint: "clear their memory (socializer users memory clear USER), then rotate again",
                                          details: failed)
        }
        if case .failure(let error) = audited {
            throw AuditRecorder.unrecorded(error, after: "rotated the key of \(rotated) user(s)")
        }
        return .success
    }
}
