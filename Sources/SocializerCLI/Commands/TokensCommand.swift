import SocializerCore
import SocializerSecurity
import SocializerStore

/// `socializer tokens …`: the JWT blacklist.
enum TokensCommand {
    static let token = PositionalSpec("TOKEN", optional: true, secret: true,
        help: "The JWT; prefer --stdin, since argv is visible to other users. A leading 'Bearer ' and a trailing line break are trimmed.")
    static let stdin = OptionSpec("stdin", help: "Read the token from standard input.")

    static let node = CommandNode(
        "tokens",
        summary: "Revoke, check, list and purge JWTs; issue tokens for CI and support.",
        children: [
            CommandNode("revoke", summary: "Add a JWT to the blacklist until it expires.",
                discussion: """
                    Reads exp (expires_at), and the user_id claim or the sub username (user_id) \
                    when that user exists. With --verify, or whenever a secret is configured, the \
                    signature must check under the configured algorithm. Revoking twice, or a \
                    token that has already expired, is reported and is not an error.
                    """,
                positionals: [token],
                options: [stdin,
                          OptionSpec("reason", value: "R", help: "Why it was revoked (logout, compromised, …)."),
                          OptionSpec("verify", help: "Require a valid signature (needs the secret)."),
                          OptionSpec("expires-at", .time, help: "Expiry for a token without exp."),
                          SecretOptions.jwtSecret, SecretOptions.password[2]],
                mutating: true,
                examples: ["printf '%s' \"$JWT\" | socializer tokens revoke --stdin --reason compromised"],
                output: OutputCheck.fields(revokeColumns), action: revoke),
            CommandNode("check", summary: "Exit 0 if a token is well signed, unexpired and not revoked; 1 otherwise.",
                positionals: [token], options: [stdin, SecretOptions.jwtSecret, SecretOptions.password[2]],
                action: check),
            CommandNode("list", summary: "List revoked tokens, newest first (shortened unless --full).",
                options: [OptionSpec("user", value: "USER", help: "Only tokens of this user."),
                          OptionSpec("expired", help: "Only tokens whose expiry has passed."),
                          OptionSpec("active", help: "Only tokens not yet expired."),
                          OptionSpec("limit", .integer(1...Int64.max), help: "At most N tokens."),
                          OptionSpec("full", help: "Show whole tokens.")],
                exclusive: [["expired", "active"]],
                output: OutputCheck.fields(columns), action: list),
            CommandNode("show", summary: "Show one revoked token with its decoded claims.",
                positionals: [PositionalSpec("ID", .integer(1...Int64.max), help: "The blacklist row's id.")],
                action: show),
            CommandNode("purge", summary: "Delete revocations whose token has expired (the cron job).",
                discussion: "Deletes in short batches so the app's writes interleave; see socializer-tokens(1) for cron.",
                options: [OptionSpec("before", .time, help: "Purge tokens that expired before TIME (default: now).")]
                    + PurgeSupport.options,
                mutating: true,
                examples: ["*/10 * * * * socializer --db /srv/app.db tokens purge --json >> /var/log/socializer-purge.log"],
                output: PurgeSupport.output, action: purge),
            CommandNode("issue", summary: "Mint a token the app accepts (sub = username), for CI and support.",
                positionals: [PositionalSpec("USER", help: "The user the token is for.")],
                options: [OptionSpec("ttl", .duration, default: "30m", help: "How long the token lives."),
                          OptionSpec("claim", value: "K=V", repeatable: true,
                                     help: "An extra claim; V is read as JSON when it parses, else as text. Repeatable."),
                          SecretOptions.jwtSecret, SecretOptions.password[2]],
                examples: ["token=$(socializer tokens issue alice --ttl 1h --claim scope=admin)"],
                action: issue),
        ])

    static let revokeColumns = ["id", "user_id", "expires_at", "reason"]

    static func algorithm(_ context: CommandContext) throws -> JWTAlgorithm {
        try SecurityConfiguration.jwtAlgorithm(environment: context.environment)
    }

    static func secret(_ context: CommandContext, _ arguments: ParsedArguments) throws -> [UInt8]? {
        try SecurityConfiguration.jwtSecret(file: arguments.string("secret-file"),
                                            allowInsecureFile: arguments.flag("insecure-file-ok"),
                                            environment: context.environment)
    }

