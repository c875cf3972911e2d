#if canImport(Glibc)
import Glibc
#endif

/// Reads whole input files, naming the file and what it is for in every
/// error (BAD-INPUT row 7: missing and directory 66, unreadable 77).
///
/// Every read has a size limit, checked while reading: an endless source
/// (`/dev/zero`, a pipe that never closes) is refused once the limit is
/// passed, in constant time and memory, rather than after filling memory.
public enum FileReader {
    /// The limits of SPEC's input sources, in one place so the README and
    /// the man pages can quote them (and a test keeps them honest).
    public enum Limit {
        /// `users import` files.
        public static let importFile = 64 * 1024 * 1024
        /// Fixture files (`seed`): read as a stream, memory flat, so the cap
        /// only stops an endless source.
        public static let fixtureFile = 16 * 1024 * 1024 * 1024
        /// `users memory set --file/--stdin`.
        public static let memory = 16 * 1024 * 1024
        /// `logs add --stack-file`.
        public static let stackTrace = 1024 * 1024
        /// `--password-file`, `--secret-file`, `--email-key-file`.
        public static let secretFile = 64 * 1024
        /// A line of standard input holding a password or an answer.
        public static let line = 4 * 1024
    }

    /// "64 MiB", "4 KiB", "100 bytes".
    public static func describe(_ limit: Int) -> String {
        if limit >= 1 << 30 && limit % (1 << 30) == 0 { return "\(limit >> 30) GiB" }
        if limit >= 1 << 20 && limit % (1 << 20) == 0 { return "\(limit >> 20) MiB" }
        if limit >= 1 << 10 && limit % (1 << 10) == 0 { return "\(limit >> 10) KiB" }
        return "\(limit) bytes"
    }

    /// The bytes of `path` (at most `limit` of them) and its permission bits;
    /// `what` names it in messages ("file", "--password-file").
    public static func read(_ path: String, what: String = "file", limit: Int) throws -> (bytes: [UInt8], mode: UInt32) {
        let fd = try openForStreaming(path, what: what, limit: limit)
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        var bytes: [UInt8] = []
        if (info.st_mode & S_IFMT) == S_IFREG { bytes.reserveCapacity(Int(info.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        // The chunk (and a refused input) may hold a secret: wiped, not just freed.
        defer { wipe(&chunk) }
        while true {
            // Never ask for more than one byte past the limit: that byte is
            // enough to know the source is too large.
            let wanted = min(chunk.count, limit + 1 - bytes.count)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, wanted) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocializerError(.ioError, "cannot read \(what) '\(path)': \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit {
                wipe(&bytes)
                throw tooLarge(path, what: what, limit: limit)
            }
        }
        return (bytes, UInt32(info.st_mode & 0o7777))
    }

    /// Opens `path` for a streaming read, with the checks and messages of
    /// `read` (missing, a directory, unreadable, a regular file over `limit`);
    /// the caller reads it through a `ByteReader` with the same limit and
    /// closes the descriptor.
    public static func openForStreaming(_ path: String, what: String = "file", limit: Int) throws -> Int32 {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == EACCES { throw SocializerError(.permissionDenied, "cannot read \(what) '\(path)': permission denied") }
            throw SocializerError.notFound("\(what) '\(path)' does not exist")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw SocializerError.notFound("\(what) '\(path)' is a directory, not a file")
        }
        if (info.st_mode & S_IFMT) == S_IFREG && Int(info.st_size) > limit {
            throw tooLarge(path, what: what, limit: limit)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == EACCES { throw SocializerError(.permissionDenied, "cannot read \(what) '\(path)': permission denied") }
            throw SocializerError(.ioError, "cannot open \(what) '\(path)': \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// A `ByteReader.Source` over a descriptor; `name` is for its errors.
    public static func source(fd: Int32, what: String, path: String) -> ByteReader.Source {
        { target in
            while true {
                let n = Glibc.read(fd, target.baseAddress, target.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SocializerError(.ioError, "cannot read \(what) '\(path)': \(String(cString: strerror(errno)))")
                }
                return n
            }
        }
    }

    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { _ = memset(base, 0, buffer.count) }
        }
    }

    public static func tooLarge(_ path: String, what: String, limit: Int) -> SocializerError {
        SocializerError.invalid("\(what) '\(path)' is larger than \(describe(limit)), the limit for it; nothing was read",
                                hint: "see INPUT LIMITS in socializer(1)")
    }
}
