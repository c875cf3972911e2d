#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerStore

/// A document holding personal data (`users takeout`), written where nobody
/// else can read it until it is complete and published: a file of mode
/// 0600 beside its destination, linked into place (never replacing a
/// file), or an unnamed temporary file copied to standard output. So a
/// failed run (a full disk, an error, an audit entry that could not be
/// written) leaves no file and prints nothing, and the database is read in
/// one snapshot at disk speed, whoever reads standard output and however
/// slowly.
final class PrivateDocument {
    /// The buffered writer of the document.
    let output: FileDescriptorOutput
    private var fd: Int32
    /// The temporary file beside the destination; nil for a spool.
    private let partial: PartialFile?
    /// How messages name where the document goes.
    let shownName: String

    private init(fd: Int32, partial: PartialFile?, shownName: String) {
        self.fd = fd
        self.partial = partial
        self.shownName = shownName
        output = FileDescriptorOutput(fd: fd, name: shownName)
    }

    deinit { discard() }

    /// Refuses a destination that exists (73): a takeout never replaces a
    /// file, as `backup` never does. Checked before the database is opened;
    /// `publish` checks again, atomically.
    static func requireFree(_ destination: String) throws {
        var info = stat()
        if lstat(destination, &info) == 0 {
            throw SocializerError(.cannotCreate, "'\(Echo.cut(destination))' already exists",
                                  hint: "choose another path or remove it first; a takeout never overwrites")
        }
    }

    /// A new file beside `destination` (`NAME.socializer-partial-PID`, mode
    /// 0600), after removing the partial files of runs that were killed.
    static func file(_ destination: String) throws -> PrivateDocument {
        PartialFile.removeStale(besides: destination)
        let partial = PartialFile(destination: destination)
        partial.discard()
        let fd = open(partial.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw creationFailure(errno, "cannot create '\(Echo.cut(destination))'") }
        fchmod(fd, 0o600)
        return PrivateDocument(fd: fd, partial: partial, shownName: "'\(Echo.cut(destination))'")
    }

    /// An unnamed file in `$TMPDIR` (else /tmp), for a document bound for
    /// standard output: created with mode 0600 and unlinked at once.
    static func spool(environment: [String: String]) throws -> PrivateDocument {
        let folder = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array(((folder.hasSuffix("/") ? folder : folder + "/") + "socializer-takeout-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw creationFailure(errno, "cannot create a temporary file in '\(Echo.cut(folder))' for the document",
                                  hint: "set TMPDIR to a folder with room, or write it with --output FILE")
        }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        return PrivateDocument(fd: fd, partial: nil, shownName: "the temporary file in '\(Echo.cut(folder))'")
    }

    private static func creationFailure(_ code: Int32, _ what: String, hint: String? = nil) -> SocializerError {
        let exit: ExitCode = code == EACCES || code == EPERM || code == EROFS ? .permissionDenied : .cannotCreate
        return SocializerError(exit, "\(what): \(String(cString: strerror(code)))", hint: hint)
    }

    /// Flushes the document and makes it durable; throws what went wrong
    /// while writing it (a full disk: 74).
    func complete() throws {
        output.flush()
        if let failure = output.failure { throw failure }
        guard partial != nil else { return }
        if fsync(fd) != 0 {
            throw SocializerError(.ioError, "cannot write to \(shownName): \(String(cString: strerror(errno)))")
        }
    }

    /// Puts the complete document where it goes: the file linked to its
    /// name (73 if that name appeared meanwhile), or the spool copied to
    /// standard output.
    func publish(to stdout: TextOutput) throws {
        if let partial {
            close(fd)
            fd = -1
            guard try partial.place() else {
                throw SocializerError(.cannotCreate, "\(shownName) already exists",
                                      hint: "choose another path or remove it first; a takeout never overwrites")
            }
            return
        }
        guard lseek(fd, 0, SEEK_SET) == 0 else {
            throw SocializerError(.ioError, "cannot read back \(shownName): \(String(cString: strerror(errno)))")
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SocializerError(.ioError, "cannot read back \(shownName): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            stdout.write(bytes: Array(chunk[0..<count]))
            if let failure = stdout.failure { throw failure }
        }
        stdout.flush()
    }

    /// Closes the file and removes what is left of it (nothing once a file
    /// was published; a spool has no name to remove).
    func discard() {
        if fd >= 0 {
            // What the writer still holds goes to this file, never to a descriptor reused later.
            output.flush()
            close(fd)
            fd = -1
        }
        partial?.discard()
    }
}
