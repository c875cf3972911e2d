import SocializerCore
import SocializerSecurity
import SocializerStore

/// `socializer users …`: accounts, passwords, memory, keys and preferences.
enum UsersCommand {
    // MARK: Arguments

    static let user = Positional.string("USER", help: "An id or a username (id:42 or name:42 force one reading; a bare number is an id).")
    static let username = Positional.string("USERNAME", help: "The new user's name (trimmed; any Unicode but control and invisible characters).")
    static let email = Option.string("email", value: "E", help: "The user's email, stored as $SOCIALIZER_EMAIL_SCHEME says (a keyed hash by default).")
        .redacted()
    static let noEmail = Option.flag("no-email", help: "Create the user without an email (a unique placeholder is stored).")
    static let role = Option.choice("role", of: UserRole.self, help: "admin or user.")
    static let inactive = Option.flag("inactive", help: "Create the account deactivated.")
    static let temperature = Option.number("temperature", DomainRange.temperature, help: "The AI's sampling temperature for this user (0.7 when created).")
    static let llmProvider = Option.string("llm-provider", value: "P", help: "The user's own LLM provider.")
    static let llmEndpoint = Option.string("llm-endpoint", value: "URL", help: "The provider's endpoint.")
    static let llmModel = Option.string("llm-model", value: "M", help: "The model to use.")
    static let llmOptions: [any OptionDeclaring] = [llmProvider, llmEndpoint, llmModel]

    static let onlyRole = role.with { $0.help = "Only this role." }
    static let onlyActive = Option.flag("active", help: "Only active users.")
    static let onlyInactive = inactive.with { $0.help = "Only deactivated users." }
    static let search = Option.string("search", value: "TEXT", maxLength: 1000,
                                      help: "Usernames containing TEXT (% and _ match themselves; at most 1,000 characters).")
    static let limit = Option.integer("limit", 1...Int64.max, help: "At most N users.")
    static let offset = Option.integer("offset", 0...Int64.max, default: 0, help: "Skip the first N users.")
    static let sort = Option.string("sort", value: "FIELD",
        help: "Order by id (the default), username, role, temperature, messages or member_since; a leading - (--sort -messages) reverses.")

    static let findEmail = Option.string("email", value: "E", required: true, help: "The address to look for.").redacted()
    static let newName = Option.string("username", value: "NAME", help: "A new username.")
    static let newEmail = Option.string("email", value: "E", help: "A new email, stored as $SOCIALIZER_EMAIL_SCHEME says (unique in every stored form).")
        .redacted()
    static let newRole = role.with { $0.help = "admin or user." }
    static let newTemperature = temperature.with { $0.help = "0.0 to 2.0." }
    static let clearLLM = Option.flag("clear-llm", help: "Remove the user's LLM provider, endpoint and model.")
    static let keepLogs = Option.flag("keep-logs", help: "Keep their error logs, with user_id set to NULL.")

    // MARK: The table

