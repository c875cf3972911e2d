import CCrypt
import SocializerCore
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// bcrypt through libxcrypt (https://manpages.debian.org/bookworm/libcrypt-dev/crypt_rn.3.en.html),
/// the same library Python's `crypt` and most Linux systems use.
///
/// Thread-safe: every call brings its own `struct crypt_data`.
public enum Bcrypt {
    public static let defaultCost = 12
    public static let costRange = 4...31
    public static let maximumPasswordBytes = 72

    /// Why a new password is refused (BAD-INPUT rows 26–28). Never holds the password.
    public enum PasswordProblem: Error, Sendable, Equatable {
        case empty
        case tooLong(bytes: Int)
        case containsNUL
        case notUTF8

        public var message: String {
            switch self {
            case .empty: return "the password is empty"
            case .tooLong(let bytes):
                return "the password is \(bytes) bytes long; bcrypt uses at most 72 bytes and socializer never truncates"
            case .containsNUL: return "the password contains a NUL byte, which bcrypt cannot hash"
            case .notUTF8: return "the password is not valid UTF-8"
            }
        }
    }

    /// Checks a password before it is hashed; refuses rather than truncate.
    public static func validateNewPassword(_ password: [UInt8]) throws(PasswordProblem) {
        if password.isEmpty { throw .empty }
        if password.contains(0) { throw .containsNUL }
        if password.count > maximumPasswordBytes { throw .tooLong(bytes: password.count) }
        if String(validating: password, as: UTF8.self) == nil { throw .notUTF8 }
    }

    /// `$2b$` hash of a new password at `cost`, with a salt from OpenSSL's CSPRNG.
    public static func hash(_ password: [UInt8], cost: Int = defaultCost) throws -> String {
        do {
            try validateNewPassword(password)
        } catch {
            throw SocializerError.invalid(error.message)
        }
        guard costRange.contains(cost) else {
            throw SocializerError.usage("bcrypt cost \(cost) is outside 4 to 31")
        }
        let salt = try SecureRandom.bytes(16)
        var setting = [CChar](repeating: 0, count: Int(ccrypt_gensalt_output_size()))
        let made = salt.withUnsafeBytes { random in
            CryptoLibraries.xcrypt.gensalt("$2b$", UInt(cost), random.baseAddress?.assumingMemoryBound(to: CChar.self),
                             Int32(random.count), &setting, Int32(setting.count))
        }
        guard made != nil else {
            throw SocializerError.internalError("libxcrypt could not make a bcrypt salt (crypt_gensalt_rn)")
        }
        guard let result = try run(password, setting: String(cString: setting)) else {
            throw SocializerError.internalError("libxcrypt could not hash the password (crypt_rn)")
        }
        return result
    }

    /// Hashes many passwords on all cores (bulk imports); the order is kept.
    public static func hashConcurrently(_ passwords: [[UInt8]], cost: Int = defaultCost) throws -> [String] {
        try concurrentMap(passwords.count) { try hash(passwords[$0], cost: cost) }
    }

    /// Runs `body` for 0..<count on all cores (bcrypt is deliberately slow);
    /// results keep their order and the first error is rethrown.
    public static func concurrentMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
        let results = Mutex([Result<T, Error>?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let outcome = Result { try body(index) }
            results.withLock { $0[index] = outcome }
        }
        return try results.withLock { $0 }.map { try $0!.get() }
    }

    /// bcrypt's base64 alphabet: `./A-Za-z0-9`.
    private static func isBcryptBase64(_ c: UInt8) -> Bool {
        c == 0x2E || c == 0x2F || (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
    }

    /// Whether `hash` looks like a bcrypt hash socializer can verify.
    public static func isSupportedHash(_ hash: String) -> Bool {
        let b = Array(hash.utf8)
        guard b.count == 60, b[0] == UInt8(ascii: "$"), b[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(b[2]), b[3] == UInt8(ascii: "$"),
              b[6] == UInt8(ascii: "$"),
              let cost = Int(String(decoding: b[4..<6], as: UTF8.self)), costRange.contains(cost) else { return false }
        return b[7...].allSatisfy(isBcryptBase64)
    }

    /// What an unverifiable stored hash looks like, in words that name no
    /// part of it: the app's test scripts left unsalted SHA-256 digests.
    public static func describeUnsupported(_ hash: String) -> String {
        let b = Array(hash.utf8)
        if b.isEmpty { return "empty" }
        if b.count == 64, b.allSatisfy(Hex.isDigit) { return "SHA-256 digest" }
        if b.count >= 4, b[0] == UInt8(ascii: "$"), b[1] == UInt8(ascii: "2"), b[3] == UInt8(ascii: "$") {
            if [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(b[2]) { return "malformed bcrypt" }
            return (0x61...0x7A).contains(b[2]) ? "bcrypt variant $2\(Character(UnicodeScalar(b[2])))$" : "unknown bcrypt variant"
        }
        return "not bcrypt $2a$, $2b$ or $2y$"
    }

    /// Verifies a password against a `$2a$`, `$2b$` or `$2y$` hash made by
    /// any implementation (the app uses passlib). As the app does, only the
    /// first 72 bytes count. Throws "unsupported password hash" for other
    /// hash forms and for passwords C cannot pass (a NUL byte).
    public static func verify(_ password: [UInt8], against hash: String) throws -> Bool {
        guard isSupportedHash(hash) else {
            throw SocializerError.invalid("unsupported password hash (\(describeUnsupported(hash)))")
        }
        guard !password.contains(0) else {
            throw SocializerError.invalid(PasswordProblem.containsNUL.message)
        }
        guard let computed = try run(password, setting: hash) else { return false }
        return Digest.constantTimeEqual(Array(computed.utf8), Array(hash.utf8))
    }

    /// One `crypt_rn` call; nil when libxcrypt rejects the setting.
    private static func run(_ password: [UInt8], setting: String) throws -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer {
            // The work area held key material: wipe it before freeing.
            UnsafeMutableRawPointer(data).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        UnsafeMutableRawPointer(data).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
        var key = password.map { CChar(bitPattern: $0) } + [0]
        defer { for i in key.indices { key[i] = 0 } }
        guard let output = CryptoLibraries.xcrypt.crypt(key, setting, data, Int32(MemoryLayout<crypt_data>.size)) else { return nil }
        let text = String(cString: output)
        return text.hasPrefix("*") ? nil : text
    }
}

