import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerSecurity

@Suite struct BcryptTests {
    /// Every pair of the bcrypt vectors (Tests/Fixtures/vectors/bcrypt.json) verifies through libxcrypt,
    /// except those with a NUL byte, which C cannot take and which are refused.
    @Test func everyVectorVerifiesOrIsRefusedForItsNUL() throws {
        let vectors = try Vectors.array("bcrypt.json")
        #expect(vectors.count == 162)
        var verified = 0
        for vector in vectors {
            let password = try #require(Hex.decode(vector["password_hex"]!.stringValue!))
            let hash = vector["hash"]!.stringValue!
            let note = vector["note"]?.stringValue ?? ""
            if note.contains("NUL") {
                #expect(throws: SocializerError.self) { try Bcrypt.verify(password, against: hash) }
                continue
            }
            #expect(try Bcrypt.verify(password, against: hash), "\(note) \(hash.prefix(7))")
            var wrong = password
            if wrong.isEmpty { wrong = [0x78] } else { wrong[0] ^= 0x01 }
            if wrong.count <= 72 { #expect(try !Bcrypt.verify(wrong, against: hash), "wrong password accepted: \(note)") }
            verified += 1
        }
        #expect(verified == 160)
    }

    @Test func newHashesAre2bAtTheRequestedCostAndVerify() throws {
        let hash = try Bcrypt.hash(Array("correct horse".utf8), cost: 4)
        #expect(hash.hasPrefix("$2b$04$") && hash.count == 60)
        #expect(try Bcrypt.verify(Array("correct horse".utf8), against: hash))
        #expect(try !Bcrypt.verify(Array("correct horsf".utf8), against: hash))
        #expect(try Bcrypt.hash(Array("x".utf8), cost: 4) != Bcrypt.hash(Array("x".utf8), cost: 4), "salted")
        #expect(Bcrypt.defaultCost == 12)
    }

    @Test func newPasswordsThatBcryptWouldMangleAreRefused() {
        let cases: [([UInt8], String)] = [
            ([], "the password is empty"),
            ([UInt8](repeating: 0x61, count: 73), "the password is 73 bytes long; bcrypt uses at most 72 bytes and socializer never truncates"),
            ([UInt8](repeating: 0x61, count: 71) + [0xC3, 0xA9], "the password is 73 bytes long; bcrypt uses at most 72 bytes and socializer never truncates"),
            ([0x61, 0x00, 0x62], "the password contains a NUL byte, which bcrypt cannot hash"),
            ([0x61, 0xFF], "the password is not valid UTF-8"),
        ]
        for (password, message) in cases {
            #expect(throws: SocializerError.invalid(message)) { try Bcrypt.hash(password, cost: 4) }
        }
        #expect((try? Bcrypt.hash([UInt8](repeating: 0x61, count: 72), cost: 4)) != nil)
    }

    @Test func unsupportedHashesAreNamedNotCrashedOn() {
        let good = "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"
        for hash in ["$2x$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
                     "$2z$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
                     "$2b$03$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
                     "$2b$32$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",
                     String(good.dropLast(5)), "", "plaintext", "$argon2id$v=19$m=65536"] {
            #expect {
                try Bcrypt.verify(Array("x".utf8), against: hash)
            } throws: { error in
                (error as? SocializerError)?.message.hasPrefix("unsupported password hash") == true
                    && !(error as! SocializerError).message.contains(hash.isEmpty ? "\u{0}" : hash)
            }
        }
    }

    @Test func bulkHashingUsesAllCoresAndKeepsOrder() throws {
        let passwords = (0..<8).map { Array("password-\($0)".utf8) }
        let hashes = try Bcrypt.hashConcurrently(passwords, cost: 4)
        #expect(hashes.count == 8)
        for (password, hash) in zip(passwords, hashes) { #expect(try Bcrypt.verify(password, against: hash)) }
        #expect(throws: SocializerError.self) { try Bcrypt.hashConcurrently([Array("ok".utf8), []], cost: 4) }
    }
}