    static let node = CommandNode(
        "users",
        summary: "Create, find, change and delete users; passwords, memory, keys and preferences.",
        children: [
            CommandNode("create", summary: "Create a user (bcrypt password, keyed email hash, new Fernet key).",
                positionals: [username],
                options: [email, noEmail] + SecretOptions.password + [role, inactive, temperature] + llmOptions
                    + [SecretOptions.emailKeyFile, SecretOptions.bcryptCost],
                exclusive: [[email.name, noEmail.name]] + SecretOptions.passwordExclusive,
                requireOneOf: [[email.name, noEmail.name]],
                examples: ["printf '%s\\n' \"$PW\" | socializer users create alice --email alice@example.com --password-stdin",
                           "id=$(socializer -q users create bob --no-email --password-file pw.txt)"],
                output: UserColumns.record.output, write: .onEitherEngine(prepare: prepareCreate, apply: applyCreate)),
            CommandNode("list", summary: "List users by id (or --sort), filtered by role, status or name.",
                options: [onlyRole, onlyActive, onlyInactive, search, limit, offset, sort],
                exclusive: [[onlyActive.name, onlyInactive.name]],
                examples: ["socializer users list --role admin --json", "socializer users list --sort -messages --limit 10"],
                output: UserColumns.list.output, action: list),
            CommandNode("show", summary: "Show one user.", positionals: [user], output: UserColumns.record.output, action: show),
            CommandNode("find", summary: "Find the user with an email address, in every form the app and the tool store it.",
                discussion: """
                    Matches keyed hashes (with the email key), addresses stored as typed (compared \
                    trimmed and case-insensitively), the unsalted SHA-256 digests of the app's test \
                    scripts and the app's older salted bcrypt hashes. When the same address is stored \
                    for several users, all of them are listed and a warning says so.
                    """,
                options: [findEmail] + SecretOptions.emailKey,
                output: UserColumns.record.output, action: find),
            CommandNode("update", summary: "Change a user's name, email, role, temperature or LLM settings.",
                positionals: [user],
                options: [newName, newEmail, newRole, newTemperature] + llmOptions + [clearLLM] + SecretOptions.emailKey,
                exclusive: [[clearLLM.name, llmProvider.name], [clearLLM.name, llmEndpoint.name], [clearLLM.name, llmModel.name]],
                output: UserColumns.record.output, write: .onEitherEngine(prepare: prepareUpdate, apply: applyUpdate)),
            CommandNode("activate", summary: "Let a user log in again.", positionals: [user],
                        output: UserColumns.record.output, write: change { user, _, _ in user.isActive = true }),
            CommandNode("deactivate", summary: "Stop a user from logging in (nothing is deleted).", positionals: [user],
                        output: UserColumns.record.output, write: change { user, _, _ in user.isActive = false }),
            CommandNode("set-password", summary: "Set a user's password.",
                positionals: [user], options: SecretOptions.password + [SecretOptions.bcryptCost],
                exclusive: SecretOptions.passwordExclusive,
                examples: ["socializer users set-password alice --password-file /run/secrets/pw"],
                output: UserColumns.record.output, write: .onEitherEngine(prepare: prepareSetPassword, apply: applySetPassword)),
            CommandNode("check-password", summary: "Exit 0 if the password matches the user's hash, 1 if not.",
                positionals: [user], options: SecretOptions.password, exclusive: SecretOptions.passwordExclusive,
                examples: ["printf '%s\\n' \"$PW\" | socializer users check-password alice --password-stdin && echo ok"],
                output: { _, format in format == .table ? .text : .fields(checkColumns) },
                action: checkPassword),
            CommandNode("delete", summary: "Delete a user and everything that refers to them, in one transaction.",
                discussion: """
                    Follows the database's own references, the app's extra tables included: removes \
                    their skills, training, preferences, revoked tokens, error logs, public messages, \
                    memberships, messages, invites from or to them, the rooms they created with \
                    everything in those rooms, and rows of other tables that belong to them; a nullable \
                    reference from another table is set NULL instead. Prints the rows deleted and \
                    detached per table. Works on every schema version. Needs --yes without a terminal.
                    """,
                positionals: [user], options: [keepLogs],
                examples: ["socializer users delete alice --yes", "socializer --dry-run users delete alice"],
                output: CascadeReport.output, write: .onEitherEngine(prepare: prepareDelete, apply: applyDelete)),
            UsersMessages.node,
            UsersMemory.node,
            UsersMemory.rotateKeyNode,
            UsersPreferences.node,
            UsersPreferences.skillsNode,
            UsersTransfer.importNode,
            UsersTransfer.exportNode,
            UsersTakeout.node,
        ])

    static let checkColumns = ["id", "username", "matches"]

    // MARK: Shared pieces

    /// A user named on the command line, who must exist.
    static func require(_ db: any Database, _ text: String) throws -> User {
        try UserRepository(db).require(UserReference(text))
    }

    /// The write action of every verb that changes one user's row: find the
    /// user, change the copy, write what changed; reports the record.
    static func change(_ body: @escaping @Sendable (inout User, CommandContext, ParsedArguments) throws -> Void) -> WriteAction {
        WriteAction.onEitherEngine { context, arguments, db in
            let repository = UserRepository(db)
            let original = try require(db, arguments[user])
            var changed = original
            try body(&changed, context, arguments)
            try repository.update(changed, from: original)
            return recordOutcome(changed)
        }
    }

    /// A changed user's report: the record (the id alone under -q). The
    /// user is the audit target even when nothing had to change (activating
    /// an active user writes no row to find it by).
    static func recordOutcome(_ user: User) -> WriteOutcome {
        WriteOutcome(ids: [user.id], target: .user(user)) { context in try context.recordRenderer().render(UserColumns.record.record(user)) }
    }

    static func today(_ context: CommandContext) -> String { context.clock.now().dateText }

    /// Finds addresses in every stored form; keyed hashes need the key.
    static func emailLookup(_ context: CommandContext, _ arguments: ParsedArguments, scheme: EmailScheme? = nil) throws -> EmailLookup {
        if case .keyed(let hasher) = scheme { return EmailLookup(hasher: hasher) }
        return EmailLookup(hasher: try SecretOptions.emailHasher(context, arguments))
    }

