import SocializerCore
import SocializerSecurity
import SocializerStore

/// `socializer users …`: accounts, passwords, memory, keys and preferences.
enum UsersCommand {
    static let user = PositionalSpec("USER", help: "An id or a username (id:42 or name:42 force one reading; a bare number is an id).")
    static let emailKeyOptions = [SecretOptions.emailKey, SecretOptions.password[2]]
    static let llmOptions = [
        OptionSpec("llm-provider", value: "P", help: "The user's own LLM provider."),
        OptionSpec("llm-endpoint", value: "URL", help: "The provider's endpoint."),
        OptionSpec("llm-model", value: "M", help: "The model to use."),
    ]

    static let node = CommandNode(
        "users",
        summary: "Create, find, change and delete users; passwords, memory, keys and preferences.",
        children: [
            CommandNode("create", summary: "Create a user (bcrypt password, keyed email hash, new Fernet key).",
                positionals: [PositionalSpec("USERNAME", help: "The new user's name (trimmed; any Unicode but control characters).")],
                options: [
                    OptionSpec("email", value: "E", help: "The user's email, stored as $SOCIALIZER_EMAIL_SCHEME says (a keyed hash by default)."),
                    OptionSpec("no-email", help: "Create the user without an email (a unique placeholder is stored)."),
                ] + SecretOptions.password + [
                    OptionSpec("role", .choice(User.roles), default: "user", help: "admin or user."),
                    OptionSpec("inactive", help: "Create the account deactivated."),
                    OptionSpec("temperature", .number(User.temperatureRange), default: "0.7", help: "The AI's sampling temperature for this user."),
                ] + llmOptions + [SecretOptions.emailKey, SecretOptions.bcryptCost],
                mutating: true, exclusive: [["email", "no-email"]] + SecretOptions.passwordExclusive,
                requireOneOf: [["email", "no-email"]],
                examples: ["printf '%s\\n' \"$PW\" | socializer users create alice --email alice@example.com --password-stdin",
                           "id=$(socializer -q users create bob --no-email --password-file pw.txt)"],
                output: recordOutput, action: create),
            CommandNode("list", summary: "List users (streams; newest filters first).",
                options: [
                    OptionSpec("role", .choice(User.roles), help: "Only this role."),
                    OptionSpec("active", help: "Only active users."),
                    OptionSpec("inactive", help: "Only deactivated users."),
                    OptionSpec("search", value: "TEXT", help: "Usernames containing TEXT (% and _ match themselves)."),
                    OptionSpec("limit", .integer(1...Int64.max), help: "At most N users."),
                    OptionSpec("offset", .integer(0...Int64.max), default: "0", help: "Skip the first N users."),
                    OptionSpec("sort", .string, value: "FIELD", default: "id",
                               help: "Order by id, username, role, temperature, messages or member_since; a leading - (--sort=-messages) reverses."),
                ],
                exclusive: [["active", "inactive"]],
                examples: ["socializer users list --role admin --json", "socializer users list --sort=-messages --limit 10"],
                output: OutputCheck.fields(listColumns), action: list),
            CommandNode("show", summary: "Show one user.", positionals: [user], output: recordOutput, action: show),
            CommandNode("find", summary: "Find the user with an email address, in every form the app and the tool store it.",
                discussion: """
                    Matches keyed hashes (with the email key), addresses stored as typed (compared \
                    trimmed and case-insensitively), the unsalted SHA-256 digests of the app's test \
                    scripts and the app's older salted bcrypt hashes. When the same address is stored \
                    for several users, all of them are listed and a warning says so.
                    """,
                options: [OptionSpec("email", value: "E", required: true, help: "The address to look for.")] + emailKeyOptions,
                output: recordOutput, action: find),
            CommandNode("update", summary: "Change a user's name, role, temperature or LLM settings.",
                positionals: [user],
                options: [
                    OptionSpec("username", value: "NAME", help: "A new username."),
                    OptionSpec("email", value: "E", help: "A new email, stored as $SOCIALIZER_EMAIL_SCHEME says (unique in every stored form)."),
                    OptionSpec("role", .choice(User.roles), help: "admin or user."),
                    OptionSpec("temperature", .number(User.temperatureRange), help: "0.0 to 2.0."),
                ] + llmOptions + [OptionSpec("clear-llm", help: "Remove the user's LLM provider, endpoint and model.")]
                  + emailKeyOptions,
                mutating: true,
                exclusive: [["clear-llm", "llm-provider"], ["clear-llm", "llm-endpoint"], ["clear-llm", "llm-model"]],
                output: recordOutput, action: update),
            CommandNode("activate", summary: "Let a user log in again.", positionals: [user], mutating: true,
                        output: recordOutput, action: { try setActive($0, $1, true) }),
            CommandNode("deactivate", summary: "Stop a user from logging in (nothing is deleted).", positionals: [user],
                        mutating: true, output: recordOutput, action: { try setActive($0, $1, false) }),
            CommandNode("set-password", summary: "Set a user's password.",
                positionals: [user], options: SecretOptions.password + [SecretOptions.bcryptCost],
                mutating: true, exclusive: SecretOptions.passwordExclusive,
                examples: ["socializer users set-password alice --password-file /run/secrets/pw"],
                output: recordOutput, action: setPassword),
            CommandNode("check-password", summary: "Exit 0 if the password matches the user's hash, 1 if not.",
                positionals: [user], options: SecretOptions.password, exclusive: SecretOptions.passwordExclusive,
                examples: ["printf '%s\\n' \"$PW\" | socializer users check-password alice --password-stdin && echo ok"],
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
                positionals: [user],
                options: [OptionSpec("keep-logs", help: "Keep their error logs, with user_id set to NULL.")],
                mutating: true,
                examples: ["socializer users delete alice --yes", "socializer --dry-run users delete alice"],
                output: OutputCheck.fields(deleteColumns), action: delete),
            UsersMessages.node,
            UsersMemory.node,
            UsersMemory.rotateKeyNode,
            UsersPreferences.node,
            UsersPreferences.skillsNode,
            UsersTransfer.importNode,
            UsersTransfer.exportNode,
        ])

