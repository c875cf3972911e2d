#if canImport(Glibc)
import Glibc
#endif

/// Whether a database file may be written, as socializer decides it: a
/// file or folder with no write permission bit at all was made read-only
/// on purpose, and is treated so even for root (whom `access` would let
/// through). The CLI refuses writes by it before opening anything; `doctor`
/// gives a remedy that does not need a write.
public enum FileWritability: Sendable, Equatable {
    case writable
    /// The file itself is read-only.
    case readOnlyFile
    /// SQLite cannot create its journal beside the file.
    case readOnlyFolder(String)

    public static func of(databaseAt path: String) -> FileWritability {
        var info = stat()
        guard stat(path, &info) == 0 else { return .writable } // missing: the open reports it
        if access(path, W_OK) != 0 || info.st_mode & 0o222 == 0 { return .readOnlyFile }
        let folder = directory(of: path)
        var folderInfo = stat()
        if access(folder, W_OK) != 0 || (stat(folder, &folderInfo) == 0 && folderInfo.st_mode & 0o222 == 0) {
            return .readOnlyFolder(folder)
        }
        return .writable
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }
}
