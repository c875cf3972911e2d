#if canImport(Glibc)
import Glibc
#endif

/// Reads whole input files, naming the file and what it is for in every
/// error (BAD-INPUT row 7: missing and directory 66, unreadable 77).
public enum FileReader {
    /// The bytes of `path` and its permission bits; `what` names it in
    /// messages ("file", "--password-file").
    public static func read(_ path: String, what: String = "file") throws -> (bytes: [UInt8], mode: UInt32) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == EACCES { throw SocializerError(.permissionDenied, "cannot read \(what) '\(path)': permission denied") }
            throw SocializerError.notFound("\(what) '\(path)' does not exist")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw SocializerError.notFound("\(what) '\(path)' is a directory, not a file")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == EACCES { throw SocializerError(.permissionDenied, "cannot read \(what) '\(path)': permission denied") }
            throw SocializerError(.ioError, "cannot open \(what) '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocializerError(.ioError, "cannot read \(what) '\(path)': \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        for i in chunk.indices { chunk[i] = 0 }
        return (bytes, UInt32(info.st_mode & 0o7777))
    }
}