    // MARK: Rendering

    static let listColumns = ["id", "username", "role", "active", "temperature", "member_since", "messages",
                              "has_email", "has_memory", "llm_provider", "llm_endpoint", "llm_model"]
    /// The fields of one user as `show` and every verb that changes a user print them.
    static let recordColumns: [String] = {
        var columns = listColumns
        columns.insert("preferences", at: 5)
        columns.insert("email_format", at: 9)
        return columns + ["has_encryption_key"]
    }()
    static let recordOutput = OutputCheck.fields(recordColumns)
    static let deleteColumns = ["table", "deleted", "detached"]

    static func cells(_ user: User) -> [Cell] {
        [.integer(user.id), .text(user.username), .text(user.role), .bool(user.isActive), .number(user.temperature),
         .text(user.memberSince), user.messages.count.map(Cell.integer) ?? .null, .bool(user.hasEmail), .bool(user.conversationMemory != nil),
         .optional(user.llmProvider), .optional(user.llmEndpoint), .optional(user.llmModel)]
    }

    static func record(_ user: User) -> [(String, Cell)] {
        var cells = cells(user)
        cells.insert((try? JSONParser.parse(user.preferences)).map(Cell.json) ?? .text(user.preferences), at: 5)
        cells.insert(.text(user.emailFormat.rawValue), at: 9)
        cells.append(.bool(user.encryptionKey != nil))
        return Array(zip(recordColumns, cells))
    }

    /// A mutating verb's report: the record, or only the id with -q.
    static func report(_ context: CommandContext, _ user: User) throws {
        if context.globals.quiet {
            context.stdout.write("\(user.id)\n")
        } else {
            try context.recordRenderer().render(record(user))
        }
        if context.globals.dryRun { context.notice("dry run: nothing was changed") }
    }

    /// The shape of every verb that changes one user: open, find the user,
    /// change it, save it in one transaction (rolled back in a dry run), report.
    static func change(_ context: CommandContext, _ arguments: ParsedArguments, in open: Connection? = nil,
                       _ body: (inout User) throws -> Void,
                       report custom: ((User) throws -> Void)? = nil) throws -> ExitCode {
        let db = try open ?? context.openDatabase(.write)
        let repository = UserRepository(db)
        let user = try db.transaction(commit: !context.globals.dryRun) {
            let original = try repository.require(reference(arguments))
            var user = original
            try body(&user)
            try repository.update(user, from: original)
            return user
        }
        if let custom, !context.globals.quiet {
            try custom(user)
            if context.globals.dryRun { context.notice("dry run: nothing was changed") }
        } else {
            try report(context, user)
        }
        return .success
    }

