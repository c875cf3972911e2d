import SocializerCore
import SocializerStore

/// `socializer dump`: the whole database as a fixture that `seed` loads
/// back to the same rows (SPEC §7).
enum DumpCommand {
    static let includeSecrets = Option.flag("include-secrets",
        help: "Add password hashes, encryption keys, memory and room passwords (redirect to a private file).")

    static let node = CommandNode(
        "dump",
        summary: "Write the whole database as a fixture (json, or jsonl with --format jsonl) that seed loads back.",
        discussion: """
            Streams every table group in load order from one read snapshot, with records naming \
            each other by natural keys; memory stays flat whatever the row count. Secrets are left \
            out unless --include-secrets. A dump with secrets, seeded into an empty database and \
            dumped again, gives the same bytes.
            """,
        options: [includeSecrets],
        examples: ["socializer dump > snapshot.json", "(umask 077; socializer dump --include-secrets --format jsonl > full.jsonl)",
                   "socializer --db app.db dump --include-secrets | socializer --db copy.db seed - --input-format json"],
        output: OutputCheck.document([.json, .jsonl]), action: run)

    static func run(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let db = try context.openEngine(.read)
        let form: FixtureDumper.Form = context.globals.format == .jsonl ? .lines : .document
        try FixtureIO.write(FixtureDumper(db, includeSecrets: arguments[includeSecrets], form: form), db, context)
        return .success
    }
}
