import SocializerCore
import SocializerSecurity
import SocializerStore

/// Everything an action may use: the standard streams, the environment,
/// the clock, the global options and the database.
public final class CommandContext {
    public let environment: [String: String]
    public let stdin: ByteInput
    public let stdout: TextOutput
    public let stderr: TextOutput
    public let terminal: TerminalInfo
    public let clock: any Clock
    public let globals: GlobalOptions
    public let path: [String]
    /// Where to ask for secrets without echo; nil when there is no terminal.
    public let prompt: TerminalPrompt?
    /// How the running verb may use the database: a read verb cannot open it for writing.
    public let kind: ActionKind
    /// The running verb's node: what its arguments are (the audit trail
    /// records them by it, secrets left out); nil for a context built by hand.
    public let node: CommandNode?
    /// The renderers handed out, for `finishOutputAfterError`.
    private var renderers: [RowRenderer] = []

    init(environment: [String: String], stdin: ByteInput, stdout: TextOutput, stderr: TextOutput,
         terminal: TerminalInfo, clock: any Clock, globals: GlobalOptions, path: [String], prompt: TerminalPrompt?,
         kind: ActionKind = .custom, node: CommandNode? = nil) {
        self.prompt = prompt
        self.kind = kind
        self.node = node
        self.environment = environment
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.terminal = terminal
        self.clock = clock
        self.globals = globals
        self.path = path
    }

    // MARK: Database

    public enum Access {
        /// Reads only; never creates the file.
        case read
        /// Writes to an existing database; never creates the file.
        case write
        /// May create the file (migrate up, seed).
        case create
    }

    /// Opens the database for `access` without checking its schema state.
    public func openConnection(_ access: Access) throws -> Connection {
        if access != .read && kind == .read {
            throw SocializerError.internalError("'\(self.path.joined(separator: " "))' is a read verb; it may not open the database for writing")
        }
        let path = globals.databasePath
        if access != .read { try FileChecks.requireWritable(databaseAt: path) }
        let mode: Connection.OpenMode
        switch access {
        case .read:
            // A read-write handle that only reads checkpoints and removes the
            // WAL files when it closes; a file made read-only is opened read-only.
            mode = (try? FileChecks.requireWritable(databaseAt: path)) == nil ? .readOnly : .existing
        case .write: mode = .existing
        case .create: mode = .createIfMissing
        }
        let connection = try Connection(path: path, mode: mode, busyTimeoutMilliseconds: globals.busyTimeoutMilliseconds)
        traceIfVerbose(connection)
        return connection
    }

    /// With -v, every statement run on `connection` goes to stderr as it
    /// starts; parameters show as ?, never their values.
    public func traceIfVerbose(_ connection: Connection) {
        guard globals.verbose else { return }
        connection.trace { [stderr] sql in stderr.write("socializer: sql: \(sql.split(whereSeparator: \.isWhitespace).joined(separator: " "))\n") }
    }

    /// Opens the database and refuses the states no command but `migrate`
    /// may act on: not migrated, app-created without baseline, newer.
    public func openDatabase(_ access: Access) throws -> Connection {
        let connection = try openConnection(access)
        _ = try Migrator(connection: connection, clock: clock).requireUsable()
        return connection
    }

    /// Opens the database on its engine (the verbs ported to PostgreSQL,
    /// `PostgresSupport.ported`): SQLite as `openDatabase`/`openConnection`
    /// do; a PostgreSQL server connected to, with `--busy-timeout` as its
    /// lock_timeout, every statement traced under -v, and a read verb's
    /// session read-only (the server refuses its writes, as SQLite's
    /// read-only open does). `migrated: false` skips the schema check (migrate).
    public func openEngine(_ access: Access, migrated: Bool = true) throws -> any Database {
        guard case .postgres(let url) = globals.database else {
            return migrated ? try openDatabase(access) : try openConnection(access)
        }
        if access != .read && kind == .read {
            throw SocializerError.internalError("'\(self.path.joined(separator: " "))' is a read verb; it may not open the database for writing")
        }
        let connection = try PostgresSupport.connect(url, self)
        if globals.verbose {
            connection.trace { [stderr] sql in stderr.write("socializer: sql: \(sql.split(whereSeparator: \.isWhitespace).joined(separator: " "))\n") }
        }
        if access == .read { try connection.execute("SET default_transaction_read_only = on") }
        if migrated { _ = try Migrator(connection: connection, clock: clock).requireUsable() }
        return connection
    }

