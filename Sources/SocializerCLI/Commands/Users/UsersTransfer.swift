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
            all cores) or password_hash; email (hashed with the email key) or hashed_email, or \
            neither for a user without an address; memory (plain text, encrypted with the user's \
            key) or conversation_memory with its encryption_key; and role, is_active, temperature, \
            preferences, member_since, messages, hashed_name, llm_provider, llm_endpoint, llm_model. \
            Every bad record is reported with its location before anything is written.
            """,
        positionals: [PositionalSpec("FILE", .path, help: "The file; its format comes from --format or its extension.")],
        options: [
            OptionSpec("on-conflict", .choice(["fail", "skip", "update"]), default: "fail",
                       help: "What to do with a username that already exists."),
            OptionSpec("max-errors", .integer(1...100_000), default: "20", help: "Report at most N bad records."),
            SecretOptions.emailKey, SecretOptions.password[2], SecretOptions.bcryptCost,
        ],
        mutating: true,
        examples: ["SOCIALIZER_BCRYPT_COST=4 socializer users import fixtures/users.jsonl",
                   "socializer users import people.csv --on-conflict skip"],
        output: OutputCheck.fields(importColumns), action: runImport)

    static let importColumns = ["file", "created", "updated", "skipped"]

    static let exportNode = CommandNode(
        "export", summary: "Write every user as json (default), jsonl or csv records that import reads back.",
        discussion: """
            Password hashes, encryption keys and memory are left out unless --include-secrets; \
            with it, redirect to a private file (umask 077).
            """,
        options: [OptionSpec("include-secrets", help: "Add password_hash, encryption_key and conversation_memory.")],
        examples: ["socializer users export --format csv > users.csv",
                   "(umask 077; socializer users export --include-secrets > users.json)"],
        action: runExport)

    // MARK: Import

    struct Incoming {
        var location: String
        var user: User
        var password: [UInt8]?
        var email: String?
        var memory: [UInt8]?
    }

    static func decode(_ record: InputRecord) -> (Incoming?, [String]) {
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
        let messages = d.integer("messages") ?? 0
        if messages < 0 { d.fail("messages cannot be negative") }
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
        let memory = d.string("memory")
        let ciphertext = d.string("conversation_memory")
        let key = d.string("encryption_key")
        if memory != nil && ciphertext != nil { d.fail("give memory or conversation_memory, not both") }
        if ciphertext != nil && key == nil { d.fail("conversation_memory needs the encryption_key it was made with") }
        if let key, (try? FernetKey(encoded: key)) == nil { d.fail("encryption_key is not a valid Fernet key") }
        let memberSince = d.date("member_since")
        let user = User(username: username, role: role, isActive: d.bool("is_active") ?? true, temperature: temperature,
                        preferences: preferences.compactText, hashedName: d.string("hashed_name") ?? "",
                        hashedPassword: passwordHash ?? "", hashedEmail: hashedEmail ?? "", memberSince: memberSince ?? "",
                        messages: messages, encryptionKey: key, conversationMemory: ciphertext,
                        llmProvider: d.string("llm_provider"), llmEndpoint: d.string("llm_endpoint"), llmModel: d.string("llm_model"))
        d.finish(allowed: fields)
        guard d.errors.isEmpty else { return (nil, d.errors) }
        return (Incoming(location: record.location, user: user, password: password, email: email,
                         memory: memory.map { Array($0.utf8) }), [])
    }

    static func runImport(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let path = arguments.string("FILE")!
        let format = try RecordFile.format(path: path, explicit: arguments.string("format"))
        let records = try RecordFile.read(path, format: format)
        let maxErrors = Int(arguments.integer("max-errors") ?? 20)
        let onConflict = arguments.string("on-conflict") ?? "fail"
        var errors: [String] = []
        var incoming: [Incoming] = []
        var firstSeen: [String: String] = [:]
        for record in records {
            let (decoded, problems) = decode(record)
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
        let needsEmailKey = incoming.contains { $0.email != nil }
        let hasher = needsEmailKey ? try SecurityConfiguration.emailHasher(file: arguments.string("email-key-file"),
            allowInsecureFile: arguments.flag("insecure-file-ok"), environment: context.environment) : nil
        let cost = try SecurityConfiguration.bcryptCost(option: arguments.integer("bcrypt-cost").map(Int.init),
                                                        environment: context.environment)
        let db = try context.openDatabase(.write)
        let repository = UserRepository(db)
        var existing: [Int: User] = [:]
        var emailsSeen: [String: String] = [:]
        // Read the app's old bcrypt email hashes once, not once per record.
        let legacyEmails = needsEmailKey ? try repository.legacyEmailHashes() : []
        for (index, item) in incoming.enumerated() {
            if let current = try repository.find(.username(item.user.username)) {
                if onConflict == "fail" {
                    errors.append("\(item.location): user '\(item.user.username)' already exists")
                } else {
                    existing[index] = current
                }
            }
            let hashed = item.email.map { hasher!.hash($0) } ?? (item.user.hashedEmail.isEmpty ? nil : item.user.hashedEmail)
            if let hashed {
                if let earlier = emailsSeen[hashed] {
                    errors.append("\(item.location): the same email as the record at \(earlier)")
                }
                emailsSeen[hashed] = item.location
                let owner = try item.email.map { try repository.findByEmail($0, hasher: hasher!, legacy: legacyEmails) }
                    ?? (try repository.find(hashedEmail: hashed))
                if let owner, owner.username != item.user.username {
                    errors.append("\(item.location): a user with that email already exists")
                }
            }
        }
        guard errors.isEmpty else {
            var details = Array(errors.prefix(maxErrors))
            if errors.count > maxErrors { details.append("… and \(errors.count - maxErrors) more (raise --max-errors to see them)") }
            throw SocializerError.invalid("\(errors.count) problem(s) in '\(path)'; nothing was imported", details: details)
        }
        let toHash = incoming.indices.filter { incoming[$0].password != nil && !(onConflict == "skip" && existing[$0] != nil) }
        let hashes = try Bcrypt.hashConcurrently(toHash.map { incoming[$0].password! }, cost: cost)
        for (offset, index) in toHash.enumerated() { incoming[index].user.hashedPassword = hashes[offset] }
        let now = context.clock.now().secondsSinceEpoch
        var created = 0, updated = 0, skipped = 0
        var ids: [Int64] = []
        try db.transaction(commit: !context.globals.dryRun) {
            for (index, var item) in incoming.enumerated() {
                if let email = item.email { item.user.hashedEmail = hasher!.hash(email) }
                if let current = existing[index] {
                    if onConflict == "skip" { skipped += 1; continue }
                    item.user.id = current.id
                    if item.user.hashedEmail.isEmpty { item.user.hashedEmail = current.hashedEmail }
                    if item.user.encryptionKey == nil { item.user.encryptionKey = current.encryptionKey }
                    if item.user.conversationMemory == nil && item.memory == nil { item.user.conversationMemory = current.conversationMemory }
                } else {
                    if item.user.hashedEmail.isEmpty { item.user.hashedEmail = try UserRepository.noEmailPlaceholder() }
                    if item.user.encryptionKey == nil { item.user.encryptionKey = try FernetKey.generate().encoded }
                }
                if let memory = item.memory {
                    if item.user.encryptionKey == nil { item.user.encryptionKey = try FernetKey.generate().encoded }
                    item.user.conversationMemory = try Fernet.encrypt(memory, key: try FernetKey(encoded: item.user.encryptionKey!), now: now)
                }
                if existing[index] != nil {
                    try repository.update(item.user)
                    updated += 1
                    ids.append(item.user.id)
                } else {
                    ids.append(try repository.insert(item.user))
                    created += 1
                }
            }
        }
        if context.globals.quiet {
            for id in ids { context.stdout.write("\(id)\n") }
        } else {
            try context.recordRenderer().render(Array(zip(importColumns, [
                .text(path), .integer(Int64(created)), .integer(Int64(updated)), .integer(Int64(skipped))])))
        }
        if context.globals.dryRun { context.notice("dry run: nothing was changed") }
        return .success
    }

    // MARK: Export

    static func runExport(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let secrets = arguments.flag("include-secrets")
        let db = try context.openDatabase(.read)
        var options = context.renderOptions
        if options.format == .table { options.format = .json }
        let renderer = RowRenderer(out: context.stdout, options: options)
        try renderer.begin(columns: exportFields + (secrets ? secretFields : []))
        try UserRepository(db).list(UserQuery()) { user in
            var cells: [Cell] = [.text(user.username), .text(user.role), .bool(user.isActive), .number(user.temperature),
                                 (try? JSONParser.parse(user.preferences)).map(Cell.json) ?? .text(user.preferences),
                                 .text(user.memberSince), .integer(user.messages), .text(user.hashedName),
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
