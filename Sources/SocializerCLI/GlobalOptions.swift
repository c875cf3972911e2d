import SocializerCore
import SocializerStore

/// The options every command accepts, before or after the command path.
public struct GlobalOptions: Sendable {
    public static let specs: [OptionSpec] = [
        OptionSpec("db", .path, value: "PATH", default: "$SOCIALIZER_DB, else $DATABASE_URL, else ./socializer.db",
                   help: "The database: a file path, a sqlite:///PATH URL, or a postgresql:// URL."),
        OptionSpec("format", .choice(OutputFormat.allCases.map(\.rawValue)), default: "table",
                   help: "Output format: aligned table, one JSON array, JSON Lines, RFC 4180 CSV, or TSV."),
        OptionSpec("json", help: "Short for --format json."),
        OptionSpec("fields", .list, value: "A,B,C", help: "Print only these fields, in this order."),
        OptionSpec("no-header", help: "Leave out the header row (table, csv, tsv)."),
        OptionSpec("quiet", short: "q", help: "Mutating verbs print only the affected ids, one per line."),
        OptionSpec("verbose", short: "v", help: "Say more on standard error (each step, each statement)."),
        OptionSpec("busy-timeout", .integer(0...3_600_000), value: "MS", default: "5000",
                   help: "How long to wait for a locked database, in milliseconds, before exit 75."),
        OptionSpec("yes", short: "y", help: "Confirm a destructive verb; without a terminal it is required."),
        OptionSpec("dry-run", short: "n",
                   help: "Perform the change in a transaction, report it, and roll it back."),
        OptionSpec("color", .choice(["auto", "always", "never"]), default: "auto",
                   help: "Colour on a terminal (auto honours NO_COLOR)."),
        OptionSpec("no-audit",
                   help: "Record no audit entry for this change; refused unless $SOCIALIZER_AUDIT=off is set too."),
    ]

    /// `$SOCIALIZER_AUDIT`: `off` allows --no-audit (and nothing else changes).
    static let auditVariable = "SOCIALIZER_AUDIT"

    /// The database, from --db, else $SOCIALIZER_DB, else the app's
    /// $DATABASE_URL, else ./socializer.db.
    public var database: DatabaseLocation
    public var format: OutputFormat
    public var fields: [String]?
    public var header: Bool
    public var quiet: Bool
    public var verbose: Bool
    public var busyTimeoutMilliseconds: Int32
    public var yes: Bool
    public var dryRun: Bool
    public var color: Bool
    /// --no-audit, allowed by $SOCIALIZER_AUDIT=off: write no audit entry.
    public var noAudit: Bool
    /// The database as `--db` gave it on the command line, for the commands
    /// hints and doctor's fix column print (a PostgreSQL URL without its
    /// password); nil when the environment or the default chose it.
    public var databaseOption: String?

    /// Reads the global options out of parsed arguments and the environment.
    /// A verb may declare an option of the same name as a global one
    /// (`migrate schema --format dot`); the verb's wins.
    init(arguments: ParsedArguments, environment: [String: String], terminal: TerminalInfo,
         shadowed: Set<String> = [], usesDatabase: Bool = true) throws {
        let outputFormat = shadowed.contains("format") ? nil : arguments.string("format")
        if arguments.has("json"), let outputFormat, outputFormat != "json" {
            throw SocializerError.usage("--json and --format \(outputFormat) cannot be used together")
        }
        format = arguments.has("json") ? .json : OutputFormat(rawValue: outputFormat ?? "table") ?? .table
        fields = arguments.list("fields")
        if let fields, let repeated = fields.enumerated().first(where: { fields[..<$0.offset].contains($0.element) })?.element {
            throw SocializerError.usage("--fields names '\(Echo.cut(repeated))' twice", hint: "name each field once")
        }
        header = !arguments.flag("no-header")
        quiet = arguments.flag("quiet")
        verbose = arguments.flag("verbose")
        busyTimeoutMilliseconds = Int32(arguments.integer("busy-timeout") ?? 5000)
        yes = arguments.flag("yes")
        dryRun = arguments.flag("dry-run")
        noAudit = arguments.flag("no-audit")
        if noAudit, let value = environment[GlobalOptions.auditVariable], value != "off" {
            // Exactly `off`: a value that looks like it (OFF, 0, no) is a
            // mistake to point out, not a second way to say it.
            throw SocializerError.configuration(
                "--no-audit is refused: $\(GlobalOptions.auditVariable) is '\(Echo.cut(value))', and only the value 'off' (exactly) allows it",
                hint: "set \(GlobalOptions.auditVariable)=off in the environment that may skip the trail (see AUDIT TRAIL in socializer(1)), or leave out --no-audit")
        }
        if noAudit && environment[GlobalOptions.auditVariable] != "off" {
            // Two switches, so that skipping the trail is a decision about an
            // environment (a throwaway CI database), never a word on one line.
            throw SocializerError.configuration(
                "--no-audit is refused: changes are audited unless $\(GlobalOptions.auditVariable)=off is set as well",
                hint: "set \(GlobalOptions.auditVariable)=off in the environment that may skip the trail (see AUDIT TRAIL in socializer(1)), or leave out --no-audit")
        }
        switch arguments.string("color") ?? "auto" {
        case "always": color = true
        case "never": color = false
        default: color = terminal.stdoutIsTerminal && (environment["NO_COLOR"] ?? "").isEmpty
        }
        database = try GlobalOptions.resolveDatabase(arguments.string("db"), environment: environment,
                                                     readEnvironment: usesDatabase)
        if let given = arguments.string("db") {
            // Commands to paste name the URL without its password (never `***`).
            if case .postgres(let url) = database { databaseOption = url.withoutPassword } else { databaseOption = given }
        }
    }

    /// The SQLite file a command works on. PostgreSQL URLs never reach a
    /// verb yet: the runner stops them first (`PostgresSupport`), so this is
    /// only read for SQLite; for a URL it is the URL without its password.
    public var databasePath: String {
        if case .sqlite(let path) = database { return path }
        return database.description
    }

    /// `--db`, else `$SOCIALIZER_DB`, else `$DATABASE_URL` (the app's own
    /// variable, always a URL), else `./socializer.db`. A command that
    /// never opens the database (`help`, `completion`) does not read the
    /// variables, so a `$DATABASE_URL` meant for another program cannot
    /// break it.
    static func resolveDatabase(_ given: String?, environment: [String: String],
                                readEnvironment: Bool = true) throws -> DatabaseLocation {
        if let given { return try DatabaseLocation.parse(given, source: "--db") }
        guard readEnvironment else { return .sqlite(path: "./socializer.db") }
        if let value = environment["SOCIALIZER_DB"] { return try DatabaseLocation.parse(value, source: "$SOCIALIZER_DB") }
        if let value = environment["DATABASE_URL"] {
            return try DatabaseLocation.parse(value, source: "$DATABASE_URL", urlOnly: true)
        }
        return .sqlite(path: "./socializer.db")
    }
}
