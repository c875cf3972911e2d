import SocializerCore
import SocializerStore

/// Checks done before a write starts, so that a write that cannot succeed
/// fails with a clear sentence and without side effects (no backup file, no
/// half-open journal).
enum FileChecks {
    static func requireWritable(databaseAt path: String) throws {
        switch FileWritability.of(databaseAt: path) {
        case .writable:
            return
        case .readOnlyFile:
            throw SocializerError(.permissionDenied, "database '\(path)' is read-only; nothing was changed",
                                  hint: "reads still work; to write, make the file writable")
        case .readOnlyFolder(let folder):
            throw SocializerError(.permissionDenied,
                "the folder '\(folder)' is not writable; SQLite needs to create its journal beside the database",
                hint: "reads still work; to write, make the folder writable")
        }
    }
}
