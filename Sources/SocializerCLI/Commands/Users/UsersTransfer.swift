#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerSecurity
import SocializerStore

/// `users import FILE` and `users export`, with the fixture field names of SPEC §7.
enum UsersTransfer {
    /// One field of the users record schema: its fixture name and, for the
    /// fields that `export` writes, the cell it takes from the model.
    struct Field: Sendable {
        enum Use: Sendable { case both, secret, importOnly }
        let name: String
        let use: Use
        let cell: (@Sendable (User) -> Cell)?

        static func both(_ name: String, _ cell: @escaping @Sendable (User) -> Cell) -> Field { Field(name: name, use: .both, cell: cell) }
        static func secret(_ name: String, _ cell: @escaping @Sendable (User) -> Cell) -> Field {
            Field(name: name, use: .secret, cell: cell)
        }
        static func importOnly(_ name: String) -> Field { Field(name: name, use: .importOnly, cell: nil) }
    }

    /// The users record schema (SPEC §7), declared once: `import` accepts
    /// every field here (and `decode` reads each by this name), `export`
    /// writes the `both` fields, and the `secret` ones under
    /// --include-secrets, each from its cell. A test checks that what export
    /// writes, import reads back unchanged.
    static let schema: [Field] = [
        .both("username") { .text($0.username) },
        .both("role") { .text($0.role) },
        .both("is_active") { .bool($0.isActive) },
        .both("temperature") { .number($0.temperature) },
        .both("preferences") { .jsonText($0.preferences) },
        .both("member_since") { .text($0.memberSince) },
        .both("messages") { .json($0.messages.jsonValue) },
        .both("hashed_name") { .text($0.hashedName) },
        .both("hashed_email") { $0.hasEmail ? .text($0.hashedEmail) : .null },
        .both("llm_provider") { .optional($0.llmProvider) },
        .both("llm_endpoint") { .optional($0.llmEndpoint) },
        .both("llm_model") { .optional($0.llmModel) },
        .secret("password_hash") { .text($0.hashedPassword) },
        .secret("encryption_key") { .optional($0.encryptionKey) },
        .secret("conversation_memory") { .optional($0.conversationMemory) },
        .importOnly("email"),
        .importOnly("password"),
        .importOnly("memory"),
    ]

    /// Every field import accepts.
    static let fields = schema.map(\.name)
    static let exportFields = schema.filter { $0.use == .both }.map(\.name)
    static let secretFields = schema.filter { $0.use == .secret }.map(\.name)

    /// The fields export writes, with or without the secrets.
    static func exported(secrets: Bool) -> [Field] {
        schema.filter { $0.use == .both || (secrets && $0.use == .secret) }
    }

    static let importNode = CommandNode(
        "import", summary: "Load users from a json, jsonl or csv file, all or nothing.",
        discussion: """
            Each record has the fixture fields: username (required); password (hashed here, on \
            all cores) or password_hash; email (stored as $SOCIALIZER_EMAIL_SCHEME says) or \
            hashed_email as stored, or neither for a user without an address; memory (the app's \
            memory document, as an object or JSON text, encrypted with the user's key) or \
            conversation_memory with the encryption_key it decrypts with; messages (a count or the \
            app's list of recent messages); and role, is_active, temperature, preferences, \
            member_since, hashed_name, llm_provider, llm_endpoint, llm_model. Every bad record is \
            reported with its location before anything is written; new emails are checked against \
            every stored form, the app's old salted bcrypt hashes included (one bcrypt per record \
            and hash, on all cores, with progress on a terminal).
            """,
        positionals: [file],
        options: [inputFormat, onConflict, maxErrors, skipLegacyEmailCheck, SecretOptions.emailKeyFile, SecretOptions.insecureFileOK,
                  SecretOptions.bcryptCost],
        examples: ["SOCIALIZER_BCRYPT_COST=4 socializer users import fixtures/users.jsonl",
                   "socializer users import people.csv --on-conflict skip",
                   "generate-users | socializer users import - --input-format jsonl"],
        output: OutputCheck.fields(importColumns), write: .onEitherEngine(prepare: prepareImport, apply: applyImport))

