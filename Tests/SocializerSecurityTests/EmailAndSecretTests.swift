import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerSecurity

@Suite struct EmailHasherTests {
    let hasher = try! EmailHasher(key: Array("a-test-email-key-of-32-bytes!!!!".utf8))

    @Test func hashesTheTrimmedLowerCasedAddressWithAScheme() {
        let hash = hasher.hash("  Alice@Example.COM ")
        #expect(hash == hasher.hash("alice@example.com"))
        #expect(hash.hasPrefix("hmac-sha256:") && hash.count == 12 + 64)
        #expect(hash == "hmac-sha256:" + Hex.encode(Digest.hmac(.sha256, key: Array("a-test-email-key-of-32-bytes!!!!".utf8),
                                                                 message: Array("alice@example.com".utf8))))
        #expect(try! EmailHasher(key: Array("another-key-another-key".utf8)).hash("alice@example.com") != hash)
    }

    @Test func matchesEveryFormTheAppAndTheToolHaveStored() throws {
        let lookup = EmailLookup(hasher: hasher)
        #expect(try lookup.matches("ALICE@example.com", stored: hasher.hash("alice@example.com")))
        #expect(try !lookup.matches("bob@example.com", stored: hasher.hash("alice@example.com")))
        let legacy = try Bcrypt.hash(Array("carol@example.com".utf8), cost: 4)
        #expect(try lookup.matches(" Carol@Example.com", stored: legacy))
        #expect(try !lookup.matches("dave@example.com", stored: legacy))
        #expect(try !lookup.matches("x@example.com", stored: "no-email:7"))
        // The app's registration: the address as typed, compared trimmed and case-insensitively.
        #expect(try lookup.matches("erin@example.com", stored: " Erin@Example.COM"))
        #expect(try !lookup.matches("erin@example.org", stored: "Erin@Example.COM"))
        // The app's test scripts: an unsalted SHA-256 hex digest.
        let digest = Hex.encode(Digest.sha256(Array("frank@example.com".utf8)))
        #expect(try lookup.matches(" frank@example.com ", stored: digest))
        #expect(try lookup.matches("Frank@Example.com", stored: digest))
        #expect(try !lookup.matches("frank@example.org", stored: digest))
        // Without a key, keyed hashes cannot match; the other forms still do.
        let keyless = EmailLookup(hasher: nil)
        #expect(try !keyless.matches("alice@example.com", stored: hasher.hash("alice@example.com")))
        #expect(try keyless.matches("frank@example.com", stored: digest))
    }

    @Test func classifiesEveryStoredForm() throws {
        #expect(EmailFormat.of(hasher.hash("a@example.com")) == .keyed)
        #expect(EmailFormat.of("A@Example.com") == .plain)
        #expect(EmailFormat.of(try Bcrypt.hash(Array("a@example.com".utf8), cost: 4)) == .bcrypt)
        #expect(EmailFormat.of(Hex.encode(Digest.sha256(Array("a@example.com".utf8)))) == .sha256)
        #expect(EmailFormat.of("no-email:0a1b") == .none)
        #expect(EmailFormat.of("something else") == .unknown)
        #expect(EmailScheme.plain.store("  Alice@Example.COM ") == "alice@example.com")
        #expect(EmailScheme.keyed(hasher).store("alice@example.com") == hasher.hash("alice@example.com"))
    }

    @Test func refusesShortKeysAndNonAddresses() {
        #expect { try EmailHasher(key: Array("short".utf8)) } throws: { ($0 as? SocializerError)?.code == .configuration }
        for bad in ["", "alice", "@example.com", "a@b", "a b@example.com", "a@example.com.", "a@@example.com"] {
            #expect(throws: SocializerError.self, "\(bad)") { try EmailHasher.validate(bad) }
        }
        #expect((try? EmailHasher.validate("alice+tag@example.co.uk")) != nil)
    }
}

@Suite struct SecurityConfigurationTests {
    let folder = TemporaryDirectory()