    // MARK: create

    struct NewUser {
        var user: User
        var email: String?
        var lookup: EmailLookup?
    }

    static func prepareCreate(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> NewUser {
        let name = try NameRules.validate(arguments[username], what: "username")
        let address = arguments[email]
        if let address { try EmailHasher.validate(address) }
        let scheme = try address.map { _ in try SecretOptions.emailScheme(context, arguments) }
        let cost = try SecretOptions.bcryptCost(context, arguments)
        // Cheap checks before the slow ones: a taken name needs no password.
        if try UserRepository(db).usernameExists(name) { throw SocializerError.invalid("user '\(name)' already exists") }
        let hashedPassword = try Bcrypt.hash(try SecretOptions.readPassword(context, arguments, purpose: .new), cost: cost)
        let user = User(username: name, role: (arguments[role] ?? .user).rawValue, isActive: !arguments[inactive],
                        temperature: arguments[temperature] ?? 0.7, hashedPassword: hashedPassword,
                        hashedEmail: try address.map { scheme!.store($0) } ?? UserRepository.noEmailPlaceholder(),
                        memberSince: today(context), encryptionKey: try FernetKey.generate().encoded,
                        llmProvider: arguments[llmProvider], llmEndpoint: arguments[llmEndpoint], llmModel: arguments[llmModel])
        return NewUser(user: user, email: address, lookup: try scheme.map { try emailLookup(context, arguments, scheme: $0) })
    }

    static func applyCreate(_ new: NewUser, _ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> WriteOutcome {
        let repository = UserRepository(db)
        if let address = new.email, let lookup = new.lookup, try repository.emailTaken(address, lookup: lookup) {
            throw SocializerError.invalid("a user with that email already exists")
        }
        var user = new.user
        user.id = try repository.insert(user)
        return recordOutcome(user)
    }

    // MARK: list, show, find

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        var query = UserQuery()
        query.role = arguments[onlyRole]?.rawValue
        if arguments[onlyActive] { query.active = true }
        if arguments[onlyInactive] { query.active = false }
        query.search = arguments[search]
        query.limit = arguments[limit]
        query.offset = arguments[offset]
        if let text = arguments[sort] {
            let (field, descending) = try SortOrder.parse(text, UserQuery.SortField.self, option: sort.name)
            query.sort = field
            query.descending = descending
        }
        let db = try context.openEngine(.read)
        try UserColumns.list.render(context) { row in try UserRepository(db).list(query, row) }
        return .success
    }

    static func show(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        try context.recordRenderer().render(UserColumns.record.record(try require(db, arguments[user])))
        return .success
    }

    static func find(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let address = arguments[findEmail]
        try EmailHasher.validate(address)
        let lookup = try emailLookup(context, arguments)
        let db = try context.openEngine(.read)
        let users = try UserRepository(db).usersWithEmail(address, lookup: lookup)
        guard let first = users.first else { throw SocializerError.notFound("no user has that email address") }
        if users.count == 1 {
            try context.recordRenderer().render(UserColumns.record.record(first))
            return .success
        }
        context.warn("\(users.count) users have that email address, stored in different forms; the app may log in either")
        try UserColumns.record.render(context) { row in for user in users { try row(user) } }
        return .success
    }

    // MARK: update

    struct UserUpdate {
        var name: String?
        var email: String?
        var scheme: EmailScheme?
        var lookup: EmailLookup?
        var arguments: ParsedArguments
    }

    static func prepareUpdate(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> UserUpdate {
        let changes: [any OptionDeclaring] = [newName, newEmail, newRole, newTemperature, llmProvider, llmEndpoint, llmModel, clearLLM]
        guard arguments.givenAny(changes) else {
            throw SocializerError.usage("nothing to change",
                                        hint: "give at least one of " + changes.map { "--\($0.optionSpec.name)" }.joined(separator: ", "))
        }
        let name = try arguments[newName].map { try NameRules.validate($0, what: "username") }
        let address = arguments[newEmail]
        if let address { try EmailHasher.validate(address) }
        let scheme = try address.map { _ in try SecretOptions.emailScheme(context, arguments) }
        let lookup = try scheme.map { try emailLookup(context, arguments, scheme: $0) }
        return UserUpdate(name: name, email: address, scheme: scheme, lookup: lookup, arguments: arguments)
    }

    static func applyUpdate(_ update: UserUpdate, _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let arguments = update.arguments
        let repository = UserRepository(db)
        let original = try require(db, arguments[user])
        var changed = original
        if let name = update.name { changed.username = name }
        if let address = update.email, let scheme = update.scheme, let lookup = update.lookup {
            if try repository.emailTaken(address, lookup: lookup, excluding: original.id) {
                throw SocializerError.invalid("a user with that email already exists")
            }
            changed.hashedEmail = scheme.store(address)
        }
        if let role = arguments[newRole] { changed.role = role.rawValue }
        if let temperature = arguments[newTemperature] { changed.temperature = temperature }
        if arguments[clearLLM] { changed.llmProvider = nil; changed.llmEndpoint = nil; changed.llmModel = nil }
        if let value = arguments[llmProvider] { changed.llmProvider = value }
        if let value = arguments[llmEndpoint] { changed.llmEndpoint = value }
        if let value = arguments[llmModel] { changed.llmModel = value }
        try repository.update(changed, from: original)
        return recordOutcome(changed)
    }

    // MARK: passwords

    static func prepareSetPassword(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (String, String) {
        let cost = try SecretOptions.bcryptCost(context, arguments)
        // The user must exist before anyone is asked for a password.
        let name = arguments[user]
        _ = try require(db, name)
        return (name, try Bcrypt.hash(try SecretOptions.readPassword(context, arguments, purpose: .new), cost: cost))
    }

    static func applySetPassword(_ plan: (String, String), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let repository = UserRepository(db)
        let original = try require(db, plan.0)
        var changed = original
        changed.hashedPassword = plan.1
        try repository.update(changed, from: original)
        return recordOutcome(changed)
    }

    static func checkPassword(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let found = try require(db, arguments[user])
        let password = try SecretOptions.readPassword(context, arguments, purpose: .check)
        let matches: Bool
        do {
            matches = try Bcrypt.verify(password, against: found.hashedPassword)
        } catch let error as SocializerError {
            throw SocializerError.invalid("user '\(found.username)' has an \(error.message)"
                + (error.message.hasPrefix("unsupported password hash") ? "; set a new password with users set-password" : ""))
        }
        if context.globals.format != .table {
            try context.recordRenderer().render([("id", .integer(found.id)), ("username", .text(found.username)),
                                                 ("matches", .bool(matches))])
        } else if matches, !context.globals.quiet {
            context.stdout.write("password matches\n")
        }
        if matches { return .success }
        if context.globals.format == .table {
            context.stderr.write("socializer: password does not match for user '\(Echo.escapingControls(found.username))'\n")
        }
        return .predicateFalse
    }

    // MARK: delete

    static func prepareDelete(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> (User, Bool) {
        let found = try require(db, arguments[user])
        try context.confirm("delete user '\(found.username)' and everything that refers to them")
        return (found, arguments[keepLogs])
    }

    static func applyDelete(_ plan: (User, Bool), _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        let (found, keep) = plan
        let counts = try UserRepository(db).deleteCascading(found.id, keepLogs: keep)
        // The target is named here: once deleted, the row can no longer tell its name.
        return CascadeReport.outcome(id: found.id, counts: counts, subject: "user '\(found.username)'",
                                     verb: keep ? "deleted (error logs kept)" : "deleted", target: .user(found))
    }
}

/// The output columns of a user, declared once: `list` shows some, `show`
/// and every verb that changes a user the whole record.
enum UserColumns {
    static let record = Columns<User>([
        Column("id") { .integer($0.id) },
        Column("username") { .text($0.username) },
        Column("role") { .text($0.role) },
        Column("active") { .bool($0.isActive) },
        Column("temperature") { .number($0.temperature) },
        Column("preferences") { .jsonText($0.preferences) },
        Column("member_since") { .text($0.memberSince) },
        Column("messages") { $0.messages.count.map(Cell.integer) ?? .null },
        Column("has_email") { .bool($0.hasEmail) },
        Column("email_format") { .text($0.emailFormat.rawValue) },
        Column("has_memory") { .bool($0.conversationMemory != nil) },
        Column("llm_provider") { .optional($0.llmProvider) },
        Column("llm_endpoint") { .optional($0.llmEndpoint) },
        Column("llm_model") { .optional($0.llmModel) },
        Column("has_encryption_key") { .bool($0.encryptionKey != nil) },
    ])

    static let list = record.only(["id", "username", "role", "active", "temperature", "member_since", "messages",
                                   "has_email", "has_memory", "llm_provider", "llm_endpoint", "llm_model"])
}
