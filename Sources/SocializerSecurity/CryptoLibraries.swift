import COpenSSL
import CCrypt
import SocializerCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// OpenSSL's libcrypto and libxcrypt's libcrypt, opened with `dlopen` the
/// first time a command hashes, encrypts, signs or draws random bytes, and
/// their functions found with `dlsym` (issue 16 item 2). The binary does not
/// link them: most cron runs (`tokens purge`, `logs purge`) and every read
/// of a listing never call them, and the dynamic loader's work for
/// libcrypto was most of the distance between socializer's start-up and
/// `sqlite3`'s. The headers are still read at build time, for the types and
/// constants (`crypt_data`, `EVP_MAX_MD_SIZE`); a function called directly
/// would not link, so every call goes through the tables below.
///
/// The C signatures are those of OpenSSL 3 (https://docs.openssl.org/3.0/man3/)
/// and libxcrypt's `crypt.h`.
struct LibCrypto: @unchecked Sendable {
    let library: String
    let initCrypto: @convention(c) (UInt64, OpaquePointer?) -> Int32
    let sha256: @convention(c) () -> OpaquePointer?
    let sha384: @convention(c) () -> OpaquePointer?
    let sha512: @convention(c) () -> OpaquePointer?
    let aes128CBC: @convention(c) () -> OpaquePointer?
    let digest: @convention(c) (UnsafeRawPointer?, Int, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?,
                                OpaquePointer?, OpaquePointer?) -> Int32
    let hmac: @convention(c) (OpaquePointer?, UnsafeRawPointer?, Int32, UnsafePointer<UInt8>?, Int,
                              UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?) -> UnsafeMutablePointer<UInt8>?
    let memcmp: @convention(c) (UnsafeRawPointer?, UnsafeRawPointer?, Int) -> Int32
    let randomBytes: @convention(c) (UnsafeMutablePointer<UInt8>?, Int32) -> Int32
    let cipherContextNew: @convention(c) () -> OpaquePointer?
    let cipherContextFree: @convention(c) (OpaquePointer?) -> Void
    let cipherInit: @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?, UnsafePointer<UInt8>?,
                                    UnsafePointer<UInt8>?, Int32) -> Int32
    let cipherUpdate: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int32>?,
                                      UnsafePointer<UInt8>?, Int32) -> Int32
    let cipherFinal: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int32>?) -> Int32
    let clearErrors: @convention(c) () -> Void

    static func load(_ library: String) throws -> LibCrypto {
        let handle = try CryptoLibraries.open(library, what: "libcrypto, OpenSSL's cryptography library",
                                              package: "libssl3 (Debian, Ubuntu; Fedora: openssl-libs)",
                                              variable: CryptoLibraries.libcryptoVariable)
        func function<F>(_ name: String) throws -> F { try CryptoLibraries.function(handle, name, in: library) }
        let loaded = LibCrypto(
            library: library,
            initCrypto: try function("OPENSSL_init_crypto"),
            sha256: try function("EVP_sha256"), sha384: try function("EVP_sha384"), sha512: try function("EVP_sha512"),
            aes128CBC: try function("EVP_aes_128_cbc"), digest: try function("EVP_Digest"), hmac: try function("HMAC"),
            memcmp: try function("CRYPTO_memcmp"), randomBytes: try function("RAND_bytes"),
            cipherContextNew: try function("EVP_CIPHER_CTX_new"), cipherContextFree: try function("EVP_CIPHER_CTX_free"),
            cipherInit: try function("EVP_CipherInit_ex"), cipherUpdate: try function("EVP_CipherUpdate"),
            cipherFinal: try function("EVP_CipherFinal_ex"), clearErrors: try function("ERR_clear_error"))
        // Without reading openssl.cnf: socializer uses only the default
        // provider's AES, SHA-2, HMAC and DRBG, and reading the system
        // configuration costs about a millisecond.
        guard loaded.initCrypto(UInt64(OPENSSL_INIT_NO_LOAD_CONFIG), nil) == 1 else {
            throw SocializerError(.unavailable, "OpenSSL (\(library)) could not be initialised")
        }
        return loaded
    }
}

