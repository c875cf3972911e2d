import SocializerCore

/// The forms `users.hashed_email` holds, depending on what wrote it (SPEC §2).
public enum EmailFormat: String, Sendable, CaseIterable {
    /// `hmac-sha256:` and a keyed digest: this tool's default.
    case keyed = "hmac"
    /// The address as typed: the app's registration today.
    case plain
    /// A salted bcrypt hash of the address: older app versions.
    case bcrypt
    /// An unsalted SHA-256 hex digest of the address: the app's test scripts.
    case sha256
    /// `no-email:…`, the placeholder of a user created without an address.
    case none
    /// None of the above.
    case unknown

    public static func of(_ stored: String) -> EmailFormat {
        if stored.hasPrefix(EmailHasher.scheme) { return .keyed }
        if stored.hasPrefix(noEmailPrefix) { return .none }
        if EmailHasher.isLegacyBcrypt(stored) { return .bcrypt }
        if stored.utf8.count == 64, stored.utf8.allSatisfy({ Hex.isDigit($0) }) { return .sha256 }
        if stored.contains("@") { return .plain }
        return .unknown
    }

    /// `hashed_email` is NOT NULL UNIQUE: users without an address get a
    /// unique value that says so.
    public static let noEmailPrefix = "no-email:"
}

/// How new addresses are written: `$SOCIALIZER_EMAIL_SCHEME`, `hmac` (the
/// default: a keyed hash, the address is never stored) or `plain` (trimmed
/// and lower-cased, for deployments whose app looks users up by the typed
/// address).
public enum EmailScheme: Sendable {
    case keyed(EmailHasher)
    case plain

    public static let names = ["hmac", "plain"]

    public func store(_ address: String) -> String {
        switch self {
        case .keyed(let hasher): return hasher.hash(address)
        case .plain: return EmailHasher.normalize(address)
        }
    }
}

/// Finds an address in every stored form. The keyed hash and the SHA-256
/// digests are exact values (the UNIQUE index on hashed_email answers them),
/// plain text is compared trimmed and case-insensitively (the index on
/// `lower(trim(hashed_email))` answers it), and the app's salted bcrypt
/// hashes can only be tried one by one.
public struct EmailLookup: Sendable {
    /// nil when no email key is configured: keyed hashes cannot be matched.
    public let hasher: EmailHasher?

    public init(hasher: EmailHasher?) { self.hasher = hasher }

    /// Stored values that are exactly this address: its keyed hash and its
    /// SHA-256 digests (of the address as given, trimmed, and normalized).
    public func exactValues(_ address: String) -> [String] {
        var values: [String] = []
        if let hasher { values.append(hasher.hash(address)) }
        for form in [address, address.trimmedSpaces, EmailHasher.normalize(address)] {
            let digest = Hex.encode(Digest.sha256(Array(form.utf8)))
            if !values.contains(digest) { values.append(digest) }
        }
        return values
    }

    /// Values of `lower(trim(hashed_email))` that are this address: SQLite's
    /// `lower` folds ASCII letters only, so both that folding of the typed
    /// address and the fully lower-cased form the tool writes are given.
    public func plainKeys(_ address: String) -> [String] {
        let ascii = EmailLookup.asciiLowercased(address.trimmedSpaces)
        let full = EmailHasher.normalize(address)
        return ascii == full ? [ascii] : [ascii, full]
    }

    /// SQLite's `lower()`: ASCII letters only.
    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// Whether `stored`, in any of the forms, is `address` (a keyed hash
    /// only when a key is configured). Digests are compared in constant time.
    public func matches(_ address: String, stored: String) throws -> Bool {
        switch EmailFormat.of(stored) {
        case .keyed, .sha256:
            return exactValues(address).contains { Digest.constantTimeEqual(Array($0.utf8), Array(stored.utf8)) }
        case .plain:
            return plainKeys(address).contains(EmailLookup.asciiLowercased(stored.trimmingSQLSpaces))
        case .bcrypt:
            return try matchesBcrypt(address, stored: stored)
        case .none, .unknown:
            return false
        }
    }

    /// Whether a salted bcrypt hash the app stored is this address.
    public func matchesBcrypt(_ address: String, stored: String) throws -> Bool {
        let normalized = Array(EmailHasher.normalize(address).utf8)
        if try Bcrypt.verify(normalized, against: stored) { return true }
        let given = Array(address.trimmedSpaces.utf8)
        if given == normalized { return false }
        return try Bcrypt.verify(given, against: stored)
    }
}

extension String {
    /// SQLite's `trim(X)`: spaces only.
    var trimmingSQLSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
