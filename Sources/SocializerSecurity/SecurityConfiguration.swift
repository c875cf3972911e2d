import SocializerCore

/// Where secrets and security settings come from: files and environment
/// variables, never argv values. Every failure names the variable or the
/// file's source, never its value. A file is named by `fileOption`, which
/// the CLI passes in (this layer knows no option names); remedies that are
/// options come from the CLI too (`SocializerError.Reason`).
public enum SecurityConfiguration {
    public static let jwtSecretVariable = "SOCIALIZER_JWT_SECRET"
    public static let jwtAlgorithmVariable = "SOCIALIZER_JWT_ALGORITHM"
    public static let emailKeyVariable = "SOCIALIZER_EMAIL_KEY"
    public static let emailSchemeVariable = "SOCIALIZER_EMAIL_SCHEME"
    public static let bcryptCostVariable = "SOCIALIZER_BCRYPT_COST"

    /// `$SOCIALIZER_JWT_ALGORITHM`: HS256 (default), HS384 or HS512.
    public static func jwtAlgorithm(environment: [String: String]) throws -> JWTAlgorithm {
        guard let value = environment[jwtAlgorithmVariable] else { return .hs256 }
        guard let algorithm = JWTAlgorithm(rawValue: value) else {
            throw SocializerError.configuration("$\(jwtAlgorithmVariable) must be HS256, HS384 or HS512",
                                                hint: "set it to the app's ALGORITHM")
        }
        return algorithm
    }

    /// The JWT signing secret from `file` (named `fileOption` in messages)
    /// or `$SOCIALIZER_JWT_SECRET`; nil when neither is set.
    public static func jwtSecret(file: String?, fileOption: String, allowInsecureFile: Bool,
                                 environment: [String: String]) throws -> [UInt8]? {
        if let file {
            let secret = try SecretFile.read(file, option: fileOption, allowInsecure: allowInsecureFile)
            guard !secret.isEmpty else { throw SocializerError.configuration("\(fileOption) '\(file)' is empty") }
            return secret
        }
        guard let value = environment[jwtSecretVariable] else { return nil }
        guard !value.isEmpty else {
            throw SocializerError.configuration("$\(jwtSecretVariable) is set but empty",
                                                hint: "set it to the app's SECRET_KEY, or unset it")
        }
        return Array(value.utf8)
    }

    /// The JWT secret where one is required (signing tokens).
    public static func requireJWTSecret(file: String?, fileOption: String, allowInsecureFile: Bool,
                                        environment: [String: String]) throws -> [UInt8] {
        guard let secret = try jwtSecret(file: file, fileOption: fileOption, allowInsecureFile: allowInsecureFile,
                                         environment: environment) else {
            throw SocializerError.configuration("no JWT secret is configured", reason: .missingJWTSecret)
        }
        return secret
    }

    /// The email hashing key from `file` (named `fileOption` in messages) or
    /// `$SOCIALIZER_EMAIL_KEY`; nil when neither is set (lookups then cannot
    /// match keyed hashes).
    public static func optionalEmailHasher(file: String?, fileOption: String, allowInsecureFile: Bool,
                                           environment: [String: String]) throws -> EmailHasher? {
        if let file {
            let key = try SecretFile.read(file, option: fileOption, allowInsecure: allowInsecureFile)
            guard !key.isEmpty else { throw SocializerError.configuration("\(fileOption) '\(file)' is empty") }
            return try EmailHasher(key: key)
        }
        guard let value = environment[emailKeyVariable] else { return nil }
        guard !value.isEmpty else {
            throw SocializerError.configuration("$\(emailKeyVariable) is set but empty",
                                                hint: "set it to the app's email key, or unset it")
        }
        return try EmailHasher(key: Array(value.utf8))
    }

    /// The email hashing key where one is required.
    public static func emailHasher(file: String?, fileOption: String, allowInsecureFile: Bool,
                                   environment: [String: String]) throws -> EmailHasher {
        guard let hasher = try optionalEmailHasher(file: file, fileOption: fileOption, allowInsecureFile: allowInsecureFile,
                                                   environment: environment) else {
            throw SocializerError.configuration("no email key is configured, so an email cannot be hashed",
                                                reason: .missingEmailKey)
        }
        return hasher
    }

    /// How new emails are stored: `$SOCIALIZER_EMAIL_SCHEME`, `hmac` (the
    /// default, needs the key) or `plain` (needs none).
    public static func emailScheme(file: String?, fileOption: String, allowInsecureFile: Bool,
                                   environment: [String: String]) throws -> EmailScheme {
        switch environment[emailSchemeVariable] {
        case nil, "hmac":
            return .keyed(try emailHasher(file: file, fileOption: fileOption, allowInsecureFile: allowInsecureFile,
                                          environment: environment))
        case "plain":
            return .plain
        case let other?:
            throw SocializerError.configuration(other.isEmpty ? "$\(emailSchemeVariable) is set but empty"
                                                              : "$\(emailSchemeVariable) must be hmac or plain",
                                                hint: "unset it for the default, hmac (a keyed hash)")
        }
    }

    /// bcrypt cost from the CLI's `option` or `$SOCIALIZER_BCRYPT_COST`, else 12.
    public static func bcryptCost(option: Int?, environment: [String: String]) throws -> Int {
        if let option { return option }
        guard let value = environment[bcryptCostVariable] else { return Bcrypt.defaultCost }
        guard let cost = Int(value), Bcrypt.costRange.contains(cost) else {
            throw SocializerError.configuration(value.isEmpty ? "$\(bcryptCostVariable) is set but empty"
                                                              : "$\(bcryptCostVariable) must be a whole number from 4 to 31",
                                                hint: "unset it for the default cost of 12")
        }
        return cost
    }
}
