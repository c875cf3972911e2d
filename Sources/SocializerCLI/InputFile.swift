import SocializerCore

/// Every FILE argument and option reads through here: `-` means standard
/// input (as `--stdin` does), and the size limit is checked while reading.
enum InputFile {
    /// The bytes of `path` (`-`: standard input), or of standard input when
    /// `stdin` is set. `what` names the input on standard input, `file` the
    /// argument in a file's errors ("import file", "--file").
    static func read(_ path: String?, stdin: Bool = false, _ context: CommandContext, what: String, file: String,
                     limit: Int) throws -> [UInt8] {
        if stdin || path == "-" { return try context.readStandardInput(limit: limit, what: what) }
        guard let path else { throw SocializerError.usage("give \(file) FILE or --stdin") }
        return try FileReader.read(path, what: file, limit: limit).bytes
    }
}
