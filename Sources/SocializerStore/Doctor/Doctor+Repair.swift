#if canImport(Glibc)
import Glibc
#endif
import SocializerCore

extension DoctorFinding {
    /// Whether `Doctor`'s repairs fix it: only what is safe (the rows
    /// belong to a row that is gone, a reference to a missing user, a
    /// duplicate the tool must prevent, file modes, expired revocations,
    /// a time rewritten in the form the others are stored in).
    public var isRepairable: Bool { remedy == .repair || code == .expiredTokens }
}

extension Doctor {
    /// Repairs the rows of the repairable findings, inside the caller's one
    /// transaction (so a dry run is the same work, rolled back): orphans of
    /// owned references are deleted together with what refers to them
    /// (`ReferenceCascade`: an invite's message_id is set NULL), nullable
    /// references to a missing row set NULL, extra AI members removed,
    /// each room keeping its oldest, and DATETIME values in another form
    /// rewritten in the storage form. Returns what was done, counted.
    public func repairRows(_ findings: [DoctorFinding], dryRun: Bool) throws -> [DoctorRepair] {
        let wanted = findings.filter(\.isRepairable)
        var repairs: [DoctorRepair] = []
        let (deleted, set) = dryRun ? ("would delete", "would set") : ("deleted", "set")
        var references: [(TableModel, ForeignKeyModel, OrphanRepair)] = []
        for finding in wanted where finding.code == .orphanRows {
            guard let model = SchemaModel.table(finding.table ?? ""),
                  let key = model.foreignKeys.first(where: { $0.column == finding.column }) else { continue }
            references.append((model, key, OrphanRepair.of(model, key)))
        }
        // Deletions first: a deleted message can leave an invite's message_id to detach.
        for (model, key, repair) in references where repair == .delete {
            var cascade = try ReferenceCascade(db)
            try cascade.delete(from: model.name, where: Doctor.orphan(key.column, of: model.name, parent: key.table, db.dialect), [])
            for count in cascade.counts where count.deleted + count.detached > 0 {
                if count.table == model.name {
                    repairs.append(DoctorRepair(.orphanRows, table: model.name, column: key.column, count: Int64(count.deleted),
                        "\(deleted) \(count.deleted) row(s) whose \(key.table) row does not exist (\(key.column))"))
                } else {
                    let what = count.deleted > 0 ? "\(deleted) \(count.deleted) row(s) that belonged to them"
                        : "\(set) NULL \(count.detached) reference(s) to them"
                    repairs.append(DoctorRepair(.orphanRows, table: count.table, count: Int64(count.deleted + count.detached),
                        "\(what) (rows of \(model.name) whose \(key.table) row does not exist)"))
                }
            }
        }
        for (model, key, repair) in references where repair == .detach {
            try db.execute("UPDATE \(model.name) SET \(key.column) = NULL WHERE \(Doctor.orphan(key.column, of: model.name, parent: key.table, db.dialect))")
            let changed = db.changes
            if changed > 0 {
                repairs.append(DoctorRepair(.orphanRows, table: model.name, column: key.column, count: Int64(changed),
                    "\(set) \(key.column) NULL in \(changed) row(s) whose \(key.table) row does not exist"))
            }
        }
        if wanted.contains(where: { $0.code == .duplicateAIMembers }) {
            try db.execute("DELETE FROM room_members WHERE \(Doctor.extraAIMember)")
            let changed = db.changes
            if changed > 0 {
                repairs.append(DoctorRepair(.duplicateAIMembers, table: "room_members", column: "user_id", count: Int64(changed),
                    "\(dryRun ? "would remove" : "removed") \(changed) extra AI membership(s), keeping each room's oldest"))
            }
        }
        // Last, so that only the rows that stay are rewritten.
        for finding in wanted where finding.code == .noncanonicalDatetime {
            guard let table = finding.table, let column = finding.column,
                  ColumnDomain.all.contains(ColumnDomain(table: table, column: column, rule: .datetime)) else { continue }
            try db.execute("UPDATE \(table) SET \(column) = \(Doctor.canonicalForm)(\(column)) "
                           + "WHERE \(column) IS NOT NULL AND \(Doctor.nonCanonicalTest)(\(column))")
            let changed = db.changes
            if changed > 0 {
                repairs.append(DoctorRepair(.noncanonicalDatetime, table: table, column: column, count: Int64(changed),
                    "\(dryRun ? "would rewrite" : "rewrote") \(changed) \(column) value(s) as YYYY-MM-DD HH:MM:SS.ffffff UTC, "
                        + "the same instant(s)"))
            }
        }
        return repairs
    }

    /// chmod 0600 of the database file and SQLite's files beside it, when
    /// other accounts may read or write them; nothing on PostgreSQL.
    public func repairFileModes(dryRun: Bool) throws -> [DoctorRepair] {
        guard file != nil else { return [] }
        let open = databaseFiles().filter { $0.mode & 0o077 != 0 }
        guard !open.isEmpty else { return [] }
        for file in open where !dryRun {
            guard chmod(file.path, 0o600) == 0 else {
                throw SocializerError(.permissionDenied,
                    "cannot change the mode of '\(file.path)': \(String(cString: strerror(errno))); nothing else was repaired")
            }
        }
        let changed = open.map { "\($0.path) from \(Doctor.octal($0.mode))" }.joined(separator: ", ")
        return [DoctorRepair(.filePermissions, count: Int64(open.count),
                             "\(dryRun ? "would change" : "changed") the mode to 0600 of \(changed)")]
    }

    /// What the expired-tokens repair purges: the cron purge's own target.
    public var expiredTokens: PurgeTarget { TokenRepository.purgeTarget(expiredBefore: options.now) }

    /// The repair a token purge made, from its report.
    public static func repair(_ report: PurgeReport) -> DoctorRepair? {
        guard report.rowsDeleted > 0 else { return nil }
        return DoctorRepair(.expiredTokens, table: report.table, column: "expires_at", count: Int64(report.rowsDeleted),
            report.dryRun ? "would purge \(report.rowsDeleted) expired token(s)"
                : "purged \(report.rowsDeleted) expired token(s) in \(report.batches) batch(es)")
    }
}
