import SocializerCore
import SocializerStore

/// `socializer backup PATH`: a consistent copy through the online backup API, in one snapshot.
enum BackupCommand {
    static let node = CommandNode(
        "backup",
        summary: "Copy the live database to a new file, safely while the app writes.",
        discussion: """
            Copies through SQLite's online backup API in one step inside one read snapshot, so \
            the copy is consistent and finishes however often the app writes; on a WAL \
            database the app's writes never wait for it. Waits up to --busy-timeout for a \
            lock, then exits 75. The copy is written under a temporary name carrying the \
            process id and linked into place when complete; the leftovers of killed runs are \
            removed by the next one. PATH must not exist and is created with mode 0600. Works \
            on any SQLite database, migrated or not: a copy needs no knowledge of the schema.
            """,
        positionals: [destination],
        examples: ["socializer backup /var/backups/socializer-$(date +%F).db"],
        output: OutputCheck.fields(["source", "backup", "elapsed_ms"]), action: run)

    static let destination = Positional.string("PATH", .path, help: "Where to write the copy (must not exist).")

    static func run(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let destination = arguments[destination]
        if case .postgres(let url) = context.globals.database { return try PostgresBackup.run(url, destination: destination, context) }
        let connection = try context.openConnection(.read)
        let stopwatch = Stopwatch()
        try connection.backup(to: destination)
        if context.globals.quiet { return .success }
        try context.recordRenderer().render([
            ("source", .text(context.globals.databasePath)), ("backup", .text(destination)),
            ("elapsed_ms", .integer(stopwatch.elapsedMilliseconds)),
        ])
        return .success
    }
}
