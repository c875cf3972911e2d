import SocializerCore
import SocializerSecurity

/// The options through which verbs take secrets, and the one way they are
/// read. Passwords never come from argv (`--password` is refused by the
/// parser): standard input, a private file, or a no-echo prompt on a terminal.
enum SecretOptions {
    static let password: [OptionSpec] = [
        OptionSpec("password-stdin", help: "Read the password from the first line of standard input (one trailing LF, or CRLF, is stripped)."),
        OptionSpec("password-file", .path, help: "Read the password from FILE (mode 0600; one trailing line break is stripped)."),
        OptionSpec("insecure-file-ok", help: "Accept a secret file that its group or others can read."),
    ]
    static let passwordExclusive = [["password-stdin", "password-file"]]

    static let jwtSecret = OptionSpec("secret-file", .path,
        help: "Read the JWT signing secret (the app's SECRET_KEY) from FILE instead of $SOCIALIZER_JWT_SECRET.")
    static let emailKey = OptionSpec("email-key-file", .path,
        help: "Read the email hashing key from FILE instead of $SOCIALIZER_EMAIL_KEY.")
    static let bcryptCost = OptionSpec("bcrypt-cost", .integer(4...31), default: "12, or $SOCIALIZER_BCRYPT_COST",
        help: "bcrypt work factor for new password hashes (low values only for CI seeding).")

    enum Purpose {
        /// A password to store: checked (non-empty, at most 72 bytes, UTF-8) and, on a terminal, asked twice.
        case new
        /// A password to compare with a stored hash: asked once.
        case check
    }

    /// Reads a password from the source the arguments name.
    static func readPassword(_ context: CommandContext, _ arguments: ParsedArguments, purpose: Purpose) throws -> [UInt8] {
        let password: [UInt8]
        if arguments.flag("password-stdin") {
            guard let line = try context.readStandardInputLine(limit: FileReader.Limit.line, what: "the password") else {
                throw SocializerError.invalid("standard input is empty; expected the password on its first line")
            }
            password = line.last == 0x0D ? Array(line.dropLast()) : line
        } else if let file = arguments.string("password-file") {
            password = try SecretFile.read(file, option: "--password-file",
                                           allowInsecure: arguments.flag("insecure-file-ok"))
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
}
