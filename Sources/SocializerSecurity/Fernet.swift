import SocializerCore

/// A Fernet key: 32 bytes, the signing half first, then the encryption half
/// (https://github.com/fernet/spec/blob/master/Spec.md).
public struct FernetKey: Sendable, Equatable {
    public let signingKey: [UInt8]
    public let encryptionKey: [UInt8]

    public init(bytes: [UInt8]) throws(FernetError) {
        guard bytes.count == 32 else { throw .invalidKey }
        signingKey = Array(bytes[0..<16])
        encryptionKey = Array(bytes[16..<32])
    }

    /// Reads a stored key. Python's `cryptography` accepts some spellings
    /// beyond the canonical one, and a key the app stored must keep working
    /// here: ASCII whitespace is ignored and either base64 alphabet is read;
    /// the padding must be right and nothing else may appear.
    public init(encoded text: String) throws(FernetError) {
        guard let bytes = Fernet.decodeLenient(text), bytes.count == 32 else { throw .invalidKey }
        try self.init(bytes: bytes)
    }

    /// A new random key.
    public static func generate() throws -> FernetKey {
        try FernetKey(bytes: SecureRandom.bytes(32))
    }

    /// url-safe base64 with padding: what the app stores in users.encryption_key.
    public var encoded: String { Base64.encode(signingKey + encryptionKey, alphabet: .url) }
}

/// Every Fernet failure; decryption failures are one generic error on
/// purpose, so nothing about a token's insides leaks.
public enum FernetError: Error, Sendable, Equatable {
    case invalidKey
    case invalidToken

    public var message: String {
        switch self {
        case .invalidKey: return "invalid Fernet key (expected 32 url-safe base64-encoded bytes)"
        case .invalidToken: return "invalid token"
        }
    }
}

/// Fernet tokens: version 0x80, 64-bit big-endian timestamp, 128-bit IV,
/// AES-128-CBC with PKCS7 padding, HMAC-SHA256 over all of that; url-safe
/// base64 with padding. AES and HMAC come from OpenSSL EVP.
public enum Fernet {
    static let version: UInt8 = 0x80
    /// Tokens from more than this far in the future are refused (the spec's clock skew).
    public static let maximumClockSkew: Int64 = 60

    public static func encrypt(_ plaintext: [UInt8], key: FernetKey, now: Int64, iv: [UInt8]? = nil) throws -> String {
        let iv = try iv ?? SecureRandom.bytes(16)
        precondition(iv.count == 16, "a Fernet IV is 16 bytes")
        let ciphertext = try aes128CBC(encrypt: true, key: key.encryptionKey, iv: iv, input: plaintext)
        var body: [UInt8] = [version]
        for shift in stride(from: 56, through: 0, by: -8) { body.append(UInt8(truncatingIfNeeded: UInt64(bitPattern: now) >> UInt64(shift))) }
        body += iv
        body += ciphertext
        body += Digest.hmac(.sha256, key: key.signingKey, message: body)
        return Base64.encode(body, alphabet: .url)
    }

    /// Decrypts and authenticates a token. With `ttl`, tokens older than
    /// `ttl` seconds are refused; tokens stamped too far ahead always are.
    public static func decrypt(_ token: String, key: FernetKey, ttl: Int64? = nil, now: Int64) throws(FernetError) -> [UInt8] {
        guard let data = decodeLenient(token, requirePadding: true), data.count >= 1 + 8 + 16 + 16 + 32,
              data[0] == version, (data.count - 57) % 16 == 0 else { throw .invalidToken }
        var timestamp: Int64 = 0
        for byte in data[1..<9] { timestamp = timestamp << 8 | Int64(byte) }
        let signed = Array(data[0..<(data.count - 32)])
        let mac = Array(data[(data.count - 32)...])
        guard Digest.constantTimeEqual(Digest.hmac(.sha256, key: key.signingKey, message: signed), mac) else {
            throw .invalidToken
        }
        if let ttl, timestamp + ttl < now { throw .invalidToken }
        if timestamp > now + maximumClockSkew { throw .invalidToken }
        let iv = Array(data[9..<25])
        let ciphertext = Array(data[25..<(data.count - 32)])
        guard let plaintext = try? aes128CBC(encrypt: false, key: key.encryptionKey, iv: iv, input: ciphertext) else {
            throw .invalidToken
        }
        return plaintext
    }

    /// Base64 as Python reads it for Fernet: whitespace ignored, either alphabet.
    static func decodeLenient(_ text: String, requirePadding: Bool = true) -> [UInt8]? {
        // Already canonical (what the app and export write): decoded as it is.
        if !text.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x2B || $0 == 0x2F }) {
            return Base64.decode(text, alphabet: .url, padding: requirePadding)
        }
        let canonical = text.unicodeScalars.filter { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r") }
            .map { $0 == "+" ? "-" : $0 == "/" ? "_" : Character($0) }
        return Base64.decode(String(canonical), alphabet: .url, padding: requirePadding)
    }

    /// AES-128-CBC with PKCS7 padding through EVP_Cipher* (https://docs.openssl.org/3.0/man3/EVP_EncryptInit/).
    static func aes128CBC(encrypt: Bool, key: [UInt8], iv: [UInt8], input: [UInt8]) throws -> [UInt8] {
        let crypto = CryptoLibraries.crypto
        guard let context = crypto.cipherContextNew() else {
            throw SocializerError.internalError("OpenSSL could not allocate a cipher context")
        }
        defer { crypto.cipherContextFree(context) }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var written: Int32 = 0
        var final: Int32 = 0
        let ok = crypto.cipherInit(context, crypto.aes128CBC(), nil, key, iv, encrypt ? 1 : 0) == 1
            && input.withUnsafeBufferPointer { crypto.cipherUpdate(context, &output, &written, $0.baseAddress, Int32(input.count)) } == 1
            && output.withUnsafeMutableBufferPointer { crypto.cipherFinal(context, $0.baseAddress! + Int(written), &final) } == 1
        guard ok else {
            crypto.clearErrors()
            throw SocializerError.invalid("invalid token")
        }
        return Array(output[0..<Int(written + final)])
    }
}
