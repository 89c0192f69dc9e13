import Foundation
import Testing

@Suite struct RouteCommandTests {
    @Test(arguments: [
        ("SV: Re: =?ISO-8859-1?Q?S=F8ren_Kj=E6rgaard?=", "sikkermail@gjensidige.dk", "soeren.kjaergaard@gjensidige.dk", false),
        ("=?UTF-8?B?w4VzZSDDmGRlZ8OlcmQ=?= vedr. skade", "sikkermail@gjensidige.dk", "aase.oedegaard@gjensidige.dk", false),
        ("Skade og Regres", "sikkermail-arbejdsskade@gjensidige.dk", "arbejdsskade@gjensidige.dk", true),
        ("", "sikkermail@gjensidige.dk", "kundeservice@gjensidige.dk", false),
    ])
    func routesDecodedSubjects(subject: String, mailbox: String, destination: String, ambiguous: Bool) throws {
        let run = try Relay.run(["route", subject, "--mailbox", mailbox, "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let route = try Relay.json(run)
        #expect(route["to"] as? [String] == [destination])
        #expect(route["ambiguous"] as? Bool == ambiguous)
        #expect(route.keys.contains("matched"))
    }

    @Test func unknownMailboxIsRefusedWithTheConfiguredOnes() throws {
        let run = try Relay.run(["route", "Skade", "--mailbox", "nobody@example.dk"])
        #expect(run.status == 67)
        #expect(run.standardError.contains("sikkermail@gjensidige.dk"))
    }
}
