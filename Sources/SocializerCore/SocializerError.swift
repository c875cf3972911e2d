/// The exit statuses of SPEC §4 (sysexits), the only numbers `main` returns.
public enum ExitCode: Int32, Sendable {
    case success = 0
    /// A predicate answered no (`users check-password`, `tokens check`).
    case predicateFalse = 1
    case usage = 64
    case invalidData = 65
    case notFound = 66
    case internalError = 70
    case cannotCreate = 73
    case ioError = 74
    case temporarilyUnavailable = 75
    case permissionDenied = 77
    case configuration = 78
    case interrupted = 130
}

/// A domain error: what went wrong, in words for an operator, and the exit
/// status it maps to. Never carries a bound value, token, key or hash.
public struct SocializerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ExitCode
    public var message: String
    public var hint: String?
    /// Further lines (every bad record of an import, every schema difference).
    public var details: [String]

    public init(_ code: ExitCode, _ message: String, hint: String? = nil, details: [String] = []) {
        self.code = code
        self.message = message
        self.hint = hint
        self.details = details
    }

    public var description: String { message }

    public static func usage(_ message: String, hint: String? = nil) -> SocializerError {
        SocializerError(.usage, message, hint: hint)
    }
    public static func invalid(_ message: String, hint: String? = nil, details: [String] = []) -> SocializerError {
        SocializerError(.invalidData, message, hint: hint, details: details)
    }
    public static func notFound(_ message: String, hint: String? = nil) -> SocializerError {
        SocializerError(.notFound, message, hint: hint)
    }
    public static func configuration(_ message: String, hint: String? = nil) -> SocializerError {
        SocializerError(.configuration, message, hint: hint)
    }
    public static func internalError(_ message: String) -> SocializerError {
        SocializerError(.internalError, message)
    }
}
