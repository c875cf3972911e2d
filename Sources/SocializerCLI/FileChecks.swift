#if canImport(Glibc)
import Glibc
#endif
import SocializerCore

/// Checks done before a write starts, so that a write that cannot succeed
/// fails with a clear sentence and without side effects (no backup file, no
/// half-open journal).
enum FileChecks {
    static func requireWritable(databaseAt path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return } // missing: the open reports it
        // No write bit at all means someone made it read-only on purpose;
        // honour that even for root, whom access() would let through.
        if access(path, W_OK) != 0 || info.st_mode & 0o222 == 0 {
            throw SocializerError(.permissionDenied, "database '\(path)' is read-only; nothing was changed",
                                  hint: "reads still work; to write, make the file writable")
        }
        let folder = directory(of: path)
        var folderInfo = stat()
        if access(folder, W_OK) != 0 || (stat(folder, &folderInfo) == 0 && folderInfo.st_mode & 0o222 == 0) {
            throw SocializerError(.permissionDenied,
                "the folder '\(folder)' is not writable; SQLite needs to create its journal beside the database",
                hint: "reads still work; to write, make the folder writable")
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }
}
