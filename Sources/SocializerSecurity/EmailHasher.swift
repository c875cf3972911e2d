import SocializerCore

/// Keyed, deterministic email hashes (SPEC §6): HMAC-SHA256 of the trimmed,
/// lower-cased address, prefixed with its scheme so a stored value says
/// how it was made. Lookups and uniqueness work on the hash; the address
/// itself is never stored.
public struct EmailHasher: Sendable {
    public static let scheme = "hmac-sha256:"
    public static let minimumKeyBytes = 16
    let key: [UInt8]

    public init(key: [UInt8]) throws {
        guard key.count >= EmailHasher.minimumKeyBytes else {
            throw SocializerError.configuration("the email key is shorter than \(EmailHasher.minimumKeyBytes) bytes",
                                                hint: "use a long random value, for example: openssl rand -hex 32")
        }
        self.key = key
    }

    public static func normalize(_ address: String) -> String {
        address.trimmedSpaces.lowercased()
    }

    /// Refuses what cannot be an address, naming no part of it.
    public static func validate(_ address: String) throws {
        let text = normalize(address)
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else {
            throw SocializerError.invalid("that is not an email address (expected name@domain)")
        }
    }

    public func hash(_ address: String) -> String {
        EmailHasher.scheme + Hex.encode(Digest.hmac(.sha256, key: key, message: Array(EmailHasher.normalize(address).utf8)))
    }

    /// The app's older rows hold a salted bcrypt hash of the address.
    public static func isLegacyBcrypt(_ stored: String) -> Bool { Bcrypt.isSupportedHash(stored) }
}