    static func reference(_ arguments: ParsedArguments, _ name: String = "USER") throws -> UserReference {
        try UserReference(arguments.string(name) ?? "")
    }

    static func today(_ context: CommandContext) -> String { context.clock.now().dateText }

    /// Finds addresses in every stored form; keyed hashes need the key.
    static func emailLookup(_ context: CommandContext, _ arguments: ParsedArguments, scheme: EmailScheme? = nil) throws -> EmailLookup {
        if case .keyed(let hasher) = scheme { return EmailLookup(hasher: hasher) }
        return EmailLookup(hasher: try SecurityConfiguration.optionalEmailHasher(file: arguments.string("email-key-file"),
            allowInsecureFile: arguments.flag("insecure-file-ok"), environment: context.environment))
    }

    /// How new addresses are written ($SOCIALIZER_EMAIL_SCHEME).
    static func emailScheme(_ context: CommandContext, _ arguments: ParsedArguments) throws -> EmailScheme {
        try SecurityConfiguration.emailScheme(file: arguments.string("email-key-file"),
            allowInsecureFile: arguments.flag("insecure-file-ok"), environment: context.environment)
    }

    // MARK: Actions

    static func create(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let username = try NameRules.validate(arguments.string("USERNAME") ?? "", what: "username")
        if let email = arguments.string("email") { try EmailHasher.validate(email) }
        let scheme = arguments.has("email") ? try emailScheme(context, arguments) : nil
        let cost = try SecurityConfiguration.bcryptCost(option: arguments.integer("bcrypt-cost").map(Int.init),
                                                        environment: context.environment)
        let db = try context.openDatabase(.write)
        let repository = UserRepository(db)
        // Cheap checks before the slow ones: a taken name needs no password.
        if try repository.usernameExists(username) { throw SocializerError.invalid("user '\(username)' already exists") }
        let password = try SecretOptions.readPassword(context, arguments, purpose: .new)
        let hashedPassword = try Bcrypt.hash(password, cost: cost)
        var hashedEmail = try UserRepository.noEmailPlaceholder()
        if let email = arguments.string("email"), let scheme {
            if try repository.emailTaken(email, lookup: emailLookup(context, arguments, scheme: scheme)) {
                throw SocializerError.invalid("a user with that email already exists")
            }
            hashedEmail = scheme.store(email)
        }
        var user = User(username: username, role: arguments.string("role") ?? "user",
                        isActive: !arguments.flag("inactive"), temperature: arguments.number("temperature") ?? 0.7,
                        hashedPassword: hashedPassword, hashedEmail: hashedEmail, memberSince: today(context),
                        encryptionKey: try FernetKey.generate().encoded,
                        llmProvider: arguments.string("llm-provider"), llmEndpoint: arguments.string("llm-endpoint"),
                        llmModel: arguments.string("llm-model"))
        user.id = try db.transaction(commit: !context.globals.dryRun) { try repository.insert(user) }
        try report(context, user)
        return .success
    }

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        var query = UserQuery()
        query.role = arguments.string("role")
        if arguments.flag("active") { query.active = true }
        if arguments.flag("inactive") { query.active = false }
        query.search = arguments.string("search")
        query.limit = arguments.integer("limit")
        query.offset = arguments.integer("offset") ?? 0
        if var sort = arguments.string("sort") {
            if sort.hasPrefix("-") { query.descending = true; sort.removeFirst() }
            guard let field = UserQuery.SortField(rawValue: sort) else {
                throw SocializerError.usage("invalid value '\(Echo.cut(arguments.string("sort")!))' for --sort",
                    hint: "expected one of " + UserQuery.SortField.allCases.map(\.rawValue).joined(separator: ", ")
                        + ", optionally with a leading - (--sort=-messages)")
            }
            query.sort = field
        }
        let db = try context.openDatabase(.read)
        let renderer = context.rowRenderer()
        try renderer.begin(columns: listColumns)
        try UserRepository(db).list(query) { try renderer.row(cells($0)) }
        renderer.finish()
        return .success
    }

    static func show(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.read)
        try context.recordRenderer().render(record(try UserRepository(db).require(reference(arguments))))
        return .success
    }

    static func find(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let email = arguments.string("email") ?? ""
        try EmailHasher.validate(email)
        let lookup = try emailLookup(context, arguments)
        let db = try context.openDatabase(.read)
        let users = try UserRepository(db).usersWithEmail(email, lookup: lookup)
        guard let first = users.first else { throw SocializerError.notFound("no user has that email address") }
        if users.count == 1 {
            try context.recordRenderer().render(record(first))
            return .success
        }
        context.warn("\(users.count) users have that email address, stored in different forms; the app may log in either")
        let renderer = context.rowRenderer()
        try renderer.begin(columns: recordColumns)
        for user in users { try renderer.row(record(user).map(\.1)) }
        renderer.finish()
        return .success
    }

    static func update(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let changes = ["username", "email", "role", "temperature", "llm-provider", "llm-endpoint", "llm-model", "clear-llm"]
        guard changes.contains(where: arguments.has) else {
            throw SocializerError.usage("nothing to change", hint: "give at least one of " + changes.map { "--\($0)" }.joined(separator: ", "))
        }
        let newName = try arguments.string("username").map { try NameRules.validate($0, what: "username") }
        let email = arguments.string("email")
        if let email { try EmailHasher.validate(email) }
        let scheme = email == nil ? nil : try emailScheme(context, arguments)
        let lookup = try scheme.map { try emailLookup(context, arguments, scheme: $0) }
        let db = try context.openDatabase(.write)
        return try change(context, arguments, in: db) { user in
            if let newName { user.username = newName }
            if let email, let scheme, let lookup {
                if try UserRepository(db).emailTaken(email, lookup: lookup, excluding: user.id) {
                    throw SocializerError.invalid("a user with that email already exists")
                }
                user.hashedEmail = scheme.store(email)
            }
            if let role = arguments.string("role") { user.role = role }
            if let temperature = arguments.number("temperature") { user.temperature = temperature }
            if arguments.flag("clear-llm") { user.llmProvider = nil; user.llmEndpoint = nil; user.llmModel = nil }
            if let value = arguments.string("llm-provider") { user.llmProvider = value }
            if let value = arguments.string("llm-endpoint") { user.llmEndpoint = value }
            if let value = arguments.string("llm-model") { user.llmModel = value }
        }
    }

    static func setActive(_ context: CommandContext, _ arguments: ParsedArguments, _ active: Bool) throws -> ExitCode {
        try change(context, arguments) { $0.isActive = active }
    }

    static func setPassword(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let cost = try SecurityConfiguration.bcryptCost(option: arguments.integer("bcrypt-cost").map(Int.init),
                                                        environment: context.environment)
        let db = try context.openDatabase(.write)
        // The user must exist before anyone is asked for a password.
        _ = try UserRepository(db).require(reference(arguments))
        let hash = try Bcrypt.hash(try SecretOptions.readPassword(context, arguments, purpose: .new), cost: cost)
        return try change(context, arguments, in: db) { $0.hashedPassword = hash }
    }

    static func checkPassword(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.read)
        let user = try UserRepository(db).require(reference(arguments))
        let password = try SecretOptions.readPassword(context, arguments, purpose: .check)
        let matches: Bool
        do {
            matches = try Bcrypt.verify(password, against: user.hashedPassword)
        } catch let error as SocializerError {
            throw SocializerError.invalid("user '\(user.username)' has an \(error.message)"
                + (error.message.hasPrefix("unsupported password hash") ? "; set a new password with users set-password" : ""))
        }
        if matches {
            if !context.globals.quiet { context.stdout.write("password matches\n") }
            return .success
        }
        context.stderr.write("socializer: password does not match for user '\(user.username)'\n")
        return .predicateFalse
    }

    static func delete(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.write)
        let repository = UserRepository(db)
        let user = try repository.require(reference(arguments))
        try context.confirm("delete user '\(user.username)' and everything that refers to them")
        let counts = try db.transaction(commit: !context.globals.dryRun) {
            try repository.deleteCascading(user.id, keepLogs: arguments.flag("keep-logs"))
        }
        if context.globals.quiet {
            context.stdout.write("\(user.id)\n")
            return .success
        }
        let renderer = context.rowRenderer()
        try renderer.begin(columns: deleteColumns)
        for count in counts {
            try renderer.row([.text(count.table), .integer(Int64(count.deleted)), .integer(Int64(count.detached))])
        }
        renderer.finish()
        let verb = arguments.flag("keep-logs") ? "deleted (error logs kept)" : "deleted"
        context.notice(context.globals.dryRun ? "dry run: user '\(user.username)' would be \(verb); nothing was changed"
                                              : "user '\(user.username)' \(verb)")
        return .success
    }
}