    /// The token from argv or stdin; exactly one of them.
    static func tokenText(_ context: CommandContext, _ arguments: ParsedArguments) throws -> String {
        if arguments.flag("stdin") {
            if arguments.has("TOKEN") { throw SocializerError.usage("give the token as an argument or with --stdin, not both") }
            // A token, an optional "Bearer " and a line break: anything longer is refused while reading.
            let bytes: [UInt8]
            do {
                bytes = try context.stdin.readAll(limit: JWT.maximumLength + 9)
            } catch is InputLimitExceeded {
                throw SocializerError.invalid("the token on standard input is longer than \(JWT.maximumLength / 1024) KiB, the limit for a token")
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw SocializerError.invalid("the token is not valid UTF-8")
            }
            return text
        }
        guard let token = arguments.string("TOKEN") else {
            throw SocializerError.usage("give the token as an argument or with --stdin")
        }
        return token
    }

    static func decode(_ text: String, _ algorithm: JWTAlgorithm, secret: [UInt8]?) throws -> JWT {
        do {
            return try JWT.decode(text, algorithm: algorithm, secret: secret)
        } catch {
            throw SocializerError.invalid("the token was refused: \(error.reason)")
        }
    }

    /// The user a token names: its user_id claim, else its sub as a username.
    static func owner(of token: JWT, in db: Connection) throws -> Int64? {
        let users = UserRepository(db)
        if case .integer(let id) = token.claims["user_id"], let user = try users.find(.id(id)) { return user.id }
        switch token.claims["sub"] {
        case .string(let name): return try users.find(.username(name))?.id
        case .integer(let number): return try users.find(.username(String(number)))?.id
        default: return nil
        }
    }

    // MARK: Actions

    static func revoke(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let text = try tokenText(context, arguments)
        let algorithm = try algorithm(context)
        let secret = try secret(context, arguments)
        if arguments.flag("verify") && secret == nil {
            throw SocializerError.configuration("--verify needs the signing secret",
                hint: "set $SOCIALIZER_JWT_SECRET to the app's SECRET_KEY, or pass --secret-file FILE")
        }
        let token = try decode(text, algorithm, secret: secret)
        let now = context.clock.now()
        guard let expiresAt = token.expiresAt.map(Timestamp.init(secondsSinceEpoch:)) ?? arguments.time("expires-at") else {
            throw SocializerError.invalid("the token has no exp claim", hint: "give its expiry with --expires-at TIME")
        }
        let db = try context.openDatabase(.write)
        let repository = TokenRepository(db)
        if let existing = try repository.find(token: token.text) {
            context.notice("the token is already revoked (id \(existing.id)); nothing was changed")
            if context.globals.quiet { context.stdout.write("\(existing.id)\n") }
            return .success
        }
        if expiresAt <= now {
            context.notice("the token already expired at \(expiresAt.iso8601); it cannot be used, so nothing was stored")
            return .success
        }
        let (id, userID) = try db.transaction(commit: !context.globals.dryRun) {
            let userID = try owner(of: token, in: db)
            return (try repository.insert(token: token.text, expiresAt: expiresAt, createdAt: now, userID: userID,
                                          reason: arguments.string("reason")), userID)
        }
        if context.globals.quiet {
            context.stdout.write("\(id)\n")
        } else {
            try context.recordRenderer().render(Array(zip(revokeColumns, [
                .integer(id), .optional(userID), .time(expiresAt), .optional(arguments.string("reason"))])))
        }
        if context.globals.dryRun { context.notice("dry run: nothing was changed") }
        return .success
    }

    static func check(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let text = try tokenText(context, arguments)
        guard let secret = try secret(context, arguments) else {
            throw SocializerError.configuration("checking a token needs the signing secret",
                hint: "set $SOCIALIZER_JWT_SECRET to the app's SECRET_KEY, or pass --secret-file FILE")
        }
        let algorithm = try algorithm(context)
        let db = try context.openDatabase(.read)
        func no(_ reason: String) -> ExitCode {
            context.stderr.write("socializer: token not usable: \(Echo.cut(reason, maximumLength: 200))\n")
            return .predicateFalse
        }
        let token: JWT
        do {
            token = try JWT.decode(text, algorithm: algorithm, secret: secret)
        } catch {
            return no(error.reason)
        }
        let now = context.clock.now()
        if let exp = token.expiresAt, Timestamp(secondsSinceEpoch: exp) <= now {
            return no("expired at \(Timestamp(secondsSinceEpoch: exp).iso8601)")
        }
        if case .integer(let nbf) = token.claims["nbf"], Timestamp(secondsSinceEpoch: nbf) > now {
            return no("not valid before \(Timestamp(secondsSinceEpoch: nbf).iso8601)")
        }
        if let revoked = try TokenRepository(db).find(token: token.text) {
            return no("revoked (id \(revoked.id)\(revoked.reason.map { ", \($0)" } ?? ""))")
        }
        if !context.globals.quiet { context.stdout.write("token usable\n") }
        return .success
    }

