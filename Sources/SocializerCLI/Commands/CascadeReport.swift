import SocializerStore

/// What a delete that follows the database's references prints (`users
/// delete`, `skills remove`, `rooms delete`, `rooms messages delete --hard`):
/// the rows deleted and detached per table, and a notice naming what went.
enum CascadeReport {
    static let columns = ["table", "deleted", "detached"]
    static let output = OutputCheck.fields(columns)

    /// `subject` names the row ("user 'ada'"), `verb` what happened to it ("deleted").
    /// `target` names the deleted row in the audit trail, which can no longer read its name.
    /// What refers to the row, for a confirmation: `and what refers to it
    /// (training: 1 deleted; user_skills: 2 deleted)`, or `(nothing refers
    /// to it)`; `table` is the row's own, left out.
    static func referring(_ counts: [ReferenceCascade.Count], besides table: String) -> String {
        let parts = counts.filter { $0.table != table && $0.deleted + $0.detached > 0 }.map { count in
            "\(count.table): " + [(count.deleted, "deleted"), (count.detached, "detached")].filter { $0.0 > 0 }
                .map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        }
        return parts.isEmpty ? "(nothing refers to it)" : "and what refers to it (" + parts.joined(separator: "; ") + ")"
    }

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
