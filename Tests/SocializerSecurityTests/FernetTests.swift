import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerSecurity

@Suite struct FernetTests {
    static func unix(_ text: String) -> Int64 { Timestamp.parse(text)!.secondsSinceEpoch }
    static func bytes(_ value: JSONValue?) -> [UInt8] { value!.arrayItems.map { UInt8($0.int64!) } }

    @Test func theSpecificationsGenerateCasesReproduceByteForByte() throws {
        for vector in try Vectors.array("fernet/generate.json") {
            let key = try FernetKey(encoded: vector["secret"]!.stringValue!)
            let token = try Fernet.encrypt(Array(vector["src"]!.stringValue!.utf8), key: key,
                                           now: Self.unix(vector["now"]!.stringValue!), iv: Self.bytes(vector["iv"]))
            #expect(token == vector["token"]!.stringValue!)
        }
    }

    @Test func extraGeneratedCasesReproduceAndDecrypt() throws {
        let vectors = try Vectors.array("fernet/extra_generated.json", key: "vectors")
        #expect(vectors.count >= 5)
        for vector in vectors {
            let key = try FernetKey(encoded: vector["secret"]!.stringValue!)
            let source = try #require(Hex.decode(vector["src_hex"]!.stringValue!))
            let now = vector["now_unix"]!.int64!
            let token = try Fernet.encrypt(source, key: key, now: now, iv: Self.bytes(vector["iv"]))
            #expect(token == vector["token"]!.stringValue!, "\(vector["desc"]!.stringValue!)")
            #expect(try Fernet.decrypt(token, key: key, now: now) == source)
        }
    }

    @Test func theSpecificationsVerifyCasesDecrypt() throws {
        for vector in try Vectors.array("fernet/verify.json") {
            let key = try FernetKey(encoded: vector["secret"]!.stringValue!)
            let plain = try Fernet.decrypt(vector["token"]!.stringValue!, key: key, ttl: vector["ttl_sec"]!.int64!,
                                           now: Self.unix(vector["now"]!.stringValue!))
            #expect(plain == Array(vector["src"]!.stringValue!.utf8))
        }
    }

    @Test func everyInvalidCaseIsRejectedWithOneGenericError() throws {
        let vectors = try Vectors.array("fernet/invalid.json")
        #expect(vectors.count == 8)
        for vector in vectors {
            let key = try FernetKey(encoded: vector["secret"]!.stringValue!)
            #expect(throws: FernetError.invalidToken, "\(vector["desc"]!.stringValue!)") {
                try Fernet.decrypt(vector["token"]!.stringValue!, key: key, ttl: vector["ttl_sec"]!.int64!,
                                   now: Self.unix(vector["now"]!.stringValue!))
            }
        }
        #expect(FernetError.invalidToken.message == "invalid token")
    }

    /// Stored keys Python accepts keep working; junk is refused clearly.
    @Test func keySpellingsFollowPythonWhereItIsSafe() throws {
        let leniency = try Vectors.load("fernet/python_leniency.json")
        let reference = try FernetKey(encoded: "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=")
        for vector in leniency["keys"]!.arrayItems {
            let text = vector["key"]!.stringValue!
            let python = vector["python_cryptography"]!.stringValue!
            let desc = vector["desc"]!.stringValue!
            let ours = try? FernetKey(encoded: text)
            if python.hasPrefix("rejected") {
                #expect(ours == nil, "\(desc): Python rejects it")
            } else if desc.contains("junk") {
                #expect(ours == nil, "\(desc): refused on purpose (decoded strictly)")
            } else {
                #expect(ours == reference, "\(desc): Python accepts it, so must we")
            }
        }
        for vector in leniency["tokens"]!.arrayItems {
            let accepted = (try? Fernet.decrypt(vector["token"]!.stringValue!, key: reference, now: 499_162_800)) != nil
            #expect(accepted == vector["python_cryptography_decrypt_no_ttl"]!.stringValue!.hasPrefix("accepted"),
                    "\(vector["desc"]!.stringValue!)")
        }
    }

    @Test func generatedKeysRoundTripAndAreCanonical() throws {
        let key = try FernetKey.generate()
        #expect(key.encoded.count == 44 && key.encoded.hasSuffix("="))
        #expect(try FernetKey(encoded: key.encoded) == key)
        #expect(try FernetKey.generate() != key)
        let message = Array(#"{"memory":"likes chess ♟"}"#.utf8)
        let token = try Fernet.encrypt(message, key: key, now: 1_700_000_000)
        #expect(try Fernet.decrypt(token, key: key, now: 1_700_000_100) == message)
        #expect(throws: FernetError.invalidToken) { try Fernet.decrypt(token, key: FernetKey.generate(), now: 1_700_000_100) }
        #expect(throws: FernetError.invalidToken) { try Fernet.decrypt(token, key: key, ttl: 10, now: 1_700_000_100) }
    }

    /// Flipping any bit of any byte of a token is caught.
    @Test func everyFlippedByteIsRejected() throws {
        let key = try FernetKey.generate()
        let token = try Fernet.encrypt(Array("conversation memory".utf8), key: key, now: 1_700_000_000)
        let raw = try #require(Base64.decode(token, alphabet: .url))
        for index in raw.indices {
            var tampered = raw
            tampered[index] ^= 0x01
            #expect(throws: FernetError.invalidToken, "byte \(index)") {
                try Fernet.decrypt(Base64.encode(tampered, alphabet: .url), key: key, now: 1_700_000_000)
            }
        }
    }
}
