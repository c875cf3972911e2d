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
            return ("create the schema with: socializer migrate up", nil)
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
        case .inviteNotPending(let room, let inviter, let invitee):
            let user = { (name: String?) in name.map { shellQuoted(reference(toName: $0)) } ?? "USER" }
            return ("to ask again, send it anew (it becomes pending): socializer invites send \(room) --from \(user(inviter)) --to \(user(invitee))", nil)
        case .unreadableStoredValue:
            return ("find every such value, and what fixes it, with: socializer doctor", nil)
        case .recordsExist:
            return ("to keep the stored rows pass --on-conflict skip, to overwrite them --on-conflict update "
                    + "(or, with seed, --fresh to start from a new database)", nil)
        }
    }

    /// `error` as the operator sees it: a reason's hint added (a hint the
    /// lower layer gave itself is kept), its message completed, and every
    /// command in the hint (and in the words a reason adds to the message)
    /// aimed at `database`, the `--db` the command line gave.
    static func presented(_ error: SocializerError, database: String? = nil) -> SocializerError {
        var shown = error
        if let reason = error.reason {
            let text = text(for: reason)
            if shown.hint == nil { shown.hint = text.hint }
            if let suffix = text.messageSuffix { shown.message += aiming(suffix, at: database) }
        }
        shown.hint = shown.hint.map { aiming($0, at: database) }
        return shown
    }

    /// `text` with `--db DATABASE` after each `socializer` that starts a
    /// command (followed by a command of the table or an option, and no
    /// `--db` of its own), so that pasting it acts on the database the
    /// operator named on the command line, not on `$SOCIALIZER_DB` or
    /// `./socializer.db`. nil: no `--db` was given (the environment or the
    /// default chose the database, and choose it again for the pasted line).
    /// The one place hints and doctor's fix column get their `--db`.
    static func aiming(_ text: String, at database: String?) -> String {
        guard let database else { return text }
        let option = "--db " + shellQuoted(database.hasPrefix("-") ? "./" + database : database) + " "
        let commands = Set(CommandTable.root.children.map(\.name))
        var result = ""
        var rest = Substring(text)
        while let found = rest.firstRange(of: "socializer ") {
            // A slice shares its string's indices: the character before, in the whole text.
            let before = found.lowerBound > text.startIndex ? text[text.index(before: found.lowerBound)] : " "
            let startsWord = !before.isLetter && before != "-" && before != "_"
            result += rest[..<found.upperBound]
            rest = rest[found.upperBound...]
            let next = rest.prefix { !$0.isWhitespace }
            if startsWord && !next.hasPrefix("--db") && (commands.contains(String(next)) || next.hasPrefix("-")) {
                result += option
            }
        }
        return result + rest
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
