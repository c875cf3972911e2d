#if canImport(Glibc)
import Glibc
#endif
import SocializerCore

/// Where text output goes. The process uses file descriptors; in-process
/// tests use `TextBuffer`.
public protocol TextOutput: AnyObject {
    func write(_ text: String)
    /// Bytes already encoded as UTF-8 (the bulk writers' rows): the
    /// descriptor output copies them into its buffer, no `String` made.
    func write(bytes: [UInt8])
    func flush()
    /// Why output was lost (disk full, file size limit, I/O error), if it
    /// was; the runner turns it into exit 74. A reader that closed the pipe
    /// is not a failure.
    var failure: SocializerError? { get }
}

extension TextOutput {
    public var failure: SocializerError? { nil }
    public func write(bytes: [UInt8]) { write(String(decoding: bytes, as: UTF8.self)) }
}

/// Where input comes from (stdin, for secrets and `--stdin` verbs).
///
/// Every read has a limit that is checked while reading, so an endless
/// source (`< /dev/zero`) is refused after `limit` bytes instead of filling
/// memory. Reading is linear in the input's size.
public protocol ByteInput: AnyObject {
    /// Reads everything up to end of file; throws `InputLimitExceeded` past `limit` bytes.
    func readAll(limit: Int) throws -> [UInt8]
    /// Reads one line, without its line break; nil at end of file; throws
    /// `InputLimitExceeded` when the line is longer than `limit` bytes.
    func readLine(limit: Int) throws -> [UInt8]?
    /// Reads what is available into `buffer` (a streaming reader's chunk);
    /// 0 at end of file. The caller counts the bytes against its limit.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Input longer than the limit its reader set; callers turn it into a
/// message that names what was being read and the limit.
public struct InputLimitExceeded: Error, Sendable {
    public var limit: Int
    public init(limit: Int) { self.limit = limit }
}

/// An in-memory output for tests and for capturing.
public final class TextBuffer: TextOutput {
    public private(set) var text = ""
    public init() {}
    public func write(_ text: String) { self.text += text }
    public func flush() {}
}

/// An output that keeps nothing: what a dry run writes to, counting what it would write.
public final class DiscardedOutput: TextOutput {
    public init() {}
    public func write(_ text: String) {}
    public func write(bytes: [UInt8]) {}
    public func flush() {}
}

/// An in-memory input for tests.
public final class BytesInput: ByteInput {
    private var bytes: [UInt8]
    private var offset = 0
    public init(_ bytes: [UInt8] = []) { self.bytes = bytes }
    public convenience init(_ text: String) { self.init(Array(text.utf8)) }
    public func readAll(limit: Int) throws -> [UInt8] {
        guard bytes.count - offset <= limit else { throw InputLimitExceeded(limit: limit) }
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
    public func readLine(limit: Int) throws -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        let end = bytes[offset...].firstIndex(of: 0x0A) ?? bytes.count
        guard end - offset <= limit else { throw InputLimitExceeded(limit: limit) }
        defer { offset = min(bytes.count, end + 1) }
        return Array(bytes[offset..<end])
    }
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n > 0 { bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) } }
        offset += n
        return n
    }
}

/// Buffered writes to a file descriptor. A closed pipe (`| head`) ends the
/// output quietly instead of killing the process with SIGPIPE; any other
/// failed write (disk full, `ulimit -f`, an I/O error) ends the output and
/// is kept in `failure`, which the runner reports as exit 74.
public final class FileDescriptorOutput: TextOutput {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    private let name: String
    public private(set) var brokenPipe = false
    public private(set) var failure: SocializerError?

    public init(fd: Int32, capacity: Int = 64 * 1024, name: String = "standard output") {
        self.fd = fd
        self.name = name
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    public func write(_ text: String) {
        guard !brokenPipe && failure == nil else { return }
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { flush() }
    }

    public func write(bytes: [UInt8]) {
        guard !brokenPipe && failure == nil else { return }
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    public func flush() {
        var offset = 0
        while offset < buffer.count && !brokenPipe && failure == nil {
            let written = buffer[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EPIPE {
                    brokenPipe = true
                } else {
                    failure = SocializerError(.ioError, "cannot write to \(name): \(String(cString: strerror(code)))",
                                              hint: code == ENOSPC || code == EFBIG
                                                ? "free some space (or raise the file size limit) and run it again" : nil)
                }
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
    /// Bytes read but not yet returned start at `start`; `scanned` bytes
    /// past it are known to hold no line break, so a long line is searched
    /// once, not once per chunk (linear, not quadratic).
    private var pending: [UInt8] = []
    private var start = 0
    private var scanned = 0
    private var atEnd = false
    /// Bytes looked at while searching for line breaks: a test checks that
    /// it stays proportional to the input, however it arrives.
    private(set) var bytesExamined = 0
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

    private func take(upTo end: Int, skipping: Int) -> [UInt8] {
        let taken = Array(pending[start..<end])
        start = end + skipping
        scanned = 0
        if start >= pending.count {
            pending.removeAll(keepingCapacity: true)
            start = 0
        }
        return taken
    }

    public func readAll(limit: Int) throws -> [UInt8] {
        while pending.count - start <= limit, try fill() {}
        guard pending.count - start <= limit else { throw InputLimitExceeded(limit: limit) }
        return take(upTo: pending.count, skipping: 0)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if start < pending.count {
            let n = min(buffer.count, pending.count - start)
            pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: n) }
            _ = take(upTo: start + n, skipping: 0)
            return n
        }
        guard !atEnd else { return 0 }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw SocializerError(.ioError, "cannot read standard input: \(String(cString: strerror(errno)))")
            }
            if n == 0 { atEnd = true }
            return n
        }
    }

    public func readLine(limit: Int) throws -> [UInt8]? {
        while true {
            let unexamined = pending[(start + scanned)...]
            let found = unexamined.firstIndex(of: 0x0A)
            bytesExamined += (found ?? pending.count) - unexamined.startIndex
            if let newline = found {
                guard newline - start <= limit else { throw InputLimitExceeded(limit: limit) }
                return take(upTo: newline, skipping: 1)
            }
            scanned = pending.count - start
            guard scanned <= limit else { throw InputLimitExceeded(limit: limit) }
            if !(try fill()) {
                if pending.count == start { return nil }
                return take(upTo: pending.count, skipping: 0)
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
    /// The permission bits of standard output when it is a regular file
    /// (`> file`), else nil: secrets written there warn when others may read it.
    public var stdoutFileMode: UInt32?

    public init(stdinIsTerminal: Bool = false, stdoutIsTerminal: Bool = false, stderrIsTerminal: Bool = false,
                width: Int? = nil, stdoutFileMode: UInt32? = nil) {
        self.stdoutFileMode = stdoutFileMode
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
        var info = stat()
        let fileMode = fstat(1, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? UInt32(info.st_mode & 0o777) : nil
        return TerminalInfo(stdinIsTerminal: isatty(0) == 1, stdoutIsTerminal: stdoutTTY,
                            stderrIsTerminal: isatty(2) == 1, width: width, stdoutFileMode: fileMode)
    }
}
