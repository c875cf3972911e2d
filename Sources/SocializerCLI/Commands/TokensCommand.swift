import SocializerCore
import SocializerSecurity
import SocializerStore

/// `socializer tokens …`: the JWT blacklist.
enum TokensCommand {
    static let token = Positional.optional("TOKEN", secret: true,
        help: "The JWT; prefer --stdin, since argv is visible to other users. A leading 'Bearer ' and a trailing line break are trimmed.")
    static let stdin = Option.flag("stdin", help: "Read the token from standard input.")
    static let reason = Option.string("reason", value: "R", help: "Why it was revoked (logout, compromised, …).")
    static let verify = Option.flag("verify", help: "Require a valid signature (needs the secret).")
    static let expiresAt = Option.time("expires-at", help: "Expiry for a token without exp.")
    static let user = Option.string("user", value: "USER", help: "Only tokens of this user.")
    static let expired = Option.flag("expired", help: "Only tokens whose expiry has passed.")
    static let active = Option.flag("active", help: "Only tokens not yet expired.")
    static let limit = Option.integer("limit", 1...Int64.max, help: "At most N tokens.")
    static let full = Option.flag("full", help: "Show whole tokens.")
    static let id = Positional.integer("ID", 1...Int64.max, help: "The blacklist row's id.")
    static let before = Option.time("before", help: "Purge tokens that expired before TIME (default: now).")
    static let issuedTo = Positional.string("USER", help: "The user the token is for.")
    static let ttl = Option.duration("ttl", default: TimeSpan(seconds: 1800), help: "How long the token lives.")
    static let claim = Option.repeatable("claim", value: "K=V",
        help: "An extra claim; V is read as JSON when it parses, else as text. Repeatable.")

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
                options: [stdin, reason, verify, expiresAt] + SecretOptions.jwtSecret,
                exclusive: [[token.name, stdin.name]], requireOneOf: [[token.name, stdin.name]],
                examples: ["printf '%s' \"$JWT\" | socializer tokens revoke --stdin --reason compromised"],
                output: OutputCheck.fields(revokeColumns), write: .onEitherEngine(prepare: prepareRevoke, apply: applyRevoke)),
            CommandNode("check", summary: "Exit 0 if a token is well signed, unexpired and not revoked; 1 otherwise.",
                positionals: [token], options: [stdin] + SecretOptions.jwtSecret,
                exclusive: [[token.name, stdin.name]], requireOneOf: [[token.name, stdin.name]],
                output: { _, format in format == .table ? .text : .fields(checkColumns) },
                action: check),
            CommandNode("list", summary: "List revoked tokens, newest first (shortened unless --full).",
                options: [user, expired, active, limit, full],
                exclusive: [[expired.name, active.name]],
                output: OutputCheck.fields(columns), action: list),
            CommandNode("show", summary: "Show one revoked token with its decoded claims.",
                positionals: [id], output: OutputCheck.fields(showColumns), action: show),
            CommandNode("purge", summary: "Delete revocations whose token has expired (the cron job).",
                discussion: "Deletes in short batches so the app's writes interleave; see socializer-tokens(1) for cron.",
                options: [before] + PurgeSupport.tuning,
                examples: ["*/10 * * * * /usr/local/bin/socializer --db /srv/app.db tokens purge --json >> /var/log/socializer-purge.log"],
                output: PurgeSupport.output, custom: purge),
            CommandNode("issue", summary: "Mint a token the app accepts (sub = username), for CI and support.",
                positionals: [issuedTo], options: [ttl, claim] + SecretOptions.jwtSecret,
                examples: ["token=$(socializer tokens issue alice --ttl 1h --claim scope=admin)"],
                output: { _, format in format == .table ? .text : .fields(issueColumns) },
                action: issue),
        ])

    static let checkColumns = ["usable", "reason"]
    static let showColumns = ["id", "token", "user_id", "user", "expires_at", "created_at", "reason", "claims"]
    static let issueColumns = ["token", "user", "expires_at"]
    static let revokeColumns = ["id", "user_id", "expires_at", "reason"]

    static func algorithm(_ context: CommandContext) throws -> JWTAlgorithm {
        try SecurityConfiguration.jwtAlgorithm(environment: context.environment)
    }

    /// The token from argv or stdin; exactly one of them.
    static func tokenText(_ context: CommandContext, _ arguments: ParsedArguments) throws -> String {
        if arguments[stdin] {
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
        return arguments[token] ?? ""
    }

    static func decode(_ text: String, _ algorithm: JWTAlgorithm, secret: [UInt8]?) throws -> JWT {
        do {
            return try JWT.decode(text, algorithm: algorithm, secret: secret)
        } catch {
            throw SocializerError.invalid("the token was refused: \(error.reason)")
        }
    }

    /// The user a token names: its user_id claim, else its sub as a username.
    static func owner(of token: JWT, in db: any Database) throws -> Int64? {
        let users = UserRepository(db)
        if case .integer(let id) = token.claims["user_id"], let user = try users.find(.id(id)) { return user.id }
        switch token.claims["sub"] {
        case .string(let name): return try users.find(.name(name))?.id
        case .integer(let number): return try users.find(.name(String(number)))?.id
        default: return nil
        }
    }

    // MARK: Actions

    /// The revocation to store, decided before the write lock: the token
    /// parsed (and verified when a secret is configured), its expiry known.
    struct Revocation {
        var token: JWT
        var expiresAt: Timestamp
        var reason: String?
    }

    static func prepareRevoke(_ context: CommandContext, _ arguments: ParsedArguments, _ db: any Database) throws -> Revocation? {
        let text = try tokenText(context, arguments)
        let algorithm = try algorithm(context)
        let secret = try SecretOptions.jwtSecret(context, arguments)
        if arguments[verify] && secret == nil {
            throw SocializerError.configuration("--verify needs the signing secret",
                reason: .missingJWTSecret)
        }
        let token = try decode(text, algorithm, secret: secret)
        guard let expiry = token.expiresAt.map(Timestamp.init(secondsSinceEpoch:)) ?? arguments[expiresAt] else {
            throw SocializerError.invalid("the token has no exp claim", hint: "give its expiry with --expires-at TIME")
        }
        if expiry <= context.clock.now() {
            context.notice("the token already expired at \(expiry.iso8601); it cannot be used, so nothing was stored")
            return nil
        }
        return Revocation(token: token, expiresAt: expiry, reason: arguments[reason])
    }

    static func applyRevoke(_ revocation: Revocation?, _ context: CommandContext, _ db: any Database) throws -> WriteOutcome {
        guard let revocation else { return WriteOutcome(ids: []) { _ in } }
        let repository = TokenRepository(db)
        if let existing = try repository.find(token: revocation.token.text) {
            context.notice("the token is already revoked (id \(existing.id)); nothing was changed")
            return WriteOutcome(ids: [existing.id], target: .revokedToken(id: existing.id)) { _ in }
        }
        let userID = try owner(of: revocation.token, in: db)
        let id = try repository.insert(token: revocation.token.text, expiresAt: revocation.expiresAt, createdAt: context.clock.now(),
                                       userID: userID, reason: revocation.reason)
        let cells: [Cell] = [.integer(id), .optional(userID), .time(revocation.expiresAt), .optional(revocation.reason)]
        return WriteOutcome(ids: [id], of: "token_blacklist") { context in try context.recordRenderer().render(Array(zip(revokeColumns, cells))) }
    }

    static func check(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let text = try tokenText(context, arguments)
        guard let secret = try SecretOptions.jwtSecret(context, arguments) else {
            throw SocializerError.configuration("checking a token needs the signing secret",
                reason: .missingJWTSecret)
        }
        let algorithm = try algorithm(context)
        let db = try context.openEngine(.read)
        func no(_ reason: String) throws -> ExitCode {
            if context.globals.format != .table {
                try context.recordRenderer().render([("usable", .bool(false)), ("reason", .text(reason))])
            }
            context.stderr.write("socializer: token not usable: \(Echo.cut(reason, maximumLength: 200))\n")
            return .predicateFalse
        }
        let token: JWT
        do {
            token = try JWT.decode(text, algorithm: algorithm, secret: secret)
        } catch {
            return try no(error.reason)
        }
        let now = context.clock.now()
        if let exp = token.expiresAt, Timestamp(secondsSinceEpoch: exp) <= now {
            return try no("expired at \(Timestamp(secondsSinceEpoch: exp).iso8601)")
        }
        if case .integer(let nbf) = token.claims["nbf"], Timestamp(secondsSinceEpoch: nbf) > now {
            return try no("not valid before \(Timestamp(secondsSinceEpoch: nbf).iso8601)")
        }
        if let revoked = try TokenRepository(db).find(token: token.text) {
            return try no("revoked (id \(revoked.id)\(revoked.reason.map { ", \($0)" } ?? ""))")
        }
        if context.globals.format != .table {
            try context.recordRenderer().render([("usable", .bool(true)), ("reason", .null)])
        } else if !context.globals.quiet {
            context.stdout.write("token usable\n")
        }
        return .success
    }

    static let columns = ["id", "token", "user", "expires_at", "created_at", "reason"]

    static func list(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let userID = try arguments[user].map { try UsersCommand.require(db, $0).id }
        let expiry: TokenRepository.Expiry = arguments[expired] ? .expired : arguments[active] ? .active : .any
        let full = arguments[full]
        let renderer = context.rowRenderer()
        try renderer.begin(columns: columns)
        try TokenRepository(db).list(userID: userID, expiry: expiry, now: context.clock.now(),
                                     limit: arguments[limit]) { t in
            try renderer.row([.integer(t.id), .text(full ? t.token : t.shortened), .optional(t.username), .time(t.expiresAt),
                          .time(t.createdAt), .optional(t.reason)])
        }
        renderer.finish()
        return .success
    }

    static func show(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let revoked = try TokenRepository(db).require(id: arguments[id])
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
        let db = try context.openEngine(.write)
        let cutoff = arguments[before] ?? context.clock.now()
        try PurgeSupport.confirmIfFuture(context, cutoff, "tokens that have not expired would be usable again")
        return try PurgeSupport.run(context, arguments, db, TokenRepository.purgeTarget(expiredBefore: cutoff))
    }

    static let reservedClaims = ["sub", "exp", "iat"]

    static func issue(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        guard let secret = try SecretOptions.jwtSecret(context, arguments) else {
            throw SocializerError.configuration("issuing a token needs the signing secret",
                reason: .missingJWTSecret)
        }
        let algorithm = try algorithm(context)
        var extra: [(String, JSONValue)] = []
        for pair in arguments[claim] {
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
        let db = try context.openEngine(.read)
        let user = try UsersCommand.require(db, arguments[issuedTo])
        if !user.isActive { context.notice("user '\(user.username)' is deactivated; the app may refuse the token") }
        let now = context.clock.now().secondsSinceEpoch
        let ttl = arguments[ttl].seconds
        let claims = JSONValue.object([("sub", .string(user.username)), ("exp", .integer(now + ttl)), ("iat", .integer(now))] + extra)
        let encoded = JWT.encode(claims: claims, algorithm: algorithm, secret: secret)
        if context.globals.format == .table {
            context.stdout.write(encoded + "\n")
        } else {
            try context.recordRenderer().render([("token", .text(encoded)), ("user", .text(user.username)),
                                                 ("expires_at", .time(Timestamp(secondsSinceEpoch: now + ttl)))])
        }
        return .success
    }
}
