import Foundation
import Synchronization
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerSecurity

/// The no-echo prompt, driven through a real pseudo-terminal.
@Suite(.serialized) struct TerminalPromptTests {
    final class Terminal {
        let master: Int32
        let slave: Int32
        init() throws {
            // posix_openpt and friends are not visible to Swift; use the Linux
            // ioctls behind them (TIOCSPTLCK = unlock, TIOCGPTN = the pts number).
            master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
            var unlock: Int32 = 0
            var number: UInt32 = 0
            guard master >= 0, ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
                throw SocializerError.internalError("no pseudo-terminal")
            }
            slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        }
        deinit { close(slave); close(master) }

        /// Everything the program wrote to the terminal so far (waits briefly).
        func screen(waitingFor text: String) -> String {
            var seen = ""
            let deadline = Date().addingTimeInterval(5)
            while !seen.contains(text) && Date() < deadline {
                var buffer = [UInt8](repeating: 0, count: 1024)
                var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 100) > 0 {
                    let n = read(master, &buffer, buffer.count)
                    if n > 0 { seen += String(decoding: buffer[0..<n], as: UTF8.self) }
                }
            }
            return seen
        }

        func type(_ text: String) {
            var bytes = Array(text.utf8)
            _ = write(master, &bytes, bytes.count)
        }
    }

    @Test func asksTwiceWithoutEchoAndRestoresTheTerminal() throws {
        let terminal = try Terminal()
        var before = termios()
        tcgetattr(terminal.slave, &before)
        let prompt = TerminalPrompt(inputFD: terminal.slave, outputFD: terminal.slave)
        #expect(prompt.isTerminal)
        let result = Mutex<Result<[UInt8], Error>?>(nil)
        let thread = Thread { result.withLock { $0 = Result { try prompt.readNewPassword() } } }
        thread.start()
        var screen = terminal.screen(waitingFor: "New password: ")
        terminal.type("s3cret pass\n")
        screen += terminal.screen(waitingFor: "Repeat the password: ")
        terminal.type("s3cret pass\n")
        let deadline = Date().addingTimeInterval(5)
        while result.withLock({ $0 == nil }) && Date() < deadline { usleep(10_000) }
        screen += terminal.screen(waitingFor: "\n\n")
        #expect(try result.withLock { $0 }?.get() == Array("s3cret pass".utf8))
        #expect(screen.contains("New password: ") && screen.contains("Repeat the password: "))
        #expect(!screen.contains("s3cret"), "the password was echoed: \(screen)")
        var after = termios()
        tcgetattr(terminal.slave, &after)
        #expect(after.c_lflag == before.c_lflag, "terminal settings restored")
        #expect(after.c_lflag & tcflag_t(ECHO) != 0)
    }

    @Test func mismatchedAnswersAreRefused() throws {
        let terminal = try Terminal()
        let prompt = TerminalPrompt(inputFD: terminal.slave, outputFD: terminal.slave)
        let result = Mutex<Result<[UInt8], Error>?>(nil)
        Thread { result.withLock { $0 = Result { try prompt.readNewPassword() } } }.start()
        _ = terminal.screen(waitingFor: "New password: ")
        terminal.type("one-password\n")
        _ = terminal.screen(waitingFor: "Repeat")
        terminal.type("another-one\n")
        let deadline = Date().addingTimeInterval(5)
        while result.withLock({ $0 == nil }) && Date() < deadline { usleep(10_000) }
        #expect(throws: SocializerError.invalid("the two passwords do not match; nothing was changed")) {
            try result.withLock { $0 }?.get()
        }
    }
}
