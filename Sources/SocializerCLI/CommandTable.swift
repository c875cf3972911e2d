/// The one command table: every command, verb, positional and option, with
/// types and help. The parser, `--help`, "did you mean", shell completion
/// and the man-page test all read it; nothing about a command is written
/// down anywhere else.
public enum CommandTable {
    public static let root = CommandNode(
        "socializer",
        summary: "Administer the database of the Socializer app.",
        discussion: """
            socializer manages the database that the Socializer web app uses (SQLite or PostgreSQL): \
            its users, skills and training, revoked tokens and error logs, its schema and migrations, the audit trail of every change, and backups. \
            Every command takes the global options; the database is --db, else $SOCIALIZER_DB, else the app's $DATABASE_URL, else ./socializer.db.
            """,
        children: [
            UsersCommand.node,
            SkillsCommand.node,
            TrainingCommand.node,
            RoomsCommand.node,
            InvitesCommand.node,
            TokensCommand.node,
            LogsCommand.node,
            MigrateCommand.node,
            SeedCommand.node,
            DumpCommand.node,
            BackupCommand.node,
            AuditCommand.node,
            DoctorCommand.node,
            CompletionCommand.node,
            HelpCommand.node,
        ])

    public static let globals = GlobalOptions.specs

    /// The node at `path`, if there is one.
    public static func node(at path: [String]) -> CommandNode? {
        var node = root
        for name in path {
            guard let next = node.child(name) else { return nil }
            node = next
        }
        return node
    }
}
