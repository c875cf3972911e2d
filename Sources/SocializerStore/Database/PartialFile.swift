import SocializerCore
#if canImport(Glibc)
import Glibc
#endif

/// A database file built under a temporary name beside its final path and
/// linked into place only when complete (backups, and the database `migrate
/// up` creates). Nobody ever sees a half-made file under the final name, and
/// linking never replaces a file that appeared meanwhile.
///
/// The temporary name carries the process id (`NAME.socializer-partial-PID`),
/// so a later run can tell the leftovers of a killed process (kill -9, power
/// loss) from the work of a live one, and removes them.
public struct PartialFile {
    static let marker = ".socializer-partial-"
    /// SQLite's companion files of a database file.
    static let companions = ["", "-journal", "-wal", "-shm"]

    /// The final path.
    public let destination: String
    /// Where the file is built.
    public let path: String

    public init(destination: String) {
        self.destination = destination
        path = destination + PartialFile.marker + String(getpid())
    }

    /// Removes the temporary file and SQLite's journal, WAL and shm beside it.
    public func discard() {
        for suffix in PartialFile.companions { unlink(path + suffix) }
    }

    /// Links the finished file to `destination` (or to `name`) and drops the
    /// temporary name. Returns false, leaving everything as it was, when that
    /// name exists: `link(2)` never replaces a file, so two processes cannot
    /// overwrite each other's result, where check-then-rename could.
    public func place(at name: String? = nil) throws -> Bool {
        let target = name ?? destination
        syncFile()
        if link(path, target) != 0 {
            let error = errno
            if error == EEXIST { return false }
            // A file system without hard links: rename, after a last check.
            guard error == EPERM || error == EOPNOTSUPP || error == EXDEV else {
                throw SocializerError(.cannotCreate, "cannot create '\(target)': \(String(cString: strerror(error)))")
            }
            if access(target, F_OK) == 0 { return false }
            guard rename(path, target) == 0 else {
                throw SocializerError(.cannotCreate, "cannot create '\(target)': \(String(cString: strerror(errno)))")
            }
        } else {
            unlink(path)
        }
        PartialFile.syncFolder(of: target)
        return true
    }

    /// Puts the finished file in place of `destination`, whatever is there
    /// (rename(2) replaces atomically: a reader sees the old file or the new
    /// one). The old file's journal, WAL and shared-memory files go first:
    /// a WAL left beside the new file would be replayed into it.
    public func replace() throws {
        syncFile()
        for suffix in PartialFile.companions where !suffix.isEmpty { unlink(destination + suffix) }
        guard rename(path, destination) == 0 else {
            throw SocializerError(.cannotCreate, "cannot replace '\(destination)': \(String(cString: strerror(errno)))")
        }
        PartialFile.syncFolder(of: destination)
    }

    /// Makes the file's data durable before it gets its name (a file built
    /// without syncs, in bulk, relies on this; for others it costs nothing).
    func syncFile() {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Makes the new name durable (the file's own data was synced by SQLite).
    static func syncFolder(of path: String) {
        let fd = open(folder(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    /// Removes, in the folder that will hold `path`, the partial files and
    /// journals of processes that no longer run. Files of live processes
    /// (and of process ids this user cannot signal) are left alone.
    public static func removeStale(besides path: String) {
        let folder = folder(of: path)
        guard let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        let me = getpid()
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard let pid = ownerProcess(ofPartialFileNamed: name), pid != me else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink(folder + "/" + name)
            }
        }
    }

    /// The process id in `NAME.socializer-partial-PID[-journal|-wal|-shm]`.
    static func ownerProcess(ofPartialFileNamed name: String) -> pid_t? {
        guard let range = name.firstRange(of: marker), range.lowerBound != name.startIndex else { return nil }
        let tail = name[range.upperBound...]
        let digits = tail.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 10, companions.contains(String(tail.dropFirst(digits.count))),
              let pid = pid_t(digits), pid > 0 else { return nil }
        return pid
    }
}
