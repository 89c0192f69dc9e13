import Foundation
import Testing
@testable import SecureMail

/// SendmailDelivery with a shell script in sendmail's role that records what it was given.
struct SendmailDeliveryTests {
    private func standIn(exitStatus: Int, stderr: String = "") throws -> (TemporaryFolder, String) {
        let folder = try TemporaryFolder("sendmail")
        let script = """
            #!/bin/sh
            for argument in "$@"; do printf '%s\\n' "$argument"; done > "\(folder.path("arguments"))"
            cat > "\(folder.path("stdin"))"
            printf '%s' '\(stderr)' >&2
            exit \(exitStatus)

            """
        let path = try folder.write("sendmail", Array(script.utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return (folder, path)
    }

    private let outbound = OutboundMessage(
        sender: "kunde@example.dk", recipients: ["-oops@gjensidige.dk", "skade@gjensidige.dk"],
        bytes: MessageBytes(message(subject: "pipe", body: ".dot stays\r\n")))

    @Test func passesEnvelopeAsArgumentsAndMessageOnStdin() async throws {
        let (folder, path) = try standIn(exitStatus: 0)
        let result = await SendmailDelivery(sendmailPath: path, logger: transportTestLogger).deliver(outbound)
        #expect(result == .accepted)
        let arguments = String(decoding: try folder.read("arguments"), as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(arguments == ["-G", "-i", "-f", "kunde@example.dk", "--", "-oops@gjensidige.dk", "skade@gjensidige.dk"])
        #expect(try folder.read("stdin") == outbound.bytes.collected())
    }

    @Test func aSpilledMessageIsStreamedToSendmailExactly() async throws {
        let (folder, path) = try standIn(exitStatus: 0)
        let content = LargeMessageTests.pseudoRandomBytes(2 * SpillFile.threshold + 12_345, seed: 31)
        let bytes = try MessageBytesTests.written(content, spillDirectory: folder.path(""))
        try #require(bytes.isSpilled)
        let result = await SendmailDelivery(sendmailPath: path, logger: transportTestLogger)
            .deliver(OutboundMessage(sender: "kunde@example.dk", recipients: ["skade@gjensidige.dk"], bytes: bytes))
        #expect(result == .accepted)
        #expect(try folder.read("stdin") == content)
    }

    @Test func nullSenderIsPassedAsAngleBrackets() {
        #expect(SendmailDelivery.arguments(sender: "", recipients: ["a@b.dk"]) == ["-G", "-i", "-f", "<>", "--", "a@b.dk"])
    }

    @Test func tempfailIsTransientWithStderr() async throws {
        let (folder, path) = try standIn(exitStatus: 75, stderr: "postdrop: queue file write error")
        let result = await SendmailDelivery(sendmailPath: path, logger: transportTestLogger).deliver(outbound)
        withExtendedLifetime(folder) {}
        #expect(result == .transientFailure(reason: "\(path) exited 75: postdrop: queue file write error"))
    }

    @Test func unavailableIsPermanent() async throws {
        let (folder, path) = try standIn(exitStatus: 69, stderr: "service unavailable")
        let result = await SendmailDelivery(sendmailPath: path, logger: transportTestLogger).deliver(outbound)
        withExtendedLifetime(folder) {}
        #expect(result == .permanentFailure(reason: "\(path) exited 69: service unavailable"))
    }

    @Test func unknownStatusMissingProgramAndSignalAreTransient() async throws {
        let (standInFolder, path) = try standIn(exitStatus: 1)
        let unknown = await SendmailDelivery(sendmailPath: path, logger: transportTestLogger).deliver(outbound)
        withExtendedLifetime(standInFolder) {}
        #expect(unknown == .transientFailure(reason: "\(path) exited 1"))
        guard case .transientFailure = await SendmailDelivery(sendmailPath: "/nonexistent/sendmail", logger: transportTestLogger).deliver(outbound) else {
            Issue.record("a sendmail that does not start must be transient")
            return
        }
        let folder = try TemporaryFolder("sendmail")
        let killer = try folder.write("sendmail", Array("#!/bin/sh\nkill -KILL $$\n".utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: killer)
        guard case .transientFailure(let reason) = await SendmailDelivery(sendmailPath: killer, logger: transportTestLogger).deliver(outbound) else {
            Issue.record("a sendmail killed by a signal must be transient")
            return
        }
        withExtendedLifetime(folder) {}
        #expect(reason.contains("signal 9"))
    }

    @Test func hangingSendmailIsKilledAndTransient() async throws {
        let folder = try TemporaryFolder("sendmail")
        let sleeper = try folder.write("sendmail", Array("#!/bin/sh\nexec sleep 600\n".utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sleeper)
        let delivery = SendmailDelivery(sendmailPath: sleeper, timeout: .milliseconds(300), logger: transportTestLogger)
        guard case .transientFailure(let reason) = await delivery.deliver(outbound) else {
            Issue.record("a sendmail that never finishes must be transient")
            return
        }
        withExtendedLifetime(folder) {}
        #expect(reason.contains("did not finish"))
    }
}

/// ChildProcess on its own: a child whose status someone else collected is reported as such.
struct ChildProcessTests {
    @Test func aChildReapedElsewhereEndsAsUnknownInsteadOfRunningForEver() throws {
        let child = try ChildProcess("/bin/true", [])
        var status: Int32 = 0
        #expect(waitpid(child.processIdentifier, &status, 0) == child.processIdentifier)
        #expect(child.wait(seconds: 5) == .unknown)
        #expect(child.ended?.shellStatus == -1)
    }

    /// The wait sleeps on the child's pidfd: it still ends at its deadline while the child runs.
    @Test func aWaitEndsAtItsDeadlineWhileTheChildRuns() throws {
        let child = try ChildProcess("/bin/sleep", ["600"])
        #expect(child.wait(seconds: 0.2) == nil)
        #expect(child.isRunning)
        #expect(child.stop(signal: SIGTERM, grace: 10) == .signalled(SIGTERM))
    }

    @Test func exitStatusAndSignalAreReported() throws {
        #expect(try ChildProcess("/bin/sh", ["-c", "exit 3"]).wait(seconds: 10) == .exited(3))
        #expect(try ChildProcess("/bin/sh", ["-c", "kill -TERM $$"]).wait(seconds: 10) == .signalled(SIGTERM))
    }
}
