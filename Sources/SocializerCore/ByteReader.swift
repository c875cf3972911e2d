#if canImport(Glibc)
import Glibc
#endif

/// A buffered reader over any byte source (a file descriptor, standard
/// input, bytes in memory) with a fixed-size buffer, so that a parser
/// reading a large file byte by byte or line by line uses the same memory
/// for 1 KB as for 64 MB. The size limit is checked while reading: past
/// `limit` bytes, `LimitExceeded` is thrown instead of reading on.
public final class ByteReader {
    /// Fills the buffer it is given; returns how many bytes it wrote, 0 at end of input.
    public typealias Source = (UnsafeMutableRawBufferPointer) throws -> Int

    public struct LimitExceeded: Error, Sendable {
        public var limit: Int
    }

    private let source: Source
    private var buffer: [UInt8]
    private var position = 0
    private var count = 0
    private var atEnd = false
    public let limit: Int
    /// Bytes taken from the source so far.
    public private(set) var bytesRead = 0
    /// The buffer's size: fixed at creation (a test checks it never grows).
    public var bufferSize: Int { buffer.count }

    public init(chunkSize: Int = 64 * 1024, limit: Int, source: @escaping Source) {
        self.source = source
        self.limit = limit
        buffer = [UInt8](repeating: 0, count: max(16, chunkSize))
    }

    /// A reader over bytes already in memory (tests, small inputs).
    public convenience init(bytes: [UInt8], chunkSize: Int = 64 * 1024, limit: Int = .max) {
        var offset = 0
        self.init(chunkSize: chunkSize, limit: limit) { target in
            let n = min(target.count, bytes.count - offset)
            if n > 0 {
                bytes.withUnsafeBytes { target.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            }
            offset += n
            return n
        }
    }

    private func refill() throws -> Bool {
        guard !atEnd else { return false }
        let n = try buffer.withUnsafeMutableBytes { try source($0) }
        if n <= 0 {
            atEnd = true
            return false
        }
        bytesRead += n
        if bytesRead > limit { throw LimitExceeded(limit: limit) }
        position = 0
        count = n
        return true
    }

    /// The next byte without taking it; nil at end of input.
    @inline(__always)
    public func peek() throws -> UInt8? {
        if position == count, !(try refill()) { return nil }
        return buffer[position]
    }

    /// Takes the next byte; nil at end of input.
    @inline(__always)
    public func next() throws -> UInt8? {
        if position == count, !(try refill()) { return nil }
        defer { position += 1 }
        return buffer[position]
    }

    /// Replaces `line` with the bytes up to the next line feed (which is
    /// taken but not kept); false at end of input with nothing read. A line
    /// longer than `maxLength` is cut there (the rest is skipped) and
    /// `truncated` is set, so one huge line cannot fill memory.
    public func readLine(into line: inout [UInt8], maxLength: Int, truncated: inout Bool) throws -> Bool {
        line.removeAll(keepingCapacity: true)
        truncated = false
        var readAny = false
        while true {
            if position == count, !(try refill()) { return readAny }
            readAny = true
            let found: Int? = buffer.withUnsafeBufferPointer { b in
                // memchr: the line feed found a word at a time, not byte by byte.
                guard let hit = memchr(b.baseAddress! + position, 0x0A, count - position) else { return nil }
                return b.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            let end = found ?? count
            let room = maxLength - line.count
            if end - position > room {
                if room > 0 { line.append(contentsOf: buffer[position..<(position + room)]) }
                truncated = true
            } else if !truncated {
                line.append(contentsOf: buffer[position..<end])
            }
            if let found {
                position = found + 1
                return true
            }
            position = count
        }
    }
}
