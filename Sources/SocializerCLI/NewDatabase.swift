import SocializerCore
import SocializerStore

/// A database built under a temporary name beside `--db` (WAL mode,
/// migrated), filled by the caller, and put in place only when complete:
/// no other process ever sees, migrates or deletes a half-made database,
/// and a killed run leaves a temporary file the next run removes
/// (`PartialFile`). `migrate up` builds a missing database this way, and
/// `seed` a missing one or, with `--fresh`, a replacement.
enum NewDatabase {
    enum Placement {
        /// Only where nothing is: link(2) never replaces a file.
        case link
        /// In place of whatever is there (rename(2), atomic).
        case replace
    }

    /// Builds the database and runs `body` on it; the connection is closed
    /// (its WAL checkpointed into the file) before the file is placed.
    /// Returns nil, having discarded its work, when `.link` finds the name
    /// taken meanwhile. Without a placement nothing is placed (a dry run);
    /// `dryRunMigrations` then rolls each migration back too.
    ///
    /// With `bulk`, the file is built with its rollback journal in memory
    /// and without syncs, and turned to WAL at the end: nobody else can see
    /// it before it is placed, a failure or a crash discards it, and a bulk
    /// load then writes each page once instead of twice. It is synced before
    /// it is placed.
    /// `destination` is where the file goes (default `--db`; `seed --fresh`
    /// gives the file a symbolic link points at, which it replaces).
    static func build<T>(_ context: CommandContext, placement: Placement?, dryRunMigrations: Bool = false, to target: Int? = nil,
                         bulk: Bool = false, destination: String? = nil,
                         _ body: (Connection, [MigrationRun]) throws -> T) throws -> T? {
        let path = destination ?? context.globals.databasePath
        let partial = PartialFile(destination: path)
        partial.discard()
        defer { partial.discard() }
        let value = try {
            // Closed at the end of this closure: the WAL is checkpointed into
            // the file and removed, so the file is whole before it is placed.
            let connection = try Connection(path: partial.path, mode: .createIfMissing,
                                            busyTimeoutMilliseconds: context.globals.busyTimeoutMilliseconds,
                                            reportedPath: path)
            context.traceIfVerbose(connection)
            if bulk {
                try connection.beginUnsyncedBuild()
            } else if !dryRunMigrations {
                try connection.enableWAL()
            }
            let runs = try Migrator(connection: connection, clock: context.clock).up(to: target, dryRun: dryRunMigrations)
            let value = try body(connection, runs)
            if bulk {
                try connection.endUnsyncedBuild()
            } else if placement != nil {
                // Only the file is placed: everything must be in it, not in the WAL.
                try connection.checkpointCompletely()
            }
            return value
        }()
        switch placement {
        case nil: return value
        case .link?: return try partial.place() ? value : nil
        case .replace?:
            try partial.replace()
            return value
        }
    }
}
