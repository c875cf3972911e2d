import SocializerCore
import SocializerSecurity
import SocializerStore

/// `users import FILE` and `users export`, with the fixture field names of SPEC §7.
enum UsersTransfer {
    static let fields = ["username", "role", "is_active", "temperature", "preferences", "member_since", "messages",
                         "hashed_name", "llm_provider", "llm_endpoint", "llm_model", "email", "hashed_email",
                         "password", "password_hash", "memory", "conversation_memory", "encryption_key"]
    static let exportFields = ["username", "role", "is_active", "temperature", "preferences", "member_since", "messages",
                               "hashed_name", "hashed_email", "llm_provider", "llm_endpoint", "llm_model"]
    static let secretFields = ["password_hash", "encryption_key", "conversation_memory"]

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
        output: OutputCheck.fields(importColumns), write: WriteAction(prepare: prepareImport, apply: applyImport))

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
        if !User.temperatureRange.contains(temperature) { d.fail("temperature \(temperature) is outside 0.0 to 2.0") }
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

    /// What the load will write, decided before the write lock is taken:
    /// every record checked, every conflict found, passwords hashed.
    struct ImportPlan {
        var name: String
        var incoming: [Incoming]
        var existing: [Int: User]
        var scheme: EmailScheme?
        var onConflict: Conflict
        var now: Timestamp
    }

    static func prepareImport(_ context: CommandContext, _ arguments: ParsedArguments, _ db: Connection) throws -> ImportPlan {
        let path = arguments[file]
        let name = path == "-" ? "<stdin>" : path
        let format = try RecordFile.format(path: path, explicit: arguments[inputFormat])
        let bytes = try InputFile.read(path, context, what: "the import file", file: "import file", limit: RecordFile.maximumFileBytes)
        let records = try RecordFile.parse(bytes, name: name, format: format)
        let maxErrors = Int(arguments[maxErrors])
        let onConflict = arguments[onConflict]
        let now = context.clock.now()
        var errors: [String] = []
        var incoming: [Incoming] = []
        var firstSeen: [String: String] = [:]
        for record in records {
            let (decoded, problems) = decode(record, now: now)
            errors += problems
            guard var item = decoded else { continue }
            if let earlier = firstSeen[item.user.username] {
                errors.append("\(item.location): user '\(item.user.username)' appears twice in the file (first at \(earlier))")
                continue
            }
            firstSeen[item.user.username] = item.location
            if item.user.memberSince.isEmpty { item.user.memberSince = UsersCommand.today(context) }
            incoming.append(item)
        }
        let scheme = incoming.contains { $0.email != nil } ? try SecretOptions.emailScheme(context, arguments) : nil
        let lookup = try UsersCommand.emailLookup(context, arguments, scheme: scheme)
        let cost = try SecretOptions.bcryptCost(context, arguments)
        let repository = UserRepository(db)
        var existing: [Int: User] = [:]
        try checkConflicts(incoming, repository, lookup: lookup, onConflict: onConflict, existing: &existing, errors: &errors)
        if !arguments[skipLegacyEmailCheck] {
            try checkLegacyEmails(context, incoming, repository, lookup: lookup, errors: &errors)
        }
        guard errors.isEmpty else {
            var details = Array(errors.prefix(maxErrors))
            if errors.count > maxErrors { details.append("… and \(errors.count - maxErrors) more (raise --max-errors to see them)") }
            throw SocializerError.invalid("\(errors.count) problem(s) in '\(name)'; nothing was imported", details: details)
        }
        let toHash = incoming.indices.filter { incoming[$0].password != nil && !(onConflict == .skip && existing[$0] != nil) }
        let hashes = try Bcrypt.hashConcurrently(toHash.map { incoming[$0].password! }, cost: cost)
        for (offset, index) in toHash.enumerated() { incoming[index].user.hashedPassword = hashes[offset] }
        return ImportPlan(name: name, incoming: incoming, existing: existing, scheme: scheme, onConflict: onConflict, now: now)
    }

    static func applyImport(_ plan: ImportPlan, _ context: CommandContext, _ db: Connection) throws -> WriteOutcome {
        let repository = UserRepository(db)
        let now = plan.now
        var created = 0, updated = 0, skipped = 0
        var ids: [Int64] = []
        for (index, var item) in plan.incoming.enumerated() {
            if let email = item.email, let scheme = plan.scheme { item.user.hashedEmail = scheme.store(email) }
            if let current = plan.existing[index] {
                if plan.onConflict == .skip { skipped += 1; continue }
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
                let document = try ConversationMemory.complete(memory, userID: stored.id, now: now).document
                withMemory.conversationMemory = try Fernet.encrypt(Array(document.compactText.utf8),
                    key: try FernetKey(encoded: stored.encryptionKey!), now: now.secondsSinceEpoch)
                try repository.update(withMemory, from: stored)
            }
        }
        let counts: [Cell] = [.text(plan.name), .integer(Int64(created)), .integer(Int64(updated)), .integer(Int64(skipped))]
        return WriteOutcome(ids: ids) { context in try context.recordRenderer().render(Array(zip(importColumns, counts))) }
    }

    /// Usernames that exist, and emails already taken or given twice, in
    /// every stored form but the app's old bcrypt hashes (checked apart).
    static func checkConflicts(_ incoming: [Incoming], _ repository: UserRepository, lookup: EmailLookup, onConflict: Conflict,
                               existing: inout [Int: User], errors: inout [String]) throws {
        var emailsSeen: [String: String] = [:]
        for (index, item) in incoming.enumerated() {
            if let current = try repository.find(.name(item.user.username)) {
                if onConflict == .fail {
                    errors.append("\(item.location): user '\(item.user.username)' already exists")
                } else {
                    existing[index] = current
                }
            }
            guard let identity = emailIdentity(item) else { continue }
            if let earlier = emailsSeen[identity] {
                errors.append("\(item.location): the same email as the record at \(earlier)")
            }
            emailsSeen[identity] = item.location
            let owners = try address(of: item).map { try repository.usersWithEmail($0, lookup: lookup, checkBcrypt: false) }
                ?? (try repository.find(hashedEmail: item.user.hashedEmail)).map { [$0] } ?? []
            if owners.contains(where: { $0.username != item.user.username }) {
                errors.append("\(item.location): a user with that email already exists")
            }
        }
    }

    /// New addresses against the app's old salted bcrypt email hashes: one
    /// bcrypt per (record, hash) pair, all pairs on all cores.
    static func checkLegacyEmails(_ context: CommandContext, _ incoming: [Incoming], _ repository: UserRepository,
                                  lookup: EmailLookup, errors: inout [String]) throws {
        let items = incoming.filter { address(of: $0) != nil }
        guard !items.isEmpty else { return }
        let legacy = try repository.legacyEmailHashes()
        guard !legacy.isEmpty else { return }
        let showProgress = context.terminal.stderrIsTerminal && !context.globals.quiet
        let matches = try repository.bcryptMatches(items.map { address(of: $0)! }, legacy, lookup: lookup) { done, total in
            guard showProgress else { return }
            context.stderr.write("\rchecking emails against \(legacy.count) old bcrypt email hash(es): \(done)/\(total)")
            context.stderr.flush()
        }
        if showProgress { context.stderr.write("\n") }
        for (item, found) in zip(items, matches) {
            for index in found where try repository.require(.id(legacy[index].id)).username != item.user.username {
                errors.append("\(item.location): a user with that email already exists")
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
        let db = try context.openDatabase(.read)
        var options = context.renderOptions
        if options.format == .table { options.format = .json }
        let renderer = RowRenderer(out: context.stdout, options: options)
        try renderer.begin(columns: exportFields + (secrets ? secretFields : []))
        try UserRepository(db).list(UserQuery()) { user in
            var cells: [Cell] = [.text(user.username), .text(user.role), .bool(user.isActive), .number(user.temperature),
                                 (try? JSONParser.parse(user.preferences)).map(Cell.json) ?? .text(user.preferences),
                                 .text(user.memberSince), .json(user.messages.jsonValue), .text(user.hashedName),
                                 user.hasEmail ? .text(user.hashedEmail) : .null,
                                 .optional(user.llmProvider), .optional(user.llmEndpoint), .optional(user.llmModel)]
            if secrets {
                cells += [.text(user.hashedPassword), .optional(user.encryptionKey), .optional(user.conversationMemory)]
            }
            try renderer.row(cells)
        }
        renderer.finish()
        return .success
    }
}
