import Foundation
import Testing
import TestSupport
import SocializerStore
import SocializerSecurity

/// libcrypto and libcrypt are opened on first use (issue 16 item 2): the
/// binary does not link them, commands that never hash or encrypt never
/// load them, and one that cannot be loaded is exit 69 naming the package,
/// before anything is written.
@Suite struct CryptoLibrariesTests {
    let binary = BinaryTests()

    /// glibc's loader reports every library it opens under LD_DEBUG=libs.
    func opened(_ arguments: [String]) throws -> (status: Int32, libraries: String) {
        let result = try binary.run(arguments, environment: ["LD_DEBUG": "libs"])
        let lines = result.stderr.split(separator: "\n").filter { $0.contains("calling init:") }.joined(separator: "\n")
        return (result.status, lines)
    }

    @Test func aCommandThatNeverHashesNeverLoadsThem() throws {
        #expect(try binary.run(["migrate", "up"]).status == 0)
        for arguments in [["--version"], ["logs", "list"], ["tokens", "purge"], ["users", "list"]] {
            let run = try opened(arguments)
            #expect(run.status == 0, "\(arguments)")
            #expect(run.libraries.contains("libsqlite3"), "LD_DEBUG reports nothing here: \(run.libraries.prefix(200))")
            #expect(!run.libraries.contains("libcrypto") && !run.libraries.contains("libcrypt."), "\(arguments): \(run.libraries)")
        }
        // Migration checksums are SHA-256: libcrypto, and not libcrypt.
        let validate = try opened(["migrate", "validate"])
        #expect(validate.status == 0 && validate.libraries.contains("libcrypto.so.3") && !validate.libraries.contains("libcrypt."),
                "\(validate.libraries)")
    }

    @Test func aMissingLibraryIsExit69NamingThePackageAndWritesNothing() throws {
        #expect(try binary.run(["migrate", "up"]).status == 0)
        let noCrypto = ["SOCIALIZER_LIBCRYPTO": binary.folder.path + "/missing.so"]
        let validate = try binary.run(["migrate", "validate"], environment: noCrypto)
        #expect(validate.status == 69)
        #expect(validate.stderr.hasPrefix("socializer: error: this command needs libcrypto, OpenSSL's cryptography library, "
                                          + "and it could not be loaded\n"), "\(validate.stderr)")
        #expect(validate.stderr.contains("hint: install the package libssl3 (Debian, Ubuntu; Fedora: openssl-libs), "
                                         + "or set $SOCIALIZER_LIBCRYPTO to the library's path\n"))
        // The error in the format asked for, as any other.
        let json = try binary.run(["--json", "migrate", "validate"], environment: noCrypto)
        #expect(json.status == 69 && json.stderr.hasPrefix(#"{"error":"this command needs libcrypto"#), "\(json.stderr)")
        // A command that does not need it runs.
        #expect(try binary.run(["logs", "list"], environment: noCrypto).status == 0)

        let password = binary.folder.write("pw.txt", "Correct-horse-1\n")
        chmod(password, 0o600)
        let create = ["users", "create", "bob", "--no-email", "--password-file", password, "--bcrypt-cost", "4"]
        let noCrypt = try binary.run(create, environment: ["SOCIALIZER_LIBCRYPT": binary.folder.path + "/missing.so"])
        #expect(noCrypt.status == 69)
        #expect(noCrypt.stderr.contains("this command needs libcrypt, the password hashing library (libxcrypt)"), "\(noCrypt.stderr)")
        #expect(noCrypt.stderr.contains("hint: install the package libcrypt1"))
        let db = try Connection(path: binary.folder.file("socializer.db"))
        #expect(try db.scalarInt("SELECT count(*) FROM users") == 0)
        // With both libraries, the same command works.
        let created = try binary.run(create)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try db.scalarInt("SELECT count(*) FROM users") == 1)
    }

    /// The executable's dynamic section names neither library.
    @Test func theBinaryDoesNotLinkThem() throws {
        let ldd = try BinaryTests.spawn("/usr/bin/ldd", [BinaryTests.binary], directory: binary.folder.path, environment: [:])
        #expect(ldd.status == 0 && ldd.stdout.contains("libsqlite3"), "\(ldd.stdout)")
        #expect(!ldd.stdout.contains("libcrypto") && !ldd.stdout.contains("libcrypt."), "\(ldd.stdout)")
    }
}
