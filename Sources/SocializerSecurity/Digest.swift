import COpenSSL
import SocializerCore

/// SHA-2 digests and HMAC through OpenSSL's EVP interface
/// (https://docs.openssl.org/3.0/man3/EVP_DigestInit/,
/// https://docs.openssl.org/3.0/man3/HMAC/).
public enum DigestAlgorithm: Sendable {
    case sha256, sha384, sha512

    var evp: OpaquePointer? {
        let crypto = CryptoLibraries.crypto
        switch self {
        case .sha256: return crypto.sha256()
        case .sha384: return crypto.sha384()
        case .sha512: return crypto.sha512()
        }
    }

    public var byteCount: Int {
        switch self {
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }
}

public enum Digest {
    public static func hash(_ algorithm: DigestAlgorithm, _ data: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = Array(data).withUnsafeBytes { input in
            CryptoLibraries.crypto.digest(input.baseAddress, input.count, &output, &length, algorithm.evp, nil)
        }
        precondition(ok == 1, "EVP_Digest failed: OpenSSL is unusable")
        return Array(output.prefix(Int(length)))
    }

    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] { hash(.sha256, data) }

    public static func sha256Hex(_ text: String) -> String { Hex.encode(sha256(Array(text.utf8))) }

    public static func hmac(_ algorithm: DigestAlgorithm, key: some Collection<UInt8>,
                            message: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let keyBytes = Array(key)
        let messageBytes = Array(message)
        let result = keyBytes.withUnsafeBytes { k in
            messageBytes.withUnsafeBytes { m in
                CryptoLibraries.crypto.hmac(algorithm.evp, k.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(k.count),
                     m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &output, &length)
            }
        }
        precondition(result != nil, "HMAC failed: OpenSSL is unusable")
        return Array(output.prefix(Int(length)))
    }

    /// Compares two byte strings in time that depends only on their lengths
    /// (CRYPTO_memcmp), for MACs and signatures.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in CryptoLibraries.crypto.memcmp(x.baseAddress, y.baseAddress, a.count) == 0 }
        }
    }
}

public enum Hex {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    public static func isDigit(_ c: UInt8) -> Bool { nibble(c) != nil }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
