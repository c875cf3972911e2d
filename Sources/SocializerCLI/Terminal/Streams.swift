#if canImport(Glibc)
import Glibc
#endif
import SocializerCore

/// Where text output goes. The process uses file descriptors; in-process
/// tests use `TextBuffer`.
public protocol TextOutput: AnyObject {
    func write(_ text: String)
    func flush()
}

/// Where input comes from (stdin, for secrets and `--stdin` verbs).
public protocol ByteInput: AnyObject {
    /// Reads everything up to end of file.
    func readAll() throws -> [UInt8]
    /// Reads one line, without its line break; nil at end of file.
    func readLine() throws -> [UInt8]?
}

/// An in-memory output for tests and for capturing.
public final class TextBuffer: TextOutput {
    public private(set) var text = ""
    public init() {}
    public func write(_ text: String) { self.text += text }
    public func flush() {}
}

/// An in-memory input for tests.
public final class BytesInput: ByteInput {
    private var bytes: [UInt8]
    private var offset = 0
    public init(_ bytes: [UInt8] = []) { self.bytes = bytes }
    public convenience init(_ text: String) { self.init(Array(text.utf8)) }
    public func readAll() throws -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
    public func readLine() throws -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        let end = bytes[offset...].firstIndex(of: 0x0A) ?? bytes.count
        defer { offset = min(bytes.count, end + 1) }
        return Array(bytes[offset..<end])
    }
}

/// Buffered writes to a file descriptor. A closed pipe (`| head`) ends the
/// output quietly instead of killing the process with SIGPIPE.
public final class FileDescriptorOutput: TextOutput {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    public private(set) var brokenPipe = false

    public init(fd: Int32, capacity: Int = 64 * 1024) {
        self.fd = fd
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    public func write(_ text: String) {
        guard !brokenPipe else { return }
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { flush() }
    }

    public func flush() {
        var offset = 0
        while offset < buffer.count && !brokenPipe {
            let written = buffer[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                brokenPipe = true
                break
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

public final class FileDescriptorInput: ByteInput {
    private let fd: Int32
    private var pending: [UInt8] = []
    private var atEnd = false
    public init(fd: Int32) { self.fd = fd }

    private func fill() throws -> Bool {
        guard !atEnd else { return false }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocializerError(.ioError, "cannot read standard input: \(String(cString: strerror(errno)))")
            }
            if n == 0 { atEnd = true; return false }
            pending.append(contentsOf: chunk[0..<n])
            return true
        }
    }

    public func readAll() throws -> [UInt8] {
        while try fill() {}
        defer { pending = [] }
        return pending
    }

    public func readLine() throws -> [UInt8]? {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                return line
            }
            if !(try fill()) {
                if pending.isEmpty { return nil }
                defer { pending = [] }
                return pending
            }
        }
    }
}

/// What the process knows about its terminal.
public struct TerminalInfo: Sendable {
    public var stdinIsTerminal: Bool
    public var stdoutIsTerminal: Bool
    public var stderrIsTerminal: Bool
    /// Columns of the terminal, or nil when output is not a terminal.
    public var width: Int?

    public init(stdinIsTerminal: Bool = false, stdoutIsTerminal: Bool = false, stderrIsTerminal: Bool = false,
                width: Int? = nil) {
        self.stdinIsTerminal = stdinIsTerminal
        self.stdoutIsTerminal = stdoutIsTerminal
        self.stderrIsTerminal = stderrIsTerminal
        self.width = width
    }

    public static func current(environment: [String: String]) -> TerminalInfo {
        let stdoutTTY = isatty(1) == 1
        var width: Int?
        if stdoutTTY {
            var size = winsize()
            if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { width = Int(size.ws_col) }
        }
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { width = columns }
        return TerminalInfo(stdinIsTerminal: isatty(0) == 1, stdoutIsTerminal: stdoutTTY,
                            stderrIsTerminal: isatty(2) == 1, width: width)
    }
}
