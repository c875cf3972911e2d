import SocializerCore
import SocializerSecurity

/// The one place where what happened below the CLI (`SocializerError.Reason`)
/// becomes a remedy in the CLI's words: commands, verbs and options. Core,
/// Security and Store never name them (a test scans their sources), and a
/// test checks that every command, verb and option named here is declared in
/// `CommandTable`.
enum Hints {
    /// The hint for a reason, and the words the message gains, if any.
    static func text(for reason: SocializerError.Reason) -> (hint: String?, messageSuffix: String?) {
        switch reason {
        case .databaseMissing(let path):
            return ("create it with: socializer --db \(shellQuoted(path)) migrate up", nil)
        case .notMigrated:
            return ("create the schema with: socializer migrate up (with the same --db)", nil)
        case .legacyNeedsBaseline:
            return ("adopt it with: socializer migrate baseline (then: socializer migrate up)", nil)
        case .legacyNeedsBaselineFirst:
            return ("adopt it first with: socializer migrate baseline", nil)
        case .migrationModified:
            return ("run socializer migrate validate; the database was changed by another build", nil)
        case .targetBelowCurrent(let target):
            return (nil, "; to go back use: socializer migrate down --to \(target)")
        case .unresolvedReferences:
            return ("delete or repair the rows listed (by rowid), then run socializer migrate up again", nil)
        case .locked:
            return ("it is safe to retry; raise --busy-timeout (milliseconds) to wait longer", nil)
        case .insecureSecretFile(let path):
            return ("restrict it with: chmod 600 \(path)   (or pass --insecure-file-ok)", nil)
        case .missingJWTSecret:
            return ("set $\(SecurityConfiguration.jwtSecretVariable) to the app's SECRET_KEY, or pass --secret-file FILE", nil)
        case .missingEmailKey:
            return ("set $\(SecurityConfiguration.emailKeyVariable) (the key the app hashes emails with), pass --email-key-file FILE, "
                    + "or set $\(SecurityConfiguration.emailSchemeVariable)=plain to store addresses as the app's registration does", nil)
        case .skillExists:
            return ("to add only the missing ones and report the others, pass --if-missing", nil)
        case .trainingExists:
            return ("to start it over (active, progress 0.0, started today), pass --restart", nil)
        case .notRoomMember(let room, let username):
            return ("add them first with: socializer rooms members add \(room) \(shellQuoted(reference(toName: username)))", nil)
        case .roomArchived(let room):
            return ("restore it first with: socializer rooms unarchive \(room)", nil)
        case .roomAIDisabled(let room):
            return ("turn the AI on with: socializer rooms update \(room) --ai", nil)
        }
    }

    /// `error` as the operator sees it: a reason's hint added (a hint the
    /// lower layer gave itself is kept), its message completed.
    static func presented(_ error: SocializerError) -> SocializerError {
        guard let reason = error.reason else { return error }
        var shown = error
        let text = text(for: reason)
        if shown.hint == nil { shown.hint = text.hint }
        if let suffix = text.messageSuffix { shown.message += suffix }
        return shown
    }

    /// A name as a reference that reads back as that name: `name:` before a
    /// name that would read as an id or carries a prefix itself.
    static func reference(toName name: String) -> String {
        let ambiguous = (!name.isEmpty && name.allSatisfy(\.isNumber)) || name.hasPrefix("id:") || name.hasPrefix("name:")
        return ambiguous ? "name:" + name : name
    }

    /// A path as one shell word, quoted only when it needs to be.
    static func shellQuoted(_ s: String) -> String {
        if !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:".contains($0) }) { return s }
        return "'" + s.replacingAll("'", with: "'\\''") + "'"
    }
}
