import SocializerCLI
import SocializerCore

/// The outcome of one in-process CLI run.
public struct CLIResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// A fixed "now" for tests: 2026-06-15T12:00:00Z.
public let testNow = Timestamp(year: 2026, month: 6, day: 15, hour: 12)!

/// Runs `socializer` in process with the given argv, environment and stdin.
public func runCLI(_ arguments: [String], environment: [String: String] = [:], stdin: String = "",
                   terminal: TerminalInfo = TerminalInfo(), now: Timestamp = testNow) -> CLIResult {
    let out = TextBuffer()
    let err = TextBuffer()
    let status = CommandLineTool.run(arguments: arguments, environment: environment, stdin: BytesInput(stdin),
                                     stdout: out, stderr: err, terminal: terminal, clock: FixedClock(now))
    return CLIResult(status: status, stdout: out.text, stderr: err.text)
}

/// Runs with raw argv bytes (for invalid UTF-8).
public func runCLI(rawArguments: [[UInt8]]) -> CLIResult {
    let out = TextBuffer()
    let err = TextBuffer()
    let status = CommandLineTool.run(rawArguments: rawArguments, environment: [:], stdin: BytesInput(),
                                     stdout: out, stderr: err, terminal: TerminalInfo(), clock: FixedClock(testNow))
    return CLIResult(status: status, stdout: out.text, stderr: err.text)
}