    static let file = Positional.string("FILE", .path,
        help: "The file (- for standard input); its format comes from --input-format or its extension.")
    static let inputFormat = Option.choice("input-format", of: RecordFile.Format.self,
        help: "The file's format, when its name does not say (.json, .jsonl, .csv).")
    static let onConflict = Option.choice("on-conflict", default: Conflict.fail, help: "What to do with a username that already exists.")
    static let maxErrors = Option.integer("max-errors", 1...100_000, default: 20, help: "Report at most N bad records.")
    static let skipLegacyEmailCheck = Option.flag("skip-legacy-email-check",
        help: "Do not compare new emails with the app's old salted bcrypt email hashes (fast; a duplicate address may then slip in).")
    static let includeSecrets = Option.flag("include-secrets", help: "Add password_hash, encryption_key and conversation_memory.")

    enum Conflict: String, CaseIterable, Sendable { case fail, skip, update }

    static let importColumns = ["file", "created", "updated", "skipped"]

    static let exportNode = CommandNode(
        "export", summary: "Write every user as json (default), jsonl or csv records that import reads back.",
        discussion: """
            Password hashes, encryption keys and memory are left out unless --include-secrets; \
            with it, redirect to a private file (umask 077).
            """,
        options: [includeSecrets],
        examples: ["socializer users export --format csv > users.csv",
                   "(umask 077; socializer users export --include-secrets > users.json)"],
        output: { arguments, _ in .fields(exportFields + (arguments[includeSecrets] ? secretFields : [])) },
        action: runExport)

    // MARK: Import

    struct Incoming {
        var location: String
        var user: User
        var password: [UInt8]?
        var email: String?
        /// The app's memory document, completed when the user's id is known.
        var memory: JSONValue?
        var messagesGiven: Bool
    }

    static func decode(_ record: InputRecord, now: Timestamp) -> (Incoming?, [String]) {
        var d = RecordDecoder(record)
        let rawName = d.string("username", required: true)
        var username = ""
        if let rawName {
            do { username = try NameRules.validate(rawName, what: "username") } catch let error as SocializerError {
                d.fail(error.message)
            } catch {}
        }
        let role = d.string("role") ?? "user"
        if !User.roles.contains(role) { d.fail("role '\(Echo.cut(role))' is not one of admin, user") }
        let temperature = d.number("temperature") ?? 0.7
        if !DomainRange.temperature.contains(temperature) { d.fail("temperature \(temperature) is outside 0.0 to 2.0") }
        var messages = StoredMessages.count(0)
        if let given = d.json("messages") {
            do { messages = try StoredMessages.from(json: given) } catch let error as SocializerError { d.fail(error.message) } catch {}
        }
        let preferences = d.json("preferences") ?? .object([])
        if preferences.objectMembers == nil { d.fail("field 'preferences' must be a JSON object") }
        var password: [UInt8]?
        if let text = d.string("password") {
            do { password = try PasswordInput.requireValidNew(Array(text.utf8)) } catch let error as SocializerError {
                d.fail(error.message)
            } catch {}
        }
        let passwordHash = d.string("password_hash")
        if password != nil && passwordHash != nil { d.fail("give password or password_hash, not both") }
        if password == nil && passwordHash == nil && !d.has("password") { d.fail("missing field 'password' (or 'password_hash')") }
        if let passwordHash, !Bcrypt.isSupportedHash(passwordHash) { d.fail("password_hash is not a bcrypt $2a$/$2b$/$2y$ hash") }
        let email = d.string("email")
        if let email {
            do { try EmailHasher.validate(email) } catch let error as SocializerError { d.fail(error.message) } catch {}
        }
        let hashedEmail = d.string("hashed_email")
        if email != nil && hashedEmail != nil { d.fail("give email or hashed_email, not both") }
        var memory = d.json("memory")
        if case .string(let text)? = memory {
            memory = try? JSONParser.parse(text)
            if memory == nil { d.fail("field 'memory' holds text that is not JSON (the app's memory document)") }
        }
        if let document = memory {
            do { _ = try ConversationMemory.complete(document, userID: 0, now: now) } catch let error as SocializerError {
                d.fail(error.message)
            } catch {}
        }
        let ciphertext = d.string("conversation_memory")
        let key = d.string("encryption_key")
        if memory != nil && ciphertext != nil { d.fail("give memory or conversation_memory, not both") }
        if ciphertext != nil && key == nil { d.fail("conversation_memory needs the encryption_key it was made with") }
        let fernetKey = key.flatMap { try? FernetKey(encoded: $0) }
        if key != nil && fernetKey == nil { d.fail("encryption_key is not a valid Fernet key") }
        if let ciphertext, let fernetKey, (try? Fernet.decrypt(ciphertext, key: fernetKey, now: now.secondsSinceEpoch)) == nil {
            d.fail("conversation_memory does not decrypt with the record's encryption_key")
        }
        let memberSince = d.date("member_since")
        let user = User(username: username, role: role, isActive: d.bool("is_active") ?? true, temperature: temperature,
                        preferences: preferences.compactText, hashedName: d.string("hashed_name") ?? "",
                        hashedPassword: passwordHash ?? "", hashedEmail: hashedEmail ?? "", memberSince: memberSince ?? "",
                        messages: messages, encryptionKey: key, conversationMemory: ciphertext,
                        llmProvider: d.string("llm_provider"), llmEndpoint: d.string("llm_endpoint"), llmModel: d.string("llm_model"))
        d.finish(allowed: fields)
        guard d.errors.isEmpty else { return (nil, d.errors) }
        return (Incoming(location: record.location, user: user, password: password, email: email, memory: memory,
                         messagesGiven: d.has("messages")), [])
    }

