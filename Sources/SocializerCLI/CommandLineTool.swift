#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerSecurity
import SocializerStore

/// The CLI entry point: argv, environment and streams in, exit status out.
/// Only `main` exits; everything else returns, but for a missing crypto
/// library found at its first use (`CryptoLibraries.configure`).
public enum CommandLineTool {
    public static let version = "0.1.0"

    /// Runs one invocation in process (tests call this directly).
    public static func run(arguments: [String], environment: [String: String] = [:],
                           stdin: ByteInput = BytesInput(), stdout: TextOutput, stderr: TextOutput,
                           terminal: TerminalInfo = TerminalInfo(), clock: any Clock = SystemClock(),
                           prompt: TerminalPrompt? = nil) -> Int32 {
        run(rawArguments: arguments.map { Array($0.utf8) }, environment: environment, stdin: stdin,
            stdout: stdout, stderr: stderr, terminal: terminal, clock: clock, prompt: prompt)
    }

    /// Runs one invocation from raw argv bytes: `CommandLine.arguments`
    /// silently turns invalid UTF-8 into U+FFFD, so the bytes are checked here.
    public static func run(rawArguments: [[UInt8]], environment: [String: String], stdin: ByteInput,
                           stdout: TextOutput, stderr: TextOutput, terminal: TerminalInfo,
                           clock: any Clock, prompt: TerminalPrompt? = nil) -> Int32 {
        run(rawArguments: rawArguments, environment: environment, stdin: stdin, stdout: stdout, stderr: stderr,
            terminal: terminal, clock: clock, prompt: prompt, root: CommandTable.root)
    }

    /// The same against another command tree (tests of verb factories
    /// before a command adds their verbs to the table).
    static func run(rawArguments: [[UInt8]], environment: [String: String], stdin: ByteInput,
                    stdout: TextOutput, stderr: TextOutput, terminal: TerminalInfo,
                    clock: any Clock, prompt: TerminalPrompt?, root: CommandNode) -> Int32 {
        var arguments: [String] = []
        for (offset, bytes) in rawArguments.enumerated() {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                let error = SocializerError.invalid("argument \(offset + 1) is not valid UTF-8",
                                                    hint: "pass names and values as UTF-8 text")
                return ErrorReporter.report(error, to: stderr, format: requestedFormat(arguments))
            }
            arguments.append(text)
        }
        let format = requestedFormat(arguments)
        // libcrypto and libcrypt open on first use (most commands never hash
        // or encrypt); one that cannot be opened is reported as any error,
        // exit 69, from wherever the first use was.
        // The handler runs at most once, on the thread that found the library missing.
        nonisolated(unsafe) let streams = (out: stdout, err: stderr)
        CryptoLibraries.configure(environment: environment) { error in
            streams.out.flush()
            exit(ErrorReporter.report(error, to: streams.err, format: format))
        }
        var context: CommandContext?
        do {
            let parser = ArgumentParser(root: root, globals: CommandTable.globals, now: clock.now())
            switch try parser.parse(arguments) {
            case .version:
                stdout.write("socializer \(version) (SQLite \(Connection.libraryVersion))\n")
                try requireOutputWritten(stdout)
                return ExitCode.success.rawValue
            case .help(let path, let node):
                stdout.write(HelpText.render(path, node, width: min(terminal.width ?? 80, 100)))
                try requireOutputWritten(stdout)
                return ExitCode.success.rawValue
            case .run(let node, let parsed):
                let globals = try GlobalOptions(arguments: parsed, environment: environment, terminal: terminal,
                                                shadowed: Set(node.options.map(\.name)), usesDatabase: node.usesDatabase)
                let running = CommandContext(environment: environment, stdin: stdin, stdout: stdout, stderr: stderr,
                                             terminal: terminal, clock: clock, globals: globals, path: parsed.path,
                                             prompt: prompt, kind: node.kind, node: node)
                context = running
                guard let action = node.action else {
                    throw SocializerError.internalError("'\(parsed.path.joined(separator: " "))' has no action")
                }
                try OutputCheck.validate(node, parsed, globals)
                if node.usesDatabase, case .postgres(let url) = globals.database, !PostgresSupport.ported.contains(parsed.path) {
                    try PostgresSupport.refuseUnported(url, running)
                }
                let code = try action(running, parsed)
                try requireOutputWritten(stdout)
                return code.rawValue
            }
        } catch {
            // Output a verb began stays whole: a JSON array it opened is closed.
            context?.finishOutputAfterError()
            stdout.flush()
            return ErrorReporter.report(error, to: stderr, format: format, database: context?.globals.databaseOption)
        }
    }

    /// Output that did not reach its file (disk full, `ulimit -f`) is an
    /// error, exit 74; a reader that closed the pipe is not.
    static func requireOutputWritten(_ stdout: TextOutput) throws {
        stdout.flush()
        if let failure = stdout.failure { throw failure }
    }

    /// The process entry: raw argv, the real environment and streams.
    public static func runProcess() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        // Past `ulimit -f`, write() then fails with EFBIG (reported, exit 74)
        // instead of the signal killing the process mid-line.
        signal(SIGXFSZ, SIG_IGN)
        var raw: [[UInt8]] = []
        for i in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[i] else { continue }
            raw.append(Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                                                 count: strlen(pointer))))
        }
        var environment: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let eq = text.firstIndex(of: "=") {
                environment[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            entry += 1
        }
        let stdout = FileDescriptorOutput(fd: 1)
        let stderr = FileDescriptorOutput(fd: 2, capacity: 0)
        let code = run(rawArguments: raw, environment: environment, stdin: FileDescriptorInput(fd: 0),
                       stdout: stdout, stderr: stderr, terminal: .current(environment: environment),
                       clock: SystemClock(), prompt: TerminalPrompt(inputFD: 0, outputFD: 2))
        stdout.flush()
        stderr.flush()
        return code
    }

    /// The output format asked for, read before parsing so that even a usage
    /// error is reported as JSON when a script asked for JSON.
    static func requestedFormat(_ arguments: [String]) -> OutputFormat {
        var format = OutputFormat.table
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { break }
            if argument == "--json" { format = .json }
            if argument == "--format", index + 1 < arguments.count {
                format = OutputFormat(rawValue: arguments[index + 1]) ?? format
            }
            if argument.hasPrefix("--format=") {
                format = OutputFormat(rawValue: String(argument.dropFirst(9))) ?? format
            }
            index += 1
        }
        return format
    }
}
