import ArgumentParser
import Foundation
import SecureMail

struct Route: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Show where a Subject would be routed for a secure mailbox, and why.",
        discussion: "SUBJECT may contain RFC 2047 encoded words and folding, as in a Subject header.")

    @Argument(help: "The Subject, as written in the message.")
    var subject: String

    @Option(name: .long, help: "The secure mailbox the message is addressed to.")
    var mailbox: String

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Flag(name: .long, help: "Print the route object of the JSON report.")
    var json = false

    func run() throws {
        do {
            let configuration = try configurationOptions.load()
            guard configuration.mailbox(mailbox) != nil else {
                let known = configuration.mailboxes.map(\.address).joined(separator: ", ")
                throw OperatorError(code: .noUser, message: "\(mailbox) is not a configured secure mailbox (configured: \(known))")
            }
            let decoded = EncodedWords.decode(subject.replacingOccurrences(of: "\r\n", with: "").replacingOccurrences(of: "\n", with: ""))
            let decision = SubjectRouter(table: configuration.routingTable).route(subject: decoded, mailbox: mailbox)
            if json {
                try writeOutput(encodeJSON(decision), to: "-")
            } else {
                var lines = ["Subject:    \(decision.effectiveSubject)", "Route to:   \(decision.to.joined(separator: ", "))"]
                if let matched = decision.matched { lines.append("Matched:    \(matched)") }
                if decision.ambiguous { lines.append("Ambiguous:  \(decision.candidates.joined(separator: ", "))") }
                lines.append("Why:        \(decision.reason)")
                print(lines.joined(separator: "\n"))
            }
        } catch {
            throw OperatorError.report(error)
        }
    }
}