    @Test func theAlgorithmComesFromTheEnvironment() throws {
        #expect(try SecurityConfiguration.jwtAlgorithm(environment: [:]) == .hs256)
        #expect(try SecurityConfiguration.jwtAlgorithm(environment: ["SOCIALIZER_JWT_ALGORITHM": "HS512"]) == .hs512)
        for bad in ["none", "RS256", "hs256", ""] {
            #expect { try SecurityConfiguration.jwtAlgorithm(environment: ["SOCIALIZER_JWT_ALGORITHM": bad]) } throws: {
                let e = $0 as? SocializerError
                return e?.code == .configuration && e?.message.contains("$SOCIALIZER_JWT_ALGORITHM") == true
            }
        }
    }

    @Test func emptySecretVariablesAreNamedNotUsed() {
        #expect { try SecurityConfiguration.jwtSecret(file: nil, fileOption: "--key-file", allowInsecureFile: false, environment: ["SOCIALIZER_JWT_SECRET": ""]) } throws: {
            ($0 as? SocializerError) == .configuration("$SOCIALIZER_JWT_SECRET is set but empty", hint: "set it to the app's SECRET_KEY, or unset it")
        }
        #expect { try SecurityConfiguration.emailHasher(file: nil, fileOption: "--key-file", allowInsecureFile: false, environment: ["SOCIALIZER_EMAIL_KEY": ""]) } throws: {
            ($0 as? SocializerError)?.message == "$SOCIALIZER_EMAIL_KEY is set but empty"
        }
        #expect { try SecurityConfiguration.emailHasher(file: nil, fileOption: "--key-file", allowInsecureFile: false, environment: [:]) } throws: {
            let e = $0 as? SocializerError
            return e?.code == .configuration && e?.reason == .missingEmailKey
        }
        #expect { try SecurityConfiguration.requireJWTSecret(file: nil, fileOption: "--key-file", allowInsecureFile: false, environment: [:]) } throws: {
            let e = $0 as? SocializerError
            return e?.code == .configuration && e?.reason == .missingJWTSecret
        }
        #expect { try SecurityConfiguration.bcryptCost(option: nil, environment: ["SOCIALIZER_BCRYPT_COST": "3"]) } throws: {
            ($0 as? SocializerError)?.message.contains("$SOCIALIZER_BCRYPT_COST") == true
        }
        #expect(try! SecurityConfiguration.bcryptCost(option: nil, environment: ["SOCIALIZER_BCRYPT_COST": "4"]) == 4)
        #expect(try! SecurityConfiguration.bcryptCost(option: 5, environment: ["SOCIALIZER_BCRYPT_COST": "4"]) == 5)
        #expect(try! SecurityConfiguration.bcryptCost(option: nil, environment: [:]) == 12)
    }

    @Test func secretFilesMustBePrivate() throws {
        let path = folder.write("secret", "s3cret-value\n")
        chmod(path, 0o644)
        #expect { try SecretFile.read(path, option: "--secret-file", allowInsecure: false) } throws: { error in
            let e = error as? SocializerError
            return e?.code == .permissionDenied && e?.message.contains("mode 644") == true
                && e?.reason == .insecureSecretFile(path: path) && !(e?.message.contains("s3cret") ?? true)
        }
        #expect(try SecretFile.read(path, option: "--secret-file", allowInsecure: true) == Array("s3cret-value".utf8))
        chmod(path, 0o600)
        #expect(try SecretFile.read(path, option: "--secret-file", allowInsecure: false) == Array("s3cret-value".utf8))
        #expect { try SecretFile.read(folder.file("none"), option: "--password-file", allowInsecure: false) } throws: {
            ($0 as? SocializerError)?.code == .notFound
        }
        #expect { try SecretFile.read(folder.path, option: "--password-file", allowInsecure: false) } throws: {
            ($0 as? SocializerError)?.code == .notFound
        }
    }

    @Test func exactlyOneLineBreakIsStripped() {
        #expect(PasswordInput.strippingOneLineBreak(Array("pw\n".utf8)) == Array("pw".utf8))
        #expect(PasswordInput.strippingOneLineBreak(Array("pw\r\n".utf8)) == Array("pw".utf8))
        #expect(PasswordInput.strippingOneLineBreak(Array("pw\n\n".utf8)) == Array("pw\n".utf8))
        #expect(PasswordInput.strippingOneLineBreak(Array("pw \n".utf8)) == Array("pw ".utf8))
        #expect(PasswordInput.strippingOneLineBreak(Array("pw".utf8)) == Array("pw".utf8))
    }
}