/// libxcrypt's two functions bcrypt needs.
struct LibXCrypt: @unchecked Sendable {
    let crypt: @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int32) -> UnsafeMutablePointer<CChar>?
    let gensalt: @convention(c) (UnsafePointer<CChar>?, UInt, UnsafePointer<CChar>?, Int32,
                                 UnsafeMutablePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>?

    static func load(_ library: String) throws -> LibXCrypt {
        let handle = try CryptoLibraries.open(library, what: "libcrypt, the password hashing library (libxcrypt)",
                                              package: "libcrypt1 (Debian, Ubuntu; Fedora: libxcrypt)",
                                              variable: CryptoLibraries.libcryptVariable)
        return LibXCrypt(crypt: try CryptoLibraries.function(handle, "crypt_rn", in: library),
                         gensalt: try CryptoLibraries.function(handle, "crypt_gensalt_rn", in: library))
    }
}

/// Where the two libraries come from, and what happens when one is missing.
public enum CryptoLibraries {
    /// The files opened unless the variables name others: the sonames of
    /// OpenSSL 3 (`libssl3`) and libxcrypt (`libcrypt1`).
    public static let defaultLibcrypto = "libcrypto.so.3"
    public static let defaultLibcrypt = "libcrypt.so.1"
    public static let libcryptoVariable = "SOCIALIZER_LIBCRYPTO"
    public static let libcryptVariable = "SOCIALIZER_LIBCRYPT"

    private static let configured = Mutex<(libcrypto: String, libcrypt: String)>((defaultLibcrypto, defaultLibcrypt))
    private static let unavailableHandler = Mutex<(@Sendable (SocializerError) -> Never)?>(nil)

    /// Takes the library files from the command's environment (once, before
    /// the first use; later calls change nothing that is already open) and
    /// what to do when one cannot be opened: the CLI reports the error as
    /// any other and exits 69. Without a handler (a program that never
    /// configured one), the message goes to standard error and the exit
    /// status is 69 all the same.
    public static func configure(environment: [String: String], onUnavailable: @escaping @Sendable (SocializerError) -> Never) {
        configured.withLock { files in
            if let named = environment[libcryptoVariable], !named.isEmpty { files.libcrypto = named }
            if let named = environment[libcryptVariable], !named.isEmpty { files.libcrypt = named }
        }
        unavailableHandler.withLock { $0 = onUnavailable }
    }

    private static let loadedCrypto = Result { try LibCrypto.load(configured.withLock { $0.libcrypto }) }
    private static let loadedXCrypt = Result { try LibXCrypt.load(configured.withLock { $0.libcrypt }) }

    /// libcrypto, opened on first use.
    static var crypto: LibCrypto { available(loadedCrypto) }
    /// libcrypt, opened on first use.
    static var xcrypt: LibXCrypt { available(loadedXCrypt) }

    /// The library, or the handler's report of why it could not be opened.
    private static func available<L>(_ result: Result<L, Error>) -> L {
        switch result {
        case .success(let library): return library
        case .failure(let error):
            let failure = error as? SocializerError ?? SocializerError(.unavailable, "\(error)")
            if let handler = unavailableHandler.withLock({ $0 }) { handler(failure) }
            let line = Array("socializer: error: \(failure.message)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            exit(69)
        }
    }

    static func open(_ library: String, what: String, package: String, variable: String) throws -> UnsafeMutableRawPointer {
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "\(library) could not be opened"
            throw SocializerError(.unavailable, "this command needs \(what), and it could not be loaded",
                                  hint: "install the package \(package), or set $\(variable) to the library's path",
                                  details: [reason])
        }
        return handle
    }

    static func function<F>(_ handle: UnsafeMutableRawPointer, _ name: String, in library: String) throws -> F {
        guard let address = dlsym(handle, name) else {
            throw SocializerError(.unavailable, "the library loaded from \(library) has no \(name): it is not the one socializer needs")
        }
        return unsafeBitCast(address, to: F.self)
    }
}
