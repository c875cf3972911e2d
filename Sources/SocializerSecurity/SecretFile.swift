import SocializerCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file holding a secret (a password, a JWT secret, an email key).
public enum SecretFile {
    /// The file's bytes with one trailing line break removed. A file that
    /// its group or others can read is refused unless `allowInsecure`: a
    /// secret is only as safe as the file it sits in.
    public static func read(_ path: String, option: String, allowInsecure: Bool) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == EACCES { throw SocializerError(.permissionDenied, "cannot read \(option) '\(path)': permission denied") }
            throw SocializerError.notFound("\(option) '\(path)' does not exist")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw SocializerError.notFound("\(option) '\(path)' is a directory, not a file")
        }
        if info.st_mode & 0o044 != 0 && !allowInsecure {
            throw SocializerError(.permissionDenied,
                "\(option) '\(path)' can be read by its group or by others (mode \(String(info.st_mode & 0o777, radix: 8)))",
                hint: "restrict it with: chmod 600 \(path)   (or pass --insecure-file-ok)")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SocializerError(.permissionDenied, "cannot read \(option) '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        for i in chunk.indices { chunk[i] = 0 }
        return PasswordInput.strippingOneLineBreak(bytes)
    }
}

/// Turning raw secret input into a password, with the checks of BAD-INPUT rows 26–29.
public enum PasswordInput {
    /// Strips exactly one trailing LF, and a CR before it (documented).
    public static func strippingOneLineBreak(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        if bytes.last == 0x0A {
            bytes.removeLast()
            if bytes.last == 0x0D { bytes.removeLast() }
        }
        return bytes
    }

    /// A password for hashing: refused (exit 65) when empty, over 72 bytes,
    /// holding a NUL, or not UTF-8.
    public static func requireValidNew(_ password: [UInt8]) throws -> [UInt8] {
        do {
            try Bcrypt.validateNewPassword(password)
        } catch {
            throw SocializerError.invalid(error.message)
        }
        return password
    }
}
