import SocializerStore

/// What a delete that follows the database's references prints (`users
/// delete`, `skills remove`, `rooms delete`, `rooms messages delete --hard`):
/// the rows deleted and detached per table, and a notice naming what went.
enum CascadeReport {
    static let columns = ["table", "deleted", "detached"]
    static let output = OutputCheck.fields(columns)

    /// `subject` names the row ("user 'ada'"), `verb` what happened to it ("deleted").
    /// `target` names the deleted row in the audit trail, which can no longer read its name.
    static func outcome(id: Int64, counts: [ReferenceCascade.Count], subject: String, verb: String,
                        target: AuditTarget) -> WriteOutcome {
        WriteOutcome(ids: [id], dryRunNotice: "dry run: \(subject) would be \(verb); nothing was changed",
                     target: target) { context in
            let renderer = context.rowRenderer()
            try renderer.begin(columns: columns)
            for count in counts {
                try renderer.row([.text(count.table), .integer(Int64(count.deleted)), .integer(Int64(count.detached))])
            }
            renderer.finish()
            if !context.globals.dryRun { context.notice("\(subject) \(verb)") }
        }
    }
}
