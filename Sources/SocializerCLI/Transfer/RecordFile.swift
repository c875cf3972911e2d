#if canImport(Glibc)
import Glibc
#endif
import SocializerCore

/// The CLI's side of record files (the readers are `RecordStream` in the
/// core): which format a file argument names, and opening one (`-` is
/// standard input).
enum RecordFile {
    typealias Format = RecordFormat

    /// Hard cap that keeps a bad file from exhausting memory (BAD-INPUT row 13):
    /// the size is checked while reading, the depth while parsing.
    static let maximumFileBytes = FileReader.Limit.importFile

    /// The format from `--input-format` when it names one, else from the extension.
    static func format(path: String, explicit: Format?) throws -> Format {
        if let explicit { return explicit }
        if path == "-" {
            throw SocializerError.usage("standard input has no name to tell its format by", hint: "pass --input-format json|jsonl|csv")
        }
        if let format = RecordFormat.of(path: path) { return format }
        throw SocializerError.usage("cannot tell the format of '\(path)' from its name",
                                    hint: "name it .json, .jsonl or .csv, or pass --input-format json|jsonl|csv")
    }
}

extension RecordStream {
    /// Opens `path` (`-`: standard input) for streaming.
    static func open(_ path: String, format: RecordFile.Format, _ context: CommandContext,
                     chunkSize: Int = 64 * 1024) throws -> RecordStream {
        let limit = RecordFile.maximumFileBytes
        if path == "-" {
            let stdin = context.stdin
            return RecordStream(reader: ByteReader(chunkSize: chunkSize, limit: limit) { try stdin.read(into: $0) },
                                name: "<stdin>", format: format) { limit in
                SocializerError.invalid("the import file on standard input is longer than \(FileReader.describe(limit)), the limit for it",
                                        hint: "see INPUT LIMITS in socializer(1)")
            }
        }
        let fd = try FileReader.openForStreaming(path, what: "import file", limit: limit)
        return RecordStream(reader: ByteReader(chunkSize: chunkSize, limit: limit,
                                               source: FileReader.source(fd: fd, what: "import file", path: path)),
                            name: path, format: format, limitMessage: { FileReader.tooLarge(path, what: "import file", limit: $0) },
                            close: { _ = Glibc.close(fd) })
    }
}
