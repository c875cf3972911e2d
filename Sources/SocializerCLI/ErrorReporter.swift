import SocializerCore
import SocializerStore

/// The one place where errors become text on stderr and an exit status.
enum ErrorReporter {
    /// - Parameter database: the `--db` given on the command line, which
    ///   every command in the hint then names (`Hints.aiming`).
    static func report(_ error: Error, to stderr: TextOutput, format: OutputFormat, database: String? = nil) -> Int32 {
        let failure = domainError(error, database: database)
        if format.isJSON {
            var members: [(String, JSONValue)] = [("error", .string(failure.error.message)),
                                                   ("code", .integer(Int64(failure.error.code.rawValue))),
                                                   ("hint", failure.error.hint.map(JSONValue.string) ?? .null)]
            if !failure.error.details.isEmpty {
                members.append(("details", .array(failure.error.details.map(JSONValue.string))))
            }
            stderr.write(JSONValue.object(members).compactText + "\n")
        } else {
            // Messages quote input (names, paths, a token's header): control
            // characters in it must not act on the operator's terminal.
            let escape = { (text: String) in Echo.escapingControls(text) }
            var text = "socializer: error: \(escape(failure.error.message))\n"
            for detail in failure.error.details { text += "  \(escape(detail))\n" }
            if let hint = failure.error.hint { text += "hint: \(escape(hint))\n" }
            if let usage = failure.usage { text += "usage: \(usage)\n" }
            stderr.write(text)
        }
        stderr.flush()
        return failure.error.code.rawValue
    }

    static func domainError(_ error: Error, database: String? = nil) -> (error: SocializerError, usage: String?) {
        switch error {
        case let error as SocializerError:
            return (Hints.presented(error, database: database), nil)
        case let error as UsageError:
            let node = CommandTable.node(at: error.path) ?? CommandTable.root
            return (Hints.presented(SocializerError(error.code, error.message, hint: error.hint), database: database),
                    error.code == .usage ? HelpText.usageLine(error.path, node) : nil)
        case let error as DatabaseError:
            return (Hints.presented(error.domainError, database: database), nil)
        case let error as PostgresError:
            return (Hints.presented(error.domainError, database: database), nil)
        default:
            return (SocializerError.internalError("unexpected error: \(type(of: error))"), nil)
        }
    }
}
