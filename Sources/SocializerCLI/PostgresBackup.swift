#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerStore

/// `backup` on PostgreSQL (issue 16 item 1): `pg_dump --format=custom` of
/// the connection's current schema, which `pg_restore` reads back; SQLite's
/// online backup API has no PostgreSQL counterpart, and pg_dump is how a
/// server's operators already take one consistent snapshot. The URL's
/// password reaches pg_dump in its environment only (`PGPASSWORD`), never
/// on its command line; the rest of the URL as a keyword/value connection
/// string (`PostgresConnection.childSettings`). The copy is written under a
/// temporary name (mode 0600) and linked into place when complete, as on
/// SQLite.
enum PostgresBackup {
    static let installHint = "install the PostgreSQL client programs (apt-get install postgresql-client), "
        + "or name pg_dump with $SOCIALIZER_PG_DUMP"

    static func run(_ url: PostgresURL, destination: String, _ context: CommandContext) throws -> ExitCode {
        let connection = try PostgresSupport.connect(url, context)
        let program = try pgDump(context.environment)
        let schema = try connection.currentSchema()
        let settings = try connection.childSettings()
        PartialFile.removeStale(besides: destination)
        if access(destination, F_OK) == 0 {
            throw SocializerError(.cannotCreate, "'\(destination)' already exists", hint: "choose another path or remove it first; a backup never overwrites")
        }
        let partial = PartialFile(destination: destination)
        partial.discard()
        defer { partial.discard() }
        // Created here with mode 0600: pg_dump then writes into it, keeping the mode.
        let fd = open(partial.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw SocializerError(errno == EACCES ? .permissionDenied : .cannotCreate, "cannot create the backup '\(destination)': \(reason)")
        }
        close(fd)
        let stopwatch = Stopwatch()
        var environment = context.environment
        if let password = settings.password { environment["PGPASSWORD"] = password }
        let quotedSchema = "\"" + schema.replacingAll("\"", with: "\"\"") + "\""
        let arguments = [program, "--format=custom", "--file=\(partial.path)", "--schema=\(quotedSchema)", "--no-password",
                         "--lock-wait-timeout=\(max(1, context.globals.busyTimeoutMilliseconds))", "--dbname=\(settings.connectionString)"]
        context.verbose("running \(program) --format=custom --schema=\(quotedSchema) (connection as above; password in its environment)")
        let (status, errors) = try ChildProcess.run(arguments, environment: environment)
        guard status == 0 else { throw failure(status, url.scrubbed(errors), program: program) }
        guard try partial.place(at: destination) else {
            throw SocializerError(.cannotCreate, "'\(destination)' already exists", hint: "choose another path or remove it first; a backup never overwrites")
        }
        if context.globals.quiet { return .success }
        try context.recordRenderer().render([
            ("source", .text(url.redacted)), ("backup", .text(destination)), ("elapsed_ms", .integer(stopwatch.elapsedMilliseconds)),
        ])
        return .success
    }

    /// pg_dump: `$SOCIALIZER_PG_DUMP`, else on `$PATH`, else the newest of
    /// Debian's versioned folders (not on PATH); exit 69 naming the package.
    static func pgDump(_ environment: [String: String]) throws -> String {
        if let named = environment["SOCIALIZER_PG_DUMP"], !named.isEmpty {
            guard access(named, X_OK) == 0 else {
                throw SocializerError(.unavailable, "$SOCIALIZER_PG_DUMP names '\(named)', which is not an executable file", hint: installHint)
            }
            return named
        }
        let path = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for folder in path where !folder.isEmpty && access(folder + "/pg_dump", X_OK) == 0 { return folder + "/pg_dump" }
        var versions: [(Int, String)] = []
        if let dir = opendir("/usr/lib/postgresql") {
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if let version = Int(name), access("/usr/lib/postgresql/\(name)/bin/pg_dump", X_OK) == 0 {
                    versions.append((version, "/usr/lib/postgresql/\(name)/bin/pg_dump"))
                }
            }
        }
        if let newest = versions.max(by: { $0.0 < $1.0 }) { return newest.1 }
        throw SocializerError(.unavailable, "backup on PostgreSQL runs pg_dump, which is not installed (not on $PATH)", hint: installHint)
    }

    /// pg_dump's failure in socializer's exit codes: a lock not given in
    /// time 75, a privilege missing 77, anything else 69, in its own words.
    static func failure(_ status: Int32, _ errors: String, program: String) -> SocializerError {
        let lines = errors.split(separator: "\n").map { String($0).trimmedSpaces }.filter { !$0.isEmpty }
        let lower = errors.lowercased()
        if lower.contains("could not obtain lock") || lower.contains("lock timeout") {
            return SocializerError(.temporarilyUnavailable, "pg_dump could not lock a table within --busy-timeout; no backup was written",
                                   hint: "raise --busy-timeout, or run it when the app holds no long lock", details: lines)
        }
        if lower.contains("permission denied") {
            return SocializerError(.permissionDenied, "pg_dump may not read every table of the schema; no backup was written",
                                   hint: "back up as a role that can read every table (the app's owner)", details: lines)
        }
        return SocializerError(.unavailable, "pg_dump (\(program)) failed with exit status \(status); no backup was written",
                               hint: "its words are below; a pg_dump older than the server refuses it: install the server's version",
                               details: lines)
    }
}

/// A program run to its end, its standard output discarded and its
/// standard error kept (at most 64 KiB); the environment is exactly `environment`.
enum ChildProcess {
    static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, errors: String) {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw SocializerError(.unavailable, "cannot start \(arguments[0]): \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            throw SocializerError(.unavailable, "cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        var errors: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, 4096) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if errors.count < 65536 { errors += buffer[0..<n] }
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS: the low 7 bits are the signal, the next 8 the exit status.
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exit, String(decoding: errors, as: UTF8.self))
    }
}