    /// Records are validated, hashed and written this many at a time: the
    /// passwords of a chunk are hashed on all cores, and memory holds one
    /// chunk, not the file.
    static let chunkSize = 512

    /// What the load needs, settled before the write lock is taken: the
    /// file is open (a missing file or a directory is refused here), the
    /// options and secrets are read.
    struct ImportPlan {
        var name: String
        var stream: RecordStream
        var onConflict: Conflict
        var maxErrors: Int
        var checkLegacy: Bool
        var cost: Int
        var now: Timestamp
        var today: String
        var lookup: EmailLookup
        /// The email scheme, asked for only when a record has an address.
        var emailScheme: () throws -> EmailScheme
        /// The passwords were hashed by the checking pass, before the lock.
        var hashed = false
        var context: CommandContext
        var arguments: ParsedArguments
    }

    static func prepareImport(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> ImportPlan {
        let path = arguments[file]
        // A missing file or a folder is said as such before its name is asked for a format.
        if path != "-" { close(try FileReader.openForStreaming(path, what: "import file", limit: RecordFile.maximumFileBytes)) }
        let format = try RecordFile.format(path: path, explicit: arguments[inputFormat])
        let stream = try RecordStream.open(path, format: format, context)
        var plan = ImportPlan(name: stream.name, stream: stream, onConflict: arguments[onConflict], maxErrors: Int(arguments[maxErrors]),
                              checkLegacy: !arguments[skipLegacyEmailCheck], cost: try SecretOptions.bcryptCost(context, arguments),
                              now: context.clock.now(), today: UsersCommand.today(context),
                              lookup: try UsersCommand.emailLookup(context, arguments),
                              emailScheme: { try SecretOptions.emailScheme(context, arguments) }, context: context, arguments: arguments)
        // The slow work is bcrypt: hashing given passwords and comparing new
        // emails with the app's old bcrypt email hashes. For a file that
        // needs either, a first streaming pass checks every record and
        // hashes the passwords before the write lock is taken (the hashes
        // wait in a TEMP table); the writing pass reads the file again and
        // only writes. Standard input can be read once only: it is checked
        // and hashed in the writing pass, under the lock.
        if path != "-" {
            var slow = try hasPasswords(plan.stream)
            if !slow && plan.checkLegacy { slow = !(try UserRepository(db).legacyEmailHashes()).isEmpty }
            plan.stream = try RecordStream.open(path, format: format, context)
            if slow {
                _ = try runImport(plan, context, db, mode: .checkAndHash)
                plan.checkLegacy = false
                plan.hashed = true
                plan.stream = try RecordStream.open(path, format: format, context)
            }
        }
        return plan
    }

    /// Every problem of the file, in file order; the first `limit` kept.
    struct Problems {
        let limit: Int
        private(set) var count = 0
        private(set) var kept: [String] = []
        init(limit: Int) { self.limit = limit }
        mutating func add(_ message: String) {
            count += 1
            if kept.count < limit { kept.append(message) }
        }
    }

    /// One streaming pass inside the write transaction: each record is
    /// decoded and checked as it is read; every `chunkSize` records the
    /// conflicts are looked up, the passwords hashed on all cores and the
    /// records written. After the first problem nothing more is written but
    /// the file is still read to the end, so every problem is reported; then
    /// the transaction is rolled back (all or nothing).
    /// Whether the first chunk of records gives a password to hash (the
    /// stream is read again from the start afterwards).
    static func hasPasswords(_ stream: RecordStream) throws -> Bool {
        var seen = 0
        while seen < chunkSize, let item = try stream.next() {
            guard case .record(let record) = item else { continue }
            seen += 1
            if record.fields.contains(where: { $0.0 == "password" && $0.1 != .null }) { return true }
        }
        return false
    }

    enum PassMode { case checkAndHash, write }

    static func applyImport(_ plan: ImportPlan, _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let run = try runImport(plan, context, db, mode: .write)
        let counts: [Cell] = [.text(plan.name), .integer(Int64(run.created)), .integer(Int64(run.updated)), .integer(Int64(run.skipped))]
        return WriteOutcome(ids: run.ids, of: "users") { context in try context.recordRenderer().render(Array(zip(importColumns, counts))) }
    }

    /// One streaming pass over the file: `.checkAndHash` checks every
    /// record and hashes the passwords into the ledger, writing nothing;
    /// `.write` writes. Throws the report of every problem.
    static func runImport(_ plan: ImportPlan, _ context: CommandContext, _ db: any Database, mode: PassMode) throws -> ImportRun {
        let ledger = try ImportLedger(db)
        if mode == .write && plan.hashed { try ledger.forgetSeen() }
        var run = ImportRun(plan: plan, repository: UserRepository(db), ledger: ledger, writing: mode == .write)
        if plan.checkLegacy { run.legacy = try run.repository.legacyEmailHashes() }
        var chunk: [Incoming] = []
        chunk.reserveCapacity(chunkSize)
        while let item = try plan.stream.next() {
            switch item {
            case .problem(let message):
                run.problems.add(message)
            case .record(let record):
                let (decoded, problems) = decode(record, now: plan.now)
                for problem in problems { run.problems.add(problem) }
                guard var incoming = decoded else { continue }
                if let earlier = try run.ledger.firstSeen("user:" + incoming.user.username, at: incoming.location) {
                    run.problems.add("\(incoming.location): user '\(incoming.user.username)' appears twice in the file (first at \(earlier))")
                    continue
                }
                if incoming.user.memberSince.isEmpty { incoming.user.memberSince = plan.today }
                if incoming.email != nil && run.scheme == nil {
                    let scheme = try plan.emailScheme()
                    run.scheme = scheme
                    run.lookup = try UsersCommand.emailLookup(plan.context, plan.arguments, scheme: scheme)
                }
                chunk.append(incoming)
                if chunk.count >= chunkSize {
                    try run.load(chunk, context)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
        }
        try run.load(chunk, context)
        if run.showProgress && run.legacyChecked > 0 { context.stderr.write("\n") }
        guard run.problems.count == 0 else {
            var details = run.problems.kept
            if run.problems.count > plan.maxErrors {
                details.append("… and \(run.problems.count - plan.maxErrors) more (raise --max-errors to see them)")
            }
            throw SocializerError.invalid("\(run.problems.count) problem(s) in '\(plan.name)'; nothing was imported", details: details)
        }
        return run
    }

    /// The state of one import: what was seen (for duplicates within the
    /// file), what was written, and the problems so far.
    struct ImportRun {
        let plan: ImportPlan
        let repository: UserRepository
        var problems: Problems
        /// Usernames and emails seen earlier in the file (a TEMP table: memory stays flat).
        let ledger: ImportLedger
        var legacy: [UserRepository.LegacyEmailHash] = []
        /// (address, hash) pairs compared so far, for the progress line.
        var legacyChecked = 0
        var scheme: EmailScheme?
        var lookup: EmailLookup
        var created = 0, updated = 0, skipped = 0
        var ids: [Int64] = []
        let showProgress: Bool

        /// False in the checking pass before the lock: nothing written.
        let writing: Bool
        /// Records handed to `load` so far: a record's ordinal in both passes.
        var ordinal = 0

        init(plan: ImportPlan, repository: UserRepository, ledger: ImportLedger, writing: Bool) {
            self.writing = writing
            self.plan = plan
            self.repository = repository
            self.ledger = ledger
            problems = Problems(limit: plan.maxErrors)
            lookup = plan.lookup
            showProgress = plan.context.terminal.stderrIsTerminal && !plan.context.globals.quiet
        }

        mutating func load(_ chunk: [Incoming], _ context: CommandContext) throws {
            guard !chunk.isEmpty else { return }
            var existing: [Int: User] = [:]
            try checkConflicts(chunk, &existing)
            if !legacy.isEmpty { try checkLegacyEmails(chunk, context) }
            // After a problem the transaction is rolled back: writing on would be wasted work.
            let first = ordinal
            ordinal += chunk.count
            // After a problem the transaction is rolled back: hashing or writing on would be wasted work.
            guard problems.count == 0 else { return }
            var chunk = chunk
            let toHash = chunk.indices.filter { chunk[$0].password != nil && !(plan.onConflict == .skip && existing[$0] != nil) }
            if writing && plan.hashed {
                for index in toHash {
                    guard let hash = try ledger.hash(ordinal: first + index, username: chunk[index].user.username) else {
                        throw SocializerError.invalid("'\(plan.name)' changed while it was imported; nothing was imported",
                                                      hint: "import a copy that nothing writes to")
                    }
                    chunk[index].user.hashedPassword = hash
                }
            } else if !toHash.isEmpty {
                let hashes = try Bcrypt.hashConcurrently(toHash.map { chunk[$0].password! }, cost: plan.cost)
                for (offset, index) in toHash.enumerated() {
                    if writing {
                        chunk[index].user.hashedPassword = hashes[offset]
                    } else {
                        try ledger.storeHash(ordinal: first + index, username: chunk[index].user.username, hash: hashes[offset])
                    }
                }
            }
            guard writing else { return }
            for (index, item) in chunk.enumerated() { try write(item, existing: existing[index]) }
        }

        mutating func write(_ item: Incoming, existing: User?) throws {
            var item = item
            if let email = item.email, let scheme { item.user.hashedEmail = scheme.store(email) }
            if let current = existing {
                if plan.onConflict == .skip { skipped += 1; return }
                item.user.id = current.id
                if item.user.hashedEmail.isEmpty { item.user.hashedEmail = current.hashedEmail }
                if item.user.encryptionKey == nil { item.user.encryptionKey = current.encryptionKey }
                if item.user.conversationMemory == nil && item.memory == nil { item.user.conversationMemory = current.conversationMemory }
                // The app's JSON list is never replaced by a default count.
                if !item.messagesGiven { item.user.messages = current.messages }
                try repository.update(item.user, from: current)
                updated += 1
            } else {
                if item.user.hashedEmail.isEmpty { item.user.hashedEmail = try UserRepository.noEmailPlaceholder() }
                if item.user.encryptionKey == nil { item.user.encryptionKey = try FernetKey.generate().encoded }
                item.user.id = try repository.insert(item.user)
                created += 1
            }
            ids.append(item.user.id)
            if let memory = item.memory {
                // The document's metadata names the user, so it is written once the id is known.
                let stored = try repository.require(.id(item.user.id))
                var withMemory = stored
                let document = try ConversationMemory.complete(memory, userID: stored.id, now: plan.now).document
                withMemory.conversationMemory = try Fernet.encrypt(Array(document.compactText.utf8),
                    key: try FernetKey(encoded: stored.encryptionKey!), now: plan.now.secondsSinceEpoch)
                try repository.update(withMemory, from: stored)
            }
        }

        /// Usernames that exist, and emails already taken or given twice, in
        /// every stored form but the app's old bcrypt hashes (checked apart).
        /// Earlier chunks are already written, so "stored" includes them;
        /// a repeat within the file is reported as such, once.
        mutating func checkConflicts(_ chunk: [Incoming], _ existing: inout [Int: User]) throws {
            for (index, item) in chunk.enumerated() {
                if let current = try repository.find(.name(item.user.username)) {
                    if plan.onConflict == .fail {
                        problems.add("\(item.location): user '\(item.user.username)' already exists")
                    } else {
                        existing[index] = current
                    }
                }
                guard let identity = emailIdentity(item) else { continue }
                if let earlier = try ledger.firstSeen("email:" + identity, at: item.location) {
                    problems.add("\(item.location): the same email as the record at \(earlier)")
                    continue
                }
                let owners = try address(of: item).map { try repository.usersWithEmail($0, lookup: lookup, checkBcrypt: false) }
                    ?? (try repository.find(hashedEmail: item.user.hashedEmail)).map { [$0] } ?? []
                if owners.contains(where: { $0.username != item.user.username }) {
                    problems.add("\(item.location): a user with that email already exists")
                }
            }
        }

        /// New addresses against the app's old salted bcrypt email hashes: one
        /// bcrypt per (record, hash) pair, a chunk's pairs on all cores.
        mutating func checkLegacyEmails(_ chunk: [Incoming], _ context: CommandContext) throws {
            let items = chunk.filter { address(of: $0) != nil }
            guard !items.isEmpty else { return }
            let before = legacyChecked
            let count = legacy.count
            let show = showProgress
            let matches = try repository.bcryptMatches(items.map { address(of: $0)! }, legacy, lookup: lookup) { done, total in
                guard show else { return }
                context.stderr.write("\rchecking emails against \(count) old bcrypt email hash(es): \(before + done)/\(before + total)")
                context.stderr.flush()
            }
            legacyChecked += items.count * legacy.count
            for (item, found) in zip(items, matches) {
                for index in found where try repository.require(.id(legacy[index].id)).username != item.user.username {
                    problems.add("\(item.location): a user with that email already exists")
                }
            }
        }
    }

    /// The address a record stores: its `email`, or a `hashed_email` that is
    /// an address as typed (the app's registration form).
    static func address(of item: Incoming) -> String? {
        item.email ?? (EmailFormat.of(item.user.hashedEmail) == .plain ? item.user.hashedEmail : nil)
    }

    /// What makes two records' emails the same within a file.
    static func emailIdentity(_ item: Incoming) -> String? {
        if let address = address(of: item) { return "address:" + EmailHasher.normalize(address) }
        return item.user.hashedEmail.isEmpty ? nil : "stored:" + item.user.hashedEmail
    }

    // MARK: Export

    static func runExport(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let secrets = arguments[includeSecrets]
        let db = try context.openEngine(.read)
        var options = context.renderOptions
        if options.format == .table { options.format = .json }
        let renderer = context.rowRenderer(options: options)
        let fields = exported(secrets: secrets)
        try renderer.begin(columns: fields.map(\.name))
        var cells: [Cell] = []
        cells.reserveCapacity(fields.count)
        try UserRepository(db).list(UserQuery()) { user in
            cells.removeAll(keepingCapacity: true)
            for field in fields { cells.append(field.cell!(user)) }
            try renderer.row(cells)
        }
        renderer.finish()
        return .success
    }
}
