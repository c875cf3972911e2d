import SocializerCore
#if canImport(Glibc)
import Glibc
#endif

/// Asks for a secret on a terminal without echo (termios), restoring the
/// terminal's settings afterwards whatever happens.
public struct TerminalPrompt: Sendable {
    public let inputFD: Int32
    public let outputFD: Int32

    public init(inputFD: Int32 = 0, outputFD: Int32 = 2) {
        self.inputFD = inputFD
        self.outputFD = outputFD
    }

    public var isTerminal: Bool { isatty(inputFD) == 1 }

    /// Reads one line without echo, after writing `prompt`.
    public func readHidden(_ prompt: String) throws -> [UInt8] {
        var original = termios()
        guard tcgetattr(inputFD, &original) == 0 else {
            throw SocializerError(.ioError, "cannot read the terminal's settings to turn echo off")
        }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        silent.c_lflag |= tcflag_t(ECHONL)
        guard tcsetattr(inputFD, TCSAFLUSH, &silent) == 0 else {
            throw SocializerError(.ioError, "cannot turn the terminal's echo off")
        }
        defer { _ = tcsetattr(inputFD, TCSAFLUSH, &original) }
        write(prompt)
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = Glibc.read(inputFD, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 || byte == 0x0A { break }
            line.append(byte)
            if line.count > 4096 { break }
        }
        if line.last == 0x0D { line.removeLast() }
        return line
    }

    /// Asks twice; the two answers must match. `validate` checks the first
    /// answer before the second is asked for (a user password's rules by default).
    public func readNewPassword(what: String = "password",
                                validate: ([UInt8]) throws -> [UInt8] = PasswordInput.requireValidNew) throws -> [UInt8] {
        let first = try readHidden("New \(what): ")
        let password = try validate(first)
        let second = try readHidden("Repeat the \(what): ")
        guard Digest.constantTimeEqual(password, second) else {
            throw SocializerError.invalid("the two \(what)s do not match; nothing was changed")
        }
        return password
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = Glibc.write(outputFD, &bytes, bytes.count)
    }
}