    // MARK: Input

    /// All of standard input, refused (exit 65, naming the limit) as soon as
    /// it passes `limit` bytes; `what` names it ("the token").
    public func readStandardInput(limit: Int, what: String) throws -> [UInt8] {
        do {
            return try stdin.readAll(limit: limit)
        } catch let error as InputLimitExceeded {
            throw SocializerError.invalid("\(what) on standard input is longer than \(FileReader.describe(error.limit)), the limit for it",
                                          hint: "see INPUT LIMITS in socializer(1)")
        }
    }

    /// The first line of standard input, with the same limit rule.
    public func readStandardInputLine(limit: Int, what: String) throws -> [UInt8]? {
        do {
            return try stdin.readLine(limit: limit)
        } catch let error as InputLimitExceeded {
            throw SocializerError.invalid("\(what) on standard input is longer than \(FileReader.describe(error.limit)), the limit for it",
                                          hint: "see INPUT LIMITS in socializer(1)")
        }
    }

    // MARK: Output

    public var renderOptions: RenderOptions {
        RenderOptions(format: globals.format, fields: globals.fields, header: globals.header,
                      width: terminal.stdoutIsTerminal ? terminal.width : nil, color: globals.color)
    }

    /// A renderer to standard output (in the global options' format unless
    /// `options` says otherwise). The runner ends it if the command fails
    /// part-way (`finishOutputAfterError`), so no verb leaves a JSON array open.
    public func rowRenderer(options: RenderOptions? = nil) -> RowRenderer {
        let renderer = RowRenderer(out: stdout, options: options ?? renderOptions)
        renderers.append(renderer)
        return renderer
    }

    /// Ends the output of every renderer a failed command began.
    func finishOutputAfterError() {
        for renderer in renderers { renderer.finishAfterError() }
    }
    public func recordRenderer() -> RecordRenderer { RecordRenderer(out: stdout, options: renderOptions) }

    /// A progress or detail line on stderr, only with --verbose.
    public func verbose(_ line: @autoclosure () -> String) {
        if globals.verbose { stderr.write("socializer: \(Echo.escapingControls(line()))\n") }
    }

    /// A warning on stderr, shown even with --quiet: something is not as it should be.
    /// Names read from the database in it are escaped, like every line here.
    /// A command it names is aimed at the `--db` given, as hints are (`Hints.aiming`).
    public func warn(_ line: String) {
        stderr.write("socializer: warning: \(Echo.escapingControls(Hints.aiming(line, at: globals.databaseOption)))\n")
    }

    /// A notice on stderr (not an error), unless --quiet; a command it names
    /// is aimed at the `--db` given.
    public func notice(_ line: String) {
        if !globals.quiet { stderr.write("socializer: \(Echo.escapingControls(Hints.aiming(line, at: globals.databaseOption)))\n") }
    }

    /// Whether `confirm` would ask (or refuse): neither `--yes` nor a dry
    /// run. A verb that must work out what to ask about does it only then.
    public var needsConfirmation: Bool { !(globals.yes || globals.dryRun) }

    /// Asks before a destructive step: `--yes` confirms; without it a
    /// terminal is asked, and anything else is refused (exit 64). `action`
    /// completes "refusing to …" ("delete user 'ada' and everything …").
    public func confirm(_ action: String) throws {
        if !needsConfirmation { return }
        guard terminal.stdinIsTerminal && terminal.stderrIsTerminal else {
            throw SocializerError.usage("refusing to \(action) without confirmation",
                                        hint: "add --yes to confirm (standard input is not a terminal)")
        }
        stderr.write(action.prefix(1).uppercased() + action.dropFirst() + "? [y/N] ")
        stderr.flush()
        let answer = (try readStandardInputLine(limit: FileReader.Limit.line, what: "the answer")).map { String(decoding: $0, as: UTF8.self).trimmedSpaces.lowercased() }
        guard answer == "y" || answer == "yes" else {
            throw SocializerError.usage("not confirmed; nothing was changed")
        }
    }
}
