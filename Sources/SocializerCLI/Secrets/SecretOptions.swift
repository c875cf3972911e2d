import SocializerCore
import SocializerSecurity
import SocializerStore

/// The options through which verbs take secrets, and the one way they are
/// read. Passwords never come from argv (`--password` is refused by the
/// parser): standard input, a private file, or a no-echo prompt on a terminal.
/// Every secret source is `redacted()`: the audit trail records that it was
/// given, never what it names (a test holds each declaration to that).
enum SecretOptions {
    static let passwordStdin = Option.flag("password-stdin",
        help: "Read the password from the first line of standard input (one trailing LF, or CRLF, is stripped).").redacted()
    static let passwordFile = Option.path("password-file",
        help: "Read the password from FILE (mode 0600; one trailing line break is stripped).").redacted()
    static let insecureFileOK = Option.flag("insecure-file-ok", help: "Accept a secret file that its group or others can read.")
    static let secretFile = Option.path("secret-file",
        help: "Read the JWT signing secret (the app's SECRET_KEY) from FILE instead of $SOCIALIZER_JWT_SECRET.").redacted()
    static let emailKeyFile = Option.path("email-key-file",
        help: "Read the email hashing key from FILE instead of $SOCIALIZER_EMAIL_KEY.").redacted()
    static let bcryptCost = Option.integer("bcrypt-cost", 4...31,
        help: "bcrypt work factor for new password hashes (default 12, or $SOCIALIZER_BCRYPT_COST; low values only for CI seeding).")

    /// `--password-stdin | --password-file FILE [--insecure-file-ok]`, else a prompt on a terminal.
    static let password: [any OptionDeclaring] = [passwordStdin, passwordFile, insecureFileOK]
    static let passwordExclusive = [[passwordStdin.name, passwordFile.name]]
    /// `--email-key-file FILE [--insecure-file-ok]`, else $SOCIALIZER_EMAIL_KEY.
    static let emailKey: [any OptionDeclaring] = [emailKeyFile, insecureFileOK]
    /// `--secret-file FILE [--insecure-file-ok]`, else $SOCIALIZER_JWT_SECRET.
    static let jwtSecret: [any OptionDeclaring] = [secretFile, insecureFileOK]

    /// The JWT secret the options or the environment give, nil when neither.
    static func jwtSecret(_ context: CommandContext, _ arguments: ParsedArguments) throws -> [UInt8]? {
        try SecurityConfiguration.jwtSecret(file: arguments[secretFile], fileOption: secretFile.spelling, allowInsecureFile: arguments[insecureFileOK],
                                            environment: context.environment)
    }

    /// The JWT secret where one is required (signing, checking).
    static func requireJWTSecret(_ context: CommandContext, _ arguments: ParsedArguments) throws -> [UInt8] {
        try SecurityConfiguration.requireJWTSecret(file: arguments[secretFile], fileOption: secretFile.spelling, allowInsecureFile: arguments[insecureFileOK],
                                                   environment: context.environment)
    }

    /// The email key, nil when none is configured (lookups then skip keyed hashes).
    static func emailHasher(_ context: CommandContext, _ arguments: ParsedArguments) throws -> EmailHasher? {
        try SecurityConfiguration.optionalEmailHasher(file: arguments[emailKeyFile], fileOption: emailKeyFile.spelling, allowInsecureFile: arguments[insecureFileOK],
                                                      environment: context.environment)
    }

    /// How new addresses are written ($SOCIALIZER_EMAIL_SCHEME, with the key for hmac).
    static func emailScheme(_ context: CommandContext, _ arguments: ParsedArguments) throws -> EmailScheme {
        try SecurityConfiguration.emailScheme(file: arguments[emailKeyFile], fileOption: emailKeyFile.spelling, allowInsecureFile: arguments[insecureFileOK],
                                              environment: context.environment)
    }

    /// The bcrypt cost: --bcrypt-cost, else $SOCIALIZER_BCRYPT_COST, else 12.
    static func bcryptCost(_ context: CommandContext, _ arguments: ParsedArguments) throws -> Int {
        try SecurityConfiguration.bcryptCost(option: arguments[bcryptCost].map(Int.init), environment: context.environment)
    }

    enum Purpose {
        /// A password to store: checked (non-empty, at most 72 bytes, UTF-8) and, on a terminal, asked twice.
        case new
        /// A password to compare with a stored hash: asked once.
        case check
    }

    /// The bytes of the password source the arguments name (the first line
    /// of standard input, or a private file), nil when they name none.
    /// `what` names the secret in messages ("the password").
    static func passwordFromSource(_ context: CommandContext, _ arguments: ParsedArguments, what: String) throws -> [UInt8]? {
        if arguments[passwordStdin] {
            guard let line = try context.readStandardInputLine(limit: FileReader.Limit.line, what: what) else {
                throw SocializerError.invalid("standard input is empty; expected \(what) on its first line")
            }
            return line.last == 0x0D ? Array(line.dropLast()) : line
        }
        if let file = arguments[passwordFile] {
            if file == "-" {
                throw SocializerError.usage("\(passwordFile.spelling) does not take '-': a secret file must be a private file",
                                            hint: "read \(what) from standard input with \(passwordStdin.spelling)")
            }
            return try SecretFile.read(file, option: passwordFile.spelling, allowInsecure: arguments[insecureFileOK])
        }
        return nil
    }

    /// Reads a password from the source the arguments name.
    static func readPassword(_ context: CommandContext, _ arguments: ParsedArguments, purpose: Purpose) throws -> [UInt8] {
        let password: [UInt8]
        if let given = try passwordFromSource(context, arguments, what: "the password") {
            password = given
        } else if let prompt = context.prompt, context.terminal.stdinIsTerminal {
            switch purpose {
            case .new: return try prompt.readNewPassword()
            case .check: password = try prompt.readHidden("Password: ")
            }
        } else {
            throw SocializerError.usage("no password given, and standard input is not a terminal to ask on",
                hint: "use --password-stdin (for example: printf '%s\\n' \"$PW\" | socializer …) or --password-file FILE")
        }
        switch purpose {
        case .new: return try PasswordInput.requireValidNew(password)
        case .check:
            guard !password.contains(0) else { throw SocializerError.invalid("the password contains a NUL byte") }
            return password
        }
    }

    /// A room password from the same sources as a user's (never argv),
    /// checked as the app will compare it (`ChatRoom.validatePassword`) and
    /// returned as text: it is stored in plain text, as the app does. nil
    /// when no source is given and none is `required`; a required one is
    /// asked for twice on a terminal.
    static func readRoomPassword(_ context: CommandContext, _ arguments: ParsedArguments, required: Bool) throws -> String? {
        if let given = try passwordFromSource(context, arguments, what: "the room password") {
            return try ChatRoom.validatePassword(given)
        }
        guard required else { return nil }
        if let prompt = context.prompt, context.terminal.stdinIsTerminal {
            let typed = try prompt.readNewPassword(what: "room password") { bytes in
                _ = try ChatRoom.validatePassword(bytes)
                return bytes
            }
            return try ChatRoom.validatePassword(typed)
        }
        throw SocializerError.usage("no room password given, and standard input is not a terminal to ask on",
            hint: "use --password-stdin (for example: printf '%s\\n' \"$PW\" | socializer rooms set-password ROOM --password-stdin) "
                + "or --password-file FILE")
    }
}
