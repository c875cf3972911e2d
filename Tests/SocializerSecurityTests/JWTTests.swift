import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerSecurity

@Suite struct JWTTests {
    static func secret(_ vector: JSONValue) -> [UInt8] {
        if let hex = vector["secret_hex"]?.stringValue { return Hex.decode(hex)! }
        return Array(vector["secret_utf8"]!.stringValue!.utf8)
    }

    @Test func everyGoodVectorVerifiesWithItsClaims() throws {
        let vectors = try Vectors.array("jwt.json")
        #expect(vectors.count == 12)
        for vector in vectors {
            let name = vector["name"]!.stringValue!
            do {
                let token = try JWT.decode(vector["token"]!.stringValue!, algorithm: .hs256, secret: Self.secret(vector))
                if let payload = vector["expected_payload"], payload.objectMembers != nil {
                    #expect(token.claims == payload, "\(name)")
                }
                switch vector["expected_exp"] {
                case .integer(let exp): #expect(token.expiresAt == exp, "\(name)")
                case .number(let exp): #expect(token.expiresAt == Int64(exp.rounded(.down)), "\(name): floored")
                default: #expect(token.expiresAt == nil, "\(name)")
                }
            } catch {
                // RFC 7520 4.4 signs a text payload: the signature checks, the claims cannot.
                #expect(name.contains("not a JWT") && error.kind == .invalidClaims, "\(name): \(error.reason)")
            }
        }
    }

    /// Every bad token is refused for its stated class; the `_or_trimmed`
    /// ones are accepted because socializer trims whitespace and `Bearer `
    /// (documented), and `_or_tolerated` ones are refused as malformed.
    @Test func everyBadVectorIsRejectedForItsStatedReason() throws {
        let vectors = try Vectors.array("jwt_bad.json")
        #expect(vectors.count == 50)
        for vector in vectors {
            let expected = vector["error_class"]!.stringValue!
            let why = vector["why"]!.stringValue!
            let token = vector["token"]?.stringValue ?? Self.oversized(vector)
            do {
                _ = try JWT.decode(token, algorithm: .hs256, secret: Self.secret(vector))
                #expect(expected == "malformed_or_trimmed", "accepted: \(why)")
            } catch {
                let kind = expected.replacingAll("_or_tolerated", with: "")
                #expect(error.kind.rawValue == kind, "\(why): got \(error.kind.rawValue) (\(error.reason))")
                #expect(token.isEmpty || !error.reason.contains(token.prefix(20)), "the token is echoed")
            }
        }
    }

    /// The vector file describes its oversized token instead of holding it:
    /// an HS256 token with a 1,000,000-character "pad" claim.
    static func oversized(_ vector: JSONValue) -> String {
        let token = JWT.encode(claims: .object([("sub", .string("42")), ("pad", .string(String(repeating: "A", count: 1_000_000)))]),
                               algorithm: .hs256, secret: secret(vector))
        #expect(token.utf8.count > 1_000_000)
        return token
    }

    @Test func onlyTheConfiguredAlgorithmIsAccepted() throws {
        let secret = Array("s3cret-s3cret-s3cret".utf8)
        let claims = JSONValue.object([("sub", .string("alice")), ("exp", .integer(4_102_444_800))])
        for algorithm in JWTAlgorithm.allCases {
            let token = JWT.encode(claims: claims, algorithm: algorithm, secret: secret)
            #expect(try JWT.decode(token, algorithm: algorithm, secret: secret).claims == claims)
            for other in JWTAlgorithm.allCases where other != algorithm {
                #expect { try JWT.decode(token, algorithm: other, secret: secret) } throws: {
                    ($0 as? JWTError)?.kind == .unsupportedAlgorithm
                }
            }
        }
    }

    @Test func issuedTokensMatchWhatPythonJoseWrites() {
        // python-jose: jwt.encode({"sub": "alice", "exp": 4102444800}, "k", algorithm="HS256") with compact JSON.
        let token = JWT.encode(claims: .object([("sub", .string("alice")), ("exp", .integer(4_102_444_800))]),
                               algorithm: .hs256, secret: Array("k".utf8))
        #expect(token.hasPrefix("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0."))
    }

    @Test func withoutASecretOnlyTheFormIsChecked() throws {
        let token = JWT.encode(claims: .object([("exp", .number(1_700_000_000.9))]), algorithm: .hs256, secret: Array("a".utf8))
        #expect(try JWT.decode(token, algorithm: .hs256, secret: nil).expiresAt == 1_700_000_000)
        #expect { try JWT.decode(token, algorithm: .hs256, secret: Array("b".utf8)) } throws: {
            ($0 as? JWTError)?.kind == .badSignature && ($0 as? JWTError)?.reason == "signature invalid"
        }
    }

    @Test func everyFlippedCharacterIsRejected() throws {
        let secret = Array("secret".utf8)
        let token = JWT.encode(claims: .object([("sub", .string("bob")), ("exp", .integer(4_102_444_800))]),
                               algorithm: .hs256, secret: secret)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var chars = Array(token)
        for index in chars.indices where chars[index] != "." {
            let original = chars[index]
            chars[index] = alphabet[(alphabet.firstIndex(of: original)! + 1) % alphabet.count]
            #expect(throws: JWTError.self, "character \(index)") { try JWT.decode(String(chars), algorithm: .hs256, secret: secret) }
            chars[index] = original
        }
    }
}
