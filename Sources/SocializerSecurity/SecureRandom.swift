import SocializerCore

/// Random bytes from OpenSSL's CSPRNG (https://docs.openssl.org/3.0/man3/RAND_bytes/).
public enum SecureRandom {
    public static func bytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count == 0 || CryptoLibraries.crypto.randomBytes(&out, Int32(count)) == 1 else {
            throw SocializerError.internalError("the system's random number generator failed (OpenSSL RAND_bytes)")
        }
        return out
    }
}
