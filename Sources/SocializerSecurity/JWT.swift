import SocializerCore

/// The HMAC algorithms a JWT may name; exactly one is accepted at a time.
public enum JWTAlgorithm: String, Sendable, CaseIterable {
    case hs256 = "HS256"
    case hs384 = "HS384"
    case hs512 = "HS512"

    var digest: DigestAlgorithm {
        switch self {
        case .hs256: return .sha256
        case .hs384: return .sha384
        case .hs512: return .sha512
        }
    }
}

/// Why a token was refused. The message never contains the token.
public struct JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case malformed
        case tooLarge = "too_large"
        case unsupportedAlgorithm = "unsupported_alg"
        case unsupportedHeader = "unsupported_header"
        case badSignature = "bad_signature"
        case invalidClaims = "invalid_claims"
    }
    public var kind: Kind
    public var reason: String
    public var description: String { reason }
}

/// A compact JWS (RFC 7515) carrying JWT claims (RFC 7519), HMAC-signed.
public struct JWT: Sendable {
    /// Tokens longer than this are refused before any decoding.
    public static let maximumLength = 8 * 1024

    public let header: JSONValue
    public let claims: JSONValue
    /// `exp` as whole seconds (a fractional NumericDate is floored), if present.
    public let expiresAt: Int64?
    /// The token as used: leading blanks, a `Bearer ` prefix and a trailing line break removed.
    public let text: String

    /// Parses and checks a token under `algorithm`. With a `secret`, the
    /// signature must verify (constant-time, over the text exactly as
    /// received); without one only the form is checked, for revocation of
    /// tokens whose secret is not at hand.
    public static func decode(_ input: String, algorithm: JWTAlgorithm, secret: [UInt8]?) throws(JWTError) -> JWT {
        func fail(_ kind: JWTError.Kind, _ reason: String) -> JWTError { JWTError(kind: kind, reason: reason) }
        guard input.utf8.count <= maximumLength else {
            throw fail(.tooLarge, "the token is longer than \(maximumLength / 1024) KiB")
        }
        // Copy-paste and echo leave leading blanks and a trailing line break,
        // an Authorization header leaves "Bearer ": those are trimmed. Any
        // other whitespace is part of the token, and so makes it malformed.
        var trimmed = Substring(input)
        while let first = trimmed.first, first == " " || first == "\t" { trimmed = trimmed.dropFirst() }
        if trimmed.hasPrefix("Bearer ") { trimmed = trimmed.dropFirst(7) }
        while let last = trimmed.last, last == "\n" || last == "\r" || last == "\r\n" { trimmed = trimmed.dropLast() }
        let text = String(trimmed)
        guard !text.isEmpty else { throw fail(.malformed, "the token is empty") }
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        if segments.count == 5 {
            throw fail(.unsupportedAlgorithm, "the token is an encrypted JWE (5 segments); only signed tokens (JWS) are supported")
        }
        guard segments.count == 3 else {
            throw fail(.malformed, "a JWT has 3 dot-separated segments; this one has \(segments.count)")
        }
        guard let headerBytes = Base64.decode(segments[0], alphabet: .url, padding: false) else {
            throw fail(.malformed, "the header segment is not base64url")
        }
        let header: JSONValue
        do {
            header = try JSONParser.parse(headerBytes)
        } catch {
            throw fail(.malformed, "the header is not valid JSON (\(error.reason))")
        }
        guard header.objectMembers != nil else { throw fail(.malformed, "the header is not a JSON object") }
        guard let alg = header["alg"] else { throw fail(.malformed, "the header names no algorithm (alg)") }
        guard case .string(let name) = alg, name == algorithm.rawValue else {
            // The header is the sender's text: escaped and cut before it is shown.
            let shown = alg.stringValue.map { "'\(Echo.cut($0, maximumLength: 40))'" } ?? "a non-string value"
            throw fail(.unsupportedAlgorithm, "the header's algorithm is \(shown); only \(algorithm.rawValue) is accepted")
        }
        if header["crit"] != nil {
            throw fail(.unsupportedHeader, "the header lists critical extensions (crit) socializer does not understand")
        }
        if header["b64"] != nil {
            throw fail(.unsupportedHeader, "unencoded payloads (b64) are not supported")
        }
        guard let payloadBytes = Base64.decode(segments[1], alphabet: .url, padding: false) else {
            throw fail(.malformed, "the payload segment is not base64url")
        }
        guard segments[2].utf8.allSatisfy({ Base64.value($0, .url) != nil }) else {
            throw fail(.malformed, "the signature segment is not base64url")
        }
        if let secret {
            let signature = Base64.decode(segments[2], alphabet: .url, padding: false) ?? []
            let signingInput = Array(text.utf8.prefix(segments[0].utf8.count + 1 + segments[1].utf8.count))
            let expected = Digest.hmac(algorithm.digest, key: secret, message: signingInput)
            guard Digest.constantTimeEqual(signature, expected) else {
                throw fail(.badSignature, "signature invalid")
            }
        }
        let claims: JSONValue
        do {
            claims = try JSONParser.parse(payloadBytes)
        } catch {
            throw fail(.invalidClaims, "the payload is not valid JSON (\(error.reason))")
        }
        guard claims.objectMembers != nil else { throw fail(.invalidClaims, "the payload is not a JSON object") }
        var expiresAt: Int64?
        for name in ["exp", "nbf", "iat"] {
            guard let value = claims[name] else { continue }
            let seconds = try numericDate(value, name)
            if name == "exp" { expiresAt = seconds }
        }
        return JWT(header: header, claims: claims, expiresAt: expiresAt, text: text)
    }

    /// A NumericDate: seconds since the epoch, floored, between 1970 and 9999.
    static func numericDate(_ value: JSONValue, _ name: String) throws(JWTError) -> Int64 {
        let latest: Int64 = 253_402_300_799
        let seconds: Int64
        switch value {
        case .integer(let i): seconds = i
        case .number(let d) where d.isFinite && d >= 0 && d <= Double(latest): seconds = Int64(d.rounded(.down))
        case .number: throw JWTError(kind: .invalidClaims, reason: "\(name) is outside the dates a token can carry")
        default: throw JWTError(kind: .invalidClaims, reason: "\(name) must be a number of seconds (NumericDate), not \(value.typeWithArticle)")
        }
        guard (0...latest).contains(seconds) else {
            throw JWTError(kind: .invalidClaims, reason: "\(name) is outside the dates a token can carry")
        }
        return seconds
    }

    /// Signs `claims` (a JSON object) as a compact JWS with `{"alg":…,"typ":"JWT"}`.
    public static func encode(claims: JSONValue, algorithm: JWTAlgorithm, secret: [UInt8]) -> String {
        let header = JSONValue.object([("alg", .string(algorithm.rawValue)), ("typ", .string("JWT"))])
        let signingInput = Base64.encode(Array(header.compactText.utf8), alphabet: .url, padding: false) + "."
            + Base64.encode(Array(claims.compactText.utf8), alphabet: .url, padding: false)
        let signature = Digest.hmac(algorithm.digest, key: secret, message: Array(signingInput.utf8))
        return signingInput + "." + Base64.encode(signature, alphabet: .url, padding: false)
    }
}
