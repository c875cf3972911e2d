import SocializerCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file holding a secret (a password, a JWT secret, an email key).
public enum SecretFile {
    /// The file's bytes with one trailing line break removed. A file that
    /// its group or others can read is refused unless `allowInsecure`: a
    /// secret is only as safe as the file it sits in. `option` names the
    /// file in messages; the CLI passes the option it came from.
    public static func read(_ path: String, option: String, allowInsecure: Bool) throws -> [UInt8] {
        let (bytes, mode) = try FileReader.read(path, what: option, limit: FileReader.Limit.secretFile)
        if mode & 0o044 != 0 && !allowInsecure {
            throw SocializerError(.permissionDenied,
                "\(option) '\(path)' can be read by its group or by others (mode \(String(mode & 0o777, radix: 8)))",
                reason: .insecureSecretFile(path: path))
        }
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
