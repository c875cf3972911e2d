#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerStore

/// Where the record engine's input comes from and its output goes, for
/// `seed`, `dump` and the per-table imports and exports: one way to open a
/// file or standard input, one way to stream a dump to standard output.
enum FixtureIO {
    /// A reader of `path` (`-`: standard input). A missing or unreadable
    /// file is said before its format is asked for; `format` says the
    /// format of a path (`-` included) or throws the usage error.
    static func reader(_ path: String, single: FixtureGroup?, what: String, _ context: CommandContext,
                       format: (String) throws -> RecordFormat) throws -> FixtureReader {
        let limit = FileReader.Limit.fixtureFile
        if path == "-" {
            let chosen = try format(path)
            let stdin = context.stdin
            return FixtureReader(reader: ByteReader(limit: limit) { try stdin.read(into: $0) }, name: "<stdin>", format: chosen,
                                 single: single) { limit in
                SocializerError.invalid("the \(what) on standard input is longer than \(FileReader.describe(limit)), the limit for it",
                                        hint: "see INPUT LIMITS in socializer(1)")
            }
        }
        let fd = try FileReader.openForStreaming(path, what: what, limit: limit)
        let chosen: RecordFormat
        do {
            chosen = try format(path)
        } catch {
            close(fd)
            throw error
        }
        return FixtureReader(reader: ByteReader(limit: limit, source: FileReader.source(fd: fd, what: what, path: path)),
                             name: path, format: chosen, single: single,
                             limitMessage: { FileReader.tooLarge(path, what: what, limit: $0) },
                             close: { _ = Glibc.close(fd) })
    }

    /// Streams a dump to standard output from one read snapshot (every
    /// table as of one moment, however the app writes meanwhile); lost
    /// output stops it (exit 74).
    static func write(_ dumper: FixtureDumper, _ db: any Database, _ context: CommandContext) throws {
        if dumper.secrets, let mode = context.terminal.stdoutFileMode, mode & 0o077 != 0 {
            context.warn("standard output is a file others may read (mode \(String(mode, radix: 8))) and this output holds secrets; "
                         + "restrict it with chmod 600, or create it under umask 077")
        }
        let out = context.stdout
        try db.transaction(.deferred) {
            if let snapshot = db.dialect.snapshotTransaction { try db.execute(snapshot) }
            try dumper.write { bytes in
                out.write(bytes: bytes)
                if let failure = out.failure { throw failure }
            }
        }
        out.flush()
    }
}