    static let columns = ["id", "token", "user", "expires_at", "created_at", "reason"]

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.read)
        let userID = try arguments.string("user").map { try UserRepository(db).require(UserReference($0)).id }
        let expiry: TokenRepository.Expiry = arguments.flag("expired") ? .expired : arguments.flag("active") ? .active : .any
        let full = arguments.flag("full")
        let renderer = context.rowRenderer()
        try renderer.begin(columns: columns)
        try TokenRepository(db).list(userID: userID, expiry: expiry, now: context.clock.now(),
                                     limit: arguments.integer("limit")) { t in
            try renderer.row([.integer(t.id), .text(full ? t.token : t.shortened), .optional(t.username), .time(t.expiresAt),
                          .time(t.createdAt), .optional(t.reason)])
        }
        renderer.finish()
        return .success
    }

    static func show(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.read)
        let revoked = try TokenRepository(db).require(id: arguments.integer("ID")!)
        var fields: [(String, Cell)] = [("id", .integer(revoked.id)), ("token", .text(revoked.token)),
                                        ("user_id", .optional(revoked.userID)), ("user", .optional(revoked.username)),
                                        ("expires_at", .time(revoked.expiresAt)), ("created_at", .time(revoked.createdAt)),
                                        ("reason", .optional(revoked.reason))]
        if let decoded = try? JWT.decode(revoked.token, algorithm: try algorithm(context), secret: nil) {
            let claims = context.globals.format == .table ? Cell.text(decoded.claims.prettyText()) : Cell.json(decoded.claims)
            fields.append(("claims", claims))
        }
        try context.recordRenderer().render(fields)
        return .success
    }

    static func purge(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openDatabase(.write)
        let cutoff = arguments.time("before") ?? context.clock.now()
        return try PurgeSupport.run(context, arguments, db, TokenRepository.purgeTarget(expiredBefore: cutoff))
    }

    static let reservedClaims = ["sub", "exp", "iat"]

    static func issue(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        guard let secret = try secret(context, arguments) else {
            throw SocializerError.configuration("issuing a token needs the signing secret",
                hint: "set $SOCIALIZER_JWT_SECRET to the app's SECRET_KEY, or pass --secret-file FILE")
        }
        let algorithm = try algorithm(context)
        var extra: [(String, JSONValue)] = []
        for pair in arguments.strings("claim") {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                throw SocializerError.usage("--claim '\(Echo.cut(pair))' is not KEY=VALUE")
            }
            let key = String(pair[..<eq])
            let raw = String(pair[pair.index(after: eq)...])
            if reservedClaims.contains(key) {
                throw SocializerError.usage("--claim cannot set \(key)", hint: "sub is the user, exp comes from --ttl, iat is now")
            }
            if extra.contains(where: { $0.0 == key }) { throw SocializerError.usage("--claim \(Echo.cut(key)) is given twice") }
            extra.append((key, (try? JSONParser.parse(raw)) ?? .string(raw)))
        }
        let db = try context.openDatabase(.read)
        let user = try UserRepository(db).require(UserReference(arguments.string("USER")!))
        if !user.isActive { context.notice("user '\(user.username)' is deactivated; the app may refuse the token") }
        let now = context.clock.now().secondsSinceEpoch
        let ttl = arguments.duration("ttl")?.seconds ?? 1800
        let claims = JSONValue.object([("sub", .string(user.username)), ("exp", .integer(now + ttl)), ("iat", .integer(now))] + extra)
        context.stdout.write(JWT.encode(claims: claims, algorithm: algorithm, secret: secret) + "\n")
        return .success
    }
}
