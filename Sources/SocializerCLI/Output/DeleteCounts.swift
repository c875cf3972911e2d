import SocializerStore

/// What a cascading delete prints (`users delete`, `rooms delete`, `rooms
/// messages delete --hard`): the rows deleted and detached (set NULL) per
/// table, then a notice.
enum DeleteCounts {
    static let columns = ["table", "deleted", "detached"]

    static func outcome(_ counts: [ReferenceCascade.Count], id: Int64, dryRunNotice: String, done: String) -> WriteOutcome {
        WriteOutcome(ids: [id], dryRunNotice: dryRunNotice) { context in
            let renderer = context.rowRenderer()
            try renderer.begin(columns: columns)
            for count in counts {
                try renderer.row([.text(count.table), .integer(Int64(count.deleted)), .integer(Int64(count.detached))])
            }
            renderer.finish()
            if !context.globals.dryRun { context.notice(done) }
        }
    }
}
